/* Stage-side accounting: busy/starved/blocked clocks, counters, link depths, stamps, slices and
 * reports. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/ring.h"
#include "profiling/prof_internal.h"

#define STAMPS_MAX 64

typedef struct link_acc {
  pl_link_fig fig;
  uint64_t t_first, t_last; /* 0 until the first sample */
  double integral_s;        /* depth x seconds */
} link_acc;

struct pl_prof {
  iso_stage_stats st;
  int state, role;
  bool trace;
  uint64_t t0, t_state, t_last_report;
  double acc[3];       /* seconds per PL_ST_BUSY/STARVED/BLOCKED */
  double cpu_s;        /* thread CPU inside busy segments (inline), or since the start */
  double cpu_enter;    /* thread CPU when the busy segment (inline) or the stage began */
  bool own_thread;     /* threads mode: the whole thread's CPU is the stage's */
  double runq_enter;   /* the thread's run delay when the stage began (own_thread) */
  int runq_fd;         /* this thread's schedstat, kept open for every report */
  double helper_cpu_s; /* CPU of isolates working for the stage (segment encoders) */
  int nlinks;
  link_acc links[PL_PROF_LINKS_MAX];
  link_acc in;     /* receiver-side input depth */
  uint64_t seq[8]; /* per stream, for flow ids */
  struct {
    int64_t pts;
    pl_stamp st;
  } stamps[STAMPS_MAX];
  ring sq;      /* over stamps */
  pl_hist *lat; /* samples since the last report */
  pl_slice *slices;
  uint32_t nslices;
  uint64_t dropped;
  uint64_t reports;
  /* Automatic slices: each busy unit (from one pl_prof_busy to the next
   * state call) becomes a slice, unless the stage records its own. */
  const char *unit_name;
  uint64_t t_unit, unit_flow;
  bool explicit_slices;
};

#define AUTO_MIN_NS 20000 /* untagged units shorter than this are noise */

static double ts_s(const struct timespec *ts) {
  return (double)ts->tv_sec + ts->tv_nsec * 1e-9;
}

uint64_t pl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Seconds the thread of fd (its /proc/thread-self/schedstat) spent runnable
 * but not running (the second field); 0 where the kernel does not say. A
 * read at offset 0 makes procfs render the file afresh, so one open serves
 * every report instead of an open, fstat, read and close each time. */
static double thread_runq_s(int fd) {
  char buf[128];
  ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
  if (n <= 0) return 0;
  buf[n] = 0;
  unsigned long long run, wait;
  return sscanf(buf, "%llu %llu", &run, &wait) == 2 ? (double)wait * 1e-9 : 0;
}

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts_s(&ts);
}

pl_prof *pl_prof_new(const char *name, bool trace) {
  pl_prof *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  snprintf(p->st.name, sizeof p->st.name, "%s", name ? name : "?");
  p->st.last_pts_s = -1;
  p->trace = trace;
  ring_init(&p->sq, STAMPS_MAX);
  if (strncmp(p->st.name, "demux", 5) == 0)
    p->role = PL_ROLE_START;
  else if (strncmp(p->st.name, "mux", 3) == 0)
    p->role = PL_ROLE_END;
  else
    p->role = PL_ROLE_STEP;
  static const char *const unit[] = {"read", "decode", "convert", "encode", "write"};
  static const char *const kind[] = {"demux", "decode", "convert", "encode", "mux"};
  p->unit_name = "work";
  for (int k = 0; k < 5; k++)
    if (strncmp(p->st.name, kind[k], strlen(kind[k])) == 0) p->unit_name = unit[k];
  p->t0 = p->t_state = p->t_unit = pl_now();
  p->state = PL_ST_BUSY;
  /* CLOCK_THREAD_CPUTIME_ID is a real system call (no vDSO): reading it
   * at every busy/idle switch cost ~2 syscalls per item. With a thread of
   * its own the stage reads it only at start, snapshots and the end. */
  p->own_thread = iso_runtime_mode() == ISO_MODE_THREADS;
  p->cpu_enter = thread_cpu_s();
  p->runq_fd = p->own_thread ? open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC) : -1;
  if (p->own_thread) p->runq_enter = thread_runq_s(p->runq_fd);
  return p;
}

