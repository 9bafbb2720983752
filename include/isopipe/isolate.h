/* The isolate runtime: Dart's isolates, ports and messages, brought to C. */
#ifndef ISOPIPE_ISOLATE_H
#define ISOPIPE_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isopipe/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Model (see docs/ARCHITECTURE.md):
 * - An isolate is a long-lived unit with its own event loop and private
 *   state. In threads mode each isolate is an OS thread; in inline mode all
 *   isolates run cooperatively on the thread that called iso_runtime_init().
 * - The thread that calls iso_runtime_init() becomes the main isolate.
 * - Handlers run one at a time, in arrival order per port (FIFO). Control
 *   messages (kill, ping) overtake data.
 * - An isolate lives while it has open ports or active timers, until
 *   iso_exit(), a kill, or a fatal error.
 * - Ownership: a value built by the caller is owned by the caller until a
 *   function documented as "consumes" takes it.
 */

typedef struct iso_isolate iso_isolate;   /* handle to an isolate (ref-counted) */
typedef struct iso_port iso_port;         /* receive port, owned by one isolate */
typedef struct iso_sendport iso_sendport; /* send capability (ref-counted) */
typedef struct iso_value iso_value;       /* a message value (tree) */
typedef struct iso_blob iso_blob;         /* immutable ref-counted bytes */
typedef struct iso_timer iso_timer;

/* ---- runtime ---------------------------------------------------------- */

typedef enum { ISO_MODE_THREADS = 0, ISO_MODE_INLINE = 1 } iso_mode;

/* Makes the calling thread the main isolate. Returns ISO_OK or an error. */
ISO_API int iso_runtime_init(iso_mode mode);
/* Kills what is left, joins every thread, frees everything. Main only.
 * Allocation-free where it matters: it also works when memory has run out.
 * Same as iso_runtime_shutdown_timed(ISO_SHUTDOWN_GRACE_NS). */
ISO_API void iso_runtime_shutdown(void);
#define ISO_SHUTDOWN_GRACE_NS 5000000000ull
/* A kill acts between events, so an isolate blocked inside a handler (in
 * foreign code: a read that never returns) cannot be ended. After grace_ns
 * this gives up on such threads: ISO_ETIMEDOUT, the runtime is down, and
 * what those threads still use stays allocated until they end; meanwhile
 * iso_runtime_init returns ISO_ESTATE. ISO_OK when everything ended. */
ISO_API int iso_runtime_shutdown_timed(uint64_t grace_ns);
ISO_API iso_mode iso_runtime_mode(void);
ISO_API iso_isolate *iso_current(void); /* borrowed */
ISO_API bool iso_is_main(void);
ISO_API const char *iso_name(iso_isolate *iso);

/* ---- values (messages) ------------------------------------------------ */

typedef enum {
  ISO_V_NULL,
  ISO_V_BOOL,
  ISO_V_INT,
  ISO_V_FLOAT,
  ISO_V_STRING,   /* deep-copied on send */
  ISO_V_BYTES,    /* deep-copied on send */
  ISO_V_LIST,     /* deep-copied on send */
  ISO_V_MAP,      /* string keys; deep-copied on send */
  ISO_V_SENDPORT, /* the capability is copied (ref-counted) */
  ISO_V_BLOB,     /* immutable: shared by reference, never copied */
  ISO_V_TRANSFER, /* moved: sender's handle cleared, zero bytes copied */
  ISO_V_OPAQUE    /* local-only pointer: sending it fails (ISO_EUNSENDABLE) */
} iso_vtype;

typedef void (*iso_dtor)(void *ptr);

ISO_API iso_value *iso_null(void);
ISO_API iso_value *iso_bool(bool b);
ISO_API iso_value *iso_int(int64_t i);
ISO_API iso_value *iso_float(double d);
ISO_API iso_value *iso_str(const char *s); /* copies s */
ISO_API iso_value *iso_strf(const char *fmt, ...) ISO_PRINTF(1, 2);
ISO_API iso_value *iso_bytes(const void *p, size_t n); /* copies */
ISO_API iso_value *iso_list(void);
ISO_API int iso_list_push(iso_value *list, iso_value *v); /* consumes v */
ISO_API iso_value *iso_map(void);
ISO_API int iso_map_set(iso_value *map, const char *key, iso_value *v); /* consumes v */
ISO_API iso_value *iso_v_sendport(iso_sendport *sp);                    /* adds a reference */
ISO_API iso_value *iso_v_blob(iso_blob *b);                             /* adds a reference */
/* A movable payload (AVPacket, AVFrame, buffer...). tag names its type so the
 * receiver can check it; dtor frees it if it is dropped undelivered. */
