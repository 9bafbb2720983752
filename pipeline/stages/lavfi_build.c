/* The filter_complex stage's graph: built from each input's first frame, or from its stream's
 * probed parameters when it has none. */
#include <libavutil/bprint.h>
#include <stdio.h>

#include "pipeline/stages/lavfi.h"

bool pl_lavfi_same_input(const fc_in *in, const AVFrame *f, bool video) {
  if (video) return f->width == in->w && f->height == in->h && f->format == in->format;
  return f->sample_rate == in->rate && f->format == in->format &&
         !av_channel_layout_compare(&f->ch_layout, &in->layout);
}

static void fail_setup(lavfi_impl *x, const char *err) {
  const char *why = pl_log_error_first();
  pl_stage_fail_cat(x->st, ISO_EINVAL, ISO_ERRCAT_INVALID_OPTION, "filter_complex '%s': %s",
                    x->set->graph, *why ? why : err);
}

/* What input in's graph source is built for: m's frame and time base. */
static int remember(fc_in *in, const pl_msg *m) {
  const AVFrame *f = m->frame;
  in->w = f->width;
  in->h = f->height;
  in->format = f->format;
  in->rate = f->sample_rate;
  in->tb = m->tb;
  if (!in->proto && !(in->proto = av_frame_alloc())) return AVERROR(ENOMEM);
  av_frame_unref(in->proto);
  int r = av_frame_copy_props(in->proto, f);
  in->proto->width = f->width;
  in->proto->height = f->height;
  in->proto->format = f->format;
  in->proto->sample_rate = f->sample_rate;
  if (r >= 0) r = av_channel_layout_copy(&in->proto->ch_layout, &f->ch_layout);
  if (r >= 0) r = av_channel_layout_copy(&in->layout, &f->ch_layout);
  return r;
}

/* Whether input k, with no frame yet, holds up another input of its file
 * whose link is full: their demux waits for a credit the unbuilt graph
 * never gives (a video whose only keyframe lies before the -ss decodes
 * nothing until its end, while the audio fills its link). */
static bool holds_up(const lavfi_impl *x, int k) {
  for (int i = 0; i < x->nin; i++)
    if (i != k && x->in[i].file == x->in[k].file && x->in[i].r.len >= x->in[i].cap) return true;
  return false;
}

/* An input's source built from its stream's probed parameters, as ffmpeg
 * configures a graph input that ended (or has not started) from its
 * codec parameters: 0, or -1 when they are unknown. */
static int from_params(fc_in *in, const pl_stream_info *si) {
  bool video = si->type != AVMEDIA_TYPE_AUDIO; /* a subtitle's canvas too */
  if (si->format < 0 ||
      (video ? si->width <= 0 || si->height <= 0 : si->sample_rate <= 0 || si->channels <= 0))
    return -1;
  if (!in->proto && !(in->proto = av_frame_alloc())) return AVERROR(ENOMEM);
  av_frame_unref(in->proto);
  AVFrame *f = in->proto;
  f->format = si->format;
  if (video) {
    f->width = si->width;
    f->height = si->height;
    f->sample_aspect_ratio = si->stream_sar.num ? si->stream_sar : si->sar;
  } else {
    f->sample_rate = si->sample_rate;
    if (si->ch_mask)
      av_channel_layout_from_mask(&f->ch_layout, si->ch_mask);
    else if (si->layout_unknown)
      f->ch_layout =
          (AVChannelLayout){.order = AV_CHANNEL_ORDER_UNSPEC, .nb_channels = si->channels};
    else
      av_channel_layout_default(&f->ch_layout, si->channels);
  }
  in->w = f->width;
  in->h = f->height;
  in->format = f->format;
  in->rate = f->sample_rate;
  in->tb = video ? si->tb : (AVRational){1, si->sample_rate};
  in->from_params = true;
  return av_channel_layout_copy(&in->layout, &f->ch_layout);
}

/* The filters between an input's source and its pad, as ffmpeg 5.1 puts
 * them in front of a graph's input: the rotation for video; for audio
 * -async's aresample (whose first_pts ffmpeg leaves out when it rebuilds
 * the graph) and -vol's volume. NULL none. */