void pl_prof_free(pl_prof *p) {
  if (!p) return;
  if (p->runq_fd >= 0) close(p->runq_fd);
  free(p->lat);
  free(p->slices);
  free(p);
}

/* Closes the current segment at now. CPU is read only around busy
 * segments: in inline mode other isolates run on this thread while we
 * wait, and their CPU must not land on us. */
static void push_slice(pl_prof *p, const char *name, uint64_t t0, uint64_t t1, uint64_t flow);

static void close_unit(pl_prof *p, uint64_t now) {
  if (p->trace && !p->explicit_slices && (p->unit_flow || now - p->t_unit >= AUTO_MIN_NS))
    push_slice(p, p->unit_name, p->t_unit, now, p->unit_flow);
  p->unit_flow = 0;
  p->t_unit = now;
}

static uint64_t enter(pl_prof *p, int state) {
  uint64_t now = pl_now();
  if (p->state == PL_ST_DONE) return now;
  if (now > p->t_state) p->acc[p->state] += (double)(now - p->t_state) * 1e-9;
  p->t_state = now;
  if (p->state == PL_ST_BUSY)
    close_unit(p, now);
  else if (state == PL_ST_BUSY) {
    p->t_unit = now;
    p->unit_flow = 0;
  }
  p->t_unit = now, p->unit_flow = 0;
  if (state == p->state) return now;
  if (!p->own_thread) {
    if (p->state == PL_ST_BUSY) p->cpu_s += thread_cpu_s() - p->cpu_enter;
    if (state == PL_ST_BUSY) p->cpu_enter = thread_cpu_s();
  }
  p->state = state;
  return now;
}

uint64_t pl_prof_busy(pl_prof *p) {
  return enter(p, PL_ST_BUSY);
}
/* With an output link at capacity the stage could not send even if input
 * came: downstream holds it up, so the wait is blocked, whatever the
 * caller believed. */
static bool out_full(const pl_prof *p) {
  for (int i = 0; i < p->nlinks; i++)
    if (p->links[i].fig.capacity && p->links[i].fig.depth >= p->links[i].fig.capacity) return true;
  return false;
}

uint64_t pl_prof_starved(pl_prof *p) {
  return enter(p, out_full(p) ? PL_ST_BLOCKED : PL_ST_STARVED);
}
uint64_t pl_prof_blocked(pl_prof *p) {
  return enter(p, PL_ST_BLOCKED);
}

void pl_prof_done(pl_prof *p) {
  if (p->state == PL_ST_DONE) return;
  enter(p, PL_ST_STARVED); /* closes a busy segment's CPU and its unit */
  if (p->own_thread) {
    p->cpu_s = thread_cpu_s() - p->cpu_enter;
    p->st.runq_s = thread_runq_s(p->runq_fd) - p->runq_enter;
  }
  p->state = PL_ST_DONE;
  p->st.done = 1;
}

void pl_prof_in(pl_prof *p, uint64_t bytes) {
  p->st.items_in++;
  p->st.bytes_in += bytes;
}

void pl_prof_out(pl_prof *p, uint64_t bytes, uint64_t samples) {
  p->st.items_out++;
  p->st.bytes_out += bytes;
  p->st.samples_out += samples;
}

void pl_prof_skip(pl_prof *p) {
  p->st.errors_skipped++;
}
void pl_prof_pts(pl_prof *p, double seconds) {
  p->st.last_pts_s = seconds;
}

/* Depth is a step function: each sample closes the previous step. */
static void link_sample(link_acc *l, uint64_t now, uint32_t depth, uint32_t cap) {
  if (l->t_first == 0) {
    l->t_first = l->t_last = now;
    l->fig.min = l->fig.max = depth;
  } else if (now > l->t_last) {
    double dt = (double)(now - l->t_last) * 1e-9;
    l->integral_s += dt * l->fig.depth;
    if (l->fig.capacity && l->fig.depth >= l->fig.capacity) l->fig.full_s += dt;
    l->t_last = now;
  }
  l->fig.depth = depth;
  l->fig.capacity = cap;
  if (depth < l->fig.min) l->fig.min = depth;
  if (depth > l->fig.max) l->fig.max = depth;
}

