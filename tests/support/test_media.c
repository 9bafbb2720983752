/* Test helpers for media: corpus lookup and an independent libavformat/libavcodec probe. */
#include "test_media.h"

#include <libavutil/display.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool tm_file_exists(const char *path) {
  struct stat st;
  return path && stat(path, &st) == 0;
}

int64_t tm_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static uint8_t noise_byte(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (uint8_t)((*s * 0x2545F4914F6CDD1Dull) >> 56);
}

int tm_damage_packets(const char *src, const char *dst, int n_keep, int every, int flip,
                      uint64_t seed) {
  AVFormatContext *in = NULL, *out = NULL;
  AVPacket *pkt = av_packet_alloc();
  int r = pkt ? avformat_open_input(&in, src, NULL, NULL) : AVERROR(ENOMEM);
  if (r >= 0) r = avformat_find_stream_info(in, NULL);
  if (r >= 0) r = avformat_alloc_output_context2(&out, NULL, NULL, dst);
  for (unsigned i = 0; r >= 0 && i < in->nb_streams; i++) {
    AVStream *os = avformat_new_stream(out, NULL);
    r = os ? avcodec_parameters_copy(os->codecpar, in->streams[i]->codecpar) : AVERROR(ENOMEM);
    if (os) os->time_base = in->streams[i]->time_base;
  }
  if (r >= 0) r = avio_open(&out->pb, dst, AVIO_FLAG_WRITE);
  if (r >= 0) r = avformat_write_header(out, NULL);
  int n = 0;
  if (!seed) seed = 1;
  while (r >= 0 && av_read_frame(in, pkt) >= 0) {
    int k = n++;
    if (k >= n_keep && (k - n_keep) % (every > 0 ? every : 1) == 0 &&
        av_packet_make_writable(pkt) >= 0) {
      int from = flip > 0 && flip < pkt->size ? (pkt->size - flip) / 2 : 0;
      int to = flip > 0 && flip < pkt->size ? from + flip : pkt->size;
      for (int i = from; i < to; i++)
        pkt->data[i] = noise_byte(&seed);
    }
    av_packet_rescale_ts(pkt, in->streams[pkt->stream_index]->time_base,
                         out->streams[pkt->stream_index]->time_base);
    r = av_interleaved_write_frame(out, pkt);
  }
  if (r >= 0) r = av_write_trailer(out);
  if (out) avio_closep(&out->pb);
  avformat_free_context(out);
  avformat_close_input(&in);
  av_packet_free(&pkt);
  return r < 0 ? r : n;
}

bool tm_same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  bool same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) same = false;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

