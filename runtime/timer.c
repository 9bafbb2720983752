/* Per-isolate timers in a min-heap; periodic ones keep absolute deadlines and count misses. */
#include <stdlib.h>

#include "runtime/rt_internal.h"

static void heap_set(struct rt_timer_heap *h, size_t i, iso_timer *t) {
  h->v[i] = t;
  t->heap_idx = i;
}

static void sift_up(struct rt_timer_heap *h, size_t i) {
  iso_timer *t = h->v[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (h->v[p]->deadline <= t->deadline) break;
    heap_set(h, i, h->v[p]);
    i = p;
  }
  heap_set(h, i, t);
}

static void sift_down(struct rt_timer_heap *h, size_t i) {
  iso_timer *t = h->v[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && h->v[c + 1]->deadline < h->v[c]->deadline) c++;
    if (h->v[c]->deadline >= t->deadline) break;
    heap_set(h, i, h->v[c]);
    i = c;
  }
  heap_set(h, i, t);
}

static int heap_push(struct rt_timer_heap *h, iso_timer *t) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 8;
    iso_timer **v = realloc(h->v, cap * sizeof(*v));
    if (!v) return ISO_ENOMEM;
    h->v = v;
    h->cap = cap;
  }
  heap_set(h, h->n++, t);
  sift_up(h, h->n - 1);
  return ISO_OK;
}

static void heap_remove(struct rt_timer_heap *h, size_t i) {
  h->v[i]->heap_idx = SIZE_MAX;
  h->n--;
  if (i == h->n) return;
  heap_set(h, i, h->v[h->n]);
  sift_down(h, i);
  sift_up(h, h->v[i]->heap_idx);
}

iso_timer *iso_timer_start(uint64_t delay_ns, uint64_t period_ns, iso_timer_cb cb, void *ud) {
  rt_iso *me = rt_self;
  if (!me || !cb || me->ending) return NULL;
  iso_timer *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->iso = me;
  t->cb = cb;
  t->ud = ud;
  t->period = period_ns;
  t->start = t->deadline = iso_now_ns() + delay_ns;
  if (heap_push(&me->timers, t)) {
    free(t);
    return NULL;
  }
  me->alive++;
  return t;
}

void iso_timer_stop(iso_timer *t) {
  if (!t) return;
  if (t->fired) {
    if (t->rprev)
      t->rprev->rnext = t->rnext;
    else
      t->iso->retired = t->rnext;
    if (t->rnext) t->rnext->rprev = t->rprev;
    free(t);
    return;
  }
  if (t->stopped) return;
  t->stopped = true;
  t->iso->alive--;
  if (t->heap_idx != SIZE_MAX) heap_remove(&t->iso->timers, t->heap_idx);
  if (!t->running) free(t); /* else freed when its callback returns */
}

uint64_t iso_timer_lateness_ns(const iso_timer *t) {
  return t ? t->lateness : 0;
}
uint64_t iso_timer_missed(const iso_timer *t) {
  return t ? t->missed : 0;
}
uint64_t iso_timer_ticks(const iso_timer *t) {
  return t ? t->ticks : 0;
}

uint64_t rt_timers_next(rt_iso *iso) {
  return iso->timers.n ? iso->timers.v[0]->deadline : UINT64_MAX;
}

bool rt_timer_fire_one(rt_iso *iso, uint64_t *now) {
  iso_timer *t = iso->timers.v[0];
  if (t->deadline > *now) {
    *now = iso_now_ns();
    if (t->deadline > *now) return false;
  }
  heap_remove(&iso->timers, 0);
  t->running = true;
  t->lateness = *now - t->deadline;
  t->ticks++;
  iso->depth++;
  t->cb(t, t->ud);
  iso->depth--;
  t->running = false;
  *now = iso_now_ns();
  if (t->stopped) {
    free(t);
    return true;
  }
  if (t->period == 0) { /* one-shot: no longer keeps the isolate alive */
    t->fired = true;
    iso->alive--;
    t->rprev = NULL;
    t->rnext = iso->retired;
    if (iso->retired) iso->retired->rprev = t;
    iso->retired = t;
    return true;
  }
  /* Absolute deadlines: a deadline already past when we get to schedule it
   * is counted as missed, never run in a burst. */
  uint64_t next = t->k + 1;
  if (t->start + next * t->period <= *now) {
    uint64_t k = (*now - t->start) / t->period + 1;
    t->missed += k - next;
    next = k;
  }
  t->k = next;
  t->deadline = t->start + next * t->period;
  heap_push(&iso->timers, t);
  return true;
}

void rt_timers_free_all(rt_iso *iso) {
  for (size_t i = 0; i < iso->timers.n; i++) {
    iso->timers.v[i]->stopped = true;
    iso->timers.v[i]->heap_idx = SIZE_MAX;
    if (!iso->timers.v[i]->running) free(iso->timers.v[i]);
  }
  iso->timers.n = 0;
  while (iso->retired) {
    iso_timer *t = iso->retired;
    iso->retired = t->rnext;
    free(t);
  }
  free(iso->timers.v);
  iso->timers.v = NULL;
  iso->timers.cap = 0;
}
