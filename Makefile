# pbde — build, run and test.
#   make         install missing system packages where it can, then build
#                everything the installed packages allow (the headless core
#                and CLI always; the terminal and window explorers when
#                their libraries are there), saying what it skipped and why
#   make run     install missing system packages, build, start the explorer
#   make test    build and run every test (unit tests and end-to-end scripts)
#   make deps    install the system packages the project needs
#   make install put build/pbde on PATH (PREFIX, default /usr/local)

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

# pkg-config names the build links against, and the packages that provide
# them (plus tools the end-to-end tests use).
PKGS     := ncursesw libsixel sdl2 SDL2_ttf SDL2_image fontconfig inih cmocka libpng \
            libmicrohttpd json-c libqrencode
APT_PKGS := build-essential pkg-config libncurses-dev ncurses-term libsixel-dev libsdl2-dev libsdl2-ttf-dev \
            libsdl2-image-dev libfontconfig-dev libinih-dev libcmocka-dev libpng-dev tmux \
            xvfb xauth xdotool xterm fonts-dejavu-core ffmpeg emscripten chromium node-ws curl \
            libmicrohttpd-dev libjson-c-dev libqrencode-dev zbar-tools
BREW_PKGS := pkg-config ncurses sdl2 sdl2_ttf sdl2_image fontconfig inih cmocka libpng tmux ffmpeg \
             libmicrohttpd json-c qrencode

# ------------------------------------------------------------------ layers
#
# Dependencies point one way, and the build enforces it: each layer is
# compiled with only its own and lower include folders, so an upward
# #include is a compile error (make check-layers shows one).
#   core    src/core    include/core     engine; needs inih, libpng
#   view    src/view    include/view     view model, keys, modes, rasteriser
#   session src/session include/session  what every explorer does: key -> action, the
#                                        prompt's commands, tours, modes, speed, status, texts
#   export  src/export  include/export   PNG, fonts, video, stages; needs SDL2 (ttf, image), fontconfig
#   tui     src/tui     include/tui      the terminal explorer; needs ncursesw
#   gui     src/gui     include/gui      the SDL2 window; needs what export needs
#   room    src/room    include/room     a lecture hall answering from phones over HTTP;
#                                        needs libmicrohttpd, json-c, libqrencode
#   cli     src/cli                      main and the subcommands: the only code that sees argv
# A front end whose libraries pkg-config cannot find is skipped (its
# subcommand then says how to get it), never a compile error.
have = $(shell pkg-config --exists $(1) 2>/dev/null && echo 1)
HAVE_CORE   := $(call have,inih libpng)
HAVE_EXPORT := $(call have,sdl2 SDL2_ttf SDL2_image fontconfig)
HAVE_TUI    := $(call have,ncursesw)
HAVE_CMOCKA := $(call have,cmocka)
HAVE_SIXEL  := $(call have,libsixel)
HAVE_GUI    := $(HAVE_EXPORT)
HAVE_ROOM   := $(call have,libmicrohttpd json-c libqrencode)
# Debian package behind each pkg-config name (for the message)
deb_inih := libinih-dev
deb_libpng := libpng-dev
deb_sdl2 := libsdl2-dev
deb_SDL2_ttf := libsdl2-ttf-dev
deb_SDL2_image := libsdl2-image-dev
deb_fontconfig := libfontconfig-dev
deb_ncursesw := libncurses-dev
deb_cmocka := libcmocka-dev
deb_libmicrohttpd := libmicrohttpd-dev
deb_json-c := libjson-c-dev
deb_libqrencode := libqrencode-dev zbar-tools
missing = $(foreach p,$(1),$(if $(call have,$(p)),,$(deb_$(p))))
MISSING := $(strip $(call missing,inih libpng sdl2 SDL2_ttf SDL2_image fontconfig ncursesw cmocka \
                                   libmicrohttpd json-c libqrencode))

INC_CORE   := -Iinclude/core
INC_VIEW   := $(INC_CORE) -Iinclude/view
INC_SESSION := $(INC_VIEW) -Iinclude/session
INC_EXPORT := $(INC_SESSION) -Iinclude/export
INC_TUI    := $(INC_SESSION) -Iinclude/tui
INC_GUI    := $(INC_EXPORT) -Iinclude/gui
INC_ROOM   := $(INC_CORE) -Iinclude/room

