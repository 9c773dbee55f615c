/* The session shared by the terminal and the window: the prompt's
   commands and :save, completion, the line editor, the footer and help
   lists against the key table (and the window's drawing of them), the
   status texts, and the session driving a live run: keys, :help, tours. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pbde/objective.h"
#include "pbde/raster.h"
#include "pbde/scenario.h"
#include "pbde/session.h"

/* ------------------------------------------------------------ commands */

static void test_command_set(void **state)
{
    (void)state;
    params_t p, before;
    params_defaults(&p);
    before = p;
    char msg[512];
    assert_int_equal(session_command("set beta 8", &p, msg, sizeof msg), SESSION_CMD_SET);
    assert_true(p.beta == 8.0);
    assert_string_equal(msg, "beta = 8");
    assert_int_equal(session_command(":set objective dpo", &p, msg, sizeof msg), SESSION_CMD_SET);
    assert_int_equal(p.objective, OBJECTIVE_DPO);
    assert_int_equal(session_command("set lr=0.01", &p, msg, sizeof msg), SESSION_CMD_SET);
    assert_true(p.lr == 0.01);
    assert_int_equal(session_command("set beta 8", &p, msg, sizeof msg), SESSION_CMD_NOTHING);
    assert_non_null(strstr(msg, "already"));

    params_t keep = p;
    assert_int_equal(session_command("set beta 0", &p, msg, sizeof msg), SESSION_CMD_ERROR);
    assert_non_null(strstr(msg, "beta: '0' is not allowed: expected a number > 0"));
    assert_memory_equal(&p, &keep, sizeof p);
    assert_int_equal(session_command("set frobnicate 3", &p, msg, sizeof msg), SESSION_CMD_ERROR);
    assert_non_null(strstr(msg, "unknown parameter 'frobnicate'"));
    assert_int_equal(session_command("set beta", &p, msg, sizeof msg), SESSION_CMD_ERROR);
    assert_non_null(strstr(msg, "usage"));
    /* a combination params_check refuses leaves *p alone */
    assert_int_equal(session_command("set density ring", &p, msg, sizeof msg), SESSION_CMD_SET);
    keep = p;
    assert_int_equal(session_command("set annotator mixture", &p, msg, sizeof msg), SESSION_CMD_ERROR);
    assert_non_null(strstr(msg, "mixture"));
    assert_memory_equal(&p, &keep, sizeof p);

    assert_int_equal(session_command("help beta", &before, msg, sizeof msg), SESSION_CMD_NOTHING);
    /* the help text is the registry's: name, help, value, what is allowed */
    assert_true(strncmp(msg, "beta: ", 6) == 0);
    assert_non_null(strstr(msg, params_find("beta")->help));
    assert_non_null(strstr(msg, "; now 4; allowed: a number > 0"));
    assert_int_equal(session_command("help", &before, msg, sizeof msg), SESSION_CMD_NOTHING);
    assert_non_null(strstr(msg, "annotator-beta"));
    assert_int_equal(session_command("q", &before, msg, sizeof msg), SESSION_CMD_QUIT);
    assert_int_equal(session_command("  ", &before, msg, sizeof msg), SESSION_CMD_NOTHING);
    assert_int_equal(session_command("frob", &before, msg, sizeof msg), SESSION_CMD_ERROR);
    assert_non_null(strstr(msg, "unknown command 'frob'"));
}

/* The window's forms: "NAME VALUE" and "NAME=VALUE" without "set". */
static void test_command_bare_set(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    char msg[512];
    assert_int_equal(session_command("beta 2", &p, msg, sizeof msg), SESSION_CMD_SET);
    assert_true(p.beta == 2.0);
    assert_string_equal(msg, "beta = 2");
    assert_int_equal(session_command("lr=0.02", &p, msg, sizeof msg), SESSION_CMD_SET);
    assert_true(p.lr == 0.02);
    assert_int_equal(session_command("beta", &p, msg, sizeof msg), SESSION_CMD_ERROR);
    assert_non_null(strstr(msg, "usage"));
}

