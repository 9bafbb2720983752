/* Wake batching: a send from inside an event may defer waking a parked receiver until a burst ends.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
/* With wake batching on (iso_set_wake_batching), a send from inside an
 * event does not wake a parked receiver at once: the wake waits until this
 * isolate's mailbox runs dry, it parks, RT_WAKE_SENDS messages went to that
 * receiver, or an event ends RT_WAKE_DELAY_NS after the first deferral. A
 * starved receiver (a muxer fed packet by packet) then wakes once per burst
 * rather than once per item. The price is latency up to one event of the
 * sender's: only for isolates whose events are short CPU work. */
#define RT_WAKE_PENDING 8
#define RT_WAKE_SENDS 8
#define RT_WAKE_DELAY_NS 1000000u
static _Thread_local struct {
  rt_iso *iso;
  int sends;
} rt_pend[RT_WAKE_PENDING];
static _Thread_local int rt_npend;
static _Thread_local uint64_t rt_pend_since;

void rt_iso_wake_soon(rt_iso *iso) {
  rt_iso *me = rt_self;
  if (rt_rt.mode == ISO_MODE_INLINE || !me || !me->batch_wakes || me->depth == 0 || iso == me ||
      !atomic_load_explicit(&iso->parked, memory_order_seq_cst)) {
    rt_iso_wake(iso);
    return;
  }
  for (int i = 0; i < rt_npend; i++) {
    if (rt_pend[i].iso != iso) continue;
    if (++rt_pend[i].sends >= RT_WAKE_SENDS) {
      rt_pend[i].sends = 0;
      rt_iso_wake(iso);
    }
    return;
  }
  if (rt_npend == RT_WAKE_PENDING) {
    rt_iso_wake(iso);
    return;
  }
  rt_iso_ref(iso);
  if (rt_npend == 0) rt_pend_since = iso_now_ns();
  rt_pend[rt_npend].iso = iso;
  rt_pend[rt_npend].sends = 1;
  rt_npend++;
}

void rt_wake_flush(void) {
  int n = rt_npend;
  rt_npend = 0;
  for (int i = 0; i < n; i++) {
    rt_iso_wake(rt_pend[i].iso);
    rt_iso_unref(rt_pend[i].iso);
  }
}

void rt_wake_flush_due(void) {
  if (rt_npend && iso_now_ns() - rt_pend_since >= RT_WAKE_DELAY_NS) rt_wake_flush();
}

void iso_set_wake_batching(bool on) {
  if (!rt_self) return;
  rt_self->batch_wakes = on;
  if (!on) rt_wake_flush();
}
