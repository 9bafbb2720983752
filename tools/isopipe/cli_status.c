/* Text of the progress display: the terminal block, the plain status line and the summary. */
#include "tools/isopipe/cli_status.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isopipe/common.h"
#include "tools/isopipe/cli_units.h"

#define WINDOW_S 0.5

void cli_rates_init(cli_rates *r) {
  memset(r, 0, sizeof *r);
  r->t_prev = -1;
}

/* Averages over each stage's life: what is shown until a window closes. */
static void lifetime_rates(cli_rates *r, const iso_progress *p, int ns) {
  for (int i = 0; i < ns; i++) {
    const iso_stage_stats *s = &p->stages[i];
    r->fps[i] = s->wall_s > 0 ? (double)s->items_out / s->wall_s : 0;
    r->busy[i] = s->wall_s > 0 ? s->busy_s / s->wall_s : 0;
  }
}

void cli_rates_update(cli_rates *r, const iso_progress *p) {
  int ns = p->nstages < ISO_MAX_STAGES ? p->nstages : ISO_MAX_STAGES;
  if (ns < 0) ns = 0;
  if (r->t_prev < 0 || ns != r->nstages) {
    /* First snapshot (or a new graph): lifetime averages until the first
     * window closes. */
    for (int i = 0; i < ns; i++) {
      const iso_stage_stats *s = &p->stages[i];
      r->items_prev[i] = s->items_out;
      r->busy_prev[i] = s->busy_s;
      r->wall_prev[i] = s->wall_s;
    }
    lifetime_rates(r, p, ns);
    r->nstages = ns;
    r->closed = 0;
    r->t_prev = p->elapsed_s;
    r->pos_prev = p->position_s;
    return;
  }
  double dt = p->elapsed_s - r->t_prev;
  if (dt < WINDOW_S) {
    if (!r->closed) lifetime_rates(r, p, ns);
    return;
  }
  r->closed++;
  for (int i = 0; i < ns; i++) {
    const iso_stage_stats *s = &p->stages[i];
    double dw = s->wall_s - r->wall_prev[i];
    uint64_t di = s->items_out >= r->items_prev[i] ? s->items_out - r->items_prev[i] : 0;
    r->fps[i] = (double)di / dt;
    r->busy[i] = dw > 0 ? (s->busy_s - r->busy_prev[i]) / dw : r->busy[i];
    if (r->busy[i] < 0) r->busy[i] = 0;
    if (r->busy[i] > 1) r->busy[i] = 1;
    r->items_prev[i] = s->items_out;
    r->busy_prev[i] = s->busy_s;
    r->wall_prev[i] = s->wall_s;
  }
  double speed = (p->position_s - r->pos_prev) / dt;
  if (speed >= 0) {
    /* An exponential average over ~2.5 s: quick enough to follow a change
     * of pace, slow enough that the ETA does not jump every redraw. */
    r->speed_ema = r->windows == 0 ? speed : 0.8 * r->speed_ema + 0.2 * speed;
    r->windows++;
  }
  r->t_prev = p->elapsed_s;
  r->pos_prev = p->position_s;
}

double cli_percent(const iso_progress *p) {
  if (p->percent >= 0) return p->percent > 100 ? 100 : p->percent;
  if (p->duration_s > 0 && p->position_s >= 0) {
    double pc = 100.0 * p->position_s / p->duration_s;
    return pc > 100 ? 100 : pc;
  }
  return -1;
}

double cli_eta(const cli_rates *r, const iso_progress *p) {
  if (p->finished) return 0;
  if (p->eta_s >= 0) return p->eta_s;
  if (p->duration_s <= 0 || r->windows < 4 || p->elapsed_s < 2.0 || r->speed_ema <= 1e-6) return -1;
  double left = p->duration_s - p->position_s;
  return left > 0 ? left / r->speed_ema : 0;
}

/* Appends to a line buffer without overflowing; the line is cut at 'limit'
 * columns (all text here is ASCII, so bytes are columns). */
