/* From the options of every output to the stage graph: streams (pl_pick.c), encoders, nodes, links,
 * windows. */
#include <errno.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_mapchan.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_sidx.h"

/* ---- graph ----------------------------------------------------------------- */

static int add_node(pl_job *j, pl_node_kind kind, const char *name, int out_stream) {
  if (j->nnodes >= PL_MAX_NODES) return -1;
  pl_node *nd = &j->node[j->nnodes];
  memset(nd, 0, sizeof *nd);
  nd->kind = kind;
  snprintf(nd->name, sizeof nd->name, "%s", name);
  nd->out_stream = out_stream;
  nd->down_node = -1;
  return j->nnodes++;
}

/* Where -copyts on an encoded stream is not ffmpeg's result yet (NULL: it
 * is). Frames are put back on the input's clock where the read starts, and
 * an output's own -ss/-t cut after the filters on that clock (cut_after),
 * as ffmpeg's output trim: from -ss on, timestamps less -ss, ending where
 * they reach -ss + -t (ffmpeg 5.1 counts -t there from 0, not from the
 * input's start or its -ss: an MPEG-TS at 1.4 s keeps nothing of -t 1);
 * -copyts always cuts after the filters (cut_after). That needs this
 * output's read to start where the input's -ss puts it. */
static const char *copyts_limit(const pl_job *fj) {
  int64_t own = fj->ss_out_us > 0 ? fj->ss_out_us : 0;
  if (fj->win_start_us - own > 0)
    return "another output's earlier -ss moves where the input is read; isopipe keeps the "
           "input's timestamps there only when every output's input -ss is the same";
  return NULL;
}

/* Input #0's own -ss (an input option), which pl_window_compose composed
 * into output j's: its whole -ss less the part given after -i. */
static int64_t input0_ss(const pl_job *j) {
  int64_t ss = (j->ss_us > 0 ? j->ss_us : 0) - (j->ss_out_us > 0 ? j->ss_out_us : 0);
  return ss > 0 ? ss : 0;
}

/* A subtitle stream's fate in fj's output: copied (when the format can
 * hold the codec) or re-encoded by the muxer with -c:s or the format's
 * default subtitle encoder, text to text or bitmap to bitmap. */
static int subtitle_codec(const pl_job *g, const pl_job *fj, const AVOutputFormat *of,
                          const char *want, pl_out_stream *o, char *err, size_t n) {
  const pl_stream_info *si = &g->info.st[o->in_index];
  int in = si->file, local = si->index;
  const char *codec = avcodec_get_name(si->codec_id);
  if (o->copy) {
    if (of && avformat_query_codec(of, si->codec_id, FF_COMPLIANCE_NORMAL) == 0)
      return pl_fail(err, n,
                     "%s: %s subtitles (stream #%d:%d) cannot be copied into %s (-c:s copy); "
                     "re-encode them (-c:s %s) or leave them out (-sn)",
                     fj->output, codec, in, local, of->name,
                     of->subtitle_codec != AV_CODEC_ID_NONE ? avcodec_get_name(of->subtitle_codec)
                     : avformat_query_codec(of, AV_CODEC_ID_MOV_TEXT, FF_COMPLIANCE_NORMAL) > 0
                         ? "mov_text"
                         : "ENCODER");
    return ISO_OK;
  }
  const AVCodec *c = NULL;
  if (want) {
    c = avcodec_find_encoder_by_name(want);
    const AVCodecDescriptor *d = c ? NULL : avcodec_descriptor_get_by_name(want);
    if (d) c = avcodec_find_encoder(d->id);
    if (!c) return pl_fail(err, n, "c:s: unknown encoder '%s'", want);
  } else if (of && of->subtitle_codec != AV_CODEC_ID_NONE) {
    c = avcodec_find_encoder(of->subtitle_codec);
  }
  if (!c)
    return pl_fail(err, n,
                   "%s: format %s has no default subtitle encoder for stream #%d:%d (%s); "
                   "choose one (-c:s), copy it (-c:s copy) or leave it out (-sn)",
                   fj->output, of ? of->name : "?", in, local, codec);
  if (of && avformat_query_codec(of, c->id, FF_COMPLIANCE_NORMAL) == 0)
    return pl_fail(err, n, "%s: format %s cannot hold %s subtitles (c:s %s)", fj->output, of->name,
                   avcodec_get_name(c->id), c->name);
  char why[CX_ERRLEN] = "";
  if (cx_subconv_check(si->codec_id, c, why) < 0)
    return pl_fail(err, n, "%s: subtitle stream #%d:%d: %s (-c:s copy keeps it, -sn leaves it out)",
                   fj->output, in, local, why);
  snprintf(o->encoder, sizeof o->encoder, "%s", c->name);
  return ISO_OK;
}