static void test_save_ini(void **state)
{
    (void)state;
    char dir[] = "/tmp/pbde-test-session-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/mine.ini", dir);
    params_t p;
    params_defaults(&p);
    p.objective = OBJECTIVE_DPO;
    p.beta = 8;
    p.pairs = 4096;
    p.colormap = 2; /* the [view] section travels too */
    p.speed = 50;
    char msg[512], line[256];
    char cmd[300];
    snprintf(cmd, sizeof cmd, "save %s", path);
    assert_int_equal(session_command(cmd, &p, msg, sizeof msg), SESSION_CMD_NOTHING);
    assert_non_null(strstr(msg, "saved"));

    /* the sections in order, and the file reads back (scenario_load) to
       the same parameters */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    const char *order[] = { "[world]", "[annotator]", "[objective]", "[training]", "[view]" };
    int next = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '[') {
            assert_true(next < 5);
            assert_string_equal(line, order[next++]);
        }
    }
    fclose(f);
    assert_int_equal(next, 5);
    params_t q;
    params_defaults(&q);
    char err[256];
    assert_int_equal(scenario_load(path, &q, err, sizeof err), 0);
    assert_memory_equal(&p, &q, sizeof p);

    /* no temporary file left behind; a bad directory is an error */
    snprintf(cmd, sizeof cmd, "ls %s | wc -l", dir);
    FILE *ls = popen(cmd, "r");
    int count = 0;
    assert_int_equal(fscanf(ls, "%d", &count), 1);
    pclose(ls);
    assert_int_equal(count, 1);
    snprintf(path, sizeof path, "%s/no/such/dir.ini", dir);
    assert_int_equal(session_save_ini(&p, path, err, sizeof err), -1);
    assert_int_equal(session_command("save", &p, msg, sizeof msg), SESSION_CMD_ERROR);
    snprintf(path, sizeof path, "%s/mine.ini", dir);
    remove(path);
    rmdir(dir);
}

static void test_complete(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(session_complete("set be", out, sizeof out), 1);
    assert_string_equal(out, "set beta ");
    assert_int_equal(session_complete("set objective d", out, sizeof out), 1);
    assert_string_equal(out, "set objective dpo ");
    assert_int_equal(session_complete("he", out, sizeof out), 1);
    assert_string_equal(out, "help ");
    assert_true(session_complete("set annotator-", out, sizeof out) >= 1);
    assert_int_equal(session_complete("set zz", out, sizeof out), 0);
    assert_string_equal(out, "set zz");
    /* several candidates: their common prefix */
    assert_int_equal(session_complete("set density eight", out, sizeof out), 1);
    assert_int_equal(session_complete("set r", out, sizeof out) > 1, 1);
    assert_string_equal(out, "set r");
}

/* ------------------------------------------------------------ line editor */

static void feed(session_prompt_t *p, const char *s)
{
    for (; *s; s++) session_prompt_key(p, (unsigned char)*s);
}

static void test_prompt_editor(void **state)
{
    (void)state;
    session_prompt_t p;
    memset(&p, 0, sizeof p);
    session_prompt_open(&p);
    feed(&p, "set bta 2");
    for (int i = 0; i < 4; i++) session_prompt_key(&p, VIEW_KEY_LEFT); /* after "set b" */
    session_prompt_key(&p, 'e');
    assert_string_equal(p.buf, "set beta 2");
    session_prompt_key(&p, VIEW_KEY_END);
    session_prompt_key(&p, VIEW_KEY_BACKSPACE);
    session_prompt_key(&p, '4');
    assert_int_equal(session_prompt_key(&p, VIEW_KEY_ENTER), PROMPT_ENTER);
    assert_int_equal(p.on, 0);
    assert_string_equal(p.buf, "set beta 4");
    /* the history brings it back; Tab completes; Escape cancels */
    session_prompt_open(&p);
    session_prompt_key(&p, VIEW_KEY_UP);
    assert_string_equal(p.buf, "set beta 4");
    session_prompt_key(&p, 21); /* Ctrl-U */
    feed(&p, "set objective d");
    session_prompt_key(&p, '\t');
    assert_string_equal(p.buf, "set objective dpo ");
    assert_int_equal(session_prompt_key(&p, VIEW_KEY_ESCAPE), PROMPT_CANCEL);
    /* Backspace on an empty line closes the prompt */
    session_prompt_open(&p);
    assert_int_equal(session_prompt_key(&p, VIEW_KEY_BACKSPACE), PROMPT_CANCEL);
}

/* ------------------------------------------------------------ footer, help */

/* A session for the texts alone: no runs (the builders read only the
   front end, the mode and the tour). */
static void text_session(session_t *s, int fe)
{
    memset(s, 0, sizeof *s);
    s->fe = fe;
    s->stop = -1;
    view_state_init(&s->vs);
    params_defaults(&s->want);
}

/* 1 when every '/'-separated part of key is a label of an action the
   front end binds in mode (or every mode). */
static int labels_in_table(const char *key, int fe, int mode)
{
    size_t n;
    const view_key_t *k = view_keys(&n);
    char buf[64];
    snprintf(buf, sizeof buf, "%s", key);
    for (char *part = strtok(buf, "/"); part; part = strtok(NULL, "/")) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(k[i].label, part) == 0 && (k[i].frontends & fe) &&
                    (k[i].mode == mode || k[i].mode == VIEW_MODE_NORMAL);
        if (!found) return 0;
    }
    return 1;
}

