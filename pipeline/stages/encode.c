/* The encode stage: opens its encoder on the first frame, re-chunks audio to frame_size, sends
 * packets to mux. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "codecs/codecs.h"
#include "pipeline/pl_fkf.h"
#include "pipeline/pl_stage.h"

typedef struct enc_impl {
  pl_enc_set *set;
  cx_enc *enc;
  cx_aconv *rc; /* re-chunker for encoders with a fixed frame size */
  bool enc_flushed, params_sent;
  AVRational tb;
  AVFrame *tmp;
  int quality; /* lambda for -q, 0 none */
  pl_fkf *fkf; /* -force_key_frames, video only */
  /* The frame being fed was judged (a retried send must not count it
   * twice), and must be a keyframe. */
  bool fkf_judged, fkf_force;
  /* What each packet is tagged with for -shortest (mux_shortest.h): the
   * frames fed so far, the latest one's time, and whether the stream's end
   * had come. */
  int64_t fed;
  double fed_s;
  bool got_eof;
} enc_impl;

static void fail_av(pl_stage *st, int averr, const char *what) {
  char why[128];
  pl_stage_fail_av(st, averr, "%s: %s", what,
                   averr == AVERROR(ENOMEM) ? "out of memory" : cx_errstr(averr, why, sizeof why));
}

int pl_enc_open(const pl_enc_set *e, const AVFrame *fr, AVRational in_tb, cx_enc **enc,
                cx_aconv **rc, int *quality, char *err) {
  bool video = e->type == AVMEDIA_TYPE_VIDEO;
  AVDictionary *opts = NULL;
  if (av_dict_copy(&opts, e->opts, 0) < 0) {
    av_dict_free(&opts);
    snprintf(err, CX_ERRLEN, "out of memory");
    return AVERROR(ENOMEM);
  }
  double q = e->q;
  *quality = 0;
  if (q >= 0) {
    /* ffmpeg's -q: a fixed quantizer, as lambda, also stamped on each frame. */
    *quality = (int)lrint(q * FF_QP2LAMBDA);
    av_dict_set(&opts, "flags", "+qscale", AV_DICT_APPEND);
    av_dict_set_int(&opts, "global_quality", *quality, 0);
  }
  cx_enc_opts eo = {0};
  eo.codec = e->encoder;
  eo.default_codec_id = AV_CODEC_ID_NONE;
  eo.type = e->type;
  eo.time_base = in_tb;
  eo.crf = -1;
  eo.gop = -1;
  eo.threads = e->threads;
  eo.global_header = e->global_header;
  eo.opts = &opts;
  if (video) {
    eo.width = fr->width;
    eo.height = fr->height;
    eo.pix_fmt = fr->format;
    eo.sar = fr->sample_aspect_ratio;
    /* A shape without a picture (PL_FRAME_SHAPE) has no colours nor field
     * order to give: ffmpeg leaves them unset when no frame came. */
    eo.color_set = fr->buf[0] != NULL;
    eo.color_range = fr->color_range;
    eo.color_primaries = fr->color_primaries;
    eo.color_trc = fr->color_trc;
    eo.colorspace = fr->colorspace;
    eo.chroma_location = fr->chroma_location;
    eo.interlaced = fr->interlaced_frame;
    eo.top_field_first = fr->top_field_first;
    eo.framerate = av_inv_q(in_tb);
    eo.bit_rate = e->bit_rate;
    eo.crf = e->crf;
    eo.preset = e->preset;
    eo.gop = e->gop;
    eo.pass = e->pass;
    eo.passlog = e->passlog;
  } else {
    eo.sample_rate = fr->sample_rate;
    eo.sample_fmt = fr->format;
    eo.ch_layout = fr->ch_layout;
    eo.bit_rate = e->bit_rate;
  }
  pl_log_error_clear();
  int r = cx_enc_open(enc, &eo, err);
  av_dict_free(&opts);
  if (r < 0) {
    /* The encoder's own words, when it logged any (x264: "Error setting
     * preset/tune nonsense/(null)."). */
    const char *said = pl_log_error_first();
    size_t n = strlen(err);
    if (said[0] && n + 8 < CX_ERRLEN) snprintf(err + n, CX_ERRLEN - n, "; %s", said);
    return r;
  }
  int fs = cx_enc_frame_size(*enc);
  if (!video && fs > 0) {
    cx_aconv_opts co = {0};
    co.src_rate = co.dst_rate = fr->sample_rate;
    co.src_fmt = co.dst_fmt = fr->format;
    co.src_layout = fr->ch_layout;
    co.dst_layout = fr->ch_layout;
    co.frame_size = fs;
    co.in_tb = in_tb;
    co.end_set = e->rec_end_us >= 0;
    co.end_us = e->rec_end_us;
    r = cx_aconv_open(rc, &co, err);
    if (r < 0) {
      cx_enc_close(enc);
      return r;
    }
  }
  return 0;
}