typedef struct linebuf {
  char *buf;
  size_t n, len;
  size_t line_start;
  int limit;
} linebuf;

static void lb_add(linebuf *lb, const char *fmt, ...) ISO_PRINTF(2, 3);
static void lb_add(linebuf *lb, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  for (const char *c = tmp; *c; c++) {
    if ((int)(lb->len - lb->line_start) >= lb->limit) break;
    if (lb->len + 1 >= lb->n) break;
    lb->buf[lb->len++] = *c;
  }
  lb->buf[lb->len] = '\0';
}

static void lb_newline(linebuf *lb) {
  if (lb->len + 1 < lb->n) {
    lb->buf[lb->len++] = '\n';
    lb->buf[lb->len] = '\0';
  }
  lb->line_start = lb->len;
}

static void bar(char *out, int width, double frac) {
  if (frac < 0) frac = 0;
  if (frac > 1) frac = 1;
  int full = (int)lround(frac * width);
  for (int i = 0; i < width; i++)
    out[i] = i < full ? '#' : '-';
  out[width] = '\0';
}

int cli_fmt_block(const iso_progress *p, const cli_rates *r, int width, char *buf, size_t n) {
  if (n == 0) return 0;
  buf[0] = '\0';
  if (width < 20) width = 20;
  linebuf lb = {buf, n, 0, 0, width - 1};
  char t1[32], t2[32], t3[32], t4[32], t5[32];
  double pc = cli_percent(p);
  double eta = cli_eta(r, p);

  lb_add(&lb, "%s", cli_fmt_time(p->position_s, t1, sizeof t1));
  if (p->duration_s > 0) lb_add(&lb, " / %s", cli_fmt_time(p->duration_s, t2, sizeof t2));
  if (pc >= 0) {
    char b[41];
    int bw = width - 1 - 34 - 8;
    if (bw > 40) bw = 40;
    lb_add(&lb, " %5.1f%%", pc);
    if (bw >= 10) {
      bar(b, bw, pc / 100.0);
      lb_add(&lb, " [%s]", b);
    }
  }
  lb_add(&lb, "  elapsed %s", cli_fmt_eta(p->elapsed_s, t3, sizeof t3));
  lb_newline(&lb);

  lb_add(&lb, "frame %llu  fps %.1f  speed ", (unsigned long long)p->frames, p->fps);
  if (p->speed > 0)
    lb_add(&lb, "%.2fx", p->speed);
  else
    lb_add(&lb, "N/A");
  lb_add(&lb, "  ETA %s", eta >= 0 ? cli_fmt_eta(eta, t4, sizeof t4) : "--:--");
  lb_add(&lb, "  size %s  bitrate %s", cli_fmt_bytes(p->out_bytes, t5, sizeof t5),
         cli_fmt_kbps(p->bitrate_kbps > 0 ? p->bitrate_kbps : -1, t1, sizeof t1));
  int lines = 2;

  int ns = p->nstages < ISO_MAX_STAGES ? p->nstages : ISO_MAX_STAGES;
  /* Ten columns fit every single-output name; "convert:v#1" needs more. */
  int w = 10;
  for (int i = 0; i < ns; i++) {
    int len = (int)strnlen(p->stages[i].name, ISO_STAGE_NAME_MAX);
    if (len > w) w = len;
  }
  for (int i = 0; i < ns; i++) {
    const iso_stage_stats *s = &p->stages[i];
    double fps = i < r->nstages ? r->fps[i] : 0;
    double busy = i < r->nstages ? r->busy[i] : 0;
    lb_newline(&lb);
    lb_add(&lb, "  %-*.*s %8.1f fps  busy %3.0f%%", w, w, s->name, fps, busy * 100.0);
    if (s->done) {
      /* A finished stage's last depth sample is stale: say it is done. */
      lb_add(&lb, "  done");
    } else if (s->in_capacity > 0) {
      char b[9];
      bar(b, 8, (double)s->in_depth / s->in_capacity);
      lb_add(&lb, "  in [%s] %u/%u", b, s->in_depth, s->in_capacity);
    } else {
      lb_add(&lb, "  in  -");
    }
    lines++;
  }
  return lines;
}