static int has_item(const view_item_t *it, int n, const char *key, const char *text)
{
    for (int i = 0; i < n; i++)
        if (strcmp(it[i].key, key) == 0 && (!text || strcmp(it[i].text, text) == 0)) return 1;
    return 0;
}

/* Both footers come from one table: each key is the key table's for
   that front end, help and quit close it on the right, and a key only
   one front end has (the window's S) appears in that one's alone. */
static void test_footer_from_table(void **state)
{
    (void)state;
    const int fes[2] = { VIEW_FE_TUI, VIEW_FE_GUI };
    view_item_t it[2][64];
    int n[2];
    for (int f = 0; f < 2; f++) {
        session_t s;
        text_session(&s, fes[f]);
        int right;
        const char *title = "x";
        n[f] = session_footer(&s, it[f], 64, &right, &title);
        assert_null(title);
        assert_int_equal(right, 2);
        assert_true(n[f] > 10);
        for (int i = 0; i < n[f]; i++) assert_true(labels_in_table(it[f][i].key, fes[f], VIEW_MODE_NORMAL));
        assert_string_equal(it[f][n[f] - 2].key, view_key_label(ACT_HELP, fes[f]));
        assert_string_equal(it[f][n[f] - 2].text, "help");
        assert_string_equal(it[f][n[f] - 1].key, view_key_label(ACT_QUIT, fes[f]));
        assert_true(has_item(it[f], n[f], "space", "pause"));
        assert_true(has_item(it[f], n[f], "a/A", "annotator"));
        assert_true(has_item(it[f], n[f], "h", "annotate"));
    }
    assert_false(has_item(it[0], n[0], "S", NULL));
    assert_true(has_item(it[1], n[1], "S", "screenshot"));
    /* apart from the window's own keys, the two lists are the same */
    int j = 0;
    for (int i = 0; i < n[1]; i++) {
        if (!labels_in_table(it[1][i].key, VIEW_FE_TUI, VIEW_MODE_NORMAL)) continue;
        assert_true(j < n[0]);
        assert_string_equal(it[0][j].key, it[1][i].key);
        assert_string_equal(it[0][j].text, it[1][i].text);
        j++;
    }
    assert_int_equal(j, n[0]);

    /* a mode: its own keys (without the "annotate: " prefix), how to leave */
    session_t s;
    text_session(&s, VIEW_FE_GUI);
    s.ann.mode = VIEW_MODE_ANNOTATE;
    int right;
    const char *title;
    int m = session_footer(&s, it[0], 64, &right, &title);
    assert_string_equal(title, "annotate");
    assert_int_equal(right, 1);
    assert_true(has_item(it[0], m, "u", "undo the last answer"));
    assert_string_equal(it[0][m - 1].key, "h/Esc");
    for (int i = 0; i < m - 1; i++) assert_true(labels_in_table(it[0][i].key, VIEW_FE_GUI, VIEW_MODE_ANNOTATE));
    /* a tour's keys come first, and space is not "pause" then */
    text_session(&s, VIEW_FE_TUI);
    s.tour.n = 2;
    s.tour_on = 1;
    m = session_footer(&s, it[0], 64, &right, &title);
    assert_string_equal(it[0][0].text, "next stop");
    assert_false(has_item(it[0], m, "space", "pause"));
    s.tour_on = 0;
    m = session_footer(&s, it[0], 64, &right, &title);
    assert_true(has_item(it[0], m, "t", "tour"));
    assert_true(has_item(it[0], m, "space", "pause"));
}

/* Both help lists are the key table's rows of their front end, in order,
   then the prompt's commands (:help among them). */
