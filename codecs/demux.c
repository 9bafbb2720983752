/* Demuxer: opens untrusted input with restricted protocols and formats, seeks, reads packets. */
#include "codecs/cx_internal.h"

#include <libavdevice/avdevice.h>
#include <libavutil/opt.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

struct cx_demux {
  AVFormatContext *fmt;
  AVIOContext *pb; /* ours: opened before probing so the format is known early */
  bool custom_io;  /* pb is over the caller's iso_io */
  int64_t start_abs_us;
  int64_t skip_us;       /* the caller's -ss */
  int64_t used_start_us; /* the earliest start of the streams in use, AV_NOPTS_VALUE none */
  int64_t eof_us;        /* start_eof_us resolved, or a CX_EOF_* */
  int seek_err;          /* the open's seek to -ss failed with it: read from the start; 0 none */
};

int64_t cx_clock_zero_us(int64_t fmt_start_us, int64_t used_start_us, bool discont,
                         int64_t skip_us) {
  int64_t start = fmt_start_us;
  if (discont && skip_us <= 0 && used_start_us != AV_NOPTS_VALUE && used_start_us > start)
    start = used_start_us;
  return start + skip_us;
}

/* Where the output's zero lies (cx_clock_zero_us), over the streams in use:
 * ffmpeg 5.1 corrects the start only after it discarded the others. */
static void compute_start(cx_demux *d, const bool *used) {
  AVFormatContext *f = d->fmt;
  int64_t first = AV_NOPTS_VALUE;
  for (unsigned i = 0; i < f->nb_streams; i++) {
    AVStream *st = f->streams[i];
    if (!used[i] || st->start_time == AV_NOPTS_VALUE) continue;
    int64_t t = av_rescale_q(st->start_time, st->time_base, AV_TIME_BASE_Q);
    if (first == AV_NOPTS_VALUE || t < first) first = t;
  }
  d->used_start_us = first;
  d->start_abs_us = cx_clock_zero_us(f->start_time != AV_NOPTS_VALUE ? f->start_time : 0, first,
                                     cx_demux_discont(d), d->skip_us);
}

/* Demuxers that open further files or network resources named inside the
 * input; a hostile playlist could otherwise read /etc/passwd into the output.
 * lavfi's graph can read any file with its movie source. */
static const char *const risky_formats[] = {"hls",   "applehttp", "concat", "dash",
                                            "imf",   "sdp",       "rtsp",   "vapoursynth",
                                            "lavfi", "avisynth",  NULL};

/* To the keyframe at or before ts (absolute, AV_TIME_BASE); the caller
 * drops what precedes the instant it wants. As ffmpeg: a format seeking by
 * dts with a stream whose pts run ahead of it (B-frames) is sought 3/23 s
 * earlier, so the keyframe found is not after the pts asked for; copied
 * streams keep what lies between. */
static int seek_key(cx_demux *d, int64_t ts) {
  if (!(d->fmt->iformat->flags & AVFMT_SEEK_TO_PTS))
    for (unsigned i = 0; i < d->fmt->nb_streams; i++)
      if (d->fmt->streams[i]->codecpar->video_delay) {
        ts -= 3 * AV_TIME_BASE / 23;
        break;
      }
  int r = avformat_seek_file(d->fmt, -1, INT64_MIN, ts, ts, 0);
  /* A demuxer that cannot seek there returns -1, which reads as EPERM. */
  return r == -1 ? AVERROR(ESPIPE) : r;
}

static void register_devices(void) {
  avdevice_register_all();
}

/* A libavfilter graph as the input ("-f lavfi -i anullsrc=r=48000"), when
 * the caller allowed the lavfi format: it opens no file of its own. */
static bool is_lavfi(const cx_demux_opts *o) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  if (!o || !o->format || strcmp(o->format, "lavfi") || o->io ||
      !cx_name_in_list(o->allow_formats, "lavfi"))
    return false;
  pthread_once(&once, register_devices);
  return true;
}

static bool is_pattern_url(const char *url) {
  return strpbrk(url, "%*?[") != NULL;
}

