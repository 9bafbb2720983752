/* Isolate.run / compute: one function on a fresh (or pooled) isolate, result moved back. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"

#define RT_TAG_RUNJOB 0x52554e4au /* "RUNJ" */
#define RT_POOL_SPIN 64
#define RT_RUN_POLL_NS 20000u /* see run_sync */

typedef struct run_job {
  iso_fn fn;
  iso_value *arg;
  iso_sendport *reply;
} run_job;

static void job_free(void *p) {
  run_job *j = p;
  iso_value_free(j->arg);
  iso_sendport_release(j->reply);
  free(j);
}

static iso_value *err_reply(const char *msg, const char *where, int code) {
  return rt_list_of(4, iso_str("error"), iso_str(msg ? msg : "error"), iso_str(where ? where : "?"),
                    iso_int(code));
}

static void run_entry(iso_value *msg) {
  run_job *j = iso_transfer_take(msg, NULL);
  iso_value_free(msg);
  if (!j) return;
  rt_iso *me = rt_self;
  rt_raise_capture cap = {0}, *outer = me->capture; /* nested waits nest captures */
  me->capture = &cap;
  iso_value *arg = j->arg;
  j->arg = NULL;
  iso_value *r = j->fn(arg);
  me->capture = outer;
  iso_value *reply;
  uint64_t tr = 0;
  if (cap.raised) {
    iso_value_free(r);
    reply = err_reply(cap.message, cap.where, ISO_EREMOTE);
  } else if (!r) {
    reply = err_reply("function ended without a result", me->name, ISO_ENORESULT);
  } else if (rt_value_check_sendable(r, &tr)) {
    iso_value_free(r);
    reply = err_reply("result cannot be sent", me->name, ISO_EUNSENDABLE);
  } else {
    reply = rt_list_of(2, iso_str("ok"), r);
  }
  free(cap.message);
  free(cap.where);
  iso_exit(j->reply, reply); /* moves the result: zero bytes copied */
  job_free(j);
}

static int start_run(iso_fn fn, iso_value *arg, iso_sendport *reply, bool pooled,
                     iso_sendport *on_exit, iso_isolate **out) {
  if (!fn || !reply) {
    iso_value_free(arg);
    return ISO_EINVAL;
  }
  run_job *j = calloc(1, sizeof(*j));
  if (!j) {
    iso_value_free(arg);
    return ISO_ENOMEM;
  }
  j->fn = fn;
  j->arg = arg ? arg : iso_null();
  j->reply = iso_sendport_ref(reply);
  iso_value *m = iso_transfer(j, job_free, RT_TAG_RUNJOB);
  if (!m) return ISO_ENOMEM; /* iso_transfer ran job_free */
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = "run";
  o.on_exit = on_exit;
  return rt_spawn_internal(run_entry, m, &o, pooled, out);
}

static iso_value *list_steal(iso_value *l, size_t i) {
  if (!l || l->type != ISO_V_LIST || i >= l->u.l.len) return NULL;
  iso_value *v = l->u.l.items[i];
  l->u.l.items[i] = NULL;
  return v;
}

static void set_err(iso_error *err, int code, const char *msg, const char *where) {
  if (!err) return;
  err->code = code;
  err->message = rt_strdup(msg ? msg : iso_strerror(code));
  err->where = rt_strdup(where ? where : "run");
}

static int run_sync(iso_fn fn, iso_value *arg, iso_value **result, iso_error *err, bool pooled) {
  if (result) *result = NULL;
  if (err) memset(err, 0, sizeof(*err));
  if (!rt_self) {
    iso_value_free(arg);
    return ISO_ESTATE;
  }
  iso_port *port = iso_port_new();
  if (!port) {
    iso_value_free(arg);
    return ISO_ENOMEM;
  }
  iso_sendport *sp = iso_port_sendport(port);
  iso_isolate *h = NULL;
  rt_spawn_near = !pooled;
  int rc = start_run(fn, arg, sp, pooled, sp, &h);
  rt_spawn_near = false;
  iso_sendport_release(sp);
  if (rc) {
    iso_port_close(port);
    set_err(err, rc, NULL, NULL);
    return rc;
  }
  iso_value *m = NULL;
  /* A pooled run's result comes back in a few microseconds, sooner than a
   * parked caller's wake-up takes when its vCPU has halted: poll a little
   * first, yielding as busy polling does. A fresh
   * thread's run is not polled for: the caller then keeps the CPU the new
   * thread would have started on at once. */
  rt_iso *me = rt_self;
  uint64_t poll = me->busy_poll_ns;
  int spin = me->spin;
  if (pooled && !poll) me->busy_poll_ns = RT_RUN_POLL_NS;
  if (!pooled) me->spin = 0; /* not even the adaptive spin: it kept the new thread off this CPU */
  rc = iso_port_next(port, 0, &m);
  me->busy_poll_ns = poll;
  me->spin = spin;
  if (rc) {
    set_err(err, rc, "waiting for the result failed", iso_name(h));
  } else if (rt_msg_flags(m) & RT_MSG_EXIT_NOTICE) {
    iso_isolate_join(h, 0);
    rc = rt_iso_killed(h) ? ISO_EKILLED : ISO_ENORESULT;
    set_err(err, rc, rc == ISO_EKILLED ? "isolate was killed" : "isolate ended without a result",
            iso_name(h));
  } else if (strcmp(iso_as_str(iso_list_at(m, 0)) ? iso_as_str(iso_list_at(m, 0)) : "", "ok") ==
             0) {
    iso_value *r = list_steal(m, 1);
    if (result)
      *result = r;
    else
      iso_value_free(r);
  } else {
    rc = (int)iso_as_int(iso_list_at(m, 3));
    if (!rc) rc = ISO_EREMOTE;
    set_err(err, rc, iso_as_str(iso_list_at(m, 1)), iso_as_str(iso_list_at(m, 2)));
  }
  iso_value_free(m);
  iso_port_close(port);
  iso_isolate_release(h);
  return rc;
}

