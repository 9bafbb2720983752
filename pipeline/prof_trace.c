/* Chrome Trace Event writer (Perfetto / chrome://tracing), streamed to disk with a bounded event
 * budget. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/prof_internal.h"

struct pl_trace {
  pl_json *j;
  uint64_t t0_ns;
  uint64_t budget;
  uint64_t events;
  uint64_t sampled_out;             /* slices left out by the sampling */
  int level;                        /* keep 1 in 2^level */
  uint64_t nth[ISO_MAX_STAGES + 1]; /* per tid, for slices without a flow */
};

/* Each level spends half of what is left of 2 x budget: the total stays
 * under 2 x budget, and each level lasts as long as the first. */
static void account(pl_trace *t, uint64_t n) {
  t->events += n;
  while (t->level < 40 && t->events >= 2 * t->budget - (t->budget >> t->level))
    t->level++;
}

static void ts_key(pl_trace *t, const char *k, uint64_t ns) {
  pl_json_key(t->j, k);
  pl_json_fixed(t->j, ns > t->t0_ns ? (double)(ns - t->t0_ns) / 1000.0 : 0.0, 3);
}

static void event_head(pl_trace *t, const char *name, const char *ph, int tid) {
  pl_json_newline(t->j);
  pl_json_obj(t->j);
  pl_json_kstr(t->j, "name", name);
  pl_json_kstr(t->j, "ph", ph);
  pl_json_kint(t->j, "pid", 1);
  if (tid >= 0) pl_json_kint(t->j, "tid", tid);
}

static void meta(pl_trace *t, const char *what, int tid, const char *key, const char *sval,
                 int ival) {
  event_head(t, what, "M", tid);
  pl_json_key(t->j, "args");
  pl_json_obj(t->j);
  if (sval)
    pl_json_kstr(t->j, key, sval);
  else
    pl_json_kint(t->j, key, ival);
  pl_json_obj_end(t->j);
  pl_json_obj_end(t->j);
  account(t, 1);
}

pl_trace *pl_trace_open(const char *path, uint64_t t0_ns, uint64_t budget) {
  pl_trace *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->j = pl_json_open(path, false);
  if (!t->j) {
    free(t);
    return NULL;
  }
  t->t0_ns = t0_ns;
  t->budget = budget ? budget : PL_TRACE_BUDGET;
  pl_json_obj(t->j);
  pl_json_kstr(t->j, "displayTimeUnit", "ms");
  pl_json_key(t->j, "traceEvents");
  pl_json_arr(t->j);
  meta(t, "process_name", -1, "name", "isopipe", 0);
  meta(t, "thread_name", 0, "name", "main", 0);
  meta(t, "thread_sort_index", 0, "sort_index", NULL, 0);
  return t;
}

void pl_trace_thread(pl_trace *t, int tid, const char *name) {
  meta(t, "thread_name", tid, "name", name, 0);
  meta(t, "thread_sort_index", tid, "sort_index", NULL, tid);
}

static bool keep(pl_trace *t, int tid, uint64_t flow) {
  if (t->level == 0) return true;
  uint64_t mask = ((uint64_t)1 << t->level) - 1;
  if (flow) return (flow & mask) == 0;
  int k = tid >= 0 && tid <= ISO_MAX_STAGES ? tid : 0;
  return (t->nth[k]++ & mask) == 0;
}

void pl_trace_slices(pl_trace *t, int tid, int role, const pl_slice *sl, uint32_t n) {
  static const char *const ph[] = {"t", "s", "f"};
  for (uint32_t i = 0; i < n; i++) {
    const pl_slice *s = &sl[i];
    if (!keep(t, tid, s->flow)) {
      t->sampled_out++;
      continue;
    }
    event_head(t, s->name ? s->name : "work", "X", tid);
    pl_json_kstr(t->j, "cat", "stage");
    ts_key(t, "ts", s->t0);
    pl_json_key(t->j, "dur");
    pl_json_fixed(t->j, (double)(s->t1 - s->t0) / 1000.0, 3);
    if (s->flow) {
      pl_json_key(t->j, "args");
      pl_json_obj(t->j);
      pl_json_kuint(t->j, "flow", s->flow);
      pl_json_obj_end(t->j);
    }
    pl_json_obj_end(t->j);
    account(t, 1);
    if (!s->flow) continue;
    /* The flow point sits mid-slice so it binds to this slice. */
    event_head(t, "frame", ph[role], tid);
    pl_json_kstr(t->j, "cat", "flow");
    pl_json_kuint(t->j, "id", s->flow);
    ts_key(t, "ts", s->t0 + (s->t1 - s->t0) / 2);
    if (role == PL_ROLE_END) pl_json_kstr(t->j, "bp", "e");
    pl_json_obj_end(t->j);
    account(t, 1);
  }
}

bool pl_trace_counters_due(pl_trace *t, uint64_t tick) {
  /* 20 Hz at level 0 (every third 60 Hz tick), halved per level. */
  uint64_t every = (uint64_t)3 << (t->level < 20 ? t->level : 20);
  return tick % every == 0;
}

void pl_trace_counter(pl_trace *t, const char *name, const char *arg, uint64_t t_ns, double v) {
  event_head(t, name, "C", -1);
  ts_key(t, "ts", t_ns);
  pl_json_key(t->j, "args");
  pl_json_obj(t->j);
  pl_json_knum(t->j, arg, v);
  pl_json_obj_end(t->j);
  pl_json_obj_end(t->j);
  account(t, 1);
}

uint64_t pl_trace_events(const pl_trace *t) {
  return t->events;
}
uint64_t pl_trace_dropped(const pl_trace *t) {
  return t->sampled_out;
}
int pl_trace_level(const pl_trace *t) {
  return t->level;
}

int pl_trace_close(pl_trace *t, uint64_t slices_dropped_by_stages) {
  if (!t) return ISO_EINVAL;
  pl_json_newline(t->j);
  pl_json_arr_end(t->j);
  pl_json_key(t->j, "otherData");
  pl_json_obj(t->j);
  pl_json_kstr(t->j, "producer", "isopipe " ISO_VERSION_STRING);
  pl_json_kstr(t->j, "sampling",
               "all slices until the event budget; then 1 in 2^level frames "
               "(by flow id) and counters at 20/2^level Hz");
  pl_json_kuint(t->j, "budget", t->budget);
  pl_json_kuint(t->j, "events", t->events);
  pl_json_kint(t->j, "level", t->level);
  pl_json_kuint(t->j, "slices_sampled_out", t->sampled_out);
  pl_json_kuint(t->j, "slices_dropped_by_stages", slices_dropped_by_stages);
  pl_json_obj_end(t->j);
  pl_json_obj_end(t->j);
  pl_json_newline(t->j);
  int rc = pl_json_close(t->j);
  free(t);
  return rc;
}
