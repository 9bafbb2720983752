/* The input's metadata and chapters, carried to each output as ffmpeg carries them. */
#include "pipeline/pl_meta.h"

#include <ctype.h>
#include <libavcodec/version.h>
#include <libavutil/display.h>
#include <libavutil/eval.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_internal.h"

typedef struct meta_chapter {
  int64_t id, start, end;
  AVRational tb;
  AVDictionary *meta;
} meta_chapter;

struct pl_meta {
  atomic_int refs;
  AVDictionary *global;
  int nstreams;
  AVDictionary *stream[PL_MAX_IN];
  enum AVMediaType type[PL_MAX_IN];
  AVCodecParameters *att[PL_MAX_IN]; /* attachments' data (fonts) */
  int nch;
  meta_chapter *ch;
  int nparts; /* several inputs: each one's own (-map_metadata N) */
  pl_meta *part[PL_MAX_INPUTS];
};

/* Input k's own metadata (NULL: no such input). */
static const pl_meta *input_meta(const pl_meta *m, long k) {
  if (!m || k < 0) return NULL;
  if (!m->nparts) return k == 0 ? m : NULL;
  return k < m->nparts ? m->part[k] : NULL;
}

pl_meta *pl_meta_from_input(const AVFormatContext *ic) {
  pl_meta *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  atomic_init(&m->refs, 1);
  bool ok = av_dict_copy(&m->global, ic->metadata, 0) >= 0;
  m->nstreams = (int)(ic->nb_streams < PL_MAX_IN ? ic->nb_streams : PL_MAX_IN);
  for (int i = 0; i < m->nstreams; i++) {
    m->type[i] = ic->streams[i]->codecpar->codec_type;
    ok = ok && av_dict_copy(&m->stream[i], ic->streams[i]->metadata, 0) >= 0;
    if (ok && m->type[i] == AVMEDIA_TYPE_ATTACHMENT)
      ok = (m->att[i] = avcodec_parameters_alloc()) &&
           avcodec_parameters_copy(m->att[i], ic->streams[i]->codecpar) >= 0;
  }
  if (ic->nb_chapters) {
    m->ch = calloc(ic->nb_chapters, sizeof *m->ch);
    ok = ok && m->ch;
    for (unsigned i = 0; ok && i < ic->nb_chapters; i++) {
      const AVChapter *c = ic->chapters[i];
      m->ch[i] = (meta_chapter){c->id, c->start, c->end, c->time_base, NULL};
      m->nch++;
      ok = av_dict_copy(&m->ch[i].meta, c->metadata, 0) >= 0;
    }
  }
  if (!ok) pl_meta_unref(&m);
  return m;
}

static bool dup_chapters(pl_meta *m, const pl_meta *src) {
  if (!src->nch) return true;
  m->ch = calloc((size_t)src->nch, sizeof *m->ch);
  if (!m->ch) return false;
  for (int i = 0; i < src->nch; i++) {
    m->ch[i] = src->ch[i];
    m->ch[i].meta = NULL;
    m->nch++;
    if (av_dict_copy(&m->ch[i].meta, src->ch[i].meta, 0) < 0) return false;
  }
  return true;
}

pl_meta *pl_meta_merge(pl_meta *const *in, int n, const int *first) {
  if (n == 1) return pl_meta_ref(in[0]);
  pl_meta *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  atomic_init(&m->refs, 1);
  m->nstreams = first[n];
  m->nparts = n;
  for (int k = 0; k < n; k++)
    m->part[k] = pl_meta_ref(in[k]);
  /* As ffmpeg: global metadata from the first input, each stream's from
   * its own, chapters from the first input that has some. */
  bool ok = av_dict_copy(&m->global, in[0]->global, 0) >= 0;
  for (int k = 0; ok && k < n; k++) {
    for (int i = 0; i < in[k]->nstreams && first[k] + i < first[k + 1]; i++) {
      int g = first[k] + i;
      m->type[g] = in[k]->type[i];
      ok = ok && av_dict_copy(&m->stream[g], in[k]->stream[i], 0) >= 0;
      if (ok && in[k]->att[i])
        ok = (m->att[g] = avcodec_parameters_alloc()) &&
             avcodec_parameters_copy(m->att[g], in[k]->att[i]) >= 0;
    }
    if (!m->nch && in[k]->nch) ok = ok && dup_chapters(m, in[k]);
  }
  if (!ok) pl_meta_unref(&m);
  return m;
}

