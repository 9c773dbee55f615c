# pbde — build, run and test.
#   make run     install missing system packages, build, start the explorer
#   make test    build and run every test (unit tests and end-to-end scripts)
#   make deps    install the system packages the project needs

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

# pkg-config names the build links against, and the packages that provide
# them (plus tools the end-to-end tests use).
PKGS     := ncursesw sdl2 SDL2_ttf SDL2_image fontconfig inih cmocka libpng
APT_PKGS := build-essential pkg-config libncurses-dev libsdl2-dev libsdl2-ttf-dev \
            libsdl2-image-dev libfontconfig-dev libinih-dev libcmocka-dev libpng-dev tmux \
            xvfb xauth xdotool fonts-dejavu-core ffmpeg
BREW_PKGS := pkg-config ncurses sdl2 sdl2_ttf sdl2_image fontconfig inih cmocka libpng tmux ffmpeg

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
UI_LIBS  := $(shell pkg-config --libs ncursesw sdl2 SDL2_ttf SDL2_image fontconfig inih 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka inih 2>/dev/null)

WARN   := -Wall -Wextra -Wshadow -Wdouble-promotion -Wstrict-prototypes \
          -Wmissing-prototypes -Wformat=2 -Wvla
OPT    ?= -O2
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
              -Iinclude $(PKG_CFLAGS) -pthread -MMD -MP
# the library reads PNG images (image densities) with libpng
LDLIBS := $(shell pkg-config --libs libpng 2>/dev/null) -lm -pthread

ARCH := $(shell uname -m)
ifeq ($(ARCH),x86_64)
  AVX2_FLAGS := -mavx2 -mfma
endif

