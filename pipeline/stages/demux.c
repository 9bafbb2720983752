/* The demux stage: opens the input in its own isolate, describes it to main, feeds packets
 * downstream. */
#include <libavutil/display.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_stage.h"
#include "pipeline/pl_tsfix.h"
#include "pipeline/stages/demux_copy.h"
#include "pipeline/stages/demux_dump.h"
#include "pipeline/stages/demux_info.h"
#include "pipeline/stages/demux_loop.h"

#include <libavutil/bprint.h>

/* One link out of the demux (pl_dlink): a stream to one consumer. */
typedef struct demux_link {
  int stream;
  bool ticks; /* sub2video: every packet of the input goes there (its heartbeat) */
  pl_outlink out;
  dcopy w;        /* what it keeps of the stream, and its timestamps' shift */
  pl_msg *params; /* first item of the link, until sent */
} demux_link;

typedef struct demux_impl {
  pl_stage *st;
  pl_demux_set *set;
  cx_demux *d;
  int n; /* input streams */
  int nl;
  demux_link l[PL_MAX_DLINKS];
  bool used[PL_MAX_IN];
  bool decoded[PL_MAX_IN];   /* a decoder reads the stream (-stream_loop counts its samples) */
  bool read_any[PL_MAX_IN];  /* a packet of the stream was read */
  int64_t offset[PL_MAX_IN]; /* subtracted from ts, in the stream's tb */
  double scale[PL_MAX_IN];   /* then ts multiplied by it (-itsscale) */
  pl_tsfix tsfix;
  dcopy_dts pred[PL_MAX_IN]; /* each stream's decode times as ffmpeg's stream copy reads them */
  int64_t guess_us;          /* the packet being sent: its dts for a copy, when it has none */
  dloop loop;
  pl_msg *pending;     /* a packet waiting for its links' credits */
  uint64_t pending_to; /* the links it goes to (bit per link) */
  bool connected, stopping, paused;
} demux_impl;

static bool any_blocked(const demux_impl *x) {
  if (x->pending) return true;
  for (int i = 0; i < x->nl; i++)
    if (x->l[i].params) return true;
  return false;
}

static void end_all(demux_impl *x, bool ok) {
  for (int i = 0; i < x->nl; i++)
    if (x->l[i].out.tx && !x->l[i].out.done) {
      iso_link_tx_eof(x->l[i].out.tx);
      x->l[i].out.done = true;
    }
  pl_stage_end(x->st, ok);
}

static bool all_done(const demux_impl *x) {
  for (int i = 0; i < x->nl; i++)
    if (!x->l[i].out.done) return false;
  return true;
}

static void link_prepare(void *ctx, int i, pl_msg *m) {
  demux_impl *x = ctx;
  /* A copy cut later than the input starts at 0 too (each link holds its
   * own AVPacket, so the shift is this link's alone); with -copyts it gets
   * the input's timestamps back. */
  int64_t shift = x->l[i].w.shift;
  /* A copy's packet without a decode time gets ffmpeg's (muxers need one),
   * on its output's clock. */
  if (x->l[i].w.copy && m->pkt && m->pkt->dts == AV_NOPTS_VALUE && x->guess_us != AV_NOPTS_VALUE) {
    m->dts_guess_us = x->guess_us - av_rescale_q(shift, m->tb, AV_TIME_BASE_Q);
    m->has_dts_guess = true;
  }
  if (shift && m->pkt) {
    if (m->pkt->pts != AV_NOPTS_VALUE) m->pkt->pts -= shift;
    if (m->pkt->dts != AV_NOPTS_VALUE) m->pkt->dts -= shift;
  }
}

static pl_outlink *link_of(void *ctx, int i) {
  demux_impl *x = ctx;
  return &x->l[i].out;
}

static const pl_fanout_ops demux_fanout = {link_of, link_prepare};

/* Sends m to every link in *to that has not finished (pl_fanout): a slow
 * consumer holds the packet, and so the reading. False (m kept by the
 * caller) without credit. */
