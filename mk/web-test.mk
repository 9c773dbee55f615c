# The kernels of the browser edition, tested and timed under node.
#
#   make web-test-kernels  builds tests/test_kernels.c and tests/test_mlp.c
#                          with emcc -msimd128 -O2 against cmocka compiled
#                          from its Debian source, runs each under node and
#                          prints its summary; fails when a test fails
#   make web-bench         runs the browser's benchmark (src/web/bench_web.c)
#                          under node and prints its JSON
#
# Both tests check every kernel set the build has (kernels_available):
# in a wasm build that is the SIMD128 set and the scalar reference, so one
# run covers both (the tests ignore PBDE_KERNELS). Single-threaded like the
# browser build: no -pthread; emscripten's libc answers pthread_create with
# an error, and the trainer then trains on the calling thread.
#
# The tests and the benchmark link the page's own objects (mk/web.mk:
# the same flags, single-threaded); cmocka is compiled from its Debian
# source, fetched beside the page's other third-party sources.
WT_NODE   ?= node
WT_BUILD  := build/web-test
WT_CMOCKA := $(WEB_THIRD)/cmocka-1.1.5
# node 20 cannot fetch() a file path: the .wasm is read synchronously.
# EXIT_RUNTIME makes main's return value node's exit status.
WT_LDFLAGS := -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1
# cmocka.h defines uintptr_t itself unless told the libc has it
WT_CFLAGS := $(WEB_CFLAGS) -D_UINTPTR_T
# what cmocka's CMake would write into config.h for emscripten's libc
# (no siglongjmp: cmocka falls back to longjmp)
WT_CMOCKA_DEFS := -DHAVE_INTTYPES_H -DHAVE_MALLOC_H -DHAVE_SIGNAL_H -DHAVE_STRINGS_H \
                  -DHAVE_STRUCT_TIMESPEC -DHAVE_CLOCK_GETTIME -DHAVE_CLOCK_REALTIME \
                  -DHAVE_STRSIGNAL -DHAVE_GCC_THREAD_LOCAL_STORAGE

# the page's own objects (mk/web.mk), the same flags
web_obj = $(patsubst %.c,$(WEB_BUILD)/obj/%.o,$(1))
WT_KERNELS_OBJ := $(call web_obj,$(wildcard src/core/kernels*.c) src/core/rng.c)
WT_MLP_OBJ     := $(WT_KERNELS_OBJ) $(call web_obj,src/core/mlp.c)
WT_TESTS       := test_kernels test_mlp

.PHONY: web-test-kernels web-bench web-test-check-tools web-tests

# the test programs, built (make test runs them: tests/e2e/web-kernels.sh)
web-tests: $(WT_TESTS:%=$(WT_BUILD)/%.js)

web-test-check-tools: web-check-emcc
	@command -v $(WT_NODE) >/dev/null 2>&1 || { echo "pbde web-test: needs node to run the tests: sudo apt-get install nodejs"; exit 1; }

$(WT_CMOCKA)/src/cmocka.c: | web-test-check-tools
	sh web/debian-source.sh c/cmocka cmocka 1.1.5-2.1 $(WEB_THIRD)

$(WT_BUILD)/obj/third/cmocka.o: $(WT_CMOCKA)/src/cmocka.c
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) -O2 -D_UINTPTR_T $(WT_CMOCKA_DEFS) -I$(WT_CMOCKA)/include -c $< -o $@
$(WT_BUILD)/obj/tests/%.o: tests/%.c | $(WT_CMOCKA)/src/cmocka.c
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WT_CFLAGS) $(WEB_WARN) -MMD -MP -Iinclude/core -I$(WT_CMOCKA)/include -c $< -o $@
$(WT_BUILD)/obj/web/%.o: web/%.c | web-test-check-tools
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WT_CFLAGS) $(WEB_WARN) -MMD -MP -c $< -o $@

# ---------------------------------------------------------------- the tests

$(WT_BUILD)/test_kernels.js: $(WT_BUILD)/obj/tests/test_kernels.o $(WT_BUILD)/obj/third/cmocka.o $(WT_KERNELS_OBJ)
	$(WEB_ENV) $(EMCC) -O2 -o $@ $^ $(WT_LDFLAGS)
$(WT_BUILD)/test_mlp.js: $(WT_BUILD)/obj/tests/test_mlp.o $(WT_BUILD)/obj/third/cmocka.o $(WT_MLP_OBJ)
	$(WEB_ENV) $(EMCC) -O2 -o $@ $^ $(WT_LDFLAGS)

# Each test's output goes to build/web-test/NAME.log; the summary shows
# cmocka's totals, the kernel sets found and the SIMD set's own figures
# (tanh error, forward and gradient error), and the whole log on failure.
web-test-kernels: $(WT_TESTS:%=$(WT_BUILD)/%.js)
	@fail=0; for t in $(WT_TESTS); do \
	  echo "== $$t under node $$($(WT_NODE) --version) (wasm SIMD128 and scalar kernels, one run)"; \
	  if $(WT_NODE) $(WT_BUILD)/$$t.js > $(WT_BUILD)/$$t.log 2>&1; then st=ok; else st=FAILED; fail=1; cat $(WT_BUILD)/$$t.log; fi; \
	  grep -E '^kernels (available|chosen) here|^wasm-simd|, wasm-simd:|^\[==========\] .* run\.|^\[  (PASSED|FAILED)  \] [0-9]|^\[  SKIPPED \] [0-9]' \
	    $(WT_BUILD)/$$t.log | sed 's/^/  /'; \
	  echo "== $$t: $$st (log: $(WT_BUILD)/$$t.log)"; \
	done; exit $$fail

# ---------------------------------------------------------------- the benchmark

# the page's objects but its entry points, as an archive (only what the
# benchmark references is linked)
$(WT_BUILD)/libpbde-web.a: $(filter-out %/src/web/web.o,$(WEB_OBJ)) $(WEB_THIRD_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	$(WEB_ENV) emar rcs $@ $^
$(WT_BUILD)/bench.js: $(WT_BUILD)/obj/web/bench-node.o $(WT_BUILD)/libpbde-web.a
	$(WEB_ENV) $(EMCC) -O2 -o $@ $^ $(WT_LDFLAGS)

web-bench: $(WT_BUILD)/bench.js
	@$(WT_NODE) $<

-include $(wildcard $(WT_BUILD)/obj/tests/*.d $(WT_BUILD)/obj/web/*.d)
