/* Panel layout: n square panels in rows, each with a title above it.

   Units and pixels. The area is measured in units (terminal cells, or
   window pixels). A unit is 1 pixel wide and `aspect` pixels tall, where
   aspect = unit height / unit width as seen on screen:
     - window: units are pixels, aspect = 1;
     - terminal: a cell is about twice as tall as wide, aspect = 2; drawn
       with half blocks, a cell holds 1 x 2 square pixels, so a panel of
       w x h cells shows w x 2h pixels.
   A panel h units tall is w = round(h * aspect) units wide, so it is
   square on screen (exactly, for aspect 1 and 2).

   Placement. For every row count, the panels are as large as the width
   and the height allow; the row count giving the largest panels wins
   (ties: fewer rows), so n panels sit side by side unless wrapping makes
   them bigger (for example when they would be narrower than the minimum,
   or in a tall window). Rows are centred horizontally and stacked from the
   top; each rectangle is the heatmap itself, its title occupies the
   title_h units directly above it. Panels are at least MIN_SIDE units wide;
   when n do not fit, the first ones that do are laid out.

   Framed panels (view_layout_framed) also keep below_h units under each
   heatmap, left_w units left of each and row_left_w units left of each
   row (room for axis ticks and their labels); a row is centred with that
   room included, so the room of one panel never reaches its neighbour,
   the panel above or below, or the area's edge. */
#include "pbde/view.h"

#include <math.h>
#include <string.h>

#define MIN_SIDE 8 /* smallest panel width, in units (= pixels across) */

typedef struct {
    int rows, cols, w, h, gap, vgap;
} arrangement_t;

/* The room around each panel: above (title), below and left (ticks),
   and left of a row's first panel. */
typedef struct {
    int above, below, left, row_left;
} room_t;

/* The largest square panels for m panels in `rows` rows; w = 0 when none
   fit. */
static arrangement_t fit(int m, int rows, int width, int height, double aspect, room_t rm, int gap,
                         int vgap)
{
    arrangement_t g = { rows, (m + rows - 1) / rows, 0, 0, gap, vgap };
    int wmax = (width - rm.row_left - (g.cols - 1) * gap - g.cols * rm.left) / g.cols;
    int hmax = (height - rows * (rm.above + rm.below) - (rows - 1) * vgap) / rows;
    if (wmax < MIN_SIDE || hmax < 1) return g;
    int h = (int)floor((double)wmax / aspect);
    if (h > hmax) h = hmax;
    int w = (int)lround((double)h * aspect);
    if (h < 1 || w < MIN_SIDE || w > wmax) return g;
    g.w = w;
    g.h = h;
    return g;
}

static arrangement_t best_grid(int m, int width, int height, double aspect, room_t rm)
{
    int gap = width / 64 > 1 ? width / 64 : 1;
    int vgap = (int)((double)gap / aspect);
    arrangement_t best = { 0, 0, 0, 0, gap, vgap };
    for (int rows = 1; rows <= m; rows++) {
        arrangement_t g = fit(m, rows, width, height, aspect, rm, gap, vgap);
        if (g.w > best.w) best = g;
    }
    return best;
}

int view_layout_framed(view_rect_t *out, int n, int width, int height, double aspect, int title_h,
                       int below_h, int left_w, int row_left_w)
{
    if (n <= 0) return 0;
    memset(out, 0, (size_t)n * sizeof *out);
    if (width <= 0 || height <= 0 || !(aspect > 0) || !isfinite(aspect)) return 0;
    room_t rm = { title_h > 0 ? title_h : 0, below_h > 0 ? below_h : 0, left_w > 0 ? left_w : 0,
                  row_left_w > 0 ? row_left_w : 0 };

    for (int m = n; m >= 1; m--) {
        arrangement_t g = best_grid(m, width, height, aspect, rm);
        if (g.w < MIN_SIDE) continue;
        for (int i = 0; i < m; i++) {
            int row = i / g.cols, col = i % g.cols;
            int in_row = m - row * g.cols < g.cols ? m - row * g.cols : g.cols;
            int row_w = rm.row_left + in_row * (rm.left + g.w) + (in_row - 1) * g.gap;
            int x0 = (width - row_w) / 2;
            out[i].x = x0 + rm.row_left + rm.left + col * (rm.left + g.w + g.gap);
            out[i].y = row * (rm.above + g.h + rm.below + g.vgap) + rm.above;
            out[i].w = g.w;
            out[i].h = g.h;
        }
        return m;
    }
    return 0;
}

int view_layout(view_rect_t *out, int n, int width, int height, double aspect, int title_h)
{
    return view_layout_framed(out, n, width, height, aspect, title_h, 0, 0, 0);
}
