/* A segment's packets in a file: how a cluster task hands what it encoded to the join. */
#include <inttypes.h>
#include <libavformat/avformat.h>
#include <libavutil/bprint.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/stages/encode_seg.h"

/*
 * NUT, through libavformat: it keeps each packet's pts, key flag and bytes
 * as the encoder made them and, from its version 4 (timestamped syncpoints,
 * experimental compliance), the skip/discard sample counts the encoders
 * put on the first and last packets. It keeps no durations and no
 * negative timestamps (the priming before 0), so those go in the stream's
 * metadata: the shift that makes every timestamp non-negative, and the
 * packets' durations as runs ("1152*2500,576").
 */
#define SHIFT_KEY "isopipe_shift"
#define DUR_KEY "isopipe_durations"

static int failed(int ret, const char *path, const char *what, char *err, size_t n) {
  char why[CX_ERRLEN];
  cx_errstr(ret, why, sizeof why);
  snprintf(err, n, "%s: %s: %s", path, what, why);
  return ret;
}

static int set_timing(AVStream *st, const pl_seg_req *r) {
  int64_t shift = 0;
  for (int i = 0; i < r->npkt; i++) {
    int64_t t = r->pkt[i]->dts != AV_NOPTS_VALUE ? r->pkt[i]->dts : r->pkt[i]->pts;
    if (t != AV_NOPTS_VALUE && -t > shift) shift = -t;
  }
  AVBPrint b;
  av_bprint_init(&b, 0, AV_BPRINT_SIZE_UNLIMITED);
  for (int i = 0; i < r->npkt;) {
    int j = i;
    while (j < r->npkt && r->pkt[j]->duration == r->pkt[i]->duration)
      j++;
    av_bprintf(&b, "%s%" PRId64 "*%d", i ? "," : "", r->pkt[i]->duration, j - i);
    i = j;
  }
  char *runs = NULL;
  int ret = av_bprint_finalize(&b, &runs);
  if (ret >= 0) ret = av_dict_set(&st->metadata, DUR_KEY, runs, AV_DICT_DONT_STRDUP_VAL);
  if (ret >= 0) ret = av_dict_set_int(&st->metadata, SHIFT_KEY, shift, 0);
  return ret < 0 ? ret : 0;
}

static int64_t shift_of(const AVStream *st) {
  const AVDictionaryEntry *e = av_dict_get(st->metadata, SHIFT_KEY, NULL, 0);
  return e ? strtoll(e->value, NULL, 10) : -1;
}

static int write_packet(AVFormatContext *oc, const AVPacket *p, AVRational tb, int64_t shift) {
  AVPacket *c = av_packet_clone(p);
  if (!c) return AVERROR(ENOMEM);
  if (c->pts != AV_NOPTS_VALUE) c->pts += shift;
  if (c->dts != AV_NOPTS_VALUE) c->dts += shift;
  c->stream_index = 0;
  av_packet_rescale_ts(c, tb, oc->streams[0]->time_base);
  int ret = av_write_frame(oc, c);
  av_packet_free(&c);
  return ret;
}

int pl_seg_file_write(const pl_seg_req *r, const AVCodecParameters *par, const char *path,
                      char *err, size_t n) {
  AVFormatContext *oc = NULL;
  int ret = avformat_alloc_output_context2(&oc, NULL, "nut", path);
  if (ret < 0) return failed(ret, path, "cannot create", err, n);
  AVStream *st = avformat_new_stream(oc, NULL);
  ret = st ? avcodec_parameters_copy(st->codecpar, par) : AVERROR(ENOMEM);
  if (ret >= 0) {
    /* NUT names a codec by its tag and has none for some (ALAC): this one
     * stands in where it has none; the join knows the stream's parameters. */
    st->codecpar->codec_tag = 0;
    if (!av_codec_get_tag(oc->oformat->codec_tag, par->codec_id))
      st->codecpar->codec_tag = MKTAG('I', 'S', 'P', 'S');
    st->time_base = r->pkt_tb;
    oc->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;
    ret = av_opt_set(oc->priv_data, "syncpoints", "timestamped", 0);
  }
  if (ret >= 0) ret = set_timing(st, r);
  if (ret >= 0) ret = avio_open(&oc->pb, path, AVIO_FLAG_WRITE);
  if (ret < 0) {
    avformat_free_context(oc);
    return failed(ret, path, "cannot open", err, n);
  }
  const char *what = "cannot write its header";
  ret = avformat_write_header(oc, NULL);
  for (int i = 0; ret >= 0 && i < r->npkt; i++) {
    what = "cannot write a packet";
    ret = write_packet(oc, r->pkt[i], r->pkt_tb, shift_of(st));
  }
  if (ret >= 0) {
    what = "cannot finish it";
    ret = av_write_trailer(oc);
  }
  int closed = avio_closep(&oc->pb);
  if (ret >= 0 && closed < 0) ret = closed;
  avformat_free_context(oc);
  return ret < 0 ? failed(ret, path, what, err, n) : 0;
}

int pl_seg_file_read(pl_seg_req *r, const char *path, char *err, size_t n) {
  AVFormatContext *ic = NULL;
  const AVInputFormat *nut = av_find_input_format("nut");
  int ret = avformat_open_input(&ic, path, nut, NULL);
  if (ret < 0) return failed(ret, path, "cannot open", err, n);
  const AVDictionaryEntry *runs =
      ic->nb_streams == 1 ? av_dict_get(ic->streams[0]->metadata, DUR_KEY, NULL, 0) : NULL;
  int64_t shift = ic->nb_streams == 1 ? shift_of(ic->streams[0]) : -1;
  if (!runs || shift < 0) {
    avformat_close_input(&ic);
    return failed(AVERROR_INVALIDDATA, path, "not a segment file", err, n);
  }
  AVRational tb = ic->streams[0]->time_base;
  const char *run = runs->value;
  int64_t dur = 0;
  long left = 0;
  for (;;) {
    AVPacket *p = av_packet_alloc();
    if (!p) {
      ret = AVERROR(ENOMEM);
      break;
    }
    ret = av_read_frame(ic, p);
    if (ret < 0) {
      av_packet_free(&p);
      break;
    }
    /* Back to the packet the encoder made: its timing, no position. */
    if (!left) {
      char *end;
      dur = strtoll(run, &end, 10);
      left = *end == '*' ? strtol(end + 1, &end, 10) : 0;
      run = *end == ',' ? end + 1 : end;
    }
    if (left-- <= 0) {
      av_packet_free(&p);
      ret = AVERROR_INVALIDDATA;
      break;
    }
    av_packet_rescale_ts(p, tb, r->pkt_tb);
    if (p->pts != AV_NOPTS_VALUE) p->pts -= shift;
    if (p->dts != AV_NOPTS_VALUE) p->dts -= shift;
    p->duration = dur;
    p->pos = -1;
    p->stream_index = 0;
    p->time_base = (AVRational){0, 1};
    int64_t at = av_rescale_q(p->pts, r->pkt_tb, r->tb);
    if ((ret = pl_seg_add_packet(r, p, at)) < 0) break;
  }
  avformat_close_input(&ic);
  if (ret == AVERROR_EOF) return 0;
  return failed(ret, path, "cannot read a packet", err, n);
}
