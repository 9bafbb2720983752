/* The event loop: one event at a time (control first), parking, nested waits, inline scheduler. */
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include <limits.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "runtime/rt_internal.h"

/* Adaptive polling before a futex sleep, a few microseconds at most. It doubles while polling finds
 * work and halves while it does not: on an oversubscribed machine the peer is often not running,
 * and spinning would only burn the time slice it needs. */
#define RT_SPIN_MAX 256
#define RT_SPIN_PROBE 16

static inline bool has_work(rt_iso *iso) {
  return !rt_mpsc_empty(&iso->mbox) ||
         atomic_load_explicit(&iso->ctl_pending, memory_order_seq_cst) ||
         atomic_load_explicit(&iso->poked, memory_order_seq_cst);
}

/* iso_set_busy_poll: poll for up to busy_poll_ns, reading the clock only
 * between rounds of probes. True when work arrived.
 *
 * Between rounds the poller yields the CPU: when both ends of a ping-pong
 * share a core (more runnable threads than cores), pure polling would hold
 * the peer off for a whole time slice on every hop. A yield that took long
 * means another thread ran here, likely the peer: then rounds shrink to a
 * few probes, so each hop costs about one yield; a yield that returned at
 * once (an otherwise idle core) lets them grow back, so a reply that comes
 * soon finds no syscall in its way. */
#define RT_POLL_ROUND_MAX 64
#define RT_POLL_ROUND_MIN 4
#define RT_POLL_YIELD_RAN_NS 1000

static bool busy_poll(rt_iso *iso, uint64_t deadline) {
  uint64_t end = 0;
  if (!iso->poll_round) iso->poll_round = RT_POLL_ROUND_MAX;
  for (;;) {
    for (int i = 0; i < iso->poll_round; i++) {
      if (has_work(iso)) return true;
      rt_cpu_relax();
    }
    uint64_t now = iso_now_ns(); /* after the first round: a quick reply reads no clock */
    if (!end) {
      end = now + iso->busy_poll_ns;
      if (deadline < end) end = deadline;
    }
    if (now >= end) return false;
    sched_yield();
    if (iso_now_ns() - now > RT_POLL_YIELD_RAN_NS)
      iso->poll_round = RT_POLL_ROUND_MIN;
    else if (iso->poll_round < RT_POLL_ROUND_MAX)
      iso->poll_round *= 2;
  }
}

/* Control or a poke: what a lazy reader of its mail still wakes for. */
static inline bool has_urgent(rt_iso *iso) {
  return atomic_load_explicit(&iso->ctl_pending, memory_order_seq_cst) ||
         atomic_load_explicit(&iso->poked, memory_order_seq_cst);
}

/* iso_set_mail_latency: sleep to the deadline or for the latency, mail or
 * not; senders do not wake this isolate, so no spin either. */
static void park_lazy(rt_iso *iso, uint64_t deadline, uint64_t latency) {
  uint64_t now = iso_now_ns();
  if (deadline > now + latency) deadline = now + latency;
  if (deadline <= now) return;
  rt_link_flush_lazy();
  rt_wake_flush();
  rt_node_flush();
  atomic_store_explicit(&iso->parked, 1, memory_order_seq_cst);
  if (!has_urgent(iso)) rt_futex_wait(&iso->parked, 1, deadline - now);
  atomic_store_explicit(&iso->parked, 0, memory_order_relaxed);
}

void rt_park(rt_iso *iso, uint64_t deadline) {
  /* Read first: an exchange would write the line senders read on every send. */
  if (atomic_load_explicit(&iso->poked, memory_order_relaxed) &&
      atomic_exchange_explicit(&iso->poked, false, memory_order_seq_cst))
    return; /* a poke is consumed here: the caller re-checks what it waits for */
  uint64_t latency = atomic_load_explicit(&iso->mail_latency_ns, memory_order_relaxed);
  if (latency) {
    park_lazy(iso, deadline, latency);
    return;
  }
  if (iso->busy_poll_ns && busy_poll(iso, deadline)) return;
  int spin = iso->busy_poll_ns ? 0 : iso->spin;
  if (spin == 0 && (++iso->spin_probe & 63) == 0) spin = RT_SPIN_PROBE;
  for (int i = 0; i < spin; i++) {
    if (has_work(iso)) {
      iso->spin = spin * 2 > RT_SPIN_MAX ? RT_SPIN_MAX : spin * 2;
      return;
    }
    rt_cpu_relax();
  }
  if (!iso->busy_poll_ns) iso->spin = spin / 2;
  uint64_t timeout = UINT64_MAX;
  if (deadline != UINT64_MAX) {
    uint64_t now = iso_now_ns();
    if (deadline <= now) return;
    timeout = deadline - now;
  }
  rt_link_flush_lazy();
  rt_wake_flush();
  rt_node_flush(); /* give batched nodes back before sleeping */
  atomic_store_explicit(&iso->parked, 1, memory_order_seq_cst);
  if (!has_work(iso)) rt_futex_wait(&iso->parked, 1, timeout);
  atomic_store_explicit(&iso->parked, 0, memory_order_relaxed);
}

