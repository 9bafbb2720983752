/* Small helpers shared by the codec layer: error strings and error reporting. */
#include "codecs/cx_internal.h"

#include <libavutil/error.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local void *tl_log_tag;

void cx_log_tag_set(void *tag) {
  tl_log_tag = tag;
}

void *cx_log_tag(void) {
  return tl_log_tag;
}

const char *cx_errstr(int averr, char *buf, size_t len) {
  if (!buf || len == 0) return "";
  if (av_strerror(averr, buf, len) < 0) snprintf(buf, len, "error %d", averr);
  return buf;
}

int cx_fail(char *err, int averr, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, CX_ERRLEN, fmt, ap);
    va_end(ap);
    if (averr < 0 && n >= 0 && n < CX_ERRLEN - 3) {
      char why[128];
      snprintf(err + n, CX_ERRLEN - (size_t)n, ": %s", cx_errstr(averr, why, sizeof why));
    }
  }
  return averr < 0 ? averr : AVERROR(EINVAL);
}

bool cx_name_in_list(const char *list, const char *name) {
  if (!list || !name) return false;
  size_t n = strlen(name);
  const char *p = list;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}
