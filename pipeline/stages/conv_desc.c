/* The convert stages' filter graph text (rotation, the user's chain, scaling, what the encoder
 * accepts) and its building, naming the filter a failure comes from. */
#include <ctype.h>
#include <inttypes.h>
#include <libavutil/bprint.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"
#include "pipeline/stages/conv_desc.h"

/* ---- the graph's text ---------------------------------------------------------- */

/* ffmpeg's autorotation: the display matrix becomes transpose / flips before
 * the user's chain, so their filters see the upright picture. */
void pl_conv_rotation(const pl_stream_info *si, AVBPrint *bp) {
  if (!si->has_matrix) return;
  const int32_t *m = si->matrix;
  double theta = -round(av_display_rotation_get(m));
  theta -= 360 * floor(theta / 360 + 0.9 / 360);
  if (fabs(theta - 90) < 1.0)
    av_bprintf(bp, "transpose=%s,", m[3] > 0 ? "cclock_flip" : "clock");
  else if (fabs(theta - 180) < 1.0) {
    if (m[0] < 0) av_bprintf(bp, "hflip,");
    if (m[4] < 0) av_bprintf(bp, "vflip,");
  } else if (fabs(theta - 270) < 1.0)
    av_bprintf(bp, "transpose=%s,", m[3] < 0 ? "clock_flip" : "cclock");
  else if (fabs(theta) > 1.0)
    av_bprintf(bp, "rotate=%f*PI/180,", theta);
  else if (m[4] < 0)
    av_bprintf(bp, "vflip,");
}

void pl_conv_audio_pre(int async, float drift, int vol, bool rebuild, AVBPrint *bp) {
  /* The first graph starts the stream at 0; a rebuilt one continues from the
   * timestamps it is given, so ffmpeg leaves first_pts out then. */
  if (async > 0)
    av_bprintf(bp, "aresample=async=%d:min_hard_comp=%f%s,", async, drift,
               rebuild ? "" : ":first_pts=0");
  /* "%f" of vol/256, as ffmpeg 5.1 writes -vol. */
  if (vol != 256) av_bprintf(bp, "volume=%f,", vol / 256.);
}

/* Whether label ("[name]", n bytes) names one pad only: an open end of the chain. */
static bool conv_open_label(const char *chain, const char *label, size_t n) {
  int seen = 0;
  for (const char *p = chain; (p = strstr(p, "[")); p++)
    if (!strncmp(p, label, n)) seen++;
  return seen == 1;
}

/* The user's chain and a comma, without the labels of its open ends
 * ("[in] format=yuv420p [out]"): ffmpeg links a simple graph's open pads
 * whatever their names, where the chain is joined here to other filters by
 * its text. */
static void conv_print_chain(AVBPrint *bp, const char *chain) {
  const char *s = chain, *e = chain + strlen(chain);
  while (*s && isspace((unsigned char)*s))
    s++;
  while (e > s && isspace((unsigned char)e[-1]))
    e--;
  const char *r = *s == '[' ? s : NULL;
  while (r && r < e && *r != ']')
    r++;
  if (r && r + 1 < e && conv_open_label(chain, s, (size_t)(r + 1 - s))) {
    s = r + 1;
    while (s < e && isspace((unsigned char)*s))
      s++;
  }
  if (e > s && e[-1] == ']') {
    const char *l = e - 1;
    while (l > s && *l != '[')
      l--;
    if (*l == '[' && l > s && conv_open_label(chain, l, (size_t)(e - l))) {
      e = l;
      while (e > s && isspace((unsigned char)e[-1]))
        e--;
    }
  }
  av_bprintf(bp, "%.*s,", (int)(e - s), s);
}

/* Source -> [rotation] -> user's chain -> -s scale -> -aspect setdar ->
 * what the encoder accepts. After the first graph the output keeps its size
 * and format, as ffmpeg's rebuilt graphs do. */