const char *tm_corpus_dir(void) {
  static char dir[1024];
  const char *env = getenv("ISO_MEDIA_CORPUS");
  if (env && *env)
    snprintf(dir, sizeof dir, "%s", env);
  else
    snprintf(dir, sizeof dir, "%s/../shared/media-corpus", ISO_SOURCE_DIR);
  struct stat st;
  return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

const char *tm_corpus_file(const char *rel, char *buf, size_t len) {
  const char *dir = tm_corpus_dir();
  if (!dir) return NULL;
  snprintf(buf, len, "%s/%s", dir, rel);
  return tm_file_exists(buf) ? buf : NULL;
}

const char *tm_source_file(const char *rel, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", ISO_SOURCE_DIR, rel);
  return buf;
}

const tm_stream *tm_probe_stream(const tm_probe *p, enum AVMediaType type) {
  for (int i = 0; i < p->nb_streams; i++)
    if (p->st[i].type == type) return &p->st[i];
  return NULL;
}

typedef struct dec_state {
  AVCodecContext *ctx;
  int64_t first_pts, end_pts; /* in the stream's time base */
} dec_state;

static void count_frames(dec_state *ds, tm_stream *ts, AVRational tb, AVFrame *fr) {
  while (avcodec_receive_frame(ds->ctx, fr) >= 0) {
    ts->frames++;
    int64_t pts = fr->best_effort_timestamp;
    int64_t dur = fr->pkt_duration;
    if (ts->type == AVMEDIA_TYPE_AUDIO) {
      ts->samples += fr->nb_samples;
      if (fr->sample_rate > 0)
        dur = av_rescale_q(fr->nb_samples, (AVRational){1, fr->sample_rate}, tb);
    }
    if (pts != AV_NOPTS_VALUE) {
      if (ds->first_pts == AV_NOPTS_VALUE || pts < ds->first_pts) ds->first_pts = pts;
      if (ds->end_pts == AV_NOPTS_VALUE || pts + dur > ds->end_pts) ds->end_pts = pts + dur;
    }
    av_frame_unref(fr);
  }
}

int tm_probe_file(const char *path, bool decode, tm_probe *out) {
  memset(out, 0, sizeof *out);
  AVFormatContext *fmt = NULL;
  int ret = avformat_open_input(&fmt, path, NULL, NULL);
  if (ret < 0) return ret;
  if ((ret = avformat_find_stream_info(fmt, NULL)) < 0) {
    avformat_close_input(&fmt);
    return ret;
  }
  snprintf(out->format, sizeof out->format, "%s", fmt->iformat->name);
  out->size = tm_file_size(path);
  out->duration = fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : -1;
  out->nb_streams = (int)FFMIN(fmt->nb_streams, TM_MAX_STREAMS);
  dec_state ds[TM_MAX_STREAMS];
  memset(ds, 0, sizeof ds);
  for (int i = 0; i < out->nb_streams; i++) {
    AVStream *st = fmt->streams[i];
    tm_stream *ts = &out->st[i];
    ts->type = st->codecpar->codec_type;
    snprintf(ts->codec, sizeof ts->codec, "%s", avcodec_get_name(st->codecpar->codec_id));
    ts->duration =
        st->duration != AV_NOPTS_VALUE ? st->duration * av_q2d(st->time_base) : out->duration;
    ts->start = -1;
    ts->width = st->codecpar->width;
    ts->height = st->codecpar->height;
    ts->sar = av_guess_sample_aspect_ratio(fmt, st, NULL);
    ts->avg_frame_rate = st->avg_frame_rate;
    ts->pix_fmt = st->codecpar->format;
    ts->sample_fmt = st->codecpar->format;
    ts->sample_rate = st->codecpar->sample_rate;
    ts->channels = st->codecpar->ch_layout.nb_channels;
    const uint8_t *dm = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (dm) {
      ts->has_rotation = true;
      ts->rotation = av_display_rotation_get((const int32_t *)dm);
    }
    ds[i].first_pts = ds[i].end_pts = AV_NOPTS_VALUE;
    if (!decode || (ts->type != AVMEDIA_TYPE_VIDEO && ts->type != AVMEDIA_TYPE_AUDIO)) continue;
    const AVCodec *c = avcodec_find_decoder(st->codecpar->codec_id);
    if (!c) continue;
    ds[i].ctx = avcodec_alloc_context3(c);
    if (!ds[i].ctx || avcodec_parameters_to_context(ds[i].ctx, st->codecpar) < 0) continue;
    ds[i].ctx->pkt_timebase = st->time_base;
    if (avcodec_open2(ds[i].ctx, c, NULL) < 0) avcodec_free_context(&ds[i].ctx);
  }
  AVPacket *pkt = av_packet_alloc();
  AVFrame *fr = av_frame_alloc();
  while (pkt && fr && av_read_frame(fmt, pkt) >= 0) {
    int i = pkt->stream_index;
    if (i < out->nb_streams) {
      tm_stream *ts = &out->st[i];
      ts->packets++;
      if (pkt->pts != AV_NOPTS_VALUE) {
        double s = pkt->pts * av_q2d(fmt->streams[i]->time_base);
        if (ts->start < 0 || s < ts->start) ts->start = s;
      }
      if (ds[i].ctx) {
        if (avcodec_send_packet(ds[i].ctx, pkt) < 0) out->decode_errors++;
        count_frames(&ds[i], ts, fmt->streams[i]->time_base, fr);
      }
    }
    av_packet_unref(pkt);
  }
  for (int i = 0; i < out->nb_streams; i++) {
    if (!ds[i].ctx) continue;
    avcodec_send_packet(ds[i].ctx, NULL);
    count_frames(&ds[i], &out->st[i], fmt->streams[i]->time_base, fr);
    if (ds[i].first_pts != AV_NOPTS_VALUE)
      out->st[i].decoded_duration =
          (ds[i].end_pts - ds[i].first_pts) * av_q2d(fmt->streams[i]->time_base);
    avcodec_free_context(&ds[i].ctx);
  }
  av_packet_free(&pkt);
  av_frame_free(&fr);
  avformat_close_input(&fmt);
  return 0;
}

/* LeakSanitizer reads this from any test linking the helpers: libx265 keeps
 * one global allocation (x265_malloc) for the life of the process, which is
 * not ours to free. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:libx265.so\n";
}