ISO_API iso_value *iso_transfer(void *ptr, iso_dtor dtor, uint32_t tag);
ISO_API iso_value *iso_opaque(void *ptr);
/* Convenience: a list of values, consuming each; ends with NULL. */
ISO_API iso_value *iso_listv(iso_value *first, ...);

ISO_API void iso_value_free(iso_value *v); /* NULL-safe; runs transfer dtors */
ISO_API iso_vtype iso_type(const iso_value *v);
ISO_API bool iso_as_bool(const iso_value *v);
ISO_API int64_t iso_as_int(const iso_value *v);     /* 0 if not INT */
ISO_API double iso_as_float(const iso_value *v);    /* INT converts */
ISO_API const char *iso_as_str(const iso_value *v); /* NULL if not STRING */
ISO_API const void *iso_as_bytes(const iso_value *v, size_t *len);
ISO_API size_t iso_list_len(const iso_value *v);
ISO_API iso_value *iso_list_at(const iso_value *v, size_t i);        /* borrowed */
ISO_API iso_value *iso_map_get(const iso_value *v, const char *key); /* borrowed */
ISO_API iso_sendport *iso_as_sendport(const iso_value *v);           /* borrowed */
ISO_API iso_blob *iso_as_blob(const iso_value *v);                   /* borrowed */
/* Takes the payload out of a TRANSFER value: the caller now owns ptr and the
 * value's handle is cleared (a second take returns NULL). */
ISO_API void *iso_transfer_take(iso_value *v, uint32_t *tag);
ISO_API uint32_t iso_transfer_tag(const iso_value *v);
ISO_API void *iso_as_opaque(const iso_value *v);
/* Deep equality (blobs by identity, transfers never equal). For tests. */
ISO_API bool iso_value_equal(const iso_value *a, const iso_value *b);

ISO_API iso_blob *iso_blob_new(const void *p, size_t n); /* copies once */
/* Wraps ptr (not copied) as immutable; dtor runs when the last ref goes. */
ISO_API iso_blob *iso_blob_wrap(const void *p, size_t n, iso_dtor dtor);
ISO_API iso_blob *iso_blob_ref(iso_blob *b);
ISO_API void iso_blob_unref(iso_blob *b);
ISO_API const void *iso_blob_data(const iso_blob *b, size_t *len);

/* ---- ports -------------------------------------------------------------- */

/* Runs on the port's isolate. The handler owns msg and frees it
 * (iso_value_free) or keeps it. */
typedef void (*iso_handler)(iso_port *port, iso_value *msg, void *ud);

/* RawReceivePort: every message goes to handler, on the current isolate. */
ISO_API iso_port *iso_port_new_raw(iso_handler handler, void *ud);
/* ReceivePort: messages queue until iso_port_listen() or iso_port_next(). */
ISO_API iso_port *iso_port_new(void);
ISO_API int iso_port_listen(iso_port *p, iso_handler handler, void *ud);
/* Waits for the next message on p while the current isolate's loop keeps
 * dispatching its other ports and timers ("await port.first").
 * timeout_ns 0 = forever. Returns ISO_OK, ISO_ETIMEDOUT or ISO_ECLOSED. */
ISO_API int iso_port_next(iso_port *p, uint64_t timeout_ns, iso_value **msg);
/* New reference to a capability for p; release with iso_sendport_release. */
ISO_API iso_sendport *iso_port_sendport(iso_port *p);
/* Closes and frees p; queued messages are freed (their transfers' dtors run).
 * Must be called on the owning isolate. */
ISO_API void iso_port_close(iso_port *p);
ISO_API void iso_port_set_ud(iso_port *p, void *ud);
ISO_API void *iso_port_ud(iso_port *p);
/* A closed port does not keep its isolate alive; an open port does, unless
 * iso_port_weak(p, true). */
