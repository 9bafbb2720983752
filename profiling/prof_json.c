/* A small streaming JSON writer over a buffered plain or gzip file, for the stats document and the
 * trace. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "profiling/prof_internal.h"

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

pl_json *pl_json_open(const char *path, bool pretty) {
  pl_json *j = calloc(1, sizeof *j);
  if (!j) return NULL;
  if (ends_with(path, ".gz")) {
    /* Level 6: a trace compresses ~10x; higher levels cost main's time. */
    j->gz = gzopen(path, "wb6");
    if (!j->gz) goto fail;
  } else {
    j->f = fopen(path, "wb");
    if (!j->f) goto fail;
  }
  j->first[0] = true;
  j->pretty = pretty;
  return j;
fail:
  free(j);
  return NULL;
}

void pl_json_init_file(pl_json *j, FILE *f, bool pretty) {
  memset(j, 0, sizeof *j);
  j->f = f;
  j->first[0] = true;
  j->pretty = pretty;
}

static void failed(pl_json *j) {
  if (!j->errnum) j->errnum = errno ? errno : EIO;
  j->err = 1;
}

void pl_json_flush(pl_json *j) {
  if (!j->len) return;
  errno = 0;
  if (j->gz) {
    if (gzwrite(j->gz, j->buf, (unsigned)j->len) != (int)j->len) failed(j);
  } else if (j->f) {
    if (fwrite(j->buf, 1, j->len, j->f) != j->len) failed(j);
  }
  j->len = 0;
}

int pl_json_close(pl_json *j) {
  if (!j) return ISO_EINVAL;
  pl_json_flush(j);
  errno = 0;
  if (j->gz) {
    if (gzclose(j->gz) != Z_OK) failed(j);
  } else if (j->f) {
    /* Buffered bytes meet a full disk here, if not before. */
    if (fclose(j->f) != 0) failed(j);
  }
  int err = j->err, errnum = j->errnum;
  free(j);
  errno = errnum;
  return err ? ISO_EINVAL : ISO_OK;
}

static void put(pl_json *j, const char *s, size_t n) {
  j->bytes += n;
  while (n) {
    if (j->len == sizeof j->buf) pl_json_flush(j);
    size_t room = sizeof j->buf - j->len;
    size_t k = n < room ? n : room;
    memcpy(j->buf + j->len, s, k);
    j->len += k;
    s += k;
    n -= k;
  }
}

static void putc_(pl_json *j, char c) {
  if (j->len == sizeof j->buf) pl_json_flush(j);
  j->buf[j->len++] = c;
  j->bytes++;
}

static void indent(pl_json *j) {
  if (!j->pretty) return;
  putc_(j, '\n');
  for (int i = 0; i < j->depth; i++)
    put(j, "  ", 2);
}

/* Separator before a value or key at the current depth. */
static void before_value(pl_json *j) {
  if (j->after_key) {
    j->after_key = false;
    return;
  }
  if (!j->first[j->depth]) putc_(j, ',');
  j->first[j->depth] = false;
  if (j->depth > 0) indent(j);
}

static void open_(pl_json *j, char c) {
  before_value(j);
  putc_(j, c);
  if (j->depth < PL_JSON_DEPTH - 1)
    j->depth++;
  else
    j->err = 1;
  j->first[j->depth] = true;
}

static void close_(pl_json *j, char c) {
  bool empty = j->first[j->depth];
  if (j->depth > 0) j->depth--;
  if (!empty) indent(j);
  putc_(j, c);
}

void pl_json_obj(pl_json *j) {
  open_(j, '{');
}
void pl_json_obj_end(pl_json *j) {
  close_(j, '}');
}
void pl_json_arr(pl_json *j) {
  open_(j, '[');
}
void pl_json_arr_end(pl_json *j) {
  close_(j, ']');
}

/* Length of a valid UTF-8 sequence at c, 0 if invalid: file names and
 * FFmpeg messages are bytes, and a JSON parser rejects broken UTF-8. */