static bool try_send(demux_impl *x, uint64_t *to, pl_msg *m) {
  int err;
  if (!pl_fanout(x->st, to, x->nl, m, &demux_fanout, x, &err)) return false;
  if (err) pl_stage_fail(x->st, err, "out of memory");
  return true;
}

/* The first packet read of a stream carries the stream's side data (CPB
 * properties, mastering display...) that it lacks, as ffmpeg's reading
 * adds it; the display matrix stays the stream's. */
static int with_stream_side_data(AVPacket *pkt, const AVStream *s) {
  for (int i = 0; i < s->nb_side_data; i++) {
    const AVPacketSideData *sd = &s->side_data[i];
    if (sd->type == AV_PKT_DATA_DISPLAYMATRIX || av_packet_get_side_data(pkt, sd->type, NULL))
      continue;
    uint8_t *d = av_packet_new_side_data(pkt, sd->type, sd->size);
    if (!d) return AVERROR(ENOMEM);
    memcpy(d, sd->data, sd->size);
  }
  return 0;
}

static void read_one(demux_impl *x) {
  pl_stage *st = x->st;
  AVPacket *pkt = av_packet_alloc();
  if (!pkt) {
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return;
  }
  int r = cx_demux_read(x->d, pkt);
  if (r == AVERROR(EAGAIN)) {
    av_packet_free(&pkt);
    pl_stage_kick(st);
    return;
  }
  if (r == AVERROR_EOF && x->set->loop && !pl_flag_interrupt(x->st->cfg.flag) &&
      dloop_next(&x->loop, cx_demux_ctx(x->d), x->decoded, x->set->rate)) {
    av_packet_free(&pkt);
    char err[CX_ERRLEN];
    if (cx_demux_seek(x->d, 0, err) >= 0) {
      pl_stage_log(st, AV_LOG_VERBOSE, "-stream_loop: reading the input again from %.3f s",
                   x->loop.add * av_q2d(x->loop.add_tb));
      /* Its decoders drain and reset, as ffmpeg's before it seeks back. */
      uint64_t to = 0;
      for (int i = 0; i < x->nl; i++)
        if (!x->l[i].w.copy && !x->l[i].out.done) to |= 1ull << i;
      pl_msg *rm = to ? pl_msg_new(PL_M_RESTART) : NULL;
      if (to && !rm) {
        pl_stage_fail(st, ISO_ENOMEM, "out of memory");
        return;
      }
      if (rm && !try_send(x, &to, rm)) {
        x->pending = rm;
        x->pending_to = to;
        return; /* blocked: on_writable kicks */
      }
      if (!st->ended) pl_stage_kick(st);
      return;
    }
    /* As ffmpeg: a seek that fails ends the input where it is. */
    pl_stage_log(st, AV_LOG_WARNING, "-stream_loop: %s; the input ends here", err);
    end_all(x, true);
    return;
  }
  if (r < 0) {
    av_packet_free(&pkt);
    /* Interrupted by a cancel: the end of the input, as STOP would be. */
    if (r != AVERROR_EOF && !pl_flag_interrupt(x->st->cfg.flag)) {
      char why[128];
      cx_errstr(r, why, sizeof why);
      /* Not the input's end: what follows would be lost without a word. */
      if (r == AVERROR(ENOMEM)) {
        pl_stage_fail_av(st, r, "out of memory while reading");
        return;
      }
      if (x->set->fail_fast) {
        pl_stage_fail_av(st, r, "read error: %s", why);
        return;
      }
      /* As ffmpeg does: a read error ends the input; what was read is kept. */
      pl_stage_log(st, AV_LOG_ERROR, "read error, treating as end of input: %s", why);
    }
    end_all(x, true);
    return;
  }
  int s = pkt->stream_index;
  if (s < 0 || s >= x->n || !x->used[s]) {
    av_packet_free(&pkt);
    pl_stage_kick(st);
    return;
  }
  /* Its input is the file, not a link: only the demux sees it read. */
  pl_prof_in(st->prof, (uint64_t)pkt->size);
  if (!x->read_any[s]) {
    x->read_any[s] = true;
    if (with_stream_side_data(pkt, cx_demux_ctx(x->d)->streams[s]) < 0) {
      av_packet_free(&pkt);
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return;
    }
  }
  if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= x->offset[s];
  if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= x->offset[s];
  /* After the offset, as ffmpeg does: -itsoffset is scaled too, -ss not. */
  pkt->pts = dcopy_scaled(pkt->pts, x->scale[s]);
  pkt->dts = dcopy_scaled(pkt->dts, x->scale[s]);
  AVStream *ins = cx_demux_ctx(x->d)->streams[s];
  AVRational tb = ins->time_base;
  if (x->set->loop) dloop_packet(&x->loop, pkt, ins, x->decoded[s]);
  int64_t jump = pl_tsfix_apply(&x->tsfix, pkt, tb);
  x->guess_us = dcopy_dts_guess(&x->pred[s], pkt, ins);
  if (jump)
    pl_stage_log(st, x->tsfix.jumps == 1 ? AV_LOG_INFO : AV_LOG_VERBOSE,
                 "timestamps of stream #%d jump %+.3f s at %.3f s: continuing from there, as "
                 "ffmpeg does (%" PRId64 " so far)",
                 s, jump / 1e6, pkt->dts * av_q2d(tb), x->tsfix.jumps);
  uint64_t to = 0;
  bool ended_one = false;
  for (int i = 0; i < x->nl; i++) {
    demux_link *l = &x->l[i];
    if (l->out.done) continue;
    if (l->stream != s) {
      /* As ffmpeg, each packet read beats for the input's sub2video streams. */
      if (l->ticks) to |= 1ull << i;
      continue;
    }
    dcopy_verdict v = dcopy_packet(&l->w, pkt);
    if (v == DCOPY_SKIP) continue;
    if (v == DCOPY_END) {
      iso_link_tx_eof(l->out.tx);
      l->out.done = true;
      ended_one = true;
      continue;
    }
    to |= 1ull << i;
  }
  if (!to) {
    av_packet_free(&pkt);
    if (ended_one && all_done(x))
      end_all(x, true);
    else
      pl_stage_kick(st);
    return;
  }
  pl_msg *m = pl_msg_new(PL_M_PACKET);
  if (!m) {
    av_packet_free(&pkt);
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return;
  }
  m->pkt = pkt;
  m->index = s;
  m->tb = tb;
  m->stamp = pl_prof_stamp_new(st->prof, s); /* a frame's identity starts here */
  if (!try_send(x, &to, m)) {
    x->pending = m;
    x->pending_to = to;
    return; /* blocked: on_writable kicks */
  }
  if (!st->ended) pl_stage_kick(st);
}

