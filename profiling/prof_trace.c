/* Chrome Trace Event writer (Perfetto / chrome://tracing): a bounded, uniformly thinned record set
 * written at the end. */
#include <stdlib.h>
#include <string.h>

#include "profiling/prof_internal.h"

/* One record: a slice (with its flow point when flow != 0) or a counter
 * sample. Names are static or owned by the aggregator, never copied. */
typedef struct rec {
  const char *name;
  const char *arg; /* counters: the args key */
  uint64_t t0, t1; /* counters: t1 unused */
  uint64_t key;    /* what the thinning looks at: flow id, or a sequence */
  double v;        /* counter value */
  uint16_t tid;
  uint8_t counter, role;
} rec;

struct pl_trace {
  pl_json *j;
  uint64_t t0_ns;
  uint64_t budget;
  rec *r;
  size_t n, cap;
  int level;                        /* records kept: key multiple of 2^level */
  uint64_t thinned;                 /* records left out or removed by the thinning */
  uint64_t recorded;                /* records offered */
  uint64_t seq[ISO_MAX_STAGES + 2]; /* per tid, keys of slices without a flow */
  /* Indexed by tid: 1 = main, 2.. = stages. */
  uint64_t cseq; /* key of counter samples */
  char names[ISO_MAX_STAGES + 2][ISO_STAGE_NAME_MAX];
  int sort[ISO_MAX_STAGES + 2];
  int maxtid;
};

static bool kept(const pl_trace *t, uint64_t key) {
  return (key & (((uint64_t)1 << t->level) - 1)) == 0;
}

/* Full: raise the level and drop what it no longer keeps, everywhere in
 * the run, so the file samples the whole run evenly. */
static void thin(pl_trace *t) {
  while (t->n >= t->budget && t->level < 62) {
    t->level++;
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++)
      if (kept(t, t->r[i].key)) t->r[w++] = t->r[i];
    t->thinned += t->n - w;
    t->n = w;
  }
}

static void add(pl_trace *t, const rec *r) {
  t->recorded++;
  if (!kept(t, r->key)) {
    t->thinned++;
    return;
  }
  if (t->n >= t->budget) thin(t);
  /* Still full (the thinning ran out of levels): the record is left out. */
  if (!kept(t, r->key) || t->n >= t->budget) {
    t->thinned++;
    return;
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 4096;
    if (cap > t->budget) cap = t->budget;
    rec *nr = realloc(t->r, cap * sizeof *nr);
    if (!nr) {
      t->thinned++;
      return;
    }
    t->r = nr;
    t->cap = cap;
  }
  t->r[t->n++] = *r;
}

pl_trace *pl_trace_open(const char *path, uint64_t t0_ns, uint64_t budget) {
  pl_trace *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  /* Opened now so a bad path fails at start, not after an hour of work. */
  t->j = pl_json_open(path, false);
  if (!t->j) {
    free(t);
    return NULL;
  }
  t->t0_ns = t0_ns;
  t->budget = budget >= 16 ? budget : 16;
  snprintf(t->names[1], sizeof t->names[1], "main");
  t->sort[1] = 1000; /* main's track last, below the pipeline */
  t->maxtid = 1;
  return t;
}

void pl_trace_thread(pl_trace *t, int tid, const char *name, int sort) {
  if (tid < 0 || tid > ISO_MAX_STAGES + 1) return;
  snprintf(t->names[tid], sizeof t->names[tid], "%s", name);
  t->sort[tid] = sort;
  if (tid > t->maxtid) t->maxtid = tid;
}

void pl_trace_slices(pl_trace *t, int tid, int role, const pl_slice *sl, uint32_t n) {
  if (tid < 0 || tid > ISO_MAX_STAGES + 1) return;
  for (uint32_t i = 0; i < n; i++) {
    /* Keyed by flow id, a sampled frame keeps its slices in every stage. */
    rec r = {sl[i].name ? sl[i].name : "work",
             NULL,
             sl[i].t0,
             sl[i].t1,
             sl[i].flow ? sl[i].flow : t->seq[tid]++,
             0,
             (uint16_t)tid,
             0,
             (uint8_t)role};
    if (!sl[i].flow) r.role = 0xff; /* no flow point */
    add(t, &r);
  }
}

bool pl_trace_counters_due(pl_trace *t, uint64_t tick) {
  (void)t;
  return tick % 3 == 0; /* 20 Hz of the 60 Hz tick */
}

void pl_trace_counter(pl_trace *t, const char *name, const char *arg, uint64_t t_ns, double v) {
  rec r = {name, arg, t_ns, t_ns, t->cseq++, v, 0, 1, 0};
  add(t, &r);
}

