/* Private structures shared by the runtime's files: values, ports, mailboxes, isolates. */
#ifndef ISOPIPE_RT_INTERNAL_H
#define ISOPIPE_RT_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "isopipe/isolate.h"

/* Flags carried by a queued message: internal protocols (links, notices)
 * read them without wrapping the user's value in another node. */
enum {
  RT_MSG_LINK_DATA = 1u << 0,
  RT_MSG_LINK_EOF = 1u << 1,
  RT_MSG_LINK_HELLO = 1u << 2,
  RT_MSG_LINK_CREDIT = 1u << 3,
  RT_MSG_LINK_FINISH = 1u << 4,
  RT_MSG_EXIT_NOTICE = 1u << 5,
  /* Wake a parked receiver now, even from a wake-batching sender: credits
   * (a sender waits on them) and items of links too shallow to batch. */
  RT_MSG_WAKE_NOW = 1u << 6,
};

typedef struct rt_core rt_core;
typedef struct rt_iso rt_iso;
typedef struct rt_ncache rt_ncache;

/* A value node doubles as the message envelope when it is the root of a
 * queued message, so a small message costs one allocation. */
struct iso_value {
  _Atomic(struct iso_value *) q_next;
  uint64_t q_port; /* target port id while queued: no reference, no atomic */
  uint32_t q_flags;
  uint8_t type;
  rt_ncache *home; /* node cache it returns to; NULL = malloc'd */
  union {
    bool b;
    int64_t i;
    double d;
    struct {
      char *p; /* points inside the node for strings and bytes */
      size_t n;
    } s;
    struct {
      iso_value **items;
      char **keys; /* maps only */
      size_t len, cap;
    } l;
    iso_sendport *sp;
    iso_blob *blob;
    struct {
      void *ptr;
      iso_dtor dtor;
      uint32_t tag;
    } t;
    void *opaque;
  } u;
};

/* Intrusive MPSC mailbox: producers push onto a lock-free stack, the
 * consumer takes it whole and keeps the batch, in arrival order, privately.
 * top and head live on separate cache lines: producers and the consumer
 * would otherwise bounce one line on every message. */
typedef struct rt_mpsc {
  _Alignas(64) _Atomic(iso_value *) top; /* producers push here (newest first) */
  _Alignas(64) iso_value *head;          /* consumer only: the taken batch */
} rt_mpsc;

void rt_mpsc_init(rt_mpsc *q);
/* True when the mailbox was empty: only then may the consumer be parked,
 * so only then must the producer check whether to wake it. */
bool rt_mpsc_push(rt_mpsc *q, iso_value *n);
/* NULL when empty (consumer only). */
iso_value *rt_mpsc_pop(rt_mpsc *q);
/* Inline: the idle poll calls it in a tight loop. */
static inline bool rt_mpsc_empty(rt_mpsc *q) {
  return !q->head && !atomic_load_explicit(&q->top, memory_order_seq_cst);
}

/* The shared part of a receive port; iso_sendport is this object. It
 * outlives the port while capabilities or queued messages refer to it. */
struct rt_core {
  atomic_bool closed;
  rt_iso *iso;            /* owning isolate (referenced) */
  uint64_t port_id;       /* (generation << 32) | slot in the owner's port table */
  uint32_t link_capacity; /* set by iso_link_rx_new, read by iso_link_tx_new */
  /* Own line: a send port copied into every request would otherwise drag
   * the fields every send reads between the cores with each ref/release. */
  _Alignas(64) atomic_uint refs;
};

struct iso_port {
  rt_core *core;
  rt_iso *iso;
  iso_handler handler;
  void *ud;
  iso_port_close_fn on_close;
  bool weak;
  bool closed;
  int awaiting;                     /* iso_port_next frames waiting on this port */
  int pins;                         /* frames that touch the port after a handler returns */
  iso_value *pend_head, *pend_tail; /* ReceivePort buffer (q_next links) */
  iso_port *prev, *next;            /* the isolate's port list */
};

typedef struct rt_ctl {
  struct rt_ctl *next;
  int kind; /* RT_CTL_* */
  iso_sendport *sp;
  iso_value *msg;
} rt_ctl;
enum { RT_CTL_PING }; /* kills are a flag: kill_req */

typedef struct rt_notice {
  struct rt_notice *next;
  iso_sendport *sp;
  iso_value *msg;
} rt_notice;

typedef struct rt_raise_capture {
  bool raised;
  char *message;
  char *where;
} rt_raise_capture;

