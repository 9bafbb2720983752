/* Decoder: libavcodec send/receive, frames stamped with best-effort pts; video threading adapts to
 * the load. */
#include "base/ring.h"
#include "codecs/cx_internal.h"

#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/time.h>
#include <stdatomic.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Frame threading costs CPU (a context per thread, updated every frame)
 * and memory (a picture per thread), and in a pipeline the decoder
 * already runs beside every other stage: a video decoder whose caller
 * leaves threads at auto starts single-threaded and keeps every packet
 * for a short window. If the decoder was busy for most of that window it
 * is what the pipeline waits for: a frame-threaded decoder is opened, the
 * kept packets are replayed into it, and its first frames (the ones
 * already returned) are compared with what was returned and dropped. */
#define WINDOW_US 300000 /* long enough that the encoder's start-up gulp is a small part */
#define WINDOW_MIN_FRAMES 12
#define BUSY_SHARE 0.75
#define HIST_MAX_PKTS 2048
/* An H.264, HEVC or VP9 picture this large keeps a core busy decoding
 * whatever the rest of the pipeline does: the window would only decode its
 * packets twice, so such a decoder is frame-threaded from the start. */
#define THREADED_FROM_PIXELS (1280 * 720)
#define HIST_MAX_BYTES (64 << 20)
#define FIFO_MAX 128

/* What the decoder's contexts (and FFmpeg's per-thread copies of them)
 * point to: the log tag, and whether a picture or sample buffer could not
 * be allocated. Some decoders (h264) report that failure as invalid data,
 * which would be counted as a corrupt packet and skipped. */
typedef struct dec_state {
  void *log_tag;
  atomic_bool no_memory;
} dec_state;

struct cx_dec {
  AVCodecContext *ctx;
  dec_state state;
  AVCodecParameters *par; /* to open the threaded decoder with */
  AVDictionary *opts;     /* the caller's decoder options, for each open */
  const AVCodec *named;   /* the caller's choice of decoder; NULL: the default */
  AVRational pkt_tb;
  int64_t next_audio_pts; /* fills audio pts holes from the sample count */

  bool watching; /* inside the window: packets and returned pts are kept */
  bool want_threads;
  AVPacket **hist;
  int nhist, hist_cap;
  size_t hist_bytes;
  int64_t *rpts; /* best-effort pts of every frame returned in the window */
  int64_t returned, rpts_cap;
  AVFrame *last; /* the last frame returned, to check the switch against */
  int64_t t0, busy_us;

  int64_t skip; /* frames of the threaded decoder that were already returned */
  AVFrame *fifo[FIFO_MAX];
  ring fifo_q; /* over fifo */
  cx_dec_info info;
};

static void drop_fifo(cx_dec *d) {
  while (d->fifo_q.len)
    av_frame_free(&d->fifo[ring_shift(&d->fifo_q)]);
}

static void forget_window(cx_dec *d) {
  for (int i = 0; i < d->nhist; i++)
    av_packet_free(&d->hist[i]);
  av_freep(&d->hist);
  d->nhist = d->hist_cap = 0;
  d->hist_bytes = 0;
  if (d->skip == 0) {
    av_freep(&d->rpts);
    d->rpts_cap = 0;
    av_frame_free(&d->last);
  }
  d->watching = false;
}

static int get_buffer(AVCodecContext *c, AVFrame *frame, int flags) {
  int ret = avcodec_default_get_buffer2(c, frame, flags);
  if (ret == AVERROR(ENOMEM)) atomic_store(&((dec_state *)c->opaque)->no_memory, true);
  return ret;
}

/* libavcodec logs "get_buffer() failed" when a picture or a block of
 * samples could not be made: an allocation around the buffer (frame
 * properties, side data, decode data) failed, which h264 then reports as
 * invalid data and a frame-threaded audio decoder not at all. It is memory
 * when the logging thread's errno says so (an allocation on that thread
 * just failed), or for a picture of a valid size. Seen here, the decoder's
 * next error or its end is out of memory, not corrupt input. */
