/* The mux stage: waits for every stream's parameters, writes header, interleaved packets, trailer.
 */
#include <errno.h>
#include <libavutil/display.h>
#include <libavutil/intreadwrite.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs/codecs.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_sopts.h"
#include "pipeline/pl_stage.h"
#include "pipeline/stages/mux_attach.h"
#include "pipeline/stages/mux_end.h"
#include "pipeline/stages/mux_filter.h"
#include "pipeline/stages/mux_order.h"

static double item_dts_s(const pl_msg *m);

/* A video this output encodes (not copied; a -filter_complex output too, as
 * ffmpeg 5.1 feeds its encoder the same way): its encoder holds frames
 * -shortest must know. */
static bool encoded_video(const pl_mux_stream *o) {
  return o->type == AVMEDIA_TYPE_VIDEO && !o->copy;
}

bool pl_mux_q_push(mux_impl *x, pl_msg *m, int ack) {
  if (ring_full(&x->q)) {
    size_t ncap = x->q.cap ? x->q.cap * 2 : 64;
    mux_item *nq = malloc(ncap * sizeof *nq);
    if (!nq) return false;
    for (size_t i = 0; i < x->q.len; i++)
      nq[i] = x->items[ring_at(&x->q, i)];
    free(x->items);
    x->items = nq;
    size_t len = x->q.len;
    ring_init(&x->q, ncap);
    x->q.len = len;
  }
  x->items[ring_push(&x->q)] = (mux_item){m, ack};
  mux_port *mp = &x->port[m->index];
  mp->queued++;
  const AVPacket *p = m->pkt;
  double end = p->pts != AV_NOPTS_VALUE
                   ? (p->pts + (p->duration > 0 ? p->duration : 0)) * av_q2d(m->tb)
                   : -1;
  if (end > mp->in_end_s) mp->in_end_s = end;
  const pl_mux_stream *o = &x->set->st[m->index];
  return !x->set->shortest || pl_fed_note(&mp->fed, encoded_video(o), m, item_dts_s(m));
}

static double item_dts_s(const pl_msg *m) {
  int64_t t = m->pkt->dts != AV_NOPTS_VALUE ? m->pkt->dts : m->pkt->pts;
  return t == AV_NOPTS_VALUE ? -1e18 : t * av_q2d(m->tb);
}

/* Which queued packet goes next: the first with one input (file order);
 * else pl_mux_pick's over each stream's first (-1: wait). */
static long next_item(mux_impl *x) {
  if (!x->ordered) return 0;
  pl_mux_lane lane[PL_MAX_OUT] = {{0}};
  size_t at[PL_MAX_OUT] = {0};
  const pl_mux_set *j = x->set;
  for (size_t i = 0; i < x->q.len; i++) {
    const pl_msg *m = x->items[ring_at(&x->q, i)].m;
    if (lane[m->index].has) continue;
    lane[m->index] = (pl_mux_lane){.has = true, .head_s = item_dts_s(m)};
    at[m->index] = i;
  }
  for (int k = 0; k < x->n; k++) {
    const mux_port *mp = &x->port[k];
    lane[k].live = mp->file_index >= 0 && (!mp->eof || mp->queued);
    lane[k].full = iso_link_rx_depth(mp->rx) >= j->link_cap;
    /* A filter_complex output is made of all its graph's inputs. */
    const pl_mux_stream *o = &j->st[k];
    lane[k].input = o->fc ? -1 : o->input;
  }
  int k = pl_mux_pick(lane, x->n, j->one_file);
  return k < 0 ? -1 : (long)at[k];
}

/* Moves the queued packet at pos to the front, the others kept in order. */
static void q_to_front(mux_impl *x, size_t pos) {
  mux_item it = x->items[ring_at(&x->q, pos)];
  for (size_t i = pos; i > 0; i--)
    x->items[ring_at(&x->q, i)] = x->items[ring_at(&x->q, i - 1)];
  x->items[ring_at(&x->q, 0)] = it;
}

/* -shortest: a packet from where the first stream to end ended is left
 * out (counted), and its stream is told to stop once its dts is there. */
static bool past_cut(mux_impl *x, mux_port *mp, const pl_msg *m) {
  if (x->cut_s < 0 || m->pkt->pts == AV_NOPTS_VALUE) return false;
  bool finish;
  if (!pl_fed_past(&mp->fed, x->cut_s, m->pkt->pts * av_q2d(m->tb), item_dts_s(m), mp->written,
                   &finish))
    return false;
  x->cut_pkts++;
  if (finish && !mp->eof) {
    iso_link_rx_finish(mp->rx);
    mp->eof = true;
  }
  return true;
}

