/* The option value grammar the library and the CLI share (see pl_units.h). */
#include "pipeline/pl_units.h"

#include <ctype.h>
#include <errno.h>
#include <libavutil/parseutils.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strtod accepts "inf", "nan", hex and leading blanks; options must not. */
static int plain_number(const char *s, size_t len) {
  size_t digits = 0, dots = 0;
  for (size_t i = 0; i < len; i++) {
    if (isdigit((unsigned char)s[i]))
      digits++;
    else if (s[i] == '.')
      dots++;
    else
      return 0;
  }
  return digits > 0 && dots <= 1;
}

static int parse_seconds_part(const char *s, size_t len, double *out) {
  char tmp[64];
  if (len == 0 || len >= sizeof tmp || !plain_number(s, len)) return -1;
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  *out = strtod(tmp, NULL);
  return 0;
}

int pl_units_time(const char *s, double *out, const char **why) {
  const char *bad = "expected seconds or [HH:]MM:SS[.frac]";
  if (!s || !*s) {
    *why = "empty time";
    return -1;
  }
  if (*s == '-') {
    *why = "time must not be negative";
    return -1;
  }
  size_t len = strlen(s);
  const char *c1 = strchr(s, ':');
  if (!c1) {
    double scale = 1.0;
    if (len > 2 && strcmp(s + len - 2, "ms") == 0) {
      scale = 1e-3;
      len -= 2;
    } else if (len > 2 && strcmp(s + len - 2, "us") == 0) {
      scale = 1e-6;
      len -= 2;
    } else if (len > 1 && s[len - 1] == 's') {
      len -= 1;
    }
    double v;
    if (parse_seconds_part(s, len, &v) < 0) {
      *why = bad;
      return -1;
    }
    *out = v * scale;
    return 0;
  }
  /* Colon form: the fields before the seconds are whole numbers, and a
   * field that follows a colon stays below 60, as in ffmpeg. */
  double fields[3];
  int nf = 0;
  const char *p = s;
  for (;;) {
    const char *colon = strchr(p, ':');
    size_t flen = colon ? (size_t)(colon - p) : strlen(p);
    if (nf == 3) {
      *why = bad;
      return -1;
    }
    if (parse_seconds_part(p, flen, &fields[nf]) < 0 || (colon && memchr(p, '.', flen) != NULL)) {
      *why = bad;
      return -1;
    }
    nf++;
    if (!colon) break;
    p = colon + 1;
  }
  for (int i = 1; i < nf; i++) {
    if (fields[i] >= 60.0) {
      *why = "minutes and seconds must be below 60";
      return -1;
    }
  }
  double v = 0;
  for (int i = 0; i < nf; i++)
    v = v * 60.0 + fields[i];
  *out = v;
  return 0;
}

int pl_units_size(const char *s, uint64_t *out, const char **why) {
  if (!s || !*s) {
    *why = "empty value";
    return -1;
  }
  size_t len = strlen(s);
  size_t num = 0;
  while (num < len && (isdigit((unsigned char)s[num]) || s[num] == '.'))
    num++;
  double v;
  if (parse_seconds_part(s, num, &v) < 0) {
    *why = "expected a number with an optional k, M or G suffix";
    return -1;
  }
  const char *suf = s + num;
  double mul = 1.0;
  if (*suf) {
    const char *units = "kKMGT";
    const char *u = strchr(units, suf[0]);
    if (!u) {
      *why = "unknown suffix (use k, M or G)";
      return -1;
    }
    int power = u - units < 2 ? 1 : (int)(u - units);
    int binary = suf[1] == 'i';
    if (suf[1 + binary] == 'B' && suf[2 + binary] == '\0')
      mul = 8.0; /* "B" means bytes, as in ffmpeg */
    else if (suf[1 + binary] != '\0') {
      *why = "unknown suffix (use k, M or G)";
      return -1;
    }
    mul *= pow(binary ? 1024.0 : 1000.0, power);
  }
  v *= mul;
  if (v >= 1.8e19) {
    *why = "value too large";
    return -1;
  }
  *out = (uint64_t)llround(v);
  return 0;
}

int pl_units_int(const char *s, long min, long max, long *out, const char **why) {
  if (!s || !*s || isspace((unsigned char)*s)) {
    *why = "expected a whole number";
    return -1;
  }
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  /* A zero fraction ("2.0", as a program writes a float) is the whole
   * number: ffmpeg reads counts as numbers that must be whole. */
  if (*end == '.' && end > s && isdigit((unsigned char)end[-1])) end += 1 + strspn(end + 1, "0");
  if (*end != '\0' || errno != 0) {
    *why = "expected a whole number";
    return -1;
  }
  if (v < min || v > max) {
    *why = "out of range";
    return -1;
  }
  *out = v;
  return 0;
}

int pl_units_time_us(const char *s, int64_t *us, const char **why) {
  double t;
  if (pl_units_time(s, &t, why) < 0) return -1;
  if (t > 9.2e12) {
    *why = "time too large";
    return -1;
  }
  *us = llround(t * 1e6);
  return 0;
}

int pl_units_rate(const char *s, int *num, int *den, const char **why) {
  AVRational r;
  *why = "expected a positive rate such as 30, 29.97 or 30000/1001";
  if (!s || !*s || isspace((unsigned char)*s) || av_parse_video_rate(&r, s) < 0 || r.num <= 0 ||
      r.den <= 0)
    return -1;
  *num = r.num;
  *den = r.den;
  return 0;
}

int pl_units_wxh(const char *s, int *w, int *h, const char **why) {
  *why = "expected WIDTHxHEIGHT such as 1280x720";
  if (!s || !*s) return -1;
  /* A name, or two numbers with any one character between them: libavutil
   * skips it, so ffmpeg takes 512:512 and 1280*720 as 512x512 and 1280x720. */
  if (!isalpha((unsigned char)*s)) {
    const char *p = s;
    while (isdigit((unsigned char)*p))
      p++;
    if (p == s || !*p || !isdigit((unsigned char)p[1])) return -1;
    for (p++; *p; p++)
      if (!isdigit((unsigned char)*p)) return -1;
  }
  if (av_parse_video_size(w, h, s) < 0) {
    if (isdigit((unsigned char)*s)) *why = "width and height must be between 1 and 32768";
    return -1;
  }
  if (*w <= 0 || *h <= 0 || *w > 32768 || *h > 32768) {
    *why = "width and height must be between 1 and 32768";
    return -1;
  }
  return 0;
}