int rt_step(rt_iso *iso, int budget) {
  int n = 0;
  uint64_t now = 0;
  while (n < budget && !iso->ending) {
    if (atomic_load_explicit(&iso->ctl_pending, memory_order_acquire)) {
      rt_ctl_run(iso);
      if (iso->ending) break;
    }
    if (!iso->started) {
      iso->started = true;
      iso_value *m = iso->entry_msg;
      iso->entry_msg = NULL;
      iso->depth++;
      iso->entry(m);
      iso->depth--;
      n++;
      continue;
    }
    if (iso->timers.n && rt_timer_fire_one(iso, &now)) {
      n++;
      continue;
    }
    iso_value *m = rt_mpsc_pop(&iso->mbox);
    if (!m) {
      /* Credits and wakes held back go out before the loop runs dry. */
      rt_link_flush_lazy();
      rt_wake_flush();
      if (rt_mpsc_empty(&iso->mbox)) break;
      continue;
    }
    rt_dispatch_msg(iso, m);
    rt_wake_flush_due();
    n++;
  }
  return n;
}

/* ---- inline scheduler --------------------------------------------------- */

void rt_sched_ready(rt_iso *iso) {
  if (iso->in_ready || atomic_load(&iso->done)) return;
  iso->in_ready = true;
  iso->ready_next = NULL;
  rt_iso_ref(iso);
  if (rt_rt.ready_tail)
    rt_rt.ready_tail->ready_next = iso;
  else
    rt_rt.ready_head = iso;
  rt_rt.ready_tail = iso;
}

static rt_iso *earliest_timer(uint64_t *when) {
  rt_iso *best = NULL;
  *when = UINT64_MAX;
  for (rt_iso *i = rt_rt.all; i; i = i->all_next) {
    if (atomic_load(&i->done)) continue;
    uint64_t t = rt_timers_next(i);
    if (t < *when) {
      *when = t;
      best = i;
    }
  }
  return best;
}

/* One event of the first ready isolate (FIFO), or one due timer. */
int rt_sched_step(void) {
  rt_iso *iso;
  /* Skip isolates that ended while queued: returning 0 for them would
   * look like idleness and put the caller to sleep with work pending. */
  while ((iso = rt_rt.ready_head) != NULL) {
    rt_rt.ready_head = iso->ready_next;
    if (!rt_rt.ready_head) rt_rt.ready_tail = NULL;
    iso->in_ready = false;
    if (!atomic_load(&iso->done)) break;
    rt_iso_unref(iso);
  }
  if (!iso) {
    uint64_t when;
    iso = earliest_timer(&when);
    if (!iso || when > iso_now_ns()) return 0;
    rt_iso_ref(iso);
  }
  int n = 0;
  if (!atomic_load(&iso->done)) {
    rt_iso *prev = rt_self;
    rt_self = iso;
    n = rt_step(iso, 1);
    if (!iso->is_main && iso->depth == 0 && (iso->ending || !rt_iso_alive(iso))) {
      rt_iso_finish(iso);
      rt_iso_unref(iso); /* the runtime's reference */
      n = n ? n : 1;
    } else if (has_work(iso)) {
      rt_sched_ready(iso);
    }
    rt_self = prev;
  }
  rt_iso_unref(iso);
  return n;
}

/* Sleeps until the next timer of any isolate or deadline. False when
 * nothing could ever wake us: waiting would be a deadlock. */