static mux_item q_pop(mux_impl *x) {
  mux_item it = x->items[ring_shift(&x->q)];
  x->port[it.m->index].queued--;
  return it;
}

static void send_stat(mux_impl *x, bool force) {
  uint64_t now = pl_now();
  if (!force && now - x->last_stat_ns < PL_PROF_PERIOD_NS) return;
  x->last_stat_ns = now;
  pl_msg *m = pl_msg_new(PL_M_MUXSTAT);
  if (!m) return;
  m->ival = x->final_bytes >= 0 ? x->final_bytes : x->mux ? cx_mux_bytes(x->mux) : 0;
  m->frames = (int64_t)x->vframes;
  m->pos_s = x->pos_s;
  m->stage = x->st->cfg.self;
  pl_msg_send(x->st->cfg.main_sp, m);
}

static void add_matrix(mux_impl *x, int idx, const pl_stream_info *si) {
  if (!si->has_matrix) return;
  AVStream *s = cx_mux_ctx(x->mux)->streams[idx];
  uint8_t *p = av_stream_new_side_data(s, AV_PKT_DATA_DISPLAYMATRIX, sizeof si->matrix);
  if (p) memcpy(p, si->matrix, sizeof si->matrix);
}

static int add_coded_side_data(mux_impl *x, int idx, const AVPacket *from) {
  AVStream *s = cx_mux_ctx(x->mux)->streams[idx];
  for (int i = 0; i < from->side_data_elems; i++) {
    const AVPacketSideData *sd = &from->side_data[i];
    uint8_t *p = av_stream_new_side_data(s, sd->type, sd->size);
    if (!p) return AVERROR(ENOMEM);
    memcpy(p, sd->data, sd->size);
  }
  return 0;
}

static void try_header(mux_impl *x) {
  pl_stage *st = x->st;
  const pl_mux_set *j = x->set;
  if (x->header || !x->connected || st->ended) return;
  int have = 0;
  for (int k = 0; k < x->n; k++) {
    const mux_port *mp = &x->port[k];
    if (!mp->par && !mp->eof) return;
    /* A filtered stream's parameters are final once a packet came out. */
    if (mp->par && (mp->bsf || mp->adts_check) && !mp->bsf_out && !mp->eof) return;
    if (mp->par) have++;
  }
  /* A format of tags and chapters alone (ffmetadata) has no port: its
   * header is all there is to write. */
  bool bare = x->n == 0;
  if (!have && pl_flag_interrupt(st->cfg.flag)) {
    pl_stage_end(st, true); /* cancelled before the first frame: no file */
    return;
  }
  if (!have && !bare) {
    pl_mux_end_without_data(x, "no stream produced any data");
    return;
  }
  char err[CX_ERRLEN] = "";
  for (int k = 0; k < x->n; k++) {
    mux_port *mp = &x->port[k];
    if (!mp->par) {
      /* Its encoder never opened: no frame and no shape reached it. */
      const pl_mux_stream *o = &j->st[k];
      pl_stage_log(st, AV_LOG_WARNING,
                   "%s stream %d (%s) left out of the file: it ended before any frame or "
                   "parameters reached the muxer",
                   av_get_media_type_string(o->type) ? av_get_media_type_string(o->type) : "?", k,
                   o->copy ? "copy" : o->encoder);
      continue;
    }
    int idx = mp->bsf ? cx_mux_add_stream(x->mux, cx_bsf_par(mp->bsf), cx_bsf_tb(mp->bsf), err)
                      : cx_mux_add_stream(x->mux, mp->par, mp->tb, err);
    if (idx < 0) {
      pl_stage_fail_av(st, idx, "%s", err);
      return;
    }
    mp->file_index = idx;
    const pl_mux_stream *o = &j->st[k];
    if (o->keep_matrix) add_matrix(x, idx, &o->in);
    if (mp->coded_sd && add_coded_side_data(x, idx, mp->coded_sd) < 0) {
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return;
    }
    AVStream *s = cx_mux_ctx(x->mux)->streams[idx];
    s->sample_aspect_ratio = mp->par->sample_aspect_ratio;
    if (o->type == AVMEDIA_TYPE_VIDEO && !o->copy) s->avg_frame_rate = av_inv_q(mp->tb);
    /* A copy keeps its input's rates, as ffmpeg's: the muxers read them (an
     * MPEG-TS's PCR interval, Matroska's default duration); and the
     * container's aspect over the codec's (Matroska's display size, which
     * MP4 writes as its pasp box). */
    if (o->type == AVMEDIA_TYPE_VIDEO && o->copy) {
      s->avg_frame_rate = o->in.avg_rate;
      s->r_frame_rate = o->in.r_rate;
      if (o->in.stream_sar.num > 0 && o->in.stream_sar.den > 0)
        s->sample_aspect_ratio = s->codecpar->sample_aspect_ratio = o->in.stream_sar;
    }
  }
  pl_meta_stream ms[PL_MAX_OUT];
  int nms = 0;
  for (int k = 0; k < x->n && nms < PL_MAX_OUT; k++) {
    if (!x->port[k].par) continue;
    const pl_mux_stream *o = &j->st[k];
    /* A filter_complex output has no input stream: no metadata or disposition of one. */
    int from = o->fc ? -1 : o->in_index;
    ms[nms++] = (pl_meta_stream){from, o->copy ? NULL : o->encoder, o->type};
  }
  if (pl_mux_attachments(j, x->mux, ms, &nms, PL_MAX_OUT, err, sizeof err) < 0) {
    pl_stage_fail(st, ISO_EINVAL, "%s", err);
    return;
  }
  pl_out_meta meta = pl_mux_set_meta(j);
  if (pl_sopt_apply(j->sopts, j->disposition, j->nin, cx_mux_ctx(x->mux), ms, nms, err,
                    sizeof err) < 0 ||
      pl_meta_apply(&meta, cx_mux_ctx(x->mux), ms, nms, err, sizeof err) < 0) {
    pl_stage_fail(st, ISO_EMEDIA, "%s", err);
    return;
  }
  AVDictionary *opts = NULL;
  int r = av_dict_copy(&opts, j->opts, 0);
  if (r < 0) snprintf(err, sizeof err, "out of memory");
  if (r >= 0) r = cx_mux_write_header(x->mux, &opts, err);
  av_dict_free(&opts);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return;
  }
  x->header = true;
  send_stat(x, true);
  pl_stage_kick(st);
}

