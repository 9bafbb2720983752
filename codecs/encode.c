/* Encoder: opens an encoder from options, picks supported formats, send/receive packets. */
#include "codecs/cx_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <libavutil/avstring.h>
#include <libavutil/bprint.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <limits.h>
#include <stdio.h>

struct cx_enc {
  AVCodecContext *ctx;
  AVRational tb; /* the caller's time base; the codec's may be coarser (mpeg4) */
  AVFrame *tmp;  /* frame re-stamped into the codec's time base */
  bool force_key;
  int top;       /* -top: the field each frame codes first (-1 the frame's) */
  FILE *passlog; /* a first pass's statistics, written as the encoder gives them */
};

const AVCodec *cx_enc_find(const char *codec, enum AVCodecID id) {
  if (codec) return avcodec_find_encoder_by_name(codec);
  return id != AV_CODEC_ID_NONE ? avcodec_find_encoder(id) : NULL;
}

enum AVPixelFormat cx_enc_pick_pix_fmt(const char *codec, enum AVCodecID id,
                                       enum AVPixelFormat want) {
  const AVCodec *c = cx_enc_find(codec, id);
  if (!c || !c->pix_fmts) return want;
  /* mjpeg takes limited-range YUV only below normal strictness: ffmpeg
   * offers it the full-range (J) formats alone. */
  static const enum AVPixelFormat mjpeg_fmts[] = {AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P,
                                                  AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_NONE};
  const enum AVPixelFormat *list = c->id == AV_CODEC_ID_MJPEG ? mjpeg_fmts : c->pix_fmts;
  if (want == AV_PIX_FMT_NONE) return list[0];
  for (const enum AVPixelFormat *p = list; *p != AV_PIX_FMT_NONE; p++)
    if (*p == want) return want;
  return avcodec_find_best_pix_fmt_of_list(list, want, 0, NULL);
}

enum AVSampleFormat cx_enc_pick_sample_fmt(const char *codec, enum AVCodecID id,
                                           enum AVSampleFormat want) {
  const AVCodec *c = cx_enc_find(codec, id);
  if (!c || !c->sample_fmts) return want;
  if (want == AV_SAMPLE_FMT_NONE) return c->sample_fmts[0];
  /* Exact, else the same resolution in the other layout, else the first of at
   * least the wanted resolution, else the encoder's first. */
  enum AVSampleFormat alt = av_sample_fmt_is_planar(want) ? av_get_packed_sample_fmt(want)
                                                          : av_get_planar_sample_fmt(want);
  enum AVSampleFormat bigger = AV_SAMPLE_FMT_NONE;
  for (const enum AVSampleFormat *p = c->sample_fmts; *p != AV_SAMPLE_FMT_NONE; p++)
    if (*p == want) return want;
  for (const enum AVSampleFormat *p = c->sample_fmts; *p != AV_SAMPLE_FMT_NONE; p++) {
    if (*p == alt) return alt;
    if (bigger == AV_SAMPLE_FMT_NONE &&
        av_get_bytes_per_sample(*p) >= av_get_bytes_per_sample(want))
      bigger = *p;
  }
  return bigger != AV_SAMPLE_FMT_NONE ? bigger : c->sample_fmts[0];
}

int cx_enc_pick_sample_rate(const char *codec, enum AVCodecID id, int want) {
  const AVCodec *c = cx_enc_find(codec, id);
  if (!c || !c->supported_samplerates) return want;
  if (want <= 0) return c->supported_samplerates[0];
  int best = 0;
  for (const int *r = c->supported_samplerates; *r; r++) {
    if (*r == want) return want;
    /* Prefer the closest rate; on a tie the higher one keeps more bandwidth. */
    int d = abs(*r - want), bd = abs(best - want);
    if (!best || d < bd || (d == bd && *r > best)) best = *r;
  }
  return best ? best : want;
}