CORE_PC_CFLAGS   := $(shell pkg-config --cflags inih libpng 2>/dev/null)
EXPORT_PC_CFLAGS := $(if $(HAVE_EXPORT),$(shell pkg-config --cflags sdl2 SDL2_ttf SDL2_image fontconfig))
TUI_PC_CFLAGS    := $(if $(HAVE_TUI),$(shell pkg-config --cflags ncursesw)) \
                    $(if $(HAVE_SIXEL),$(shell pkg-config --cflags libsixel) -DPBDE_HAVE_SIXEL)
CMOCKA_CFLAGS    := $(if $(HAVE_CMOCKA),$(shell pkg-config --cflags cmocka))
ROOM_PC_CFLAGS   := $(if $(HAVE_ROOM),$(shell pkg-config --cflags libmicrohttpd json-c libqrencode))

CORE_LIBS   := $(shell pkg-config --libs inih libpng 2>/dev/null) -lm -pthread
EXPORT_LIBS := $(if $(HAVE_EXPORT),$(shell pkg-config --libs sdl2 SDL2_ttf SDL2_image fontconfig))
TUI_LIBS    := $(if $(HAVE_TUI),$(shell pkg-config --libs ncursesw) $(if $(HAVE_SIXEL),$(shell pkg-config --libs libsixel)))
CMOCKA_LIBS := $(if $(HAVE_CMOCKA),$(shell pkg-config --libs cmocka))
ROOM_LIBS   := $(if $(HAVE_ROOM),$(shell pkg-config --libs libmicrohttpd json-c libqrencode))

WARN   := -Wall -Wextra -Wshadow -Wdouble-promotion -Wstrict-prototypes \
          -Wmissing-prototypes -Wformat=2 -Wvla
OPT    ?= -O2
CFLAGS ?= $(OPT) -g
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -pthread -MMD -MP
# what the CLI was built with: it answers for the front ends it lacks
CLI_DEFS := $(if $(HAVE_TUI),-DPBDE_HAVE_TUI) $(if $(HAVE_GUI),-DPBDE_HAVE_GUI) \
            $(if $(HAVE_EXPORT),-DPBDE_HAVE_EXPORT) $(if $(HAVE_ROOM),-DPBDE_HAVE_ROOM) \
            -DPBDE_MISSING='"$(MISSING)"'
INC_CLI := $(INC_CORE) -Iinclude/view -Iinclude/session $(if $(HAVE_EXPORT),-Iinclude/export) \
           $(if $(HAVE_TUI),-Iinclude/tui) $(if $(HAVE_GUI),-Iinclude/gui) $(if $(HAVE_ROOM),-Iinclude/room)

ARCH := $(shell uname -m)
ifeq ($(ARCH),x86_64)
  AVX2_FLAGS := -mavx2 -mfma
  AVX512_FLAGS := -mavx512f -mavx512dq -mfma
endif

