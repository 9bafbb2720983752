/* Audio convert: swresample for rate/format/layout, a FIFO re-chunking to the encoder's frame size.
 */
#include "codecs/cx_internal.h"

#include <libswresample/swresample.h>

struct cx_aconv {
  int dst_rate;
  enum AVSampleFormat dst_fmt;
  AVChannelLayout dst_layout;
  int frame_size;
  AVRational in_tb;
  /* the source swr is set up for (it may change mid-stream) */
  int src_rate;
  enum AVSampleFormat src_fmt;
  AVChannelLayout src_layout;
  SwrContext *swr; /* NULL while nothing changes */
  AVAudioFifo *fifo;
  AVFrame *pass; /* nothing to convert or re-chunk: the input frame, by reference */
  uint8_t **buf; /* swr output before the FIFO */
  int buf_cap;
  int64_t next_pts; /* 1/dst_rate: where the last frame out ended; AV_NOPTS_VALUE before */
  /* The input frames whose samples wait in the FIFO, oldest first: their
   * start (1/dst_rate, AV_NOPTS_VALUE unknown) and samples left. */
  struct aconv_pending {
    int64_t pts;
    int n;
  } * pend;
  int npend, head;
  unsigned pend_cap;
  bool resampled; /* swr ran: its output's samples no longer map to input frames */
  bool eof;
  bool end_set, ended; /* ended: a frame out reached end_us */
  int64_t end_us;
};

static bool same_layout(const AVChannelLayout *a, const AVChannelLayout *b) {
  return av_channel_layout_compare(a, b) == 0;
}

static int setup_swr(cx_aconv *c, char *err) {
  swr_free(&c->swr);
  if (c->src_rate == c->dst_rate && c->src_fmt == c->dst_fmt &&
      same_layout(&c->src_layout, &c->dst_layout))
    return 0; /* plain re-chunking */
  int ret = swr_alloc_set_opts2(&c->swr, &c->dst_layout, c->dst_fmt, c->dst_rate, &c->src_layout,
                                c->src_fmt, c->src_rate, 0, NULL);
  cx_oom_watch();
  if (ret >= 0) ret = cx_oom_check(swr_init(c->swr));
  if (ret < 0) {
    char a[64] = "?", b[64] = "?";
    av_channel_layout_describe(&c->src_layout, a, sizeof a);
    av_channel_layout_describe(&c->dst_layout, b, sizeof b);
    return cx_fail(err, ret, "audio convert %d Hz %s %s -> %d Hz %s %s", c->src_rate,
                   av_get_sample_fmt_name(c->src_fmt), a, c->dst_rate,
                   av_get_sample_fmt_name(c->dst_fmt), b);
  }
  return 0;
}

int cx_aconv_open(cx_aconv **out, const cx_aconv_opts *o, char *err) {
  *out = NULL;
  if (o->src_rate <= 0 || o->src_fmt == AV_SAMPLE_FMT_NONE || o->src_layout.nb_channels <= 0)
    return cx_fail(err, AVERROR(EINVAL), "audio convert: unknown input rate/format/layout");
  if (o->in_tb.num <= 0 || o->in_tb.den <= 0)
    return cx_fail(err, AVERROR(EINVAL), "audio convert: no input time base");
  cx_aconv *c = av_mallocz(sizeof *c);
  if (!c) return AVERROR(ENOMEM);
  int ret;
  c->dst_rate = o->dst_rate > 0 ? o->dst_rate : o->src_rate;
  c->dst_fmt = o->dst_fmt != AV_SAMPLE_FMT_NONE ? o->dst_fmt : o->src_fmt;
  c->frame_size = o->frame_size > 0 ? o->frame_size : 0;
  c->in_tb = o->in_tb;
  c->end_set = o->end_set;
  c->end_us = o->end_us;
  c->src_rate = o->src_rate;
  c->src_fmt = o->src_fmt;
  c->next_pts = AV_NOPTS_VALUE;
  if (o->src_layout.order == AV_CHANNEL_ORDER_UNSPEC)
    av_channel_layout_default(&c->src_layout, o->src_layout.nb_channels);
  else if ((ret = av_channel_layout_copy(&c->src_layout, &o->src_layout)) < 0)
    goto fail;
  ret = av_channel_layout_copy(&c->dst_layout,
                               o->dst_layout.nb_channels > 0 ? &o->dst_layout : &c->src_layout);
  if (ret < 0) goto fail;
  if ((ret = setup_swr(c, err)) < 0) goto fail;
  c->fifo = av_audio_fifo_alloc(c->dst_fmt, c->dst_layout.nb_channels,
                                c->frame_size > 0 ? c->frame_size * 2 : 4096);
  if (!c->fifo) {
    ret = AVERROR(ENOMEM);
    goto fail;
  }
  *out = c;
  return 0;
fail:
  if (ret == AVERROR(ENOMEM)) cx_fail(err, ret, "audio convert");
  cx_aconv_close(&c);
  return ret;
}