static int add_dlink(pl_job *g, int in_index, int node, int port, bool copy, char *err, size_t n) {
  if (g->ndlinks >= PL_MAX_DLINKS) return pl_fail(err, n, "graph too large");
  g->dlink[g->ndlinks++] = (pl_dlink){in_index, node, port, copy, 0, -1, 0, false, false};
  return ISO_OK;
}

void pl_numbered_name(char *buf, size_t len, const char *base, int k) {
  if (k)
    snprintf(buf, len, "%s#%u", base, (unsigned)k & 0xffu);
  else
    snprintf(buf, len, "%s", base);
}

/* "v", "v1", "a"...: the chain suffix of a stage name. */
static void chain_suffix(char *buf, size_t len, bool video, int k) {
  if (k)
    snprintf(buf, len, "%c%d", video ? 'v' : 'a', k);
  else
    snprintf(buf, len, "%c", video ? 'v' : 'a');
}

/* One decoder per input stream, whatever the number of its consumers; it
 * feeds (node, port) too. */
static int decoder_for(pl_job *g, int *dec_of, int in_index, int *ndv, int *nda, int node, int port,
                       char *err, size_t n) {
  int dec = dec_of[in_index];
  if (dec < 0) {
    bool video = g->info.st[in_index].type == AVMEDIA_TYPE_VIDEO;
    char suffix[16], name[ISO_STAGE_NAME_MAX];
    if (g->info.st[in_index].type == AVMEDIA_TYPE_SUBTITLE) {
      /* Drawn for a graph (sub2video): "decode:s", "decode:s1"... */
      int ns = 0;
      for (int k = 0; k < g->nnodes; k++)
        ns += g->node[k].kind == PL_N_DECODE && !strncmp(g->node[k].name, "decode:s", 8);
      if (ns)
        snprintf(suffix, sizeof suffix, "s%d", ns);
      else
        snprintf(suffix, sizeof suffix, "s");
    } else {
      chain_suffix(suffix, sizeof suffix, video, video ? (*ndv)++ : (*nda)++);
    }
    snprintf(name, sizeof name, "decode:%s", suffix);
    dec = dec_of[in_index] = add_node(g, PL_N_DECODE, name, -1);
    if (dec < 0) {
      pl_fail(err, n, "graph too large");
      return -1;
    }
    g->node[dec].input = g->info.st[in_index].file;
    g->node[dec].in_stream = in_index;
    g->node[dec].nin = 1;
    if (add_dlink(g, in_index, dec, 0, false, err, n)) return -1;
  }
  pl_node *d = &g->node[dec];
  if (d->nfan >= PL_MAX_FAN) {
    pl_fail(err, n, "graph too large");
    return -1;
  }
  if (!d->nfan) d->down_node = node;
  d->fan_node[d->nfan] = node;
  d->fan_port[d->nfan++] = port;
  return dec;
}