uint64_t pl_trace_events(const pl_trace *t) {
  uint64_t ev = 0;
  for (size_t i = 0; i < t->n; i++)
    ev += (!t->r[i].counter && t->r[i].role != 0xff) ? 2 : 1;
  return ev;
}
uint64_t pl_trace_dropped(const pl_trace *t) {
  return t->thinned;
}
int pl_trace_level(const pl_trace *t) {
  return t->level;
}

static void ts_key(pl_trace *t, const char *k, uint64_t ns) {
  pl_json_key(t->j, k);
  pl_json_fixed(t->j, ns > t->t0_ns ? (double)(ns - t->t0_ns) / 1000.0 : 0.0, 3);
}

static void head(pl_trace *t, const char *name, const char *ph, int tid) {
  pl_json_newline(t->j);
  pl_json_obj(t->j);
  pl_json_kstr(t->j, "name", name);
  pl_json_kstr(t->j, "ph", ph);
  pl_json_kint(t->j, "pid", 1);
  if (tid >= 0) pl_json_kint(t->j, "tid", tid);
}

static void meta(pl_trace *t, const char *what, int tid, const char *key, const char *sval,
                 int ival) {
  head(t, what, "M", tid);
  pl_json_key(t->j, "args");
  pl_json_obj(t->j);
  if (sval)
    pl_json_kstr(t->j, key, sval);
  else
    pl_json_kint(t->j, key, ival);
  pl_json_obj_end(t->j);
  pl_json_obj_end(t->j);
}

static void write_rec(pl_trace *t, const rec *r) {
  static const char *const ph[] = {"t", "s", "f"};
  if (r->counter) {
    head(t, r->name, "C", -1);
    ts_key(t, "ts", r->t0);
    pl_json_key(t->j, "args");
    pl_json_obj(t->j);
    pl_json_knum(t->j, r->arg, r->v);
    pl_json_obj_end(t->j);
    pl_json_obj_end(t->j);
    return;
  }
  head(t, r->name, "X", r->tid);
  pl_json_kstr(t->j, "cat", "stage");
  ts_key(t, "ts", r->t0);
  pl_json_key(t->j, "dur");
  pl_json_fixed(t->j, (double)(r->t1 - r->t0) / 1000.0, 3);
  if (r->role == 0xff) {
    pl_json_obj_end(t->j);
    return;
  }
  pl_json_key(t->j, "args");
  pl_json_obj(t->j);
  pl_json_kuint(t->j, "flow", r->key);
  pl_json_obj_end(t->j);
  pl_json_obj_end(t->j);
  /* The flow point sits mid-slice so it binds to this slice. */
  head(t, "frame", ph[r->role <= PL_ROLE_END ? r->role : 0], r->tid);
  pl_json_kstr(t->j, "cat", "flow");
  pl_json_kuint(t->j, "id", r->key);
  ts_key(t, "ts", r->t0 + (r->t1 - r->t0) / 2);
  if (r->role == PL_ROLE_END) pl_json_kstr(t->j, "bp", "e");
  pl_json_obj_end(t->j);
}

int pl_trace_close(pl_trace *t, uint64_t slices_dropped_by_stages) {
  if (!t) return ISO_EINVAL;
  pl_json_obj(t->j);
  pl_json_kstr(t->j, "displayTimeUnit", "ms");
  pl_json_key(t->j, "traceEvents");
  pl_json_arr(t->j);
  meta(t, "process_name", -1, "name", "isopipe", 0);
  for (int tid = 0; tid <= t->maxtid; tid++) {
    if (!t->names[tid][0]) continue;
    meta(t, "thread_name", tid, "name", t->names[tid], 0);
    meta(t, "thread_sort_index", tid, "sort_index", NULL, t->sort[tid]);
  }
  for (size_t i = 0; i < t->n; i++)
    write_rec(t, &t->r[i]);
  pl_json_newline(t->j);
  pl_json_arr_end(t->j);
  pl_json_key(t->j, "otherData");
  pl_json_obj(t->j);
  pl_json_kstr(t->j, "producer", "isopipe " ISO_VERSION_STRING);
  pl_json_kstr(t->j, "sampling",
               "records (a slice with its flow point, or a counter sample) are all kept "
               "up to the budget; past it, only frames whose flow id is a multiple of "
               "2^level (and counter samples likewise) are kept, across the whole run");
  pl_json_kuint(t->j, "budget", t->budget);
  pl_json_kuint(t->j, "records", t->n);
  pl_json_kuint(t->j, "records_offered", t->recorded);
  pl_json_kint(t->j, "level", t->level);
  pl_json_kuint(t->j, "records_thinned", t->thinned);
  pl_json_kuint(t->j, "slices_dropped_by_stages", slices_dropped_by_stages);
  pl_json_obj_end(t->j);
  pl_json_obj_end(t->j);
  pl_json_newline(t->j);
  int rc = pl_json_close(t->j);
  free(t->r);
  free(t);
  return rc;
}