/* A numbered image sequence the caller allowed (img%03d.png): image2 opens
 * each file itself, so nothing is opened here; a file that really has that
 * name is read as one file. */
static bool is_sequence(const char *url, const cx_demux_opts *o) {
  if (!o || !cx_name_in_list(o->allow_formats, "image2") || o->io || !is_pattern_url(url))
    return false;
  if (o->format && strcmp(o->format, "image2")) return false;
  return access(url, F_OK) != 0;
}

/* Returns the risky name of a format, or NULL if it is harmless. */
static const char *risky_name(const AVInputFormat *f, const char *url) {
  for (int i = 0; risky_formats[i]; i++)
    if (cx_name_in_list(f->name, risky_formats[i])) return risky_formats[i];
  /* image2 with a pattern reads a numbered or globbed set of files. */
  if (cx_name_in_list(f->name, "image2") && is_pattern_url(url)) return "image2";
  return NULL;
}

static int check_format(const AVInputFormat *f, const char *url, const cx_demux_opts *o,
                        char *err) {
  const char *risky = risky_name(f, url);
  if (risky && !cx_name_in_list(o ? o->allow_formats : NULL, risky))
    return cx_fail(err, AVERROR(EPERM),
                   "%s: format '%s' opens other files; allow it with -allow_formats %s", url, risky,
                   risky);
  return 0;
}

