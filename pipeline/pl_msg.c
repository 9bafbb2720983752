/* The one message type that travels between a pipeline's isolates, always moved. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_internal.h"
#include "pipeline/pl_meta.h"

pl_msg *pl_msg_new(pl_kind kind) {
  pl_msg *m = calloc(1, sizeof *m);
  if (m) {
    m->kind = kind;
    m->index = -1;
    m->stage = -1;
  }
  return m;
}

pl_msg *pl_msg_new_ports(pl_kind kind, int n) {
  pl_msg *m = pl_msg_new(kind);
  if (m && n > 0 && !(m->ports = calloc((size_t)n, sizeof *m->ports))) {
    free(m);
    return NULL;
  }
  return m;
}

void pl_msg_free(pl_msg *m) {
  if (!m) return;
  av_packet_free(&m->pkt);
  av_frame_free(&m->frame);
  avcodec_parameters_free(&m->par);
  free(m->text);
  free(m->info);
  pl_meta_unref(&m->meta);
  free(m->plan);
  for (int i = 0; i < m->nports; i++)
    iso_sendport_release(m->ports[i]);
  free(m->ports);
  free(m);
}

static void msg_dtor(void *p) {
  pl_msg_free(p);
}

iso_value *pl_msg_value(pl_msg *m) {
  /* On failure iso_transfer runs the destructor itself. */
  return iso_transfer(m, msg_dtor, PL_TAG_MSG);
}

pl_msg *pl_msg_take(iso_value *v) {
  if (!v) return NULL;
  if (iso_type(v) != ISO_V_TRANSFER || iso_transfer_tag(v) != PL_TAG_MSG) return NULL;
  uint32_t tag = 0;
  pl_msg *m = iso_transfer_take(v, &tag);
  iso_value_free(v);
  return m;
}

int pl_msg_send(iso_sendport *sp, pl_msg *m) {
  if (!m) return ISO_ENOMEM;
  if (!sp) {
    pl_msg_free(m);
    return ISO_ECLOSED;
  }
  iso_value *v = pl_msg_value(m);
  if (!v) return ISO_ENOMEM;
  return iso_send_move(sp, v);
}

pl_msg *pl_msg_ref(const pl_msg *src) {
  pl_msg *m = pl_msg_new(src->kind);
  if (!m) return NULL;
  m->stage = src->stage;
  m->index = src->index;
  m->tb = src->tb;
  m->stamp = src->stamp;
  m->rate = src->rate;
  bool ok = true;
  /* New references to the same refcounted buffers: one more owner of the
   * pixels and samples, not one more copy of them. */
  if (src->frame && src->kind == PL_M_FRAME &&
      (src->ival == PL_FRAME_SHAPE || src->ival == PL_FRAME_TICK)) {
    /* A shape has no buffer to share (av_frame_clone would copy pixels
     * from none): its fields are all it is. */
    m->ival = src->ival;
    ok = (m->frame = av_frame_alloc()) && av_frame_copy_props(m->frame, src->frame) >= 0;
    if (ok) {
      m->frame->width = src->frame->width;
      m->frame->height = src->frame->height;
      m->frame->format = src->frame->format;
    }
  } else if (src->frame) {
    ok = (m->frame = av_frame_clone(src->frame)) != NULL;
  }
  if (ok && src->pkt) ok = (m->pkt = av_packet_clone(src->pkt)) != NULL;
  if (ok && src->par)
    ok = (m->par = avcodec_parameters_alloc()) && avcodec_parameters_copy(m->par, src->par) >= 0;
  if (!ok) {
    pl_msg_free(m);
    return NULL;
  }
  return m;
}
