/* Controlling an isolate: exit, raise, kill, ping, error and exit notices, join. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"

void iso_exit(iso_sendport *sp, iso_value *msg) {
  rt_iso *me = rt_self;
  if (!me || me->is_main || me->ending) {
    iso_value_free(msg);
    return;
  }
  me->exit_sp = sp ? iso_sendport_ref(sp) : NULL;
  me->exit_val = msg ? msg : iso_null();
  me->ending = true;
}

void iso_raise(const char *where, const char *fmt, ...) {
  rt_iso *me = rt_self;
  va_list ap;
  va_start(ap, fmt);
  char *text = rt_vasprintf(fmt, ap);
  va_end(ap);
  if (!me) {
    free(text);
    return;
  }
  size_t wl = strlen(me->name) + (where ? strlen(where) + 2 : 0) + 1;
  char *w = malloc(wl);
  if (w) snprintf(w, wl, where ? "%s: %s" : "%s", me->name, where ? where : "");
  if (me->capture) {
    if (!me->capture->raised) {
      me->capture->raised = true;
      me->capture->message = text;
      me->capture->where = w;
    } else {
      free(text);
      free(w);
    }
    return;
  }
  pthread_mutex_lock(&me->lock);
  for (rt_notice *n = me->on_error; n; n = n->next) {
    iso_value *m = rt_list_of(2, iso_str(text ? text : "error"), iso_str(w ? w : "?"));
    if (m && rt_send_flags(n->sp, m, 0, true) != ISO_OK) iso_value_free(m);
  }
  pthread_mutex_unlock(&me->lock);
  if (!me->is_main && atomic_load(&me->fatal_errors)) me->ending = true;
  free(text);
  free(w);
}

int iso_kill(iso_isolate *h, iso_priority prio) {
  rt_iso *iso = RT_ISO(h);
  if (!iso) return ISO_EINVAL;
  if (iso->is_main) return ISO_ESTATE;
  if (atomic_load(&iso->done)) return ISO_OK;
  (void)prio; /* both priorities run before the next event, ahead of data */
  /* A flag, not a queued record: a kill must work when memory has run out
   * (shutdown depends on it). */
  atomic_store_explicit(&iso->kill_req, true, memory_order_seq_cst);
  atomic_store_explicit(&iso->ctl_pending, true, memory_order_seq_cst);
  rt_iso_wake(iso);
  return ISO_OK;
}

int iso_ping(iso_isolate *h, iso_sendport *sp, iso_value *response, iso_priority prio) {
  rt_iso *iso = RT_ISO(h);
  (void)prio; /* both priorities overtake queued data */
  if (!iso || !sp) {
    iso_value_free(response);
    return ISO_EINVAL;
  }
  if (atomic_load(&iso->done)) {
    iso_value_free(response);
    return ISO_OK;
  }
  rt_ctl *c = calloc(1, sizeof(*c));
  if (!c) {
    iso_value_free(response);
    return ISO_ENOMEM;
  }
  c->kind = RT_CTL_PING;
  c->sp = iso_sendport_ref(sp);
  c->msg = response ? response : iso_null();
  rt_ctl_push(iso, c);
  return ISO_OK;
}

/* Runs control messages on the owner before any other event. */
void rt_ctl_run(rt_iso *iso) {
  pthread_mutex_lock(&iso->lock);
  rt_ctl *c = iso->ctl_head;
  iso->ctl_head = iso->ctl_tail = NULL;
  /* Cleared before kill_req is read: a kill flagged meanwhile sets it again. */
  atomic_store_explicit(&iso->ctl_pending, false, memory_order_seq_cst);
  pthread_mutex_unlock(&iso->lock);
  if (atomic_exchange_explicit(&iso->kill_req, false, memory_order_seq_cst)) {
    iso->ending = true;
    iso->killed = true;
  }
  while (c) {
    rt_ctl *next = c->next;
    if (c->kind == RT_CTL_PING && c->msg) {
      if (rt_send_flags(c->sp, c->msg, 0, true) != ISO_OK) iso_value_free(c->msg);
      c->msg = NULL;
    }
    iso_sendport_release(c->sp);
    iso_value_free(c->msg);
    free(c);
    c = next;
  }
}

void iso_set_errors_fatal(iso_isolate *iso, bool fatal) {
  if (iso) atomic_store(&RT_ISO(iso)->fatal_errors, fatal);
}

int iso_add_on_exit(iso_isolate *h, iso_sendport *sp, iso_value *msg) {
  rt_iso *iso = RT_ISO(h);
  if (!iso || !sp) {
    iso_value_free(msg);
    return ISO_EINVAL;
  }
  pthread_mutex_lock(&iso->lock);
  if (!atomic_load(&iso->done)) {
    int rc = rt_add_notice(&iso->on_exit, sp, msg, true);
    pthread_mutex_unlock(&iso->lock);
    return rc;
  }
  pthread_mutex_unlock(&iso->lock);
  /* Already gone: the notice comes at once, like Dart's. */
  iso_value *m = msg ? msg : iso_null();
  if (!m) return ISO_ENOMEM;
  if (rt_send_flags(sp, m, RT_MSG_EXIT_NOTICE, true) != ISO_OK) iso_value_free(m);
  return ISO_OK;
}

int iso_add_on_error(iso_isolate *h, iso_sendport *sp) {
  rt_iso *iso = RT_ISO(h);
  if (!iso || !sp) return ISO_EINVAL;
  int rc = ISO_OK;
  pthread_mutex_lock(&iso->lock);
  if (!atomic_load(&iso->done)) rc = rt_add_notice(&iso->on_error, sp, NULL, false);
  pthread_mutex_unlock(&iso->lock);
  return rc;
}

bool iso_isolate_done(iso_isolate *iso) {
  return iso && atomic_load_explicit(&RT_ISO(iso)->done, memory_order_acquire);
}

bool rt_iso_killed(iso_isolate *iso) {
  return iso && RT_ISO(iso)->killed;
}

static bool pred_done(void *arg) {
  return atomic_load_explicit(&((rt_iso *)arg)->done, memory_order_acquire);
}

int iso_isolate_join(iso_isolate *h, uint64_t timeout_ns) {
  rt_iso *iso = RT_ISO(h), *me = rt_self;
  if (!iso) return ISO_EINVAL;
  if (pred_done(iso)) return ISO_OK;
  if (!me || me == iso) return ISO_ESTATE;
  rt_joiner j = {NULL, NULL, me, false};
  if (rt_rt.mode == ISO_MODE_THREADS) {
    pthread_mutex_lock(&iso->lock);
    if (!atomic_load(&iso->done)) {
      j.next = iso->joiners;
      if (j.next) j.next->prev = &j;
      iso->joiners = &j;
      j.linked = true;
    }
    pthread_mutex_unlock(&iso->lock);
  }
  int rc = rt_wait(pred_done, iso, timeout_ns);
  if (rt_rt.mode == ISO_MODE_THREADS) {
    pthread_mutex_lock(&iso->lock);
    if (j.linked) { /* timed out or killed: unlink before the record goes */
      if (j.prev)
        j.prev->next = j.next;
      else
        iso->joiners = j.next;
      if (j.next) j.next->prev = j.prev;
    }
    pthread_mutex_unlock(&iso->lock);
  }
  return rc;
}