bool rt_sched_idle_wait(uint64_t deadline) {
  uint64_t when;
  earliest_timer(&when);
  if (when == UINT64_MAX && deadline == UINT64_MAX) return false;
  if (deadline < when) when = deadline;
  uint64_t now = iso_now_ns();
  if (when > now) {
    struct timespec ts = {(time_t)(when / 1000000000u), (long)(when % 1000000000u)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
  }
  return true;
}

/* ---- waiting and the public loop ------------------------------------------- */

int rt_wait(rt_pred pred, void *arg, uint64_t timeout_ns) {
  rt_iso *me = rt_self;
  if (!me) return ISO_ESTATE;
  uint64_t deadline = timeout_ns ? iso_now_ns() + timeout_ns : UINT64_MAX;
  for (;;) {
    if (pred(arg)) return ISO_OK;
    if (me->ending) return ISO_EKILLED;
    int n = rt_rt.mode == ISO_MODE_INLINE ? rt_sched_step() : rt_step(me, 1);
    if (n > 0) continue;
    if (pred(arg)) return ISO_OK;
    if (me->ending) return ISO_EKILLED;
    if (deadline != UINT64_MAX && iso_now_ns() >= deadline) return ISO_ETIMEDOUT;
    if (rt_rt.mode == ISO_MODE_INLINE) {
      if (!rt_sched_idle_wait(deadline)) return ISO_ESTATE;
    } else {
      uint64_t t = rt_timers_next(me);
      rt_park(me, t < deadline ? t : deadline);
    }
  }
}

static bool others_alive(void) {
  for (rt_iso *i = rt_rt.all; i; i = i->all_next)
    if (i != rt_rt.main && !atomic_load(&i->done)) return true;
  return false;
}

static bool loop_done(void *arg) {
  rt_iso *me = arg;
  if (me->stop_flag) return true;
  if (rt_rt.mode == ISO_MODE_INLINE && me->is_main) return !rt_iso_alive(me) && !others_alive();
  return !rt_iso_alive(me);
}

int iso_loop_run(void) {
  rt_iso *me = rt_self;
  if (!me) return ISO_ESTATE;
  me->stop_flag = false;
  if (rt_rt.mode == ISO_MODE_THREADS) {
    while (!me->stop_flag && !me->ending && rt_iso_alive(me)) {
      if (rt_step(me, 64) == 0 && !me->stop_flag && !me->ending && rt_iso_alive(me))
        rt_park(me, rt_timers_next(me));
    }
    me->stop_flag = false;
    return ISO_OK;
  }
  int rc = rt_wait(loop_done, me, 0);
  me->stop_flag = false;
  return rc == ISO_ESTATE || rc == ISO_EKILLED ? ISO_OK : rc;
}

int iso_loop_poll(uint64_t timeout_ns) {
  rt_iso *me = rt_self;
  if (!me) return ISO_ESTATE;
  int n = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (rt_rt.mode == ISO_MODE_INLINE) {
      for (int k = 0; k < 4096; k++) {
        int s = rt_sched_step();
        if (s == 0) break;
        n += s;
      }
    } else {
      n += rt_step(me, 256);
    }
    if (n || !timeout_ns || pass) break;
    uint64_t deadline = iso_now_ns() + timeout_ns;
    if (rt_rt.mode == ISO_MODE_INLINE) {
      rt_sched_idle_wait(deadline);
    } else {
      uint64_t t = rt_timers_next(me);
      rt_park(me, t < deadline ? t : deadline);
    }
  }
  return n;
}

void iso_loop_stop(void) {
  if (rt_self) rt_self->stop_flag = true;
}

int iso_set_busy_poll(uint64_t ns) {
  rt_iso *me = rt_self;
  if (!me) return ISO_ESTATE;
  if (ns > ISO_BUSY_POLL_MAX_NS) return ISO_EINVAL;
  me->busy_poll_ns = ns;
  return ISO_OK;
}

int iso_set_mail_latency(uint64_t ns) {
  rt_iso *me = rt_self;
  if (!me) return ISO_ESTATE;
  if (ns > ISO_BUSY_POLL_MAX_NS) return ISO_EINVAL;
  atomic_store_explicit(&me->mail_latency_ns, ns, memory_order_relaxed);
  return ISO_OK;
}

uint64_t iso_busy_poll(void) {
  return rt_self ? rt_self->busy_poll_ns : 0;
}

/* ---- a foreign event loop (GLib, Qt, libuv, poll) drives main ---------------- */

int iso_loop_fd(void) {
  rt_iso *me = rt_self;
  if (!me || !me->is_main || rt_rt.mode != ISO_MODE_THREADS) return ISO_ESTATE;
  int fd1 = atomic_load(&rt_rt.main_fd1);
  if (fd1 > 0) return fd1 - 1;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return ISO_ENOMEM;
  atomic_store_explicit(&rt_rt.main_fd1, fd + 1, memory_order_release);
  return fd;
}

uint64_t iso_loop_deadline(void) {
  rt_iso *me = rt_self;
  if (!me) return UINT64_MAX;
  if (rt_rt.mode == ISO_MODE_INLINE) {
    if (rt_rt.ready_head) return 0;
    uint64_t when;
    earliest_timer(&when);
    return when;
  }
  if (has_work(me)) return 0;
  return rt_timers_next(me);
}

int iso_loop_timeout_ms(void) {
  uint64_t d = iso_loop_deadline();
  if (d == UINT64_MAX) return -1;
  uint64_t now = iso_now_ns();
  if (d <= now) return 0;
  uint64_t ms = (d - now + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

int iso_loop_dispatch(void) {
  rt_iso *me = rt_self;
  if (!me) return ISO_ESTATE;
  /* Read before running: a wake during the run leaves the fd readable. */
  int fd1 = atomic_load(&rt_rt.main_fd1);
  if (me->is_main && fd1 > 0) {
    uint64_t v;
    if (read(fd1 - 1, &v, sizeof v) < 0) {
      /* EAGAIN: nothing was signalled, timers may still be due */
    }
  }
  return iso_loop_poll(0);
}
