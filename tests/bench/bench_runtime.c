/* Runtime benchmark: throughput, round trips, run latency, idle cost, transfers; table or --json.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "isopipe/isolate.h"

#define ONEWAY_N 2000000
#define RTT_HOT_N 200000
#define RTT_PARKED_N 2000
#define RUN_N 3000
#define IDLE_N 1000

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
static double pct_us(uint64_t *v, size_t n, double p) {
  qsort(v, n, sizeof(*v), cmp_u64);
  size_t i = (size_t)(p * (double)(n - 1));
  return (double)v[i] / 1000.0;
}

static iso_value *wait_msg(iso_port *p) {
  iso_value *m = NULL;
  if (iso_port_next(p, 60ull * 1000000000ull, &m) != ISO_OK) {
    fprintf(stderr, "bench: timed out waiting for a message\n");
    exit(1);
  }
  return m;
}

/* ---- one-way throughput -------------------------------------------------- */

/* One-way and the ring each run their two ends on two different CPUs, so
 * both measure a cross-core hand-off: left to the scheduler, the two ring
 * threads sometimes shared one vCPU and ran whole 4096-item batches per
 * time slice (0.8-1 G/s), a reference no cross-isolate send can be held to.
 * -1: fewer than two CPUs allowed, nothing is pinned. */
static int bench_cpu[2] = {-1, -1};

static void pick_cpus(void) {
  cpu_set_t s;
  if (sched_getaffinity(0, sizeof s, &s) != 0) return;
  int k = 0;
  for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
    if (CPU_ISSET(c, &s)) bench_cpu[k++] = c;
  if (k < 2) bench_cpu[0] = bench_cpu[1] = -1;
}

static void pin_self(int cpu) {
  if (cpu < 0) return;
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

typedef struct sink {
  int64_t left;
  iso_sendport *done;
} sink;

static void sink_handler(iso_port *port, iso_value *msg, void *ud) {
  sink *s = ud;
  iso_value_free(msg);
  if (--s->left == 0) {
    iso_send_move(s->done, iso_int(1));
    iso_sendport_release(s->done);
    free(s);
    iso_port_close(port);
  }
}

static void sink_entry(iso_value *msg) {
  pin_self(bench_cpu[1]);
  sink *s = calloc(1, sizeof(*s));
  s->left = iso_as_int(iso_list_at(msg, 1));
  s->done = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 0)));
  iso_port *p = iso_port_new_raw(sink_handler, s);
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(s->done, iso_v_sendport(me));
  iso_sendport_release(me);
  iso_value_free(msg);
}

static void source_entry(iso_value *msg) {
  pin_self(bench_cpu[0]);
  iso_sendport *to = iso_as_sendport(iso_list_at(msg, 0));
  int64_t n = iso_as_int(iso_list_at(msg, 1));
  iso_value *v = iso_int(0);
  for (int64_t i = 0; i < n; i++)
    iso_send(to, v); /* deep-copied on each send */
  iso_value_free(v);
  iso_value_free(msg);
}

static double bench_oneway(void) {
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_spawn(sink_entry, iso_listv(iso_v_sendport(sp), iso_int(ONEWAY_N), NULL), NULL, NULL);
  iso_value *hello = wait_msg(p);
  uint64_t t0 = iso_now_ns();
  iso_spawn(source_entry,
            iso_listv(iso_v_sendport(iso_as_sendport(hello)), iso_int(ONEWAY_N), NULL), NULL, NULL);
  iso_value_free(wait_msg(p));
  uint64_t dt = iso_now_ns() - t0;
  iso_value_free(hello);
  iso_sendport_release(sp);
  iso_port_close(p);
  return (double)ONEWAY_N * 1e9 / (double)dt;
}

/* A plain SPSC ring of pointers: the physical reference for one-way. */
#define RING 4096
static void *ring[RING];
static _Atomic size_t ring_head, ring_tail;