/*
 * How far the output is: the least position of the streams still running,
 * so that audio running ahead of a video encoder's lookahead
 * does not show the job done. A stream that has ended (or was left out of
 * the file) no longer holds it back; with none running it is the end of the
 * longest. Never goes back.
 */
static void update_position(mux_impl *x) {
  double least = -1, most = 0;
  for (int k = 0; k < x->n; k++) {
    const mux_port *mp = &x->port[k];
    if (mp->end_s > most) most = mp->end_s;
    bool running = !(mp->eof && mp->queued == 0) && !(x->header && mp->file_index < 0);
    if (!running) continue;
    double e = mp->end_s > 0 ? mp->end_s : 0;
    if (least < 0 || e < least) least = e;
  }
  double pos = least >= 0 ? least : most;
  if (pos > x->pos_s) {
    x->pos_s = pos;
    pl_prof_pts(x->st->prof, pos);
  }
}

/* A file this run created that holds no packet plays nowhere: it goes, so
 * a failed or empty run leaves nothing that looks like an output. A file
 * that existed before (overwritten with -y), a pipe or a device stays. */
static void remove_if_empty(mux_impl *x) {
  if (x->written || !x->created || x->n == 0) return;
  struct stat sb;
  if (stat(x->set->output, &sb) == 0 && S_ISREG(sb.st_mode)) unlink(x->set->output);
}

/* The figures of the closed file to main: the trailer (mkv cues, mp4 moov)
 * counts too, so the size on disk is final. */
static void final_stat(mux_impl *x) {
  const pl_mux_set *j = x->set;
  struct stat sb;
  if (!j->io.write && strcmp(j->output, "-") != 0 && stat(j->output, &sb) == 0 &&
      S_ISREG(sb.st_mode))
    x->final_bytes = (int64_t)sb.st_size;
  update_position(x);
  send_stat(x, true);
}

