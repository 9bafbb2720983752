/* The bottleneck verdict and the end-of-run table, computed from stage snapshots only. */
#include <stdarg.h>
#include <string.h>

#include "profiling/prof_internal.h"

static double frac(double part, double wall) {
  return wall > 0 ? part / wall : 0;
}

/* j consumes what i produces, directly or further down: the input feeds
 * everything, a decoder every output, other stages only their own output's
 * stages of their own media and its muxer. */
static bool downstream(const iso_stage_stats *i, const iso_stage_stats *j) {
  if (j->kind <= i->kind || i->kind == ISO_STAGE_OTHER || j->kind == ISO_STAGE_OTHER) return false;
  if (i->kind == ISO_STAGE_INPUT) return true;
  if (i->kind != ISO_STAGE_DECODE && i->output != j->output) return false;
  if (j->kind == ISO_STAGE_OUTPUT) return true;
  return i->media == j->media;
}

static const char *hint_for(const iso_stage_stats *st) {
  switch (st->kind) {
  case ISO_STAGE_INPUT:
    return "input I/O bound: read from faster storage or a local copy";
  case ISO_STAGE_DECODE:
    return "try more -threads for decoding, or a lighter input";
  case ISO_STAGE_FILTER:
    return st->media == 'a' ? "avoid resampling (keep -ar/-ac) if the output allows it"
                            : "try a cheaper scaling (smaller -s) or keep the source size "
                              "and pixel format";
  case ISO_STAGE_ENCODE:
    return st->media == 'a' ? "audio encoders run on one thread: try a cheaper codec or "
                              "settings (e.g. a lower -compression_level)"
                            : "try a faster -preset or more -threads";
  case ISO_STAGE_OUTPUT:
    return "output I/O bound: write to faster storage";
  default:
    return "see what this stage spends its busy time on (--trace)";
  }
}

static void appendf(char *buf, size_t n, const char *fmt, ...) ISO_PRINTF(3, 4);
static void appendf(char *buf, size_t n, const char *fmt, ...) {
  size_t len = strlen(buf);
  if (len + 1 >= n) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + len, n - len, fmt, ap);
  va_end(ap);
}

int pl_verdict_pick(const iso_stage_stats *st, int n, pl_verdict *v) {
  memset(v, 0, sizeof *v);
  v->stage = -1;
  /* Against the whole run, not each stage's own life: a decoder that
   * raced through 12 frames in 0.1 s at 99 % busy and then ended did not
   * hold up a 3 s run. */
  double run = 0;
  for (int i = 0; i < n; i++)
    if (st[i].wall_s > run) run = st[i].wall_s;
  double best = -1;
  for (int i = 0; i < n; i++) {
    const iso_stage_stats *s = &st[i];
    /* Time waiting for a core is not work: a cheap stage preempted by
     * busier ones on a loaded machine would otherwise look busy. runq_s
     * also holds the waits after wake-ups from starved or blocked, so the
     * thread's own CPU bounds what is taken off. */
    double work = s->busy_s - s->runq_s;
    if (work < s->cpu_s) work = s->cpu_s < s->busy_s ? s->cpu_s : s->busy_s;
    double busy = frac(work > 0 ? work : 0, run);
    double fill = s->in_capacity ? s->in_depth_mean / s->in_capacity : 0;
    double ds = 0;
    for (int j = 0; j < n; j++)
      if (downstream(s, &st[j])) {
        double sj = frac(st[j].starved_s, run);
        if (sj > ds) ds = sj;
      }
    /* Busy time decides; a full input and starving consumers break ties
     * between stages that are about equally busy. */
    double score = busy + 0.15 * fill + 0.10 * ds;
    if (score > best) {
      best = score;
      v->stage = i;
    }
  }
  uint64_t moved = 0;
  for (int i = 0; i < n; i++)
    moved += st[i].items_out;
  /* A run that failed before any item moved has no bottleneck to name. */
  if (v->stage < 0 || moved == 0) {
    v->stage = -1;
    snprintf(v->line, sizeof v->line, "no verdict: %s",
             n ? "no item went through the pipeline" : "no stage figures");
    return -1;
  }
  const iso_stage_stats *s = &st[v->stage];
  snprintf(v->name, sizeof v->name, "%s", s->name);
  double busy = frac(s->busy_s, run);
  snprintf(v->reason, sizeof v->reason, "%.0f %% busy", 100 * busy);
  if (s->in_capacity)
    appendf(v->reason, sizeof v->reason, ", input queue %.0f %% full (mean %.1f of %u)",
            100 * s->in_depth_mean / s->in_capacity, s->in_depth_mean, s->in_capacity);
  int starved = -1;
  double sv = 0;
  for (int j = 0; j < n; j++)
    if (downstream(s, &st[j]) && frac(st[j].starved_s, run) > sv) {
      sv = frac(st[j].starved_s, run);
      starved = j;
    }
  if (starved >= 0 && sv >= 0.05)
    appendf(v->reason, sizeof v->reason, ", %s starved %.0f %%", st[starved].name, 100 * sv);
  if (busy < 0.5)
    appendf(v->reason, sizeof v->reason, " (no stage is saturated: I/O or scheduling bound)");
  snprintf(v->hint, sizeof v->hint, "%s", hint_for(s));
  snprintf(v->line, sizeof v->line, "%s is the bottleneck: %s; %s", v->name, v->reason, v->hint);
  return v->stage;
}

size_t pl_stats_table(const iso_progress *prog, char *buf, size_t n) {
  char tmp[512];
  size_t need = 0;
  if (n) buf[0] = '\0';
#define EMIT(...)                                                                                  \
  do {                                                                                             \
    int k_ = snprintf(tmp, sizeof tmp, __VA_ARGS__);                                               \
    if (k_ > 0) {                                                                                  \
      need += (size_t)k_;                                                                          \
      if (n) appendf(buf, n, "%s", tmp);                                                           \
    }                                                                                              \
  } while (0)
  EMIT("%-12s %9s %7s %9s %9s %8s %9s\n", "stage", "fps", "busy %", "starved %", "blocked %",
       "CPU s", "queue");
  for (int i = 0; i < prog->nstages; i++) {
    const iso_stage_stats *s = &prog->stages[i];
    char q[32] = "-";
    if (s->in_capacity) snprintf(q, sizeof q, "%.1f/%u", s->in_depth_mean, s->in_capacity);
    EMIT("%-12s %9.1f %7.1f %9.1f %9.1f %8.2f %9s\n", s->name,
         s->wall_s > 0 ? (double)s->items_out / s->wall_s : 0, 100 * frac(s->busy_s, s->wall_s),
         100 * frac(s->starved_s, s->wall_s), 100 * frac(s->blocked_s, s->wall_s), s->cpu_s, q);
  }
  if (prog->latency_max_ms > 0)
    EMIT("frame latency demux->mux: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", prog->latency_p50_ms,
         prog->latency_p99_ms, prog->latency_max_ms);
  pl_verdict v;
  pl_verdict_pick(prog->stages, prog->nstages, &v);
  EMIT("verdict: %s\n", v.line);
#undef EMIT
  return need;
}