static int enc_open(pl_filter *f, const pl_msg *in) {
  enc_impl *x = f->impl;
  pl_stage *st = f->st;
  char err[CX_ERRLEN] = "";
  int r = pl_enc_open(x->set, in->frame, in->tb, &x->enc, &x->rc, &x->quality, err);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return r;
  }
  x->tb = cx_enc_time_base(x->enc);
  const pl_enc_set *e = x->set;
  if (e->force_kf && e->type == AVMEDIA_TYPE_VIDEO &&
      (r = pl_fkf_new(&x->fkf, e->force_kf, e->chapters, e->nchapters, x->tb)) < 0) {
    pl_stage_fail_av(st, r, "force_key_frames '%s'", e->force_kf);
    return r;
  }
  return 0;
}

static int enc_feed(pl_filter *f, pl_msg *in) {
  enc_impl *x = f->impl;
  pl_stage *st = f->st;
  if (!in) {
    x->got_eof = true;
    if (!x->enc) return 0;
    if (x->rc) {
      cx_aconv_send(x->rc, NULL);
    } else if (!x->enc_flushed) {
      x->enc_flushed = true;
      cx_enc_send(x->enc, NULL);
    }
    return 0;
  }
  if (in->kind != PL_M_FRAME) {
    pl_msg_free(in);
    return 0;
  }
  if (in->ival == PL_FRAME_SHAPE) {
    /* No picture: the encoder opens on the shape, so the muxer declares
     * the stream, and gets nothing to encode. */
    int r = x->enc ? 0 : enc_open(f, in);
    pl_msg_free(in);
    return r < 0 ? AVERROR(EINVAL) : 0;
  }
  if (!x->enc && enc_open(f, in) < 0) {
    pl_msg_free(in);
    return AVERROR(EINVAL);
  }
  AVFrame *fr = in->frame;
  if (!x->rc && x->set->rec_end_us >= 0 && fr->nb_samples > 0 && fr->pts != AV_NOPTS_VALUE &&
      av_compare_ts(fr->pts, in->tb, x->set->rec_end_us, AV_TIME_BASE_Q) >= 0) {
    /* Past the recording time (pl_enc_set): the stream ends here. */
    pl_msg_free(in);
    if (!x->enc_flushed) {
      x->enc_flushed = true;
      cx_enc_send(x->enc, NULL);
    }
    return 0;
  }
  if (x->enc_flushed) {
    pl_msg_free(in);
    return 0;
  }
  /* The decoder's picture types are no orders for this encoder; forced
   * keyframes are, as in ffmpeg. */
  fr->pict_type = AV_PICTURE_TYPE_NONE;
  if (x->fkf && !x->fkf_judged) {
    x->fkf_force = pl_fkf_frame(x->fkf, fr->pts, fr->key_frame);
    x->fkf_judged = true;
  }
  if (x->fkf_force) cx_enc_force_key(x->enc);
  if (x->quality) fr->quality = x->quality;
  /* Packets leave reordered and delayed (B-frames, lookahead): only the
   * encoder can tell the trace which frame a packet is (by pts). */
  if (fr->pts != AV_NOPTS_VALUE) pl_prof_stamp_push(st->prof, fr->pts, in->stamp);
  int r = x->rc ? cx_aconv_send(x->rc, fr) : cx_enc_send(x->enc, fr);
  if (r == AVERROR(EAGAIN)) return r;
  if (r >= 0) {
    x->fed++;
    if (fr->pts != AV_NOPTS_VALUE) x->fed_s = fr->pts * av_q2d(in->tb);
  }
  x->fkf_judged = x->fkf_force = false;
  pl_msg_free(in);
  if (r < 0) fail_av(st, r, "encoding failed");
  return r;
}

/* The encoder's stream properties (its CPB: the rates and buffer size a
 * container declares, an MPEG-PS its mux rate from), which ffmpeg puts on
 * the output stream: they ride with the parameters as a packet's side data. */
static int add_coded_side_data(pl_msg *m, const AVCodecContext *c) {
  if (c->nb_coded_side_data <= 0) return 0;
  if (!(m->pkt = av_packet_alloc())) return AVERROR(ENOMEM);
  for (int i = 0; i < c->nb_coded_side_data; i++) {
    const AVPacketSideData *sd = &c->coded_side_data[i];
    uint8_t *p = av_packet_new_side_data(m->pkt, sd->type, sd->size);
    if (!p) return AVERROR(ENOMEM);
    memcpy(p, sd->data, sd->size);
  }
  return 0;
}