int cx_demux_open(cx_demux **out, const char *url, const cx_demux_opts *o, char *err) {
  *out = NULL;
  const char *wl = (o && o->protocol_whitelist) ? o->protocol_whitelist : "file,pipe";
  const char *real_url = strcmp(url, "-") == 0 ? "pipe:0" : url;
  cx_demux *d = av_mallocz(sizeof *d);
  AVDictionary *io_opts = NULL, *opts = NULL;
  const AVInputFormat *ifmt = NULL;
  int ret;
  if (!d) return cx_fail(err, AVERROR(ENOMEM), "%s", url);
  d->fmt = avformat_alloc_context();
  if (!d->fmt) {
    ret = cx_fail(err, AVERROR(ENOMEM), "%s", url);
    goto fail;
  }
  if (o && o->interrupt) {
    d->fmt->interrupt_callback.callback = o->interrupt;
    d->fmt->interrupt_callback.opaque = o->interrupt_opaque;
  }

  if (o && o->io) {
    d->custom_io = true;
    if (!(d->pb = cx_io_open(o->io, false, o->interrupt, o->interrupt_opaque))) {
      ret = cx_fail(err, AVERROR(o->io->read ? ENOMEM : EINVAL), "%s: %s", url,
                    o->io->read ? "out of memory" : "the custom input has no read callback");
      goto fail;
    }
    goto opened;
  }
  bool lavfi = is_lavfi(o);
  if (lavfi || is_sequence(url, o)) {
    ifmt = av_find_input_format(lavfi ? "lavfi" : "image2");
    if (!ifmt) {
      ret =
          cx_fail(err, AVERROR_DEMUXER_NOT_FOUND, "%s: unknown input format '%s'", url, o->format);
      goto fail;
    }
    goto probed;
  }
  /* Our own message for the common refusal; FFmpeg would only say EINVAL. */
  const char *proto = avio_find_protocol_name(real_url);
  if (proto && !cx_name_in_list(wl, proto)) {
    ret =
        cx_fail(err, AVERROR(EPERM), "%s: protocol '%s' not allowed (allowed: %s)", url, proto, wl);
    goto fail;
  }
  av_dict_set(&io_opts, "protocol_whitelist", wl, 0);
  ret = avio_open2(&d->pb, real_url, AVIO_FLAG_READ, &d->fmt->interrupt_callback, &io_opts);
  av_dict_free(&io_opts);
  if (ret < 0) {
    cx_fail(err, ret, "%s", url);
    goto fail;
  }

opened:
  if (o && o->format) {
    ifmt = av_find_input_format(o->format);
    if (!ifmt) {
      ret =
          cx_fail(err, AVERROR_DEMUXER_NOT_FOUND, "%s: unknown input format '%s'", url, o->format);
      goto fail;
    }
  } else {
    /* Probe ourselves so the format is checked before its read_header runs
     * (hls and concat open their segments inside avformat_open_input). */
    ret = av_probe_input_buffer2(d->pb, &ifmt, real_url, d->fmt, 0, 0);
    if (ret < 0) {
      cx_fail(err, ret, "%s", url);
      goto fail;
    }
  }
probed:
  if ((ret = check_format(ifmt, url, o, err)) < 0) goto fail;

  if (o && o->fmt_opts) av_dict_copy(&opts, o->fmt_opts, 0);
  av_dict_set(&opts, "protocol_whitelist", wl, 0);
  av_dict_set(&opts, "enable_drefs", "0", 0); /* mov: no external data references */
  if (!(o && cx_name_in_list(o->allow_formats, "image2")))
    av_dict_set(&opts, "pattern_type", "none", 0);
  /* An input -r is the demuxer's frame rate where it has one (image
   * sequences, raw video), as in ffmpeg. */
  if (o && o->framerate && ifmt->priv_class &&
      av_opt_find((void *)&ifmt->priv_class, "framerate", NULL, 0, AV_OPT_SEARCH_FAKE_OBJ))
    av_dict_set(&opts, "framerate", o->framerate, 0);

  d->fmt->pb = d->pb;
  cx_oom_watch();
  ret = cx_oom_check(avformat_open_input(&d->fmt, real_url, ifmt, &opts));
  if (ret < 0) {
    /* avformat_open_input frees the context on failure; the pb is still ours. */
    cx_fail(err, ret, "%s", url);
    goto fail;
  }
  if (o && o->fmt_opts) {
    /* Report back which of the caller's options were not consumed. */
    AVDictionaryEntry *e = NULL;
    AVDictionary *left = NULL;
    while ((e = av_dict_get(o->fmt_opts, "", e, AV_DICT_IGNORE_SUFFIX)))
      if (av_dict_get(opts, e->key, NULL, 0)) av_dict_set(&left, e->key, e->value, 0);
    av_dict_free(&((cx_demux_opts *)o)->fmt_opts);
    ((cx_demux_opts *)o)->fmt_opts = left;
  }
  av_dict_free(&opts);

  cx_oom_watch();
  ret = cx_oom_check(avformat_find_stream_info(d->fmt, NULL));
  if (ret < 0) {
    cx_fail(err, ret, "%s: cannot find stream info", url);
    goto fail;
  }

  /* Until the caller selects streams: the default choice, best video + audio. */
  d->skip_us = o && o->start_us > 0 ? o->start_us : 0;
  d->eof_us = CX_EOF_NONE;
  if (o && o->start_eof_us < 0) {
    /* ffmpeg reads a duration it knows (0 is none); an -sseof before the
     * start or without a duration is ignored with a warning. */
    int64_t at = d->fmt->duration > 0 ? d->fmt->duration + o->start_eof_us : 0;
    d->eof_us = d->fmt->duration <= 0 ? CX_EOF_UNKNOWN : at < 0 ? CX_EOF_BEFORE : at;
    if (d->eof_us > 0) d->skip_us += d->eof_us;
  }
  bool *used = av_calloc(d->fmt->nb_streams ? d->fmt->nb_streams : 1, sizeof *used);
  if (!used) {
    ret = cx_fail(err, AVERROR(ENOMEM), "%s", url);
    goto fail;
  }
  int bv = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO),
      ba = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  if (bv >= 0) used[bv] = true;
  if (ba >= 0) used[ba] = true;
  compute_start(d, used);
  av_free(used);
  /* As ffmpeg, a seek that fails leaves the read at the start: the frames
   * before -ss are decoded and cut there, slower but the same result. */
  if (d->skip_us > 0 && (ret = seek_key(d, d->start_abs_us)) < 0) d->seek_err = ret;
  *out = d;
  return 0;

fail:
  av_dict_free(&io_opts);
  av_dict_free(&opts);
  cx_demux_close(&d);
  return ret;
}