void cx_aconv_output(const cx_aconv *c, int *rate, enum AVSampleFormat *fmt,
                     AVChannelLayout *layout) {
  if (rate) *rate = c->dst_rate;
  if (fmt) *fmt = c->dst_fmt;
  if (layout) av_channel_layout_copy(layout, &c->dst_layout);
}

static int grow_buf(cx_aconv *c, int samples) {
  if (samples <= c->buf_cap) return 0;
  if (c->buf) av_freep(&c->buf[0]);
  av_freep(&c->buf);
  c->buf_cap = 0;
  int ret = av_samples_alloc_array_and_samples(&c->buf, NULL, c->dst_layout.nb_channels, samples,
                                               c->dst_fmt, 0);
  if (ret < 0) return ret;
  c->buf_cap = samples;
  return 0;
}

/* Runs swr on in (NULL: drain its delay) and queues the result. */
static int resample(cx_aconv *c, const AVFrame *in) {
  int in_n = in ? in->nb_samples : 0;
  for (;;) {
    int want = swr_get_out_samples(c->swr, in_n);
    if (want <= 0 && in_n == 0) return 0;
    if (want < 256) want = 256;
    int ret = grow_buf(c, want);
    if (ret < 0) return ret;
    int n =
        swr_convert(c->swr, c->buf, want, in ? (const uint8_t **)in->extended_data : NULL, in_n);
    if (n < 0) return n;
    if (n > 0 && (ret = av_audio_fifo_write(c->fifo, (void **)c->buf, n)) < 0) return ret;
    if (in) return 0; /* all input consumed: the output buffer was large enough */
    if (n == 0) return 0;
  }
}

static int pend_push(cx_aconv *c, int64_t pts, int n) {
  if (c->head > 0 && c->head == c->npend) c->head = c->npend = 0;
  if (c->head > 0 && (unsigned)c->npend + 1 > c->pend_cap / sizeof *c->pend) {
    /* Drop what was taken before growing. */
    memmove(c->pend, c->pend + c->head, (size_t)(c->npend - c->head) * sizeof *c->pend);
    c->npend -= c->head;
    c->head = 0;
  }
  struct aconv_pending *p =
      av_fast_realloc(c->pend, &c->pend_cap, (size_t)(c->npend + 1) * sizeof *c->pend);
  if (!p) return AVERROR(ENOMEM);
  c->pend = p;
  c->pend[c->npend++] = (struct aconv_pending){pts, n};
  return 0;
}

static int queue(cx_aconv *c, const AVFrame *in) {
  if (c->swr) {
    c->resampled = true;
    return resample(c, in);
  }
  int64_t pts = in->pts == AV_NOPTS_VALUE
                    ? AV_NOPTS_VALUE
                    : av_rescale_q(in->pts, c->in_tb, (AVRational){1, c->dst_rate});
  int ret = pend_push(c, pts, in->nb_samples);
  if (ret >= 0) ret = av_audio_fifo_write(c->fifo, (void **)in->extended_data, in->nb_samples);
  return ret < 0 ? ret : 0;
}

/* A stream whose rate/format/layout changes mid-way: drain the old
 * resampler into the FIFO, then convert from the new source. */
static int follow_source(cx_aconv *c, const AVFrame *f) {
  AVChannelLayout l = {0};
  int ret;
  if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
    av_channel_layout_default(&l, f->ch_layout.nb_channels);
  else if ((ret = av_channel_layout_copy(&l, &f->ch_layout)) < 0)
    return ret;
  if (f->sample_rate == c->src_rate && f->format == c->src_fmt && same_layout(&l, &c->src_layout)) {
    av_channel_layout_uninit(&l);
    return 0;
  }
  if (c->swr && (ret = resample(c, NULL)) < 0) {
    av_channel_layout_uninit(&l);
    return ret;
  }
  av_channel_layout_uninit(&c->src_layout);
  c->src_layout = l;
  c->src_rate = f->sample_rate;
  c->src_fmt = f->format;
  return setup_swr(c, NULL);
}

