/* The main isolate's writer to stderr: log lines above a redrawn status block that never tears. */
#include "tools/isopipe/cli_term.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cli_write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

void cli_term_init(cli_term *t, int fd, int tty) {
  memset(t, 0, sizeof *t);
  t->fd = fd;
  t->tty = tty < 0 ? isatty(fd) : tty;
  const char *nc = getenv("NO_COLOR");
  t->color = t->tty && !(nc && *nc);
}

void cli_term_free(cli_term *t) {
  free(t->pending);
  t->pending = NULL;
  t->plen = t->pcap = 0;
}

int cli_term_width(const cli_term *t) {
  struct winsize ws;
  if (t->tty && ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

static void append(cli_term *t, const char *s, size_t n) {
  if (t->plen + n + 1 > t->pcap) {
    size_t cap = t->pcap ? t->pcap : 1024;
    while (cap < t->plen + n + 1)
      cap *= 2;
    char *p = realloc(t->pending, cap);
    if (!p) {
      t->lost = 1; /* a log line lost to OOM is better than a crash here */
      return;
    }
    t->pending = p;
    t->pcap = cap;
  }
  memcpy(t->pending + t->plen, s, n);
  t->plen += n;
  t->pending[t->plen] = '\0';
}

static void append_str(cli_term *t, const char *s) {
  append(t, s, strlen(s));
}

/* Text that may hold bytes from the input (file names, tags, codec names,
 * FFmpeg's messages about them): control characters would drive the
 * terminal (ESC ] sets its title, ESC [2J clears it), so each becomes '?',
 * as ffmpeg does; so do C1 controls encoded in UTF-8 (U+0080..U+009F),
 * which some terminals obey too. Tabs and line breaks stay. */
static void append_clean(cli_term *t, const char *s, size_t n) {
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    size_t bad = 0;
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
      bad = 1;
    else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
             (unsigned char)s[i + 1] <= 0x9f)
      bad = 2;
    if (!bad) continue;
    append(t, s + from, i - from);
    append(t, "?", 1);
    i += bad - 1;
    from = i + 1;
  }
  append(t, s + from, n - from);
}

void cli_term_log(cli_term *t, int level, const char *stage, const char *line) {
  size_t len = strlen(line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  const char *on = "", *off = "";
  if (t->color && level <= 16) {
    on = "\x1b[31m";
    off = "\x1b[0m";
  } else if (t->color && level <= 24) {
    on = "\x1b[33m";
    off = "\x1b[0m";
  }
  append_str(t, on);
  if (stage && *stage) {
    append_str(t, "[");
    append_clean(t, stage, strlen(stage));
    append_str(t, "] ");
  }
  append_clean(t, line, len);
  append_str(t, off);
  append_str(t, "\n");
  if (!t->tty) cli_term_draw(t, NULL, 0);
}

/* Moves to the first column of the block's first line and clears from
 * there down: the block was drawn without a trailing newline, so the
 * cursor sits on its last line. */
static void erase_block(cli_term *t) {
  if (!t->tty || t->drawn_lines == 0) return;
  char esc[32];
  if (t->drawn_lines > 1)
    snprintf(esc, sizeof esc, "\r\x1b[%dA\x1b[J", t->drawn_lines - 1);
  else
    snprintf(esc, sizeof esc, "\r\x1b[J");
  /* The pending text is moved behind the escape so one write() carries all. */
  size_t elen = strlen(esc);
  append(t, esc, elen);
  if (t->plen > elen) {
    memmove(t->pending + elen, t->pending, t->plen - elen);
    memcpy(t->pending, esc, elen);
  }
  t->drawn_lines = 0;
}

void cli_term_draw(cli_term *t, const char *block, int block_lines) {
  if (t->tty) {
    erase_block(t);
    if (block && block_lines > 0) {
      append_str(t, block);
      t->drawn_lines = block_lines;
    }
  }
  if (t->plen > 0) cli_write_all(t->fd, t->pending, t->plen);
  t->plen = 0;
}

/* The line cleaned as append_clean does, written through a stack buffer:
 * for when the pending buffer cannot grow. */
static void write_clean(int fd, const char *s) {
  char buf[512];
  size_t used = 0;
  for (;; s++) {
    unsigned char c = (unsigned char)*s;
    if (used + 2 > sizeof buf || !c) {
      if (!c) buf[used++] = '\n';
      cli_write_all(fd, buf, used);
      used = 0;
      if (!c) return;
    }
    if (c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f) {
      buf[used++] = '?';
      s++;
    } else {
      buf[used++] = (char)(((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) ? '?' : c);
    }
  }
}

void cli_term_line(cli_term *t, const char *line) {
  if (t->tty) erase_block(t);
  size_t before = t->plen;
  t->lost = 0;
  append_clean(t, line, strlen(line));
  append_str(t, "\n");
  if (t->lost) {
    /* Out of memory: what was queued before, then the line itself, which
     * is often the error that says so and must not be lost with it. */
    cli_write_all(t->fd, t->pending, before);
    t->plen = 0;
    write_clean(t->fd, line);
    return;
  }
  cli_write_all(t->fd, t->pending, t->plen);
  t->plen = 0;
}
