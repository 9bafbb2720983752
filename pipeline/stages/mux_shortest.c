/* -shortest for an encoded video of another input: the frames ffmpeg 5.1's encoder held (see .h).
 */
#include "pipeline/stages/mux_shortest.h"

#include <stdlib.h>

void pl_fed_init(pl_fed *f) {
  *f = (pl_fed){0};
  f->keep_to_s = -1;
}

void pl_fed_free(pl_fed *f) {
  free(f->hist);
  f->hist = NULL;
}

/* Decides v's end from its packet e, the first past the ended stream's last dts. */
static void decide(pl_fed *v, const pl_fed_entry *e) {
  v->pending = false;
  v->keep_to_s = e->fed_s;
  v->keep_n = e->fed_n;
  pl_fed_free(v);
  v->len = 0;
}

static bool is_past(const pl_fed *v, double dts_s) {
  return v->after_ge ? dts_s >= v->after_s : dts_s > v->after_s;
}

bool pl_fed_note(pl_fed *f, bool video_encoded, const pl_msg *m, double dts_s) {
  if (m->ival != PL_PKT_AFTER_EOF && (!f->has_pre_eof || dts_s > f->pre_eof_dts_s)) {
    f->pre_eof_dts_s = dts_s;
    f->has_pre_eof = true;
  }
  if (!video_encoded || m->ival == 0 || f->keep_to_s >= 0) return true;
  pl_fed_entry e = {dts_s, m->pos_s, m->frames};
  if (f->pending) {
    if (is_past(f, dts_s)) decide(f, &e);
    return true;
  }
  if (!f->hist && !(f->hist = malloc(PL_FED_HIST * sizeof *f->hist))) return false;
  f->hist[(f->head + f->len) % PL_FED_HIST] = e;
  if (f->len < PL_FED_HIST)
    f->len++;
  else
    f->head = (f->head + 1) % PL_FED_HIST;
  return true;
}

void pl_fed_start(pl_fed *v, const pl_fed *ended, bool ended_first) {
  /* v may have no packet here yet (its encoder still fills its lookahead
   * when the other stream ends): the packets to come decide then. */
  if (!ended->has_pre_eof || v->keep_to_s >= 0 || v->pending) return;
  v->pending = true;
  v->after_s = ended->pre_eof_dts_s;
  v->after_ge = ended_first;
  for (size_t i = 0; i < v->len; i++) {
    const pl_fed_entry *e = &v->hist[(v->head + i) % PL_FED_HIST];
    if (is_past(v, e->dts_s)) {
      pl_fed_entry c = *e;
      decide(v, &c);
      return;
    }
  }
}

bool pl_fed_past(pl_fed *v, double cut_s, double pts_s, double dts_s, uint64_t written,
                 bool *finish) {
  *finish = false;
  if (pts_s < cut_s) return false;
  /* Not decided yet: the packet came before the one that decides, so its
   * frame was fed. */
  if (v->pending) return false;
  if (v->keep_to_s < cut_s) {
    *finish = dts_s >= cut_s;
    return true;
  }
  if (pts_s <= v->keep_to_s) return false;
  /* Every frame fed has its packet once as many were written as fed (an
   * encoder that drops frames never gets there: a reordering deeper than
   * any encoder's ends it too). */
  v->dropped++;
  *finish = written >= (uint64_t)v->keep_n || v->dropped > PL_FED_MAX_REORDER;
  return true;
}
