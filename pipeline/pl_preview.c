/* Live preview: a one-picture slot the decoder fills, a scaler isolate, pictures to main. */
#include "pipeline/pl_preview.h"

#include <libavutil/display.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "pipeline/pl_internal.h"

struct pl_preview {
  atomic_int refs;
  int width, height;
  uint64_t period_ns;
  atomic_int stream;              /* the input stream that offers; -1 none yet */
  atomic_int turns;               /* its clockwise quarter turns to upright */
  atomic_uint_fast64_t due_ns;    /* the next offer taken at or after this */
  _Atomic(AVFrame *) slot;        /* the latest picture, pts in microseconds */
  _Atomic(iso_sendport *) scaler; /* the scaler's port, once it runs */
  iso_isolate *iso;               /* main only */
  bool busy;                      /* main only: a picture is at the scaler */
  AVFrame *inflight;              /* main only: a reference to that picture */
  int shown;                      /* main only: pictures the caller got */
  /* scaler only */
  iso_port *port;
  iso_sendport *main_sp;
  struct SwsContext *sws;
};

pl_preview *pl_preview_new(int width, int height, double fps) {
  pl_preview *v = calloc(1, sizeof *v);
  if (!v) return NULL;
  atomic_init(&v->refs, 1);
  atomic_init(&v->stream, -1);
  v->width = width > 0 ? width : 0;
  v->height = height > 0 ? height : 0;
  v->period_ns = fps > 0 ? (uint64_t)(1e9 / fps) : 0;
  return v;
}

pl_preview *pl_preview_ref(pl_preview *v) {
  if (v) atomic_fetch_add(&v->refs, 1);
  return v;
}

void pl_preview_unref(pl_preview **pv) {
  pl_preview *v = pv ? *pv : NULL;
  if (!v) return;
  *pv = NULL;
  if (atomic_fetch_sub(&v->refs, 1) != 1) return;
  AVFrame *f = atomic_exchange(&v->slot, NULL);
  av_frame_free(&f);
  iso_sendport_release(atomic_exchange(&v->scaler, NULL));
  free(v);
}

void pl_preview_offer(pl_preview *v, int stream, int turns, const AVFrame *f, AVRational tb) {
  if (!v || f->width <= 0) return;
  int want = -1;
  if (atomic_compare_exchange_strong(&v->stream, &want, stream))
    atomic_store(&v->turns, turns & 3);
  else if (want != stream)
    return;
  uint64_t now = iso_now_ns();
  if (now < atomic_load(&v->due_ns)) return;
  atomic_store(&v->due_ns, now + v->period_ns);
  AVFrame *c = av_frame_clone(f); /* a reference: the picture is not copied */
  if (!c) return;
  c->pts = f->pts != AV_NOPTS_VALUE ? av_rescale_q(f->pts, tb, AV_TIME_BASE_Q) : AV_NOPTS_VALUE;
  AVFrame *old = atomic_exchange(&v->slot, c);
  av_frame_free(&old);
}

int pl_preview_turns(const pl_job *j, int in_index) {
  if (!j->preview || !j->autorotate || !j->info.st[in_index].has_matrix) return 0;
  double theta = -round(av_display_rotation_get(j->info.st[in_index].matrix));
  theta -= 360 * floor(theta / 360 + 0.9 / 360);
  return (int)lround(theta / 90) & 3;
}

/* ---- the scaler isolate ---------------------------------------------------------- */

/* The box's size for a picture turned upright: its display aspect kept,
 * even sizes. */
static void fit(const pl_preview *v, const AVFrame *f, bool swap, int *w, int *h) {
  AVRational sar = f->sample_aspect_ratio.num > 0 ? f->sample_aspect_ratio : (AVRational){1, 1};
  double dw = f->width * av_q2d(sar), dh = f->height;
  if (swap) {
    double t = dw;
    dw = dh;
    dh = t;
  }
  double s = 1;
  if (v->width && v->height)
    s = fmin(v->width / dw, v->height / dh);
  else if (v->width)
    s = v->width / dw;
  else if (v->height)
    s = v->height / dh;
  *w = (int)(dw * s + 0.5) & ~1;
  *h = (int)(dh * s + 0.5) & ~1;
  if (*w < 2) *w = 2;
  if (*h < 2) *h = 2;
}

static AVFrame *rgba_frame(int w, int h) {
  AVFrame *f = av_frame_alloc();
  if (!f) return NULL;
  f->format = AV_PIX_FMT_RGBA;
  f->width = w;
  f->height = h;
  if (av_frame_get_buffer(f, 0) < 0) av_frame_free(&f);
  return f;
}

/* A quarter-turned copy of an RGBA picture (clockwise turns 1..3). */
static AVFrame *turn(const AVFrame *in, int turns) {
  int iw = in->width, ih = in->height;
  AVFrame *out = rgba_frame(turns == 2 ? iw : ih, turns == 2 ? ih : iw);
  if (!out) return NULL;
  for (int y = 0; y < out->height; y++) {
    uint32_t *o = (uint32_t *)(out->data[0] + (size_t)y * out->linesize[0]);
    for (int x = 0; x < out->width; x++) {
      int sx = turns == 1 ? y : turns == 2 ? iw - 1 - x : iw - 1 - y;
      int sy = turns == 1 ? ih - 1 - x : turns == 2 ? ih - 1 - y : x;
      o[x] = ((const uint32_t *)(in->data[0] + (size_t)sy * in->linesize[0]))[sx];
    }
  }
  return out;
}

