/* Option values checked by their kind (times, bit rates, counts, rates, sizes) with the library's
 * grammar, and -loglevel names. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "isopipe/common.h"
#include "pipeline/pl_units.h"
#include "tools/isopipe/cli_args.h"
#include "tools/isopipe/cli_optdefs.h"
#include "tools/isopipe/cli_opts.h"

int cli_fail(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return 2; /* a usage error, as cli_args_parse returns it */
}

int cli_parse_loglevel(const char *s, int *level) {
  static const struct {
    const char *name;
    int level;
  } names[] = {{"quiet", -8}, {"panic", 0},    {"fatal", 8},  {"error", 16}, {"warning", 24},
               {"info", 32},  {"verbose", 40}, {"debug", 48}, {"trace", 56}};
  /* ffmpeg's flag prefixes ("repeat+", "level+") change nothing here. */
  const char *plus = strrchr(s, '+');
  if (plus) s = plus + 1;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(s, names[i].name) == 0) {
      *level = names[i].level;
      return 0;
    }
  }
  long v;
  const char *why;
  if (pl_units_int(s, -8, 64, &v, &why) == 0) {
    *level = (int)v;
    return 0;
  }
  return -1;
}

int cli_check_value(const cli_optdef *d, const char *opt, const char *v, char *norm, size_t nn,
                    char *err, size_t en) {
  const char *why = NULL;
  snprintf(norm, nn, "%s", v);
  switch (d->k) {
  case K_TIME: {
    /* A negative min: the time may be negative (-itsoffset, -sseof). */
    bool neg = d->min < 0 && v[0] == '-';
    double t;
    if (pl_units_time(v + neg, &t, &why) < 0)
      return cli_fail(err, en, "invalid time '%s' for %s: %s", v, opt, why);
    snprintf(norm, nn, "%s%.6f", neg ? "-" : "", t);
    return 0;
  }
  case K_BITRATE: {
    uint64_t b;
    if (pl_units_size(v, &b, &why) < 0)
      return cli_fail(err, en, "invalid %s '%s' for %s: %s", d->min ? "value" : "bit rate", v, opt,
                      why);
    if (b < (uint64_t)d->min || (d->max && b > (uint64_t)d->max))
      return cli_fail(err, en, "invalid value '%s' for %s: expected %ld..%ld", v, opt, d->min,
                      d->max);
    snprintf(norm, nn, "%llu", (unsigned long long)b);
    return 0;
  }
  case K_FLAG: {
    /* A boolean that takes a value (ffmpeg's HAS_ARG | OPT_BOOL, as
     * -autorotate 0): a number, true unless 0, as ffmpeg reads it. */
    long n;
    if (!(d->flags & CO_ARG)) return 0;
    if (pl_units_int(v, -2147483647L - 1, 2147483647L, &n, &why) < 0)
      return cli_fail(err, en, "invalid value '%s' for %s: expected a number (0: off)", v, opt);
    snprintf(norm, nn, "%d", n != 0);
    return 0;
  }
  case K_COUNT: {
    long n;
    if (pl_units_int(v, d->min, d->max, &n, &why) < 0)
      return cli_fail(err, en, "invalid value '%s' for %s: %s (expected %ld..%ld)", v, opt, why,
                      d->min, d->max);
    return 0;
  }
  case K_THREADS: {
    long n;
    if (strcmp(v, "auto") == 0) {
      snprintf(norm, nn, "0");
      return 0;
    }
    if (pl_units_int(v, d->min, d->max, &n, &why) < 0)
      return cli_fail(err, en, "invalid value '%s' for %s: expected 'auto' or 0..%ld", v, opt,
                      d->max);
    return 0;
  }
  case K_NUMBER: {
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= 0) || x > 1e9 || isspace((unsigned char)*v))
      return cli_fail(err, en, "invalid value '%s' for %s: expected a non-negative number", v, opt);
    return 0;
  }
  case K_RATE: {
    int num, den;
    if (pl_units_rate(v, &num, &den, &why) < 0)
      return cli_fail(err, en, "invalid rate '%s' for %s: %s", v, opt, why);
    if (isalpha((unsigned char)v[0])) snprintf(norm, nn, "%d/%d", num, den);
    return 0;
  }
  case K_WXH: {
    int w, h;
    if (pl_units_wxh(v, &w, &h, &why) < 0)
      return cli_fail(err, en, "invalid size '%s' for %s: %s", v, opt, why);
    snprintf(norm, nn, "%dx%d", w, h);
    return 0;
  }
  case K_KV:
    if (!strchr(v, '=') || v[0] == '=')
      return cli_fail(err, en, "invalid value '%s' for %s: expected key=value", v, opt);
    return 0;
  case K_STR:
  case K_CODEC:
    if (!strcmp(d->name, "rc_override")) {
      char why2[96];
      if (cx_enc_rc_override(v, NULL, why2, sizeof why2) < 0)
        return cli_fail(err, en, "invalid value '%s' for %s: %s (want START,END,Q/...)", v, opt,
                        why2);
    }
    /* -dump_attachment "" names each file by its stream's filename tag. */
    if (!*v && strcmp(d->name, "dump_attachment"))
      return cli_fail(err, en, "empty value for %s", opt);
    return 0;
  default:
    return 0;
  }
}

int cli_read_script(const char *opt, const char *path, char **buf, size_t *cap, char *err,
                    size_t en) {
  /* A graph is text: a bound keeps a wrong name (a video given by
   * mistake) from being read whole into memory. */
  enum { SCRIPT_MAX = 1 << 20 };
  FILE *f = fopen(path, "rb");
  if (!f) return cli_fail(err, en, "option '%s': cannot read '%s': %s", opt, path, strerror(errno));
  size_t len = 0;
  int rc = 0;
  for (;;) {
    if (len + 4096 + 1 > *cap) {
      *buf = cli_xrealloc(*buf, len + 4096 + 1);
      *cap = len + 4096 + 1;
    }
    size_t got = fread(*buf + len, 1, 4096, f);
    len += got;
    if (got < 4096) {
      if (ferror(f)) rc = cli_fail(err, en, "option '%s': cannot read '%s'", opt, path);
      break;
    }
    if (len > SCRIPT_MAX) {
      rc = cli_fail(err, en, "option '%s': '%s' is larger than %d bytes: not a filter graph", opt,
                    path, SCRIPT_MAX);
      break;
    }
  }
  fclose(f);
  if (rc) return rc;
  (*buf)[len] = 0;
  /* Text after a NUL byte is not part of the graph; say so rather than
   * cut it off unseen. */
  if (strlen(*buf) != len)
    return cli_fail(err, en, "option '%s': '%s' holds a NUL byte: not a filter graph", opt, path);
  if ((*buf)[strspn(*buf, " \t\r\n")] == 0)
    return cli_fail(err, en, "option '%s': '%s' holds no filter graph", opt, path);
  return 0;
}