void cli_fmt_status_line(const iso_progress *p, const cli_rates *r, char *buf, size_t n) {
  char t1[32], t2[32], t3[32], t4[32], t5[32], pcs[16], etas[32];
  double pc = cli_percent(p);
  double eta = cli_eta(r, p);
  pcs[0] = '\0';
  if (pc >= 0) snprintf(pcs, sizeof pcs, " (%.1f%%)", pc);
  snprintf(etas, sizeof etas, "%s", eta >= 0 ? cli_fmt_eta(eta, t4, sizeof t4) : "N/A");
  char speed[24];
  if (p->speed > 0)
    snprintf(speed, sizeof speed, "%.2fx", p->speed);
  else
    snprintf(speed, sizeof speed, "N/A");
  snprintf(buf, n, "frame=%llu fps=%.1f time=%s/%s%s size=%s bitrate=%s speed=%s eta=%s",
           (unsigned long long)p->frames, p->fps, cli_fmt_time(p->position_s, t1, sizeof t1),
           p->duration_s > 0 ? cli_fmt_time(p->duration_s, t2, sizeof t2) : "N/A", pcs,
           cli_fmt_bytes(p->out_bytes, t3, sizeof t3),
           cli_fmt_kbps(p->bitrate_kbps > 0 ? p->bitrate_kbps : -1, t5, sizeof t5), speed, etas);
}

/* True when the graph has a video chain (a stage named "...:v"). */
static int has_video(const iso_progress *p) {
  for (int i = 0; i < p->nstages && i < ISO_MAX_STAGES; i++) {
    size_t len = strlen(p->stages[i].name);
    if (len >= 2 && strcmp(p->stages[i].name + len - 2, ":v") == 0) return 1;
  }
  return 0;
}

void cli_fmt_summary(const iso_progress *p, const char *how, int verbose, char *buf, size_t n) {
  char t1[32], t2[32], t3[32], frames[64] = "", fps[32] = "";
  /* Frame counts mean nothing for an audio-only job: leave them out. */
  if (p->frames > 0 || has_video(p)) {
    snprintf(frames, sizeof frames, "%llu frames, ", (unsigned long long)p->frames);
    snprintf(fps, sizeof fps, ", %.1f fps",
             p->elapsed_s > 0 ? (double)p->frames / p->elapsed_s : 0);
  }
  int len = snprintf(buf, n, "%s in %.1fs: %s%s of output, %s (%s)%s, %.2fx", how, p->elapsed_s,
                     frames, cli_fmt_time(p->position_s > 0 ? p->position_s : 0, t1, sizeof t1),
                     cli_fmt_bytes(p->out_bytes, t2, sizeof t2),
                     cli_fmt_kbps(p->bitrate_kbps > 0 ? p->bitrate_kbps : -1, t3, sizeof t3), fps,
                     p->speed > 0 ? p->speed : 0);
  /* Skipped packets are data lost: the summary says so, per stage. */
  for (int i = 0; i < p->nstages && i < ISO_MAX_STAGES && len > 0 && (size_t)len < n; i++)
    if (p->stages[i].errors_skipped)
      len += snprintf(buf + len, n - (size_t)len, "; %s: %llu decode errors skipped",
                      p->stages[i].name, (unsigned long long)p->stages[i].errors_skipped);
  if (verbose && len > 0 && (size_t)len < n)
    snprintf(buf + len, n - (size_t)len,
             "; tick lateness p50 %.3f ms, p99 %.3f ms, max %.3f ms, %llu of %llu ticks missed",
             p->tick_late_p50_us / 1000.0, p->tick_late_p99_us / 1000.0,
             p->tick_late_max_us / 1000.0, (unsigned long long)p->ticks_missed,
             (unsigned long long)p->ticks);
}
