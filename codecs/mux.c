/* Muxer: output streams, header/packets/trailer, the file opened late and always closed. */
#include "codecs/cx_internal.h"

struct cx_mux {
  AVFormatContext *fmt;
  char *url;
  char *protocols; /* whitelist for opening the output; NULL: any */
  bool header_written;
  bool custom_io; /* pb over the caller's iso_io */
  iso_io io;
  int (*interrupt)(void *);
  void *interrupt_opaque;
  int64_t *last_dts; /* per stream, in its time base; AV_NOPTS_VALUE none yet */
  uint64_t ts_fixed;
  cx_mux_open_check check; /* further files the muxer opens */
  void *check_ud;
  int (*open_default)(AVFormatContext *, AVIOContext **, const char *, int, AVDictionary **);
  int refused; /* the AVERROR of the last refusal, 0 none */
  char refusal[CX_ERRLEN];
};

int cx_mux_open(cx_mux **out, const char *path, const char *format, char *err) {
  *out = NULL;
  bool is_stdout = strcmp(path, "-") == 0;
  if (is_stdout && !format)
    return cx_fail(err, AVERROR(EINVAL), "output to stdout needs a format (-f)");
  cx_mux *m = av_mallocz(sizeof *m);
  if (!m) return cx_fail(err, AVERROR(ENOMEM), "%s", path);
  m->url = av_strdup(is_stdout ? "pipe:1" : path);
  int ret =
      m->url ? avformat_alloc_output_context2(&m->fmt, NULL, format, m->url) : AVERROR(ENOMEM);
  if (ret < 0 || !m->fmt) {
    if (format)
      cx_fail(err, ret < 0 ? ret : AVERROR_MUXER_NOT_FOUND, "%s: unknown output format '%s'", path,
              format);
    else
      cx_fail(err, ret < 0 ? ret : AVERROR_MUXER_NOT_FOUND,
              "%s: cannot guess the output format from the name", path);
    av_free(m->url);
    av_free(m);
    return ret < 0 ? ret : AVERROR_MUXER_NOT_FOUND;
  }
  /* ffmpeg's -muxdelay default: mpegts and mpeg-ps start their clocks from
   * it, so timestamps in the file match ffmpeg's. */
  m->fmt->max_delay = 700000;
  *out = m;
  return 0;
}

int cx_mux_set_protocols(cx_mux *m, const char *whitelist) {
  av_freep(&m->protocols);
  if (whitelist && !(m->protocols = av_strdup(whitelist))) return AVERROR(ENOMEM);
  return 0;
}

void cx_mux_set_duration(cx_mux *m, int64_t us) {
  if (us > 0) m->fmt->duration = us;
}

AVFormatContext *cx_mux_ctx(cx_mux *m) {
  return m->fmt;
}

enum AVCodecID cx_mux_default_codec(cx_mux *m, enum AVMediaType type) {
  const AVOutputFormat *of = m->fmt->oformat;
  return av_guess_codec(of, NULL, m->url, NULL, type);
}

