/* Video convert: swscale for size and pixel format, then constant frame rate by drop/duplicate. */
#include "codecs/cx_internal.h"

#include <libavutil/buffer.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <limits.h>

struct cx_vconv {
  cx_vconv_opts o;
  int dst_w, dst_h;
  enum AVPixelFormat dst_fmt;
  struct SwsContext *sws;
  int sws_w, sws_h;
  enum AVPixelFormat sws_fmt;
  int sws_range;
  bool cfr;
  AVRational slot_tb; /* 1/fps: one output frame per tick */
  AVRational out_tb;
  /* cfr: 'held' waits for the next input to know how long it lasts; 'cur'
   * is emitted for output slots [next_slot, end_slot). Otherwise 'held' is
   * simply the next output. */
  AVFrame *held, *cur;
  int64_t held_pts; /* in in_tb */
  bool started, eof;
  int64_t next_slot, end_slot;
  int64_t resume_slot; /* after a discontinuity: where output continues */
  int64_t max_fill;    /* most slots one input frame may fill */
  int64_t emitted;
  bool warned;
  /* Scaled pictures come from a pool: a fresh buffer per frame (1.4 MB at
   * 720p) is mmap'd, faulted in and unmapped again every time. */
  AVBufferPool *pool;
  int pool_w, pool_h;
  enum AVPixelFormat pool_fmt;
  int pool_ls[4];
  size_t pool_plane[4];
};

#define CX_VCONV_ALIGN 64

/* One buffer per picture, planes back to back, laid out as
 * av_frame_get_buffer would (aligned lines, height padded, tail slack for
 * SIMD over-reads). Palette and hardware formats take the plain path. */
static int pool_setup(cx_vconv *c, int w, int h, enum AVPixelFormat fmt) {
  if (c->pool && c->pool_w == w && c->pool_h == h && c->pool_fmt == fmt) return 0;
  av_buffer_pool_uninit(&c->pool);
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
  if (!d || (d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL))) return 0;
  int ls[4];
  int ret = av_image_fill_linesizes(ls, fmt, FFALIGN(w, CX_VCONV_ALIGN));
  if (ret < 0) return ret;
  ptrdiff_t lsp[4];
  for (int i = 0; i < 4; i++) {
    ls[i] = FFALIGN(ls[i], CX_VCONV_ALIGN);
    lsp[i] = ls[i];
  }
  size_t sizes[4];
  ret = av_image_fill_plane_sizes(sizes, fmt, FFALIGN(h, 32), lsp);
  if (ret < 0) return ret;
  size_t total = CX_VCONV_ALIGN;
  for (int i = 0; i < 4; i++) {
    c->pool_ls[i] = ls[i];
    c->pool_plane[i] = sizes[i];
    total += sizes[i];
  }
  if (total > INT_MAX) return AVERROR(EINVAL);
  c->pool = av_buffer_pool_init(total, NULL);
  if (!c->pool) return AVERROR(ENOMEM);
  c->pool_w = w;
  c->pool_h = h;
  c->pool_fmt = fmt;
  return 0;
}

static int get_picture(cx_vconv *c, AVFrame *f) {
  int ret = pool_setup(c, f->width, f->height, f->format);
  if (ret < 0) return ret;
  if (!c->pool) return av_frame_get_buffer(f, 0);
  f->buf[0] = av_buffer_pool_get(c->pool);
  if (!f->buf[0]) return AVERROR(ENOMEM);
  uint8_t *p = f->buf[0]->data;
  for (int i = 0; i < 4 && c->pool_plane[i]; i++) {
    f->data[i] = p;
    f->linesize[i] = c->pool_ls[i];
    p += c->pool_plane[i];
  }
  f->extended_data = f->data;
  return 0;
}

/* A frame may fill at most 1 s of output, and never fewer than this many
 * frames (so -r 1 still fills gaps of a minute). A larger forward jump is a
 * discontinuity, as in damaged or hostile input: filling it with duplicates
 * would turn a 3 KB file into millions of frames. 64 also stays under the
 * fuzz harness's burst cap (tests/fuzz, 100 frames per input frame). */
#define CX_VCONV_MIN_FILL 64

/* Output size from the request: 0 keeps, -1 keeps the aspect, -n keeps it
 * rounded to a multiple of n (ffmpeg's scale filter rule). */
static void resolve_size(const cx_vconv_opts *o, int *w, int *h) {
  int dw = o->dst_w ? o->dst_w : o->src_w, dh = o->dst_h ? o->dst_h : o->src_h;
  if (dw < 0 && dh < 0) {
    dw = o->src_w;
    dh = o->src_h;
  } else if (dw < 0) {
    int f = -dw;
    dw = (int)av_rescale(dh, o->src_w, (int64_t)o->src_h * f) * f;
    if (dw < f) dw = f;
  } else if (dh < 0) {
    int f = -dh;
    dh = (int)av_rescale(dw, o->src_h, (int64_t)o->src_w * f) * f;
    if (dh < f) dh = f;
  }
  *w = dw;
  *h = dh;
}