static void test_help_from_table(void **state)
{
    (void)state;
    const int fes[2] = { VIEW_FE_TUI, VIEW_FE_GUI };
    size_t nk, nc;
    const view_key_t *k = view_keys(&nk);
    const view_item_t *cmds = session_commands(&nc);
    for (int f = 0; f < 2; f++)
        for (int touring = 0; touring < 2; touring++) {
            session_t s;
            text_session(&s, fes[f]);
            s.tour.n = touring ? 3 : 0;
            view_item_t it[128];
            int n_keys, n = session_help(&s, it, 128, &n_keys);
            /* every key of the table is in an entry: its label among the
               entry's ("+/="), its words ending the entry's text, and its
               mode's name before them ("annotate, brush: back to exploring") */
            int listed = 0;
            for (size_t i = 0; i < nk; i++) {
                if (!(k[i].frontends & fes[f]) || (k[i].mode == VIEW_MODE_TOUR && !touring)) continue;
                listed++;
                const char *colon = k[i].mode != VIEW_MODE_NORMAL ? strstr(k[i].help, ": ") : NULL;
                const char *words = colon ? colon + 2 : k[i].help;
                int found = 0;
                for (int j = 0; j < n_keys && !found; j++) {
                    char labels[sizeof it[j].key];
                    memcpy(labels, it[j].key, sizeof labels);
                    labels[sizeof labels - 1] = '\0';
                    int has_label = 0;
                    for (char *sv = NULL, *w = strtok_r(labels, "/", &sv); w; w = strtok_r(NULL, "/", &sv))
                        if (strcmp(w, k[i].label) == 0) has_label = 1;
                    size_t tl = strlen(it[j].text), wl = strlen(words);
                    int ends = tl >= wl && strcmp(it[j].text + tl - wl, words) == 0;
                    int mode_named = !colon || strncmp(it[j].text, k[i].help, (size_t)(colon - k[i].help)) == 0 ||
                                     strstr(it[j].text, k[i].help) != NULL;
                    if (colon && !mode_named) {
                        char name[32];
                        snprintf(name, sizeof name, ", %.*s", (int)(colon - k[i].help), k[i].help);
                        mode_named = strstr(it[j].text, name) != NULL;
                    }
                    found = has_label && ends && mode_named;
                }
                if (!found) fail_msg("key %s (%s) is in no help entry", k[i].label, k[i].help);
            }
            /* keys that do the same share an entry */
            assert_true(n_keys < listed);
            assert_true(has_item(it, n_keys, "+/=", "double the pairs"));
            assert_true(has_item(it, n_keys, "Esc", "annotate, brush, room: back to exploring"));
            for (size_t c = 0; c < nc; c++) assert_true(has_item(it + n_keys, n - n_keys, cmds[c].key, cmds[c].text));
            assert_true(has_item(it, n, ":help NAME", NULL));
            assert_int_equal(has_item(it, n_keys, "PgDn", NULL), touring);
            assert_int_equal(has_item(it, n_keys, "S", NULL), fes[f] == VIEW_FE_GUI);
        }
}

/* The window draws what the lists hold: a font that records every text
   drawn sees each help item and each footer item of the session. */
typedef struct {
    unsigned char mask[64 * 4096];
    char seen[32768];
    size_t used;
} record_font_t;

static int record_text(void *ctx, const char *utf8, int px, raster_mask_t *out)
{
    record_font_t *f = ctx;
    size_t len = strlen(utf8);
    if (f->used + len + 2 < sizeof f->seen) {
        memcpy(f->seen + f->used, utf8, len);
        f->used += len;
        f->seen[f->used++] = '\n';
        f->seen[f->used] = '\0';
    }
    int w = (int)len * px / 3 + 1, h = px + 2; /* narrow glyphs: everything fits */
    if (w > 4096 || h > 64) return -1;
    memset(f->mask, 0, (size_t)w * (size_t)h);
    out->a = f->mask;
    out->w = w;
    out->h = h;
    return 0;
}

static int drew(const record_font_t *f, const char *s)
{
    char line[160];
    snprintf(line, sizeof line, "\n%s\n", s);
    return strstr(f->seen, line) != NULL || strncmp(f->seen, line + 1, strlen(line + 1)) == 0;
}

static void test_window_draws_lists(void **state)
{
    (void)state;
    live_snapshot_t snap;
    memset(&snap, 0, sizeof snap);
    params_defaults(&snap.params);
    session_t s;
    text_session(&s, VIEW_FE_GUI);
    s.snap = &snap;
    view_model_t vm;
    memset(&vm, 0, sizeof vm);
    raster_scene_t sc;
    raster_scene_init(&sc, &vm, &snap);
    view_item_t footer[64], help[128];
    sc.live = 1;
    sc.n_footer = session_footer(&s, footer, 64, &sc.footer_right, &sc.footer_title);
    sc.footer = footer;
    sc.help = 1;
    sc.n_help = session_help(&s, help, 128, &sc.n_help_keys);
    sc.help_items = help;
    sc.help_title = SESSION_HELP_TITLE;
    sc.help_close = SESSION_HELP_CLOSE;
    static record_font_t rf;
    raster_font_t font = { &rf, record_text };
    raster_image_t img = { malloc(1600 * 1000 * 3), 1600, 1000 };
    assert_non_null(img.px);
    raster_draw(&img, &sc, &font, NULL);
    for (int i = 0; i < sc.n_help; i++) {
        assert_true(drew(&rf, help[i].key));
        assert_true(drew(&rf, help[i].text));
    }
    assert_true(drew(&rf, SESSION_HELP_TITLE));
    assert_true(drew(&rf, SESSION_HELP_CLOSE));
    /* the footer: help and quit on the right, and from the left as many
       as fit, in the list's order (at 1600 pixels, more than half) */
    int first_missing = sc.n_footer - sc.footer_right;
    for (int i = 0; i < sc.n_footer - sc.footer_right; i++)
        if (!drew(&rf, footer[i].text)) {
            first_missing = i;
            break;
        }
    assert_true(first_missing > (sc.n_footer - sc.footer_right) / 2);
    for (int i = 0; i < first_missing; i++) assert_true(drew(&rf, footer[i].key));
    for (int i = sc.n_footer - sc.footer_right; i < sc.n_footer; i++) {
        assert_true(drew(&rf, footer[i].key));
        assert_true(drew(&rf, footer[i].text));
    }
    free(img.px);
}

