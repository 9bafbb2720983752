/* The robust request/response worker: ids match responses, remote errors, draining close. */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"

#define RT_TAG_WKCONF 0x574b4346u /* "WKCF" */

/* ---- the worker isolate's side -------------------------------------------- */

typedef struct wk_conf {
  iso_worker_init_fn init;
  iso_worker_fn fn;
  iso_worker_fini_fn fini;
  iso_value *init_arg;
} wk_conf;

typedef struct wk_side {
  wk_conf conf;
  void *state;
  iso_sendport *reply;
} wk_side;

static void conf_free(void *p) {
  wk_conf *c = p;
  iso_value_free(c->init_arg);
  free(c);
}

static void wk_handle(iso_port *port, iso_value *msg, void *ud) {
  wk_side *w = ud;
  if (iso_type(msg) == ISO_V_STRING) { /* "close": in-flight work is done */
    iso_value_free(msg);
    iso_port_close(port); /* wk_closed frees w */
    return;
  }
  iso_value *id = iso_list_at(msg, 0);
  rt_iso *me = rt_self;
  rt_raise_capture cap = {0}, *outer = me->capture; /* nested waits nest captures */
  me->capture = &cap;
  iso_value *r = w->conf.fn(iso_list_at(msg, 1), w->state);
  me->capture = outer;
  uint64_t tr = 0;
  iso_value *resp;
  if (cap.raised || !r || rt_value_check_sendable(r, &tr)) {
    const char *text = cap.raised ? cap.message : r ? "response cannot be sent" : "no response";
    resp = rt_list_of(4, iso_int(iso_as_int(id)), iso_str("error"), iso_str(text),
                      iso_str(cap.where ? cap.where : me->name));
    iso_value_free(r);
  } else {
    resp = rt_list_of(3, iso_int(iso_as_int(id)), iso_str("ok"), r);
  }
  free(cap.message);
  free(cap.where);
  iso_value_free(msg);
  /* Out of memory for the response: end the worker, so that its exit
   * notice fails the caller's pending calls instead of leaving them waiting. */
  if (!resp) me->ending = true;
  if (resp && rt_send_flags(w->reply, resp, 0, true) != ISO_OK) iso_value_free(resp);
}

/* Also runs when the worker ends by exit, kill or fatal error. */
static void wk_closed(iso_port *port, void *ud) {
  wk_side *w = ud;
  if (w->conf.fini) w->conf.fini(w->state);
  iso_sendport_release(w->reply);
  free(w);
}

static void wk_entry(iso_value *msg) {
  wk_conf *c = iso_transfer_take(iso_handshake_msg(msg), NULL);
  wk_side *w = calloc(1, sizeof(*w));
  if (!c || !w) {
    if (c) conf_free(c);
    free(w);
    iso_value_free(msg);
    return;
  }
  w->conf = *c;
  w->reply = iso_sendport_ref(iso_as_sendport(iso_list_at(msg, 0)));
  w->state = c->init ? c->init(c->init_arg) : NULL;
  iso_value_free(c->init_arg);
  free(c);
  w->conf.init_arg = NULL;
  iso_port *p = iso_port_new_raw(wk_handle, w);
  if (!p) {
    wk_closed(NULL, w);
    iso_value_free(msg);
    return;
  }
  iso_port_on_close(p, wk_closed);
  /* Unable to answer (out of memory): end, so the spawner's wait ends too. */
  if (iso_handshake_reply(msg, p) != ISO_OK) iso_port_close(p);
  iso_value_free(msg);
}

/* ---- the caller's side ------------------------------------------------------- */

typedef struct wk_pending {
  struct wk_pending *next;
  int64_t id;
  iso_worker_cb cb;
  void *ud;
} wk_pending;

struct iso_worker {
  iso_isolate *iso;
  iso_sendport *wsp;
  iso_port *resp;
  wk_pending *pending;
  size_t npending;
  int64_t next_id;
  bool closed, dead;
};

static wk_pending *take_pending(iso_worker *w, int64_t id) {
  for (wk_pending **pp = &w->pending; *pp; pp = &(*pp)->next) {
    if ((*pp)->id == id) {
      wk_pending *p = *pp;
      *pp = p->next;
      w->npending--;
      return p;
    }
  }
  return NULL;
}

static void fail_all(iso_worker *w, int code, const char *text) {
  while (w->pending) {
    wk_pending *p = w->pending;
    w->pending = p->next;
    w->npending--;
    iso_error e = {code, (char *)text, (char *)iso_name(w->iso)};
    p->cb(p->ud, NULL, &e);
    free(p);
  }
}

static void resp_handler(iso_port *port, iso_value *msg, void *ud) {
  iso_worker *w = ud;
  if (rt_msg_flags(msg) & RT_MSG_EXIT_NOTICE) {
    iso_value_free(msg);
    w->dead = true;
    fail_all(w, ISO_ECLOSED, "worker ended before responding");
    return;
  }
  wk_pending *p = take_pending(w, iso_as_int(iso_list_at(msg, 0)));
  if (!p) {
    iso_value_free(msg);
    return;
  }
  const char *st = iso_as_str(iso_list_at(msg, 1));
  if (st && strcmp(st, "ok") == 0) {
    iso_value *r = msg->u.l.items[2];
    msg->u.l.items[2] = NULL;
    iso_value_free(msg);
    p->cb(p->ud, r, NULL);
  } else {
    iso_error e = {ISO_EREMOTE, (char *)iso_as_str(iso_list_at(msg, 2)),
                   (char *)iso_as_str(iso_list_at(msg, 3))};
    p->cb(p->ud, NULL, &e);
    iso_value_free(msg);
  }
  free(p);
}

