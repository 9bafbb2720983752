/* The -progress writer: ffmpeg-compatible key=value blocks to a pipe or a file. */
#include "tools/isopipe/cli_report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isopipe/common.h"
#include "tools/isopipe/cli_term.h"

int cli_report_open(cli_report *r, const char *url, char *err, size_t errlen) {
  r->fd = -1;
  r->own = 0;
  r->ended = 0;
  if (!url) return 0;
  if (strcmp(url, "-") == 0 || strcmp(url, "pipe:") == 0) {
    r->fd = 1;
    return 0;
  }
  if (strncmp(url, "pipe:", 5) == 0) {
    char *end;
    long fd = strtol(url + 5, &end, 10);
    if (*end || fd < 0 || fd > 1023) {
      snprintf(err, errlen, "invalid -progress URL '%s': expected pipe:N", url);
      return 2;
    }
    r->fd = (int)fd;
    return 0;
  }
  const char *path = url;
  if (strncmp(url, "file:", 5) == 0)
    path = url + 5;
  else if (strstr(url, "://")) {
    snprintf(err, errlen, "unsupported -progress URL '%s': use pipe:N or a file", url);
    return 2;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open progress file '%s': %s", path, strerror(errno));
    return 1;
  }
  r->fd = fd;
  r->own = 1;
  return 0;
}

static size_t add(char *buf, size_t n, size_t len, const char *fmt, ...) ISO_PRINTF(4, 5);
static size_t add(char *buf, size_t n, size_t len, const char *fmt, ...) {
  if (len >= n) return len;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + len, n - len, fmt, ap);
  va_end(ap);
  if (w < 0) return len;
  return len + (size_t)w < n ? len + (size_t)w : n - 1;
}

size_t cli_fmt_report(const iso_progress *p, double percent, double eta, int end, char *buf,
                      size_t n) {
  size_t len = 0;
  if (n == 0) return 0;
  buf[0] = '\0';
  len = add(buf, n, len, "frame=%llu\nfps=%.2f\n", (unsigned long long)p->frames, p->fps);
  if (p->bitrate_kbps > 0)
    len = add(buf, n, len, "bitrate=%.1fkbits/s\n", p->bitrate_kbps);
  else
    len = add(buf, n, len, "bitrate=N/A\n");
  len = add(buf, n, len, "total_size=%llu\n", (unsigned long long)p->out_bytes);
  if (p->position_s >= 0) {
    long long us = llround(p->position_s * 1e6);
    /* out_time_ms carries microseconds too: ffmpeg's historical quirk,
     * kept so existing parsers read the same numbers. */
    len = add(buf, n, len, "out_time_us=%lld\nout_time_ms=%lld\n", us, us);
    len = add(buf, n, len, "out_time=%02lld:%02lld:%02lld.%06lld\n", us / 3600000000LL,
              us / 60000000LL % 60, us / 1000000LL % 60, us % 1000000LL);
  } else {
    len = add(buf, n, len, "out_time_us=N/A\nout_time_ms=N/A\nout_time=N/A\n");
  }
  if (p->speed > 0)
    len = add(buf, n, len, "speed=%.3gx\n", p->speed);
  else
    len = add(buf, n, len, "speed=N/A\n");
  if (percent >= 0)
    len = add(buf, n, len, "percent=%.2f\n", percent);
  else
    len = add(buf, n, len, "percent=N/A\n");
  if (eta >= 0)
    len = add(buf, n, len, "eta_s=%.1f\n", eta);
  else
    len = add(buf, n, len, "eta_s=N/A\n");
  len = add(buf, n, len, "progress=%s\n", end ? "end" : "continue");
  return len;
}

void cli_report_write(cli_report *r, const iso_progress *p, double percent, double eta, int end) {
  if (r->fd < 0 || r->ended) return;
  char buf[1024];
  size_t len = cli_fmt_report(p, percent, eta, end, buf, sizeof buf);
  if (cli_write_all(r->fd, buf, len) < 0)
    r->ended = 1; /* the reader went away: stop writing, keep transcoding */
  if (end) r->ended = 1;
}

void cli_report_close(cli_report *r) {
  if (r->own && r->fd >= 0) close(r->fd);
  r->fd = -1;
  r->own = 0;
}