int conv_video_desc(const pl_conv_set *c, const int *fixed, AVBPrint *bp) {
  /* A filter_complex output was turned at the graph's input, as ffmpeg's. */
  if (c->autorotate && !c->fc) pl_conv_rotation(&c->in, bp);
  if (c->chain && *c->chain && !c->fc) conv_print_chain(bp, c->chain);
  if (fixed)
    av_bprintf(bp, "scale=%d:%d,", fixed[0], fixed[1]);
  else if (c->width || c->height)
    av_bprintf(bp, "scale=%d:%d,", c->width ? c->width : -1, c->height ? c->height : -1);
  if (c->aspect) {
    char dar[64];
    snprintf(dar, sizeof dar, "%s", c->aspect);
    for (char *c = dar; *c; c++)
      if (*c == ':') *c = '/';
    av_bprintf(bp, "setdar=dar=%s,", dar);
  }
  char fmt[1024];
  enum AVPixelFormat want = fixed ? fixed[2] : c->pix_fmt ? av_get_pix_fmt(c->pix_fmt) : -1;
  int r = cx_fgraph_enc_video(c->encoder, want, fmt, sizeof fmt);
  if (r < 0) return r;
  av_bprintf(bp, "%s", *fmt ? fmt : "null");
  return av_bprint_is_complete(bp) ? 0 : AVERROR(ENOMEM);
}

/* -channel_layout's layout, unless a later -ac changed the count. */
static bool named_layout(const pl_conv_set *c, AVChannelLayout *l) {
  if (!c->ch_layout) return false;
  if (av_channel_layout_from_string(l, c->ch_layout) >= 0 && l->nb_channels == c->ac) return true;
  av_channel_layout_uninit(l);
  return false;
}

int conv_audio_desc(const pl_conv_set *c, const int *fixed, const AVChannelLayout *fixed_layout,
                    AVBPrint *bp) {
  if (!c->fc) pl_conv_audio_pre(c->async, c->adrift, c->vol, fixed != NULL, bp);
  if (c->chain && *c->chain && !c->fc) conv_print_chain(bp, c->chain);
  /* -map_channel: after the chain, before the conversion for the encoder (as ffmpeg 5.1). */
  if (c->pan) av_bprintf(bp, "pan=%s,", c->pan);
  AVChannelLayout want = {0};
  if (fixed_layout)
    av_channel_layout_copy(&want, fixed_layout);
  else if (c->ac > 0 && !named_layout(c, &want))
    av_channel_layout_default(&want, c->ac);
  char fmt[1024];
  int r = cx_fgraph_enc_audio(c->encoder,
                              fixed           ? fixed[0]
                              : c->sample_fmt ? av_get_sample_fmt(c->sample_fmt)
                                              : AV_SAMPLE_FMT_NONE,
                              fixed ? fixed[1] : c->ar, &want, fmt, sizeof fmt);
  av_channel_layout_uninit(&want);
  if (r < 0) return r;
  av_bprintf(bp, "%s", *fmt ? fmt : "anull");
  /* After the conversion for the encoder, as ffmpeg's -apad. */
  if (c->apad) av_bprintf(bp, ",apad%s%s", *c->apad ? "=" : "", c->apad);
  return av_bprint_is_complete(bp) ? 0 : AVERROR(ENOMEM);
}

/* Builds the graph for frame in; a failure is the user's chain (or our
 * options) refused by libavfilter: a usage error naming the filter. */
int conv_graph_open(pl_stage *st, const pl_conv_set *c, cx_fgraph **g, AVBPrint *desc,
                    const pl_msg *in, AVRational frame_rate) {
  cx_fgraph_opts go = {0};
  go.type = c->type;
  go.desc = desc->str;
  go.in_tb = in->tb;
  go.frame_rate = frame_rate;
  go.threads = c->threads;
  /* ffmpeg's scaler options: its bicubic default, then -sws_flags. */
  char sws[256];
  snprintf(sws, sizeof sws, "flags=bicubic%s%s", c->sws_flags ? ":sws_flags=" : "",
           c->sws_flags ? c->sws_flags : "");
  go.sws_opts = sws;
  go.swr_opts = c->swr;
  char err[CX_ERRLEN] = "";
  pl_log_error_clear();
  int r = cx_fgraph_open(g, &go, in->frame, err);
  if (r < 0) {
    /* libavfilter's own line names the filter instance and the reason. */
    const char *why = pl_log_error_first();
    const char *chain = c->chain;
    /* Memory is no option of the user's, and a graph without the user's
     * chain (only the conversions for the encoder) names none. */
    if (r == AVERROR(ENOMEM))
      pl_stage_fail(st, ISO_ENOMEM, "out of memory while building the filter graph");
    else if (!chain || !*chain)
      pl_stage_fail_av(st, r, "cannot convert for the encoder: %s", *why ? why : err);
    else if (*why)
      pl_stage_fail_cat(st, ISO_EINVAL, ISO_ERRCAT_INVALID_OPTION, "filters '%s': %s",
                        chain ? chain : "", why);
    else
      pl_stage_fail_cat(st, ISO_EINVAL, ISO_ERRCAT_INVALID_OPTION, "%s", err);
  }
  return r;
}