int cx_enc_pick_ch_layout(const char *codec, enum AVCodecID id, const AVChannelLayout *want,
                          AVChannelLayout *out) {
  const AVCodec *c = cx_enc_find(codec, id);
  if (!c || !c->ch_layouts) return av_channel_layout_copy(out, want);
  const AVChannelLayout *best = NULL;
  for (const AVChannelLayout *l = c->ch_layouts; l->nb_channels; l++) {
    if (!av_channel_layout_compare(l, want)) return av_channel_layout_copy(out, want);
    /* Otherwise the layout with the most channels not above the wanted count. */
    if (l->nb_channels <= want->nb_channels && (!best || l->nb_channels > best->nb_channels))
      best = l;
  }
  if (!best) best = &c->ch_layouts[0];
  return av_channel_layout_copy(out, best);
}

/* mpeg4 (and the H.263 family) store the time base in 16 bits: use the
 * frame period when it fits (exact for constant rate), else the closest
 * fraction that does. */
static AVRational codec_time_base(const AVCodec *codec, AVRational tb, AVRational fps) {
  bool small = codec->id == AV_CODEC_ID_MPEG4 || codec->id == AV_CODEC_ID_H263 ||
               codec->id == AV_CODEC_ID_H263P;
  if (!small || (tb.den <= 65535 && tb.num <= 65535)) return tb;
  if (fps.num > 0 && fps.den > 0 && fps.num <= 65535 && fps.den <= 65535) return av_inv_q(fps);
  AVRational r;
  av_reduce(&r.num, &r.den, tb.num, tb.den, 65535);
  return r;
}

static int set_priv(AVCodecContext *ctx, const char *key, const char *val, char *err) {
  int ret = ctx->priv_data ? av_opt_set(ctx->priv_data, key, val, 0) : AVERROR_OPTION_NOT_FOUND;
  if (ret == AVERROR_OPTION_NOT_FOUND)
    return cx_fail(err, ret, "encoder %s has no '%s' option", ctx->codec->name, key);
  if (ret < 0) return cx_fail(err, ret, "encoder %s: bad %s '%s'", ctx->codec->name, key, val);
  return 0;
}

static int setup_video(AVCodecContext *ctx, const AVCodec *codec, const cx_enc_opts *o, char *err) {
  if (o->width <= 0 || o->height <= 0)
    return cx_fail(err, AVERROR(EINVAL), "encoder %s: no frame size", codec->name);
  ctx->width = o->width;
  ctx->height = o->height;
  ctx->pix_fmt = cx_enc_pick_pix_fmt(codec->name, codec->id, o->pix_fmt);
  if (ctx->pix_fmt == AV_PIX_FMT_NONE)
    return cx_fail(err, AVERROR(EINVAL), "encoder %s: no pixel format", codec->name);
  /* Refused by x264/x265 anyway (whose failed open leaks): say why, early. */
  const AVPixFmtDescriptor *pd = av_pix_fmt_desc_get(ctx->pix_fmt);
  if (pd && strncmp(codec->name, "libx26", 6) == 0 &&
      ((pd->log2_chroma_w && (o->width & 1)) || (pd->log2_chroma_h && (o->height & 1))))
    return cx_fail(err, AVERROR(EINVAL),
                   "encoder %s needs an even size for %s, got %dx%d (scale with -2)", codec->name,
                   pd->name, o->width, o->height);
  if (o->sar.num > 0 && o->sar.den > 0) ctx->sample_aspect_ratio = o->sar;
  if (o->framerate.num > 0 && o->framerate.den > 0) ctx->framerate = o->framerate;
  if (o->color_set) {
    ctx->color_range = o->color_range;
    ctx->color_primaries = o->color_primaries;
    ctx->color_trc = o->color_trc;
    ctx->colorspace = o->colorspace;
    ctx->chroma_sample_location = o->chroma_location;
    /* MJPEG codes each field as a picture of its own: its order is TT/BB. */
    bool mjpeg = codec->id == AV_CODEC_ID_MJPEG;
    ctx->field_order = !o->interlaced       ? AV_FIELD_PROGRESSIVE
                       : o->top_field_first ? (mjpeg ? AV_FIELD_TT : AV_FIELD_TB)
                                            : (mjpeg ? AV_FIELD_BB : AV_FIELD_BT);
  }
  AVRational tb = o->time_base;
  if (tb.num <= 0 || tb.den <= 0) {
    if (ctx->framerate.num <= 0)
      return cx_fail(err, AVERROR(EINVAL), "encoder %s: no time base or frame rate", codec->name);
    tb = av_inv_q(ctx->framerate);
  }
  ctx->time_base = codec_time_base(codec, tb, ctx->framerate);
  if (o->gop >= 0) ctx->gop_size = o->gop;
  return 0;
}

