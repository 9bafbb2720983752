/* iso_probe: what a media file holds, read with the demuxer a pipeline uses, as a value the caller
 * owns. */
#include <libavutil/bprint.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codecs/codecs.h"
#include "isopipe/probe.h"
#include "pipeline/pl_main.h"

/* Every allocation of one result, freed together. */
typedef struct probe_impl {
  iso_probe_info pub;
  void **ptr;
  int n, cap;
  bool oom;
} probe_impl;

static void *pool_keep(probe_impl *pi, void *p) {
  if (!p) {
    pi->oom = true;
    return NULL;
  }
  if (pi->n == pi->cap) {
    int cap = pi->cap ? pi->cap * 2 : 32;
    void **np = realloc(pi->ptr, (size_t)cap * sizeof *np);
    if (!np) {
      free(p);
      pi->oom = true;
      return NULL;
    }
    pi->ptr = np;
    pi->cap = cap;
  }
  pi->ptr[pi->n++] = p;
  return p;
}

static const char *pool_str(probe_impl *pi, const char *s) {
  return s ? pool_keep(pi, strdup(s)) : NULL;
}

static void *pool_calloc(probe_impl *pi, size_t n, size_t size) {
  return pool_keep(pi, calloc(n ? n : 1, size));
}

static const iso_tag *tags(probe_impl *pi, const AVDictionary *d, int *count) {
  *count = 0;
  int n = av_dict_count(d);
  if (n <= 0) return NULL;
  iso_tag *t = pool_calloc(pi, (size_t)n, sizeof *t);
  if (!t) return NULL;
  const AVDictionaryEntry *e = NULL;
  int i = 0;
  while (i < n && (e = av_dict_get(d, "", e, AV_DICT_IGNORE_SUFFIX))) {
    t[i].key = pool_str(pi, e->key);
    t[i].value = pool_str(pi, e->value);
    i++;
  }
  *count = i;
  return t;
}

static const char *tag(probe_impl *pi, const AVDictionary *d, const char *key) {
  const AVDictionaryEntry *e = av_dict_get(d, key, NULL, 0);
  return e ? pool_str(pi, e->value) : NULL;
}

static double ts_s(int64_t ts, AVRational tb) {
  return ts == AV_NOPTS_VALUE ? -1 : ts * av_q2d(tb);
}

static iso_media_type media_type(enum AVMediaType t) {
  switch (t) {
  case AVMEDIA_TYPE_VIDEO:
    return ISO_MEDIA_VIDEO;
  case AVMEDIA_TYPE_AUDIO:
    return ISO_MEDIA_AUDIO;
  case AVMEDIA_TYPE_SUBTITLE:
    return ISO_MEDIA_SUBTITLE;
  case AVMEDIA_TYPE_DATA:
    return ISO_MEDIA_DATA;
  case AVMEDIA_TYPE_ATTACHMENT:
    return ISO_MEDIA_ATTACHMENT;
  default:
    return ISO_MEDIA_UNKNOWN;
  }
}

static void fill_stream(probe_impl *pi, iso_probe_stream *s, const AVStream *st) {
  const AVCodecParameters *par = st->codecpar;
  s->index = st->index;
  s->type = media_type(par->codec_type);
  const char *tn = av_get_media_type_string(par->codec_type);
  s->type_name = tn ? tn : "unknown";
  const AVCodecDescriptor *cd = avcodec_descriptor_get(par->codec_id);
  s->codec = cd ? cd->name : "none";
  s->profile = avcodec_profile_name(par->codec_id, par->profile);
  s->bit_rate = par->bit_rate;
  s->start_s = ts_s(st->start_time, st->time_base);
  s->duration_s = ts_s(st->duration, st->time_base);
  s->frames = st->nb_frames;
  s->is_default = (st->disposition & AV_DISPOSITION_DEFAULT) != 0;
  s->attached_pic = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
  s->language = tag(pi, st->metadata, "language");
  s->metadata = tags(pi, st->metadata, &s->nmetadata);
  s->width = par->width; /* also bitmap subtitles' canvas */
  s->height = par->height;
  if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
    AVRational sar =
        st->sample_aspect_ratio.num ? st->sample_aspect_ratio : par->sample_aspect_ratio;
    s->sar_num = sar.num;
    s->sar_den = sar.num ? sar.den : 1;
    s->frame_rate_num = st->avg_frame_rate.num;
    s->frame_rate_den = st->avg_frame_rate.den;
    s->pix_fmt = av_get_pix_fmt_name(par->format);
    const int32_t *m =
        (const int32_t *)av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m) {
      double r = av_display_rotation_get(m);
      s->rotation = r == r ? r : 0; /* NaN for a degenerate matrix */
    }
  } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
    s->sample_rate = par->sample_rate;
    s->channels = par->ch_layout.nb_channels;
    char buf[128];
    if (par->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC &&
        av_channel_layout_describe(&par->ch_layout, buf, sizeof buf) > 0)
      s->channel_layout = pool_str(pi, buf);
    s->sample_fmt = av_get_sample_fmt_name(par->format);
  }
}