const AVCodecParameters *pl_meta_attachment(const pl_meta *m, int i) {
  return m && i >= 0 && i < m->nstreams ? m->att[i] : NULL;
}

const char *pl_meta_stream_tag(const pl_meta *m, int i, const char *key) {
  if (!m || i < 0 || i >= m->nstreams) return NULL;
  const AVDictionaryEntry *e = av_dict_get(m->stream[i], key, NULL, 0);
  return e ? e->value : NULL;
}

pl_meta *pl_meta_ref(pl_meta *m) {
  if (m) atomic_fetch_add(&m->refs, 1);
  return m;
}

void pl_meta_unref(pl_meta **mp) {
  pl_meta *m = *mp;
  *mp = NULL;
  if (!m || atomic_fetch_sub(&m->refs, 1) != 1) return;
  av_dict_free(&m->global);
  for (int i = 0; i < m->nstreams; i++) {
    av_dict_free(&m->stream[i]);
    avcodec_parameters_free(&m->att[i]);
  }
  for (int i = 0; i < m->nch; i++)
    av_dict_free(&m->ch[i].meta);
  free(m->ch);
  for (int k = 0; k < m->nparts; k++)
    pl_meta_unref(&m->part[k]);
  free(m);
}

/* ffmpeg's metadata specifier: g, s[:STREAM_SPEC], c:N, p:N. *kind is
 * 'g', 's' or 'c'; *rest what follows "s:" / "c:". */
static int meta_spec(const char *spec, char *kind, const char **rest) {
  *rest = "";
  if (!*spec || !strcmp(spec, "g")) {
    *kind = 'g';
    return 0;
  }
  if (spec[0] == 's' && (!spec[1] || spec[1] == ':')) {
    *kind = 's';
    *rest = spec[1] ? spec + 2 : "";
    return 0;
  }
  if (spec[0] == 'c' && spec[1] == ':' && isdigit((unsigned char)spec[2])) {
    *kind = 'c';
    *rest = spec + 2;
    return 0;
  }
  return -1;
}

/* A stream specifier v|V|a|s|d|t[:N], N or "" against stream i of n whose
 * types are types[]. 1 match, 0 no, -1 not understood. */
static int stream_matches(const char *spec, const enum AVMediaType *types, int n, int i) {
  if (!*spec) return 1;
  char *end;
  if (isdigit((unsigned char)spec[0])) {
    long idx = strtol(spec, &end, 10);
    return *end ? -1 : idx == i;
  }
  enum AVMediaType t;
  switch (spec[0]) {
  case 'v':
  case 'V':
    t = AVMEDIA_TYPE_VIDEO;
    break;
  case 'a':
    t = AVMEDIA_TYPE_AUDIO;
    break;
  case 's':
    t = AVMEDIA_TYPE_SUBTITLE;
    break;
  case 'd':
    t = AVMEDIA_TYPE_DATA;
    break;
  case 't':
    t = AVMEDIA_TYPE_ATTACHMENT;
    break;
  default:
    return -1;
  }
  if (spec[1] && spec[1] != ':') return -1;
  long nth = -1;
  if (spec[1]) {
    nth = strtol(spec + 2, &end, 10);
    if (end == spec + 2 || *end || nth < 0) return -1;
  }
  if (types[i] != t) return 0;
  if (nth < 0) return 1;
  int k = 0;
  for (int s = 0; s < i && s < n; s++)
    k += types[s] == t;
  return k == nth;
}