static const char *input_pre(const pl_lavfi_set *l, const pl_stream_info *si, bool rebuild,
                             AVBPrint *bp) {
  if (si->type == AVMEDIA_TYPE_VIDEO && l->autorotate) pl_conv_rotation(si, bp);
  if (si->type == AVMEDIA_TYPE_AUDIO) pl_conv_audio_pre(l->async, l->adrift, l->vol, rebuild, bp);
  return bp->len ? bp->str : NULL;
}

int pl_lavfi_build(lavfi_impl *x) {
  const pl_lavfi_set *l = x->set;
  /* A subtitle canvas is always waited for: its stage heard every packet
   * the full link's did, so it comes without more reading, and its size
   * is the decoder's (which may differ from the stream's). */
  for (int i = 0; i < x->nin; i++)
    if (!x->in[i].r.len && !x->in[i].eof && !x->in[i].proto && (x->in[i].s2v || !holds_up(x, i)))
      return AVERROR(EAGAIN);
  cx_fcx_src src[PL_FC_MAX];
  AVBPrint pre[PL_FC_MAX];
  for (int i = 0; i < x->nin; i++)
    av_bprint_init(&pre[i], 0, AV_BPRINT_SIZE_UNLIMITED);
  int r = 0;
  for (int i = 0; i < x->nin && r >= 0; i++) {
    const pl_msg *m = in_head(&x->in[i]);
    const pl_stream_info *si = &l->in[i];
    fc_in *in = &x->in[i];
    /* A heartbeat says nothing of the canvas: the last one does. */
    if (in_tick(m)) m = NULL;
    if (!m && in->proto) { /* a rebuild: the input has nothing queued */
      bool video = si->type == AVMEDIA_TYPE_VIDEO;
      src[i] = (cx_fcx_src){in->tb, video ? si->fps : (AVRational){0, 0}, in->proto, NULL};
      src[i].pre = input_pre(l, si, x->built, &pre[i]);
      continue;
    }
    if (!m && (r = from_params(in, si)) == 0) {
      pl_stage_log(x->st, AV_LOG_VERBOSE,
                   "filter_complex: input %d (stream #%d:%d) %s before its first frame: its "
                   "source takes the stream's parameters",
                   i, si->file, si->index, in->eof ? "ended" : "holds up another input");
      bool video = si->type == AVMEDIA_TYPE_VIDEO;
      src[i] = (cx_fcx_src){in->tb, video ? si->fps : (AVRational){0, 0}, in->proto, NULL};
      src[i].pre = input_pre(l, si, x->built, &pre[i]);
      continue;
    }
    if (!m) {
      if (r == AVERROR(ENOMEM)) {
        pl_stage_fail_av(x->st, r, "filter_complex: input %d (stream #%d:%d): out of memory", i,
                         si->file, si->index);
        break;
      }
      pl_stage_fail(x->st, ISO_EMEDIA,
                    "filter_complex: input %d (stream #%d:%d) ended before its first frame", i,
                    si->file, si->index);
      r = AVERROR(EINVAL);
      break;
    }
    bool video = si->type == AVMEDIA_TYPE_VIDEO;
    src[i] = (cx_fcx_src){m->tb, video ? si->fps : (AVRational){0, 0}, m->frame, NULL};
    src[i].pre = input_pre(l, si, x->built, &pre[i]);
    r = remember(in, m);
    if (r < 0) {
      char why[128];
      pl_stage_fail_av(x->st, r, "filter_complex: input %d (stream #%d:%d): its first frame: %s", i,
                       si->file, si->index, cx_errstr(r, why, sizeof why));
    }
  }
  if (r >= 0) {
    char sws[256], err[CX_ERRLEN] = "";
    snprintf(sws, sizeof sws, "flags=bicubic%s%s", l->sws_flags ? ":sws_flags=" : "",
             l->sws_flags ? l->sws_flags : "");
    pl_log_error_clear();
    r = cx_fcx_open(&x->g, l->graph, src, x->nin, l->threads, sws, err);
    if (r < 0) fail_setup(x, err);
    if (r >= 0 && cx_fcx_nb_outputs(x->g) != x->nout) {
      pl_stage_fail(x->st, ISO_ESTATE, "filter_complex: %d outputs, %d links",
                    cx_fcx_nb_outputs(x->g), x->nout);
      r = AVERROR(EINVAL);
    }
  }
  for (int i = 0; i < x->nin; i++)
    av_bprint_finalize(&pre[i], NULL);
  if (r >= 0) x->built = true;
  return r;
}