/* Figures up to now without disturbing the running step. */
static pl_link_fig link_fig(const link_acc *l, uint64_t now) {
  pl_link_fig f = l->fig;
  if (!l->t_first) return f;
  double tail = now > l->t_last ? (double)(now - l->t_last) * 1e-9 : 0;
  f.span_s = (double)(l->t_last - l->t_first) * 1e-9 + tail;
  double integral = l->integral_s + tail * f.depth;
  if (f.capacity && f.depth >= f.capacity) f.full_s += tail;
  f.mean = f.span_s > 0 ? integral / f.span_s : f.depth;
  return f;
}

int pl_prof_add_link(pl_prof *p, const char *to_stage) {
  if (p->nlinks >= PL_PROF_LINKS_MAX) return -1;
  link_acc *l = &p->links[p->nlinks];
  memset(l, 0, sizeof *l);
  snprintf(l->fig.to, sizeof l->fig.to, "%s", to_stage ? to_stage : "?");
  return p->nlinks++;
}

void pl_prof_link_depth(pl_prof *p, int i, uint32_t depth, uint32_t capacity) {
  if (i < 0 || i >= p->nlinks) return;
  link_sample(&p->links[i], pl_now(), depth, capacity);
}

void pl_prof_depth(pl_prof *p, uint32_t depth, uint32_t capacity) {
  link_sample(&p->in, pl_now(), depth, capacity);
}

void pl_prof_flow(pl_prof *p, uint64_t flow) {
  if (flow) p->unit_flow = flow;
}

void pl_prof_helper_cpu(pl_prof *p, double seconds) {
  if (p && seconds > 0) p->helper_cpu_s += seconds;
}

void pl_prof_slice(pl_prof *p, const char *name, uint64_t t0, uint64_t t1, uint64_t flow) {
  p->explicit_slices = true;
  push_slice(p, name, t0, t1, flow);
}

static void push_slice(pl_prof *p, const char *name, uint64_t t0, uint64_t t1, uint64_t flow) {
  if (!p->trace) return;
  if (!p->slices) {
    p->slices = malloc(PL_PROF_SLICES_MAX * sizeof *p->slices);
    if (!p->slices) {
      p->dropped++;
      return;
    }
  }
  if (p->nslices >= PL_PROF_SLICES_MAX) {
    p->dropped++;
    return;
  }
  p->slices[p->nslices++] = (pl_slice){name, t0, t1 >= t0 ? t1 : t0, flow};
}

/* Low bits carry the per-stream sequence so the trace's sampling (flow id
 * multiple of 2^level) keeps every stream's frames at the same rate. */
pl_stamp pl_prof_stamp_new(pl_prof *p, int stream_index) {
  unsigned s = stream_index < 0 ? 0 : (unsigned)stream_index % 8u;
  pl_stamp st = {((uint64_t)(stream_index < 0 ? 0 : stream_index) + 1) << 40 | ++p->seq[s],
                 pl_now()};
  p->unit_flow = st.flow; /* demux's unit of work is this packet */
  return st;
}

#define NOPTS INT64_MIN

void pl_prof_stamp_push(pl_prof *p, int64_t pts, pl_stamp st) {
  size_t slot = ring_push_over(&p->sq);
  p->stamps[slot].pts = pts;
  p->stamps[slot].st = st;
  pl_prof_flow(p, st.flow);
}

/* Outputs leave in pts order, so entries older than the one matched can
 * never match again and are dropped; the match itself stays, because a
 * re-chunked stream maps several outputs onto one input. */