static _Atomic uintptr_t ring_sum;
static _Atomic int ring_consumer_cpu;
static int ring_same_cpu; /* both ring threads ended on one CPU: see docs/runtime.md */
static void *ring_consumer(void *arg) {
  pin_self(bench_cpu[1]);
  size_t n = (size_t)(uintptr_t)arg, got = 0, t = 0;
  uintptr_t sum = 0;
  while (got < n) {
    size_t h = atomic_load_explicit(&ring_head, memory_order_acquire);
    if (t == h) sched_yield(); /* on an oversubscribed box pure spinning starves the peer */
    while (t != h) {
      sum += (uintptr_t)ring[t % RING]; /* really read each pointer */
      t++;
      got++;
    }
    atomic_store_explicit(&ring_tail, t, memory_order_release);
  }
  atomic_store(&ring_sum, sum);
  atomic_store(&ring_consumer_cpu, sched_getcpu());
  return NULL;
}

static double bench_raw_ring(void) {
  pthread_t th;
  size_t n = ONEWAY_N;
  atomic_store(&ring_head, 0);
  atomic_store(&ring_tail, 0);
  cpu_set_t saved;
  bool restore = sched_getaffinity(0, sizeof saved, &saved) == 0;
  pin_self(bench_cpu[0]);
  uint64_t t0 = iso_now_ns();
  pthread_create(&th, NULL, ring_consumer, (void *)(uintptr_t)n);
  size_t h = 0;
  for (size_t i = 0; i < n; i++) {
    while (h - atomic_load_explicit(&ring_tail, memory_order_acquire) >= RING)
      sched_yield();
    ring[h % RING] = (void *)(uintptr_t)(i + 1);
    h++;
    atomic_store_explicit(&ring_head, h, memory_order_release);
  }
  int producer_cpu = sched_getcpu();
  pthread_join(th, NULL);
  double rate = (double)n * 1e9 / (double)(iso_now_ns() - t0);
  if (restore) pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
  ring_same_cpu = producer_cpu >= 0 && producer_cpu == atomic_load(&ring_consumer_cpu);
  if (atomic_load(&ring_sum) != (uintptr_t)n * (n + 1) / 2) {
    fprintf(stderr, "bench: ring lost items\n");
    exit(1);
  }
  return rate;
}

/* ---- round trips ----------------------------------------------------------- */

/* RTT_INT: an int goes out (copied), the echo moves it back to the port
 * it got at spawn. RTT_REPLY_PORT: each request is [reply sendport, int] (Dart's
 * request idiom), deep-copied: a list node, a send port reference, an int. */
enum { RTT_INT = 0, RTT_REPLY_PORT = 1 };

static void echo_handler(iso_port *port, iso_value *msg, void *ud) {
  (void)ud;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    iso_port_close(port);
    return;
  }
  iso_send_move(iso_as_sendport(iso_list_at(msg, 0)), iso_int(0));
  iso_value_free(msg);
}

static void echo_entry(iso_value *msg) {
  iso_port *p = iso_port_new_raw(echo_handler, NULL);
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(iso_as_sendport(msg), iso_v_sendport(me));
  iso_sendport_release(me);
  iso_value_free(msg);
}

/* Replies to the port it got at spawn (ud), like a stage answering its
 * upstream: the int request (copied by the sender's iso_send) is moved
 * back, the echo's zero-copy reply. */
static void echo_int_handler(iso_port *port, iso_value *msg, void *ud) {
  iso_sendport *reply = ud;
  if (iso_type(msg) == ISO_V_NULL) {
    iso_value_free(msg);
    iso_sendport_release(reply);
    iso_port_close(port);
    return;
  }
  iso_send_move(reply, msg);
}

/* The echo of the round trips: [main's port, busy-poll ns, reply mode]. */
static void echo_busy_entry(iso_value *msg) {
  iso_set_busy_poll((uint64_t)iso_as_int(iso_list_at(msg, 1)));
  iso_sendport *main_sp = iso_as_sendport(iso_list_at(msg, 0));
  iso_port *p = iso_as_int(iso_list_at(msg, 2)) == RTT_REPLY_PORT
                    ? iso_port_new_raw(echo_handler, NULL)
                    : iso_port_new_raw(echo_int_handler, iso_sendport_ref(main_sp));
  iso_sendport *me = iso_port_sendport(p);
  iso_send_move(iso_as_sendport(iso_list_at(msg, 0)), iso_v_sendport(me));
  iso_sendport_release(me);
  iso_value_free(msg);
}

