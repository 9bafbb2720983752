/* What an option with a stream specifier becomes: the pipeline key ffmpeg's reading of it gives,
 * for isopipe's table options and for codec and format AVOptions. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/isopipe/cli_keys.h"
#include "tools/isopipe/cli_optdefs.h"
#include "tools/isopipe/cli_opts.h"

/* What a stream specifier becomes for a table option: the pipeline key in
 * key (empty: ignore the option, *ignored says why). */
int cli_spec_key(const cli_optdef *d, const char *opt, const char *spec, char *key, size_t kn,
                 const char **ignored, char *err, size_t en) {
  static const char *const typed[] = {"b", "q", "tag", "bsf", "disposition", "frames", "filter"};
  static const char *const video[] = {
      "s",           "r",           "aspect",   "pix_fmt",          "g",
      "crf",         "preset",      "fps_mode", "force_key_frames", "pass",
      "passlogfile", "rc_override", "top"};
  static const char *const audio[] = {"ar", "ac", "sample_fmt", "channel_layout"};
  char type, why[160];
  int index;
  *ignored = NULL;
  if (!strcmp(d->key, "metadata") || !strcmp(d->key, "map_metadata")) {
    /* A metadata specifier, not a stream one: g, s:SPEC, c:N, p:N (the
     * pipeline checks it). */
    snprintf(key, kn, "%s%s%s", d->key, spec ? ":" : "", spec ? spec : "");
    return 0;
  }
  /* The input's streams, matched by libavformat once it is open: every
   * specifier ffmpeg takes. */
  if (!strcmp(d->key, "itsscale") || !strcmp(d->key, "discard") ||
      !strcmp(d->key, "dump_attachment") || !strcmp(d->key, "guess_layout_max")) {
    snprintf(key, kn, "%s%s%s", d->key, spec ? ":" : "", spec ? spec : "");
    return 0;
  }
  if (cli_spec_parse(spec ? spec : "", &type, &index, why, sizeof why) < 0)
    return cli_fail(err, en, "option '%s': %s", opt, why);
  /* The muxer's per-stream options reach subtitle streams too: each one
   * ("-tag:s:0") or all of them ("-disposition:s forced"). */
  bool muxer_opt =
      !strcmp(d->key, "tag") || !strcmp(d->key, "bsf") || !strcmp(d->key, "disposition");
  if (type == 's' && index >= 0 && muxer_opt) {
    snprintf(key, kn, "%s@s:%d", d->key, index);
    return 0;
  }
  if ((type == 's' && !muxer_opt) || type == 'd' || type == 't') {
    *ignored = "isopipe's subtitle streams take only -c, -tag, -bsf, -disposition and -metadata; "
               "it writes no data streams and attaches files with -attach";
    key[0] = 0;
    return 0;
  }
  for (size_t i = 0; i < sizeof video / sizeof video[0]; i++)
    if (!strcmp(d->key, video[i]) && type == 'a') {
      *ignored = "a video option given for audio streams";
      key[0] = 0;
      return 0;
    }
  for (size_t i = 0; i < sizeof audio / sizeof audio[0]; i++)
    if (!strcmp(d->key, audio[i]) && type == 'v') {
      *ignored = "an audio option given for video streams";
      key[0] = 0;
      return 0;
    }
  int needs_type = 0;
  for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
    if (!strcmp(d->key, typed[i])) needs_type = 1;
  if (!strcmp(d->key, "filter")) {
    if (type != 'v' && type != 'a')
      return cli_fail(err, en, "option '%s': give -filter:v or -filter:a", opt);
    snprintf(key, kn, "%s", type == 'v' ? "vf" : "af");
  } else if (needs_type && !type && index < 0 && !strcmp(d->key, "q") &&
             !strcmp(opt + (opt[0] == '-'), "q")) {
    /* ffmpeg's -q without a type sets every stream's quality, an audio
     * encoder's VBR quality too; -qscale alone means the video's. */
    snprintf(key, kn, "q");
  } else if (needs_type) {
    /* Without a type, ffmpeg applies it to every stream; isopipe's
     * single-valued ones (-b, -q) mean the video's, as they always did. */
    char t = type ? type : 'v';
    if ((!strcmp(d->key, "tag") || !strcmp(d->key, "bsf") || !strcmp(d->key, "disposition") ||
         !strcmp(d->key, "frames")) &&
        !type)
      snprintf(key, kn, "%s", d->key);
    else
      snprintf(key, kn, "%s:%c", d->key, t);
  } else {
    snprintf(key, kn, "%s", d->key);
  }
  /* An index picks streams by their place in the output file
   * ("-b:v:1", "-s:0"): the pipeline keeps "KEY@SPEC" for them. */
  if (index >= 0) {
    size_t used = strlen(key);
    if (!type)
      snprintf(key + used, kn - used, "@%d", index);
    else
      snprintf(key + used, kn - used, "@%c:%d", type, index);
  }
  return 0;
}

/* An AVOption of a codec or format, passed on as ffmpeg passes it; the
 * pipeline refuses to start when nothing uses it. */
int cli_add_avoption(cli_opts *o, const char *opt, const char *base, const char *spec,
                     const char *v, char *err, size_t en) {
  char type, why[160], key[160];
  int index;
  if (cli_spec_parse(spec ? spec : "", &type, &index, why, sizeof why) < 0)
    return cli_fail(err, en, "option '%s': %s", opt, why);
  if (type == 's' || type == 'd' || type == 't') {
    cli_add_note(o, opt, "isopipe passes no codec options to subtitle, data or attachment streams");
    return 0;
  }
  /* An index picks the output file's stream at that place ("-x264opts:0",
   * "-profile:v:0"); before -i, the option is the input demuxer's
   * (-framerate, -analyzeduration). */
  if (!o->input)
    snprintf(key, sizeof key, "in:%s", base);
  else if (index >= 0 && type)
    snprintf(key, sizeof key, "%s:%c@%c:%d", base, type, type, index);
  else if (index >= 0)
    snprintf(key, sizeof key, "%s@%d", base, index);
  else
    snprintf(key, sizeof key, "%s%s%.1s", base, type ? ":" : "", type ? &type : "");
  /* "-fflags nobuffer -fflags +genpts" is nobuffer+genpts: ffmpeg appends a
   * flags value starting with + or - to the same file's earlier one. */
  if ((v[0] == '+' || v[0] == '-') && cli_avoption_is_flags(base))
    for (size_t i = o->nkv; i-- > o->in_group;) {
      cli_kv *kv = &o->kv[i];
      if (!kv->avoption || strcmp(kv->key, key)) continue;
      char *joined = malloc(strlen(kv->value) + strlen(v) + 1);
      if (!joined) return cli_fail(err, en, "out of memory");
      strcpy(joined, kv->value);
      strcat(joined, v);
      free(kv->value);
      kv->value = joined;
      return 0;
    }
  cli_add_kv(o, opt, key, v);
  o->kv[o->nkv - 1].avoption = 1;
  return 0;
}