/* ------------------------------------------------------------ status */

static void test_state_and_status(void **state)
{
    (void)state;
    live_snapshot_t snap;
    memset(&snap, 0, sizeof snap);
    params_defaults(&snap.params);
    session_t s;
    text_session(&s, VIEW_FE_GUI);
    s.snap = &snap;
    char buf[256];
    view_tone tn;
    snap.state = TRAINER_DONE;
    assert_int_equal(session_state(&s, 0, buf, sizeof buf, &tn), SESSION_DONE);
    assert_string_equal(buf, "done");
    /* the status line agrees with the header: no "training" while done */
    session_status(&s, 0.0, buf, sizeof buf, &tn);
    assert_true(strncmp(buf, "done: r trains again", 20) == 0);
    snap.state = TRAINER_TRAINING;
    snap.paused = 1;
    assert_int_equal(session_state(&s, 0, buf, sizeof buf, &tn), SESSION_PAUSED);
    assert_int_equal(tn, VIEW_TONE_WARN);
    session_status(&s, 0.0, buf, sizeof buf, &tn);
    assert_string_equal(buf, "paused: space resumes, n takes one step");
    snap.paused = 0;
    snap.human = 1;
    snap.have_question = 1;
    snap.waiting = 1;
    assert_int_equal(session_state(&s, 0, buf, sizeof buf, &tn), SESSION_WAITING);
    assert_string_equal(buf, "waiting for an answer");
    snap.state = TRAINER_DIVERGED;
    snap.diverged_at = 12;
    assert_int_equal(session_state(&s, 1, buf, sizeof buf, &tn), SESSION_DIVERGED);
    assert_int_equal(tn, VIEW_TONE_BAD);
    /* a message holds the status line until it expires */
    session_say(&s, VIEW_TONE_BAD, "something went wrong");
    session_status(&s, s.message_t + 1.0, buf, sizeof buf, &tn);
    assert_string_equal(buf, "something went wrong");
    assert_int_equal(tn, VIEW_TONE_BAD);
    session_status(&s, s.message_t + SESSION_MESSAGE_S, buf, sizeof buf, &tn);
    assert_non_null(strstr(buf, "training diverged at step 12"));
}

/* ------------------------------------------------------------ a live run */

static live_t *small_run(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 1024;
    p.grid = 32;
    p.width = 16;
    p.depth = 2;
    p.steps = 50;
    char err[256];
    live_t *l = live_create(&p, kernels_select(NULL), 1, err, sizeof err);
    if (!l) fail_msg("live_create: %s", err);
    return l;
}

static void keys(session_t *s, const char *k)
{
    for (; *k; k++) session_key(s, *k == '\n' ? VIEW_KEY_ENTER : (unsigned char)*k);
}

/* A room the session drives through its ops: what it was asked to do. */
typedef struct {
    int starts, stops, polls;
    char opts[128];
    long participants;
} fake_room_t;

static int fake_configure(void *ctx, const char *opts, char *err, size_t n)
{
    fake_room_t *f = ctx;
    if (strstr(opts, "bad")) {
        snprintf(err, n, "room options: no option 'bad'");
        return -1;
    }
    snprintf(f->opts, sizeof f->opts, "%s", opts);
    return 0;
}

static int fake_start(void *ctx, live_t *l, view_room_t *info, char *err, size_t n)
{
    (void)l;
    (void)err;
    (void)n;
    fake_room_t *f = ctx;
    f->starts++;
    snprintf(info->url, sizeof info->url, "http://127.0.0.1:%d/ROOM42", 8000 + f->starts);
    snprintf(info->code, sizeof info->code, "ROOM42");
    info->qr_side = 25;
    return 0;
}

static void fake_poll(void *ctx, view_room_t *info)
{
    fake_room_t *f = ctx;
    f->polls++;
    info->participants = f->participants;
}