int pl_meta_check(const char *key, const char *value, char *err, size_t n) {
  const char *colon = strchr(key, ':');
  const char *ospec = colon ? colon + 1 : "";
  char kind;
  const char *rest;
  enum AVMediaType none[1] = {AVMEDIA_TYPE_UNKNOWN};
  if (meta_spec(ospec, &kind, &rest) < 0 || stream_matches(rest, none, 1, 0) < 0)
    return pl_fail(err, n, "%s: bad metadata specifier '%s' (want g, s[:v|a[:N]], c:N)", key,
                   ospec);
  if (!strncmp(key, "metadata", 8)) {
    const char *eq = strchr(value, '=');
    if (!eq || eq == value) return pl_fail(err, n, "%s: want key=value, got '%s'", key, value);
    return 0;
  }
  char *end;
  long file = strtol(value, &end, 10);
  if (!strncmp(key, "map_chapters", 12)) {
    if (end == value || *end || file < -1)
      return pl_fail(err, n, "map_chapters: want N (input N's) or -1 (none), got '%s'", value);
    return 0;
  }
  /* map_metadata: -1, or N[:SPEC] */
  if (!strncmp(value, "-1", 2) && (!value[2] || value[2] == ':')) return 0;
  if (end == value || file < 0 || (*end && *end != ':'))
    return pl_fail(err, n, "%s: want N[:SPEC] (input N's) or -1, got '%s'", key, value);
  if (meta_spec(*end ? end + 1 : "", &kind, &rest) < 0 || kind == 'c' ||
      stream_matches(rest, none, 1, 0) < 0)
    return pl_fail(err, n, "%s: bad metadata specifier in '%s' (want N, N:g or N:s[:v|a[:N]])", key,
                   value);
  return 0;
}

typedef struct manual {
  bool global, streams, chapters;
} manual;

/* One -map_metadata: copies into the output's global or stream metadata
 * (without overwriting), as ffmpeg's copy_metadata(). */
static void map_metadata(const pl_meta *in, AVFormatContext *oc, const enum AVMediaType *otypes,
                         const char *ospec, const char *value, manual *man) {
  char okind, ikind;
  const char *orest, *irest;
  meta_spec(ospec, &okind, &orest);
  if (value[0] == '-') { /* -1: nothing from the input for this kind */
    if (okind == 'g' || !*ospec) man->global = true;
    if (okind == 's' || !*ospec) man->streams = true;
    if (okind == 'c' || !*ospec) man->chapters = true;
    return;
  }
  char *end;
  in = input_meta(in, strtol(value, &end, 10));
  meta_spec(*end ? end + 1 : "", &ikind, &irest);
  if (okind == 'g') man->global = true;
  if (okind == 's') man->streams = true;
  if (okind == 'c') man->chapters = true;
  if (!in) return;
  AVDictionary *src = NULL;
  if (ikind == 'g') {
    src = in->global;
  } else {
    for (int i = 0; i < in->nstreams && !src; i++)
      if (stream_matches(irest, in->type, in->nstreams, i) > 0) src = in->stream[i];
  }
  if (!src) return;
  if (okind == 'g') {
    av_dict_copy(&oc->metadata, src, AV_DICT_DONT_OVERWRITE);
  } else if (okind == 's') {
    for (unsigned i = 0; i < oc->nb_streams; i++)
      if (stream_matches(orest, otypes, (int)oc->nb_streams, (int)i) > 0)
        av_dict_copy(&oc->streams[i]->metadata, src, AV_DICT_DONT_OVERWRITE);
  }
}

/* The input's chapters inside this output's window, shifted to its start
 * (ffmpeg's copy_chapters()). */
