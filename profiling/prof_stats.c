/* The main isolate's aggregator: latest stage figures, link depth series, latency and tick
 * lateness. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiling/prof_internal.h"

double pl_process_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Output #k's stages follow output #k-1's (+100 k); within an output the
 * shared input first, then the video chain, the audio chain, the muxer. */
int pl_stage_rank(int kind, char media, int output) {
  int out = output < 0 ? 0 : output > 99 ? 99 : output;
  if (kind == ISO_STAGE_INPUT) return 0;
  if (kind == ISO_STAGE_OUTPUT) return 90 + 100 * out;
  int step = kind == ISO_STAGE_DECODE   ? 1
             : kind == ISO_STAGE_FILTER ? 2
             : kind == ISO_STAGE_ENCODE ? 3
                                        : 2;
  int chain = media == 'v' ? 10 : media == 'a' ? 20 : 30;
  return chain + step + 100 * out;
}

pl_stats *pl_stats_new(void) {
  pl_stats *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->t0_ns = s->t_now_ns = pl_now();
  s->cpu0_s = pl_process_cpu_s();
  pl_hist_init(&s->lat_us);
  pl_hist_init(&s->tick_late_us);
  s->trace_budget = PL_TRACE_BUDGET;
  return s;
}

void pl_stats_trace_budget(pl_stats *s, uint64_t events) {
  s->trace_budget = events;
}

int pl_stats_trace_open(pl_stats *s, const char *path) {
  if (!path || s->trace) return ISO_EINVAL;
  s->trace = pl_trace_open(path, s->t0_ns, s->trace_budget);
  if (!s->trace) return ISO_EINVAL;
  for (int i = 0; i < s->nstages; i++)
    pl_trace_thread(s->trace, s->stages[i].tid, s->stages[i].last.st.name, s->stages[i].rank + 1);
  return ISO_OK;
}

static void close_trace(pl_stats *s) {
  if (!s->trace) return;
  s->trace_events = pl_trace_events(s->trace);
  s->trace_dropped = pl_trace_dropped(s->trace);
  s->trace_status = pl_trace_close(s->trace, s->stage_slices_dropped);
  s->trace_errno = s->trace_status != ISO_OK ? errno : 0;
  s->trace = NULL;
}

void pl_stats_free(pl_stats *s) {
  if (!s) return;
  close_trace(s);
  free(s);
}

const pl_stage_agg *pl_stats_stage(const pl_stats *s, const char *name) {
  for (int i = 0; i < s->nstages; i++)
    if (strcmp(s->stages[i].last.st.name, name) == 0) return &s->stages[i];
  return NULL;
}

/* Stages are kept in display order; their tids stay what they were. A
 * stage that reports without having been declared sits mid-chain. */
static pl_stage_agg *add_stage(pl_stats *s, const char *name, int kind, char media, int output) {
  if (s->nstages >= ISO_MAX_STAGES) return NULL;
  int rank = pl_stage_rank(kind, media, output), at = s->nstages;
  while (at > 0 && s->stages[at - 1].rank > rank)
    at--;
  memmove(&s->stages[at + 1], &s->stages[at], (size_t)(s->nstages - at) * sizeof s->stages[0]);
  pl_stage_agg *g = &s->stages[at];
  memset(g, 0, sizeof *g);
  snprintf(g->last.st.name, sizeof g->last.st.name, "%s", name);
  g->rank = rank;
  g->kind = kind;
  g->media = media;
  g->output = output;
  /* pid 1; tid 1 is main, the process's main thread, which is where a
   * viewer puts events that name no tid (process name, counters). */
  g->tid = ++s->nstages + 1;
  if (s->trace) pl_trace_thread(s->trace, g->tid, name, rank + 1);
  return g;
}

static pl_stage_agg *stage_for(pl_stats *s, const char *name) {
  pl_stage_agg *g = (pl_stage_agg *)pl_stats_stage(s, name);
  return g ? g : add_stage(s, name, ISO_STAGE_OTHER, 0, -1);
}