static void fill(probe_impl *pi, const char *url, AVFormatContext *fc, int best_v, int best_a) {
  iso_probe_info *o = &pi->pub;
  o->url = pool_str(pi, url);
  o->format = fc->iformat->name;
  o->format_long = fc->iformat->long_name;
  o->start_s = fc->start_time == AV_NOPTS_VALUE ? -1 : fc->start_time / (double)AV_TIME_BASE;
  o->duration_s = fc->duration == AV_NOPTS_VALUE ? -1 : fc->duration / (double)AV_TIME_BASE;
  o->bit_rate = fc->bit_rate;
  o->size = fc->pb ? avio_size(fc->pb) : -1;
  if (o->size < 0) o->size = -1;
  o->metadata = tags(pi, fc->metadata, &o->nmetadata);
  iso_probe_stream *st = pool_calloc(pi, fc->nb_streams, sizeof *st);
  if (st) {
    for (unsigned i = 0; i < fc->nb_streams; i++)
      fill_stream(pi, &st[i], fc->streams[i]);
    o->streams = st;
    o->nstreams = (int)fc->nb_streams;
  }
  iso_probe_chapter *ch = pool_calloc(pi, fc->nb_chapters, sizeof *ch);
  if (ch) {
    for (unsigned i = 0; i < fc->nb_chapters; i++) {
      const AVChapter *c = fc->chapters[i];
      ch[i].id = c->id;
      ch[i].start_s = ts_s(c->start, c->time_base);
      ch[i].end_s = ts_s(c->end, c->time_base);
      ch[i].title = tag(pi, c->metadata, "title");
      ch[i].metadata = tags(pi, c->metadata, &ch[i].nmetadata);
    }
    o->chapters = ch;
    o->nchapters = (int)fc->nb_chapters;
  }
  o->best_video = best_v;
  o->best_audio = best_a;
}

/* The error of the last failed iso_probe on this thread. */
static _Thread_local char g_msg[2 * PL_ERRLEN + 16], g_file[PL_ERRLEN];

static int probe_fail(iso_error_info *err, int code, int averr, int cat, const char *url,
                      const char *why) {
  if (!err) return code;
  snprintf(g_file, sizeof g_file, "%s", url ? url : "");
  snprintf(g_msg, sizeof g_msg, "probe (%s): %s", g_file, why);
  memset(err, 0, sizeof *err);
  err->code = code;
  err->av_error = averr;
  err->category = cat ? (iso_error_category)cat : pl_error_classify(code, averr, PL_N_DEMUX);
  err->stage = "probe";
  err->file = g_file;
  err->message = g_msg;
  return code;
}

/* Opens url as a pipeline's demux would: ISO_OK with *d, or the failure in err. */
static int open_url(const char *url, const iso_probe_opts *opts, cx_demux **d,
                    iso_error_info *err) {
  cx_demux_opts o = {0};
  if (opts) {
    o.format = opts->format;
    o.protocol_whitelist = opts->protocol_whitelist;
    o.allow_formats = opts->allow_formats;
  }
  char why[CX_ERRLEN] = "";
  int r = cx_demux_open(d, url, &o, why);
  av_dict_free(&o.fmt_opts);
  if (r < 0) {
    /* cx_demux_open's reason starts with the url, which the message names already. */
    size_t n = strlen(url);
    const char *reason = strncmp(why, url, n) == 0 && why[n] == ':' ? why + n + 1 : why;
    while (*reason == ' ')
      reason++;
    return probe_fail(err, r == AVERROR(ENOMEM) ? ISO_ENOMEM : ISO_EMEDIA, r, 0, url, reason);
  }
  return ISO_OK;
}

int iso_probe(const char *url, const iso_probe_opts *opts, iso_probe_info **out,
              iso_error_info *err) {
  if (out) *out = NULL;
  if (err) memset(err, 0, sizeof *err);
  if (!url || !out) return probe_fail(err, ISO_EINVAL, 0, 0, url, "no url or result pointer");
  cx_demux *d = NULL;
  int r = open_url(url, opts, &d, err);
  if (r != ISO_OK) return r;
  probe_impl *pi = calloc(1, sizeof *pi);
  if (!pi) {
    cx_demux_close(&d);
    return probe_fail(err, ISO_ENOMEM, 0, 0, url, "out of memory");
  }
  fill(pi, url, cx_demux_ctx(d), cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO),
       cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO));
  /* Names from the format and codec tables are static; the rest is ours. */
  cx_demux_close(&d);
  if (pi->oom) {
    iso_probe_free(&pi->pub);
    return probe_fail(err, ISO_ENOMEM, 0, 0, url, "out of memory");
  }
  *out = &pi->pub;
  return ISO_OK;
}

int iso_probe_describe(const char *url, const iso_probe_opts *opts, int index, char **text,
                       iso_error_info *err) {
  if (text) *text = NULL;
  if (err) memset(err, 0, sizeof *err);
  if (!url || !text) return probe_fail(err, ISO_EINVAL, 0, 0, url, "no url or result pointer");
  cx_demux *d = NULL;
  int r = open_url(url, opts, &d, err);
  if (r != ISO_OK) return r;
  /* av_dump_format writes through av_log: its lines are taken on the way. */
  AVBPrint bp;
  av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
  pl_log_hold();
  pl_log_capture(&bp);
  av_dump_format(cx_demux_ctx(d), index, url, 0);
  pl_log_capture(NULL);
  pl_log_unhold();
  cx_demux_close(&d);
  *text = av_bprint_is_complete(&bp) ? strdup(bp.str) : NULL;
  av_bprint_finalize(&bp, NULL);
  return *text ? ISO_OK : probe_fail(err, ISO_ENOMEM, 0, 0, url, "out of memory");
}

void iso_probe_free(iso_probe_info *info) {
  if (!info) return;
  probe_impl *pi = (probe_impl *)info;
  for (int i = 0; i < pi->n; i++)
    free(pi->ptr[i]);
  free(pi->ptr);
  free(pi);
}
