# The browser edition: make web builds build/web/ (index.html, pbde.js,
# the WebAssembly module and its loader), a folder of static files that
# runs offline; make web-serve serves it on 127.0.0.1 for a quick look.
#
# Compiled with Debian's emscripten (emcc 3.1.6), single-threaded
# (-DPBDE_NO_THREADS: the stage pumps each training run every frame, no
# SharedArrayBuffer needed) and with wasm SIMD128. The C libraries the
# core reads files with (inih for scenarios, libpng and zlib for image
# densities) are compiled from their Debian source packages, fetched once
# into build/web/third and checked against the .dsc (web/debian-source.sh).
# The demos' scenarios and tours are embedded at /demos.
EMCC       ?= emcc
,          := ,
empty      :=
space      := $(empty) $(empty)
WEB_ENV    := NODE_PATH=/usr/share/nodejs
WEB_BUILD  := build/web
WEB_THIRD  := $(WEB_BUILD)/third
WEB_INIH   := $(WEB_THIRD)/libinih-59
WEB_ZLIB   := $(WEB_THIRD)/zlib-1.2.13.dfsg
WEB_PNG    := $(WEB_THIRD)/libpng1.6-1.6.39
WEB_WARN   := -Wall -Wextra -Wshadow -Wdouble-promotion -Wstrict-prototypes -Wmissing-prototypes \
              -Wformat=2 -Wvla
WEB_OPT    ?= -O2
WEB_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WEB_OPT) -msimd128 -DPBDE_NO_THREADS
WEB_INC    := -Iinclude/core -Iinclude/view -Iinclude/session -Iinclude/export -Iinclude/web \
              -I$(WEB_INIH) -I$(WEB_PNG) -I$(WEB_ZLIB)

WEB_C      := $(CORE_SRC) $(VIEW_SRC) $(SESSION_SRC) src/export/stage.c src/export/tours.c \
              src/export/frame.c $(wildcard src/web/*.c)
WEB_OBJ    := $(patsubst %.c,$(WEB_BUILD)/obj/%.o,$(WEB_C))
WEB_ZLIB_C := adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
              inftrees trees uncompr zutil
WEB_PNG_C  := png pngerror pngget pngmem pngpread pngread pngrio pngrtran pngrutil pngset pngtrans \
              pngwio pngwrite pngwtran pngwutil
WEB_THIRD_OBJ := $(WEB_BUILD)/obj/third/ini.o $(WEB_ZLIB_C:%=$(WEB_BUILD)/obj/third/z-%.o) \
                 $(WEB_PNG_C:%=$(WEB_BUILD)/obj/third/png-%.o)
WEB_EXPORTS := _pbde_web_start _pbde_web_error _pbde_web_frame _pbde_web_key _pbde_web_pointer \
               _pbde_web_say _pbde_web_link _pbde_web_state _pbde_web_load_scenario \
               _pbde_web_load_pairs _pbde_web_save_answers _pbde_web_name _malloc _free \
               $(if $(wildcard src/web/bench_web.c),_pbde_web_bench)
WEB_LDFLAGS := -sMODULARIZE=1 -sEXPORT_NAME=createPbde -sALLOW_MEMORY_GROWTH=1 \
               -sINITIAL_MEMORY=67108864 -sENVIRONMENT=web -sEXPORTED_FUNCTIONS=$(subst $(space),$(,),$(strip $(WEB_EXPORTS))) \
               -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString,FS,ENV

.PHONY: web web-serve web-check-emcc web-sources

web-check-emcc:
	@command -v $(EMCC) >/dev/null 2>&1 || { echo "pbde web: needs emscripten's emcc: sudo apt-get install emscripten (or make deps)"; exit 1; }
	@command -v curl >/dev/null 2>&1 || { echo "pbde web: needs curl to fetch the Debian sources: sudo apt-get install curl"; exit 1; }

$(WEB_INIH)/ini.c: | web-check-emcc
	sh web/debian-source.sh libi/libinih libinih 59-1 $(WEB_THIRD)
$(WEB_ZLIB)/zlib.h: | web-check-emcc
	sh web/debian-source.sh z/zlib zlib 1.2.13.dfsg-1 $(WEB_THIRD)
$(WEB_PNG)/pnglibconf.h: | web-check-emcc
	sh web/debian-source.sh libp/libpng1.6 libpng1.6 1.6.39-2+deb12u5 $(WEB_THIRD)
	cp $(WEB_PNG)/scripts/pnglibconf.h.prebuilt $@
web-sources: $(WEB_INIH)/ini.c $(WEB_ZLIB)/zlib.h $(WEB_PNG)/pnglibconf.h

$(WEB_BUILD)/obj/third/ini.o: $(WEB_INIH)/ini.c
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WEB_OPT) -DINI_MAX_LINE=1024 -c $< -o $@
$(WEB_BUILD)/obj/third/z-%.o: $(WEB_ZLIB)/zlib.h
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WEB_OPT) -DHAVE_UNISTD_H -c $(WEB_ZLIB)/$*.c -o $@
$(WEB_BUILD)/obj/third/png-%.o: $(WEB_PNG)/pnglibconf.h $(WEB_ZLIB)/zlib.h
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WEB_OPT) -I$(WEB_ZLIB) -DPNG_ARM_NEON_OPT=0 -c $(WEB_PNG)/$*.c -o $@

# pbde's own files: the same warnings as the native build
$(WEB_BUILD)/obj/src/%.o: src/%.c | web-sources
	@mkdir -p $(@D)
	$(WEB_ENV) $(EMCC) $(WEB_CFLAGS) $(WEB_WARN) -MMD -MP $(WEB_INC) -c $< -o $@

# the demos' scenarios and tours (not the gallery's images)
$(WEB_BUILD)/demos.stamp: $(wildcard demos/*.ini demos/*.tour)
	@rm -rf $(WEB_BUILD)/demos && mkdir -p $(WEB_BUILD)/demos
	cp $^ $(WEB_BUILD)/demos/
	@touch $@

$(WEB_BUILD)/pbde-wasm.js: $(WEB_OBJ) $(WEB_THIRD_OBJ) $(WEB_BUILD)/demos.stamp
	$(WEB_ENV) $(EMCC) $(WEB_CFLAGS) -o $@ $(WEB_OBJ) $(WEB_THIRD_OBJ) $(WEB_LDFLAGS) \
	  --embed-file $(WEB_BUILD)/demos@/demos
	@echo "pbde web: built $(WEB_BUILD)/ (open it with make web-serve)"

$(WEB_BUILD)/%: web/%
	@mkdir -p $(@D)
	cp $< $@

web: $(WEB_BUILD)/pbde-wasm.js $(WEB_BUILD)/index.html $(WEB_BUILD)/pbde.js

WEB_PORT ?= 8765
web-serve: web
	@echo "pbde web: http://127.0.0.1:$(WEB_PORT)/ (Ctrl-C stops)"
	python3 -m http.server --bind 127.0.0.1 --directory $(WEB_BUILD) $(WEB_PORT)

-include $(WEB_OBJ:.o=.d)

# its kernel tests and benchmark under node (make web-test-kernels, web-bench)
include mk/web-test.mk
