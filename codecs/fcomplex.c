/* Complex filter graph: a libavfilter graph with several buffer sources and buffer sinks. */
#include "codecs/cx_internal.h"

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/avstring.h>
#include <libavutil/bprint.h>
#include <libavutil/opt.h>

struct cx_fcx {
  AVFilterGraph *graph;
  int nin, nout;
  AVFilterContext *src[CX_FCX_MAX], *sink[CX_FCX_MAX];
  enum AVMediaType out_type[CX_FCX_MAX];
  cx_src_clock clock[CX_FCX_MAX];
  bool eof[CX_FCX_MAX];
};

static int count(const AVFilterInOut *p) {
  int n = 0;
  for (; p; p = p->next)
    n++;
  return n;
}

static void describe(const AVFilterInOut *io, bool input, cx_fcx_pad *pad) {
  memset(pad, 0, sizeof *pad);
  if (io->name) snprintf(pad->label, sizeof pad->label, "%s", io->name);
  const AVFilterContext *f = io->filter_ctx;
  pad->type = avfilter_pad_get_type(input ? f->input_pads : f->output_pads, (int)io->pad_idx);
  snprintf(pad->filter, sizeof pad->filter, "%s", f->name ? f->name : f->filter->name);
}

/* Pads of a parsed graph, at most CX_FCX_MAX each way. */
static int list_pads(const char *desc, const AVFilterInOut *ins, const AVFilterInOut *outs,
                     cx_fcx_pad *in, int *nin, cx_fcx_pad *out, int *nout, char *err) {
  *nin = count(ins);
  *nout = count(outs);
  if (*nin > CX_FCX_MAX || *nout > CX_FCX_MAX)
    return cx_fail(err, AVERROR(EINVAL), "filter graph '%s': %d inputs and %d outputs (at most %d)",
                   desc, *nin, *nout, CX_FCX_MAX);
  if (!*nout) return cx_fail(err, AVERROR(EINVAL), "filter graph '%s' has no output", desc);
  int i = 0;
  for (const AVFilterInOut *p = ins; p && in; p = p->next)
    describe(p, true, &in[i++]);
  i = 0;
  for (const AVFilterInOut *p = outs; p && out; p = p->next)
    describe(p, false, &out[i++]);
  return 0;
}

int cx_fcx_pads(const char *desc, cx_fcx_pad *in, int *nin, cx_fcx_pad *out, int *nout, char *err) {
  *nin = *nout = 0;
  if (!desc || !*desc) return cx_fail(err, AVERROR(EINVAL), "empty filter graph");
  int ret = cx_fgraph_check_each(desc, err);
  if (ret < 0) return ret;
  AVFilterGraph *graph = avfilter_graph_alloc();
  if (!graph) return cx_fail(err, AVERROR(ENOMEM), "filter graph");
  AVFilterInOut *ins = NULL, *outs = NULL;
  ret = avfilter_graph_parse2(graph, desc, &ins, &outs);
  if (ret < 0)
    cx_fail(err, ret, "filter graph '%s'", desc);
  else
    ret = list_pads(desc, ins, outs, in, nin, out, nout, err);
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  cx_graph_free_quiet(&graph);
  return ret;
}

/* The filters ahead of a pad (autorotation), one "name[=args]" per comma. */
static int add_pre(AVFilterGraph *graph, const char *pre, AVFilterContext **last, char *err) {
  const char *p = pre;
  while (p && *p) {
    char *item = av_get_token(&p, ",");
    if (!item) return AVERROR(ENOMEM);
    if (*p == ',') p++;
    if (!*item) {
      av_free(item);
      continue;
    }
    char *args = strchr(item, '=');
    if (args) *args++ = 0;
    AVFilterContext *f = NULL;
    const AVFilter *flt = avfilter_get_by_name(item);
    int ret = flt ? avfilter_graph_create_filter(&f, flt, NULL, args, NULL, graph)
                  : AVERROR_FILTER_NOT_FOUND;
    if (ret >= 0) ret = avfilter_link(*last, 0, f, 0);
    if (ret < 0) cx_fail(err, ret, "filter graph: %s", item);
    av_free(item);
    if (ret < 0) return ret;
    *last = f;
  }
  return 0;
}

