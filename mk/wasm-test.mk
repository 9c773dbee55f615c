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
# Everything goes to build/web-test/; the third-party sources are fetched
# once into build/web-test/third and checked against their Debian .dsc.
WT_EMCC   ?= emcc
WT_EMAR   ?= emar
WT_NODE   ?= node
WT_ENV    := NODE_PATH=/usr/share/nodejs
WT_BUILD  := build/web-test
WT_THIRD  := $(WT_BUILD)/third
WT_CMOCKA := $(WT_THIRD)/cmocka-1.1.5
WT_ZLIB   := $(WT_THIRD)/zlib-1.2.13.dfsg
WT_PNG    := $(WT_THIRD)/libpng1.6-1.6.39
# node 20 cannot fetch() a file path: the .wasm is read synchronously.
# EXIT_RUNTIME makes main's return value node's exit status.
WT_LDFLAGS := -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1
# cmocka.h defines uintptr_t itself unless told the libc has it
WT_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -msimd128 -D_UINTPTR_T
# what cmocka's CMake would write into config.h for emscripten's libc
# (no siglongjmp: cmocka falls back to longjmp)
WT_CMOCKA_DEFS := -DHAVE_INTTYPES_H -DHAVE_MALLOC_H -DHAVE_SIGNAL_H -DHAVE_STRINGS_H \
                  -DHAVE_STRUCT_TIMESPEC -DHAVE_CLOCK_GETTIME -DHAVE_CLOCK_REALTIME \
                  -DHAVE_STRSIGNAL -DHAVE_GCC_THREAD_LOCAL_STORAGE

wt_obj = $(patsubst %.c,$(WT_BUILD)/obj/%.o,$(1))
WT_KERNELS_OBJ := $(call wt_obj,$(wildcard src/core/kernels*.c) src/core/rng.c)
WT_MLP_OBJ     := $(WT_KERNELS_OBJ) $(call wt_obj,src/core/mlp.c)
WT_TESTS       := test_kernels test_mlp
# the benchmark trains through the trainer, which reaches image.c (libpng)
# through the world; scenario files (inih) and the explorer's session loop
# are not needed, and the archive only pulls in what is referenced
WT_CORE_OBJ    := $(call wt_obj,$(filter-out src/core/scenario.c src/core/live.c,$(CORE_SRC)))
WT_ZLIB_C := adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
             inftrees trees uncompr zutil
WT_PNG_C  := png pngerror pngget pngmem pngpread pngread pngrio pngrtran pngrutil pngset pngtrans \
             pngwio pngwrite pngwtran pngwutil
WT_THIRD_OBJ := $(WT_ZLIB_C:%=$(WT_BUILD)/obj/third/z-%.o) $(WT_PNG_C:%=$(WT_BUILD)/obj/third/png-%.o)

.PHONY: web-test-kernels web-bench web-test-check-tools

web-test-check-tools:
	@command -v $(WT_EMCC) >/dev/null 2>&1 || { echo "pbde web-test: needs emscripten's emcc: sudo apt-get install emscripten"; exit 1; }
	@command -v $(WT_NODE) >/dev/null 2>&1 || { echo "pbde web-test: needs node to run the tests: sudo apt-get install nodejs"; exit 1; }
	@command -v curl >/dev/null 2>&1 || { echo "pbde web-test: needs curl to fetch the Debian sources: sudo apt-get install curl"; exit 1; }

# ---------------------------------------------------------------- sources

$(WT_CMOCKA)/src/cmocka.c: | web-test-check-tools
	sh web/debian-source.sh c/cmocka cmocka 1.1.5-2.1 $(WT_THIRD)
$(WT_ZLIB)/zlib.h: | web-test-check-tools
	sh web/debian-source.sh z/zlib zlib 1.2.13.dfsg-1 $(WT_THIRD)
$(WT_PNG)/pnglibconf.h: | web-test-check-tools
	sh web/debian-source.sh libp/libpng1.6 libpng1.6 1.6.39-2+deb12u5 $(WT_THIRD)
	cp $(WT_PNG)/scripts/pnglibconf.h.prebuilt $@