void cx_dec_log_note(void *avcl, const char *fmt, int sys_errno) {
  if (!avcl || !fmt || strcmp(fmt, "get_buffer() failed\n")) return;
  const AVClass *cls = *(const AVClass *const *)avcl;
  if (!cls || strcmp(cls->class_name, "AVCodecContext")) return;
  const AVCodecContext *c = avcl;
  if (c->get_buffer2 != get_buffer || !c->opaque) return;
  if (sys_errno != ENOMEM &&
      (c->codec_type != AVMEDIA_TYPE_VIDEO ||
       av_image_check_size2(c->width, c->height, c->max_pixels, AV_PIX_FMT_NONE, 0, NULL) < 0))
    return; /* an invalid size is the input's */
  atomic_store(&((dec_state *)c->opaque)->no_memory, true);
}

void *cx_codec_log_tag(const AVCodecContext *c) {
  if (!c) return NULL;
  if (c->get_buffer2 == get_buffer) return ((const dec_state *)c->opaque)->log_tag;
  return c->opaque;
}

/* An error (or the end) after a buffer could not be allocated is that. */
static int out_of_memory(cx_dec *d, int ret) {
  if (ret >= 0 || ret == AVERROR(EAGAIN) || !atomic_load(&d->state.no_memory)) return ret;
  return AVERROR(ENOMEM);
}

static int open_ctx(cx_dec *d, AVCodecContext **out, int threads, char *err) {
  const AVCodec *codec = d->named ? d->named : avcodec_find_decoder(d->par->codec_id);
  if (!codec)
    return cx_fail(err, AVERROR_DECODER_NOT_FOUND, "no decoder for codec '%s'",
                   avcodec_get_name(d->par->codec_id));
  AVCodecContext *c = avcodec_alloc_context3(codec);
  if (!c) return cx_fail(err, AVERROR(ENOMEM), "decoder %s", codec->name);
  int ret = avcodec_parameters_to_context(c, d->par);
  if (ret < 0) {
    avcodec_free_context(&c);
    return cx_fail(err, ret, "decoder %s: bad parameters", codec->name);
  }
  /* 5.1 ignores AVPacket.time_base: the decoder learns it only from here. */
  c->pkt_timebase = d->pkt_tb;
  c->opaque = &d->state;
  c->get_buffer2 = get_buffer;
#if FF_API_THREAD_SAFE_CALLBACKS
  /* get_buffer only adds an atomic store to the default: without the mark,
   * frame threads hand every allocation to one thread and wait (and 5.1
   * warns on each open). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  c->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
  c->thread_count = threads;
  c->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  AVDictionary *opts = NULL;
  if (d->opts && av_dict_copy(&opts, d->opts, 0) < 0) ret = AVERROR(ENOMEM);
  cx_oom_watch(); /* a decoder can open with a table it could not allocate */
  if (ret < 0 || (ret = cx_oom_check(avcodec_open2(c, codec, &opts))) < 0) {
    av_dict_free(&opts);
    avcodec_free_context(&c);
    return cx_fail(err, ret, "cannot open decoder %s", codec->name);
  }
  av_dict_free(&opts);
  *out = c;
  return 0;
}

int cx_dec_open(cx_dec **out, const AVCodecParameters *par, AVRational pkt_tb, int threads,
                char *err) {
  return cx_dec_open2(out, par, pkt_tb, threads, NULL, NULL, err);
}

bool cx_dec_opts_skip_most(const AVDictionary *opts) {
  const AVDictionaryEntry *e = av_dict_get(opts, "skip_frame", NULL, 0);
  if (!e) return false;
  /* The value is read as the decoder will read it (names or numbers). */
  AVCodecContext *c = avcodec_alloc_context3(NULL);
  bool most =
      c && av_opt_set(c, "skip_frame", e->value, 0) >= 0 && c->skip_frame >= AVDISCARD_NONINTRA;
  avcodec_free_context(&c);
  return most;
}

bool cx_is_decoder_option(const char *name) {
  const AVClass *cc = avcodec_get_class();
  return av_opt_find(&cc, name, NULL, AV_OPT_FLAG_DECODING_PARAM,
                     AV_OPT_SEARCH_CHILDREN | AV_OPT_SEARCH_FAKE_OBJ) != NULL;
}

static bool heavy_picture(const AVCodecParameters *par) {
  bool heavy_codec = par->codec_id == AV_CODEC_ID_H264 || par->codec_id == AV_CODEC_ID_HEVC ||
                     par->codec_id == AV_CODEC_ID_VP9;
  return heavy_codec && (int64_t)par->width * par->height >= THREADED_FROM_PIXELS;
}

