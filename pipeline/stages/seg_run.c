/* What the audio and video segment stages share: the segments in flight, their encoders on worker
 * isolates (at most N at once), and the replies that bring their packets back. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/stages/encode_seg.h"

pl_seg_req **pl_segrun_slot(pl_segrun *s, int k) {
  return &s->slot[k % PL_SEG_SLOTS];
}

bool *pl_segrun_complete(pl_segrun *s, int k) {
  return &s->complete[k % PL_SEG_SLOTS];
}

void pl_segrun_dispatch(pl_segrun *s) {
  pl_stage *st = s->f->st;
  while (!st->ended && s->dispatched < s->created && *pl_segrun_complete(s, s->dispatched) &&
         s->running < s->nseg && s->dispatched - s->joined < 2 * s->nseg) {
    pl_seg_req **slot = pl_segrun_slot(s, s->dispatched);
    pl_seg_req *r = *slot;
    int here = s->local ? s->local(s, r) : 1;
    if (here < 0) return;
    if (!here) {
      s->dispatched++;
      continue;
    }
    *slot = NULL;
    r->head = s->dispatched == s->joined;
    r->set = pl_enc_set_ref(s->set);
    /* Not sent, it is freed by iso_transfer itself. */
    iso_value *v = iso_transfer(r, pl_seg_req_free, PL_SEG_TAG);
    if (!v) {
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return;
    }
    int ret = iso_run_async(pl_seg_worker, v, s->reply_sp);
    if (ret != ISO_OK) {
      pl_stage_fail(st, ret, "segment %d: cannot start its encoder: %s", s->dispatched,
                    iso_strerror(ret));
      return;
    }
    *pl_segrun_complete(s, s->dispatched) = false; /* until its result is back */
    s->running++;
    s->dispatched++;
    st->helpers_busy = true;
  }
}

/* A segment's result: ["ok", transfer] or ["error", message, where]. */
static void on_reply(iso_port *port, iso_value *v, void *ud) {
  (void)port;
  pl_segrun *s = ud;
  pl_stage *st = s->f->st;
  pl_stage_enter(st);
  const char *tag = iso_as_str(iso_list_at(v, 0));
  if (s->note && tag && strcmp(tag, "ok") && strcmp(tag, "error")) {
    if (!st->ended) s->note(s, v);
    iso_value_free(v);
    pl_stage_leave(st, false);
    return;
  }
  pl_seg_req *r = tag && !strcmp(tag, "ok") ? iso_transfer_take(iso_list_at(v, 1), NULL) : NULL;
  if (!st->ended) {
    if (!r) {
      const char *why = iso_as_str(iso_list_at(v, 1));
      pl_stage_fail(st, ISO_EMEDIA, "a segment's encoder ended: %s", why ? why : "no result");
    } else if (r->failed) {
      pl_stage_fail(st, ISO_EMEDIA, "segment %d: %s", r->index, r->err);
    } else {
      pl_prof_helper_cpu(st->prof, r->cpu_s);
      if (st->prof) pl_prof_slice(st->prof, "segment", r->t0, r->t1, 0);
      s->running--;
      st->helpers_busy = s->running > 0;
      *pl_segrun_slot(s, r->index) = r;
      *pl_segrun_complete(s, r->index) = true;
      r = NULL;
      pl_segrun_dispatch(s);
      s->f->paused = false;
      pl_stage_kick(st);
    }
  }
  pl_seg_req_free(r);
  iso_value_free(v);
  pl_stage_leave(st, false);
}

void pl_segrun_next(pl_segrun *s) {
  pl_seg_req_free(*pl_segrun_slot(s, s->joined));
  *pl_segrun_slot(s, s->joined) = NULL;
  *pl_segrun_complete(s, s->joined) = false;
  s->joined++;
  pl_segrun_dispatch(s);
  if (s->f->paused) {
    s->f->paused = false;
    pl_stage_kick(s->f->st);
  }
}

int pl_segrun_feed(pl_segrun *s, pl_msg *in, int (*take)(pl_segrun *s, pl_msg *in)) {
  bool waiting = s->dispatched < s->created && *pl_segrun_complete(s, s->dispatched);
  int r = waiting ? AVERROR(EAGAIN) : take(s, in);
  if (r == AVERROR(EAGAIN)) {
    s->f->paused = true;
    return r;
  }
  pl_msg_free(in);
  if (r < 0) {
    pl_stage_fail(s->f->st, ISO_ENOMEM, "out of memory");
    return r;
  }
  pl_segrun_dispatch(s);
  return 0;
}

bool pl_segrun_params(pl_segrun *s, pl_msg **out) {
  if (!s->par || s->params_sent) return false;
  pl_msg *m = *out = pl_msg_new(PL_M_PARAMS);
  if (!m) return true;
  m->par = s->par;
  s->par = NULL;
  m->tb = s->par_tb;
  s->params_sent = true;
  return true;
}

int pl_segrun_end(const pl_segrun *s) {
  if (s->stopped) return s->eof && !s->running ? AVERROR_EOF : AVERROR(EAGAIN);
  return s->eof && s->joined == s->created ? AVERROR_EOF : AVERROR(EAGAIN);
}

void pl_segrun_open(pl_segrun *s, pl_filter *f) {
  s->f = f;
  s->reply = iso_port_new_raw(on_reply, s);
  s->reply_sp = s->reply ? iso_port_sendport(s->reply) : NULL;
  if (!s->reply_sp) pl_stage_fail(f->st, ISO_ENOMEM, "out of memory");
}

void pl_segrun_close(pl_segrun *s) {
  for (int i = 0; i < PL_SEG_SLOTS; i++)
    pl_seg_req_free(s->slot[i]);
  avcodec_parameters_free(&s->par);
  pl_enc_set_unref(&s->set);
  iso_sendport_release(s->reply_sp);
  if (s->reply && s->f && !s->f->st->links_gone) iso_port_close(s->reply);
}
