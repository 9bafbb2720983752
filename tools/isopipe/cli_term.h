/* The main isolate's writer to stderr: log lines above a redrawn status block that never tears. */
#ifndef ISOPIPE_CLI_TERM_H
#define ISOPIPE_CLI_TERM_H

#include <stddef.h>

typedef struct cli_term {
  int fd;
  int tty;         /* 1: redraw a block in place; 0: plain appended lines */
  int color;       /* colour log levels (tty and no NO_COLOR) */
  int drawn_lines; /* lines of the block now on screen (tty) */
  char *pending;   /* log text waiting for the next draw */
  size_t plen, pcap;
  int lost; /* an append failed for want of memory */
} cli_term;

/* fd is normally 2. tty < 0 asks isatty(fd). */
void cli_term_init(cli_term *t, int fd, int tty);
void cli_term_free(cli_term *t);
/* Columns of the terminal (80 when unknown). */
int cli_term_width(const cli_term *t);

/* Queues one log line (a trailing newline is added when missing); level
 * is FFmpeg's (16 error, 24 warning...). On a tty it is shown at the next
 * cli_term_draw(); otherwise it is written at once. */
void cli_term_log(cli_term *t, int level, const char *stage, const char *line);
/* One write(): erases the block on screen, prints the queued logs, then
 * draws 'block' (NULL: no block, e.g. at the end). Not a tty: logs only. */
void cli_term_draw(cli_term *t, const char *block, int block_lines);
/* Writes a whole line (newline added) below any block, which is erased
 * first; used for errors and the summary. */
void cli_term_line(cli_term *t, const char *line);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int cli_write_all(int fd, const char *buf, size_t len);

#endif
