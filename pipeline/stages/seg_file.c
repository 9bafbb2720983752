/* A segment's packets in a file: how a cluster task hands what it encoded to the join. */
#include <errno.h>
#include <inttypes.h>
#include <libavformat/avformat.h>
#include <libavutil/bprint.h>
#include <libavutil/crc.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/stages/encode_seg.h"

/*
 * NUT, through libavformat: it keeps each packet's pts, key flag and bytes
 * as the encoder made them and, from its version 4 (timestamped syncpoints,
 * experimental compliance), the skip/discard sample counts the encoders
 * put on the first and last packets. It keeps no durations and no
 * negative timestamps (the priming before 0), so those go in the stream's
 * metadata: the shift that makes every timestamp non-negative, and the
 * packets' durations as runs ("1152*2500,576"). NUT checks its headers but
 * not the packets' bytes, and a file cut short still reads as a shorter
 * stream: the metadata also holds a CRC of every packet's size and bytes,
 * and the runs give the packet count, so the join tells a damaged segment
 * from a whole one instead of joining less.
 */
#define SHIFT_KEY "isopipe_shift"
#define DUR_KEY "isopipe_durations"
#define CRC_KEY "isopipe_crc"
#define RUN_KEY "isopipe_run"
#define DTS_KEY "isopipe_dts"     /* decode timestamps where they are not the pts */
#define SEG_KEY "isopipe_segment" /* its segment of the plan */
#define END_KEY "isopipe_end"     /* a video segment that ends the stream */
#define NEXT_KEY "isopipe_next"   /* a video segment: the next one's first pts */

static uint32_t crc_packet(uint32_t crc, const AVPacket *p) {
  const AVCRC *t = av_crc_get_table(AV_CRC_32_IEEE);
  uint8_t size[4] = {(uint8_t)(p->size >> 24), (uint8_t)(p->size >> 16), (uint8_t)(p->size >> 8),
                     (uint8_t)p->size};
  crc = av_crc(t, crc, size, sizeof size);
  return p->size > 0 ? av_crc(t, crc, p->data, (size_t)p->size) : crc;
}

static int failed(int ret, const char *path, const char *what, char *err, size_t n) {
  char why[CX_ERRLEN];
  cx_errstr(ret, why, sizeof why);
  snprintf(err, n, "%s: %s: %s", path, what, why);
  return ret;
}

/* B-frames: NUT keeps the pts only, so the packets' dts (in pkt_tb) go in
 * the metadata as the first and runs of steps ("-1024;512*49"). */
static int set_dts(AVStream *st, const pl_seg_req *r) {
  bool differ = false;
  for (int i = 0; i < r->npkt && !differ; i++)
    differ = r->pkt[i]->dts != r->pkt[i]->pts;
  if (!differ) return 0;
  AVBPrint b;
  av_bprint_init(&b, 0, AV_BPRINT_SIZE_UNLIMITED);
  av_bprintf(&b, "%" PRId64 ";", r->pkt[0]->dts);
  for (int i = 1; i < r->npkt;) {
    int64_t d = r->pkt[i]->dts - r->pkt[i - 1]->dts;
    int j = i;
    while (j < r->npkt && r->pkt[j]->dts - r->pkt[j - 1]->dts == d)
      j++;
    av_bprintf(&b, "%s%" PRId64 "*%d", i > 1 ? "," : "", d, j - i);
    i = j;
  }
  char *v = NULL;
  int ret = av_bprint_finalize(&b, &v);
  return ret < 0 ? ret : av_dict_set(&st->metadata, DTS_KEY, v, AV_DICT_DONT_STRDUP_VAL);
}

/* The dts of the packets read back (n of them), from DTS_KEY; -1 when it is
 * not well formed or gives another count. */