int cx_dec_open2(cx_dec **out, const AVCodecParameters *par, AVRational pkt_tb, int threads,
                 const char *name, const AVDictionary *opts, char *err) {
  *out = NULL;
  if (name) {
    const AVCodec *named = avcodec_find_decoder_by_name(name);
    if (!named) return cx_fail(err, AVERROR_DECODER_NOT_FOUND, "unknown decoder '%s'", name);
    if (named->id != par->codec_id)
      return cx_fail(err, AVERROR(EINVAL), "decoder '%s' cannot decode %s", name,
                     avcodec_get_name(par->codec_id));
  }
  /* An audio decoder left at auto stays single-threaded. It is seldom
   * what the pipeline waits for, and its stage has a thread of its own:
   * frame threads would only add a hand-off (two context switches) per
   * packet to that thread, which has nothing else to do meanwhile. */
  if (threads == 0 && par->codec_type == AVMEDIA_TYPE_AUDIO) threads = 1;
  cx_dec *d = av_mallocz(sizeof *d);
  if (d && opts && av_dict_copy(&d->opts, opts, 0) < 0) av_dict_free(&d->opts);
  if (d && name) d->named = avcodec_find_decoder_by_name(name);
  if (!d || !(d->par = avcodec_parameters_alloc())) {
    av_free(d);
    return cx_fail(err, AVERROR(ENOMEM), "decoder %s", avcodec_get_name(par->codec_id));
  }
  ring_init(&d->fifo_q, FIFO_MAX);
  d->state.log_tag = cx_log_tag();
  atomic_init(&d->state.no_memory, false);
  d->pkt_tb = pkt_tb;
  d->next_audio_pts = AV_NOPTS_VALUE;
  int ret = avcodec_parameters_copy(d->par, par);
  const AVCodec *codec = d->named ? d->named : avcodec_find_decoder(par->codec_id);
  d->watching = ret >= 0 && threads == 0 && par->codec_type == AVMEDIA_TYPE_VIDEO && codec &&
                (codec->capabilities & AV_CODEC_CAP_FRAME_THREADS);
  if (d->watching && heavy_picture(par)) d->watching = false; /* threads: auto */
  if (ret < 0)
    cx_fail(err, ret, "decoder %s", avcodec_get_name(par->codec_id));
  else
    ret = open_ctx(d, &d->ctx, d->watching ? 1 : threads, err);
  if (ret < 0) {
    cx_dec_close(&d);
    return ret;
  }
  d->info.threads = d->ctx->thread_count;
  *out = d;
  return 0;
}

static bool same_picture(const AVFrame *a, const AVFrame *b) {
  if (a->format != b->format || a->width != b->width || a->height != b->height) return false;
  const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(a->format);
  int lines[4];
  if (!desc || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL) ||
      av_image_fill_linesizes(lines, a->format, a->width) < 0)
    return true; /* nothing comparable: the pts check stands alone */
  for (int p = 0; p < 4 && a->data[p]; p++) {
    int h = (p == 1 || p == 2) ? AV_CEIL_RSHIFT(a->height, desc->log2_chroma_h) : a->height;
    if (desc->flags & AV_PIX_FMT_FLAG_PAL && p == 1) h = 1;
    for (int y = 0; y < h; y++)
      if (memcmp(a->data[p] + (ptrdiff_t)y * a->linesize[p],
                 b->data[p] + (ptrdiff_t)y * b->linesize[p], (size_t)lines[p]))
        return false;
  }
  return true;
}

/* A frame of the threaded decoder that the single-threaded one already
 * returned: it must be the same one. */
static void drop_seen(cx_dec *d, AVFrame *fr) {
  int64_t i = d->returned - d->skip;
  bool ok = i >= 0 && i < d->returned && fr->best_effort_timestamp == d->rpts[i];
  if (ok && i == d->returned - 1 && d->last) ok = same_picture(fr, d->last);
  if (!ok && d->info.mismatches++ == 0)
    av_log(d->ctx, AV_LOG_WARNING,
           "frame %" PRId64 " differs after the switch to frame threading\n", i);
  av_frame_unref(fr);
  if (--d->skip == 0) {
    av_freep(&d->rpts);
    d->rpts_cap = 0;
    av_frame_free(&d->last);
  }
}