ISO_API void iso_port_weak(iso_port *p, bool weak);
/* fn runs on the owning isolate when p closes, including when the isolate
 * ends by iso_exit, kill or a fatal error: the place to free handler state
 * (a killed isolate runs no other code of yours). */
typedef void (*iso_port_close_fn)(iso_port *p, void *ud);
ISO_API void iso_port_on_close(iso_port *p, iso_port_close_fn fn);

ISO_API iso_sendport *iso_sendport_ref(iso_sendport *sp);
ISO_API void iso_sendport_release(iso_sendport *sp); /* NULL-safe */
ISO_API bool iso_sendport_equal(const iso_sendport *a, const iso_sendport *b);

/* Dart's send: plain values are deep-copied, blobs shared, transfers moved
 * (v's TRANSFER nodes are emptied). v stays owned by the caller.
 * ISO_OK also when the target is closed or dead: the message is dropped,
 * its payload freed, and the sender's 'dropped' counter grows.
 * ISO_EUNSENDABLE (v holds an OPAQUE): nothing is sent, v is untouched. */
ISO_API int iso_send(iso_sendport *sp, iso_value *v);
/* Consumes v whole: zero bytes copied (Isolate.exit's hand-over). On
 * ISO_EUNSENDABLE v is still the caller's. */
ISO_API int iso_send_move(iso_sendport *sp, iso_value *v);

/* ---- isolates ------------------------------------------------------------ */

/* Runs on the new isolate; owns msg. When it returns the isolate's loop
 * runs until no open port or timer is left. */
typedef void (*iso_entry)(iso_value *msg);

typedef struct iso_spawn_opts {
  const char *name;       /* for logs, traces, errors ("decode:v") */
  iso_sendport *on_exit;  /* receives exit_msg (or null) when it ends */
  iso_value *exit_msg;    /* consumed; NULL = iso_null() */
  iso_sendport *on_error; /* receives [message, where] for each error */
  bool errors_are_fatal;  /* default in iso_spawn_opts_init: true */
  int nice;               /* thread niceness added (threads mode); 0 = same */
  size_t stack_size;      /* thread stack bytes (threads mode); 0 = 1 MiB */
  /* SCHED_BATCH (threads mode): for throughput work. A waking batch thread
   * does not preempt a running one, so busy workers and the codec threads
   * they start (which inherit it) switch less; a normal-policy thread,
   * such as the main isolate's, still preempts them on waking. */
  bool batch;
} iso_spawn_opts;

ISO_API void iso_spawn_opts_init(iso_spawn_opts *o);
/* Consumes msg. *out (optional) gets a handle; release it with
 * iso_isolate_release. opts may be NULL. */
ISO_API int iso_spawn(iso_entry entry, iso_value *msg, const iso_spawn_opts *opts,
                      iso_isolate **out);
ISO_API iso_isolate *iso_isolate_ref(iso_isolate *iso);
ISO_API void iso_isolate_release(iso_isolate *iso);
/* Sets the niceness of the isolate's thread (threads mode), absolute
 * -20..19; threads it starts later (codec threads) inherit it, ones it
 * started before keep theirs. ISO_ESTATE when the system refuses (lowering
 * it needs CAP_SYS_NICE or RLIMIT_NICE) or in inline mode, ISO_ECLOSED once
 * the isolate has ended. */
ISO_API int iso_isolate_set_nice(iso_isolate *iso, int nice);

/* Ends the current isolate once the running handler returns: msg (consumed)
 * is moved to sp (no copy) and arrives before the exit notice. sp may be
 * NULL. Nothing further is dispatched on this isolate. */
ISO_API void iso_exit(iso_sendport *sp, iso_value *msg);

/* Reports an error on the current isolate: delivered to on_error ports as
 * [message, where]; if errors are fatal the isolate ends after the handler
 * returns. Inside iso_run's function, it makes the run fail instead. */
ISO_API void iso_raise(const char *where, const char *fmt, ...) ISO_PRINTF(2, 3);

