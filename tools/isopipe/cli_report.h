/* The -progress writer: ffmpeg-compatible key=value blocks to a pipe or a file. */
#ifndef ISOPIPE_CLI_REPORT_H
#define ISOPIPE_CLI_REPORT_H

#include <stddef.h>

#include "isopipe/stats.h"

typedef struct cli_report {
  int fd;  /* -1 when -progress was not given */
  int own; /* 1 when we opened fd and must close it */
  int ended;
} cli_report;

/* "pipe:1", "pipe:2", "pipe:N", "-" (stdout), "file:PATH" or a path.
 * Returns 0; 2 for an unsupported URL; 1 when the file cannot be opened.
 * err gets one line. */
int cli_report_open(cli_report *r, const char *url, char *err, size_t errlen);
/* One block ending in progress=continue (or progress=end when end is set:
 * written once, later calls do nothing). Flushed (one write) per block.
 * percent < 0 and eta < 0 print N/A. */
void cli_report_write(cli_report *r, const iso_progress *p, double percent, double eta, int end);
void cli_report_close(cli_report *r);

/* The text of a block, for tests. Returns its length. */
size_t cli_fmt_report(const iso_progress *p, double percent, double eta, int end, char *buf,
                      size_t n);

#endif