pl_stamp pl_prof_stamp_pop(pl_prof *p, int64_t pts) {
  pl_stamp none = {0, 0};
  if (!p->sq.len) return none;
  if (pts == NOPTS) {
    pl_stamp st = p->stamps[ring_shift(&p->sq)].st;
    pl_prof_flow(p, st.flow);
    return st;
  }
  int best = -1;
  int64_t best_pts = 0;
  for (size_t k = 0; k < p->sq.len; k++) {
    size_t i = ring_at(&p->sq, k);
    int64_t q = p->stamps[i].pts;
    if (q == NOPTS || q > pts) continue;
    if (best < 0 || q >= best_pts) {
      best = (int)i;
      best_pts = q;
    }
  }
  if (best < 0) return none;
  pl_stamp st = p->stamps[best].st;
  pl_prof_flow(p, st.flow);
  /* Compact: keep entries with pts >= best_pts (and unknown ones). */
  size_t n = 0;
  for (size_t k = 0; k < p->sq.len; k++) {
    size_t i = ring_at(&p->sq, k);
    if (p->stamps[i].pts != NOPTS && p->stamps[i].pts < best_pts) continue;
    p->stamps[ring_at(&p->sq, n)] = p->stamps[i];
    n++;
  }
  ring_truncate(&p->sq, n);
  return st;
}

void pl_prof_latency(pl_prof *p, uint64_t t_demux_ns, uint64_t t_now_ns) {
  if (!t_demux_ns || t_now_ns < t_demux_ns) return;
  if (!p->lat) {
    p->lat = malloc(sizeof *p->lat);
    if (!p->lat) return;
    pl_hist_init(p->lat);
  }
  pl_hist_add(p->lat, (t_now_ns - t_demux_ns) / 1000);
}

static void snapshot_at(pl_prof *p, uint64_t now, iso_stage_stats *out) {
  *out = p->st;
  double acc[3] = {p->acc[0], p->acc[1], p->acc[2]};
  double cpu = p->cpu_s;
  uint64_t end = now;
  if (p->state != PL_ST_DONE) {
    if (now > p->t_state) acc[p->state] += (double)(now - p->t_state) * 1e-9;
    if (p->own_thread) {
      cpu = thread_cpu_s() - p->cpu_enter;
      out->runq_s = thread_runq_s(p->runq_fd) - p->runq_enter;
    } else if (p->state == PL_ST_BUSY)
      cpu += thread_cpu_s() - p->cpu_enter;
  } else {
    end = p->t_state;
  }
  out->busy_s = acc[PL_ST_BUSY];
  out->starved_s = acc[PL_ST_STARVED];
  out->blocked_s = acc[PL_ST_BLOCKED];
  out->wall_s = end > p->t0 ? (double)(end - p->t0) * 1e-9 : 0;
  out->cpu_s = cpu + p->helper_cpu_s;
  if (p->in.t_first) {
    pl_link_fig f = link_fig(&p->in, end);
    out->in_depth = f.depth;
    out->in_capacity = f.capacity;
    out->in_depth_min = f.min;
    out->in_depth_max = f.max;
    out->in_depth_mean = f.mean;
  }
}

void pl_prof_snapshot(pl_prof *p, iso_stage_stats *out) {
  snapshot_at(p, pl_now(), out);
}

bool pl_prof_due(const pl_prof *p, uint64_t now_ns) {
  if (p->state == PL_ST_DONE) return true;
  if (p->nslices >= PL_PROF_SLICES_MAX / 4 * 3) return true;
  return now_ns - p->t_last_report >= PL_PROF_PERIOD_NS;
}

pl_report *pl_prof_report_raw(pl_prof *p, uint64_t now_ns) {
  pl_report *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  snapshot_at(p, now_ns, &r->st);
  r->state = p->state;
  r->t_ns = p->state == PL_ST_DONE ? p->t_state : now_ns;
  r->t0_ns = p->t0;
  r->role = p->role;
  r->nlinks = p->nlinks;
  uint64_t end = p->state == PL_ST_DONE ? p->t_state : now_ns;
  for (int i = 0; i < p->nlinks; i++)
    r->links[i] = link_fig(&p->links[i], end);
  /* The buffers themselves move to main; the stage starts fresh ones. */
  r->lat = p->lat;
  p->lat = NULL;
  r->slices = p->slices;
  r->nslices = p->nslices;
  r->slices_dropped = p->dropped;
  p->slices = NULL;
  p->nslices = 0;
  p->dropped = 0;
  r->reports_before = p->reports++;
  p->t_last_report = now_ns;
  return r;
}

void pl_report_free(void *ptr) {
  pl_report *r = ptr;
  if (!r) return;
  free(r->lat);
  free(r->slices);
  free(r);
}