static void finish_ok(mux_impl *x) {
  pl_stage *st = x->st;
  char err[CX_ERRLEN] = "";
  uint64_t fixed = x->mux ? cx_mux_ts_fixed(x->mux) : 0;
  if (fixed > 1)
    pl_stage_log(st, AV_LOG_WARNING,
                 "%" PRIu64 " packets in all had timestamps the format cannot hold and were moved",
                 fixed);
  int r = cx_mux_close(&x->mux, err);
  remove_if_empty(x);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return;
  }
  if (!x->written && x->n > 0) {
    /* Every stream ended without one packet (an input truncated before its
     * first packet): a header-only file is no transcode. A cancel before
     * any packet is still a clean end, like one before the header; so is
     * a cluster task's, whose packets went to its segment file, and a first
     * pass's, whose result is its statistics file. */
    if (pl_flag_interrupt(st->cfg.flag) || x->set->task || x->set->first_pass)
      pl_stage_end(st, true);
    else /* the streams were declared (PL_FRAME_SHAPE), then nothing came */
      pl_mux_end_without_data(x, "nothing to write: no packet reached the output");
    return;
  }
  final_stat(x);
  pl_stage_end(st, true);
}

static bool all_eof(const mux_impl *x) {
  for (int k = 0; k < x->n; k++)
    if (!x->port[k].eof) return false;
  return true;
}

static void write_one(mux_impl *x) {
  pl_stage *st = x->st;
  mux_item it = q_pop(x);
  pl_msg *m = it.m;
  int m_index = m->index;
  mux_port *mp = &x->port[m_index];
  if (it.ack == ACK_OWED)
    iso_link_rx_ack(mp->rx, 1);
  else if (it.ack == ACK_PREHEADER && x->unacked_preheader)
    x->unacked_preheader--;
  bool over = x->ended_by != MUX_GOING || mp->frames_done;
  if (over) x->left_pkts++;
  if (mp->file_index < 0 || over || past_cut(x, mp, m)) {
    pl_msg_free(m);
    return;
  }
  pl_mux_copy_ts(x, mp, m, cx_mux_ctx(x->mux)->streams[mp->file_index]->time_base);
  AVPacket *pkt = m->pkt;
  uint64_t bytes = (uint64_t)pkt->size;
  double end_s = -1;
  if (pkt->pts != AV_NOPTS_VALUE)
    end_s = (pkt->pts + (pkt->duration > 0 ? pkt->duration : 0)) * av_q2d(m->tb);
  bool video = x->set->st[m->index].type == AVMEDIA_TYPE_VIDEO;
  char err[CX_ERRLEN] = "";
  uint64_t fixed = cx_mux_ts_fixed(x->mux);
  int r = cx_mux_write(x->mux, mp->file_index, pkt, m->tb, err);
  if (!fixed && cx_mux_ts_fixed(x->mux))
    pl_stage_log(st, AV_LOG_WARNING,
                 "stream #%d: timestamps go back from %.3f s to %.3f s; moved forward so every "
                 "packet is written (as ffmpeg: the file may play with a jump there)",
                 mp->file_index, mp->end_s > 0 ? mp->end_s : 0.0, end_s >= 0 ? end_s : 0.0);
  /* Its output is the file, not a link: only the muxer sees a packet
   * written, the end of its frame's flow and latency. */
  uint64_t t_demux = m->stamp.t_ns;
  pl_prof_flow(st->prof, m->stamp.flow);
  pl_msg_free(m);
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", err);
    return;
  }
  pl_prof_out(st->prof, bytes, 0);
  if (t_demux) pl_prof_latency(st->prof, t_demux, pl_now());
  if (video) x->vframes++;
  x->written++;
  mp->written++;
  if (end_s > mp->end_s) mp->end_s = end_s;
  update_position(x);
  send_stat(x, false);
  pl_mux_check_limits(x, m_index);
}

static void on_kick(pl_stage *st) {
  mux_impl *x = st->impl;
  if (!x->header) return;
  long at = x->q.len ? next_item(x) : -1;
  if (at >= 0) {
    q_to_front(x, (size_t)at);
    write_one(x);
    if (!st->ended) pl_stage_kick(st);
    return;
  }
  if (x->q.len || !all_eof(x)) return; /* a stream's next packet, or its end, kicks */
  if (x->cut_pkts)
    pl_stage_log(st, AV_LOG_VERBOSE, "-shortest: %llu packets after %.3f s left out",
                 (unsigned long long)x->cut_pkts, x->cut_s);
  pl_mux_report_limits(x);
  finish_ok(x);
}

