/* A segment's encoder: the frames of its window in, the packets the join may keep out, on a
 * worker isolate of its own. */
#include <stdlib.h>
#include <time.h>

#include "pipeline/stages/encode_seg.h"

void pl_seg_req_free(void *p) {
  pl_seg_req *r = p;
  if (!r) return;
  for (int i = 0; i < r->nfr; i++)
    av_frame_free(&r->fr[i]);
  for (int i = 0; i < r->npkt; i++)
    av_packet_free(&r->pkt[i]);
  free(r->fr);
  free(r->pkt);
  free(r->at);
  pl_enc_set_unref(&r->set);
  iso_sendport_release(r->ctl);
  free(r);
}

bool pl_seg_grow(void **arr, int *cap, int need, size_t elem) {
  if (need <= *cap) return true;
  int n = *cap ? *cap * 2 : 64;
  while (n < need)
    n *= 2;
  void *a = realloc(*arr, (size_t)n * elem);
  if (!a) return false;
  *arr = a;
  *cap = n;
  return true;
}

int pl_seg_add_packet(pl_seg_req *r, AVPacket *pkt, int64_t at) {
  if (!pl_seg_grow((void **)&r->pkt, &r->pkcap, r->npkt + 1, sizeof *r->pkt) ||
      !pl_seg_grow((void **)&r->at, &r->atcap, r->npkt + 1, sizeof *r->at)) {
    av_packet_free(&pkt);
    return AVERROR(ENOMEM);
  }
  r->at[r->npkt] = at;
  r->pkt[r->npkt++] = pkt;
  return 0;
}

/* The part of fr inside [from, to) (sample positions), or fr itself. */
static AVFrame *cut(AVFrame *fr, int64_t from, int64_t to) {
  int64_t a = fr->pts > from ? fr->pts : from;
  int64_t b = fr->pts + fr->nb_samples < to ? fr->pts + fr->nb_samples : to;
  if (a >= b) return NULL;
  if (a == fr->pts && b == fr->pts + fr->nb_samples) return fr;
  AVFrame *c = av_frame_alloc();
  if (!c) return NULL;
  c->format = fr->format;
  c->sample_rate = fr->sample_rate;
  c->nb_samples = (int)(b - a);
  if (av_channel_layout_copy(&c->ch_layout, &fr->ch_layout) < 0 || av_frame_get_buffer(c, 0) < 0 ||
      av_samples_copy(c->extended_data, fr->extended_data, 0, (int)(a - fr->pts), c->nb_samples,
                      fr->ch_layout.nb_channels, fr->format) < 0) {
    av_frame_free(&c);
    return NULL;
  }
  c->pts = a;
  return c;
}

typedef struct seg_enc {
  pl_seg_req *r;
  cx_enc *enc;
  cx_aconv *rc;
  AVFrame *tmp;
  int quality;
  bool enc_flushed;
} seg_enc;

static int keep_packet(seg_enc *e, AVPacket *pkt) {
  pl_seg_req *r = e->r;
  int64_t at = av_rescale_q(pkt->pts, r->pkt_tb, r->tb);
  if (!pl_seg_keep(&r->w, at)) {
    av_packet_free(&pkt);
    return 0;
  }
  return pl_seg_add_packet(r, pkt, at);
}

/* Moves what the encoder has into the segment's packets, feeding it from
 * the re-chunker while it can take more. */
static int pump(seg_enc *e) {
  for (;;) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return AVERROR(ENOMEM);
    int r = cx_enc_receive(e->enc, pkt);
    if (r == 0) {
      if ((r = keep_packet(e, pkt)) < 0) return r;
      continue;
    }
    av_packet_free(&pkt);
    if (r == AVERROR_EOF) return 0;
    if (r != AVERROR(EAGAIN)) return r;
    if (!e->rc) return 0;
    r = cx_aconv_receive(e->rc, e->tmp);
    if (r == AVERROR(EAGAIN)) return 0;
    if (r == AVERROR_EOF) {
      if (e->enc_flushed) return 0;
      e->enc_flushed = true;
      r = cx_enc_send(e->enc, NULL);
    } else if (r == 0) {
      if (e->quality) e->tmp->quality = e->quality;
      r = cx_enc_send(e->enc, e->tmp);
      av_frame_unref(e->tmp);
    }
    if (r < 0 && r != AVERROR_EOF) return r;
  }
}

static int feed_one(seg_enc *e, AVFrame *fr) {
  if (e->quality && fr) fr->quality = e->quality;
  for (;;) {
    int r = e->rc ? cx_aconv_send(e->rc, fr) : cx_enc_send(e->enc, fr);
    if (r != AVERROR(EAGAIN)) {
      if (r < 0) return r;
      return pump(e);
    }
    if ((r = pump(e)) < 0) return r;
  }
}

static int encode_segment(pl_seg_req *r) {
  seg_enc e = {.r = r};
  int ret = 0;
  if (!(e.tmp = av_frame_alloc())) return AVERROR(ENOMEM);
  for (int i = 0; i < r->nfr && ret >= 0; i++) {
    AVFrame *c = cut(r->fr[i], r->w.from, r->w.to);
    if (!c) continue;
    if (!e.enc) {
      ret = pl_enc_open(r->set, c, r->tb, &e.enc, &e.rc, &e.quality, r->err);
      if (ret < 0) {
        if (c != r->fr[i]) av_frame_free(&c);
        break;
      }
      r->pkt_tb = cx_enc_time_base(e.enc);
    }
    ret = feed_one(&e, c);
    if (c != r->fr[i]) av_frame_free(&c);
    av_frame_free(&r->fr[i]); /* done with it: memory goes back as the segment advances */
  }
  if (ret >= 0 && e.enc) {
    if (e.rc) {
      ret = cx_aconv_send(e.rc, NULL);
    } else {
      e.enc_flushed = true;
      ret = cx_enc_send(e.enc, NULL);
    }
    if (ret >= 0 || ret == AVERROR_EOF) ret = pump(&e);
  }
  if (ret < 0 && !r->err[0]) cx_errstr(ret, r->err, sizeof r->err);
  cx_enc_close(&e.enc);
  cx_aconv_close(&e.rc);
  av_frame_free(&e.tmp);
  return ret;
}

iso_value *pl_seg_worker(iso_value *arg) {
  pl_seg_req *r = iso_transfer_take(arg, NULL);
  iso_value_free(arg);
  if (!r) return iso_null();
  struct timespec c0, c1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  r->t0 = pl_now();
  if ((r->video ? pl_vseg_encode(r) : encode_segment(r)) < 0) r->failed = true;
  r->t1 = pl_now();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  r->cpu_s = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
  for (int i = 0; i < r->nfr; i++)
    av_frame_free(&r->fr[i]);
  r->nfr = 0;
  return iso_transfer(r, pl_seg_req_free, PL_SEG_TAG);
}