# ---------------------------------------------------------------- objects

$(WT_BUILD)/obj/third/cmocka.o: $(WT_CMOCKA)/src/cmocka.c
	@mkdir -p $(@D)
	$(WT_ENV) $(WT_EMCC) -O2 -D_UINTPTR_T $(WT_CMOCKA_DEFS) -I$(WT_CMOCKA)/include -c $< -o $@
$(WT_BUILD)/obj/third/z-%.o: $(WT_ZLIB)/zlib.h
	@mkdir -p $(@D)
	$(WT_ENV) $(WT_EMCC) -O2 -DHAVE_UNISTD_H -c $(WT_ZLIB)/$*.c -o $@
$(WT_BUILD)/obj/third/png-%.o: $(WT_PNG)/pnglibconf.h $(WT_ZLIB)/zlib.h
	@mkdir -p $(@D)
	$(WT_ENV) $(WT_EMCC) -O2 -I$(WT_ZLIB) -DPNG_ARM_NEON_OPT=0 -c $(WT_PNG)/$*.c -o $@

# pbde's own files: the native build's warnings
$(WT_BUILD)/obj/src/core/image.o: WT_XINC := -I$(WT_PNG) -I$(WT_ZLIB)
$(WT_BUILD)/obj/src/core/image.o: | $(WT_PNG)/pnglibconf.h $(WT_ZLIB)/zlib.h
$(WT_BUILD)/obj/src/%.o: src/%.c | web-test-check-tools
	@mkdir -p $(@D)
	$(WT_ENV) $(WT_EMCC) $(WT_CFLAGS) $(WARN) -MMD -MP -Iinclude/core $(WT_XINC) -c $< -o $@
$(WT_BUILD)/obj/tests/%.o: tests/%.c | $(WT_CMOCKA)/src/cmocka.c
	@mkdir -p $(@D)
	$(WT_ENV) $(WT_EMCC) $(WT_CFLAGS) $(WARN) -MMD -MP -Iinclude/core -I$(WT_CMOCKA)/include -c $< -o $@
$(WT_BUILD)/obj/web/%.o: web/%.c | web-test-check-tools
	@mkdir -p $(@D)
	$(WT_ENV) $(WT_EMCC) $(WT_CFLAGS) $(WARN) -MMD -MP -c $< -o $@

# ---------------------------------------------------------------- the tests

$(WT_BUILD)/test_kernels.js: $(WT_BUILD)/obj/tests/test_kernels.o $(WT_BUILD)/obj/third/cmocka.o $(WT_KERNELS_OBJ)
	$(WT_ENV) $(WT_EMCC) -O2 -o $@ $^ $(WT_LDFLAGS)
$(WT_BUILD)/test_mlp.js: $(WT_BUILD)/obj/tests/test_mlp.o $(WT_BUILD)/obj/third/cmocka.o $(WT_MLP_OBJ)
	$(WT_ENV) $(WT_EMCC) -O2 -o $@ $^ $(WT_LDFLAGS)

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

$(WT_BUILD)/libpbde-core.a: $(WT_CORE_OBJ)
	@rm -f $@
	$(WT_ENV) $(WT_EMAR) rcs $@ $^
$(WT_BUILD)/libthird.a: $(WT_THIRD_OBJ)
	@rm -f $@
	$(WT_ENV) $(WT_EMAR) rcs $@ $^
$(WT_BUILD)/bench.js: $(WT_BUILD)/obj/web/bench-node.o $(WT_BUILD)/obj/src/web/bench_web.o \
                      $(WT_BUILD)/libpbde-core.a $(WT_BUILD)/libthird.a
	$(WT_ENV) $(WT_EMCC) -O2 -o $@ $^ $(WT_LDFLAGS)

web-bench: $(WT_BUILD)/bench.js
	@$(WT_NODE) $<

-include $(wildcard $(WT_BUILD)/obj/src/*/*.d $(WT_BUILD)/obj/tests/*.d $(WT_BUILD)/obj/web/*.d)
