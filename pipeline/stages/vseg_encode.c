/* One video segment's encoder, on a worker isolate: its frames arrive on a port of its own while
 * the stage reads them, and its packets go back to the stage's join. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/stages/encode_seg.h"

/* How often a streamed segment's encoder waits before it looks whether the
 * run was aborted (a failed run sends it nothing more). */
#define VSEG_WAIT_NS 50000000u

/* Everything the encoder has ready goes into the segment's packets. */
static int take_packets(pl_seg_req *r, cx_enc *enc) {
  for (;;) {
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) return AVERROR(ENOMEM);
    int ret = cx_enc_receive(enc, pkt);
    if (ret < 0) {
      av_packet_free(&pkt);
      return ret == AVERROR(EAGAIN) || ret == AVERROR_EOF ? 0 : ret;
    }
    if (r->npkt == 0 && !(pkt->flags & AV_PKT_FLAG_KEY)) {
      av_packet_free(&pkt);
      snprintf(r->err, sizeof r->err, "the encoder's first packet is not a keyframe");
      return AVERROR(EINVAL);
    }
    if ((ret = pl_seg_add_packet(r, pkt, pkt->dts)) < 0) return ret;
  }
}

/* The port the stage sends this segment's frames to, named to the stage. */
static iso_port *feed_open(pl_seg_req *r) {
  iso_port *in = iso_port_new();
  iso_sendport *sp = in ? iso_port_sendport(in) : NULL;
  iso_value *v =
      sp ? iso_listv(iso_str("feed"), iso_int(r->index), iso_v_sendport(sp), NULL) : NULL;
  iso_sendport_release(sp);
  if (!v || iso_send_move(r->ctl, v) != ISO_OK) {
    iso_value_free(v);
    if (in) iso_port_close(in);
    return NULL;
  }
  return in;
}

/* The segment's next frame from the stage (*fr NULL: its last was sent,
 * r->next_pts and r->ends say what follows). AVERROR_EXIT: the run was
 * aborted, nothing more comes. */
static int feed_next(pl_seg_req *r, iso_port *in, AVFrame **fr) {
  *fr = NULL;
  for (;;) {
    iso_value *m = NULL;
    int rc = iso_port_next(in, VSEG_WAIT_NS, &m);
    if (rc == ISO_ETIMEDOUT) {
      if (atomic_load(&r->set->flag->state) != PL_ABORT) continue;
      rc = ISO_ECLOSED;
    }
    if (rc != ISO_OK) {
      snprintf(r->err, sizeof r->err, "the run was aborted while the segment was encoding");
      return AVERROR_EXIT;
    }
    const char *tag = iso_as_str(iso_list_at(m, 0));
    int ret = 0;
    if (tag && !strcmp(tag, "fr")) {
      *fr = iso_transfer_take(iso_list_at(m, 1), NULL);
      if (!*fr) ret = AVERROR(ENOMEM);
      /* The stage holds back while this encoder is behind: it hears of
       * every few frames taken. */
      if (++r->took % PL_VSEG_ACK == 0) {
        iso_value *a = iso_listv(iso_str("took"), iso_int(r->index), iso_int(r->took), NULL);
        if (a && iso_send_move(r->ctl, a) != ISO_OK) iso_value_free(a);
      }
    } else if (tag && !strcmp(tag, "end")) {
      r->next_pts = iso_as_int(iso_list_at(m, 1));
      r->ends = iso_as_bool(iso_list_at(m, 2));
    } else {
      snprintf(r->err, sizeof r->err, "the run was aborted while the segment was encoding");
      ret = AVERROR_EXIT;
    }
    iso_value_free(m);
    return ret;
  }
}

int pl_vseg_encode(pl_seg_req *r) {
  cx_enc *enc = NULL;
  cx_aconv *rc = NULL;
  int q = 0, ret = 0, i = 0;
  iso_port *in = NULL;
  if (r->ctl && !(in = feed_open(r))) {
    snprintf(r->err, sizeof r->err, "out of memory");
    return AVERROR(ENOMEM);
  }
  for (bool last = false; !last && ret >= 0;) {
    AVFrame *fr = NULL;
    if (i < r->nfr) {
      fr = r->fr[i];
      r->fr[i++] = NULL;
    } else if (in && (ret = feed_next(r, in, &fr)) < 0) {
      break;
    }
    /* Main asked to stop (Ctrl-C): the head segment encodes what it gets,
     * as a serial encoder flushes what reached it; a later one flushes
     * what it has encoded so far, and the output ends with it. */
    if (fr && !r->head && pl_flag_interrupt(r->set->flag)) {
      r->stopped = true;
      av_frame_free(&fr);
    }
    last = !fr;
    if (!enc) {
      if (!fr) break;
      ret = pl_enc_open(r->set, fr, r->tb, &enc, &rc, &q, r->err);
      if (ret < 0) {
        av_frame_free(&fr);
        break;
      }
      r->pkt_tb = cx_enc_time_base(enc);
    }
    if (fr && q) fr->quality = q;
    while ((ret = cx_enc_send(enc, fr)) == AVERROR(EAGAIN))
      if ((ret = take_packets(r, enc)) < 0) break;
    if (ret >= 0) ret = take_packets(r, enc);
    av_frame_free(&fr); /* memory goes back as the segment advances */
  }
  if (ret < 0 && !r->err[0]) cx_errstr(ret, r->err, sizeof r->err);
  /* Frames still queued (a failure, a stop) are freed with the port. */
  if (in) iso_port_close(in);
  cx_enc_close(&enc);
  cx_aconv_close(&rc);
  return ret;
}