int cx_aconv_send(cx_aconv *c, const AVFrame *frame) {
  if (c->eof) return AVERROR_EOF;
  if (c->ended) return 0; /* past the end: nothing more is given */
  int ret;
  if (!frame) {
    c->eof = true;
    return c->swr ? resample(c, NULL) : 0; /* swr holds filter delay */
  }
  if (frame->nb_samples <= 0) return 0;
  if (frame->sample_rate > 0 && frame->ch_layout.nb_channels > 0 && frame->format >= 0 &&
      (ret = follow_source(c, frame)) < 0)
    return ret;
  if (c->next_pts == AV_NOPTS_VALUE)
    c->next_pts = frame->pts == AV_NOPTS_VALUE
                      ? 0
                      : av_rescale_q(frame->pts, c->in_tb, (AVRational){1, c->dst_rate});
  if (!c->swr && c->frame_size == 0 && !c->pass && av_audio_fifo_size(c->fifo) == 0)
    return (c->pass = av_frame_clone(frame)) ? 0 : AVERROR(ENOMEM);
  return queue(c, frame);
}

/* A frame out starts at the time of the input frame its first sample came
 * from, moved by the samples taken from that frame before, as libavfilter's
 * sink gives an encoder its frame size: a gap between input frames (Opus'
 * pre-skip on a millisecond clock) stays where ffmpeg keeps it. Samples
 * that went through swr, or frames with no time, count on from the last. */
static void stamp(cx_aconv *c, AVFrame *out) {
  int64_t pts = c->next_pts == AV_NOPTS_VALUE ? 0 : c->next_pts;
  if (!c->resampled && c->head < c->npend && c->pend[c->head].pts != AV_NOPTS_VALUE)
    pts = c->pend[c->head].pts;
  for (int left = out->nb_samples; left > 0 && c->head < c->npend;) {
    struct aconv_pending *p = &c->pend[c->head];
    int m = left < p->n ? left : p->n;
    if (p->pts != AV_NOPTS_VALUE) p->pts += m;
    p->n -= m;
    left -= m;
    if (p->n == 0) c->head++;
  }
  out->pts = pts;
  out->pkt_duration = out->nb_samples;
  out->time_base = (AVRational){1, c->dst_rate};
  c->next_pts = pts + out->nb_samples;
}

/* A frame out past the end ends the output there. */
static int past_end(cx_aconv *c, AVFrame *out) {
  if (!c->end_set ||
      av_compare_ts(out->pts, (AVRational){1, c->dst_rate}, c->end_us, AV_TIME_BASE_Q) < 0)
    return 0;
  av_frame_unref(out);
  c->ended = true;
  av_audio_fifo_reset(c->fifo);
  c->head = c->npend = 0;
  return AVERROR_EOF;
}

int cx_aconv_receive(cx_aconv *c, AVFrame *out) {
  if (c->ended) return AVERROR_EOF;
  if (c->pass) {
    av_frame_move_ref(out, c->pass);
    av_frame_free(&c->pass);
    stamp(c, out);
    return past_end(c, out);
  }
  int avail = av_audio_fifo_size(c->fifo);
  int n;
  if (c->frame_size > 0) {
    if (avail >= c->frame_size)
      n = c->frame_size;
    else if (c->eof && avail > 0)
      n = avail; /* the last, partial frame is kept */
    else
      return c->eof ? AVERROR_EOF : AVERROR(EAGAIN);
  } else {
    if (avail == 0) return c->eof ? AVERROR_EOF : AVERROR(EAGAIN);
    n = avail;
  }
  out->nb_samples = n;
  out->format = c->dst_fmt;
  out->sample_rate = c->dst_rate;
  int ret = av_channel_layout_copy(&out->ch_layout, &c->dst_layout);
  if (ret >= 0) ret = av_frame_get_buffer(out, 0);
  if (ret >= 0) ret = av_audio_fifo_read(c->fifo, (void **)out->extended_data, n);
  if (ret < 0) {
    av_frame_unref(out);
    return ret;
  }
  stamp(c, out);
  return past_end(c, out);
}

void cx_aconv_close(cx_aconv **pc) {
  cx_aconv *c = pc ? *pc : NULL;
  if (!c) return;
  swr_free(&c->swr);
  av_frame_free(&c->pass);
  av_audio_fifo_free(c->fifo);
  av_free(c->pend);
  if (c->buf) av_freep(&c->buf[0]);
  av_freep(&c->buf);
  av_channel_layout_uninit(&c->src_layout);
  av_channel_layout_uninit(&c->dst_layout);
  av_free(c);
  *pc = NULL;
}