int pl_job_build_graph(pl_job *const *files, int nfiles, char *err, size_t n) {
  pl_job *g = files[0];
  g->nout = 0;
  g->nnodes = 0;
  g->ndlinks = 0;
  g->nfiles = nfiles;
  if (nfiles < 1 || nfiles > PL_MAX_FILES) return pl_fail(err, n, "too many outputs");
  memset(g->unwritten, 0, sizeof g->unwritten);
  memset(g->attach_in, 0, sizeof g->attach_in);
  for (int f = 0; f < PL_MAX_FILES; f++)
    g->cover_left[f] = -1;
  if (pl_fc_bind(g, err, n)) return ISO_EINVAL;
  for (int f = 0; f < nfiles; f++)
    if (pl_pick_streams(g, files[f], f, err, n) ||
        pl_mapchan_check(files[f]->map_channel, &g->info, err, n))
      return ISO_EINVAL;
  if (pl_fc_check(g, files, err, n)) return ISO_EINVAL;

  /* One demux per input, nodes 0 .. ninputs - 1: "demux", "demux#1"... */
  int nin = g->ninputs > 0 ? g->ninputs : 1;
  for (int k = 0; k < nin; k++) {
    char name[ISO_STAGE_NAME_MAX];
    pl_numbered_name(name, sizeof name, "demux", k);
    int id = add_node(g, PL_N_DEMUX, name, -1);
    if (id < 0) return pl_fail(err, n, "graph too large");
    g->node[id].input = k;
  }
  int mux[PL_MAX_FILES];
  for (int f = 0; f < nfiles; f++) {
    char name[ISO_STAGE_NAME_MAX];
    pl_numbered_name(name, sizeof name, "mux", f);
    mux[f] = add_node(g, PL_N_MUX, name, -1);
    if (mux[f] < 0) return pl_fail(err, n, "graph too large");
    g->node[mux[f]].file = f;
  }
  if (g->fc.nout) {
    int id = g->fc.node = add_node(g, PL_N_LAVFI, "filter_complex", -1);
    if (id < 0) return pl_fail(err, n, "graph too large");
    g->node[id].nin = g->fc.nin;
    g->node[id].nfan = g->fc.nout;
  }
  int dec_of[PL_MAX_IN];
  for (int i = 0; i < PL_MAX_IN; i++)
    dec_of[i] = -1;
  int ndv = 0, nda = 0;
  for (int f = 0; f < nfiles; f++) {
    const pl_job *fj = files[f];
    const AVOutputFormat *of = av_guess_format(fj->out_format, NULL, NULL);
    int nv = 0, na = 0, port = 0;
    char tag[16] = "";
    if (f) snprintf(tag, sizeof tag, "#%u", (unsigned)f & 0xffu);
    for (int i = 0; i < g->nout; i++) {
      pl_out_stream *o = &g->out[i];
      if (o->file != f) continue;
      bool video = o->type == AVMEDIA_TYPE_VIDEO;
      bool sub = o->type == AVMEDIA_TYPE_SUBTITLE;
      /* -c:v:1 and the like: this stream's own codec, else the file's. */
      pl_spos pos = pl_sidx_pos(g, i);
      const char *want = pl_sidx_get(fj, pos, sub ? "c:s" : video ? "c:v" : "c:a", "c");
      if (!want) want = sub ? fj->cs : video ? fj->cv : fj->ca;
      o->copy = want && !strcmp(want, "copy");
      o->mux_port = port++;
      if (sub && subtitle_codec(g, fj, of, want, o, err, n)) return ISO_EINVAL;
      /* Subtitles are re-encoded, if at all, by the muxer (packets are small
       * and independent): their link goes straight there as a copy's. */
      if (o->copy || sub) {
        if (add_dlink(g, o->in_index, mux[f], o->mux_port, true, err, n)) return ISO_EINVAL;
        /* A copy has no convert stage: the demux cuts its window. */
        g->dlink[g->ndlinks - 1].start_us = fj->win_start_us;
        g->dlink[g->ndlinks - 1].end_us = fj->win_end_us;
        g->dlink[g->ndlinks - 1].out_ss_us = fj->ss_out_us > 0 ? fj->ss_out_us : 0;
        g->dlink[g->ndlinks - 1].copyinkf = fj->copyinkf;
        g->dlink[g->ndlinks - 1].end_own = !fj->t_from_input;
        continue;
      }
      /* -copyts changes nothing for an encoded stream whose input is read
       * from its start at 0 (or -start_at_zero) with no seek or offset:
       * ffmpeg's timestamps are then the ones isopipe writes. */
      bool same_times = fj->win_start_us <= 0 && fj->in_ss_us <= 0 && fj->in[0].offset_us == 0 &&
                        g->info.ninputs <= 1 && (fj->start_at_zero || g->info.start_us == 0);
      /* ffmpeg's -noaccurate_seek sends an encoded video the frames from the
       * keyframe before -ss on, with negative times its frame-rate sync
       * partly keeps: its decoder does not cut at -ss (pl_spawn.c). That
       * holds when the read starts at the input's -ss (a read moved for
       * another output's window has its cut elsewhere); an end counts from
       * the first picture, before -ss, as ffmpeg's trim (pl_trim_frame). */
      int file_k = g->info.st[o->in_index].file;
      const pl_input *src = &fj->in[file_k];
      int64_t in_ss = file_k ? src->ss_us : input0_ss(fj);
      if (video && src->no_accurate_seek && in_ss > 0 &&
          ((!file_k && (fj->in_ss_us != in_ss || nfiles > 1)) || (file_k && src->t_us >= 0)))
        return pl_fail(err, n,
                       "noaccurate_seek: with an input -ss, %s's encoded video is kept from the "
                       "keyframe before it as ffmpeg's only for one output (and no -t on a "
                       "further input); "
                       "leave -noaccurate_seek out",
                       fj->output);
      const char *why = fj->copyts && !same_times ? copyts_limit(fj) : NULL;
      if (why)
        return pl_fail(err, n, "copyts: %s's %s stream is encoded and %s", fj->output,
                       video ? "video" : "audio", why);
      const AVCodec *c = NULL;
      if (pl_resolve_encoder(of, fj->output, want, o->type, &c, err, n)) return ISO_EINVAL;
      if (!c)
        return pl_fail(err, n, "%s: format %s has no default %s encoder; choose one", fj->output,
                       fj->out_format, video ? "video" : "audio");
      snprintf(o->encoder, sizeof o->encoder, "%s", c->name);
      char suffix[16], name[ISO_STAGE_NAME_MAX];
      chain_suffix(suffix, sizeof suffix, video, video ? nv++ : na++);
      snprintf(name, sizeof name, "convert:%s%s", suffix, tag);
      o->conv_node = add_node(g, video ? PL_N_VCONV : PL_N_ACONV, name, i);
      snprintf(name, sizeof name, "encode:%s%s", suffix, tag);
      o->enc_node = add_node(g, PL_N_ENCODE, name, i);
      if (o->enc_node < 0) return pl_fail(err, n, "graph too large");
      if (o->fc_out >= 0) {
        /* Fed by its pad of the filter_complex stage. */
        pl_node *lav = &g->node[g->fc.node];
        lav->fan_node[o->fc_out] = o->conv_node;
        lav->fan_port[o->fc_out] = 0;
        if (!o->fc_out) lav->down_node = o->conv_node;
      } else {
        o->dec_node = decoder_for(g, dec_of, o->in_index, &ndv, &nda, o->conv_node, 0, err, n);
        if (o->dec_node < 0) return ISO_EINVAL;
        if (g->node[o->dec_node].out_stream < 0) g->node[o->dec_node].out_stream = i;
      }
      pl_node *cv = &g->node[o->conv_node], *en = &g->node[o->enc_node];
      cv->file = en->file = f;
      cv->nin = en->nin = 1;
      cv->down_node = o->enc_node;
      en->down_node = mux[f];
      en->down_port = o->mux_port;
    }
    g->node[mux[f]].nin = port;
  }
  for (int i = 0; i < g->fc.nin; i++)
    if (decoder_for(g, dec_of, g->fc.in_stream[i], &ndv, &nda, g->fc.node, i, err, n) < 0)
      return ISO_EINVAL;
  return ISO_OK;
}

