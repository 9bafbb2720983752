/* Per-stream output options ffmpeg applies at the muxer: -bsf, -tag, -disposition. */
#include <libavutil/intreadwrite.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_sidx.h"
#include "pipeline/pl_sopts.h"

static const char *const names[] = {"bsf", "tag", "disposition"};

/* The option's name without its specifier; NULL when it is none of ours. */
static const char *base_of(const char *key, char *buf, size_t n) {
  size_t len = strcspn(key, ":");
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == len && !strncmp(key, names[i], len)) {
      snprintf(buf, n, "%s", names[i]);
      return buf;
    }
  return NULL;
}

bool pl_sopt_is(const char *key) {
  char b[16];
  if (!base_of(key, b, sizeof b)) return false;
  const char *spec = strchr(key, ':');
  return !spec || !strcmp(spec, ":v") || !strcmp(spec, ":a") || !strcmp(spec, ":s") ||
         pl_sidx_match(spec + 1, (pl_spos){0, 0, 0}) >= 0;
}

/* ffmpeg's reading of -tag: a number (0x31637668) or up to four characters. */
static uint32_t parse_tag(const char *v) {
  char *end;
  uint32_t tag = (uint32_t)strtoul(v, &end, 0);
  if (*end) {
    uint8_t b[4] = {0};
    memcpy(b, v, strlen(v) < 4 ? strlen(v) : 4);
    tag = AV_RL32(b);
  }
  return tag;
}

/* The stream's disposition flags after v, evaluated as ffmpeg does against
 * what the stream has ("+forced" adds, "default" replaces, "0" clears). */
static int eval_disposition(const char *v, int *disp) {
  const AVClass *cls = av_stream_get_class();
  const AVOption *o = av_opt_find(&cls, "disposition", NULL, 0, AV_OPT_SEARCH_FAKE_OBJ);
  if (!o) return AVERROR(ENOSYS);
  return av_opt_eval_flags(&cls, o, v, disp);
}

int pl_sopt_check(const char *key, const char *value, char *err, size_t n) {
  char b[16], cerr[CX_ERRLEN];
  const char *base = base_of(key, b, sizeof b);
  if (!base) return pl_fail(err, n, "%s: not a per-stream output option", key), -1;
  if (!strcmp(base, "bsf")) {
    if (cx_bsf_check(value, cerr) < 0) return pl_fail(err, n, "%s: %s", key, cerr), -1;
  } else if (!strcmp(base, "tag")) {
    if (!*value)
      return pl_fail(err, n, "%s: bad codec tag '%s' (want four characters such as hvc1)", key,
                     value),
             -1;
  } else {
    int d = 0;
    if (eval_disposition(value, &d) < 0)
      return pl_fail(err, n,
                     "%s: bad disposition '%s' (want flags such as default, forced, "
                     "attached_pic, +forced, 0)",
                     key, value),
             -1;
  }
  return 0;
}

const char *pl_sopt_get(const AVDictionary *sopts, const char *name, pl_spos pos) {
  const char *v = NULL;
  char b[16];
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(sopts, "", e, AV_DICT_IGNORE_SUFFIX))) {
    const char *base = base_of(e->key, b, sizeof b);
    if (!base || strcmp(base, name)) continue;
    const char *spec = strchr(e->key, ':');
    if (!spec || (pos.type && spec[1] == pos.type && !spec[2]) || pl_sidx_match(spec + 1, pos) == 1)
      v = e->value;
  }
  return v;
}

/* Where stream i of nst sits among them (and among those of its type). */
static pl_spos spos_of(const pl_meta_stream *st, int i) {
  enum AVMediaType t = st[i].type;
  pl_spos p = {t == AVMEDIA_TYPE_VIDEO      ? 'v'
               : t == AVMEDIA_TYPE_AUDIO    ? 'a'
               : t == AVMEDIA_TYPE_SUBTITLE ? 's'
                                            : 0,
               i, 0};
  for (int k = 0; k < i; k++)
    p.type_index += st[k].type == t;
  return p;
}

int pl_sopt_apply(const AVDictionary *sopts, const int *disposition, int nin, AVFormatContext *oc,
                  const pl_meta_stream *st, int nst, char *err, size_t n) {
  int count[AVMEDIA_TYPE_NB] = {0};
  bool have_default[AVMEDIA_TYPE_NB] = {false}, manual = false;
  for (int i = 0; i < nst && i < (int)oc->nb_streams; i++) {
    AVStream *os = oc->streams[i];
    enum AVMediaType t = st[i].type;
    if (t < 0 || t >= AVMEDIA_TYPE_NB) continue;
    count[t]++;
    if (st[i].in_index >= 0 && st[i].in_index < nin) os->disposition = disposition[st[i].in_index];
    if (os->disposition & AV_DISPOSITION_DEFAULT) have_default[t] = true;
    if (pl_sopt_get(sopts, "disposition", spos_of(st, i))) manual = true;
    const char *tag = pl_sopt_get(sopts, "tag", spos_of(st, i));
    if (tag) os->codecpar->codec_tag = parse_tag(tag);
  }
  for (int i = 0; i < nst && i < (int)oc->nb_streams; i++) {
    AVStream *os = oc->streams[i];
    enum AVMediaType t = st[i].type;
    if (t < 0 || t >= AVMEDIA_TYPE_NB) continue;
    if (manual) {
      const char *v = pl_sopt_get(sopts, "disposition", spos_of(st, i));
      if (v && eval_disposition(v, &os->disposition) < 0)
        return pl_fail(err, n, "disposition: bad value '%s'", v), -1;
    } else if (count[t] > 1 && !have_default[t] &&
               !(os->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      /* ffmpeg marks the first stream of a type default when several have none. */
      os->disposition |= AV_DISPOSITION_DEFAULT;
      have_default[t] = true;
    }
  }
  return 0;
}