static int add_source(cx_fcx *g, int i, const AVFilterInOut *io, const cx_fcx_src *s, char *err) {
  enum AVMediaType type = avfilter_pad_get_type(io->filter_ctx->input_pads, (int)io->pad_idx);
  bool video = type == AVMEDIA_TYPE_VIDEO;
  if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO)
    return cx_fail(err, AVERROR(EINVAL), "filter graph: input %d is neither video nor audio", i);
  const AVFrame *f = s->first;
  if (video ? f->width <= 0 || f->height <= 0 || f->format < 0
            : f->sample_rate <= 0 || f->ch_layout.nb_channels <= 0 || f->format < 0)
    return cx_fail(err, AVERROR(EINVAL), "filter graph: input %d has no %s", i,
                   video ? "size or format" : "rate, format or layout");
  AVBPrint args;
  av_bprint_init(&args, 0, AV_BPRINT_SIZE_UNLIMITED);
  cx_src_clock_init(&g->clock[i], s->tb, s->frame_rate);
  cx_fgraph_source_args(type, s->tb, s->frame_rate, f, &args);
  char name[32];
  snprintf(name, sizeof name, "in%d", i);
  int ret = av_bprint_is_complete(&args) ? 0 : AVERROR(ENOMEM);
  if (ret >= 0)
    ret =
        avfilter_graph_create_filter(&g->src[i], avfilter_get_by_name(video ? "buffer" : "abuffer"),
                                     name, args.str, NULL, g->graph);
  if (ret < 0) cx_fail(err, ret, "filter graph: source %d (%s)", i, args.str);
  av_bprint_finalize(&args, NULL);
  if (ret < 0) return ret;
  AVFilterContext *last = g->src[i];
  if ((ret = add_pre(g->graph, s->pre, &last, err)) < 0) return ret;
  ret = avfilter_link(last, 0, io->filter_ctx, io->pad_idx);
  return ret < 0 ? cx_fail(err, ret, "filter graph: cannot link input %d", i) : 0;
}

static int add_sink(cx_fcx *g, int k, const AVFilterInOut *io, char *err) {
  enum AVMediaType type = avfilter_pad_get_type(io->filter_ctx->output_pads, (int)io->pad_idx);
  bool video = type == AVMEDIA_TYPE_VIDEO;
  if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO)
    return cx_fail(err, AVERROR(EINVAL), "filter graph: output %d is neither video nor audio", k);
  g->out_type[k] = type;
  char name[32];
  snprintf(name, sizeof name, "out%d", k);
  int ret = avfilter_graph_create_filter(&g->sink[k],
                                         avfilter_get_by_name(video ? "buffersink" : "abuffersink"),
                                         name, NULL, NULL, g->graph);
  /* As ffmpeg's: audio of a channel count without an order passes as it is. */
  if (ret >= 0 && !video)
    ret = av_opt_set_int(g->sink[k], "all_channel_counts", 1, AV_OPT_SEARCH_CHILDREN);
  if (ret >= 0) ret = avfilter_link(io->filter_ctx, io->pad_idx, g->sink[k], 0);
  return ret < 0 ? cx_fail(err, ret, "filter graph: cannot link output %d", k) : 0;
}