typedef enum { ISO_PRIO_IMMEDIATE = 0, ISO_PRIO_BEFORE_NEXT_EVENT = 1 } iso_priority;
/* IMMEDIATE overtakes queued data: the isolate ends before its next event. */
ISO_API int iso_kill(iso_isolate *iso, iso_priority prio);
/* Sends response (consumed; NULL = null) to sp when iso sees the ping. */
ISO_API int iso_ping(iso_isolate *iso, iso_sendport *sp, iso_value *response, iso_priority prio);
ISO_API void iso_set_errors_fatal(iso_isolate *iso, bool fatal);
/* Adds exit / error listeners after spawn (Isolate.addOnExitListener). */
ISO_API int iso_add_on_exit(iso_isolate *iso, iso_sendport *sp, iso_value *msg);
ISO_API int iso_add_on_error(iso_isolate *iso, iso_sendport *sp);
/* True once the isolate has ended. */
ISO_API bool iso_isolate_done(iso_isolate *iso);
/* Blocks (pumping the caller's loop) until iso ended. timeout 0 = forever. */
ISO_API int iso_isolate_join(iso_isolate *iso, uint64_t timeout_ns);

/* ---- the event loop -------------------------------------------------------- */

/* Runs the current isolate's loop until nothing keeps it alive or
 * iso_loop_stop(). On main in inline mode this schedules every isolate. */
ISO_API int iso_loop_run(void);
/* Dispatches what is ready, waiting at most timeout_ns for the first event.
 * Returns the number of events dispatched. For embedding in a foreign loop. */
ISO_API int iso_loop_poll(uint64_t timeout_ns);
ISO_API void iso_loop_stop(void);
/*
 * Driving main from a foreign event loop (GLib, Qt, libuv, a poll() loop)
 * instead of iso_loop_run / iso_loop_poll, in threads mode on the main
 * isolate: watch iso_loop_fd() for readability (POLLIN), wait no later than
 * iso_loop_deadline() (iso_now_ns() clock; 0 = now, UINT64_MAX = no timer;
 * iso_loop_timeout_ms() gives it as poll()'s timeout), then call
 * iso_loop_dispatch(), which runs what is ready without blocking and
 * returns the number of events. Ask for the deadline again after each
 * dispatch: a busy main leaves work for the next one. The fd (an eventfd
 * owned by the runtime, closed by iso_runtime_shutdown) is readable
 * whenever another thread queued something for main. ISO_ESTATE off main
 * or in inline mode (there, call iso_loop_dispatch by the deadline).
 */
ISO_API int iso_loop_fd(void);
ISO_API uint64_t iso_loop_deadline(void);
ISO_API int iso_loop_timeout_ms(void);
ISO_API int iso_loop_dispatch(void);
ISO_API uint64_t iso_now_ns(void); /* CLOCK_MONOTONIC */
/* For the current isolate (threads mode; off by default): a message it
 * sends from inside an event to a parked isolate wakes that isolate only
 * when this one's mailbox runs dry, it waits, 8 messages went there, or an
 * event ends 1 ms after the first one held back. Fewer futex wakes for a
 * stage whose events are short CPU work; never for one that blocks on I/O
 * inside an event (the wake would wait for the I/O). */
ISO_API void iso_set_wake_batching(bool on);

/* Opt-in busy polling for latency-critical isolates (like Linux's
 * SO_BUSY_POLL or a DPDK poll-mode loop). By default an idle isolate spins
 * at most a few microseconds (adaptive, shrinking to nothing when it does
 * not pay) and then sleeps; waking a sleeping thread is slow on a VM.
 * With ns > 0 the current isolate instead polls its mailbox for up to ns
 * after each event before it sleeps: a round trip between two polling
 * isolates stays in the sub-microsecond regime. CPU cost: while idle, the
 * isolate burns a whole core for ns after every event (forever if events
 * come more often than every ns), taking it from the other threads when
 * cores are scarce. 0 restores the default. Threads mode; inline mode
 * stores the value and ignores it. ISO_EINVAL above ISO_BUSY_POLL_MAX_NS,
 * ISO_ESTATE outside an isolate. */
#define ISO_BUSY_POLL_MAX_NS 1000000000ull
ISO_API int iso_set_busy_poll(uint64_t ns);

