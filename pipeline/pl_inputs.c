/* Several input files: each one's options, and their streams described to main as one sequence. */
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_internal.h"
#include "pipeline/pl_units.h"

void pl_inputs_init(pl_job *j) {
  j->ninputs = 1;
  for (int k = 0; k < PL_MAX_INPUTS; k++) {
    memset(&j->in[k], 0, sizeof j->in[k]);
    j->in[k].ss_us = j->in[k].t_us = j->in[k].to_us = -1;
  }
}

void pl_inputs_free(pl_job *j) {
  for (int k = 0; k < PL_MAX_INPUTS; k++) {
    free(j->in[k].path);
    free(j->in[k].format);
    av_dict_free(&j->in[k].opts);
    av_dict_free(&j->in[k].dumps);
    j->in[k].path = j->in[k].format = NULL;
  }
}

bool pl_inputs_copy(pl_job *dst, const pl_job *src, bool fresh) {
  if (!fresh) pl_inputs_free(dst);
  bool ok = true;
  dst->ninputs = src->ninputs;
  for (int k = 0; k < PL_MAX_INPUTS; k++) {
    const pl_input *s = &src->in[k];
    pl_input *d = &dst->in[k];
    *d = *s;
    d->path = pl_dup_str(s->path);
    d->format = pl_dup_str(s->format);
    d->opts = d->dumps = NULL;
    if (s->opts && av_dict_copy(&d->opts, s->opts, 0) < 0) ok = false;
    if (s->dumps && av_dict_copy(&d->dumps, s->dumps, AV_DICT_MULTIKEY) < 0) ok = false;
    if ((s->path && !d->path) || (s->format && !d->format)) ok = false;
  }
  return ok;
}

const char *pl_input_path(const pl_job *j, int k) {
  if (k <= 0 || k >= j->ninputs) return j->input ? j->input : "";
  return j->in[k].path ? j->in[k].path : "";
}

int pl_input_fold_to(pl_input *in, int k, char *err, size_t n) {
  if (in->to_us < 0) return ISO_OK;
  int64_t from = in->ss_us > 0 ? in->ss_us : 0;
  if (in->to_us <= from)
    return pl_fail(err, n, "input #%d: to (%.3f s) is not after ss", k, in->to_us / 1e6);
  if (in->t_us < 0 || in->to_us - from < in->t_us) in->t_us = in->to_us - from;
  in->to_us = -1;
  return ISO_OK;
}

void pl_inputs_sseof(pl_job *const *files, int nfiles, int k, int64_t ss_us) {
  for (int f = 0; f < nfiles; f++) {
    pl_job *j = files[f];
    if (k > 0) {
      j->in[k].ss_us = ss_us;
      continue;
    }
    /* Windows count from the read's start, which already includes it. */
    j->ss_us = (j->ss_us > 0 ? j->ss_us : 0) + ss_us;
    j->in_ss_us += ss_us;
  }
}

static int parse_time_us(const char *key, const char *v, bool negative_ok, int64_t *out, char *err,
                         size_t n) {
  const char *why = "";
  bool neg = negative_ok && v[0] == '-';
  if (pl_units_time_us(v + neg, out, &why) < 0)
    return pl_fail(err, n, "%s: bad time '%s' (%s)", key, v, why);
  if (neg) *out = -*out;
  return ISO_OK;
}

/* -itsscale[:SPEC] VALUE; the specifier is checked against the streams
 * once the input is open (libavformat reads it). */
static int add_ts_scale(pl_input *in, const char *spec, const char *value, char *err, size_t n) {
  char *end = NULL;
  double x = value ? strtod(value, &end) : 0;
  if (!value || !*value || *end || !isfinite(x) || x <= 0 || x > 1e6)
    return pl_fail(err, n, "itsscale: bad scale '%s' (a number above 0, at most 1e6)",
                   value ? value : "");
  if (strlen(spec) >= sizeof in->scale[0].spec)
    return pl_fail(err, n, "itsscale: stream specifier '%s' is too long", spec);
  if (in->nscale >= PL_MAX_TS_SCALES)
    return pl_fail(err, n, "itsscale: at most %d per input", PL_MAX_TS_SCALES);
  pl_ts_scale *s = &in->scale[in->nscale++];
  snprintf(s->spec, sizeof s->spec, "%s", spec);
  s->scale = x;
  return ISO_OK;
}