bool cx_enc_own_option(const char *name) {
  return !strcmp(name, "rc_override") || !strcmp(name, "top");
}

/* As ffmpeg 5.1 reads -rc_override: sscanf's "%d,%d,%d" per range, ranges
 * after each '/'; a q > 0 is a fixed qscale, else the quality factor -q/100. */
int cx_enc_rc_override(const char *value, AVCodecContext *ctx, char *why, size_t wn) {
  int n = 0;
  RcOverride *list = NULL;
  for (const char *p = value; p; n++) {
    int start, end, q;
    if (sscanf(p, "%d,%d,%d", &start, &end, &q) != 3) {
      av_free(list);
      snprintf(why, wn, "range %d ('%.40s') is not START,END,Q", n + 1, p);
      return AVERROR(EINVAL);
    }
    if (ctx) {
      RcOverride *grown = av_realloc_array(list, (size_t)n + 1, sizeof *list);
      if (!grown) {
        av_free(list);
        snprintf(why, wn, "out of memory");
        return AVERROR(ENOMEM);
      }
      list = grown;
      list[n].start_frame = start;
      list[n].end_frame = end;
      list[n].qscale = q > 0 ? q : 0;
      list[n].quality_factor = q > 0 ? 1.0f : -q / 100.0f;
    }
    p = strchr(p, '/');
    if (p) p++;
  }
  if (ctx) {
    av_free(ctx->rc_override);
    ctx->rc_override = list;
    ctx->rc_override_count = n;
  }
  return 0;
}

/* The settings of cx_enc_own_option, taken out of opts: -top's field order
 * as ffmpeg 5.1 sets it on the encoder (TT or BB, whatever the frames). */
static int take_own(cx_enc *e, AVDictionary **opts, char *err) {
  AVCodecContext *ctx = e->ctx;
  AVDictionaryEntry *t = av_dict_get(*opts, "rc_override", NULL, 0);
  char why[96];
  e->top = -1;
  if (t) {
    int r = ctx->codec_type == AVMEDIA_TYPE_VIDEO
                ? cx_enc_rc_override(t->value, ctx, why, sizeof why)
                : 0;
    if (r < 0)
      return cx_fail(err, r, "encoder %s: rc_override '%s': %s", ctx->codec->name, t->value, why);
    av_dict_set(opts, "rc_override", NULL, 0);
  }
  if ((t = av_dict_get(*opts, "top", NULL, 0))) {
    char *end;
    long v = strtol(t->value, &end, 10);
    if (end == t->value || *end || v < -1 || v > 1)
      return cx_fail(err, AVERROR(EINVAL), "encoder %s: top '%s': want 1, 0 or -1",
                     ctx->codec->name, t->value);
    if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
      e->top = (int)v;
      if (v >= 0) ctx->field_order = v ? AV_FIELD_TT : AV_FIELD_BB;
    }
    av_dict_set(opts, "top", NULL, 0);
  }
  return 0;
}

static int setup_audio(AVCodecContext *ctx, const AVCodec *codec, const cx_enc_opts *o, char *err) {
  if (o->sample_rate <= 0 || o->ch_layout.nb_channels <= 0)
    return cx_fail(err, AVERROR(EINVAL), "encoder %s: no sample rate or channels", codec->name);
  ctx->sample_rate = o->sample_rate;
  ctx->sample_fmt = cx_enc_pick_sample_fmt(codec->name, codec->id, o->sample_fmt);
  if (ctx->sample_fmt == AV_SAMPLE_FMT_NONE)
    return cx_fail(err, AVERROR(EINVAL), "encoder %s: no sample format", codec->name);
  int ret = av_channel_layout_copy(&ctx->ch_layout, &o->ch_layout);
  if (ret < 0) return cx_fail(err, ret, "encoder %s", codec->name);
  AVRational tb = o->time_base;
  ctx->time_base = (tb.num > 0 && tb.den > 0) ? tb : (AVRational){1, o->sample_rate};
  return 0;
}