static int take_threaded(cx_dec *d, AVCodecContext *c) {
  /* Decode errors were reported when the first decoder met them. */
  for (int errors = 0; errors < 64;) {
    AVFrame *fr = av_frame_alloc();
    if (!fr) return AVERROR(ENOMEM);
    int ret = avcodec_receive_frame(c, fr);
    if (ret < 0) {
      av_frame_free(&fr);
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
      if (ret == AVERROR(ENOMEM)) return ret;
      errors++;
      continue;
    }
    if (d->skip > 0) {
      drop_seen(d, fr);
      av_frame_free(&fr);
    } else if (!ring_full(&d->fifo_q)) {
      d->fifo[ring_push(&d->fifo_q)] = fr;
    } else {
      av_frame_free(&fr);
      return AVERROR_BUG;
    }
  }
  return 0;
}

/* Replays the window into a frame-threaded decoder and makes it current. */
static void go_threaded(cx_dec *d, double share, int64_t span) {
  char err[256];
  AVCodecContext *c = NULL;
  if (open_ctx(d, &c, 0, err) < 0 || c->thread_count <= 1) {
    avcodec_free_context(&c);
    forget_window(d);
    return;
  }
  d->skip = d->returned;
  int ret = 0;
  for (int i = 0; i < d->nhist && ret >= 0; i++) {
    /* A packet the first decoder rejected is rejected again: already counted. */
    for (int tries = 0; avcodec_send_packet(c, d->hist[i]) == AVERROR(EAGAIN); tries++)
      if ((ret = tries < 1000 ? take_threaded(d, c) : AVERROR_BUG) < 0) break;
    if (ret >= 0) ret = take_threaded(d, c);
  }
  if (ret < 0) {
    /* Keep the first decoder: it has seen every packet. */
    drop_fifo(d);
    avcodec_free_context(&c);
    d->skip = 0;
    forget_window(d);
    return;
  }
  av_log(d->ctx, AV_LOG_VERBOSE,
         "decoding took %.0f%% of the first %.2f s: frame threading on (%d threads)\n",
         100.0 * share, span / 1e6, c->thread_count);
  avcodec_free_context(&d->ctx);
  d->ctx = c;
  d->info.threads = c->thread_count;
  d->info.switched = true;
  forget_window(d);
#ifdef __GLIBC__
  /* The first decoder's pictures were freed into this thread's malloc
   * arena, and the threaded decoder allocates from its workers' arenas:
   * without a trim they stay resident for the rest of the run. */
  malloc_trim(0);
#endif
}

static void judge(cx_dec *d, int64_t now) {
  int64_t span = now - d->t0;
  bool full = d->nhist >= HIST_MAX_PKTS || d->hist_bytes >= HIST_MAX_BYTES;
  if (!d->want_threads && !full && (span < WINDOW_US || d->returned < WINDOW_MIN_FRAMES)) return;
  double share = span > 0 ? (double)d->busy_us / (double)span : 0;
  if (d->want_threads || share >= BUSY_SHARE)
    go_threaded(d, share, span);
  else
    forget_window(d);
}

static int keep_packet(cx_dec *d, const AVPacket *pkt) {
  if (d->nhist == d->hist_cap) {
    int cap = d->hist_cap ? 2 * d->hist_cap : 64;
    AVPacket **h = av_realloc_array(d->hist, (size_t)cap, sizeof *h);
    if (!h) return AVERROR(ENOMEM);
    d->hist = h;
    d->hist_cap = cap;
  }
  AVPacket *copy = av_packet_clone(pkt);
  if (!copy) return AVERROR(ENOMEM);
  d->hist[d->nhist++] = copy;
  d->hist_bytes += (size_t)pkt->size;
  return 0;
}

static int send_av(AVCodecContext *c, const AVPacket *pkt) {
  cx_oom_watch();
  return cx_oom_check(avcodec_send_packet(c, pkt));
}