/* -discard[:SPEC] VALUE: ffmpeg 5.1 reads the value as the decoders'
 * skip_frame option (none, default, noref, bidir, nointra, nokey, all or
 * a number). */
static int add_discard(pl_input *in, const char *spec, const char *value, char *err, size_t n) {
  const AVClass *cc = avcodec_get_class();
  const AVOption *o = av_opt_find(&cc, "skip_frame", NULL, 0, 0);
  /* A name of the option's unit or a whole number; not av_opt_eval_int,
   * whose expression parser ffmpeg 5.1 crashes in on a word that is
   * neither ("-discard bogus"). */
  const AVOption *named = o && value ? av_opt_find(&cc, value, o->unit, 0, 0) : NULL;
  char *end = NULL;
  long num = value ? strtol(value, &end, 10) : 0;
  int level = 0;
  if (named && named->type == AV_OPT_TYPE_CONST)
    level = (int)named->default_val.i64;
  else if (o && value && *value && !*end && num >= o->min && num <= o->max)
    level = (int)num;
  else
    return pl_fail(err, n,
                   "discard: bad value '%s' (none, default, noref, bidir, nointra, nokey or all)",
                   value ? value : "");
  if (strlen(spec) >= sizeof in->discard[0].spec)
    return pl_fail(err, n, "discard: stream specifier '%s' is too long", spec);
  if (in->ndiscard >= PL_MAX_DISCARDS)
    return pl_fail(err, n, "discard: at most %d per input", PL_MAX_DISCARDS);
  pl_discard *d = &in->discard[in->ndiscard++];
  snprintf(d->spec, sizeof d->spec, "%s", spec);
  d->level = level;
  return ISO_OK;
}

static int add_guess(pl_input *in, const char *spec, const char *value, char *err, size_t n) {
  char *end = NULL;
  long v = value ? strtol(value, &end, 10) : 0;
  if (!value || !*value || *end || v < INT32_MIN || v > INT32_MAX)
    return pl_fail(err, n, "guess_layout_max: want a whole number of channels, got '%s'",
                   value ? value : "");
  if (strlen(spec) >= sizeof in->guess[0].spec)
    return pl_fail(err, n, "guess_layout_max: stream specifier '%s' is too long", spec);
  if (in->nguess >= PL_MAX_DISCARDS)
    return pl_fail(err, n, "guess_layout_max: at most %d per input", PL_MAX_DISCARDS);
  pl_guess_layout *g = &in->guess[in->nguess++];
  snprintf(g->spec, sizeof g->spec, "%s", spec);
  g->max = (int)v;
  return ISO_OK;
}

int pl_input_rate(pl_input *in, const char *value, char *err, size_t n) {
  const char *why = "";
  int num, den;
  if (!value || pl_units_rate(value, &num, &den, &why) < 0)
    return pl_fail(err, n, "r: bad frame rate '%s' (%s)", value ? value : "", why);
  in->rate = (AVRational){num, den};
  return ISO_OK;
}