static void fake_stop(void *ctx)
{
    ((fake_room_t *)ctx)->stops++;
}

/* H, :room and Esc open and close the room through the ops; the mode,
   the counts and the messages follow; without ops the session says why
   there is no room. */
static void test_session_room(void **state)
{
    (void)state;
    live_t *l = small_run();
    session_t s;
    view_state_t vs;
    view_state_init(&vs);
    char err[256];
    assert_int_equal(session_init(&s, VIEW_FE_TUI, &l, 1, kernels_select(NULL), &vs, NULL, 0, 0, err,
                                  sizeof err), 0);
    keys(&s, "H");
    assert_int_equal(s.ann.mode, VIEW_MODE_NORMAL);
    assert_non_null(strstr(s.message, "built without the room"));

    fake_room_t f = { 0 };
    const session_room_ops_t ops = { &f, fake_configure, fake_start, fake_poll, fake_stop };
    session_set_room(&s, &ops);
    keys(&s, "H");
    assert_int_equal(f.starts, 1);
    assert_int_equal(s.ann.mode, VIEW_MODE_ROOM);
    assert_int_equal(s.ann.room.on, 1);
    assert_non_null(strstr(s.message, "http://127.0.0.1:8001/ROOM42"));
    /* the footer is the room's, its name and keys from the tables */
    view_item_t it[32];
    int right;
    const char *title;
    int n = session_footer(&s, it, 32, &right, &title);
    assert_string_equal(title, "room");
    assert_true(has_item(it, n, "n", NULL) && has_item(it, n, "H/Esc", "leave"));
    /* the counts are polled every SESSION_ROOM_POLL_S */
    f.participants = 7;
    s.need_draw = 0;
    session_tick(&s, s.room_polled + SESSION_ROOM_POLL_S);
    assert_int_equal(s.ann.room.participants, 7);
    assert_int_equal(s.need_draw, 1);
    /* Esc closes it; the closing words outlast the event the change causes */
    session_key(&s, VIEW_KEY_ESCAPE);
    assert_int_equal(f.stops, 1);
    assert_int_equal(s.ann.mode, VIEW_MODE_NORMAL);
    assert_non_null(strstr(s.message, "closed the room after 0 answers from 7 phones"));
    live_snapshot_t snap;
    memset(&snap, 0, sizeof snap);
    live_snapshot(l, &snap);
    s.snapshots = 1;
    snprintf(snap.status, sizeof snap.status, "back to the annotator's data: training restarted");
    session_sync(&s, &snap, 1);
    assert_non_null(strstr(s.message, "closed the room"));
    snprintf(snap.status, sizeof snap.status, "model reset: training restarted");
    session_sync(&s, &snap, 1);
    assert_string_equal(s.message, "model reset: training restarted");
    /* :room with options configures, then opens; bad options open nothing */
    keys(&s, ":room personas=2 per-question=5\n");
    assert_string_equal(f.opts, "personas=2 per-question=5");
    assert_int_equal(f.starts, 2);
    assert_int_equal(s.ann.mode, VIEW_MODE_ROOM);
    keys(&s, ":room off\n");
    assert_int_equal(f.stops, 2);
    keys(&s, ":room off\n");
    assert_string_equal(s.message, "no room is open");
    keys(&s, ":room bad=1\n");
    assert_int_equal(f.starts, 2);
    assert_int_equal(s.ann.mode, VIEW_MODE_NORMAL);
    assert_string_equal(s.message, "room options: no option 'bad'");
    /* h from the room: the room closes first, then the annotate mode opens */
    keys(&s, ":room\n");
    assert_int_equal(f.starts, 3);
    keys(&s, "h");
    assert_int_equal(f.stops, 3);
    assert_int_equal(s.ann.mode, VIEW_MODE_ANNOTATE);
    /* the session stops an open room when it ends */
    keys(&s, "H");
    assert_int_equal(s.ann.mode, VIEW_MODE_ROOM);
    session_free(&s);
    assert_int_equal(f.stops, 4);
    live_snapshot_free(&snap);
    live_destroy(l);
}