/* Lets messages to the calling isolate wait up to ns before its thread
 * wakes for them (0, the default: woken for each). For an isolate that
 * acts on its mail at its own pace, such as a display redrawn 60 times a
 * second: reports sent to it then cost no wake of its thread each, and the
 * senders no wake call. Timers and control (kill, pause) are not delayed. A foreign loop
 * (iso_loop_fd) is not signalled for such mail. Threads mode; inline mode stores the value and
 * ignores it. ISO_EINVAL above ISO_BUSY_POLL_MAX_NS, ISO_ESTATE outside an isolate. */
ISO_API int iso_set_mail_latency(uint64_t ns);
ISO_API uint64_t iso_busy_poll(void); /* the current isolate's setting; 0 outside */

/* ---- timers ---------------------------------------------------------------- */

typedef void (*iso_timer_cb)(iso_timer *t, void *ud);
/* On the current isolate. period_ns 0 = one-shot. Periodic timers run on
 * absolute deadlines start + k*period; a tick that is due late is reported
 * by iso_timer_lateness_ns, and deadlines that passed entirely are counted
 * as missed (never run in a burst). A live timer keeps its isolate alive. */
ISO_API iso_timer *iso_timer_start(uint64_t delay_ns, uint64_t period_ns, iso_timer_cb cb,
                                   void *ud);
ISO_API void iso_timer_stop(iso_timer *t);                  /* frees t; allowed inside cb */
ISO_API uint64_t iso_timer_lateness_ns(const iso_timer *t); /* of the tick being run */
ISO_API uint64_t iso_timer_missed(const iso_timer *t);
ISO_API uint64_t iso_timer_ticks(const iso_timer *t);

/* ---- counters ------------------------------------------------------------- */

typedef struct iso_counters {
  uint64_t msgs_sent;
  uint64_t msgs_received;
  uint64_t bytes_copied; /* deep-copy bytes of strings, bytes, lists, maps */
  uint64_t transfers;    /* payloads moved */
  uint64_t dropped;      /* messages sent to closed ports / dead isolates */
} iso_counters;

/* The current isolate's counters. */
ISO_API void iso_counters_get(iso_counters *out);

/* ---- run / compute ----------------------------------------------------- */

typedef struct iso_error {
  int code;      /* ISO_EREMOTE (iso_raise), ISO_ENORESULT, ISO_EKILLED... */
  char *message; /* heap; free with iso_error_clear */
  char *where;   /* isolate name / function */
} iso_error;
ISO_API void iso_error_clear(iso_error *e);

/* Runs on a fresh isolate; owns arg. Returns the result (moved back to the
 * caller), or calls iso_raise() and returns NULL. Returning NULL without
 * raising is ISO_ENORESULT. */
typedef iso_value *(*iso_fn)(iso_value *arg);

/* Isolate.run: blocks the caller (its loop keeps dispatching) until fn ends.
 * Consumes arg. On success *result is owned by the caller. */
ISO_API int iso_run(iso_fn fn, iso_value *arg, iso_value **result, iso_error *err);
/* Same on a pool of reused threads (threads mode); inline mode runs fn
 * on the scheduler like any isolate. */
ISO_API int iso_run_pooled(iso_fn fn, iso_value *arg, iso_value **result, iso_error *err);
/* Asynchronous form: reply gets ["ok", result] or ["error", message, where]. */
ISO_API int iso_run_async(iso_fn fn, iso_value *arg, iso_sendport *reply);

/* ---- handshake ------------------------------------------------------------- */

/* Spawns a worker whose entry gets [main_sendport, msg]; the worker calls
 * iso_handshake_reply() with its own send port. *peer gets that port once
 * ready (the caller's loop keeps running meanwhile). */
ISO_API int iso_spawn_handshake(iso_entry entry, iso_value *msg, const iso_spawn_opts *opts,
                                uint64_t timeout_ns, iso_isolate **out, iso_sendport **peer,
                                iso_port **from_worker);
/* Inside the worker's entry: sends my_port's capability to the spawner. */
ISO_API int iso_handshake_reply(iso_value *entry_msg, iso_port *my_port);
/* The user part of the entry message of a handshake worker (borrowed). */
ISO_API iso_value *iso_handshake_msg(iso_value *entry_msg);

/* ---- robust request/response worker ---------------------------------------- */