int pl_input_set(pl_job *j, int k, const char *key, const char *value, char *err, size_t n) {
  if (k < 0 || k >= j->ninputs)
    return pl_fail(err, n, "no input #%d (add it with iso_pipeline_add_input)", k);
  pl_input *in = &j->in[k];
  if (!strcmp(key, "itsoffset"))
    return parse_time_us(key, value ? value : "", true, &in->offset_us, err, n);
  if (!strcmp(key, "sseof")) {
    int r = parse_time_us(key, value ? value : "", true, &in->sseof_us, err, n);
    if (r == ISO_OK && in->sseof_us >= 0)
      return pl_fail(err, n, "sseof: must be negative (a time before the input's end), got '%s'",
                     value);
    return r;
  }
  if (!strncmp(key, "itsscale", 8) && (!key[8] || key[8] == ':'))
    return add_ts_scale(in, key[8] ? key + 9 : "", value, err, n);
  if (!strncmp(key, "discard", 7) && (!key[7] || key[7] == ':'))
    return add_discard(in, key[7] ? key + 8 : "", value, err, n);
  if (!value) return pl_fail(err, n, "%s: a value is needed", key);
  if (!strncmp(key, "guess_layout_max", 16) && (!key[16] || key[16] == ':'))
    return add_guess(in, key[16] ? key + 17 : "", value, err, n);
  if (!strncmp(key, "dump_attachment", 15) && (!key[15] || key[15] == ':'))
    return av_dict_set(&in->dumps, key[15] ? key + 16 : "", value, AV_DICT_MULTIKEY) < 0
               ? ISO_ENOMEM
               : ISO_OK;
  if (!strcmp(key, "accurate_seek")) {
    in->no_accurate_seek = !strcmp(value, "0");
    return ISO_OK;
  }
  if (!strcmp(key, "canvas_size")) {
    int w = 0, h = 0;
    if (av_parse_video_size(&w, &h, value) < 0)
      return pl_fail(err, n, "canvas_size: invalid size '%s' (WxH or a name as hd720)", value);
    in->canvas_w = w;
    in->canvas_h = h;
    return ISO_OK;
  }
  if (!strcmp(key, "fix_sub_duration")) {
    in->fix_sub_duration = strcmp(value, "0") != 0;
    return ISO_OK;
  }
  /* -vn, -an, -sn, -dn before -i leave that input's streams of the kind
   * out of every output, as ffmpeg's discard of them. */
  static const char *const kinds = "vasd";
  if (strlen(key) == 2 && key[1] == 'n' && strchr(kinds, key[0])) {
    static const enum AVMediaType types[] = {AVMEDIA_TYPE_VIDEO, AVMEDIA_TYPE_AUDIO,
                                             AVMEDIA_TYPE_SUBTITLE, AVMEDIA_TYPE_DATA};
    unsigned bit = 1u << types[strchr(kinds, key[0]) - kinds];
    if (strcmp(value, "0"))
      in->off_types |= bit;
    else
      in->off_types &= ~bit;
    return ISO_OK;
  }
  if (!strcmp(key, "stream_loop")) {
    char *end = NULL;
    long v = strtol(value, &end, 10);
    if (!*value || *end || v < -1 || v > INT32_MAX)
      return pl_fail(err, n, "stream_loop: want a count of further passes or -1, got '%s'", value);
    in->loop = (int)v;
    return ISO_OK;
  }
  /* Input #0's window and rate live here too; its name, format and
   * demuxer options are the pipeline's own keys (iso_pipeline_set). */
  if (k == 0 && strcmp(key, "ss") && strcmp(key, "t") && strcmp(key, "to") && strcmp(key, "r") &&
      strcmp(key, "r:v") && strcmp(key, "stream_loop") && strcmp(key, "sseof"))
    return pl_fail(err, n,
                   "input #0: set '%s' with iso_pipeline_set (input #0's options are the "
                   "pipeline's)",
                   key);
  if (!strcmp(key, "i")) {
    if (!*value) return pl_fail(err, n, "i: empty input name");
    pl_set_str(&in->path, value);
    return in->path ? ISO_OK : ISO_ENOMEM;
  }
  if (!strcmp(key, "f") || !strcmp(key, "input_format")) {
    pl_set_str(&in->format, value);
    return in->format ? ISO_OK : ISO_ENOMEM;
  }
  if (!strcmp(key, "r") || !strcmp(key, "r:v")) return pl_input_rate(in, value, err, n);
  if (!strcmp(key, "ss")) return parse_time_us(key, value, false, &in->ss_us, err, n);
  if (!strcmp(key, "t")) {
    int r = parse_time_us(key, value, false, &in->t_us, err, n);
    if (r == ISO_OK && in->t_us <= 0) return pl_fail(err, n, "t: must be positive");
    return r;
  }
  if (!strcmp(key, "to")) return parse_time_us(key, value, false, &in->to_us, err, n);
  if (!strncmp(key, "in:", 3) && key[3])
    return av_dict_set(&in->opts, key + 3, value, 0) < 0 ? ISO_ENOMEM : ISO_OK;
  return pl_fail(
      err, n,
      "'%s' is not an option of an input (i, f, r, ss, t, to, itsoffset, itsscale, in:NAME)", key);
}

/* ffmpeg's automatic choice across inputs (map_auto_video / _audio): in
 * each input the video with the most pixels (the audio with the most
 * channels), a stream whose packets the probe read first, then a default
 * one; across inputs the same without the default's weight; the first on
 * a tie. Cover art scores 1. */