bool cx_mux_wants_global_header(cx_mux *m) {
  return (m->fmt->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

int cx_mux_add_stream(cx_mux *m, const AVCodecParameters *par, AVRational tb, char *err) {
  if (m->header_written)
    return cx_fail(err, AVERROR(EINVAL), "%s: stream added after the header", m->url);
  AVStream *st = avformat_new_stream(m->fmt, NULL);
  if (!st) return cx_fail(err, AVERROR(ENOMEM), "%s: new stream", m->url);
  int ret = avcodec_parameters_copy(st->codecpar, par);
  if (ret < 0) return cx_fail(err, ret, "%s: stream parameters", m->url);
  /* A tag from another container may be invalid here: let the muxer choose,
   * unless this container knows the same tag for the same codec. */
  if (par->codec_tag) {
    unsigned tag = 0;
    const AVOutputFormat *of = m->fmt->oformat;
    if (!of->codec_tag || !av_codec_get_tag2(of->codec_tag, par->codec_id, &tag) ||
        av_codec_get_id(of->codec_tag, par->codec_tag) != par->codec_id)
      st->codecpar->codec_tag = 0;
  }
  st->time_base = tb;
  /* Some muxers (matroska's display size) read the stream's SAR, not the
   * codec's; they must agree or avformat_write_header refuses. */
  if (par->codec_type == AVMEDIA_TYPE_VIDEO) st->sample_aspect_ratio = par->sample_aspect_ratio;
  return st->index;
}

int cx_mux_copy_side_data(cx_mux *m, int index, const AVStream *src) {
  if (index < 0 || (unsigned)index >= m->fmt->nb_streams) return AVERROR(EINVAL);
  AVStream *dst = m->fmt->streams[index];
  for (int i = 0; i < src->nb_side_data; i++) {
    const AVPacketSideData *sd = &src->side_data[i];
    /* Coded-bitstream properties describe the input's encoder, not ours. */
    if (sd->type == AV_PKT_DATA_CPB_PROPERTIES) continue;
    uint8_t *p = av_stream_new_side_data(dst, sd->type, sd->size);
    if (!p) return AVERROR(ENOMEM);
    memcpy(p, sd->data, sd->size);
  }
  return 0;
}

int cx_mux_set_frame_rate(cx_mux *m, int index, AVRational fps) {
  if (index < 0 || (unsigned)index >= m->fmt->nb_streams) return AVERROR(EINVAL);
  if (fps.num <= 0 || fps.den <= 0) return 0;
  AVStream *st = m->fmt->streams[index];
  st->avg_frame_rate = fps;
  st->r_frame_rate = fps;
  return 0;
}

int cx_mux_set_metadata(cx_mux *m, const char *key, const char *value) {
  return av_dict_set(&m->fmt->metadata, key, value, 0);
}

int cx_mux_set_stream_metadata(cx_mux *m, int index, const char *key, const char *value) {
  if (index < 0 || (unsigned)index >= m->fmt->nb_streams) return AVERROR(EINVAL);
  return av_dict_set(&m->fmt->streams[index]->metadata, key, value, 0);
}

int cx_mux_set_io(cx_mux *m, const iso_io *io, int (*interrupt)(void *), void *opaque) {
  if (!io || !io->write) return AVERROR(EINVAL);
  m->custom_io = true;
  m->io = *io;
  m->interrupt = interrupt;
  m->interrupt_opaque = opaque;
  return 0;
}

void cx_mux_set_open_check(cx_mux *m, cx_mux_open_check check, void *ud) {
  m->check = check;
  m->check_ud = ud;
}

/* The muxer's io_open, also inherited by the muxers it nests (hls,
 * segment and tee copy io_open and opaque into their inner contexts). */
static int open_checked(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                        AVDictionary **options) {
  cx_mux *m = s->opaque;
  if ((flags & AVIO_FLAG_WRITE) && m->check) {
    char why[CX_ERRLEN] = "";
    int r = m->check(m->check_ud, url, why, sizeof why);
    if (r < 0) {
      m->refused = r;
      snprintf(m->refusal, sizeof m->refusal, "%s", why);
      return r;
    }
  }
  return m->open_default(s, pb, url, flags, options);
}

/* A failure caused by a refused open reports the refusal: some muxers
 * (image2) turn any open error into EIO. */
static int fail_write(cx_mux *m, char *err, int ret, const char *what) {
  if (m->refused) return cx_fail(err, m->refused, "%s", m->refusal);
  return cx_fail(err, ret, "%s: %s", m->url, what);
}

int cx_mux_write_header(cx_mux *m, AVDictionary **opts, char *err) {
  int ret;
  if (m->header_written) return 0;
  if (m->custom_io && !m->fmt->pb) {
    if (m->fmt->oformat->flags & AVFMT_NOFILE)
      return cx_fail(err, AVERROR(EINVAL), "%s: format %s cannot write to a custom output", m->url,
                     m->fmt->oformat->name);
    /* movflags faststart rereads the finished file by its name to move the
     * index to the front: a custom output has no name to reopen. */
    const AVDictionaryEntry *mf = opts ? av_dict_get(*opts, "movflags", NULL, 0) : NULL;
    if (mf && strstr(mf->value, "faststart"))
      return cx_fail(err, AVERROR(EINVAL),
                     "%s: movflags faststart needs a file it can reopen, not a custom output "
                     "(leave it out, or use frag_keyframe+empty_moov for a streamable MP4)",
                     m->url);
    m->fmt->pb = cx_io_open(&m->io, true, m->interrupt, m->interrupt_opaque);
    if (!m->fmt->pb) return cx_fail(err, AVERROR(ENOMEM), "%s", m->url);
    m->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  if (!(m->fmt->oformat->flags & AVFMT_NOFILE) && !m->fmt->pb) {
    AVDictionary *o = NULL;
    if (m->protocols && (ret = av_dict_set(&o, "protocol_whitelist", m->protocols, 0)) < 0)
      return cx_fail(err, ret, "cannot open output %s", m->url);
    ret = avio_open2(&m->fmt->pb, m->url, AVIO_FLAG_WRITE, NULL, &o);
    av_dict_free(&o);
    if (ret < 0) return cx_fail(err, ret, "cannot open output %s", m->url);
  }
  if (m->check && !m->open_default) {
    m->open_default = m->fmt->io_open;
    m->fmt->opaque = m;
    m->fmt->io_open = open_checked;
  }
  cx_oom_watch();
  ret = cx_oom_check(avformat_write_header(m->fmt, opts));
  if (ret < 0 && m->custom_io && !m->io.seek)
    return cx_fail(err, ret,
                   "%s: cannot write header: the custom output has no seek callback, which %s "
                   "needs (for MP4: movflags frag_keyframe+empty_moov)",
                   m->url, m->fmt->oformat->name);
  if (ret < 0) return fail_write(m, err, ret, "cannot write header");
  m->last_dts = av_malloc_array(m->fmt->nb_streams ? m->fmt->nb_streams : 1, sizeof *m->last_dts);
  if (!m->last_dts) return cx_fail(err, AVERROR(ENOMEM), "%s", m->url);
  for (unsigned i = 0; i < m->fmt->nb_streams; i++)
    m->last_dts[i] = AV_NOPTS_VALUE;
  m->header_written = true;
  return 0;
}

/* Timestamps a muxer would refuse are moved, as ffmpeg moves them: a dts
 * after its pts becomes the middle of pts, dts and the previous dts + 1,
 * and a dts not after the previous one becomes the previous + 1 (or equal
 * where the format allows it). Refusing the packet would end the run with
 * the rest of the input unwritten. */
static void fix_ts(cx_mux *m, int index, AVPacket *pkt) {
  if (m->fmt->oformat->flags & AVFMT_NOTIMESTAMPS) return;
  int64_t *last = &m->last_dts[index];
  if (pkt->dts != AV_NOPTS_VALUE && pkt->pts != AV_NOPTS_VALUE && pkt->dts > pkt->pts) {
    int64_t a = pkt->pts, b = pkt->dts;
    int64_t c = *last == AV_NOPTS_VALUE ? pkt->pts : *last < INT64_MAX ? *last + 1 : *last;
    /* The median by comparisons: a damaged timestamp near the int64 limits
     * would overflow a sum. */
    int64_t mid = FFMAX(FFMIN(a, b), FFMIN(FFMAX(a, b), c));
    pkt->pts = pkt->dts = mid;
    m->ts_fixed++;
  }
  if (pkt->dts != AV_NOPTS_VALUE && *last != AV_NOPTS_VALUE) {
    int64_t min = *last + (*last < INT64_MAX && !(m->fmt->oformat->flags & AVFMT_TS_NONSTRICT));
    if (pkt->dts < min) {
      if (pkt->pts != AV_NOPTS_VALUE && pkt->pts >= pkt->dts) pkt->pts = FFMAX(pkt->pts, min);
      pkt->dts = min;
      m->ts_fixed++;
    }
  }
  if (pkt->dts != AV_NOPTS_VALUE) *last = pkt->dts;
}

uint64_t cx_mux_ts_fixed(const cx_mux *m) {
  return m->ts_fixed;
}

int cx_mux_write(cx_mux *m, int index, AVPacket *pkt, AVRational src_tb, char *err) {
  if (!m->header_written) {
    av_packet_unref(pkt);
    return cx_fail(err, AVERROR(EINVAL), "%s: packet before the header", m->url);
  }
  if (index < 0 || (unsigned)index >= m->fmt->nb_streams) {
    av_packet_unref(pkt);
    return cx_fail(err, AVERROR(EINVAL), "%s: no output stream %d", m->url, index);
  }
  /* The header may have changed the stream's time base: rescale only now. */
  av_packet_rescale_ts(pkt, src_tb, m->fmt->streams[index]->time_base);
  pkt->stream_index = index;
  pkt->pos = -1;
  fix_ts(m, index, pkt);
  cx_oom_watch();
  int ret = cx_oom_check(av_interleaved_write_frame(m->fmt, pkt));
  av_packet_unref(pkt);
  /* Also a refusal the muxer skipped over (hls goes on without the piece). */
  if (ret < 0 || m->refused) return fail_write(m, err, ret, "write failed");
  return 0;
}

int64_t cx_mux_bytes(cx_mux *m) {
  AVIOContext *pb = m->fmt->pb;
  if (!pb) return 0;
  int64_t pos = avio_tell(pb);
  return pos > pb->bytes_written ? pos : pb->bytes_written;
}

int cx_mux_close(cx_mux **pm, char *err) {
  cx_mux *m = pm ? *pm : NULL;
  int ret = 0;
  if (!m) return 0;
  if (m->header_written) {
    cx_oom_watch();
    ret = cx_oom_check(av_write_trailer(m->fmt));
    /* The DV muxer refuses its last video frame when the audio runs out
     * before that frame's share (it has said so): the frames before it
     * are whole, and ffmpeg goes on too. */
    if (ret == AVERROR(EINVAL) && !m->refused && !strcmp(m->fmt->oformat->name, "dv") &&
        !(m->fmt->pb && m->fmt->pb->error < 0)) {
      av_log(m->fmt, AV_LOG_WARNING, "the last video frame was left out: its audio was short\n");
      ret = 0;
    }
    if (ret < 0 || m->refused) ret = fail_write(m, err, ret, "cannot write trailer");
  }
  if (m->fmt->pb && m->custom_io) {
    avio_flush(m->fmt->pb);
    if (m->fmt->pb->error < 0 && ret >= 0)
      ret = cx_fail(err, m->fmt->pb->error, "%s: write error", m->url);
    cx_io_close(&m->fmt->pb);
  } else if (m->fmt->pb && !(m->fmt->oformat->flags & AVFMT_NOFILE)) {
    if (m->fmt->pb->error < 0 && ret >= 0)
      ret = cx_fail(err, m->fmt->pb->error, "%s: write error", m->url);
    int cret = avio_closep(&m->fmt->pb);
    if (cret < 0 && ret >= 0) ret = cx_fail(err, cret, "%s: close failed", m->url);
  }
  avformat_free_context(m->fmt);
  av_free(m->url);
  av_free(m->protocols);
  av_free(m->last_dts);
  av_free(m);
  *pm = NULL;
  return ret;
}
