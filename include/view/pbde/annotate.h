/* The explorers' interactive-data modes, shared by the terminal and the
   window: "be the annotator" (the program asks which of two points A and
   B is better; the user answers and the model trains on the answers) and
   "draw the density" (a brush paints or erases p* as a 64 x 64 image).
   The state both front ends keep, the answer a click means, the prompt
   line, the brush's painting on a params_image_t, and the calls into the
   live session both front ends make. No terminal, no window. */
#ifndef PBDE_ANNOTATE_H
#define PBDE_ANNOTATE_H

#include <stddef.h>

#include "pbde/live.h"
#include "pbde/params.h"
#include "pbde/view.h"

/* Brush radius in image cells (of PARAMS_IMAGE_SIDE across the box). */
#define VIEW_BRUSH_MIN 1
#define VIEW_BRUSH_MAX 16
#define VIEW_BRUSH_DEFAULT 4

/* A painted image goes to the session at most this often while a stroke
   goes on, and this long after the last dab at the latest. */
#define VIEW_BRUSH_APPLY_S 0.3
#define VIEW_BRUSH_SETTLE_S 0.15

/* A room of annotators: phones join at url with code and answer the
   question on screen (pbde/room.h serves them; the session fills this in
   through the command line, the renderers draw it). */
#define VIEW_QR_MAX 80   /* modules per side of the largest QR code kept */
typedef struct {
    int on;
    char url[160];       /* the join URL */
    char code[8];        /* the join code */
    int qr_side;         /* the URL's QR code: modules per side (0: none) */
    unsigned char qr[VIEW_QR_MAX * VIEW_QR_MAX]; /* 1: a dark module, row-major, no quiet zone */
    long participants;   /* phones that joined */
    long answers;        /* answers accepted (preferences and "no preference") */
    long rejected;       /* answers refused */
    int personas;        /* 0: none; K: assigned in turn; -1: each chooses */
    long question_answers, per_question; /* the open question's answers, of how many */
} view_room_t;

typedef struct {
    int mode;            /* view_mode */

    /* be the annotator: the session's state as of the last snapshot
       (view_annot_sync), and the answers queued since */
    int have_question;   /* q holds the question on screen; 0: thinking */
    float q[4];          /* ax, ay, bx, by */
    long asked;          /* the question's number */
    long skipped;        /* answered "no preference" */
    long answers;        /* answers once the queued inputs are applied */
    long pending;        /* inputs the session has not applied yet */
    int waiting;         /* every answer trained: waiting for the next */
    int last;            /* last answer: 1 A, 0 B, -1 skipped or none */
    view_room_t room;    /* the room mode: where phones join, and the counts */

    /* draw the density */
    int radius;          /* brush radius in image cells */
    int erase;           /* 1: the brush erases */
    int pen;             /* terminal: 1 while the pen is down (moves paint) */
    int stroking;        /* window: a mouse button is down */
    int dirty;           /* the image changed and has not gone to the session */
    double dirty_since;  /* when it first changed (seconds, any clock) */
    double last_dab;     /* when it last changed */
    long dabs;           /* dabs painted since the mode began */
    int have_image;      /* image holds the picture being painted */
    params_image_t image; /* the painted p* */
    double box;          /* L of the box the image spans */
} view_annot_t;

/* Normal mode, no question, brush of the default size painting. */
void view_annot_init(view_annot_t *a);

/* 1 when the mode asks questions (annotate, room): A and B are drawn. */
int view_annot_asks(const view_annot_t *a);

/* Which point a click at world (x, y) answers on a box of half-width L:
   1 for A (A is better), 0 for B, or -1 when the click is nearer neither
   than 0.15 L (a click elsewhere answers nothing). The nearer point wins
   when both are close. */
int view_annot_pick(const float q[4], double L, double x, double y);

/* The one-line prompt of the annotate mode, e.g.
   "Which is better?  ← A (1.23, -0.50)   B (0.10, 2.00) →   question 12 · 11 answers".
   ascii: "<-" and "->" for the arrows. Without a question: what the mode
   waits for. In the room mode: where to join, who joined and how far the
   question is, its parts separated by three spaces (the least needed
   last). */
void view_annot_prompt(char *buf, size_t n, const view_annot_t *a, int ascii);

/* Paints (erase = 0) or erases a disc of radius cells centred on world
   point (x, y) of the box [-L, L]^2 into img (side PARAMS_IMAGE_SIDE when
   img->side is 0 it is set up black first). Painting raises each cell
   towards 255 and erasing lowers it towards 0, fully at the centre and
   softly at the rim. The image becomes a painted one (src ""). Returns the
   number of cells that changed. */
int view_brush_dab(params_image_t *img, double L, double x, double y, int radius, int erase);

/* 1 when every pixel of img is 0 (such an image is no density). */
int view_image_black(const params_image_t *img);

/* Records a change of the painted image at time now (seconds). */
void view_brush_changed(view_annot_t *a, double now);

/* 1 when the painted image should go to the session at time now: it has
   changed, and either VIEW_BRUSH_APPLY_S passed since the first change or
   VIEW_BRUSH_SETTLE_S since the last one (or the stroke ended). */