static int get_dts(const char *v, int64_t *dts, int64_t n) {
  char *end;
  if (n <= 0) return -1;
  dts[0] = strtoll(v, &end, 10);
  if (end == v || *end != ';') return -1;
  v = end + 1;
  int64_t i = 1;
  while (*v) {
    long long d = strtoll(v, &end, 10);
    if (end == v || *end != '*') return -1;
    v = end + 1;
    long long k = strtoll(v, &end, 10);
    if (end == v || k <= 0 || k > n - i) return -1;
    for (; k > 0; k--, i++)
      dts[i] = dts[i - 1] + d;
    if (*end && (*end != ',' || !end[1])) return -1;
    v = *end ? end + 1 : end;
  }
  return i == n ? 0 : -1;
}

static int set_timing(AVStream *st, const pl_seg_req *r) {
  int64_t shift = 0;
  for (int i = 0; i < r->npkt; i++) {
    int64_t t = r->pkt[i]->dts != AV_NOPTS_VALUE ? r->pkt[i]->dts : r->pkt[i]->pts;
    if (t != AV_NOPTS_VALUE && -t > shift) shift = -t;
  }
  uint32_t crc = 0;
  for (int i = 0; i < r->npkt; i++)
    crc = crc_packet(crc, r->pkt[i]);
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
  if (ret >= 0) ret = set_dts(st, r);
  if (ret >= 0) ret = av_dict_set_int(&st->metadata, SHIFT_KEY, shift, 0);
  if (ret >= 0) ret = av_dict_set_int(&st->metadata, CRC_KEY, crc, 0);
  if (ret >= 0 && r->run_id > 0) ret = av_dict_set_int(&st->metadata, RUN_KEY, r->run_id, 0);
  if (ret >= 0) ret = av_dict_set_int(&st->metadata, SEG_KEY, r->video ? r->w.from : r->index, 0);
  if (ret >= 0 && r->ends) ret = av_dict_set_int(&st->metadata, END_KEY, 1, 0);
  if (ret >= 0 && r->video && r->next_pts != AV_NOPTS_VALUE)
    ret = av_dict_set_int(&st->metadata, NEXT_KEY, r->next_pts, 0);
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

static int write_file(const pl_seg_req *r, const AVCodecParameters *par, const char *path,
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

int pl_seg_file_write(const pl_seg_req *r, const AVCodecParameters *par, const char *path,
                      char *err, size_t n) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.part", path);
  int ret = write_file(r, par, tmp, err, n);
  if (ret >= 0 && rename(tmp, path) < 0) {
    ret = AVERROR(errno);
    snprintf(err, n, "%s: %s", path, strerror(errno));
  }
  if (ret < 0) unlink(tmp);
  return ret;
}

/* The runs "D*N,D*N,...": every duration positive, the packet count
 * bounded; -1 when they are not well formed. */
#define SEG_MAX_PACKETS (1 << 24)
#define SEG_MAX_SHIFT (1 << 24)

static int64_t runs_count(const char *run) {
  int64_t total = 0;
  while (*run) {
    char *end;
    long long d = strtoll(run, &end, 10);
    if (end == run || *end != '*' || d <= 0 || d > INT32_MAX) return -1;
    run = end + 1;
    long long k = strtoll(run, &end, 10);
    if (end == run || k <= 0 || k > SEG_MAX_PACKETS || (total += k) > SEG_MAX_PACKETS) return -1;
    if (*end && (*end != ',' || !end[1])) return -1;
    run = *end ? end + 1 : end;
  }
  return total;
}

static int64_t meta_int(const AVStream *st, const char *key, int64_t min, int64_t max) {
  const AVDictionaryEntry *e = av_dict_get(st->metadata, key, NULL, 0);
  char *end;
  long long v = e ? strtoll(e->value, &end, 10) : -1;
  return e && end != e->value && !*end && v >= min && v <= max ? v : -1;
}

int pl_seg_file_read(pl_seg_req *r, const char *path, char *err, size_t n) {
  AVFormatContext *ic = NULL;
  const AVInputFormat *nut = av_find_input_format("nut");
  int ret = avformat_open_input(&ic, path, nut, NULL);
  if (ret < 0) return failed(ret, path, "cannot open", err, n);
  const AVStream *st0 = ic->nb_streams == 1 ? ic->streams[0] : NULL;
  const AVDictionaryEntry *runs = st0 ? av_dict_get(st0->metadata, DUR_KEY, NULL, 0) : NULL;
  int64_t shift = st0 ? meta_int(st0, SHIFT_KEY, 0, SEG_MAX_SHIFT) : -1;
  int64_t want_crc = st0 ? meta_int(st0, CRC_KEY, 0, UINT32_MAX) : -1;
  int64_t count = runs ? runs_count(runs->value) : -1;
  if (count < 0 || shift < 0 || want_crc < 0 || st0->time_base.num <= 0 ||
      st0->time_base.den <= 0) {
    avformat_close_input(&ic);
    return failed(AVERROR_INVALIDDATA, path, "not a segment file", err, n);
  }
  if (r->run_id > 0 && meta_int(st0, RUN_KEY, 1, UINT32_MAX) != r->run_id) {
    avformat_close_input(&ic);
    snprintf(err, n, "%s: from another run: its input was another file, or has changed since",
             path);
    return AVERROR_INVALIDDATA;
  }
  int64_t seg = meta_int(st0, SEG_KEY, 0, INT32_MAX), want = r->video ? r->w.from : r->index;
  if (seg >= 0 && seg != want) {
    avformat_close_input(&ic);
    snprintf(err, n, "%s: holds segment %" PRId64 ", not %" PRId64, path, seg, want);
    return AVERROR_INVALIDDATA;
  }
  r->ends = meta_int(st0, END_KEY, 1, 1) == 1;
  const AVDictionaryEntry *ne = av_dict_get(st0->metadata, NEXT_KEY, NULL, 0);
  r->next_pts = ne ? strtoll(ne->value, NULL, 10) : AV_NOPTS_VALUE;
  AVRational tb = st0->time_base;
  /* The demuxer may replace the stream's metadata while it reads (NUT info
   * packets): the runs are read from a copy. */
  char *runs_copy = av_strdup(runs->value);
  const AVDictionaryEntry *de = av_dict_get(st0->metadata, DTS_KEY, NULL, 0);
  char *dts_runs = de ? av_strdup(de->value) : NULL;
  if (!runs_copy || (de && !dts_runs)) {
    av_free(runs_copy);
    av_free(dts_runs);
    avformat_close_input(&ic);
    return failed(AVERROR(ENOMEM), path, "cannot read", err, n);
  }
  const char *run = runs_copy;
  int64_t dur = 0, got = 0;
  long left = 0;
  uint32_t crc = 0;
  const char *what = "cannot read a packet";
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
    if (left-- <= 0 || p->pts == AV_NOPTS_VALUE) {
      av_packet_free(&p);
      what = left < 0 ? "more packets than its header lists" : "a packet without a timestamp";
      ret = AVERROR_INVALIDDATA;
      break;
    }
    got++;
    crc = crc_packet(crc, p);
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
  av_free(runs_copy);
  if (ret != AVERROR_EOF) {
    av_free(dts_runs);
    return failed(ret, path, what, err, n);
  }
  ret = 0;
  if (got < count) {
    snprintf(err, n, "%s: cut short: %" PRId64 " of its %" PRId64 " packets", path, got, count);
    ret = AVERROR_INVALIDDATA;
  } else if (crc != (uint32_t)want_crc) {
    snprintf(err, n, "%s: damaged: its packets' CRC is not the one its task wrote", path);
    ret = AVERROR_INVALIDDATA;
  } else if (dts_runs) {
    /* The packets read are the last `got` of r's. */
    int64_t *dts = av_malloc_array((size_t)got + 1, sizeof *dts);
    if (!dts) {
      ret = failed(AVERROR(ENOMEM), path, "cannot read", err, n);
    } else if (get_dts(dts_runs, dts, got) < 0) {
      snprintf(err, n, "%s: damaged: its decode timestamps do not fit its packets", path);
      ret = AVERROR_INVALIDDATA;
    } else {
      for (int64_t i = 0; i < got; i++)
        r->pkt[r->npkt - got + i]->dts = dts[i];
    }
    av_free(dts);
  }
  av_free(dts_runs);
  return ret;
}