static void on_kick(pl_stage *st) {
  demux_impl *x = st->impl;
  if (!x->connected) return;
  if (x->stopping) {
    end_all(x, true);
    return;
  }
  if (x->paused) return; /* RESUME kicks again */
  for (int i = 0; i < x->nl; i++)
    if (x->l[i].params) {
      uint64_t to = 1ull << i;
      if (!try_send(x, &to, x->l[i].params)) return;
      x->l[i].params = NULL;
      if (st->ended) return;
    }
  if (x->pending) {
    pl_msg *m = x->pending;
    if (!try_send(x, &x->pending_to, m)) return;
    x->pending = NULL;
    if (st->ended) return;
  }
  if (all_done(x)) {
    end_all(x, true);
    return;
  }
  read_one(x);
}

static int tx_index(demux_impl *x, iso_link_tx *tx) {
  for (int i = 0; i < x->nl; i++)
    if (x->l[i].out.tx == tx) return i;
  return -1;
}

static void on_writable(iso_link_tx *tx, void *ud) {
  demux_impl *x = ud;
  pl_stage_enter(x->st);
  if (!x->st->ended) {
    int i = tx_index(x, tx);
    if (i >= 0) pl_outlink_credit(x->st, &x->l[i].out);
    pl_stage_kick(x->st);
  }
  pl_stage_leave(x->st, any_blocked(x));
}