int view_brush_due(const view_annot_t *a, double now);

/* ------------------------------------------------ driving the session

   The mode changes and answers both front ends share, through live.c
   (these functions call the session but touch no terminal or window).
   Each writes a one-line message for the status line into msg and
   returns 1 when it did what was asked, 0 when it could not (msg says
   why), -1 on a failure of the session (allocation). */

/* Enters (on = 1) or leaves the annotate mode: the session trains on the
   answers (live_set_human) and the first question is drawn; leaving hands
   training back to the annotator's data set (the answers are kept). */
int view_annot_set(view_annot_t *a, live_t *l, int on, char *msg, size_t n);

/* Takes the session's question and counts from a snapshot into a (call
   with every new snapshot). */
void view_annot_sync(view_annot_t *a, const live_snapshot_t *s);

/* Enters (on = 1) the room mode over a session a room of annotators
   already serves (a->room filled in: its URL and code), or leaves it once
   the room stopped serving: training goes back to the annotator's data
   set (the answers are kept). */
int view_room_set(view_annot_t *a, live_t *l, int on, char *msg, size_t n);

/* Answers the question on screen (or the next one, when it is still being
   drawn: answers are queued in order): y = 1 A is better, 0 B is better,
   -1 no preference (skipped: nothing recorded). */
int view_annot_answer(view_annot_t *a, live_t *l, int y, char *msg, size_t n);

/* Takes the last answer back: its question comes back to be answered
   anew, and the model goes back to what it was before it. */
int view_annot_undo(view_annot_t *a, live_t *l, char *msg, size_t n);

/* Writes the answers as CSV (pbde sample's format) to path. */
int view_annot_save(view_annot_t *a, live_t *l, const char *path, char *msg, size_t n);

/* Paints (or erases, with a->erase) a dab of the brush at world (x, y) at
   time now. The first dab takes the session's parameters and, unless they
   already hold an image, captures the current p* into one
   (params_image_capture), so painting starts from what is on screen.
   Returns 1 when the image changed, 0 when not (msg empty, or why). */
int view_brush_paint(view_annot_t *a, live_t *l, double x, double y, double now, char *msg,
                     size_t n);

/* Clears the painted image to black (nothing goes to the session until
   something is painted on it). */
int view_brush_clear(view_annot_t *a, live_t *l, double now, char *msg, size_t n);

/* Smooths the painted image once (params_image_smooth), capturing p*
   first as view_brush_paint does. */
int view_brush_smooth(view_annot_t *a, live_t *l, double now, char *msg, size_t n);

/* 1 when the painted image should go to the session now (view_brush_due,
   or force), and may: then *out holds the session's parameters with the
   image, for the caller to apply (live_set_params or its own wrapper),
   after which it calls view_brush_applied. An all-black image waits
   (returns 0; it stays dirty until painted), saying why when forced. */
int view_brush_take(view_annot_t *a, live_t *l, double now, int force, params_t *out, char *msg,
                    size_t n);
void view_brush_applied(view_annot_t *a);

/* ------------------------------------------------ keys and clicks

   What both front ends do with the key table's mode actions and with
   clicks on the panels. */

/* What a mode's action asks of the loop (bit flags). */
enum {
    VIEW_ANN_DONE = 1,  /* the action was the mode's (redraw) */
    VIEW_ANN_BAD = 2,   /* msg is an error */
    VIEW_ANN_APPLY = 4  /* apply *apply (the painted density) to the session */
};

/* Handles a key action of the interactive-data modes (ACT_ANNOTATE,
   ACT_BRUSH, ACT_MODE_EXIT, the answers, the brush's keys, and in brush
   mode with the pen down, cursor moves paint). vs holds the cursor (the
   brush); now is the time in seconds. Returns VIEW_ANN_* flags (0: not
   the modes' action), a message in msg. */
int view_annot_action(view_annot_t *an, live_t *l, view_action act, const view_state_t *vs,
                      double now, params_t *apply, char *msg, size_t n);

/* A click at world (x, y): in annotate mode it answers when it is near A
   or B; in brush mode it paints a dab (erases with the right button:
   erase = 1). Returns VIEW_ANN_* flags (0: the click is not the mode's). */
int view_annot_click(view_annot_t *an, live_t *l, double x, double y, int erase, double now,
                     char *msg, size_t n);

/* Called every loop turn: returns VIEW_ANN_APPLY with *apply when the
   painted density is due at the session (force: now, e.g. leaving the
   mode), VIEW_ANN_BAD when it cannot go (all black). */
int view_annot_tick(view_annot_t *an, live_t *l, double now, int force, params_t *apply,
                    char *msg, size_t n);

/* A prompt line for the modes ("save-pairs FILE"): returns 1 when it was
   one (message in msg, *bad = 1 on failure), 0 otherwise. */
int view_annot_command(view_annot_t *an, live_t *l, const char *line, char *msg, size_t n,
                       int *bad);

/* The first free file name "pbde-answers.csv", "pbde-answers-2.csv", ... */
void view_annot_default_path(char *buf, size_t n);

#endif