/* One isolate; iso_isolate is this object. */
struct rt_iso {
  atomic_uint refs;
  char *name;
  rt_mpsc mbox;
  _Alignas(64) _Atomic int parked; /* futex word: 1 while the owner sleeps; read per send */
  atomic_bool ctl_pending;
  atomic_bool kill_req; /* a kill is a flag, not a queued record: it never allocates */
  atomic_bool poked;    /* "re-check your wait" without a message (joins) */
  atomic_bool fatal_errors;
  atomic_bool dead;     /* finished: sends are dropped */
  atomic_bool done;     /* finished and notices sent */
  pthread_mutex_t lock; /* control queue, listeners, joiners */
  rt_ctl *ctl_head, *ctl_tail;
  rt_notice *on_exit, *on_error;
  struct rt_joiner *joiners; /* records on the joiners' stacks: a join never allocates */

  /* Owner-thread state, written per message: kept off the lines senders read. */
  _Alignas(64) iso_entry entry;
  iso_value *entry_msg;
  bool started;
  bool ending; /* exit, kill or fatal error: no further dispatch */
  bool killed;
  bool is_main;
  bool stop_flag;        /* iso_loop_stop */
  bool batch_wakes;      /* iso_set_wake_batching */
  bool started_near;     /* began pinned to its spawner's CPU (iso_run): unpins first */
  int depth;             /* handler frames on the stack */
  int spin;              /* adaptive polling budget before parking */
  uint64_t busy_poll_ns; /* iso_set_busy_poll: 0 = the adaptive spin */
  /* iso_set_mail_latency: senders leave it parked; 0 = woken for each. */
  _Atomic uint64_t mail_latency_ns;
  int poll_round; /* probes between the busy poll's yields (loop.c) */
  unsigned spin_probe;
  int alive; /* open strong ports + live timers */
  iso_port *ports;
  struct rt_slot {
    iso_port *port;
    uint32_t gen;
    uint32_t next_free;
  } * slots;                          /* port table: messages name ports by id, resolved here */
  uint32_t nslots, cslots, free_slot; /* free_slot: 1-based free list head */
  iso_sendport *exit_sp;
  iso_value *exit_val;
  rt_raise_capture *capture;
  struct rt_timer_heap {
    iso_timer **v;
    size_t n, cap;
  } timers;
  iso_timer *retired;
  iso_counters ctr;

  /* Threads mode. */
  size_t stack_size;
  int nice;      /* added to base_nice, or absolute once nice_abs */
  int base_nice; /* the spawning thread's niceness */
  bool nice_abs; /* set by iso_isolate_set_nice before the thread started */
  bool batch;
  pid_t tid; /* while its thread runs (rt_rt.lock): iso_isolate_set_nice */

  /* Inline mode scheduling. */
  bool in_ready;
  rt_iso *ready_next;
  rt_iso *all_prev, *all_next; /* registry */
};

struct iso_isolate; /* == rt_iso */
#define RT_ISO(h) ((rt_iso *)(h))
#define RT_H(i) ((iso_isolate *)(i))

struct iso_timer {
  rt_iso *iso;
  uint64_t deadline, start, period;
  uint64_t k; /* index of the next periodic deadline */
  uint64_t ticks, missed, lateness;
  iso_timer_cb cb;
  void *ud;
  size_t heap_idx;
  bool running, stopped, fired;
  iso_timer *rprev, *rnext; /* fired one-shots kept until stopped or the isolate ends */
};

/* Global runtime state. */
typedef struct rt_runtime {
  bool up;
  iso_mode mode;
  rt_iso *main;
  pthread_mutex_t lock; /* registry, reap list */
  rt_iso *all;
  pthread_t *reap;
  size_t nreap, creap;
  /* inline scheduler */
  rt_iso *ready_head, *ready_tail;
  /* iso_loop_fd's eventfd + 1 (0: none), written by whoever wakes main */
  _Atomic int main_fd1;
} rt_runtime;

extern rt_runtime rt_rt;
extern _Thread_local rt_iso *rt_self;

/* values */
iso_value *rt_node_alloc(size_t extra); /* zeroed header with room for extra bytes */
/* Items of a list of at most this many live inside its node: a small list
 * message is one allocation, not a node plus an array. */
#define RT_LIST_INLINE 4
#define RT_LIST_IS_INLINE(v) ((void *)(v)->u.l.items == (void *)((v) + 1))
void rt_node_free(iso_value *v);
void rt_node_thread_done(void); /* parks this thread's cache for reuse */
void rt_node_trim(void);
void rt_node_flush(void); /* hands batched frees back to their caches */
iso_value *rt_value_alloc(uint8_t type, size_t extra);
/* A list of exactly n values, consuming them; NULL (everything freed) if any
 * is NULL or memory runs out: never a shorter list, unlike iso_listv. */