/*
 * ffmpeg's output -ss/-t: output k gets what lies in [ss_k, ss_k + t_k) of
 * the input, its timestamps starting at 0. The input is read once, so it
 * is read for the union: from the earliest start (the demux seeks there)
 * to the latest end (unbounded if any output is); every output's window is
 * then counted from that start. With one output the union is its window
 * and the decoders cut exactly as they always did.
 */
/* An output's own -ss and -t are cut before its video filters when that
 * gives what cutting after them gives; filters that move time need the
 * input from the input's window on. Audio is always cut after its graph, as
 * ffmpeg's output trim: a resampler (the encoder's rate, -ar) or a filter
 * with memory (highpass, aresample) carries state across the cut, so the
 * first and last samples depend on what lies outside the window. */
static unsigned cut_after(const pl_job *j) {
  bool own_ss = j->ss_out_us > 0, own_end = j->t_us >= 0 && !j->t_from_input;
  if (!own_ss && !own_end) return 0;
  /* -copyts: the filters see the input's own clock, which only the cut
   * after them keeps (a cut before them counts from -ss); a
   * -filter_complex graph's outputs are on it already. */
  if (j->copyts) return 3u;
  if (j->fcomplex) return 0;
  bool audio = !j->an && !(j->ca && !strcmp(j->ca, "copy"));
  return (cx_fgraph_keeps_time(j->vf) ? 0u : 1u) | (audio ? 2u : 0u);
}