static int64_t score(const pl_stream_info *s) {
  if (s->type == AVMEDIA_TYPE_VIDEO && s->attached_pic) return 1;
  int64_t base = s->type == AVMEDIA_TYPE_VIDEO ? (int64_t)s->width * s->height : s->channels;
  return base + (s->probed_packets ? 100000000 : 0) +
         ((s->disposition & AV_DISPOSITION_DEFAULT) ? 5000000 : 0);
}

static int best_of(const pl_input_info *m, enum AVMediaType type) {
  int best = -1;
  int64_t top = 0;
  for (int k = 0; k < m->ninputs; k++) {
    int file_best = -1;
    int64_t file_top = 0;
    for (int i = m->first[k]; i < m->first[k + 1]; i++) {
      int64_t sc = m->st[i].type == type && !m->st[i].disabled ? score(&m->st[i]) : 0;
      if (sc > file_top) file_best = i, file_top = sc;
    }
    if (file_best < 0) continue;
    const pl_stream_info *s = &m->st[file_best];
    if ((s->disposition & AV_DISPOSITION_DEFAULT) &&
        !(s->type == AVMEDIA_TYPE_VIDEO && s->attached_pic))
      file_top -= 5000000;
    if (file_top > top) best = file_best, top = file_top;
  }
  return best;
}

void pl_inputs_merge(pl_input_info *out, pl_input_info *const *in, int n) {
  if (n <= 1) {
    /* One input: the demuxer's own choice, as always. */
    if (n == 1 && in[0] != out) *out = *in[0];
    out->ninputs = 1;
    out->first[0] = 0;
    out->first[1] = out->nstreams;
    return;
  }
  pl_input_info m = *in[0];
  m.nstreams = 0;
  m.ninputs = n;
  for (int k = 0; k < n; k++) {
    m.first[k] = m.nstreams;
    m.clock[k] = in[k]->clock[0];
    for (int i = 0; i < in[k]->nstreams && m.nstreams < PL_MAX_IN; i++) {
      m.st[m.nstreams] = in[k]->st[i];
      m.st[m.nstreams].file = k;
      m.nstreams++;
    }
    int64_t d = in[k]->duration_us;
    if (d != AV_NOPTS_VALUE && (m.duration_us == AV_NOPTS_VALUE || d > m.duration_us))
      m.duration_us = d;
  }
  m.first[n] = m.nstreams;
  m.best_v = best_of(&m, AVMEDIA_TYPE_VIDEO);
  m.best_a = best_of(&m, AVMEDIA_TYPE_AUDIO);
  *out = m;
}

void pl_inputs_disable(pl_input_info *m, const pl_job *j) {
  bool any = false;
  for (int i = 0; i < m->nstreams; i++) {
    int k = m->st[i].file;
    unsigned off = k >= 0 && k < j->ninputs ? j->in[k].off_types : 0;
    m->st[i].disabled = m->st[i].discarded || (m->st[i].type >= 0 && (off >> m->st[i].type & 1u));
    any = any || m->st[i].disabled;
  }
  if (!any) return;
  /* One input keeps the demuxer's own choice unless it is left out (its
   * whole kind is); several are chosen again without the left-out ones. */
  if (m->ninputs > 1) {
    m->best_v = best_of(m, AVMEDIA_TYPE_VIDEO);
    m->best_a = best_of(m, AVMEDIA_TYPE_AUDIO);
  } else {
    if (m->best_v >= 0 && m->st[m->best_v].disabled) m->best_v = -1;
    if (m->best_a >= 0 && m->st[m->best_a].disabled) m->best_a = -1;
  }
}

int pl_inputs_check_meta(const pl_job *j, int ninputs, char *err, size_t n) {
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->metadata, "", e, AV_DICT_IGNORE_SUFFIX))) {
    if (strncmp(e->key, "map_metadata", 12) && strcmp(e->key, "map_chapters")) continue;
    long k = strtol(e->value, NULL, 10);
    if (k >= ninputs)
      return pl_fail(err, n, "%s '%s': no input #%ld (there %s %d input%s)", e->key, e->value, k,
                     ninputs == 1 ? "is" : "are", ninputs, ninputs == 1 ? "" : "s");
  }
  return ISO_OK;
}