/* x265 prints its banner to stderr itself, bypassing av_log (and so the main
 * isolate): keep it to errors unless the caller chose a log level. */
static int quiet_x265(AVDictionary **opts, const AVCodec *codec) {
  if (strcmp(codec->name, "libx265") != 0) return 0;
  AVDictionaryEntry *e = av_dict_get(*opts, "x265-params", NULL, 0);
  if (!e) return av_dict_set(opts, "x265-params", "log-level=error", 0);
  if (strstr(e->value, "log-level")) return 0;
  char *v = av_asprintf("%s:log-level=error", e->value);
  if (!v) return AVERROR(ENOMEM);
  return av_dict_set(opts, "x265-params", v, AV_DICT_DONT_STRDUP_VAL);
}

/* The settings an encoder refused, as one list ("320x240 yuv420p, time base
 * 1/30, crf 23, preset nonsense, profile=baseline"): libavcodec's own errors
 * name no value. */
static void describe(AVBPrint *bp, const AVCodecContext *ctx, const cx_enc_opts *o,
                     const AVDictionary *opts) {
  if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
    const char *pf = av_get_pix_fmt_name(ctx->pix_fmt);
    av_bprintf(bp, "%dx%d %s, time base %d/%d", ctx->width, ctx->height, pf ? pf : "?",
               ctx->time_base.num, ctx->time_base.den);
  } else {
    const char *sf = av_get_sample_fmt_name(ctx->sample_fmt);
    char layout[64] = "?";
    /* A failed open has already let go of the context's layout. */
    av_channel_layout_describe(&o->ch_layout, layout, sizeof layout);
    av_bprintf(bp, "%d Hz %s %s", ctx->sample_rate, sf ? sf : "?", layout);
  }
  if (ctx->bit_rate > 0) av_bprintf(bp, ", b %" PRId64, ctx->bit_rate);
  if (o->gop >= 0) av_bprintf(bp, ", g %d", o->gop);
  if (o->crf >= 0) av_bprintf(bp, ", crf %g", o->crf);
  if (o->preset) av_bprintf(bp, ", preset %s", o->preset);
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(opts, "", e, AV_DICT_IGNORE_SUFFIX)))
    av_bprintf(bp, ", %s=%s", e->key, e->value);
}

/* avcodec_open2 failed: the encoder, what it was given, and why. -1 is
 * many encoders' "failed" (not EPERM): its strerror would mislead. */
static void open_failed(const AVCodec *codec, const AVCodecContext *ctx, const cx_enc_opts *o,
                        const AVDictionary *given, int ret, char *err) {
  AVBPrint bp;
  av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
  describe(&bp, ctx, o, given);
  if (!av_bprint_is_complete(&bp))
    cx_fail(err, ret, "cannot open encoder %s", codec->name);
  else if (ret == AVERROR(EPERM))
    cx_fail(err, 0, "cannot open encoder %s (%s): it refused these settings", codec->name, bp.str);
  else
    cx_fail(err, ret, "cannot open encoder %s (%s)", codec->name, bp.str);
  av_bprint_finalize(&bp, NULL);
}

/* The whole statistics file of a first pass, NUL-terminated, for stats_in. */
static char *read_stats(const char *path, int *averr) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long size = -1;
  if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  if (size >= 0 && size < INT_MAX && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = av_malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size) {
    buf[size] = 0;
  } else {
    *averr = AVERROR(errno ? errno : EIO);
    av_freep(&buf);
  }
  if (f) fclose(f);
  return buf;
}

/* Two-pass encoding as ffmpeg sets it up: libx264 keeps its statistics
 * itself (its "stats" option names the file); any other encoder hands them
 * over in stats_out during the first pass and takes them in stats_in for
 * the second. */
