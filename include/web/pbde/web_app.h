/* The browser edition's entry points: what the page's script
   (web/pbde.js) calls in the WebAssembly module. src/web/web.c. */
#ifndef PBDE_WEB_APP_H
#define PBDE_WEB_APP_H

#include <stddef.h>

int pbde_web_start(const char *args);
const char *pbde_web_error(void);
unsigned char *pbde_web_frame(int w, int h);
int pbde_web_key(int key);
void pbde_web_pointer(int kind, int x, int y, int buttons);
void pbde_web_say(const char *msg, int bad);
const char *pbde_web_link(void);
const char *pbde_web_state(void);
int pbde_web_load_scenario(const char *path);
int pbde_web_load_pairs(const char *path);
long pbde_web_save_answers(const char *path);
const char *pbde_web_name(void);

#endif