int pl_stats_declare(pl_stats *s, const char *name, int kind, char media, int output) {
  if (pl_stats_stage(s, name)) return ISO_OK;
  return add_stage(s, name, kind, media, output) ? ISO_OK : ISO_EINVAL;
}

static pl_link_agg *link_for(pl_stats *s, const pl_stage_agg *from, const char *to) {
  for (int i = 0; i < s->nlinks; i++)
    if (s->links[i].from_tid == from->tid && strcmp(s->links[i].to, to) == 0) return &s->links[i];
  if (s->nlinks >= PL_LINKS_MAX) return NULL;
  pl_link_agg *l = &s->links[s->nlinks++];
  memset(l, 0, sizeof *l);
  l->from_tid = from->tid;
  snprintf(l->from, sizeof l->from, "%s", from->last.st.name);
  snprintf(l->to, sizeof l->to, "%s", to);
  snprintf(l->counter, sizeof l->counter, "depth %s->%s", from->last.st.name, to);
  l->period_ns = PL_SERIES_PERIOD_NS;
  l->last_emitted = -1;
  return l;
}

void pl_stats_take_report(pl_stats *s, pl_report *r) {
  pl_stage_agg *g = stage_for(s, r->st.name);
  if (g) {
    if (s->trace && r->nslices) pl_trace_slices(s->trace, g->tid, r->role, r->slices, r->nslices);
    s->stage_slices_dropped += r->slices_dropped;
    if (r->lat) pl_hist_merge(&s->lat_us, r->lat);
    g->last = *r;
    g->last.lat = NULL;
    g->last.slices = NULL;
    g->last.nslices = 0;
    for (int i = 0; i < r->nlinks; i++) {
      pl_link_agg *l = link_for(s, g, r->links[i].to);
      if (l) l->fig = r->links[i];
    }
  }
  pl_report_free(r);
}

/* Buckets stay dense; when they run out, pairs merge and the period
 * doubles, so a series never holds more than PL_SERIES_MAX points. */
static void series_add(pl_link_agg *l, uint64_t t_rel_ns, double v) {
  uint64_t idx = t_rel_ns / l->period_ns;
  while (idx >= PL_SERIES_MAX) {
    int n = 0;
    for (int i = 0; i < l->nseries; i += 2) {
      pl_series_pt m = l->series[i];
      if (i + 1 < l->nseries) {
        const pl_series_pt *b = &l->series[i + 1];
        if (b->n && (!m.n || b->min < m.min)) m.min = b->min;
        if (b->n && (!m.n || b->max > m.max)) m.max = b->max;
        m.sum += b->sum;
        m.n += b->n;
      }
      l->series[n++] = m;
    }
    l->nseries = n;
    l->period_ns *= 2;
    for (int i = 0; i < n; i++)
      l->series[i].t_s = (double)(i * l->period_ns) * 1e-9;
    idx = t_rel_ns / l->period_ns;
  }
  while (l->nseries <= (int)idx) {
    pl_series_pt *e = &l->series[l->nseries];
    memset(e, 0, sizeof *e);
    e->t_s = (double)((uint64_t)l->nseries * l->period_ns) * 1e-9;
    l->nseries++;
  }
  pl_series_pt *p = &l->series[idx];
  if (!p->n || v < p->min) p->min = v;
  if (!p->n || v > p->max) p->max = v;
  p->sum += v;
  p->n++;
}

