/* Options for one output stream picked by its place in its file, kept in command-line order and
 * applied to a copy of the job from which main reads its convert and encode stages' settings. */
#include "pipeline/pl_sidx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_sopts.h"

pl_spos pl_sidx_pos(const pl_job *j, int out_i) {
  pl_spos p = {0, 0, 0};
  if (out_i < 0 || out_i >= j->nout) return p;
  const pl_out_stream *o = &j->out[out_i];
  p.type = o->type == AVMEDIA_TYPE_VIDEO      ? 'v'
           : o->type == AVMEDIA_TYPE_AUDIO    ? 'a'
           : o->type == AVMEDIA_TYPE_SUBTITLE ? 's'
                                              : 0;
  for (int k = 0; k < out_i; k++) {
    if (j->out[k].file != o->file) continue;
    p.index++;
    if (j->out[k].type == o->type) p.type_index++;
  }
  return p;
}

static int parse_index(const char *s) {
  if (!isdigit((unsigned char)*s)) return -1;
  char *end;
  long v = strtol(s, &end, 10);
  return *end || v > 100000 ? -1 : (int)v;
}

int pl_sidx_match(const char *spec, pl_spos pos) {
  if (spec[0] && strchr("vas", spec[0]) && spec[1] == ':') {
    int i = parse_index(spec + 2);
    if (i < 0) return -1;
    return pos.type == spec[0] && pos.type_index == i;
  }
  int i = parse_index(spec);
  if (i < 0) return -1;
  return pos.index == i;
}

/* Options whose meaning follows the stream's type ("-b:1" is a video or
 * an audio bit rate): their key for a stream of that type. */
static const char *typed_key(const char *base, char type, char *buf, size_t n) {
  static const char *const typed[] = {"b", "q", "qscale", "frames"};
  for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
    if (!strcmp(base, typed[i])) {
      snprintf(buf, n, "%s:%c", base, type == 'a' ? 'a' : 'v');
      return buf;
    }
  return base;
}

/* Splits "KEY@SPEC"; false when it is not one. */
static bool split(const char *key, char *base, size_t n, const char **spec) {
  const char *at = strchr(key, '@');
  if (!at || (size_t)(at - key) >= n) return false;
  snprintf(base, n, "%.*s", (int)(at - key), key);
  *spec = at + 1;
  return true;
}

int pl_sidx_set(pl_job *j, const char *key, const char *value, char *err, size_t n) {
  char base[128];
  const char *spec;
  if (!split(key, base, sizeof base, &spec) || !base[0] ||
      pl_sidx_match(spec, (pl_spos){0, 0, 0}) < 0)
    return pl_fail(err, n, "%s: want KEY@v:N, KEY@a:N, KEY@s:N or KEY@N", key);
  char sk[160];
  if (pl_sopt_is(base)) {
    /* The muxer's own per-stream options keep their order among the
     * others of their kind: "bsf:v:1", "tag:0". */
    if (pl_sopt_check(base, value, err, n) < 0) return ISO_EINVAL;
    snprintf(sk, sizeof sk, "%.*s:%s", (int)strcspn(base, ":"), base, spec);
    return av_dict_set(&j->sopts, sk, value, AV_DICT_MULTIKEY) < 0 ? ISO_ENOMEM : ISO_OK;
  }
  if (!strcmp(base, "map") || !strncmp(base, "metadata", 8) || !strncmp(base, "map_", 4) ||
      !strcmp(base, "i") || !strcmp(base, "o") || !strcmp(base, "f"))
    return pl_fail(err, n, "%s: not an option of one stream", key);
  /* The value is checked as the option's own would be. */
  pl_job *scratch = pl_job_new();
  if (!scratch) return ISO_ENOMEM;
  int r = pl_job_set(scratch, typed_key(base, spec[0] == 'a' ? 'a' : 'v', sk, sizeof sk), value,
                     err, n);
  pl_job_free(scratch);
  if (r != ISO_OK) return r;
  return av_dict_set(&j->sidx, key, value, AV_DICT_MULTIKEY) < 0 ? ISO_ENOMEM : ISO_OK;
}

void pl_sidx_forget(pl_job *j, const char *key) {
  if (!j->sidx || strchr(key, '@')) return;
  bool every_codec = !strcmp(key, "c") || !strcmp(key, "codec");
  AVDictionary *keep = NULL;
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->sidx, "", e, AV_DICT_IGNORE_SUFFIX))) {
    char base[128];
    const char *spec;
    if (!split(e->key, base, sizeof base, &spec)) continue;
    if (!strcmp(base, key) || (every_codec && !strncmp(base, "c:", 2))) continue;
    av_dict_set(&keep, e->key, e->value, AV_DICT_MULTIKEY);
  }
  av_dict_free(&j->sidx);
  j->sidx = keep;
}

const char *pl_sidx_get(const pl_job *j, pl_spos pos, const char *key, const char *alias) {
  const char *v = NULL;
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->sidx, "", e, AV_DICT_IGNORE_SUFFIX))) {
    char base[128];
    const char *spec;
    if (!split(e->key, base, sizeof base, &spec)) continue;
    if (strcmp(base, key) && (!alias || strcmp(base, alias))) continue;
    if (pl_sidx_match(spec, pos) == 1) v = e->value;
  }
  return v;
}

int pl_sidx_view(pl_job *j, int out_i, char *err, size_t n) {
  if (!j->sidx) return ISO_OK;
  pl_spos pos = pl_sidx_pos(j, out_i);
  AVDictionary *d = j->sidx;
  j->sidx = NULL;
  int r = ISO_OK;
  const AVDictionaryEntry *e = NULL;
  while (r == ISO_OK && (e = av_dict_get(d, "", e, AV_DICT_IGNORE_SUFFIX))) {
    char base[128], tk[160];
    const char *spec;
    if (!split(e->key, base, sizeof base, &spec) || pl_sidx_match(spec, pos) != 1) continue;
    r = pl_job_set(j, typed_key(base, pos.type, tk, sizeof tk), e->value, err, n);
    /* The caller's message names the option as it was given for the stream. */
    if (r != ISO_OK && err && n) {
      char why[256];
      snprintf(why, sizeof why, "%s", err);
      snprintf(err, n, "option %s='%s': %s", e->key, e->value, why);
    }
  }
  av_dict_free(&d);
  return r;
}

int pl_sidx_check(const pl_job *j, char *err, size_t n) {
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->sidx, "", e, AV_DICT_IGNORE_SUFFIX))) {
    char base[128];
    const char *spec;
    if (!split(e->key, base, sizeof base, &spec)) continue;
    bool v = !strcmp(base, "vf") || !strcmp(base, "filter:v");
    bool a = !strcmp(base, "af") || !strcmp(base, "filter:a");
    if (!v && !a) continue;
    char why[CX_ERRLEN] = "";
    pl_log_error_clear();
    if (cx_fgraph_check(v ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO, e->value, why) < 0) {
      const char *detail = pl_log_error_first();
      return pl_fail(err, n, "%s:%s: %s%s%s", v ? "filter:v" : "filter:a", spec, why,
                     *detail ? ": " : "", detail);
    }
  }
  return ISO_OK;
}