/* The window's session runs :help, :set and keys like the terminal's. */
static void test_session_keys(void **state)
{
    (void)state;
    live_t *l = small_run();
    session_t s;
    view_state_t vs;
    view_state_init(&vs);
    char err[256];
    assert_int_equal(session_init(&s, VIEW_FE_GUI, &l, 1, kernels_select(NULL), &vs, NULL, 0, 0, err,
                                  sizeof err), 0);
    keys(&s, ":help beta\n");
    assert_int_equal(s.prompt.on, 0);
    assert_true(strncmp(s.message, "beta: ", 6) == 0);
    keys(&s, ":set beta 2\n");
    params_t p;
    live_get_params(l, &p);
    assert_true(p.beta == 2.0);
    assert_string_equal(s.message, "beta = 2");
    keys(&s, ":beta=3\n");
    live_get_params(l, &p);
    assert_true(p.beta == 3.0);
    /* ? opens the help, any key closes it (and does nothing else) */
    keys(&s, "?");
    assert_int_equal(s.vs.help, 1);
    int cmap = s.vs.colormap;
    keys(&s, "c");
    assert_int_equal(s.vs.help, 0);
    assert_int_equal(s.vs.colormap, cmap);
    keys(&s, "c");
    assert_int_equal(s.vs.colormap, (cmap + 1) % CMAP_COUNT);
    /* a help of three pages: space, PgDn and right turn them, PgUp and
       left go back (never past the first or the last), any other key
       closes it; it opens at its first page again */
    session_help_pages(&s, 3);
    cmap = s.vs.colormap;
    keys(&s, "?");
    assert_int_equal(s.help_page, 0);
    session_key(&s, VIEW_KEY_PGUP);
    assert_int_equal(s.help_page, 0);
    keys(&s, " ");
    assert_int_equal(s.help_page, 1);
    session_key(&s, VIEW_KEY_RIGHT);
    assert_int_equal(s.help_page, 2);
    session_key(&s, VIEW_KEY_PGDN);
    assert_int_equal(s.help_page, 2);
    assert_int_equal(s.vs.help, 1);
    session_key(&s, VIEW_KEY_LEFT);
    assert_int_equal(s.help_page, 1);
    session_help_pages(&s, 1); /* the screen grew: one page */
    assert_int_equal(s.help_page, 0);
    session_help_pages(&s, 3);
    keys(&s, "  ");
    assert_int_equal(s.help_page, 2);
    session_help_pages(&s, 2); /* it shrank back: the last page left */
    assert_int_equal(s.help_page, 1);
    keys(&s, "c");
    assert_int_equal(s.vs.help, 0);
    assert_int_equal(s.vs.colormap, cmap);
    keys(&s, "?");
    assert_int_equal(s.help_page, 0);
    session_help_pages(&s, 1); /* one page: space closes it too */
    keys(&s, " ");
    assert_int_equal(s.vs.help, 0);
    /* the window's own keys come back to it */
    assert_int_equal(session_key(&s, 'S'), ACT_SCREENSHOT);
    assert_int_equal(session_key(&s, 't'), ACT_NONE); /* no tour: t is nothing */
    /* the speed ladder */
    s.speed = 10;
    keys(&s, ">");
    assert_true(s.speed == 20.0);
    keys(&s, "<<");
    assert_true(s.speed == 5.0);
    assert_true(live_get_speed(l) == 5.0);
    keys(&s, ":q\n");
    assert_int_equal(s.quit, 1);
    session_free(&s);
    live_destroy(l);
}

/* A tour's keys, from the key table, in both front ends: space and ->
   go on, <- goes back, t leaves the tour and hands space back to pause. */
static void test_session_tour(void **state)
{
    (void)state;
    const int fes[2] = { VIEW_FE_TUI, VIEW_FE_GUI };
    for (int f = 0; f < 2; f++) {
        tour_t t;
        char err[1024];
        assert_int_equal(tour_open("demos/preferences-to-densities.tour", "demos", &t, err, sizeof err), 0);
        live_t *l = live_create(&t.stops[0].params, kernels_select(NULL), 1, err, sizeof err);
        assert_non_null(l);
        session_t s;
        view_state_t vs;
        view_state_from_params(&vs, &t.stops[0].params);
        assert_int_equal(session_init(&s, fes[f], &l, 1, kernels_select(NULL), &vs, &t, 0, 0, err,
                                      sizeof err), 0);
        assert_null(t.stops); /* the session took the tour over */
        assert_int_equal(s.stop, 0);
        session_key(&s, ' ');
        assert_int_equal(s.stop, 1);
        session_key(&s, VIEW_KEY_RIGHT);
        assert_int_equal(s.stop, 2);
        session_key(&s, VIEW_KEY_PGUP);
        assert_int_equal(s.stop, 1);
        session_key(&s, VIEW_KEY_LEFT);
        assert_int_equal(s.stop, 0);
        session_key(&s, VIEW_KEY_LEFT);
        assert_int_equal(s.stop, 0);
        assert_string_equal(s.message, "this is the first stop of the tour");
        session_key(&s, 't');
        assert_int_equal(s.tour_on, 0);
        double x = s.vs.cursor_x;
        session_key(&s, VIEW_KEY_RIGHT); /* exploring: the arrows move the cursor */
        assert_int_equal(s.stop, 0);
        assert_true(s.vs.cursor_x > x);
        session_key(&s, VIEW_KEY_PGDN); /* the tour's key only */
        assert_int_equal(s.stop, 0);
        session_key(&s, 't');
        assert_int_equal(s.tour_on, 1);
        session_free(&s);
        live_destroy(l);
    }
}