int cx_vconv_open(cx_vconv **out, const cx_vconv_opts *o, char *err) {
  *out = NULL;
  if (o->src_w <= 0 || o->src_h <= 0 || o->src_fmt == AV_PIX_FMT_NONE)
    return cx_fail(err, AVERROR(EINVAL), "video convert: unknown input size or format");
  if (o->dst_w < -64 || o->dst_h < -64)
    return cx_fail(err, AVERROR(EINVAL), "video convert: bad size %dx%d", o->dst_w, o->dst_h);
  bool cfr = o->out_fps.num > 0 && o->out_fps.den > 0;
  if ((o->in_tb.num <= 0 || o->in_tb.den <= 0))
    return cx_fail(err, AVERROR(EINVAL), "video convert: no input time base");
  cx_vconv *c = av_mallocz(sizeof *c);
  if (!c) return AVERROR(ENOMEM);
  c->o = *o;
  resolve_size(o, &c->dst_w, &c->dst_h);
  c->dst_fmt = o->dst_fmt == AV_PIX_FMT_NONE ? o->src_fmt : o->dst_fmt;
  if (!sws_isSupportedOutput(c->dst_fmt) ||
      (c->dst_fmt != o->src_fmt && !sws_isSupportedInput(o->src_fmt))) {
    const char *in = av_get_pix_fmt_name(o->src_fmt), *outn = av_get_pix_fmt_name(c->dst_fmt);
    av_free(c);
    return cx_fail(err, AVERROR(ENOSYS), "video convert: no conversion %s -> %s", in ? in : "?",
                   outn ? outn : "?");
  }
  c->cfr = cfr;
  c->slot_tb = cfr ? av_inv_q(o->out_fps) : o->in_tb;
  c->out_tb = (o->out_tb.num > 0 && o->out_tb.den > 0) ? o->out_tb : c->slot_tb;
  c->max_fill = cfr ? av_rescale_q_rnd(1, (AVRational){1, 1}, c->slot_tb, AV_ROUND_UP) : 0;
  if (c->max_fill < CX_VCONV_MIN_FILL) c->max_fill = CX_VCONV_MIN_FILL;
  c->resume_slot = INT64_MIN;
  c->sws_fmt = AV_PIX_FMT_NONE;
  *out = c;
  return 0;
}

void cx_vconv_output(const cx_vconv *c, int *w, int *h, enum AVPixelFormat *fmt) {
  if (w) *w = c->dst_w;
  if (h) *h = c->dst_h;
  if (fmt) *fmt = c->dst_fmt;
}

AVRational cx_vconv_output_sar(const cx_vconv *c) {
  AVRational sar = c->o.src_sar;
  if (sar.num <= 0 || sar.den <= 0) return (AVRational){0, 1};
  /* Non-uniform scaling changes the pixel shape, not the picture's shape. */
  return av_mul_q(sar, (AVRational){c->dst_h * c->o.src_w, c->dst_w * c->o.src_h});
}

AVRational cx_vconv_output_tb(const cx_vconv *c) {
  return c->out_tb;
}

static bool full_range(const AVFrame *f) {
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
  if (f->color_range == AVCOL_RANGE_JPEG) return true;
  return d && strncmp(d->name, "yuvj", 4) == 0;
}