/* "Both sides busy": both isolates opt into busy polling for this long
 * (iso_set_busy_poll); longer than a cross-core wake of a halted vCPU,
 * so a round trip that once lost the race to a sleep recovers. 0 = the
 * default bounded spin. */
#define RTT_BUSY_POLL_NS 100000

static void bench_rtt(int n, uint64_t gap_ns, uint64_t busy_ns, int mode, double *p50,
                      double *p99) {
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate *w;
  iso_spawn(echo_busy_entry,
            iso_listv(iso_v_sendport(sp), iso_int((int64_t)busy_ns), iso_int(mode), NULL), NULL,
            &w);
  iso_set_busy_poll(busy_ns);
  iso_value *hello = wait_msg(p);
  iso_sendport *esp = iso_as_sendport(hello);
  uint64_t *v = malloc((size_t)n * sizeof(*v));
  iso_value *req =
      mode == RTT_REPLY_PORT ? iso_listv(iso_v_sendport(sp), iso_int(1), NULL) : iso_int(1);
  for (int i = 0; i < n; i++) {
    if (gap_ns) {
      struct timespec ts = {0, (long)gap_ns};
      nanosleep(&ts, NULL); /* the echo isolate parks meanwhile */
    }
    uint64_t t0 = iso_now_ns();
    iso_send(esp, req);
    iso_value_free(wait_msg(p));
    v[i] = iso_now_ns() - t0;
  }
  iso_set_busy_poll(0);
  iso_send_move(esp, iso_null());
  iso_isolate_join(w, 0);
  iso_isolate_release(w);
  iso_value_free(req);
  *p50 = pct_us(v, (size_t)n, 0.5);
  if (p99) *p99 = pct_us(v, (size_t)n, 0.99);
  free(v);
  iso_value_free(hello);
  iso_sendport_release(sp);
  iso_port_close(p);
}

/* The physical floor of a round trip in this run: two threads pinned to two
 * CPUs bounce a counter on one cache line, spinning (yielding when the box
 * is oversubscribed, as the ring does). Absolute figures move with the
 * host; the isolates' round trip is judged as a ratio to this. */
static _Alignas(64) _Atomic uint64_t pingpong;

static void *pong_thread(void *arg) {
  pin_self(bench_cpu[1]);
  uint64_t n = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 1; i <= n; i++) {
    unsigned spins = 0;
    while (atomic_load_explicit(&pingpong, memory_order_acquire) != 2 * i - 1)
      if (++spins % 4096 == 0) sched_yield();
    atomic_store_explicit(&pingpong, 2 * i, memory_order_release);
  }
  return NULL;
}

static double bench_rtt_raw(int n) {
  uint64_t *v = malloc((size_t)n * sizeof(*v));
  cpu_set_t saved;
  bool restore = sched_getaffinity(0, sizeof saved, &saved) == 0;
  pin_self(bench_cpu[0]);
  atomic_store(&pingpong, 0);
  pthread_t th;
  pthread_create(&th, NULL, pong_thread, (void *)(uintptr_t)n);
  for (int i = 1; i <= n; i++) {
    uint64_t t0 = iso_now_ns();
    atomic_store_explicit(&pingpong, 2 * (uint64_t)i - 1, memory_order_release);
    unsigned spins = 0;
    while (atomic_load_explicit(&pingpong, memory_order_acquire) != 2 * (uint64_t)i)
      if (++spins % 4096 == 0) sched_yield();
    v[i - 1] = iso_now_ns() - t0;
  }
  pthread_join(th, NULL);
  if (restore) pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
  double p = pct_us(v, (size_t)n, 0.5);
  free(v);
  return p;
}

/* ---- run ------------------------------------------------------------------- */

static iso_value *plus_one(iso_value *arg) {
  int64_t x = iso_as_int(arg);
  iso_value_free(arg);
  return iso_int(x + 1);
}