static int copy_chapters(const pl_out_meta *j, const pl_meta *in, AVFormatContext *oc,
                         bool with_meta) {
  /* info.start_us is the instant the demux starts at (the input's -ss
   * included); this output's window begins win_start_us after it. */
  int64_t from_us = j->win_start_us > 0 ? j->win_start_us : 0;
  int64_t off_us = j->in_start_us + from_us;
  int64_t rt_us = j->win_end_us >= 0 ? j->win_end_us - from_us : -1;
  for (int i = 0; i < in->nch; i++) {
    const meta_chapter *c = &in->ch[i];
    int64_t off = av_rescale_q(off_us, AV_TIME_BASE_Q, c->tb);
    int64_t rt = rt_us >= 0 ? av_rescale_q(rt_us, AV_TIME_BASE_Q, c->tb) : INT64_MAX;
    if (c->end < off) continue;
    if (rt != INT64_MAX && c->start > rt + off) break;
    AVChapter *oc_ch = av_mallocz(sizeof *oc_ch);
    if (!oc_ch) return AVERROR(ENOMEM);
    oc_ch->id = c->id;
    oc_ch->time_base = c->tb;
    oc_ch->start = FFMAX(0, c->start - off);
    oc_ch->end = FFMIN(rt, c->end - off);
    if (with_meta) av_dict_copy(&oc_ch->metadata, c->meta, 0);
    int r = av_dynarray_add_nofree(&oc->chapters, (int *)&oc->nb_chapters, oc_ch);
    if (r < 0) {
      av_dict_free(&oc_ch->metadata);
      av_free(oc_ch);
      return r;
    }
  }
  return 0;
}

/* -metadata[:SPEC] KEY=VALUE; an empty VALUE removes KEY, as in ffmpeg. */
/* ffmpeg 5.1 reads a stream's "rotate" key as a display rotation, never as a
 * tag: a copied stream gets a matrix of that rotation in place of its own (0
 * makes it upright), an encoded one keeps what it has. A value that is no
 * number is dropped. */