static void on_finished(iso_link_tx *tx, void *ud) {
  demux_impl *x = ud;
  pl_stage_enter(x->st);
  if (!x->st->ended) {
    /* The receiver has all it wants (trimmed at -t): stop feeding it. */
    int i = tx_index(x, tx);
    if (i >= 0) {
      x->l[i].out.done = true;
      pl_msg_free(x->l[i].params);
      x->l[i].params = NULL;
      x->pending_to &= ~(1ull << i);
    }
    if (x->pending && !x->pending_to) {
      pl_msg_free(x->pending);
      x->pending = NULL;
    }
    if (all_done(x))
      end_all(x, true);
    else
      pl_stage_kick(x->st);
  }
  pl_stage_leave(x->st, any_blocked(x));
}

/* A cluster task's video segment: the read starts at the keyframe at or
 * before it (the segment stage drops the frames before it), not at the
 * input's start. */
static void seek_to_task(demux_impl *x, const pl_demux_plan *plan) {
  if (!plan || plan->seek_us < 0 || x->set->input) return;
  char err[CX_ERRLEN];
  /* The plan counts on the output's clock: -itsscale's video is stretched. */
  int64_t at = plan->seek_us;
  for (int i = 0; i < x->n; i++)
    if (x->used[i] && cx_demux_ctx(x->d)->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
      at = (int64_t)(at / x->scale[i]);
      break;
    }
  /* Not seekable: the task reads from the start, slower but whole. */
  if (cx_demux_seek(x->d, at, err) < 0)
    pl_stage_log(x->st, AV_LOG_WARNING, "%s; reading from the start", err);
  else
    pl_stage_log(x->st, AV_LOG_VERBOSE, "reading from the keyframe at or before %.3f s",
                 plan->seek_us / 1e6);
}

static void demux_connect(pl_stage *st, pl_msg *m) {
  demux_impl *x = st->impl;
  const pl_demux_plan *plan = m->plan;
  int nlinks = plan ? plan->n : 0;
  if (nlinks > m->nports) nlinks = m->nports;
  AVFormatContext *fmt = cx_demux_ctx(x->d);
  static const iso_link_tx_cbs cbs = {on_writable, on_finished};
  /* Streams nobody reads are not even parsed; for mpegts the start counts
   * from the streams in use, not from a data stream that starts earlier. */
  bool *used = calloc(fmt->nb_streams ? fmt->nb_streams : 1, sizeof *used);
  if (!used) {
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return;
  }
  for (int k = 0; k < nlinks; k++)
    if (plan->l[k].stream >= 0 && plan->l[k].stream < x->n) used[plan->l[k].stream] = true;
  cx_demux_select(x->d, used);
  free(used);
  /* ffmpeg 5.1 binds -filter_complex's inputs after -discard and sets
   * their AVStream.discard back to the default then. */
  for (int k = 0; k < nlinks; k++)
    if (plan->l[k].complex_in && plan->l[k].stream >= 0 && plan->l[k].stream < x->n)
      fmt->streams[plan->l[k].stream]->discard = AVDISCARD_DEFAULT;
  dloop_init(&x->loop, x->set->loop);
  if (!pl_tsfix_init(&x->tsfix, fmt, true, x->set->dts_delta_us)) {
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    return;
  }
  const pl_demux_set *inp = x->set;
  int64_t start_us = cx_demux_start_us(x->d) - inp->offset_us;
  bool further_end = inp->input > 0 && inp->t_us >= 0;
  for (int k = 0; k < nlinks; k++) {
    const pl_demux_link *dl = &plan->l[k];
    int i = dl->stream;
    iso_sendport *sp = m->ports[k];
    if (i < 0 || i >= x->n || !sp) continue;
    AVStream *s = fmt->streams[i];
    demux_link *l = &x->l[x->nl];
    l->stream = i;
    l->ticks = dl->ticks;
    if (!pl_outlink_open(st, &l->out, sp, &cbs, x, dl->to, x->set->link_cap)) {
      pl_stage_fail(st, ISO_ENOMEM, "cannot create link");
      return;
    }
    x->nl++;
    x->used[i] = true;
    x->decoded[i] = x->decoded[i] || !dl->copy;
    x->offset[i] = av_rescale_q(start_us, AV_TIME_BASE_Q, s->time_base);
    int64_t zero = pl_copyts_zero_us(fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0,
                                     cx_demux_used_start_us(x->d), cx_demux_discont(x->d),
                                     inp->offset_us, x->set->start_at_zero);
    dcopy_read rd = {s->time_base, x->offset[i], x->scale[i],   inp->offset_us,
                     zero,         -1,           x->set->copyts};
    if (further_end) rd.in_end_us = (int64_t)(inp->offset_us * x->scale[i]) + inp->t_us;
    dcopy_init(&l->w, dl, &rd);
    pl_msg *pm = pl_msg_new(PL_M_PARAMS);
    if (!pm || !(pm->par = avcodec_parameters_alloc()) ||
        avcodec_parameters_copy(pm->par, s->codecpar) < 0) {
      pl_msg_free(pm);
      pl_stage_fail(st, ISO_ENOMEM, "out of memory");
      return;
    }
    pm->tb = s->time_base;
    pm->index = i;
    l->params = pm;
  }
  seek_to_task(x, plan);
  x->connected = true;
  if (x->stopping)
    end_all(x, true);
  else
    pl_stage_kick(st);
}