static double bench_run(bool pooled) {
  uint64_t *v = malloc(RUN_N * sizeof(*v));
  for (int i = 0; i < RUN_N; i++) {
    iso_value *r = NULL;
    iso_error e = {0};
    uint64_t t0 = iso_now_ns();
    int rc = pooled ? iso_run_pooled(plus_one, iso_int(i), &r, &e)
                    : iso_run(plus_one, iso_int(i), &r, &e);
    v[i] = iso_now_ns() - t0;
    if (rc || iso_as_int(r) != i + 1) {
      fprintf(stderr, "bench: run failed: %s\n", iso_strerror(rc));
      exit(1);
    }
    iso_value_free(r);
  }
  double p = pct_us(v, RUN_N, 0.5);
  free(v);
  return p;
}

/* The floor of iso_run: a bare thread computes the same result and is
 * joined, with no runtime around it. */
static void *plus_one_thread(void *arg) {
  return (void *)((uintptr_t)arg + 1);
}

static double bench_run_raw(void) {
  uint64_t *v = malloc(RUN_N * sizeof(*v));
  for (int i = 0; i < RUN_N; i++) {
    void *r = NULL;
    pthread_t th;
    uint64_t t0 = iso_now_ns();
    if (pthread_create(&th, NULL, plus_one_thread, (void *)(uintptr_t)i) != 0 ||
        pthread_join(th, &r) != 0 || (uintptr_t)r != (uintptr_t)i + 1) {
      fprintf(stderr, "bench: raw thread run failed\n");
      exit(1);
    }
    v[i] = iso_now_ns() - t0;
  }
  double p = pct_us(v, RUN_N, 0.5);
  free(v);
  return p;
}

/* ---- idle isolates ---------------------------------------------------------- */

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
  }
  return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static double bench_idle(size_t stack) {
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  iso_isolate **h = malloc(IDLE_N * sizeof(*h));
  iso_sendport **ports = malloc(IDLE_N * sizeof(*ports));
  /* Warm up allocator arenas and thread caches before the baseline. */
  iso_isolate *warm;
  iso_spawn(echo_entry, iso_v_sendport(sp), NULL, &warm);
  iso_value *wh = wait_msg(p);
  iso_send_move(iso_as_sendport(wh), iso_null());
  iso_isolate_join(warm, 0);
  iso_isolate_release(warm);
  iso_value_free(wh);
  long before = rss_kb();
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.stack_size = stack;
  for (int i = 0; i < IDLE_N; i++)
    iso_spawn(echo_entry, iso_v_sendport(sp), &o, &h[i]);
  for (int i = 0; i < IDLE_N; i++) {
    iso_value *m = wait_msg(p);
    ports[i] = iso_sendport_ref(iso_as_sendport(m));
    iso_value_free(m);
  }
  struct timespec ts = {0, 50000000};
  nanosleep(&ts, NULL); /* all parked */
  long after = rss_kb();
  for (int i = 0; i < IDLE_N; i++) {
    iso_send_move(ports[i], iso_null());
    iso_sendport_release(ports[i]);
  }
  for (int i = 0; i < IDLE_N; i++) {
    iso_isolate_join(h[i], 0);
    iso_isolate_release(h[i]);
  }
  free(h);
  free(ports);
  iso_sendport_release(sp);
  iso_port_close(p);
  return (double)(after - before) / IDLE_N;
}

/* ---- transfers and copies ---------------------------------------------------- */

static double bench_transfer(size_t size, int iters, bool copy) {
  iso_port *p = iso_port_new();
  iso_sendport *sp = iso_port_sendport(p);
  char *buf = malloc(size);
  memset(buf, 3, size);
  iso_value *bytes = copy ? iso_bytes(buf, size) : NULL;
  uint64_t t0 = iso_now_ns();
  for (int i = 0; i < iters; i++) {
    iso_value *m = NULL;
    if (copy) {
      iso_send(sp, bytes); /* deep copy of every byte */
      iso_port_next(p, 0, &m);
    } else {
      iso_send_move(sp, iso_transfer(buf, free, 1)); /* the pointer moves */
      iso_port_next(p, 0, &m);
      buf = iso_transfer_take(m, NULL);
    }
    iso_value_free(m);
  }
  uint64_t dt = iso_now_ns() - t0;
  iso_value_free(bytes);
  free(buf);
  iso_sendport_release(sp);
  iso_port_close(p);
  return (double)dt / iters;
}