iso_value *rt_list_of(size_t n, ...);
int rt_value_check_sendable(const iso_value *v, uint64_t *transfers);
iso_value *rt_value_copy_for_send(iso_value *v, uint64_t *bytes, uint64_t *transfers);
uint32_t rt_msg_flags(const iso_value *msg);

/* ports and sending */
int rt_send_flags(iso_sendport *sp, iso_value *v, uint32_t flags, bool move);
void rt_core_release(rt_core *c);
iso_port *rt_port_new(rt_iso *iso, iso_handler h, void *ud);
void rt_dispatch_msg(rt_iso *iso, iso_value *msg);
void rt_port_close_all(rt_iso *iso);

/* isolates */
rt_iso *rt_iso_new(const char *name);
void rt_iso_ref(rt_iso *iso);
void rt_iso_unref(rt_iso *iso);
void rt_iso_wake(rt_iso *iso);
void rt_iso_wake_soon(rt_iso *iso); /* a send's wake, deferred: see isolate.c */
void rt_wake_flush(void);
void rt_wake_flush_due(void);
/* Sends the credits links of this thread held back (see link.c): called
 * whenever the isolate's mailbox runs dry. */
void rt_link_flush_lazy(void);
void rt_iso_poke(rt_iso *iso); /* allocation-free wake for a waiting isolate */
void rt_iso_finish(rt_iso *iso);
bool rt_iso_alive(rt_iso *iso);
void rt_ctl_push(rt_iso *iso, rt_ctl *c);
void rt_drain_mailbox(rt_iso *iso);
void rt_reap_threads(void);
/* Joins the pool's threads; with abandon, only the idle ones (a busy one may
 * be stuck in foreign code: it ends by itself and is joined later). */
void rt_pool_shutdown(bool abandon);
bool rt_pool_idle(void); /* no pool thread is running an isolate */
int rt_spawn_internal(iso_entry entry, iso_value *msg, const iso_spawn_opts *opts, bool pooled,
                      iso_isolate **out);
void rt_run_isolate(rt_iso *iso); /* thread body: entry, loop, finish */
void rt_start_thread_for(rt_iso *iso, bool pooled, int *err);
extern _Thread_local bool rt_spawn_near; /* set around iso_run's spawn (run.c) */
void rt_ctl_run(rt_iso *iso);
bool rt_iso_killed(iso_isolate *iso);
void rt_park(rt_iso *iso, uint64_t deadline);
int rt_pool_submit(rt_iso *iso); /* ISO_OK if an idle pool thread took it */

/* loop */
int rt_step(rt_iso *iso, int budget);
typedef bool (*rt_pred)(void *arg);
/* Runs the current isolate's loop (inline: the scheduler) until pred is
 * true. ISO_OK, ISO_ETIMEDOUT, ISO_EKILLED (this isolate is ending), or
 * ISO_ESTATE (inline mode: nothing can ever happen). */
int rt_wait(rt_pred pred, void *arg, uint64_t timeout_ns);
void rt_sched_ready(rt_iso *iso);
int rt_sched_step(void);
bool rt_sched_idle_wait(uint64_t deadline); /* inline: sleep to the next timer */

/* timers */
bool rt_timer_fire_one(rt_iso *iso, uint64_t *now); /* fires the earliest if due */
uint64_t rt_timers_next(rt_iso *iso);               /* UINT64_MAX if none */
void rt_timers_free_all(rt_iso *iso);

/* futex helpers */
void rt_futex_wait(_Atomic int *addr, int val, uint64_t timeout_ns);
void rt_futex_wake(_Atomic int *addr, int n);
void rt_cpu_relax(void);

char *rt_strdup(const char *s);
char *rt_vasprintf(const char *fmt, va_list ap);

/* A thread waiting in iso_isolate_join, linked from the joined isolate; it
 * lives on the joiner's stack and is only touched under the joined lock. */
typedef struct rt_joiner {
  struct rt_joiner *prev, *next;
  rt_iso *who;
  bool linked;
} rt_joiner;

/* Shared by the runtime's files (rtstate.c owns them). */
extern cpu_set_t rt_proc_mask;
extern bool rt_have_mask;
extern atomic_int rt_live_threads;
extern bool rt_lock_live; /* rt_rt.lock is initialised and not destroyed */
/* Joins the threads that have already gone, leaving those still on their way out. */
void rt_reap_finished(void);
/* Adds an exit (msg kept from the start) or error notice to list. */
int rt_add_notice(rt_notice **list, iso_sendport *sp, iso_value *msg, bool exit);

#endif