int cx_fcx_open(cx_fcx **out, const char *desc, const cx_fcx_src *src, int nin, int threads,
                const char *sws_opts, char *err) {
  *out = NULL;
  cx_fcx *g = av_mallocz(sizeof *g);
  if (!g || !(g->graph = avfilter_graph_alloc())) {
    av_free(g);
    return cx_fail(err, AVERROR(ENOMEM), "filter graph");
  }
  g->graph->nb_threads = threads;
  AVFilterInOut *ins = NULL, *outs = NULL;
  int ret = 0;
  if (sws_opts && !(g->graph->scale_sws_opts = av_strdup(sws_opts)))
    ret = cx_fail(err, AVERROR(ENOMEM), "filter graph");
  if (ret >= 0 && (ret = avfilter_graph_parse2(g->graph, desc, &ins, &outs)) < 0)
    cx_fail(err, ret, "filter graph '%s'", desc);
  if (ret >= 0) ret = list_pads(desc, ins, outs, NULL, &g->nin, NULL, &g->nout, err);
  if (ret >= 0 && g->nin != nin)
    ret = cx_fail(err, AVERROR(EINVAL), "filter graph '%s': %d inputs, %d sources given", desc,
                  g->nin, nin);
  int i = 0;
  for (AVFilterInOut *p = ins; p && ret >= 0; p = p->next, i++)
    ret = add_source(g, i, p, &src[i], err);
  i = 0;
  for (AVFilterInOut *p = outs; p && ret >= 0; p = p->next, i++)
    ret = add_sink(g, i, p, err);
  cx_oom_watch();
  if (ret >= 0 && (ret = cx_oom_check(avfilter_graph_config(g->graph, NULL))) < 0)
    cx_fail(err, ret, "cannot configure filter graph '%s'", desc);
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  if (ret < 0) {
    cx_fcx_close(&g);
    return ret;
  }
  *out = g;
  return 0;
}

int cx_fcx_nb_inputs(const cx_fcx *g) {
  return g->nin;
}

int cx_fcx_nb_outputs(const cx_fcx *g) {
  return g->nout;
}

int cx_fcx_send(cx_fcx *g, int i, const AVFrame *frame) {
  if (i < 0 || i >= g->nin) return AVERROR(EINVAL);
  if (g->eof[i]) return AVERROR_EOF;
  if (!frame) g->eof[i] = true;
  /* Pushed through at once, as ffmpeg's filtergraphs take frames: what the
   * frame makes is at the outputs, where a rebuild's drain finds it. */
  return cx_src_push(g->src[i], &g->clock[i], frame, true);
}

int cx_fcx_receive(cx_fcx *g, int k, AVFrame *out) {
  if (k < 0 || k >= g->nout) return AVERROR(EINVAL);
  cx_oom_watch();
  int ret = cx_oom_check(av_buffersink_get_frame_flags(g->sink[k], out, 0));
  if (ret < 0) av_frame_unref(out);
  return ret;
}

int cx_fcx_take(cx_fcx *g, int k, AVFrame *out) {
  if (k < 0 || k >= g->nout) return AVERROR(EINVAL);
  cx_oom_watch();
  int ret =
      cx_oom_check(av_buffersink_get_frame_flags(g->sink[k], out, AV_BUFFERSINK_FLAG_NO_REQUEST));
  if (ret < 0) av_frame_unref(out);
  return ret;
}

unsigned cx_fcx_requests(const cx_fcx *g, int i) {
  return i >= 0 && i < g->nin ? av_buffersrc_get_nb_failed_requests(g->src[i]) : 0;
}

cx_fgraph_out cx_fcx_output(const cx_fcx *g, int k) {
  cx_fgraph_out r = {0};
  const AVFilterContext *s = g->sink[k];
  r.tb = av_buffersink_get_time_base(s);
  r.format = av_buffersink_get_format(s);
  if (g->out_type[k] == AVMEDIA_TYPE_VIDEO) {
    r.w = av_buffersink_get_w(s);
    r.h = av_buffersink_get_h(s);
    r.sar = av_buffersink_get_sample_aspect_ratio(s);
    r.frame_rate = av_buffersink_get_frame_rate(s);
  } else {
    r.sample_rate = av_buffersink_get_sample_rate(s);
    r.channels = av_buffersink_get_channels(s);
  }
  return r;
}

int cx_fcx_out_layout(const cx_fcx *g, int k, AVChannelLayout *layout) {
  if (k < 0 || k >= g->nout || g->out_type[k] != AVMEDIA_TYPE_AUDIO) return AVERROR(EINVAL);
  return av_buffersink_get_ch_layout(g->sink[k], layout);
}

void cx_fcx_close(cx_fcx **pg) {
  cx_fcx *g = pg ? *pg : NULL;
  if (!g) return;
  avfilter_graph_free(&g->graph);
  av_free(g);
  *pg = NULL;
}