/* The lecture pace: P puts a run's steps into PARAMS_LECTURE_PACE
   seconds and takes them out again; the ladder leaves the pace; a tour
   goes at the pace unless the user chose a speed; a reset while paused
   says so, not "training restarted". */
static void test_session_pace(void **state)
{
    (void)state;
    params_t q;
    params_defaults(&q);
    assert_true(params_step_rate(&q) == 0.0); /* outside tours: as fast as possible */
    q.speed = 40;
    assert_true(params_step_rate(&q) == 40.0);
    q.pace = 20;
    assert_true(params_step_rate(&q) == (double)q.steps / 20.0); /* the pace wins */

    live_t *l = small_run(); /* 50 steps, paused */
    session_t s;
    view_state_t vs;
    view_state_init(&vs);
    char err[256], buf[128];
    assert_int_equal(session_init(&s, VIEW_FE_TUI, &l, 1, kernels_select(NULL), &vs, NULL, 0, 0, err,
                                  sizeof err), 0);
    assert_true(session_rate(&s) == 0.0);
    session_speed_text(&s, buf, sizeof buf);
    assert_string_equal(buf, "speed max");
    keys(&s, "P");
    params_t p;
    live_get_params(l, &p);
    assert_true(p.pace == PARAMS_LECTURE_PACE);
    assert_true(session_rate(&s) == 50.0 / PARAMS_LECTURE_PACE);
    session_speed_text(&s, buf, sizeof buf);
    assert_string_equal(buf, "lecture pace 2.5 steps/s");
    assert_non_null(strstr(s.message, "50 steps in about 20 s"));
    /* the ladder starts from the pace's rate (2.5 steps/s) and ends it */
    keys(&s, ">");
    assert_true(s.speed == 5.0);
    assert_true(s.pace == 0.0);
    live_get_params(l, &p);
    assert_true(p.pace == 0.0);
    keys(&s, "P");
    keys(&s, "P");
    assert_true(s.pace == 0.0);
    assert_true(session_rate(&s) == 5.0); /* back to the speed cap */
    assert_non_null(strstr(s.message, "at most 5 steps per second"));

    /* r while paused: the worker's event says the model waits */
    live_snapshot_t snap;
    memset(&snap, 0, sizeof snap);
    live_wait(l, &snap, 10); /* the first snapshot */
    long events = 0;
    keys(&s, "r");
    while (!strstr(snap.status, "model reset") && events++ < 50)
        live_wait(l, &snap, 10);
    assert_string_equal(snap.status, "model reset: ready at step 0, paused");
    live_snapshot_free(&snap);
    session_free(&s);
    live_destroy(l);

    /* a tour: the lecture pace, unless the user chose a speed */
    for (int user = 0; user < 2; user++) {
        tour_t t;
        assert_int_equal(tour_open("demos/preferences-to-densities.tour", "demos", &t, err, sizeof err), 0);
        params_t start = t.stops[0].params;
        if (user) start.speed = 30;
        live_t *lt = live_create(&start, kernels_select(NULL), 1, err, sizeof err);
        assert_non_null(lt);
        view_state_from_params(&vs, &start);
        assert_int_equal(session_init(&s, VIEW_FE_GUI, &lt, 1, kernels_select(NULL), &vs, &t, user, 0,
                                      err, sizeof err), 0);
        live_get_params(lt, &p);
        assert_true(p.pace == (user ? 0.0 : PARAMS_LECTURE_PACE));
        assert_true(session_rate(&s) == (user ? 30.0 : (double)p.steps / PARAMS_LECTURE_PACE));
        keys(&s, " "); /* the next stop keeps it */
        live_get_params(lt, &p);
        assert_true(p.pace == (user ? 0.0 : PARAMS_LECTURE_PACE));
        session_free(&s);
        live_destroy(lt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_set),
        cmocka_unit_test(test_command_bare_set),
        cmocka_unit_test(test_save_ini),
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_prompt_editor),
        cmocka_unit_test(test_footer_from_table),
        cmocka_unit_test(test_help_from_table),
        cmocka_unit_test(test_window_draws_lists),
        cmocka_unit_test(test_state_and_status),
        cmocka_unit_test(test_session_keys),
        cmocka_unit_test(test_session_room),
        cmocka_unit_test(test_session_tour),
        cmocka_unit_test(test_session_pace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