/* The RGBA picture for in, fitted and upright; NULL when scaling failed. */
static AVFrame *make_rgba(const pl_preview *v, struct SwsContext **sws, const AVFrame *in) {
  int turns = atomic_load(&v->turns), w, h;
  fit(v, in, turns & 1, &w, &h);
  int sw = turns & 1 ? h : w, sh = turns & 1 ? w : h;
  AVFrame *out = rgba_frame(sw, sh);
  *sws = sws_getCachedContext(*sws, in->width, in->height, in->format, sw, sh, AV_PIX_FMT_RGBA,
                              SWS_BILINEAR, NULL, NULL, NULL);
  if (!out || !*sws ||
      sws_scale(*sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height, out->data,
                out->linesize) != sh) {
    av_frame_free(&out);
    return NULL;
  }
  if (turns) {
    AVFrame *t = turn(out, turns);
    av_frame_free(&out);
    out = t;
  }
  if (out) out->pts = in->pts;
  return out;
}

static void scale_one(pl_preview *v, AVFrame *in) {
  /* An empty answer when scaling failed: main must still learn that the
   * scaler is idle. */
  pl_msg *m = pl_msg_new(PL_M_PREVIEW);
  if (!m) return;
  m->frame = make_rgba(v, &v->sws, in);
  pl_msg_send(v->main_sp, m);
}

static void scaler_handler(iso_port *port, iso_value *val, void *ud) {
  pl_preview *v = ud;
  pl_msg *m = pl_msg_take(val);
  if (!m) {
    iso_value_free(val);
    return;
  }
  if (m->kind == PL_M_FRAME && m->frame)
    scale_one(v, m->frame);
  else if (m->kind == PL_M_ABORT)
    iso_port_close(port);
  pl_msg_free(m);
}

static void scaler_closed(iso_port *port, void *ud) {
  (void)port;
  pl_preview *v = ud;
  sws_freeContext(v->sws);
  v->sws = NULL;
  iso_sendport_release(v->main_sp);
  v->main_sp = NULL;
  pl_preview_unref(&v);
}

static void scaler_entry(iso_value *msg) {
  pl_preview *v = iso_as_opaque(iso_list_at(msg, 0));
  v->main_sp = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 1)));
  iso_value_free(msg);
  v->port = iso_port_new_raw(scaler_handler, v);
  if (!v->port) {
    iso_sendport_release(v->main_sp);
    pl_preview_unref(&v);
    return;
  }
  iso_port_on_close(v->port, scaler_closed);
  atomic_store(&v->scaler, iso_port_sendport(v->port));
}

int pl_preview_start(pl_preview *v, iso_sendport *main_sp) {
  iso_value *msg = iso_listv(iso_opaque(pl_preview_ref(v)), iso_v_sendport(main_sp), NULL);
  if (!msg) {
    pl_preview_unref(&v);
    return ISO_ENOMEM;
  }
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = "preview";
  int r = iso_spawn(scaler_entry, msg, &o, &v->iso);
  if (r != ISO_OK) pl_preview_unref(&v);
  return r;
}

void pl_preview_tick(pl_preview *v) {
  if (!v || v->busy) return;
  iso_sendport *sp = atomic_load(&v->scaler);
  if (!sp) return;
  AVFrame *f = atomic_exchange(&v->slot, NULL);
  if (!f) return;
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  if (!m) {
    av_frame_free(&f);
    return;
  }
  av_frame_free(&v->inflight);
  v->inflight = av_frame_clone(f);
  m->frame = f;
  v->busy = pl_msg_send(sp, m) == ISO_OK;
}

void pl_preview_arrived(pl_preview *v, bool shown) {
  if (!v) return;
  v->busy = false;
  av_frame_free(&v->inflight);
  v->shown += shown;
}

AVFrame *pl_preview_last(pl_preview *v) {
  if (!v) return NULL;
  AVFrame *f = atomic_exchange(&v->slot, NULL);
  if (!f && v->shown == 0) {
    f = v->inflight;
    v->inflight = NULL;
  }
  if (!f) return NULL;
  struct SwsContext *sws = NULL;
  AVFrame *out = make_rgba(v, &sws, f);
  sws_freeContext(sws);
  av_frame_free(&f);
  return out;
}

void pl_preview_stop(pl_preview *v) {
  if (v) av_frame_free(&v->inflight);
  if (!v || !v->iso) return;
  iso_sendport *sp = atomic_load(&v->scaler);
  pl_msg *m = sp ? pl_msg_new(PL_M_ABORT) : NULL;
  /* Not listening yet (a very short run): ended before its next event. */
  if (!m || pl_msg_send(sp, m) != ISO_OK) iso_kill(v->iso, ISO_PRIO_IMMEDIATE);
  iso_isolate_release(v->iso);
  v->iso = NULL;
}