int iso_run(iso_fn fn, iso_value *arg, iso_value **result, iso_error *err) {
  return run_sync(fn, arg, result, err, false);
}

int iso_run_pooled(iso_fn fn, iso_value *arg, iso_value **result, iso_error *err) {
  return run_sync(fn, arg, result, err, true);
}

int iso_run_async(iso_fn fn, iso_value *arg, iso_sendport *reply) {
  if (!rt_rt.up) {
    iso_value_free(arg);
    return ISO_ESTATE;
  }
  return start_run(fn, arg, reply, false, NULL, NULL);
}

void iso_error_clear(iso_error *e) {
  if (!e) return;
  free(e->message);
  free(e->where);
  memset(e, 0, sizeof(*e));
}

/* ---- the thread pool behind iso_run_pooled ---------------------------------- */

typedef struct pool_thr {
  pthread_t th;
  _Atomic int word; /* 1: a job (or quit) is posted */
  atomic_bool gone; /* the thread has left pool_main: joining it will not block */
  rt_iso *job;
  struct pool_thr *next_idle, *next_all;
} pool_thr;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pool_thr *pool_idle, *pool_all;
static bool pool_quit;

static void *pool_main(void *arg) {
  pool_thr *t = arg;
  for (;;) {
    /* A caller of iso_run_pooled in a loop posts its next job a couple of
     * microseconds after the last result: waiting that long here, yielding
     * so a caller on this CPU still runs, saves it a futex wake, which is
     * slow when this vCPU has halted. */
    uint64_t until = 0;
    for (int i = 1; !atomic_load(&t->word); i++) {
      rt_cpu_relax();
      if (i % RT_POOL_SPIN) continue;
      uint64_t now = iso_now_ns();
      if (!until) until = now + RT_RUN_POLL_NS;
      if (now >= until) break;
      sched_yield();
    }
    while (!atomic_load_explicit(&t->word, memory_order_acquire))
      rt_futex_wait(&t->word, 0, UINT64_MAX);
    atomic_store_explicit(&t->word, 0, memory_order_relaxed);
    rt_iso *iso = t->job;
    t->job = NULL;
    if (!iso) break; /* quit */
    rt_run_isolate(iso);
    pthread_mutex_lock(&pool_lock);
    bool quit = pool_quit;
    if (!quit) {
      t->next_idle = pool_idle;
      pool_idle = t;
    }
    pthread_mutex_unlock(&pool_lock);
    if (quit) break;
  }
  rt_node_thread_done();
  atomic_store(&t->gone, true);
  return NULL;
}

int rt_pool_submit(rt_iso *iso) {
  pthread_mutex_lock(&pool_lock);
  pool_quit = false;
  pool_thr *t = pool_idle;
  if (t) {
    pool_idle = t->next_idle;
    pthread_mutex_unlock(&pool_lock);
    t->job = iso;
    atomic_store_explicit(&t->word, 1, memory_order_release);
    rt_futex_wake(&t->word, 1);
    return ISO_OK;
  }
  t = calloc(1, sizeof(*t));
  if (!t) {
    pthread_mutex_unlock(&pool_lock);
    return ISO_ENOMEM;
  }
  t->job = iso;
  atomic_init(&t->word, 1);
  if (pthread_create(&t->th, NULL, pool_main, t)) {
    pthread_mutex_unlock(&pool_lock);
    free(t);
    return ISO_ENOMEM;
  }
  t->next_all = pool_all;
  pool_all = t;
  pthread_mutex_unlock(&pool_lock);
  return ISO_OK;
}

static bool pool_is_idle(pool_thr *t) {
  for (pool_thr *i = pool_idle; i; i = i->next_idle)
    if (i == t) return true;
  return false;
}

bool rt_pool_idle(void) {
  pthread_mutex_lock(&pool_lock);
  bool idle = true;
  for (pool_thr *t = pool_all; t && idle; t = t->next_all)
    idle = pool_is_idle(t) || atomic_load(&t->gone);
  pthread_mutex_unlock(&pool_lock);
  return idle;
}

void rt_pool_shutdown(bool abandon) {
  pthread_mutex_lock(&pool_lock);
  pool_quit = true;
  pool_thr *all = NULL, *left = NULL;
  for (pool_thr *t = pool_all, *n; t; t = n) {
    n = t->next_all;
    bool keep = abandon && !pool_is_idle(t);
    t->next_all = keep ? left : all;
    if (keep)
      left = t;
    else
      all = t;
  }
  pool_all = left;
  for (pool_thr *t = pool_idle; t; t = t->next_idle) {
    t->job = NULL;
    atomic_store_explicit(&t->word, 1, memory_order_release);
    rt_futex_wake(&t->word, 1);
  }
  pool_idle = NULL;
  pthread_mutex_unlock(&pool_lock);
  /* Busy threads see pool_quit when their isolate (already killed) ends. */
  while (all) {
    pool_thr *n = all->next_all;
    pthread_join(all->th, NULL);
    free(all);
    all = n;
  }
}