CORE_SRC   := $(wildcard src/core/*.c)
VIEW_SRC   := $(wildcard src/view/*.c)
SESSION_SRC := $(wildcard src/session/*.c)
EXPORT_SRC := $(wildcard src/export/*.c)
TUI_SRC    := $(wildcard src/tui/*.c)
GUI_SRC    := $(wildcard src/gui/*.c)
ROOM_SRC   := $(wildcard src/room/*.c)
# the subcommands whose front end is missing are left out; cmd_missing.c
# answers for them
CLI_SRC    := $(filter-out $(if $(HAVE_TUI),,src/cli/cmd_tui.c) \
                $(if $(HAVE_GUI),,src/cli/cmd_gui.c) \
                $(if $(HAVE_EXPORT),,src/cli/cmd_render.c) \
                $(if $(HAVE_ROOM),,src/cli/cmd_room.c src/cli/room_glue.c),$(wildcard src/cli/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
CORE_OBJ   := $(call obj,$(CORE_SRC))
VIEW_OBJ   := $(call obj,$(VIEW_SRC))
SESSION_OBJ := $(call obj,$(SESSION_SRC))
EXPORT_OBJ := $(call obj,$(EXPORT_SRC))
TUI_OBJ    := $(call obj,$(TUI_SRC))
GUI_OBJ    := $(call obj,$(GUI_SRC))
ROOM_OBJ   := $(call obj,$(ROOM_SRC))
CLI_OBJ    := $(call obj,$(CLI_SRC))

LIB        := $(BUILD)/libpbde.a
VIEW_LIB   := $(BUILD)/libpbde_view.a
SESSION_LIB := $(BUILD)/libpbde_session.a
EXPORT_LIB := $(BUILD)/libpbde_export.a
BIN        := $(BUILD)/pbde

# the unit tests by the layer they need
TESTS_TUI    := test_tui test_graphics
TESTS_EXPORT := test_export
TESTS_VIEW   := test_view test_raster test_annotate_ui
TESTS_SESSION := test_session
TESTS_NT     := test_nothreads
ALL_TESTS    := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
TESTS_CORE   := $(filter-out $(TESTS_TUI) $(TESTS_EXPORT) $(TESTS_VIEW) $(TESTS_SESSION) $(TESTS_NT),$(ALL_TESTS))
TESTS_BUILT  := $(if $(HAVE_CMOCKA),$(TESTS_CORE) $(TESTS_VIEW) $(TESTS_SESSION) $(TESTS_NT) $(if $(HAVE_TUI),$(TESTS_TUI)) \
                  $(if $(HAVE_EXPORT),$(TESTS_EXPORT)))
TEST_BIN     := $(TESTS_BUILT:%=$(BUILD)/tests/%)

.PHONY: assets all build run test check sanitize fuzz valgrind readme-params clean install uninstall deps \
        deps-if-missing deps-try check-layers test-loaded \
        bench-compare aarch64-test demos
.DEFAULT_GOAL := all

# plain make: install what is missing where it can (never failing), then
# build with what pkg-config then finds
all: deps-try
	@$(MAKE) --no-print-directory build

SKIPPED := $(strip $(if $(HAVE_TUI),,the terminal explorer (pbde tui);) $(if $(HAVE_GUI),,the window and renders (pbde gui, render, curve --png);) \
             $(if $(HAVE_CMOCKA),,the unit tests;) $(if $(HAVE_ROOM),,the room (pbde room);))
build: $(if $(HAVE_CORE),$(BIN) $(TEST_BIN),no-core)
	@$(if $(MISSING),echo "pbde: built $(BIN) (the headless commands) but skipped $(SKIPPED) pkg-config finds no $(MISSING). Install them with: sudo apt-get install $(MISSING)  (or: make deps)",true)

.PHONY: no-core
no-core:
	@echo "pbde: cannot build: pkg-config finds no $(call missing,inih libpng) (the core reads scenario files with inih and images with libpng); install them with: sudo apt-get install $(call missing,inih libpng) (or make deps)"; exit 1

$(BUILD)/src/core/%.o: LAYER := $(INC_CORE) $(CORE_PC_CFLAGS)
$(BUILD)/src/view/%.o: LAYER := $(INC_VIEW) $(CORE_PC_CFLAGS)
$(BUILD)/src/session/%.o: LAYER := $(INC_SESSION) $(CORE_PC_CFLAGS)
$(BUILD)/src/export/%.o: LAYER := $(INC_EXPORT) $(EXPORT_PC_CFLAGS)
$(BUILD)/src/tui/%.o: LAYER := $(INC_TUI) $(TUI_PC_CFLAGS)
$(BUILD)/src/gui/%.o: LAYER := $(INC_GUI) $(EXPORT_PC_CFLAGS)
$(BUILD)/src/room/%.o: LAYER := $(INC_ROOM) $(CORE_PC_CFLAGS) $(ROOM_PC_CFLAGS) -I$(BUILD)/gen
$(BUILD)/src/cli/%.o: LAYER := $(INC_CLI) $(CLI_DEFS) $(EXPORT_PC_CFLAGS) $(TUI_PC_CFLAGS) $(ROOM_PC_CFLAGS)
# only the kernel objects get the vector flags: the rest of the program
# must run on any CPU of the architecture (kernels_select checks cpuid)
$(BUILD)/src/core/kernels_avx2.o: LAYER += $(AVX2_FLAGS)
$(BUILD)/src/core/kernels_avx512.o: LAYER += $(AVX512_FLAGS)
ALL_CFLAGS = $(BASE_CFLAGS) $(LAYER)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# the phone page, embedded in the binary as a C string
$(BUILD)/gen/room_page.h: web/room.html mk/embed.sh
	@mkdir -p $(dir $@)
	sh mk/embed.sh $< ROOM_PAGE > $@.tmp && mv $@.tmp $@
$(BUILD)/src/room/room.o: $(BUILD)/gen/room_page.h

$(LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(VIEW_LIB): $(VIEW_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(SESSION_LIB): $(SESSION_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(EXPORT_LIB): $(EXPORT_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

BIN_DEPS := $(CLI_OBJ) $(if $(HAVE_TUI),$(TUI_OBJ)) $(if $(HAVE_GUI),$(GUI_OBJ)) $(if $(HAVE_ROOM),$(ROOM_OBJ)) \
            $(if $(HAVE_EXPORT),$(EXPORT_LIB)) $(SESSION_LIB) $(VIEW_LIB) $(LIB)
$(BIN): $(BIN_DEPS)
	$(CC) $(BASE_CFLAGS) -o $@ $^ $(TUI_LIBS) $(EXPORT_LIBS) $(ROOM_LIBS) $(CORE_LIBS)

TEST_INC := $(INC_EXPORT) -Iinclude/tui $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS)
$(TESTS_SESSION:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(SESSION_LIB) $(VIEW_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_SESSION) $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(SESSION_LIB) $(VIEW_LIB) $(LIB) $(CMOCKA_LIBS) $(CORE_LIBS)
$(TESTS_CORE:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_CORE) $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(LIB) $(CMOCKA_LIBS) $(CORE_LIBS)
$(TESTS_VIEW:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(VIEW_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_VIEW) $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(VIEW_LIB) $(LIB) $(CMOCKA_LIBS) $(CORE_LIBS)
$(TESTS_TUI:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(SESSION_LIB) $(VIEW_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_TUI) $(TUI_PC_CFLAGS) $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(SESSION_LIB) $(VIEW_LIB) $(LIB) $(CMOCKA_LIBS) $(TUI_LIBS) $(CORE_LIBS)
$(TESTS_EXPORT:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(EXPORT_LIB) $(SESSION_LIB) $(VIEW_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_EXPORT) $(EXPORT_PC_CFLAGS) $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(EXPORT_LIB) $(SESSION_LIB) $(VIEW_LIB) $(LIB) $(CMOCKA_LIBS) $(EXPORT_LIBS) $(CORE_LIBS)

# The browser's build has no threads: with PBDE_NO_THREADS, live sessions
# and curve jobs run pumped on the caller's thread. test_nothreads runs on
# a core whose files that test the define are compiled with it, and on
# the stage (stage_poll pumps) compiled the same way.
NT_SRC := $(shell grep -l PBDE_NO_THREADS $(CORE_SRC)) src/export/stage.c
NT_OBJ := $(patsubst %.c,$(BUILD)/nothreads/%.o,$(NT_SRC))
NT_LIB := $(BUILD)/nothreads/libpbde.a
$(NT_OBJ): $(BUILD)/nothreads/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_EXPORT) $(CORE_PC_CFLAGS) -DPBDE_NO_THREADS -c $< -o $@
$(NT_LIB): $(filter-out $(call obj,$(NT_SRC)),$(CORE_OBJ)) $(NT_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(TESTS_NT:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/%.c $(NT_LIB) $(VIEW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(INC_EXPORT) $(CORE_PC_CFLAGS) $(CMOCKA_CFLAGS) -DPBDE_NO_THREADS -o $@ $< $(NT_LIB) $(VIEW_LIB) $(NT_LIB) $(CMOCKA_LIBS) $(CORE_LIBS)

# An upward include must not compile: a core file that includes a view
# header, built with the core's include folders, has to fail.
check-layers:
	@! grep -rn '#include "\.\./' src || { echo "check-layers: relative includes found (above)"; exit 1; }
	@mkdir -p $(BUILD)
	@printf '#include "pbde/view.h"\nint probe(void);\nint probe(void) { return 0; }\n' >$(BUILD)/layer-probe.c
	@if $(CC) $(BASE_CFLAGS) $(INC_CORE) $(CORE_PC_CFLAGS) -c $(BUILD)/layer-probe.c -o $(BUILD)/layer-probe.o 2>/dev/null; then \
	  echo "check-layers: a core file could include pbde/view.h"; exit 1; fi
	@printf '#include "pbde/export.h"\nint probe(void);\nint probe(void) { return 0; }\n' >$(BUILD)/layer-probe.c
	@if $(CC) $(BASE_CFLAGS) $(INC_TUI) $(CORE_PC_CFLAGS) -c $(BUILD)/layer-probe.c -o $(BUILD)/layer-probe.o 2>/dev/null; then \
	  echo "check-layers: a tui file could include pbde/export.h"; exit 1; fi
	@printf '#include "pbde/session.h"\nint probe(void);\nint probe(void) { return 0; }\n' >$(BUILD)/layer-probe.c
	@if $(CC) $(BASE_CFLAGS) $(INC_VIEW) $(CORE_PC_CFLAGS) -c $(BUILD)/layer-probe.c -o $(BUILD)/layer-probe.o 2>/dev/null; then \
	  echo "check-layers: a view file could include pbde/session.h"; exit 1; fi
	@if ! $(CC) $(BASE_CFLAGS) $(INC_TUI) $(CORE_PC_CFLAGS) -c $(BUILD)/layer-probe.c -o $(BUILD)/layer-probe.o 2>/dev/null; then \
	  echo "check-layers: a tui file cannot include pbde/session.h"; exit 1; fi
	@if $(CC) $(BASE_CFLAGS) $(INC_ROOM) $(CORE_PC_CFLAGS) -c $(BUILD)/layer-probe.c -o $(BUILD)/layer-probe.o 2>/dev/null; then \
	  echo "check-layers: a room file could include pbde/session.h"; exit 1; fi
	@printf '#include "pbde/room.h"\nint probe(void);\nint probe(void) { return 0; }\n' >$(BUILD)/layer-probe.c
	@if $(CC) $(BASE_CFLAGS) $(INC_CORE) $(CORE_PC_CFLAGS) -c $(BUILD)/layer-probe.c -o $(BUILD)/layer-probe.o 2>/dev/null; then \
	  echo "check-layers: a core file could include pbde/room.h"; exit 1; fi
	@rm -f $(BUILD)/layer-probe.c $(BUILD)/layer-probe.o
	@echo "check-layers: no relative includes; core cannot include view or room, view cannot include session, tui cannot include export, room cannot include session"

# The README's two commands: install what is missing, then build with the
# flags pkg-config reports once the packages are there.
run: deps-if-missing
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) $(ARGS)

test: deps-if-missing
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory web web-tests
	@$(MAKE) --no-print-directory check

# tests run TEST_JOBS at a time (tests/run_all.sh)
TEST_JOBS ?= 2

check: $(BIN) $(TEST_BIN)
	@BUILD=$(BUILD) JOBS=$(TEST_JOBS) sh tests/run_all.sh $(TEST_BIN)

# The suite RUNS times (default 5), then once while two busy loops keep
# both cores busy (tests/loaded.sh); SUITE=sanitize for the sanitized one.
test-loaded: build
	@RUNS=$(or $(RUNS),5) SUITE=$(or $(SUITE),check) sh tests/loaded.sh

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in
# its own build folder (build-san, one level deep like build, so pbde finds
# ../demos), built and run SAN_JOBS at a time (tests/run_all.sh).
# There the numeric kernels (src/core/kernels_scalar.c, kernels_avx2.c,
# kernels_avx512.c) are
# compiled without instrumentation: instrumented, they make the statistical tests
# about ten times slower (test_zoo_train 356 s against 34 s, measured), too
# slow for CI. So the kernels get a pass of their own first: test_kernels
# and test_mlp (every kernel against the scalar reference, the MLP's
# gradients) on a library instrumented throughout (build-san/kernels). The
# kernel objects of build-san are always rebuilt, so an older
# instrumented build of them cannot linger.
# The suite's summary line comes last.
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_JOBS   ?= 2
SAN_KERNEL_TESTS := test_kernels test_mlp
KERNEL_OBJ := kernels_scalar.o kernels_avx2.o kernels_avx512.o
ifdef SAN_PLAIN_KERNELS
$(KERNEL_OBJ:%=$(BUILD)/src/core/%): LAYER += -fno-sanitize=all
endif
sanitize: deps-if-missing
	@$(MAKE) --no-print-directory web web-tests
	@$(MAKE) --no-print-directory -j$(SAN_JOBS) BUILD=build-san/kernels OPT=-O1 CFLAGS="$(SAN_CFLAGS)" \
	  $(SAN_KERNEL_TESTS:%=build-san/kernels/tests/%)
	@for t in $(SAN_KERNEL_TESTS); do echo "== build-san/kernels/tests/$$t (kernels instrumented)"; \
	  build-san/kernels/tests/$$t || exit 1; done
	@rm -f $(KERNEL_OBJ:%=build-san/src/core/%)
	@$(MAKE) --no-print-directory -j$(SAN_JOBS) BUILD=build-san SAN_PLAIN_KERNELS=1 OPT=-O1 \
	  CFLAGS="$(SAN_CFLAGS)" build
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
	$(CC) $(BASE_CFLAGS) $(INC_CORE) -Isrc/cli $(CORE_PC_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  $(BUILD)/src/cli/args.o $(LIB) $(CORE_LIBS)

# valgrind memcheck on short train, sample, render and tui runs (tests/long).
valgrind: $(BIN)
	@PBDE=$(BIN) sh tests/long/valgrind.sh

# Training speed against the PyTorch reference (bench/torch_ref.py) on one
# thread: the same network, loss, batch, optimiser and pairs. The anchor is
# PyTorch with OpenBLAS doing its matrix products: Debian's python3-torch
# calls the system BLAS, which libopenblas0-pthread provides once installed
# (threadpoolctl then reports which OpenBLAS kernels run); run as root, the
# rule installs the three with apt-get when missing. One thread on both
# sides: OPENBLAS_NUM_THREADS=1 here and torch.set_num_threads(1) in the
# script. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset together for this
# command only, so OpenBLAS picks its kernels from cpuid. Without PyTorch
# the rule says so and times pbde alone. PYTHON may name an interpreter
# that has torch; Debian's python3-torch installs into /usr/bin/python3,
# which is tried when $(PYTHON) lacks it. BENCH_ARGS passes options to the
# script (e.g. --cpu-time on a busy machine).
PYTHON ?= python3
BENCH_APT := python3-torch libopenblas0-pthread python3-threadpoolctl
BENCH_ARGS ?=
bench-compare: $(BIN)
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then \
	  missing=""; for p in $(BENCH_APT); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "bench-compare: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || exit 1; \
	  fi; \
	fi; \
	py=$(PYTHON); \
	if ! $$py -c 'import torch' 2>/dev/null && [ -x /usr/bin/python3 ] && \
	   /usr/bin/python3 -c 'import torch' 2>/dev/null; then py=/usr/bin/python3; fi; \
	$(BIN) sample --out $(BUILD)/bench-pairs.csv && \
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
	  $$py bench/torch_ref.py --pbde $(BIN) --data $(BUILD)/bench-pairs.csv $(BENCH_ARGS)

# The kernel and MLP tests cross-compiled for AArch64 and run under
# qemu-user: NEON against the scalar reference (installs the cross tools
# with apt-get when missing and allowed).
aarch64-test:
	@BUILD=$(BUILD) sh .ci/aarch64.sh

# plain make's install step: what make deps does, when something is
# missing and it can (root or sudo without a password, apt-get there);
# otherwise, or when it fails, make builds what it can and says what is
# missing (the build target's message). Never fails.
deps-try:
	@if [ -n "$(MISSING)" ] && command -v apt-get >/dev/null 2>&1 && \
	   { [ "$$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }; then \
	  $(MAKE) --no-print-directory deps || echo "pbde: could not install the missing packages; building what the installed ones allow"; \
	fi

deps-if-missing:
	@pkg-config --exists $(PKGS) 2>/dev/null && \
	  ( for c in tmux xvfb-run xauth xdotool ffmpeg emcc chromium curl; do command -v $$c >/dev/null || exit 1; done ) \
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
  'misspec-vs-estimation-data-starved|misspec-vs-estimation-side-by-side|--facet annotator=thurstone,mixture' \
  'overopt-few-pairs|overopt-few-pairs|' \
  'overopt-covering-pairs|overopt-covering-pairs|'

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
total=$$(printf '%s\n' "$$shots" | grep -c .); k=0; start=$$(date +%s)
printf '%s\n' "$$shots" | while IFS= read -r shot; do
  n=$${shot%%|*}; rest=$${shot#*|}; img=$${rest%%|*}; opts=$${rest#*|}
  cmd="render --scenario $$n $${opts:+$$opts }--threads 2 --out demos/gallery/$$img.png"
  k=$$((k + 1)); spent=$$(( $$(date +%s) - start ))
  eta=; [ $$k -gt 1 ] && eta=", ~$$(( spent * (total - k + 1) / (k - 1) )) s left"
  if [ -t 1 ]; then echo "  [$$k/$$total$$eta] pbde $$cmd"; else echo "  pbde $$cmd"; fi
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

# Every image the README draws with a pbde command, drawn again into
# assets/ (tests/e2e/assets.sh checks that the shipped ones are current).
assets: $(BIN)
	@PBDE=$(BIN) sh tests/lib/readme-images.sh

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

-include $(NT_OBJ:.o=.d) $(CORE_OBJ:.o=.d) $(VIEW_OBJ:.o=.d) $(SESSION_OBJ:.o=.d) $(EXPORT_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(GUI_OBJ:.o=.d) \
         $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d)

# The browser edition (make web, make web-serve) and its kernel tests
# under node (make web-test-kernels): mk/web.mk, which includes mk/web-test.mk.
-include mk/web.mk