void pl_job_windows(pl_job *const *files, int nfiles) {
  int64_t from = INT64_MAX, to = 0;
  for (int f = 0; f < nfiles; f++) {
    pl_job *j = files[f];
    j->cut_after = cut_after(j);
    int64_t ss = j->ss_us > 0 ? j->ss_us : 0, end = j->t_us < 0 ? -1 : ss + j->t_us;
    /* An output's own -ss is not a seek for what is decoded, as in ffmpeg:
     * its input is read from the input's -ss on and cut after decoding (a
     * seek may land past the only keyframe before it, and a stream would be
     * lost whole). Copied streams start at a keyframe after it anyway,
     * unless -copyts puts it on the input's own clock, whose start is not
     * where the read starts. */
    bool copies = (j->cv && !strcmp(j->cv, "copy")) || (j->ca && !strcmp(j->ca, "copy"));
    if (!copies || j->cut_after || j->copyts) ss -= j->ss_out_us > 0 ? j->ss_out_us : 0;
    if (j->cut_after && !j->t_from_input) end = -1;
    if (ss < from) from = ss;
    if (to >= 0) to = end < 0 ? -1 : (end > to ? end : to);
  }
  if (nfiles < 1) from = 0;
  /* A filter_complex graph gets its inputs cut to their own -ss/-t (input
   * options), as ffmpeg trims each input before the graph, and each
   * output's own -ss/-t is cut after it (in its convert stages): filters
   * that gather frames (palettegen, thumbnail) or move time (setpts) see
   * the input's window, not the whole input. */
  bool fcomplex = nfiles >= 1 && files[0]->fcomplex;
  if (fcomplex) {
    from = INT64_MAX;
    to = 0;
    for (int f = 0; f < nfiles; f++) {
      const pl_job *j = files[f];
      int64_t own = j->ss_out_us > 0 ? j->ss_out_us : 0;
      int64_t in_ss = input0_ss(j);
      int64_t end = j->t_from_input && j->t_us >= 0 ? in_ss + own + j->t_us : -1;
      if (in_ss < from) from = in_ss;
      if (to >= 0) to = end < 0 ? -1 : (end > to ? end : to);
    }
  }
  for (int f = 0; f < nfiles; f++) {
    pl_job *j = files[f];
    int64_t ss = j->ss_us > 0 ? j->ss_us : 0;
    j->in_ss_us = from;
    j->in_t_us = to < 0 ? -1 : to - from;
    j->win_start_us = ss - from;
    /* The input's -t already ended what entered the graph. */
    j->win_end_us = j->t_us < 0 || (fcomplex && j->t_from_input) ? -1 : j->win_start_us + j->t_us;
  }
}

bool pl_job_trims(const pl_job *j) {
  if (j->win_start_us > 0) return true;
  return j->win_end_us >= 0 && (j->in_t_us < 0 || j->win_end_us < j->in_t_us);
}

void pl_job_copy_graph(pl_job *dst, const pl_job *src) {
  dst->info = src->info;
  pl_meta_unref(&dst->in_meta);
  dst->in_meta = pl_meta_ref(src->in_meta);
  dst->nout = src->nout;
  memcpy(dst->out, src->out, sizeof dst->out);
  dst->nnodes = src->nnodes;
  memcpy(dst->node, src->node, sizeof dst->node);
  dst->ndlinks = src->ndlinks;
  memcpy(dst->dlink, src->dlink, sizeof dst->dlink);
  dst->nfiles = src->nfiles;
  dst->fc = src->fc;
  memcpy(dst->attach_in, src->attach_in, sizeof dst->attach_in);
}

uint32_t pl_link_capacity(const pl_job *j, int node) {
  const pl_node *nd = &j->node[node];
  /* A video decoder shared by several outputs sends only when every one
   * has room: the frame it holds meanwhile is the buffer, so one credit
   * per output link keeps the converters fed, and each further one would
   * hold a decoded picture per output for no gain in speed. */
  if (nd->kind == PL_N_VCONV && nd->out_stream >= 0) {
    const pl_out_stream *o = &j->out[nd->out_stream];
    if (o->dec_node >= 0 && j->node[o->dec_node].nfan > 1) return 1;
  }
  /* Packets flow into decoders and the muxer, frames into convert and
   * encode. Audio frames are small (tens of KB): they get the packet depth,
   * so their links return credits in batches too (see link.c). */
  if (nd->kind == PL_N_VCONV || nd->kind == PL_N_LAVFI) return (uint32_t)j->queue_frames;
  if (nd->kind == PL_N_ENCODE && j->out[nd->out_stream].type == AVMEDIA_TYPE_VIDEO)
    return (uint32_t)j->queue_frames;
  return (uint32_t)j->queue_pkts;
}
