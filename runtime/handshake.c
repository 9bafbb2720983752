/* The two-way handshake: spawn a worker with our send port, await its own send port. */
#include "runtime/rt_internal.h"

/* The entry message is [main_sendport, msg, handshake_sendport]; the third
 * element is private so the worker's later messages and the "ready" reply
 * never mix on one port. */
int iso_spawn_handshake(iso_entry entry, iso_value *msg, const iso_spawn_opts *opts,
                        uint64_t timeout_ns, iso_isolate **out, iso_sendport **peer,
                        iso_port **from_worker) {
  if (out) *out = NULL;
  if (from_worker) *from_worker = NULL;
  if (!peer || !entry || !rt_self) {
    iso_value_free(msg);
    if (opts) iso_value_free(opts->exit_msg);
    return peer && entry ? ISO_ESTATE : ISO_EINVAL;
  }
  *peer = NULL;
  iso_port *main_port = iso_port_new(), *hs = iso_port_new();
  iso_sendport *sp_main = iso_port_sendport(main_port), *sp_hs = iso_port_sendport(hs);
  iso_value *em =
      rt_list_of(3, iso_v_sendport(sp_main), msg ? msg : iso_null(), iso_v_sendport(sp_hs));
  iso_spawn_opts o;
  if (opts)
    o = *opts;
  else
    iso_spawn_opts_init(&o);
  iso_isolate *h = NULL;
  int rc;
  if (!em) {
    iso_value_free(o.exit_msg);
    rc = ISO_ENOMEM;
  } else {
    rc = iso_spawn(entry, em, &o, &h);
  }
  /* The exit notice is what ends the wait if the worker cannot reply. */
  if (rc == ISO_OK) rc = iso_add_on_exit(h, sp_hs, NULL);
  iso_value *m = NULL;
  if (rc == ISO_OK) rc = iso_port_next(hs, timeout_ns, &m);
  if (rc == ISO_OK) {
    if ((rt_msg_flags(m) & RT_MSG_EXIT_NOTICE) || !iso_as_sendport(m))
      rc = ISO_ENORESULT; /* ended (or answered nonsense) before it was ready */
    else
      *peer = iso_sendport_ref(iso_as_sendport(m));
  }
  iso_value_free(m);
  if (rc && h) iso_kill(h, ISO_PRIO_IMMEDIATE);
  iso_port_close(hs);
  iso_sendport_release(sp_hs);
  iso_sendport_release(sp_main);
  if (from_worker && rc == ISO_OK)
    *from_worker = main_port;
  else
    iso_port_close(main_port);
  if (out && rc == ISO_OK)
    *out = h;
  else
    iso_isolate_release(h);
  return rc;
}

int iso_handshake_reply(iso_value *entry_msg, iso_port *my_port) {
  iso_sendport *hs = iso_as_sendport(iso_list_at(entry_msg, 2));
  if (!hs || !my_port) return ISO_EINVAL;
  iso_sendport *mine = iso_port_sendport(my_port);
  if (!mine) return ISO_ECLOSED;
  iso_value *v = iso_v_sendport(mine);
  iso_sendport_release(mine);
  if (!v) return ISO_ENOMEM;
  int rc = rt_send_flags(hs, v, 0, true);
  if (rc) iso_value_free(v);
  return rc;
}

iso_value *iso_handshake_msg(iso_value *entry_msg) {
  return iso_list_at(entry_msg, 1);
}