static const char *met(bool ok) {
  return ok ? "true" : "false";
}

int main(int argc, char **argv) {
  bool json = false;
  const char *only = NULL; /* --only oneway: profile one part */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = true;
    if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
  }
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  pick_cpus();
  if (only) {
    if (!strcmp(only, "oneway")) printf("oneway %.0f\n", bench_oneway());
    if (!strcmp(only, "ring")) {
      double r = bench_raw_ring();
      printf("ring %.0f%s\n", r, ring_same_cpu ? " (one CPU)" : "");
    }
    if (!strcmp(only, "rtt")) {
      double a, b;
      bench_rtt(RTT_HOT_N, 0, RTT_BUSY_POLL_NS, RTT_INT, &a, &b);
      printf("rtt hot p50 %.3f p99 %.3f\n", a, b);
      bench_rtt(RTT_HOT_N, 0, RTT_BUSY_POLL_NS, RTT_REPLY_PORT, &a, &b);
      printf("rtt hot (reply port in each request) p50 %.3f p99 %.3f\n", a, b);
      bench_rtt(RTT_HOT_N, 0, 0, RTT_INT, &a, &b);
      printf("rtt hot (default policy) p50 %.3f p99 %.3f\n", a, b);
    }
    if (!strcmp(only, "run"))
      printf("run %.3f pooled %.3f raw %.3f\n", bench_run(false), bench_run(true), bench_run_raw());
    if (!strcmp(only, "rawrtt")) printf("rtt raw p50 %.3f\n", bench_rtt_raw(RTT_HOT_N));
    iso_runtime_shutdown();
    return 0;
  }
  double oneway = bench_oneway();
  double ring_rate = bench_raw_ring();
  double hot50, hot99, rp50, rp99, def50, def99, parked50;
  bench_rtt(RTT_HOT_N, 0, RTT_BUSY_POLL_NS, RTT_INT, &hot50, &hot99);
  bench_rtt(RTT_HOT_N, 0, RTT_BUSY_POLL_NS, RTT_REPLY_PORT, &rp50, &rp99);
  bench_rtt(RTT_HOT_N, 0, 0, RTT_INT, &def50, &def99);
  bench_rtt(RTT_PARKED_N, 1000000, 0, RTT_REPLY_PORT, &parked50, NULL);
  double run50 = bench_run(false);
  double pooled50 = bench_run(true);
  double rttraw50 = bench_rtt_raw(RTT_HOT_N);
  double runraw50 = bench_run_raw();
  double r_rtt = hot50 / rttraw50, r_run = run50 / runraw50, r_pool = pooled50 / runraw50,
         r_ring = oneway / ring_rate;
  double idle = bench_idle(64 * 1024);
  double idle_default = bench_idle(0);
  double t1k = bench_transfer(1024, 200000, false);
  double t8m = bench_transfer(8u << 20, 200000, false);
  double t32m = bench_transfer(32u << 20, 200000, false);
  double c8m = bench_transfer(8u << 20, 40, true);
  iso_runtime_shutdown();
  if (json) {
    printf(
        "{\"oneway_msgs_per_s\": %.0f, \"oneway_raw_ring_msgs_per_s\": %.0f, "
        "\"rtt_hot_p50_us\": %.3f, \"rtt_hot_p99_us\": %.3f, \"rtt_parked_p50_us\": %.3f, "
        "\"run_p50_us\": %.3f, \"run_pooled_p50_us\": %.3f, \"idle_isolate_rss_kb\": %.2f, "
        "\"transfer_1k_ns\": %.1f, \"transfer_8m_ns\": %.1f, \"transfer_32m_ns\": %.1f, "
        "\"copy_8m_ns\": %.0f, \"rtt_hot_default_p50_us\": %.3f, \"rtt_hot_default_p99_us\": %.3f, "
        "\"rtt_hot_busy_poll_ns\": %d, \"rtt_hot_reply_port_p50_us\": %.3f, "
        "\"rtt_hot_reply_port_p99_us\": %.3f, \"oneway_raw_ring_same_cpu\": %d, "
        "\"rtt_raw_p50_us\": %.3f, \"run_raw_p50_us\": %.3f, \"ratio_rtt_hot_to_raw\": %.3f, "
        "\"ratio_run_to_raw\": %.3f, \"ratio_pooled_run_to_raw\": %.3f, "
        "\"ratio_oneway_to_ring\": %.3f, \"goals\": {\"rtt_hot_le_2x_raw\": %s, "
        "\"run_le_1_5x_raw\": %s, \"pooled_run_le_0_2x_raw\": %s, "
        "\"oneway_ge_0_25x_ring\": %s}}\n",
        oneway, ring_rate, hot50, hot99, parked50, run50, pooled50, idle, t1k, t8m, t32m, c8m,
        def50, def99, RTT_BUSY_POLL_NS, rp50, rp99, ring_same_cpu, rttraw50, runraw50, r_rtt, r_run,
        r_pool, r_ring, met(r_rtt <= 2.0), met(r_run <= 1.5), met(r_pool <= 0.2),
        met(r_ring >= 0.25));
    return 0;
  }
  printf("%-34s %14s\n", "metric", "value");
  printf("%-34s %14.0f\n", "oneway_msgs_per_s", oneway);
  printf("%-34s %14.0f  (ratio %.2f%s)\n", "oneway_raw_ring_msgs_per_s", ring_rate,
         oneway / ring_rate, ring_same_cpu ? "; ring threads on one CPU" : "");
  printf("%-34s %14.3f  (int ping-pong, both sides iso_set_busy_poll(%d ns))\n", "rtt_hot_p50_us",
         hot50, RTT_BUSY_POLL_NS);
  printf("%-34s %14.3f\n", "rtt_hot_p99_us", hot99);
  printf("%-34s %14.3f  (p99 %.3f; same, [sendport, int] requests)\n", "rtt_hot_reply_port_p50_us",
         rp50, rp99);
  printf("%-34s %14.3f  (p99 %.3f; no busy poll)\n", "rtt_hot_default_p50_us", def50, def99);
  printf("%-34s %14.3f\n", "rtt_parked_p50_us", parked50);
  printf("%-34s %14.3f  (two pinned threads, one cache line)\n", "rtt_raw_p50_us", rttraw50);
  printf("%-34s %14.3f\n", "run_p50_us", run50);
  printf("%-34s %14.3f\n", "run_pooled_p50_us", pooled50);
  printf("%-34s %14.3f  (pthread_create -> result -> join)\n", "run_raw_p50_us", runraw50);
  printf("goals (ratios to the raw floors of this run):\n");
  printf("  hot RTT / raw RTT       %6.2f  (<= 2.0)  %s\n", r_rtt, met(r_rtt <= 2.0));
  printf("  run / raw spawn         %6.2f  (<= 1.5)  %s\n", r_run, met(r_run <= 1.5));
  printf("  pooled run / raw spawn  %6.2f  (<= 0.2)  %s\n", r_pool, met(r_pool <= 0.2));
  printf("  one-way / raw ring      %6.2f  (>= 0.25) %s\n", r_ring, met(r_ring >= 0.25));
  printf("%-34s %14.2f  (64 KiB stacks; default 1 MiB: %.2f)\n", "idle_isolate_rss_kb", idle,
         idle_default);
  printf("%-34s %14.1f\n", "transfer_1k_ns", t1k);
  printf("%-34s %14.1f\n", "transfer_8m_ns", t8m);
  printf("%-34s %14.1f\n", "transfer_32m_ns", t32m);
  printf("%-34s %14.0f\n", "copy_8m_ns", c8m);
  return 0;
}