static int setup_pass(cx_enc *e, const AVCodec *codec, const cx_enc_opts *o, AVDictionary **opts,
                      char *err) {
  if (!o->pass || codec->type != AVMEDIA_TYPE_VIDEO) return 0;
  if (!o->passlog) return cx_fail(err, AVERROR(EINVAL), "two-pass: no statistics file");
  if (o->pass & 1) e->ctx->flags |= AV_CODEC_FLAG_PASS1;
  if (o->pass & 2) e->ctx->flags |= AV_CODEC_FLAG_PASS2;
  if (!strcmp(codec->name, "libx264"))
    return av_dict_set(opts, "stats", o->passlog, AV_DICT_DONT_OVERWRITE);
  if (o->pass & 2) {
    int averr = 0;
    errno = 0;
    e->ctx->stats_in = read_stats(o->passlog, &averr);
    if (!e->ctx->stats_in)
      return cx_fail(err, averr,
                     "two-pass: cannot read the first pass's statistics '%s' (run -pass 1 "
                     "first)",
                     o->passlog);
  }
  if (o->pass & 1) {
    errno = 0;
    e->passlog = fopen(o->passlog, "wb");
    if (!e->passlog)
      return cx_fail(err, AVERROR(errno ? errno : EIO),
                     "two-pass: cannot write the statistics file '%s'", o->passlog);
  }
  return 0;
}

int cx_enc_open(cx_enc **out, const cx_enc_opts *o, char *err) {
  *out = NULL;
  const AVCodec *codec = cx_enc_find(o->codec, o->default_codec_id);
  if (!codec) {
    if (o->codec) return cx_fail(err, AVERROR_ENCODER_NOT_FOUND, "unknown encoder '%s'", o->codec);
    return cx_fail(err, AVERROR_ENCODER_NOT_FOUND, "no encoder for codec '%s'",
                   avcodec_get_name(o->default_codec_id));
  }
  if (o->type != AVMEDIA_TYPE_UNKNOWN && codec->type != o->type)
    return cx_fail(err, AVERROR(EINVAL), "encoder %s is not a%s encoder", codec->name,
                   o->type == AVMEDIA_TYPE_VIDEO ? " video" : "n audio");
  cx_enc *e = av_mallocz(sizeof *e);
  int ret;
  if (!e) return cx_fail(err, AVERROR(ENOMEM), "encoder %s", codec->name);
  e->ctx = avcodec_alloc_context3(codec);
  e->tmp = av_frame_alloc();
  if (!e->ctx || !e->tmp) {
    ret = cx_fail(err, AVERROR(ENOMEM), "encoder %s", codec->name);
    goto fail;
  }
  AVCodecContext *ctx = e->ctx;
  ctx->opaque = cx_log_tag();
  ret = codec->type == AVMEDIA_TYPE_VIDEO ? setup_video(ctx, codec, o, err)
        : codec->type == AVMEDIA_TYPE_AUDIO
            ? setup_audio(ctx, codec, o, err)
            : cx_fail(err, AVERROR(EINVAL), "encoder %s: unsupported type", codec->name);
  if (ret < 0) goto fail;
  e->tb = (o->time_base.num > 0 && o->time_base.den > 0) ? o->time_base : ctx->time_base;
  if (o->bit_rate > 0) ctx->bit_rate = o->bit_rate;
  ctx->thread_count = o->threads;
  if (o->global_header) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (o->crf >= 0) {
    /* As a string, like ffmpeg's -crf: the option's own type parses it. */
    char v[32];
    snprintf(v, sizeof v, "%.6g", o->crf);
    if ((ret = set_priv(ctx, "crf", v, err)) < 0) goto fail;
  }
  if (o->preset && (ret = set_priv(ctx, "preset", o->preset, err)) < 0) goto fail;
  /* The experimental native encoders (opus, vorbis) are still useful in tests. */
  if (codec->capabilities & AV_CODEC_CAP_EXPERIMENTAL)
    ctx->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;
  AVDictionary *local = NULL, **opts = o->opts ? o->opts : &local, *given = NULL;
  if ((ret = take_own(e, opts, err)) < 0 || (ret = setup_pass(e, codec, o, opts, err)) < 0) {
    av_dict_free(&local);
    goto fail;
  }
  /* avcodec_open2 takes the options it uses out of opts. */
  if ((ret = av_dict_copy(&given, *opts, 0)) >= 0 && (ret = quiet_x265(opts, codec)) >= 0) {
    errno = 0;
    ret = avcodec_open2(ctx, codec, opts);
    /* A bare -1 here is most often settings the encoder refused (said
     * below), unless memory ran out. */
    if (ret == -1 && errno == ENOMEM) ret = AVERROR(ENOMEM);
  }
  av_dict_free(&local);
  if (ret < 0) open_failed(codec, ctx, o, given, ret, err);
  av_dict_free(&given);
  if (ret < 0) goto fail;
  *out = e;
  return 0;
fail:
  cx_enc_close(&e);
  return ret;
}

