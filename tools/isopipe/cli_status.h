/* Text of the progress display: the terminal block, the plain status line and the summary. */
#ifndef ISOPIPE_CLI_STATUS_H
#define ISOPIPE_CLI_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "isopipe/stats.h"

/* Recent per-stage rates and the CLI's own ETA estimate, computed from
 * successive snapshots over windows of at least 0.5 s so the display does
 * not flicker at 60 Hz. */
typedef struct cli_rates {
  double t_prev;   /* elapsed_s of the window start; < 0 before the first */
  double pos_prev; /* position_s at the window start */
  int nstages;
  uint64_t items_prev[ISO_MAX_STAGES];
  double busy_prev[ISO_MAX_STAGES], wall_prev[ISO_MAX_STAGES];
  double fps[ISO_MAX_STAGES];  /* items out per second, recent */
  double busy[ISO_MAX_STAGES]; /* busy fraction, recent (0..1) */
  double speed_ema;            /* smoothed x realtime */
  int windows;                 /* windows with a usable speed */
  int closed;                  /* windows closed for the stage rates */
} cli_rates;

void cli_rates_init(cli_rates *r);
void cli_rates_update(cli_rates *r, const iso_progress *p);
/* 0..100, or -1 when the duration is unknown. */
double cli_percent(const iso_progress *p);
/* The pipeline's smoothed ETA if it has one, else ours once stable, else -1. */
double cli_eta(const cli_rates *r, const iso_progress *p);

/* The terminal block: lines separated by '\n', no trailing newline, each
 * at most width-1 columns (so the terminal never wraps them). Returns the
 * number of lines. */
int cli_fmt_block(const iso_progress *p, const cli_rates *r, int width, char *buf, size_t n);
/* One line for logs and pipes (no newline). */
void cli_fmt_status_line(const iso_progress *p, const cli_rates *r, char *buf, size_t n);
/* The end-of-run line (no newline). 'how' is "done", "interrupted" or
 * "failed". verbose adds the main isolate's tick lateness. */
void cli_fmt_summary(const iso_progress *p, const char *how, int verbose, char *buf, size_t n);

#endif