static void on_ctl(pl_stage *st, pl_msg *m) {
  demux_impl *x = st->impl;
  if (m->kind == PL_M_CONNECT && !x->connected) {
    demux_connect(st, m);
  } else if (m->kind == PL_M_STOP) {
    x->stopping = true;
    if (x->connected) pl_stage_kick(st);
  } else if (m->kind == PL_M_PAUSE) {
    x->paused = true;
  } else if (m->kind == PL_M_RESUME && x->paused) {
    x->paused = false;
    if (x->connected) pl_stage_kick(st);
  }
  pl_msg_free(m);
}

static void destroy(pl_stage *st) {
  demux_impl *x = st->impl;
  if (!x) return;
  pl_msg_free(x->pending);
  pl_tsfix_free(&x->tsfix);
  for (int i = 0; i < x->nl; i++) {
    pl_msg_free(x->l[i].params);
    if (x->l[i].out.tx && !st->links_gone) iso_link_tx_free(x->l[i].out.tx);
  }
  cx_demux_close(&x->d);
  pl_demux_set_free(x->set);
  free(x);
}

static bool stage_blocked(const pl_stage *st) {
  return any_blocked(st->impl);
}

static const pl_stage_ops demux_ops = {on_ctl, on_kick, destroy, stage_blocked};

/* cx errors start with the url; the stage's error line names the file already. */
static const char *strip_url(const char *err, const char *url) {
  size_t n = strlen(url);
  if (!strncmp(err, url, n) && err[n] == ':' && err[n + 1] == ' ') return err + n + 2;
  return err;
}