AVCodecContext *cx_enc_ctx(cx_enc *e) {
  return e->ctx;
}

AVRational cx_enc_time_base(const cx_enc *e) {
  return e->tb;
}

int cx_enc_frame_size(const cx_enc *e) {
  if (e->ctx->codec_type != AVMEDIA_TYPE_AUDIO) return 0;
  if (e->ctx->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) return 0;
  return e->ctx->frame_size > 0 ? e->ctx->frame_size : 0;
}

void cx_enc_force_key(cx_enc *e) {
  e->force_key = true;
}

int cx_enc_send(cx_enc *e, const AVFrame *frame) {
  if (!frame) {
    errno = 0;
    int ret = avcodec_send_frame(e->ctx, NULL);
    return cx_codec_result(ret, errno);
  }
  /* A shallow copy (data shared) to re-stamp pts and clear the decoder's
   * picture type: libx264 and others obey it, copying the input's GOP. */
  int ret = av_frame_ref(e->tmp, frame);
  if (ret < 0) return ret;
  if (e->tmp->pts != AV_NOPTS_VALUE && av_cmp_q(e->tb, e->ctx->time_base))
    e->tmp->pts = av_rescale_q(e->tmp->pts, e->tb, e->ctx->time_base);
  e->tmp->pict_type = AV_PICTURE_TYPE_NONE;
  /* ffmpeg 5.1 gives an interlaced encoder -top's field as the first one. */
  if (e->top >= 0 && (e->ctx->flags & (AV_CODEC_FLAG_INTERLACED_DCT | AV_CODEC_FLAG_INTERLACED_ME)))
    e->tmp->top_field_first = e->top;
  if (e->force_key && e->ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
    e->tmp->pict_type = AV_PICTURE_TYPE_I;
    e->force_key = false;
  }
  errno = 0;
  ret = avcodec_send_frame(e->ctx, e->tmp);
  ret = cx_codec_result(ret, errno);
  av_frame_unref(e->tmp);
  return ret;
}

/* ffmpeg writes the statistics after every packet and once more at the
 * end (libvpx gives them all at once then). */
static int write_stats(cx_enc *e) {
  if (!e->passlog || !e->ctx->stats_out) return 0;
  if (fputs(e->ctx->stats_out, e->passlog) < 0) return AVERROR(errno ? errno : EIO);
  return 0;
}

int cx_enc_receive(cx_enc *e, AVPacket *pkt) {
  errno = 0;
  int ret = avcodec_receive_packet(e->ctx, pkt);
  if (ret == AVERROR_EOF && e->passlog) {
    int w = write_stats(e);
    if (!w && fflush(e->passlog)) w = AVERROR(errno ? errno : EIO);
    if (w < 0) return w;
  }
  if (ret < 0) return cx_codec_result(ret, errno);
  int w = write_stats(e);
  if (w < 0) {
    av_packet_unref(pkt);
    return w;
  }
  if (av_cmp_q(e->tb, e->ctx->time_base)) av_packet_rescale_ts(pkt, e->ctx->time_base, e->tb);
  /* Encoders with delay (x264...) leave duration 0; the muxer then cuts the
   * last frame from the stream's duration. One frame period, as ffmpeg does. */
  if (pkt->duration <= 0 && e->ctx->codec_type == AVMEDIA_TYPE_VIDEO && e->ctx->framerate.num > 0 &&
      e->ctx->framerate.den > 0)
    pkt->duration = av_rescale_q(1, av_inv_q(e->ctx->framerate), e->tb);
  return 0;
}

void cx_enc_close(cx_enc **pe) {
  cx_enc *e = pe ? *pe : NULL;
  if (!e) return;
  if (e->passlog) fclose(e->passlog);
  /* Ours: libavcodec frees stats_out but never stats_in. */
  if (e->ctx) av_freep(&e->ctx->stats_in);
  avcodec_free_context(&e->ctx);
  av_frame_free(&e->tmp);
  av_free(e);
  *pe = NULL;
}