typedef struct iso_worker iso_worker;
/* Runs on the worker isolate for each request. Return a value or
 * iso_raise() + NULL for an error response. state is the worker's own. */
typedef iso_value *(*iso_worker_fn)(iso_value *request, void *state);
typedef void *(*iso_worker_init_fn)(iso_value *init_arg);
typedef void (*iso_worker_fini_fn)(void *state);
/* Runs on the caller's isolate when the response arrives. result is owned by
 * the callback; err is NULL on success. */
typedef void (*iso_worker_cb)(void *ud, iso_value *result, const iso_error *err);

ISO_API int iso_worker_start(iso_worker **out, const char *name, iso_worker_init_fn init,
                             iso_value *init_arg, iso_worker_fn fn, iso_worker_fini_fn fini);
/* Sends a request (consumed) with a fresh id; cb runs when its response
 * comes back, in any order relative to other requests. ISO_ECLOSED after
 * close. */
ISO_API int iso_worker_call(iso_worker *w, iso_value *request, iso_worker_cb cb, void *ud);
/* Blocking form (the caller's loop keeps dispatching). */
ISO_API int iso_worker_call_sync(iso_worker *w, iso_value *request, iso_value **result,
                                 iso_error *err);
ISO_API size_t iso_worker_pending(const iso_worker *w);
/* Orderly shutdown: no new requests; waits for those in flight (their
 * callbacks run), then ends the worker and frees w. */
ISO_API int iso_worker_close(iso_worker *w);

/* ---- bounded links: credit flow control over a port pair ------------------ */

/* Data goes downstream on the receiver's port, credits come back upstream on
 * the sender's. The sender may send only while it holds a credit, so at
 * most 'capacity' items are in flight. EOF travels down, "finished" up. */
typedef struct iso_link_tx iso_link_tx; /* the sender's end, on the upstream isolate */
typedef struct iso_link_rx iso_link_rx; /* the receiver's end, on the downstream one */

typedef struct iso_link_rx_cbs {
  void (*on_item)(iso_link_rx *rx, iso_value *item, void *ud); /* owns item */
  void (*on_eof)(iso_link_rx *rx, void *ud);
} iso_link_rx_cbs;
typedef struct iso_link_tx_cbs {
  void (*on_writable)(iso_link_tx *tx, void *ud); /* credits arrived */
  void (*on_finished)(iso_link_tx *tx, void *ud); /* receiver wants no more */
} iso_link_tx_cbs;

/* On the downstream isolate. */
ISO_API iso_link_rx *iso_link_rx_new(uint32_t capacity, const iso_link_rx_cbs *cbs, void *ud);
ISO_API iso_sendport *iso_link_rx_sendport(iso_link_rx *rx); /* new ref: pass upstream */
/* Gives credits back (normally 1 per item once it is consumed). */
ISO_API void iso_link_rx_ack(iso_link_rx *rx, uint32_t n);
/* Tells the sender to stop ("receiver finished"); rx stays valid, late
 * items are freed. */
ISO_API void iso_link_rx_finish(iso_link_rx *rx);
ISO_API uint32_t iso_link_rx_depth(const iso_link_rx *rx); /* received, not acked */
ISO_API void iso_link_rx_free(iso_link_rx *rx);

/* On the upstream isolate, with the rx's send port (a reference is taken). */
ISO_API iso_link_tx *iso_link_tx_new(iso_sendport *rx_port, const iso_link_tx_cbs *cbs, void *ud);
ISO_API uint32_t iso_link_tx_credits(const iso_link_tx *tx);
ISO_API uint32_t iso_link_tx_inflight(const iso_link_tx *tx);
ISO_API bool iso_link_tx_finished(const iso_link_tx *tx);
/* Consumes item (moved, no copy) and one credit. ISO_ENOCREDIT: nothing sent,
 * item still the caller's. After "finished" the item is freed, ISO_ECLOSED. */
ISO_API int iso_link_send(iso_link_tx *tx, iso_value *item);
ISO_API void iso_link_tx_eof(iso_link_tx *tx); /* sends EOF; no sends after */
ISO_API void iso_link_tx_free(iso_link_tx *tx);

#ifdef __cplusplus
}
#endif
#endif