void pl_demux_entry(iso_value *msg) {
  pl_spawn *s = pl_spawn_take(msg);
  if (!s) return;
  demux_impl *x = calloc(1, sizeof *x);
  if (!x || !s->demux) {
    free(x);
    pl_spawn_free(s);
    return;
  }
  x->set = s->demux;
  s->demux = NULL;
  pl_stage *st = pl_stage_new(s, &demux_ops, x);
  if (!st) {
    pl_demux_set_free(x->set);
    free(x);
    return;
  }
  x->st = st;
  pl_stage_enter(st);
  const pl_demux_set *in = x->set;
  cx_demux_opts o = {0};
  o.format = in->format;
  o.protocol_whitelist = in->protocol_whitelist;
  o.allow_formats = in->allow_formats;
  o.start_us = in->start_us;
  o.start_eof_us = in->sseof_us;
  if (in->opts && av_dict_copy(&o.fmt_opts, in->opts, 0) < 0) o.fmt_opts = NULL;
  const char *path = pl_stage_file(st);
  o.interrupt = pl_flag_interrupt;
  o.interrupt_opaque = st->cfg.flag;
  o.io = in->io.read ? &in->io : NULL;
  char rate[48] = "";
  /* Only a demuxer named with -f gets -r as its frame rate (ffmpeg can look
   * its options up only then); a probed one keeps its own. */
  if (in->rate.num > 0 && in->format) {
    snprintf(rate, sizeof rate, "%d/%d", in->rate.num, in->rate.den);
    o.framerate = rate;
  }
  char err[CX_ERRLEN] = "";
  int r = cx_demux_open(&x->d, path, &o, err);
  /* An input option the demuxer did not take: ffmpeg stops ("Option ...
   * not found"), so does isopipe, naming it. */
  const AVDictionaryEntry *left = NULL;
  while (r >= 0 && (left = av_dict_get(o.fmt_opts, "", left, AV_DICT_IGNORE_SUFFIX)))
    if (!cx_is_decoder_option(left->key) && strncmp(left->key, "dec", 3))
      break; /* the decoders take those, and their -c before -i ("dec:v") */
  if (left) {
    snprintf(err, sizeof err, "option -%s (before -i) is not an option of the %s demuxer",
             left->key, cx_demux_ctx(x->d)->iformat->name);
    r = AVERROR(EINVAL);
  }
  av_dict_free(&o.fmt_opts);
  /* Cancelled while opening (a silent network peer): nothing to report,
   * also when the open returned what it had (a probe cut short by the
   * cancel describes the input wrongly). */
  if (pl_flag_interrupt(st->cfg.flag)) {
    pl_stage_end(st, true);
    pl_stage_leave(st, false);
    return;
  }
  if (r < 0) {
    pl_stage_fail_av(st, r, "%s", strip_url(err, path));
    pl_stage_leave(st, false);
    return;
  }
  x->n = (int)cx_demux_ctx(x->d)->nb_streams;
  if (x->n > PL_MAX_IN) x->n = PL_MAX_IN;
  if (pl_demux_scales(x->d, x->set, x->n, x->scale, err, sizeof err) < 0 ||
      pl_demux_discards(x->d, x->set, x->n, err, sizeof err) < 0 ||
      pl_demux_guess_layouts(st, x->d, x->set, x->n, err, sizeof err) < 0 ||
      pl_demux_dumps(st, cx_demux_ctx(x->d), x->set, err, sizeof err) < 0) {
    pl_stage_fail(st, ISO_EINVAL, "%s", err);
    pl_stage_leave(st, false);
    return;
  }
  pl_msg *m = pl_msg_new_ports(PL_M_INFO, 1);
  if (m) m->info = calloc(1, sizeof *m->info);
  if (m) m->meta = pl_meta_from_input(cx_demux_ctx(x->d));
  if (!m || !m->info || !m->meta) {
    pl_msg_free(m);
    pl_stage_fail(st, ISO_ENOMEM, "out of memory");
    pl_stage_leave(st, false);
    return;
  }
  pl_demux_describe(st, x->d, x->set, x->scale, m->info);
  /* ffmpeg's "Input #N, format, from 'name':" block, which programs read
   * (the duration, the streams): main prints the inputs' in order. */
  AVBPrint dump;
  av_bprint_init(&dump, 0, AV_BPRINT_SIZE_UNLIMITED);
  pl_log_capture(&dump);
  av_dump_format(cx_demux_ctx(x->d), x->set->input, path, 0);
  pl_log_capture(NULL);
  if (av_bprint_is_complete(&dump)) m->text = strdup(dump.str); /* NULL: none, as at -v quiet */
  av_bprint_finalize(&dump, NULL);
  m->stage = st->cfg.self;
  m->ports[0] = iso_sendport_ref(st->ctl_sp);
  m->nports = 1;
  /* Lost, main would wait for it forever: end, main sees the exit. */
  if (pl_msg_send(st->cfg.main_sp, m) != ISO_OK) pl_stage_fail(st, ISO_ENOMEM, "out of memory");
  pl_stage_leave(st, false);
}