static void set_rotation(AVFormatContext *oc, unsigned i, const pl_meta_stream *st, int nst,
                         const char *val) {
  char *tail = NULL;
  double theta = val ? av_strtod(val, &tail) : 0;
  if (tail && *tail) return;
  if ((int)i >= nst || st[i].encoder) return;
  uint8_t *sd =
      av_stream_new_side_data(oc->streams[i], AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
  if (sd) av_display_rotation_set((int32_t *)sd, -theta);
}

static void set_metadata(AVFormatContext *oc, const enum AVMediaType *otypes,
                         const pl_meta_stream *st, int nst, const char *ospec, const char *kv) {
  char kind;
  const char *rest;
  meta_spec(ospec, &kind, &rest);
  const char *eq = strchr(kv, '=');
  char key[256];
  snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
  const char *val = *(eq + 1) ? eq + 1 : NULL;
  if (kind == 'g') {
    av_dict_set(&oc->metadata, key, val, 0);
  } else if (kind == 's') {
    for (unsigned i = 0; i < oc->nb_streams; i++)
      if (stream_matches(rest, otypes, (int)oc->nb_streams, (int)i) > 0) {
        if (!strcmp(key, "rotate"))
          set_rotation(oc, i, st, nst, val);
        else
          av_dict_set(&oc->streams[i]->metadata, key, val, 0);
      }
  } else {
    long c = strtol(rest, NULL, 10);
    if (c >= 0 && c < (long)oc->nb_chapters) av_dict_set(&oc->chapters[c]->metadata, key, val, 0);
  }
}

/* Whether the flags option key of extra turns bitexact on ("+bitexact",
 * "bitexact", "+genpts+bitexact"). */
static bool sets_bitexact(const AVDictionary *extra, const char *key) {
  const AVDictionaryEntry *e = av_dict_get(extra, key, NULL, 0);
  for (const char *p = e ? strstr(e->value, "bitexact") : NULL; p; p = strstr(p + 1, "bitexact"))
    if (p == e->value || p[-1] == '+') return true;
  return false;
}

void pl_out_meta_bitexact(const pl_job *j, bool *all, bool *v, bool *a) {
  *all = j->bitexact || sets_bitexact(j->extra, "fflags") || sets_bitexact(j->extra, "flags");
  *v = sets_bitexact(j->extra, "flags:v");
  *a = sets_bitexact(j->extra, "flags:a");
}

/* ffmpeg tags an encoded stream "Lavc NAME" without the version when the
 * muxer's or that stream's encoder's bitexact flag is set. */
static bool stream_bitexact(const pl_out_meta *j, enum AVMediaType type) {
  return j->bitexact || (type == AVMEDIA_TYPE_VIDEO && j->bitexact_v) ||
         (type == AVMEDIA_TYPE_AUDIO && j->bitexact_a);
}

pl_out_meta pl_out_meta_of(const pl_job *j) {
  pl_out_meta m = {j->metadata, j->in_meta, j->win_start_us, j->win_end_us, j->info.start_us,
                   j->t_us,     false,      false,           false};
  pl_out_meta_bitexact(j, &m.bitexact, &m.bitexact_v, &m.bitexact_a);
  return m;
}

int pl_meta_apply(const pl_out_meta *j, AVFormatContext *oc, const pl_meta_stream *st, int nst,
                  char *err, size_t n) {
  const pl_meta *in = j->in;
  enum AVMediaType otypes[PL_MAX_OUT];
  for (int i = 0; i < nst && i < PL_MAX_OUT; i++)
    otypes[i] = st[i].type;
  manual man = {false, false, false};
  int chapters_from = -2; /* -2 auto (the first input with some), -1 none, N input N */
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->opts, "", e, AV_DICT_IGNORE_SUFFIX))) {
    if (!strncmp(e->key, "map_metadata", 12))
      map_metadata(in, oc, otypes, e->key[12] ? e->key + 13 : "", e->value, &man);
    else if (!strcmp(e->key, "map_chapters"))
      chapters_from = atoi(e->value);
  }
  const pl_meta *chin = chapters_from >= 0 ? input_meta(in, chapters_from) : in;
  if (chin && chapters_from != -1 && chin->nch) {
    int r = copy_chapters(j, chin, oc, !man.chapters);
    if (r < 0) return pl_fail(err, n, "chapters: %s", av_err2str(r));
  }
  if (in && !man.global) {
    av_dict_copy(&oc->metadata, in->global, AV_DICT_DONT_OVERWRITE);
    if (j->t_us >= 0 || j->win_end_us >= 0) av_dict_set(&oc->metadata, "duration", NULL, 0);
    static const char *const dropped[] = {"creation_time", "company_name", "product_name",
                                          "product_version"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
      av_dict_set(&oc->metadata, dropped[i], NULL, 0);
  }
  for (int i = 0; i < nst && i < (int)oc->nb_streams; i++) {
    AVDictionary **md = &oc->streams[i]->metadata;
    if (in && !man.streams && st[i].in_index >= 0 && st[i].in_index < in->nstreams) {
      av_dict_copy(md, in->stream[st[i].in_index], AV_DICT_DONT_OVERWRITE);
      if (st[i].encoder) av_dict_set(md, "encoder", NULL, 0);
    }
  }
  e = NULL;
  while ((e = av_dict_get(j->opts, "", e, AV_DICT_IGNORE_SUFFIX)))
    if (!strncmp(e->key, "metadata", 8) && (!e->key[8] || e->key[8] == ':'))
      set_metadata(oc, otypes, st, nst, e->key[8] ? e->key + 9 : "", e->value);
  /* ffmpeg names the encoder of each encoded stream unless one was given. */
  for (int i = 0; i < nst && i < (int)oc->nb_streams; i++) {
    if (!st[i].encoder || av_dict_get(oc->streams[i]->metadata, "encoder", NULL, 0)) continue;
    char id[128];
    snprintf(id, sizeof id, "%s %s", stream_bitexact(j, st[i].type) ? "Lavc" : LIBAVCODEC_IDENT,
             st[i].encoder);
    av_dict_set(&oc->streams[i]->metadata, "encoder", id, 0);
  }
  return 0;
}