int iso_worker_start(iso_worker **out, const char *name, iso_worker_init_fn init,
                     iso_value *init_arg, iso_worker_fn fn, iso_worker_fini_fn fini) {
  if (out) *out = NULL;
  iso_worker *w = calloc(1, sizeof(*w));
  wk_conf *c = calloc(1, sizeof(*c));
  if (!out || !fn || !w || !c || !rt_self) {
    free(w);
    free(c);
    iso_value_free(init_arg);
    return out && fn ? ISO_ENOMEM : ISO_EINVAL;
  }
  c->init = init;
  c->fn = fn;
  c->fini = fini;
  c->init_arg = init_arg;
  iso_spawn_opts o;
  iso_spawn_opts_init(&o);
  o.name = name ? name : "worker";
  o.errors_are_fatal = false;
  int rc = iso_spawn_handshake(wk_entry, iso_transfer(c, conf_free, RT_TAG_WKCONF), &o, 0, &w->iso,
                               &w->wsp, &w->resp);
  if (rc) {
    free(w);
    return rc;
  }
  iso_port_listen(w->resp, resp_handler, w);
  iso_sendport *rsp = iso_port_sendport(w->resp);
  /* Without its exit notice a dead worker would leave calls waiting forever. */
  rc = rsp ? iso_add_on_exit(w->iso, rsp, NULL) : ISO_ENOMEM;
  iso_sendport_release(rsp);
  if (rc) {
    iso_kill(w->iso, ISO_PRIO_IMMEDIATE);
    iso_isolate_join(w->iso, 0);
    iso_port_close(w->resp);
    iso_sendport_release(w->wsp);
    iso_isolate_release(w->iso);
    free(w);
    return rc;
  }
  *out = w;
  return ISO_OK;
}

int iso_worker_call(iso_worker *w, iso_value *request, iso_worker_cb cb, void *ud) {
  if (!w || !cb || !request) {
    iso_value_free(request);
    return ISO_EINVAL;
  }
  if (w->closed || w->dead) {
    iso_value_free(request);
    return ISO_ECLOSED;
  }
  wk_pending *p = calloc(1, sizeof(*p));
  iso_value *m = rt_list_of(2, iso_int(w->next_id + 1), request);
  if (!p || !m) {
    free(p);
    iso_value_free(m);
    return ISO_ENOMEM;
  }
  int rc = rt_send_flags(w->wsp, m, 0, true);
  if (rc) {
    iso_value_free(m);
    free(p);
    return rc;
  }
  p->id = ++w->next_id;
  p->cb = cb;
  p->ud = ud;
  p->next = w->pending;
  w->pending = p;
  w->npending++;
  return ISO_OK;
}

typedef struct sync_call {
  bool done;
  int rc;
  iso_value *result;
  iso_error *err;
} sync_call;

static void sync_cb(void *ud, iso_value *result, const iso_error *err) {
  sync_call *s = ud;
  s->done = true;
  s->result = result;
  if (err) {
    s->rc = err->code;
    if (s->err) {
      s->err->code = err->code;
      s->err->message = rt_strdup(err->message ? err->message : "");
      s->err->where = rt_strdup(err->where ? err->where : "");
    }
  }
}

static bool sync_done(void *arg) {
  return ((sync_call *)arg)->done;
}

int iso_worker_call_sync(iso_worker *w, iso_value *request, iso_value **result, iso_error *err) {
  if (result) *result = NULL;
  if (err) memset(err, 0, sizeof(*err));
  sync_call s = {false, ISO_OK, NULL, err};
  int rc = iso_worker_call(w, request, sync_cb, &s);
  if (rc) {
    if (err) {
      err->code = rc;
      err->message = rt_strdup(iso_strerror(rc));
      err->where = rt_strdup(w && w->iso ? iso_name(w->iso) : "worker");
    }
    return rc;
  }
  rc = rt_wait(sync_done, &s, 0);
  if (rc) return rc;
  if (result)
    *result = s.result;
  else
    iso_value_free(s.result);
  return s.rc;
}

size_t iso_worker_pending(const iso_worker *w) {
  return w ? w->npending : 0;
}

static bool drained(void *arg) {
  iso_worker *w = arg;
  return w->npending == 0 || w->dead;
}

int iso_worker_close(iso_worker *w) {
  if (!w) return ISO_EINVAL;
  if (w->closed) return ISO_ECLOSED;
  w->closed = true;
  int rc = rt_wait(drained, w, 0);
  iso_value *bye = iso_str("close");
  if (!bye)
    iso_kill(w->iso, ISO_PRIO_IMMEDIATE); /* nothing is in flight: the same end, no allocation */
  else if (rt_send_flags(w->wsp, bye, 0, true) != ISO_OK)
    iso_value_free(bye);
  int jrc = iso_isolate_join(w->iso, 0);
  if (!rc) rc = jrc;
  fail_all(w, ISO_ECLOSED, "worker closed");
  iso_port_close(w->resp);
  iso_sendport_release(w->wsp);
  iso_isolate_release(w->iso);
  free(w);
  return rc;
}