static void on_item(iso_link_rx *rx, iso_value *item, void *ud) {
  (void)rx;
  mux_port *mp = ud;
  mux_impl *x = mp->x;
  pl_stage *st = x->st;
  pl_stage_enter(st);
  pl_msg *m = pl_stage_take(st, item, mp->rx, x->set->link_cap);
  if (!m) {
    /* not an item, or the stage has ended */
  } else if (m->kind == PL_M_PARAMS) {
    mp->par = m->par;
    m->par = NULL;
    mp->coded_sd = m->pkt;
    m->pkt = NULL;
    mp->tb = m->tb;
    pl_msg_free(m);
    iso_link_rx_ack(mp->rx, 1);
    const pl_mux_stream *o = &x->set->st[mp->k];
    const char *chain = o->bsf;
    bool sub_ok = o->type != AVMEDIA_TYPE_SUBTITLE || o->copy || pl_mux_open_sub(x, mp, o);
    if (sub_ok && (chain ? pl_mux_open_bsf(x, mp, chain) : true)) {
      mp->adts_check = !chain && pl_mux_adts_candidate(x->set->out_format, mp->par);
      try_header(x);
    }
  } else if (m->kind == PL_M_PACKET) {
    m->index = mp->k;
    /* Before the header, packets are taken in (acked) so that an encoder
     * that opens late is never starved by a full link elsewhere. */
    bool ack_now = !x->header && x->unacked_preheader < PL_PREHEADER_MAX;
    if (ack_now) {
      iso_link_rx_ack(mp->rx, 1);
      x->unacked_preheader++;
    }
    int ack = ack_now ? ACK_PREHEADER : ACK_OWED;
    if (mp->adts_check) {
      mp->adts_check = false;
      const AVPacket *p = m->pkt;
      if (p->size > 2 && (AV_RB16(p->data) & 0xfff0) == 0xfff0 &&
          pl_mux_open_bsf(x, mp, "aac_adtstoasc"))
        pl_stage_log(st, AV_LOG_VERBOSE, "ADTS AAC into %s: aac_adtstoasc put in before the header",
                     x->set->out_format);
    }
    if (mp->sub && !st->ended) m = pl_mux_sub_packet(x, mp, m, ack);
    if (!m) {
    } else if (st->ended) {
      pl_msg_free(m);
    } else if (mp->bsf) {
      pl_mux_filter_in(x, mp, m, ack);
    } else if (!pl_mux_q_push(x, m, ack)) {
      pl_msg_free(m);
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    }
    if (!st->ended) {
      try_header(x);
      pl_stage_kick(st);
    }
  } else {
    pl_msg_free(m);
  }
  pl_stage_leave(st, false);
}

/* The first stream to end, mp: each encoded video of another input keeps
 * what its encoder was fed until then (mux_shortest.h). */
static void start_fed(mux_impl *x, const mux_port *mp) {
  const pl_mux_stream *a = &x->set->st[mp->k];
  if (a->fc) return;
  for (int k = 0; k < x->n; k++) {
    const pl_mux_stream *v = &x->set->st[k];
    if (k != mp->k && encoded_video(v) && !x->port[k].eof && v->input != a->input)
      pl_fed_start(&x->port[k].fed, &mp->fed, mp->k < k);
  }
}

static void on_eof(iso_link_rx *rx, void *ud) {
  (void)rx;
  mux_port *mp = ud;
  mux_impl *x = mp->x;
  pl_stage_enter(x->st);
  if (mp->bsf && !x->st->ended) pl_mux_filter_in(x, mp, NULL, ACK_NONE);
  if (x->set->shortest && mp->in_end_s >= 0 && (x->cut_s < 0 || mp->in_end_s < x->cut_s)) {
    bool first = x->cut_s < 0;
    x->cut_s = mp->in_end_s;
    if (first) start_fed(x, mp);
  }
  mp->eof = true;
  if (!x->st->ended) {
    update_position(x);
    try_header(x);
    pl_stage_kick(x->st);
  }
  pl_stage_leave(x->st, false);
}