static int setup_sws(cx_vconv *c, const AVFrame *in, char *err) {
  int range = full_range(in);
  if (c->sws && c->sws_w == in->width && c->sws_h == in->height && c->sws_fmt == in->format &&
      c->sws_range == range)
    return 0;
  sws_freeContext(c->sws);
  /* Bicubic: the default of ffmpeg's scale filter. Options rather than
   * sws_getContext, to reach "threads" (slice threading inside swscale). */
  c->sws = sws_alloc_context();
  int ret = c->sws ? 0 : AVERROR(ENOMEM);
  if (ret >= 0) ret = av_opt_set_int(c->sws, "srcw", in->width, 0);
  if (ret >= 0) ret = av_opt_set_int(c->sws, "srch", in->height, 0);
  if (ret >= 0) ret = av_opt_set_pixel_fmt(c->sws, "src_format", in->format, 0);
  if (ret >= 0) ret = av_opt_set_int(c->sws, "dstw", c->dst_w, 0);
  if (ret >= 0) ret = av_opt_set_int(c->sws, "dsth", c->dst_h, 0);
  if (ret >= 0) ret = av_opt_set_pixel_fmt(c->sws, "dst_format", c->dst_fmt, 0);
  if (ret >= 0) ret = av_opt_set_int(c->sws, "sws_flags", SWS_BICUBIC, 0);
  if (ret >= 0 && c->o.threads > 1) ret = av_opt_set_int(c->sws, "threads", c->o.threads, 0);
  if (ret >= 0) ret = sws_init_context(c->sws, NULL, NULL);
  if (ret < 0) {
    sws_freeContext(c->sws);
    c->sws = NULL;
    return cx_fail(err, ret, "video convert: cannot convert %dx%d %s -> %dx%d %s", in->width,
                   in->height, av_get_pix_fmt_name(in->format), c->dst_w, c->dst_h,
                   av_get_pix_fmt_name(c->dst_fmt));
  }
  /* Keep the range (YUV -> YUV); RGB output is always full. */
  const AVPixFmtDescriptor *dd = av_pix_fmt_desc_get(c->dst_fmt);
  int dst_range = (dd->flags & AV_PIX_FMT_FLAG_RGB) ? 1 : range;
  int cs = in->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT;
  const int *coefs = sws_getCoefficients(cs);
  sws_setColorspaceDetails(c->sws, coefs, range, coefs, dst_range, 0, 1 << 16, 1 << 16);
  c->sws_w = in->width;
  c->sws_h = in->height;
  c->sws_fmt = in->format;
  c->sws_range = range;
  return 0;
}

/* Size and format change, or a new reference when nothing changes. */
static int convert(cx_vconv *c, const AVFrame *in, AVFrame **out) {
  AVFrame *f = av_frame_alloc();
  if (!f) return AVERROR(ENOMEM);
  int ret;
  AVRational sar = in->sample_aspect_ratio.num > 0 ? in->sample_aspect_ratio : c->o.src_sar;
  if (in->width == c->dst_w && in->height == c->dst_h && in->format == c->dst_fmt) {
    if ((ret = av_frame_ref(f, in)) < 0) goto fail;
    f->sample_aspect_ratio = sar;
    *out = f;
    return 0;
  }
  if ((ret = setup_sws(c, in, NULL)) < 0) goto fail;
  f->width = c->dst_w;
  f->height = c->dst_h;
  f->format = c->dst_fmt;
  if ((ret = get_picture(c, f)) < 0) goto fail;
  if ((ret = av_frame_copy_props(f, in)) < 0) goto fail;
  if ((ret = sws_scale_frame(c->sws, f, in)) < 0) goto fail;
  if (sar.num > 0 && sar.den > 0)
    f->sample_aspect_ratio =
        av_mul_q(sar, (AVRational){c->dst_h * in->width, c->dst_w * in->height});
  const AVPixFmtDescriptor *dd = av_pix_fmt_desc_get(c->dst_fmt);
  f->color_range = (dd->flags & AV_PIX_FMT_FLAG_RGB) ? AVCOL_RANGE_JPEG
                   : c->sws_range                    ? AVCOL_RANGE_JPEG
                                                     : in->color_range;
  *out = f;
  return 0;
fail:
  av_frame_free(&f);
  return ret;
}