static int enc_drain(pl_filter *f, pl_msg **out) {
  enc_impl *x = f->impl;
  pl_stage *st = f->st;
  if (!x->enc) return f->fed_eof ? AVERROR_EOF : AVERROR(EAGAIN);
  if (!x->params_sent) {
    /* The muxer cannot write its header before every encoder is open. */
    pl_msg *m = pl_msg_new(PL_M_PARAMS);
    if (!m || !(m->par = avcodec_parameters_alloc())) {
      pl_msg_free(m);
      return AVERROR(ENOMEM);
    }
    int r = avcodec_parameters_from_context(m->par, cx_enc_ctx(x->enc));
    if (r >= 0) r = add_coded_side_data(m, cx_enc_ctx(x->enc));
    if (r < 0) {
      pl_msg_free(m);
      fail_av(st, r, "encoder parameters");
      return r;
    }
    m->tb = x->tb;
    x->params_sent = true;
    *out = m;
    return 0;
  }
  for (;;) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return AVERROR(ENOMEM);
    int r = cx_enc_receive(x->enc, pkt);
    if (r == 0) {
      pl_msg *m = pl_msg_new(PL_M_PACKET);
      if (!m) {
        av_packet_free(&pkt);
        return AVERROR(ENOMEM);
      }
      m->pkt = pkt;
      m->tb = x->tb;
      m->stamp = pl_prof_stamp_pop(st->prof, pkt->pts);
      m->frames = x->fed;
      m->pos_s = x->fed_s;
      m->ival = x->got_eof ? PL_PKT_AFTER_EOF : PL_PKT_FED;
      *out = m;
      return 0;
    }
    av_packet_free(&pkt);
    if (r == AVERROR_EOF) return r;
    if (r != AVERROR(EAGAIN)) {
      fail_av(st, r, "encoding failed");
      return r;
    }
    if (!x->rc) return AVERROR(EAGAIN);
    if (!x->tmp && !(x->tmp = av_frame_alloc())) return AVERROR(ENOMEM);
    r = cx_aconv_receive(x->rc, x->tmp);
    if (r == AVERROR(EAGAIN)) return r;
    if (r == AVERROR_EOF) {
      if (x->enc_flushed) return AVERROR(EAGAIN);
      x->enc_flushed = true;
      r = cx_enc_send(x->enc, NULL);
    } else if (r == 0) {
      if (x->quality) x->tmp->quality = x->quality;
      r = cx_enc_send(x->enc, x->tmp);
      av_frame_unref(x->tmp);
    }
    if (r < 0 && r != AVERROR_EOF) {
      fail_av(st, r, "encoding failed");
      return r;
    }
  }
}

static void enc_destroy(pl_filter *f) {
  enc_impl *x = f->impl;
  if (!x) return;
  pl_fkf_free(&x->fkf);
  cx_enc_close(&x->enc);
  cx_aconv_close(&x->rc);
  av_frame_free(&x->tmp);
  pl_enc_set_unref(&x->set);
  free(x);
  f->impl = NULL;
}

static const pl_filter_ops enc_ops = {enc_feed, enc_drain, enc_destroy};

void pl_encode_entry(iso_value *msg) {
  pl_spawn *s = pl_spawn_take(msg);
  if (!s) return;
  const pl_enc_set *e = s->enc;
  if (!e) {
    pl_spawn_free(s);
    return;
  }
  bool cluster = e->seg_task >= 0 || e->seg_join;
  if (e->nseg > 1) {
    if (e->type == AVMEDIA_TYPE_VIDEO)
      pl_encode_vseg_start(s);
    else
      pl_encode_seg_start(s);
    return;
  }
  /* Asked for segments this stream cannot have: it says why it runs serial. */
  const char *why = (e->segments > 1 || cluster) && e->serial_why[0] ? e->serial_why : NULL;
  enc_impl *x = calloc(1, sizeof *x);
  if (!x) {
    pl_spawn_free(s);
    return;
  }
  x->set = pl_enc_set_ref(s->enc);
  pl_filter *f = pl_filter_start(s, &enc_ops, x);
  if (f && why && !cluster)
    pl_stage_log(f->st, AV_LOG_WARNING, "segments: %s runs serial: %s", x->set->encoder, why);
  /* A cluster run encodes nothing whole: every encoded stream is cut. */
  if (f && cluster)
    pl_stage_fail(f->st, ISO_EINVAL,
                  "cluster: encoder %s cannot be cut into segments: %s; give -c copy or "
                  "-vn/-an for the other streams",
                  x->set->encoder, why ? why : "it is not cut");
}