static int send_packet(cx_dec *d, const AVPacket *pkt) {
  if (!d->watching) return send_av(d->ctx, pkt);
  int64_t t = av_gettime_relative();
  if (!d->t0) d->t0 = t;
  if (!pkt) {
    forget_window(d); /* the stream ended inside the window */
    return send_av(d->ctx, pkt);
  }
  judge(d, t);
  if (!d->watching) return send_av(d->ctx, pkt);
  int ret = send_av(d->ctx, pkt);
  if (ret >= 0 && keep_packet(d, pkt) < 0) forget_window(d);
  d->busy_us += av_gettime_relative() - t;
  return ret;
}

int cx_dec_send(cx_dec *d, const AVPacket *pkt) {
  return out_of_memory(d, send_packet(d, pkt));
}

static int note_returned(cx_dec *d, const AVFrame *frame) {
  if (d->returned == d->rpts_cap) {
    int64_t cap = d->rpts_cap ? 2 * d->rpts_cap : 64;
    int64_t *r = av_realloc_array(d->rpts, (size_t)cap, sizeof *r);
    if (!r) return AVERROR(ENOMEM);
    d->rpts = r;
    d->rpts_cap = cap;
  }
  d->rpts[d->returned++] = frame->best_effort_timestamp;
  if (!d->last && !(d->last = av_frame_alloc())) return AVERROR(ENOMEM);
  av_frame_unref(d->last);
  return av_frame_ref(d->last, frame);
}

static int next_frame(cx_dec *d, AVFrame *frame) {
  for (;;) {
    int ret;
    if (d->fifo_q.len) {
      AVFrame **slot = &d->fifo[ring_shift(&d->fifo_q)];
      av_frame_move_ref(frame, *slot);
      av_frame_free(slot);
      return 0;
    }
    cx_oom_watch();
    ret = cx_oom_check(avcodec_receive_frame(d->ctx, frame));
    if (ret < 0) {
      av_frame_unref(frame);
      return ret;
    }
    if (d->skip == 0) return 0;
    drop_seen(d, frame);
  }
}

int cx_dec_receive(cx_dec *d, AVFrame *frame) {
  int64_t t = d->watching ? av_gettime_relative() : 0;
  int ret = next_frame(d, frame);
  if (d->watching) {
    if (ret >= 0 && note_returned(d, frame) < 0) forget_window(d);
    d->busy_us += av_gettime_relative() - t;
  }
  if (ret < 0) return out_of_memory(d, ret);
  frame->pts = frame->best_effort_timestamp;
  if (d->ctx->codec_type == AVMEDIA_TYPE_AUDIO) {
    /* Some decoders leave the layout unspecified; swresample wants an order.
     * Not when the parameters give the same count without an order: the
     * caller chose not to guess one (ffmpeg's -guess_layout_max). */
    const AVChannelLayout *given = &d->par->ch_layout;
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC &&
        !(given->order == AV_CHANNEL_ORDER_UNSPEC &&
          given->nb_channels == frame->ch_layout.nb_channels)) {
      int n = frame->ch_layout.nb_channels;
      av_channel_layout_uninit(&frame->ch_layout);
      av_channel_layout_default(&frame->ch_layout, n);
    }
    if (frame->pts == AV_NOPTS_VALUE) frame->pts = d->next_audio_pts;
    if (frame->pts != AV_NOPTS_VALUE && frame->sample_rate > 0)
      d->next_audio_pts = frame->pts + av_rescale_q(frame->nb_samples,
                                                    (AVRational){1, frame->sample_rate}, d->pkt_tb);
  }
  return 0;
}

void cx_dec_reset(cx_dec *d) {
  avcodec_flush_buffers(d->ctx);
  d->next_audio_pts = AV_NOPTS_VALUE;
}

int cx_dec_want_threads(cx_dec *d) {
  if (d->info.switched) return 0;
  if (!d->watching) return AVERROR(EINVAL);
  d->want_threads = true;
  return 0;
}

cx_dec_info cx_dec_get_info(const cx_dec *d) {
  return d->info;
}

AVCodecContext *cx_dec_ctx(cx_dec *d) {
  return d->ctx;
}

void cx_dec_close(cx_dec **pd) {
  cx_dec *d = pd ? *pd : NULL;
  if (!d) return;
  d->skip = 0;
  forget_window(d);
  drop_fifo(d);
  avcodec_free_context(&d->ctx);
  avcodec_parameters_free(&d->par);
  av_dict_free(&d->opts);
  av_free(d);
  *pd = NULL;
}