CORE_SRC := $(wildcard src/core/*.c)
CLI_SRC  := $(wildcard src/cli/*.c) $(wildcard src/tui/*.c) $(wildcard src/gui/*.c) \
            $(wildcard src/export/*.c)
# The view model is pure (no terminal, no window): it goes into the library
# so its unit tests link against it.
CORE_SRC += $(wildcard src/view/*.c)
TEST_SRC := $(wildcard tests/test_*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIB      := $(BUILD)/libpbde.a
BIN      := $(BUILD)/pbde

.PHONY: all run test check sanitize fuzz valgrind readme-params clean install uninstall deps \
        deps-if-missing \
        bench-compare aarch64-test demos
.DEFAULT_GOAL := all

all: $(BIN) $(TEST_BIN)

$(BUILD)/src/core/kernels_avx2.o: ALL_CFLAGS += $(AVX2_FLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(UI_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(CMOCKA_LIBS) $(LDLIBS)

# The README's two commands: install what is missing, then build with the
# flags pkg-config reports once the packages are there.
run: deps-if-missing
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) $(ARGS)

test: deps-if-missing
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check

# tests run TEST_JOBS at a time (tests/run_all.sh)
TEST_JOBS ?= 2

check: $(BIN) $(TEST_BIN)
	@BUILD=$(BUILD) JOBS=$(TEST_JOBS) sh tests/run_all.sh $(TEST_BIN)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in
# its own build folder (build-san, one level deep like build, so pbde finds
# ../demos), built and run SAN_JOBS at a time (tests/run_all.sh).
# There the numeric kernels (src/core/kernels_scalar.c, kernels_avx2.c) are
# compiled without instrumentation: instrumented, they make the statistical tests
# about ten times slower (test_zoo_train 356 s against 34 s, measured), too
# slow for CI. So the kernels get a pass of their own first: test_kernels
# and test_mlp (every kernel against the scalar reference, the MLP's
# gradients) on a library instrumented throughout (build-san/kernels). The
# two kernel objects of build-san are always rebuilt, so an older
# instrumented build of them cannot linger.
# The suite's summary line comes last.
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_JOBS   ?= 2
SAN_KERNEL_TESTS := test_kernels test_mlp
ifdef SAN_PLAIN_KERNELS
$(BUILD)/src/core/kernels_scalar.o $(BUILD)/src/core/kernels_avx2.o: ALL_CFLAGS += -fno-sanitize=all
endif
sanitize: deps-if-missing
	@$(MAKE) --no-print-directory -j$(SAN_JOBS) BUILD=build-san/kernels OPT=-O1 CFLAGS="$(SAN_CFLAGS)" \
	  $(SAN_KERNEL_TESTS:%=build-san/kernels/tests/%)
	@for t in $(SAN_KERNEL_TESTS); do echo "== build-san/kernels/tests/$$t (kernels instrumented)"; \
	  build-san/kernels/tests/$$t || exit 1; done
	@rm -f build-san/src/core/kernels_scalar.o build-san/src/core/kernels_avx2.o
	@$(MAKE) --no-print-directory -j$(SAN_JOBS) BUILD=build-san SAN_PLAIN_KERNELS=1 OPT=-O1 \
	  CFLAGS="$(SAN_CFLAGS)" all
	@BUILD=build-san JOBS=$(SAN_JOBS) sh tests/run_all.sh $(TEST_BIN:$(BUILD)/%=build-san/%)

# libFuzzer targets for the scenario, command-line and tour parsers, built
# with clang under ASan and UBSan in build/fuzz; fuzz/run.sh SECONDS builds
# them and runs each for that long.
FUZZ_TARGETS := scenario cli tour
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
fuzz:
	@command -v clang >/dev/null 2>&1 || { echo "make fuzz needs clang (apt-get install clang libclang-rt-dev)"; exit 1; }
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
	  $(FUZZ_TARGETS:%=build/fuzz/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_check.h $(LIB) $(BUILD)/src/cli/args.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/src/cli/args.o $(LIB) \
	  $$(pkg-config --libs inih) $(LDLIBS)

# valgrind memcheck on short train, sample, render and tui runs (tests/long).
valgrind: $(BIN)
	@PBDE=$(BIN) sh tests/long/valgrind.sh

# Training speed against the PyTorch reference (bench/torch_ref.py) on one
# thread: the same network, loss, batch, optimiser and pairs. PyTorch is
# optional: without it the rule says so and times pbde alone. PYTHON may
# name an interpreter that has torch; Debian's python3-torch installs into
# /usr/bin/python3, which is tried when $(PYTHON) lacks it.
PYTHON ?= python3
bench-compare: $(BIN)
	@py=$(PYTHON); \
	if ! $$py -c 'import torch' 2>/dev/null && [ -x /usr/bin/python3 ] && \
	   /usr/bin/python3 -c 'import torch' 2>/dev/null; then py=/usr/bin/python3; fi; \
	$(BIN) sample --out $(BUILD)/bench-pairs.csv && \
	$$py bench/torch_ref.py --pbde $(BIN) --data $(BUILD)/bench-pairs.csv

# The kernel and MLP tests cross-compiled for AArch64 and run under
# qemu-user: NEON against the scalar reference (installs the cross tools
# with apt-get when missing and allowed).
aarch64-test:
	@BUILD=$(BUILD) sh .ci/aarch64.sh

deps-if-missing:
	@pkg-config --exists $(PKGS) 2>/dev/null && \
	  ( for c in tmux xvfb-run xauth xdotool ffmpeg; do command -v $$c >/dev/null || exit 1; done ) \
	  || $(MAKE) --no-print-directory deps

deps:
	@if [ "$$(uname -s)" = Darwin ]; then \
	  echo "On macOS install the dependencies with:"; \
	  echo "  brew install $(BREW_PKGS)"; exit 1; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "No apt-get here. Install the equivalents of: $(APT_PKGS)"; exit 1; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing system packages: $(APT_PKGS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS); \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  echo "Installing system packages with sudo: $(APT_PKGS)"; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS); \
	else \
	  echo "Missing system packages. Install them with:"; \
	  echo "  sudo apt-get install $(APT_PKGS)"; exit 1; \
	fi

# Regenerates the README's parameter table from the registry.
readme-params: $(BIN)
	@./$(BIN) list params > $(BUILD)/params.md
	@awk -v table=$(BUILD)/params.md '/<!-- params:end -->/ { while ((getline l < table) > 0) print l; on = 0 } \
	  !on { print } /<!-- params:begin -->/ { on = 1 }' README.md > $(BUILD)/README.md && mv $(BUILD)/README.md README.md

# Every demo rendered into demos/gallery/ (the sweeps as facets, the
# comparisons as two images) and the gallery page demos/README.md: each
# demo's title, what to look for, its images and the exact command that
# drew each. One shot per line: scenario|image|extra options, in the
# gallery's order; a demo not listed gets one plain shot at the end.
DEMO_SHOTS := \
  'reward-recovers-density|reward-recovers-density|' \
  'dpo-beta-sweep|dpo-beta-sweep|--facet beta=1,4,16' \
  'dpo-well-specified|dpo-well-specified|' \
  'geometric-alpha-sweep|geometric-alpha-sweep|--facet alpha=1,0.25,0.0625' \
  'ipo-tau-sweep|ipo-tau-sweep|--facet tau=0.1,0.5,1' \
  'slic-sweep|slic-sweep-lambda0|--lambda 0 --facet delta=0,0.5,1,2' \
  'slic-sweep|slic-sweep-lambda1|--lambda 1 --facet delta=0,0.5,1,2' \
  'annotator-misspecification|annotator-misspecification|' \
  'mixture-well-specified|mixture-well-specified|' \
  'density-vs-annotator-mixture|density-vs-annotator-mixture|' \
  'density-vs-annotator-mixture|density-vs-annotator-mixture-annotators|--annotator mixture' \
  'preference-slices|preference-slices|--cursor 2,1.5' \
  'preference-slices|preference-slices-annotators|--annotator mixture --cursor 2,1.5' \
  'proposal-coverage|proposal-coverage|' \
  'proposal-coverage|proposal-coverage-uniform|--proposal uniform' \
  'link-misspecification|link-misspecification|' \
  'link-misspecification|link-misspecification-hardmax|--annotator hardmax' \
  'label-noise|label-noise|' \
  'misspec-vs-estimation-misspecified|misspec-vs-estimation-misspecified|' \
  'misspec-vs-estimation-data-starved|misspec-vs-estimation-data-starved|' \
  'misspec-vs-estimation-data-starved|misspec-vs-estimation-side-by-side|--facet annotator=thurstone,mixture'

define DEMOS_SH
set -e
bin=$$1; shift
page=demos/README.md; tmp=$$page.tmp
mkdir -p demos/gallery
for shot in "$$@"; do
  [ -f "demos/$${shot%%|*}.ini" ] || { echo "make demos: DEMO_SHOTS names $${shot%%|*}, not in demos/"; exit 1; }
done
shots=$$(printf '%s\n' "$$@")
for f in demos/*.ini; do
  n=$$(basename "$$f" .ini)
  printf '%s\n' "$$@" | grep -q "^$$n|" || shots="$$shots
$$n|$$n|"
done
{
  echo '# Demo gallery'
  echo
  echo 'Every scenario in this folder, rendered by `make demos` (generated: edit the'
  echo 'scenario files or the Makefile, not this page). Each image is the end of'
  echo "training (the scenario's steps), drawn by \`pbde render\`; the command under it"
  echo 'draws it again, byte for byte. Open a demo live with `pbde --scenario NAME`'
  echo 'or `pbde gui --scenario NAME`.'
  echo
  echo 'Lecture tours: `pbde --tour NAME` (terminal) or `pbde gui --tour NAME` (window):'
  echo 'space or → shows the next stop, ← the previous one, and'
  echo '`pbde render --tour NAME --out NAME.mp4` records a whole tour. The tours here:'
  echo
  for t in demos/*.tour; do
    echo "- \`$$(basename "$$t" .tour)\`: $$(sed -n 's/^title //p' "$$t")"
  done
} >"$$tmp"
last=
printf '%s\n' "$$shots" | while IFS= read -r shot; do
  n=$${shot%%|*}; rest=$${shot#*|}; img=$${rest%%|*}; opts=$${rest#*|}
  cmd="render --scenario $$n $${opts:+$$opts }--threads 2 --out demos/gallery/$$img.png"
  echo "  pbde $$cmd"
  PBDE_DEMOS=demos "$$bin" $$cmd </dev/null
  if [ "$$n" != "$$last" ]; then
    title=$$(sed -n '1s/^; *//p' "demos/$$n.ini")
    look=$$(awk '/^; What to look for:/ { on = 1; sub(/^; What to look for: */, ""); printf "%s", $$0; next }
                 on && (!/^;/ || /^; [A-Z][A-Za-z ]*:/) { exit }
                 on { sub(/^; */, ""); printf " %s", $$0 }' "demos/$$n.ini")
    printf '\n## %s\n\n`demos/%s.ini`%s\n' "$$title" "$$n" "$${look:+ — what to look for: $$look}" >>"$$tmp"
    last=$$n
  fi
  printf '\n![%s](gallery/%s.png)\n\n```sh\npbde %s\n```\n' "$$img" "$$img" "$$cmd" >>"$$tmp"
done
mv "$$tmp" "$$page"
echo "wrote $$page and demos/gallery/"
endef
export DEMOS_SH

demos: $(BIN)
	@start=$$(date +%s); sh -c "$$DEMOS_SH" make-demos $(BIN) $(DEMO_SHOTS) && \
	  echo "make demos: $$(( $$(date +%s) - start )) s"

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pbde
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/pbde
	cp -r assets/. $(DESTDIR)$(PREFIX)/share/pbde/
	install -d $(DESTDIR)$(PREFIX)/share/pbde/demos
	install -m 644 demos/*.ini demos/*.tour demos/README.md $(DESTDIR)$(PREFIX)/share/pbde/demos/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pbde
	rm -rf $(DESTDIR)$(PREFIX)/share/pbde

clean:
	rm -rf $(BUILD) build-san

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d)