int cx_demux_seek(cx_demux *d, int64_t at_us, char *err) {
  int ret = seek_key(d, d->start_abs_us + at_us);
  if (ret < 0) cx_fail(err, ret, "cannot seek to %.3f s", at_us / 1e6);
  return ret;
}

AVFormatContext *cx_demux_ctx(cx_demux *d) {
  return d->fmt;
}

int64_t cx_demux_start_us(cx_demux *d) {
  return d->start_abs_us;
}

int64_t cx_demux_used_start_us(cx_demux *d) {
  return d->used_start_us;
}

int64_t cx_demux_skip_us(cx_demux *d) {
  return d->skip_us;
}

bool cx_demux_discont(cx_demux *d) {
  return (d->fmt->iformat->flags & AVFMT_TS_DISCONT) != 0;
}

void cx_demux_select(cx_demux *d, const bool *used) {
  AVFormatContext *f = d->fmt;
  /* A used stream keeps the level the caller set since the open (ffmpeg's
   * -discard), libavformat's default otherwise. */
  for (unsigned i = 0; i < f->nb_streams; i++)
    if (!used[i]) f->streams[i]->discard = AVDISCARD_ALL;
  compute_start(d, used);
}

static int64_t stream_score(const AVStream *st) {
  const AVCodecParameters *p = st->codecpar;
  int64_t score = 0;
  if (avcodec_find_decoder(p->codec_id)) score += (int64_t)1 << 40;
  if (st->disposition & AV_DISPOSITION_DEFAULT) score += (int64_t)1 << 32;
  if (p->codec_type == AVMEDIA_TYPE_VIDEO) score += (int64_t)p->width * p->height;
  if (p->codec_type == AVMEDIA_TYPE_AUDIO) score += p->ch_layout.nb_channels;
  return score;
}

int cx_demux_best_stream(cx_demux *d, enum AVMediaType type) {
  int best = -1;
  int64_t best_score = -1;
  for (unsigned i = 0; i < d->fmt->nb_streams; i++) {
    const AVStream *st = d->fmt->streams[i];
    if (st->codecpar->codec_type != type) continue;
    /* Cover art is a one-frame "video" stream: never the picture track. */
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;
    /* ffmpeg never picks a stream it knows nothing of: no size (no
     * channels), no packet read by the probe, not marked default. Its
     * muxer could not write it; the other streams still can be. */
    const AVCodecParameters *p = st->codecpar;
    int64_t size =
        type == AVMEDIA_TYPE_VIDEO ? (int64_t)p->width * p->height : p->ch_layout.nb_channels;
    if (size <= 0 && !(st->event_flags & AVSTREAM_EVENT_FLAG_NEW_PACKETS) &&
        !(st->disposition & AV_DISPOSITION_DEFAULT))
      continue;
    int64_t s = stream_score(st);
    if (s > best_score) {
      best_score = s;
      best = (int)i;
    }
  }
  return best;
}

int cx_demux_read(cx_demux *d, AVPacket *pkt) {
  for (;;) {
    cx_oom_watch();
    int ret = cx_oom_check(av_read_frame(d->fmt, pkt));
    if (ret < 0) {
      av_packet_unref(pkt);
      return ret;
    }
    /* Some demuxers (mpegts sections) deliver discarded streams anyway. */
    if (d->fmt->streams[pkt->stream_index]->discard < AVDISCARD_ALL) return 0;
    av_packet_unref(pkt);
  }
}

int64_t cx_demux_eof_us(cx_demux *d) {
  return d->eof_us;
}

int cx_demux_seek_error(const cx_demux *d) {
  return d->seek_err;
}

int64_t cx_demux_duration_us(cx_demux *d) {
  return d->fmt->duration > 0 ? d->fmt->duration : AV_NOPTS_VALUE;
}

void cx_demux_close(cx_demux **pd) {
  cx_demux *d = pd ? *pd : NULL;
  if (!d) return;
  if (d->fmt) avformat_close_input(&d->fmt); /* custom pb: not closed by it */
  if (d->custom_io)
    cx_io_close(&d->pb);
  else
    avio_closep(&d->pb);
  av_free(d);
  *pd = NULL;
}