static int64_t to_slot(const cx_vconv *c, int64_t pts) {
  return av_rescale_q_rnd(pts, c->o.in_tb, c->slot_tb, AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
}

/* Hostile timestamps reach INT64 limits: additions saturate instead of
 * overflowing. */
static int64_t sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

/* Slots [from, end) to fill, bounded by max_fill. */
static bool too_long(const cx_vconv *c, int64_t from, int64_t end) {
  return end > from && (uint64_t)end - (uint64_t)from > (uint64_t)c->max_fill;
}

static void warn_jump(cx_vconv *c, int64_t from_pts, int64_t to_pts, const char *what) {
  if (c->warned) return;
  c->warned = true;
  /* Once per converter: a damaged file can have thousands of them. */
  double gap = (double)((uint64_t)to_pts - (uint64_t)from_pts) * av_q2d(c->o.in_tb);
  av_log(NULL, AV_LOG_WARNING,
         "video convert: %s of %.3f s at %.3f s is more than %.3f s of output: "
         "treated as a discontinuity, not filled with duplicates\n",
         what, gap, from_pts * av_q2d(c->o.in_tb), c->max_fill * av_q2d(c->slot_tb));
}

/* Where the held frame stops when the next one starts far later: it lasts
 * its own duration (one slot if unknown), at most max_fill, and output
 * resumes at the next frame's own slot, so A/V sync is kept and the output
 * simply has a hole (containers with timestamps show the frame through it). */
static int64_t held_end(const cx_vconv *c) {
  int64_t start = to_slot(c, c->held_pts);
  int64_t dur = c->held->pkt_duration > 0
                    ? to_slot(c, sat_add(c->held_pts, c->held->pkt_duration)) - start
                    : 1;
  if (dur < 1) dur = 1;
  if (dur > c->max_fill) dur = c->max_fill;
  int64_t end = sat_add(start, dur);
  return end > c->next_slot ? end : c->next_slot;
}

int cx_vconv_send(cx_vconv *c, const AVFrame *frame) {
  if (c->eof) return AVERROR_EOF;
  if (!c->cfr) {
    if (c->held) return AVERROR(EAGAIN);
    if (!frame) {
      c->eof = true;
      return 0;
    }
    int ret = convert(c, frame, &c->held);
    if (ret < 0) return ret;
    if (c->held->pts != AV_NOPTS_VALUE)
      c->held->pts = av_rescale_q(c->held->pts, c->o.in_tb, c->out_tb);
    c->held->pkt_duration =
        c->held->pkt_duration > 0 ? av_rescale_q(c->held->pkt_duration, c->o.in_tb, c->out_tb) : 0;
    return 0;
  }
  if (c->cur && c->next_slot < c->end_slot) return AVERROR(EAGAIN);
  av_frame_free(&c->cur);
  if (c->resume_slot > c->next_slot) c->next_slot = c->resume_slot;
  if (!frame) {
    c->eof = true;
    if (c->held) {
      /* The last frame lasts its own duration (one output frame if unknown),
       * and a stream of one frame still gives one. */
      int64_t dur = c->held->pkt_duration > 0 ? c->held->pkt_duration : 0;
      int64_t start = to_slot(c, c->held_pts);
      int64_t end = dur ? to_slot(c, sat_add(c->held_pts, dur)) : sat_add(start, 1);
      if (end <= c->next_slot && c->emitted == 0) end = sat_add(c->next_slot, 1);
      if (too_long(c, c->next_slot, end)) {
        warn_jump(c, c->held_pts, sat_add(c->held_pts, dur), "a last frame duration");
        end = held_end(c);
      }
      c->cur = c->held;
      c->held = NULL;
      c->end_slot = end;
    }
    return 0;
  }
  AVFrame *f;
  int ret = convert(c, frame, &f);
  if (ret < 0) return ret;
  int64_t pts = frame->pts;
  if (pts == AV_NOPTS_VALUE) /* guess: one output frame after the last */
    pts = c->held ? sat_add(c->held_pts, av_rescale_q(1, c->slot_tb, c->o.in_tb))
                  : av_rescale_q(c->next_slot, c->slot_tb, c->o.in_tb);
  if (!c->started) {
    c->started = true;
    c->next_slot = to_slot(c, pts);
  }
  if (c->held) {
    /* The held frame shows until this one starts: each output instant gets
     * the input frame nearest before it (drop when 0 slots, dup when many). */
    c->cur = c->held;
    c->end_slot = to_slot(c, pts);
    if (too_long(c, c->next_slot, c->end_slot)) {
      warn_jump(c, c->held_pts, pts, "a timestamp jump");
      c->resume_slot = c->end_slot;
      c->end_slot = held_end(c);
    }
  }
  c->held = f;
  c->held_pts = pts;
  return 0;
}

int cx_vconv_receive(cx_vconv *c, AVFrame *out) {
  if (!c->cfr) {
    if (c->held) {
      av_frame_move_ref(out, c->held);
      av_frame_free(&c->held);
      return 0;
    }
    return c->eof ? AVERROR_EOF : AVERROR(EAGAIN);
  }
  if (c->cur && c->next_slot < c->end_slot) {
    int ret = av_frame_ref(out, c->cur);
    if (ret < 0) return ret;
    out->pts = av_rescale_q(c->next_slot, c->slot_tb, c->out_tb);
    out->pkt_duration = av_rescale_q(1, c->slot_tb, c->out_tb);
    c->next_slot++;
    c->emitted++;
    return 0;
  }
  return c->eof ? AVERROR_EOF : AVERROR(EAGAIN);
}

void cx_vconv_close(cx_vconv **pc) {
  cx_vconv *c = pc ? *pc : NULL;
  if (!c) return;
  sws_freeContext(c->sws);
  av_frame_free(&c->held);
  av_frame_free(&c->cur);
  av_buffer_pool_uninit(&c->pool); /* freed once frames still out come back */
  av_free(c);
  *pc = NULL;
}

int cx_sws_flags_check(const char *flags) {
  if (!flags || !*flags) return AVERROR(EINVAL);
  /* A real context: swscale's log lines name it through its fields. */
  struct SwsContext *c = sws_alloc_context();
  if (!c) return AVERROR(ENOMEM);
  int ret = av_opt_set(c, "sws_flags", flags, 0);
  sws_freeContext(c);
  return ret;
}
