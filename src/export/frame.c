/* What a pixel front end (the window, the browser page) draws from its
   session: the raster scene of one frame, with the header's state, the
   status line, the footer, the help list and a tour stop's caption box
   all taken from the session's texts; and the world point under a pixel. */
#include <string.h>

#include "pbde/export.h"
#include "pbde/session.h"

void export_session_scene(stage_t *st, session_t *ses, export_frame_t *f, int bilinear,
                          int recording, raster_scene_t *sc)
{
    if (stage_scene(st, &ses->vs, sc) != 0) {
        memset(sc, 0, sizeof *sc);
        return;
    }
    double now = pbde_now();
    sc->bilinear = bilinear;
    sc->live = 1;
    sc->help = ses->vs.help;
    sc->speed = session_rate(ses);
    sc->prompt = ses->prompt.on ? ses->prompt.buf : NULL;
    session_status(ses, now, f->status, sizeof f->status, &sc->message_tone);
    sc->message = f->status;
    session_state(ses, 0, f->state, sizeof f->state, &sc->state_tone);
    sc->state = f->state;
    sc->n_footer = session_footer(ses, f->footer, EXPORT_FOOTER_MAX, &sc->footer_right,
                                  &sc->footer_title);
    sc->footer = f->footer;
    if (sc->help) {
        sc->n_help = session_help(ses, f->help, EXPORT_HELP_MAX, &sc->n_help_keys);
        sc->help_items = f->help;
        sc->help_title = SESSION_HELP_TITLE;
        sc->help_close = SESSION_HELP_CLOSE;
    }
    sc->recording = recording;
    sc->annot = &ses->ann;
    if (ses->tour.n > 0 && ses->stop >= 0) {
        export_tour_caption(&f->caption, &ses->tour, ses->stop, ses->tour_on);
        session_stop_state(ses, f->stop_state, sizeof f->stop_state, &f->caption.state_tone);
        f->caption.state = f->stop_state;
        f->caption.n_keys = session_tour_keys(ses, f->tour_keys, 3);
        f->caption.keys = f->tour_keys;
        sc->tour = &f->caption;
    }
    sc->curve = session_curve(ses);
}

int export_world_at(const stage_t *st, const session_t *ses, const raster_layout_t *layout, int x,
                    int y, double *wx, double *wy)
{
    for (int i = 0; i < layout->n_panels; i++) {
        if (i == 2 && ((ses->curve_on && st->n == 1) || ses->ann.mode == VIEW_MODE_ROOM)) continue;
        if (raster_pixel_to_world(&layout->panel[i], st->snap[0].L, x, y, wx, wy)) return 1;
    }
    return 0;
}