static size_t utf8_len(const unsigned char *c) {
  size_t n = *c >= 0xf0 && *c <= 0xf4 ? 4 : *c >= 0xe0 ? 3 : *c >= 0xc2 && *c <= 0xdf ? 2 : 0;
  if (*c >= 0xf5) n = 0;
  for (size_t i = 1; i < n; i++)
    if ((c[i] & 0xc0) != 0x80) return 0;
  if (n == 3 && ((*c == 0xe0 && c[1] < 0xa0) || (*c == 0xed && c[1] >= 0xa0))) return 0;
  if (n == 4 && ((*c == 0xf0 && c[1] < 0x90) || (*c == 0xf4 && c[1] >= 0x90))) return 0;
  return n;
}

static void quoted(pl_json *j, const char *s) {
  static const char hex[] = "0123456789abcdef";
  putc_(j, '"');
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    switch (*c) {
    case '"':
      put(j, "\\\"", 2);
      break;
    case '\\':
      put(j, "\\\\", 2);
      break;
    case '\n':
      put(j, "\\n", 2);
      break;
    case '\r':
      put(j, "\\r", 2);
      break;
    case '\t':
      put(j, "\\t", 2);
      break;
    default:
      if (*c < 0x20) {
        char u[6] = {'\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15]};
        put(j, u, 6);
      } else if (*c < 0x80) {
        putc_(j, (char)*c);
      } else {
        size_t n = utf8_len(c);
        if (n) {
          put(j, (const char *)c, n);
          c += n - 1;
        } else {
          put(j, "\\ufffd", 6);
        }
      }
    }
  }
  putc_(j, '"');
}

void pl_json_key(pl_json *j, const char *k) {
  before_value(j);
  quoted(j, k);
  putc_(j, ':');
  if (j->pretty) putc_(j, ' ');
  j->after_key = true;
}

void pl_json_str(pl_json *j, const char *s) {
  if (!s) {
    pl_json_null(j);
    return;
  }
  before_value(j);
  quoted(j, s);
}

void pl_json_num(pl_json *j, double d) {
  if (!isfinite(d)) {
    pl_json_null(j);
    return;
  }
  char b[32];
  int n = snprintf(b, sizeof b, "%.9g", d);
  before_value(j);
  put(j, b, (size_t)n);
}

void pl_json_uint(pl_json *j, uint64_t v) {
  char b[24];
  int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
  before_value(j);
  put(j, b, (size_t)n);
}

void pl_json_int(pl_json *j, int64_t v) {
  char b[24];
  int n = snprintf(b, sizeof b, "%lld", (long long)v);
  before_value(j);
  put(j, b, (size_t)n);
}

void pl_json_bool(pl_json *j, bool b) {
  before_value(j);
  if (b)
    put(j, "true", 4);
  else
    put(j, "false", 5);
}

void pl_json_null(pl_json *j) {
  before_value(j);
  put(j, "null", 4);
}

void pl_json_kstr(pl_json *j, const char *k, const char *s) {
  pl_json_key(j, k);
  pl_json_str(j, s);
}
void pl_json_knum(pl_json *j, const char *k, double d) {
  pl_json_key(j, k);
  pl_json_num(j, d);
}
void pl_json_kuint(pl_json *j, const char *k, uint64_t v) {
  pl_json_key(j, k);
  pl_json_uint(j, v);
}
void pl_json_kint(pl_json *j, const char *k, int64_t v) {
  pl_json_key(j, k);
  pl_json_int(j, v);
}

void pl_json_newline(pl_json *j) {
  putc_(j, '\n');
}

void pl_json_fixed(pl_json *j, double d, int decimals) {
  if (!isfinite(d)) {
    pl_json_null(j);
    return;
  }
  char b[48];
  int n = snprintf(b, sizeof b, "%.*f", decimals, d);
  if (n < 0 || n >= (int)sizeof b) n = snprintf(b, sizeof b, "%.9g", d);
  before_value(j);
  put(j, b, (size_t)n);
}