static void on_ctl(pl_stage *st, pl_msg *m) {
  mux_impl *x = st->impl;
  if (m->kind == PL_M_CONNECT && !x->connected) {
    const pl_mux_set *j = x->set;
    char err[CX_ERRLEN] = "";
    bool custom = j->io.write != NULL;
    if (!custom && strcmp(j->output, "-") != 0) {
      struct stat sb;
      bool exists = stat(j->output, &sb) == 0;
      if (exists && S_ISREG(sb.st_mode) && j->overwrite == 0) {
        pl_msg_free(m);
        pl_stage_fail_cat(st, ISO_EINVAL, ISO_ERRCAT_OUTPUT_EXISTS,
                          "file exists (overwrite not allowed)");
        return;
      }
      x->created = !exists && errno == ENOENT;
    }
    int r = cx_mux_open(&x->mux, j->output, j->format, err);
    if (r >= 0)
      r = cx_mux_set_protocols(x->mux,
                               j->pieces.protocols ? j->pieces.protocols : PL_OUTPUT_PROTOCOLS);
    if (r >= 0 && custom) r = cx_mux_set_io(x->mux, &j->io, pl_flag_interrupt, st->cfg.flag);
    /* As ffmpeg: the output's own -t is its announced duration. */
    if (r >= 0 && j->t_us > 0 && !j->t_from_input) cx_mux_set_duration(x->mux, j->t_us);
    if (r >= 0 && !(x->pieces = pl_pieces_new(&j->pieces))) r = AVERROR(ENOMEM);
    if (r >= 0) cx_mux_set_open_check(x->mux, pl_pieces_check, x->pieces);
    if (r < 0) {
      pl_msg_free(m);
      pl_stage_fail_av(st, r, "%s", err);
      return;
    }
    x->connected = true;
    try_header(x);
  }
  pl_msg_free(m);
}

static void destroy(pl_stage *st) {
  mux_impl *x = st->impl;
  if (!x) return;
  while (x->q.len)
    pl_msg_free(q_pop(x).m);
  free(x->items);
  for (int k = 0; k < x->n; k++) {
    if (x->port[k].rx && !st->links_gone) iso_link_rx_free(x->port[k].rx);
    avcodec_parameters_free(&x->port[k].par);
    av_packet_free(&x->port[k].coded_sd);
    cx_bsf_free(&x->port[k].bsf);
    cx_subconv_free(&x->port[k].sub);
    pl_fed_free(&x->port[k].fed);
  }
  if (x->mux) {
    /* Cancelled or failed: what was muxed is still finalized, and the
     * summary gives its figures, not the last periodic ones. */
    char err[CX_ERRLEN];
    cx_mux_close(&x->mux, err);
    remove_if_empty(x);
    if (x->written) final_stat(x);
  }
  pl_pieces_free(&x->pieces);
  pl_mux_set_free(x->set);
  free(x);
}

static const pl_stage_ops mux_ops = {on_ctl, on_kick, destroy, NULL}; /* never blocked */

void pl_mux_entry(iso_value *msg) {
  pl_spawn *s = pl_spawn_take(msg);
  if (!s) return;
  mux_impl *x = calloc(1, sizeof *x);
  if (!x || !s->mux) {
    free(x);
    pl_spawn_free(s);
    return;
  }
  x->set = s->mux;
  s->mux = NULL;
  x->n = x->set->n;
  x->final_bytes = -1;
  x->cut_s = -1;
  x->ordered = x->set->ordered;
  uint32_t cap = x->set->link_cap;
  pl_stage *st = pl_stage_new(s, &mux_ops, x);
  if (!st) {
    pl_mux_set_free(x->set);
    free(x);
    return;
  }
  x->st = st;
  pl_stage_enter(st);
  pl_msg *ready = pl_msg_new_ports(PL_M_READY, 1 + x->n);
  static const iso_link_rx_cbs cbs = {on_item, on_eof};
  bool ok = ready != NULL;
  for (int k = 0; ok && k < x->n; k++) {
    mux_port *mp = &x->port[k];
    mp->x = x;
    mp->k = k;
    mp->file_index = -1;
    mp->end_s = mp->in_end_s = -1;
    mp->rd_last = AV_NOPTS_VALUE;
    pl_fed_init(&mp->fed);
    mp->rx = iso_link_rx_new(cap, &cbs, mp);
    ok = mp->rx != NULL;
  }
  iso_link_rx *rx[PL_MAX_OUT] = {0};
  for (int k = 0; ok && k < x->n && k < PL_MAX_OUT; k++)
    rx[k] = x->port[k].rx;
  pl_stage_ready(st, ok ? ready : NULL, rx, x->n);
  if (!ok) pl_msg_free(ready);
  pl_stage_leave(st, false);
}