void pl_stats_tick(pl_stats *s, uint64_t now_ns, uint64_t lateness_ns, uint64_t missed) {
  if (s->ended) return;
  s->t_now_ns = now_ns;
  s->ticks++;
  s->missed = missed;
  pl_hist_add(&s->tick_late_us, lateness_ns / 1000);
  uint64_t rel = now_ns > s->t0_ns ? now_ns - s->t0_ns : 0;
  bool trace_due = s->trace && pl_trace_counters_due(s->trace, s->ticks - 1);
  for (int i = 0; i < s->nlinks; i++) {
    pl_link_agg *l = &s->links[i];
    series_add(l, rel, l->fig.depth);
    if (trace_due && (double)l->fig.depth != l->last_emitted) {
      pl_trace_counter(s->trace, l->counter, "items", now_ns, l->fig.depth);
      l->last_emitted = l->fig.depth;
    }
  }
  if (trace_due) pl_trace_counter(s->trace, "tick lateness", "us", now_ns, lateness_ns / 1000.0);
}

/* Only the sender sees a link's queued items; its figures win. A stage
 * fed by several links (mux) gets their sum: items waiting for it. */
static void fill_input(const pl_stats *s, iso_stage_stats *st) {
  bool any = false;
  for (int i = 0; i < s->nlinks; i++) {
    const pl_link_agg *l = &s->links[i];
    if (strcmp(l->to, st->name) != 0 || !l->fig.capacity) continue;
    if (!any) {
      st->in_depth = st->in_capacity = st->in_depth_min = st->in_depth_max = 0;
      st->in_depth_mean = 0;
      any = true;
    }
    st->in_depth += l->fig.depth;
    st->in_capacity += l->fig.capacity;
    st->in_depth_min += l->fig.min;
    st->in_depth_max += l->fig.max;
    st->in_depth_mean += l->fig.mean;
  }
}

void pl_stats_fill(const pl_stats *s, iso_progress *prog) {
  uint64_t now = s->ended ? s->t_end_ns : s->t_now_ns;
  prog->elapsed_s = now > s->t0_ns ? (double)(now - s->t0_ns) * 1e-9 : 0;
  prog->nstages = s->nstages;
  for (int i = 0; i < s->nstages; i++) {
    const pl_report *r = &s->stages[i].last;
    iso_stage_stats *st = &prog->stages[i];
    *st = r->st;
    st->kind = s->stages[i].kind;
    st->media = s->stages[i].media;
    st->output = s->stages[i].output;
    /* A stage that waits sends nothing; its current state runs on. */
    if (!st->done && r->state >= 0 && r->state < PL_ST_DONE && now > r->t_ns) {
      double dt = (double)(now - r->t_ns) * 1e-9;
      st->wall_s += dt;
      if (r->state == PL_ST_BUSY)
        st->busy_s += dt;
      else if (r->state == PL_ST_STARVED)
        st->starved_s += dt;
      else
        st->blocked_s += dt;
    }
    fill_input(s, st);
  }
  prog->ticks = s->ticks;
  prog->ticks_missed = s->missed;
  prog->tick_late_p50_us = (double)pl_hist_quantile(&s->tick_late_us, 0.50);
  prog->tick_late_p99_us = (double)pl_hist_quantile(&s->tick_late_us, 0.99);
  prog->tick_late_max_us = (double)pl_hist_quantile(&s->tick_late_us, 1.0);
  prog->latency_p50_ms = pl_hist_quantile(&s->lat_us, 0.50) / 1000.0;
  prog->latency_p99_ms = pl_hist_quantile(&s->lat_us, 0.99) / 1000.0;
  prog->latency_max_ms = pl_hist_quantile(&s->lat_us, 1.0) / 1000.0;
}

int pl_stats_trace_errno(const pl_stats *s) {
  return s->trace_status != ISO_OK ? (s->trace_errno ? s->trace_errno : EIO) : 0;
}

void pl_stats_end(pl_stats *s, uint64_t now_ns) {
  if (s->ended) return;
  s->t_end_ns = now_ns > s->t0_ns ? now_ns : s->t0_ns;
  s->t_now_ns = s->t_end_ns;
  s->ended = true;
  s->cpu_s = pl_process_cpu_s() - s->cpu0_s;
  close_trace(s);
}
