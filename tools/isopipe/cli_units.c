/* Parsing and printing of the CLI's units: times, bit rates, sizes, counts, frame sizes. */
#include "tools/isopipe/cli_units.h"

#include <ctype.h>
#include <errno.h>
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

int cli_parse_time(const char *s, double *out, const char **why) {
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

int cli_parse_size(const char *s, uint64_t *out, const char **why) {
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

int cli_parse_int(const char *s, long min, long max, long *out, const char **why) {
  if (!s || !*s || isspace((unsigned char)*s)) {
    *why = "expected a whole number";
    return -1;
  }
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
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

int cli_parse_rate(const char *s, double *out, const char **why) {
  static const struct {
    const char *name;
    double v;
  } abbr[] = {{"ntsc", 30000.0 / 1001},  {"pal", 25}, {"film", 24}, {"ntsc-film", 24000.0 / 1001},
              {"qntsc", 30000.0 / 1001}, {"qpal", 25}};
  for (size_t i = 0; i < sizeof abbr / sizeof abbr[0]; i++) {
    if (s && strcmp(s, abbr[i].name) == 0) {
      *out = abbr[i].v;
      return 0;
    }
  }
  *why = "expected a positive rate such as 30, 29.97 or 30000/1001";
  if (!s || !*s) return -1;
  const char *slash = strchr(s, '/');
  double num, den = 1.0;
  if (parse_seconds_part(s, slash ? (size_t)(slash - s) : strlen(s), &num) < 0) return -1;
  if (slash && parse_seconds_part(slash + 1, strlen(slash + 1), &den) < 0) return -1;
  if (num <= 0 || den <= 0) return -1;
  *out = num / den;
  return 0;
}

int cli_parse_wxh(const char *s, int *w, int *h, const char **why) {
  static const struct {
    const char *name;
    int w, h;
  } abbr[] = {{"qcif", 176, 144},     {"cif", 352, 288},   {"4cif", 704, 576},
              {"qvga", 320, 240},     {"vga", 640, 480},   {"svga", 800, 600},
              {"xga", 1024, 768},     {"hd480", 852, 480}, {"hd720", 1280, 720},
              {"hd1080", 1920, 1080}, {"2k", 2048, 1080},  {"uhd2160", 3840, 2160},
              {"4k", 4096, 2160},     {"ntsc", 720, 480},  {"pal", 720, 576}};
  *why = "expected WIDTHxHEIGHT such as 1280x720";
  if (!s || !*s) return -1;
  for (size_t i = 0; i < sizeof abbr / sizeof abbr[0]; i++) {
    if (strcmp(s, abbr[i].name) == 0) {
      *w = abbr[i].w;
      *h = abbr[i].h;
      return 0;
    }
  }
  const char *x = strchr(s, 'x');
  if (!x || x == s || !x[1]) return -1;
  for (const char *p = s; *p; p++)
    if (p != x && !isdigit((unsigned char)*p)) return -1;
  long lw = strtol(s, NULL, 10), lh = strtol(x + 1, NULL, 10);
  if (lw <= 0 || lh <= 0 || lw > 32768 || lh > 32768) {
    *why = "width and height must be between 1 and 32768";
    return -1;
  }
  *w = (int)lw;
  *h = (int)lh;
  return 0;
}

char *cli_fmt_time(double s, char *buf, size_t n) {
  if (!(s >= 0) || s > 3.6e8) {
    snprintf(buf, n, "--:--:--.--");
    return buf;
  }
  long long cs = llround(s * 100.0);
  snprintf(buf, n, "%02lld:%02lld:%02lld.%02lld", cs / 360000, cs / 6000 % 60, cs / 100 % 60,
           cs % 100);
  return buf;
}

char *cli_fmt_eta(double s, char *buf, size_t n) {
  if (!(s >= 0) || s > 3.6e8) {
    snprintf(buf, n, "--:--");
    return buf;
  }
  long long t = llround(s);
  if (t >= 3600)
    snprintf(buf, n, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, n, "%lld:%02lld", t / 60, t % 60);
  return buf;
}

char *cli_fmt_bytes(uint64_t b, char *buf, size_t n) {
  static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (b < 1024) {
    snprintf(buf, n, "%uB", (unsigned)b);
    return buf;
  }
  double v = (double)b / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    u++;
  }
  snprintf(buf, n, v < 100 ? "%.1f%s" : "%.0f%s", v, units[u]);
  return buf;
}

char *cli_fmt_kbps(double kbps, char *buf, size_t n) {
  if (!(kbps >= 0) || isinf(kbps))
    snprintf(buf, n, "N/A");
  else if (kbps >= 10000)
    snprintf(buf, n, "%.2fMbit/s", kbps / 1000.0);
  else
    snprintf(buf, n, "%.1fkbit/s", kbps);
  return buf;
}
