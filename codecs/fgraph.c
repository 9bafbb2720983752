/* Filter graph: one libavfilter chain from a buffer source to a buffer sink, fed frame by frame. */
#include "codecs/cx_internal.h"

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/avstring.h>
#include <libavutil/bprint.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>

struct cx_fgraph {
  AVFilterGraph *graph;
  AVFilterContext *src, *sink;
  enum AVMediaType type;
  /* what the source was configured for: a frame that differs needs a new graph */
  int w, h, format, sample_rate;
  AVChannelLayout layout;
  cx_src_clock clock;
  bool eof;
};

void cx_src_clock_init(cx_src_clock *c, AVRational tb, AVRational rate) {
  c->tb = tb;
  c->rate = rate;
  c->end = AV_NOPTS_VALUE;
}

/* The frame's duration in c->tb: the packet's, else one frame at the frame
 * rate, else its samples; 0 if none is known. */
static int64_t frame_duration(const cx_src_clock *c, const AVFrame *f) {
  if (f->pkt_duration > 0) return f->pkt_duration;
  if (f->nb_samples > 0 && f->sample_rate > 0)
    return av_rescale_q(f->nb_samples, (AVRational){1, f->sample_rate}, c->tb);
  if (c->rate.num > 0 && c->rate.den > 0) return av_rescale_q(1, av_inv_q(c->rate), c->tb);
  return 0;
}

int cx_src_push(AVFilterContext *src, cx_src_clock *c, const AVFrame *frame, bool push) {
  cx_oom_watch();
  if (!frame) {
    if (c->end == AV_NOPTS_VALUE) return cx_oom_check(av_buffersrc_add_frame_flags(src, NULL, 0));
    return cx_oom_check(av_buffersrc_close(src, c->end, AV_BUFFERSRC_FLAG_PUSH));
  }
  if (frame->pts != AV_NOPTS_VALUE) {
    int64_t end = frame->pts + frame_duration(c, frame);
    if (c->end == AV_NOPTS_VALUE || end > c->end) c->end = end;
  }
  /* KEEP_REF: the caller's frame stays its own (a new reference goes in). */
  return cx_oom_check(av_buffersrc_add_frame_flags(
      src, (AVFrame *)frame, AV_BUFFERSRC_FLAG_KEEP_REF | (push ? AV_BUFFERSRC_FLAG_PUSH : 0)));
}

/* Source arguments from the first frame, as ffmpeg's buffer/abuffer take them. */
int cx_fgraph_source_args(enum AVMediaType type, AVRational in_tb, AVRational frame_rate,
                          const AVFrame *f, AVBPrint *bp) {
  if (type == AVMEDIA_TYPE_VIDEO) {
    AVRational sar = f->sample_aspect_ratio;
    if (sar.num <= 0 || sar.den <= 0) sar = (AVRational){0, 1};
    av_bprintf(bp, "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d", f->width,
               f->height, f->format, in_tb.num, in_tb.den, sar.num, sar.den);
    if (frame_rate.num > 0 && frame_rate.den > 0)
      av_bprintf(bp, ":frame_rate=%d/%d", frame_rate.num, frame_rate.den);
    return 0;
  }
  char layout[128] = "";
  av_bprintf(bp, "time_base=%d/%d:sample_rate=%d:sample_fmt=%s", in_tb.num, in_tb.den,
             f->sample_rate, av_get_sample_fmt_name(f->format));
  if (f->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC &&
      av_channel_layout_describe(&f->ch_layout, layout, sizeof layout) > 0)
    av_bprintf(bp, ":channel_layout=%s", layout);
  else
    av_bprintf(bp, ":channels=%d", f->ch_layout.nb_channels);
  return 0;
}

int cx_fgraph_open(cx_fgraph **out, const cx_fgraph_opts *o, const AVFrame *first, char *err) {
  *out = NULL;
  bool video = o->type == AVMEDIA_TYPE_VIDEO;
  if (o->in_tb.num <= 0 || o->in_tb.den <= 0)
    return cx_fail(err, AVERROR(EINVAL), "filter graph: no input time base");
  if (video ? first->width <= 0 || first->height <= 0 || first->format < 0
            : first->sample_rate <= 0 || first->ch_layout.nb_channels <= 0 || first->format < 0)
    return cx_fail(err, AVERROR(EINVAL), "filter graph: unknown input %s",
                   video ? "size or format" : "rate, format or layout");
  cx_fgraph *g = av_mallocz(sizeof *g);
  if (!g) return AVERROR(ENOMEM);
  g->type = o->type;
  g->w = first->width;
  g->h = first->height;
  g->format = first->format;
  g->sample_rate = first->sample_rate;
  int ret = video ? 0 : av_channel_layout_copy(&g->layout, &first->ch_layout);
  AVFilterInOut *ins = NULL, *outs = NULL;
  AVBPrint args;
  av_bprint_init(&args, 0, AV_BPRINT_SIZE_UNLIMITED);
  const char *desc = o->desc && *o->desc ? o->desc : video ? "null" : "anull";
  if (ret < 0 || !(g->graph = avfilter_graph_alloc())) {
    ret = ret < 0 ? ret : AVERROR(ENOMEM);
    cx_fail(err, ret, "filter graph");
    goto fail;
  }
  g->graph->nb_threads = o->threads;
  if (o->swr_opts && *o->swr_opts) av_opt_set(g->graph, "aresample_swr_opts", o->swr_opts, 0);
  if (o->sws_opts && !(g->graph->scale_sws_opts = av_strdup(o->sws_opts))) {
    ret = cx_fail(err, AVERROR(ENOMEM), "filter graph");
    goto fail;
  }
  cx_src_clock_init(&g->clock, o->in_tb, o->frame_rate);
  cx_fgraph_source_args(o->type, o->in_tb, o->frame_rate, first, &args);
  if (!av_bprint_is_complete(&args)) {
    ret = cx_fail(err, AVERROR(ENOMEM), "filter graph");
    goto fail;
  }
  ret = avfilter_graph_create_filter(&g->src, avfilter_get_by_name(video ? "buffer" : "abuffer"),
                                     "in", args.str, NULL, g->graph);
  if (ret < 0) {
    cx_fail(err, ret, "filter graph: source (%s)", args.str);
    goto fail;
  }
  ret = avfilter_graph_create_filter(&g->sink,
                                     avfilter_get_by_name(video ? "buffersink" : "abuffersink"),
                                     "out", NULL, NULL, g->graph);
  /* As ffmpeg's: audio of a channel count without an order (its
   * -guess_layout_max) passes as it is. */
  if (ret >= 0 && !video)
    ret = av_opt_set_int(g->sink, "all_channel_counts", 1, AV_OPT_SEARCH_CHILDREN);
  if (ret < 0) {
    cx_fail(err, ret, "filter graph: sink");
    goto fail;
  }
  /* The description's open ends: its input is our source, its output our sink. */
  outs = avfilter_inout_alloc();
  ins = avfilter_inout_alloc();
  if (!outs || !ins) {
    ret = cx_fail(err, AVERROR(ENOMEM), "filter graph");
    goto fail;
  }
  outs->name = av_strdup("in");
  outs->filter_ctx = g->src;
  ins->name = av_strdup("out");
  ins->filter_ctx = g->sink;
  if (!outs->name || !ins->name) {
    ret = cx_fail(err, AVERROR(ENOMEM), "filter graph");
    goto fail;
  }
  ret = avfilter_graph_parse_ptr(g->graph, desc, &ins, &outs, NULL);
  if (ret < 0) {
    cx_fail(err, ret, "cannot parse filters '%s'", desc);
    goto fail;
  }
  if (ins || outs) {
    ret = cx_fail(err, AVERROR(EINVAL),
                  "filters '%s' must have one input and one output (unconnected pads)", desc);
    goto fail;
  }
  cx_oom_watch();
  ret = cx_oom_check(avfilter_graph_config(g->graph, NULL));
  if (ret < 0) {
    cx_fail(err, ret, "cannot configure filters '%s'", desc);
    goto fail;
  }
  if (!video && o->frame_size > 0) av_buffersink_set_frame_size(g->sink, (unsigned)o->frame_size);
  av_bprint_finalize(&args, NULL);
  *out = g;
  return 0;
fail:
  av_bprint_finalize(&args, NULL);
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  cx_fgraph_close(&g);
  return ret;
}

bool cx_fgraph_same_input(const cx_fgraph *g, const AVFrame *f) {
  if (g->type == AVMEDIA_TYPE_VIDEO)
    return f->width == g->w && f->height == g->h && f->format == g->format;
  return f->sample_rate == g->sample_rate && f->format == g->format &&
         !av_channel_layout_compare(&f->ch_layout, &g->layout);
}

int cx_fgraph_send(cx_fgraph *g, const AVFrame *frame) {
  if (g->eof) return AVERROR_EOF;
  if (!frame) g->eof = true;
  return cx_src_push(g->src, &g->clock, frame, false);
}

int cx_fgraph_receive(cx_fgraph *g, AVFrame *out) {
  cx_oom_watch();
  int ret = cx_oom_check(av_buffersink_get_frame_flags(g->sink, out, 0));
  if (ret < 0) av_frame_unref(out);
  return ret;
}

cx_fgraph_out cx_fgraph_output(const cx_fgraph *g) {
  cx_fgraph_out r = {0};
  r.tb = av_buffersink_get_time_base(g->sink);
  r.format = av_buffersink_get_format(g->sink);
  if (g->type == AVMEDIA_TYPE_VIDEO) {
    r.w = av_buffersink_get_w(g->sink);
    r.h = av_buffersink_get_h(g->sink);
    r.sar = av_buffersink_get_sample_aspect_ratio(g->sink);
    r.frame_rate = av_buffersink_get_frame_rate(g->sink);
  } else {
    r.sample_rate = av_buffersink_get_sample_rate(g->sink);
    r.channels = av_buffersink_get_channels(g->sink);
  }
  return r;
}

int cx_fgraph_out_layout(const cx_fgraph *g, AVChannelLayout *layout) {
  return av_buffersink_get_ch_layout(g->sink, layout);
}

void cx_fgraph_close(cx_fgraph **pg) {
  cx_fgraph *g = pg ? *pg : NULL;
  if (!g) return;
  avfilter_graph_free(&g->graph);
  av_channel_layout_uninit(&g->layout);
  av_free(g);
  *pg = NULL;
}

/* Sets one option on a filter that is not initialised: the filter's own
 * (enable, threads) or its private ones. */
static int set_arg(void *ud, const char *key, const char *value) {
  AVFilterContext *ctx = ud;
  if (!key) return AVERROR(EINVAL);
  if (av_opt_find(ctx, key, NULL, 0, 0)) return av_opt_set(ctx, key, value, 0);
  return av_opt_set(ctx->priv, key, value, AV_OPT_SEARCH_CHILDREN);
}

/* One filter of a chain, created alone in a scratch graph: an unknown name
 * or a refused option is reported with the filter it belongs to. Filters
 * that open files of their own (movie, amovie) would bypass the input's
 * protocol and format restrictions: refused before their init would open
 * the file. Filters that act outside the graph (load a plugin, write a
 * file) get their options checked without their init, which would already
 * do it. */
static int check_one(void *ud, const char *name, const char *args) {
  char *err = ud;
  if (!strcmp(name, "movie") || !strcmp(name, "amovie"))
    return cx_fail(err, AVERROR(EPERM), "filter '%s' (reads another file) is not allowed", name);
  const AVFilter *flt = avfilter_get_by_name(name);
  if (!flt) return cx_fail(err, AVERROR_FILTER_NOT_FOUND, "no such filter '%s'", name);
  AVFilterGraph *graph = avfilter_graph_alloc();
  if (!graph) return cx_fail(err, AVERROR(ENOMEM), "filter graph");
  AVFilterContext *ctx = avfilter_graph_alloc_filter(graph, flt, name);
  int ret;
  if (!ctx)
    ret = AVERROR(ENOMEM);
  else if (cx_filter_acts_outside(name, args))
    ret = cx_filter_args_each(flt, args, set_arg, ctx);
  else
    ret = avfilter_init_str(ctx, args);
  if (ret < 0)
    cx_fail(err, ret, "filter '%s'%s%s%s", name, args ? " ('" : "", args ? args : "",
            args ? "')" : "");
  cx_graph_free_quiet(&graph);
  return ret;
}

/* In a simple chain every filter takes one input and gives one output;
 * filters whose pads depend on their options are left to the build. */
static int check_ends(void *ud, const char *name, const char *args) {
  (void)args;
  const AVFilter *flt = avfilter_get_by_name(name);
  if (!flt || (flt->flags & (AVFILTER_FLAG_DYNAMIC_INPUTS | AVFILTER_FLAG_DYNAMIC_OUTPUTS)))
    return 0;
  unsigned nin = avfilter_filter_pad_count(flt, 0), nout = avfilter_filter_pad_count(flt, 1);
  if (nin == 1 && nout == 1) return 0;
  snprintf((char *)ud, CX_ERRLEN,
           "filter '%s' has %u inputs and %u outputs: a simple chain gives each filter one of "
           "each (-filter_complex links more)",
           name, nin, nout);
  return AVERROR(EINVAL);
}

int cx_fgraph_check_each(const char *chain, char *err) {
  return cx_fgraph_walk(chain, check_one, err);
}

int cx_fgraph_check(enum AVMediaType type, const char *chain, char *err) {
  if (!chain || !*chain) return 0;
  int ret = cx_fgraph_check_each(chain, err);
  if (ret < 0) return ret;
  /* The whole graph would initialise every filter: one that acts outside
   * it is initialised once, when the graph is built for the frames. Its
   * ends are counted from the filters' fixed pads instead, in a plain
   * chain (labels and ';' may link a filter's further pads). */
  if (cx_fgraph_acts_outside(chain))
    return strpbrk(chain, "[;") ? 0 : cx_fgraph_walk(chain, check_ends, err);
  AVFilterGraph *graph = avfilter_graph_alloc();
  if (!graph) return cx_fail(err, AVERROR(ENOMEM), "filter graph");
  AVFilterInOut *ins = NULL, *outs = NULL;
  /* Parsing creates and initialises every filter (names and options are
   * checked) without media: sizes and expressions are checked on the first
   * frame. */
  ret = avfilter_graph_parse2(graph, chain, &ins, &outs);
  if (ret < 0) {
    cx_fail(err, ret, "filters '%s'", chain);
  } else {
    int nin = 0, nout = 0;
    for (AVFilterInOut *p = ins; p; p = p->next)
      nin++;
    for (AVFilterInOut *p = outs; p; p = p->next)
      nout++;
    if (nin != 1 || nout != 1) {
      ret = cx_fail(err, AVERROR(EINVAL),
                    "filters '%s': a simple graph needs one input and one output, it has %d "
                    "and %d",
                    chain, nin, nout);
    } else {
      enum AVMediaType tin = avfilter_pad_get_type(ins->filter_ctx->input_pads, ins->pad_idx);
      enum AVMediaType tout = avfilter_pad_get_type(outs->filter_ctx->output_pads, outs->pad_idx);
      if (tin != type || tout != type)
        ret = cx_fail(err, AVERROR(EINVAL), "filters '%s' take and give %s, not %s", chain,
                      av_get_media_type_string(tin) ? av_get_media_type_string(tin) : "?",
                      av_get_media_type_string(type));
    }
  }
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  cx_graph_free_quiet(&graph);
  return ret;
}

/* ---- what an encoder accepts, as the filter that ends the graph ---------------- */

/* ffmpeg keeps mjpeg to its full-range formats unless compliance is relaxed. */
static const enum AVPixelFormat mjpeg_fmts[] = {AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P,
                                                AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_NONE};

int cx_fgraph_enc_video(const char *codec, enum AVPixelFormat want, char *buf, size_t n) {
  const AVCodec *c = cx_enc_find(codec, AV_CODEC_ID_NONE);
  buf[0] = 0;
  if (want != AV_PIX_FMT_NONE) {
    enum AVPixelFormat f = c ? cx_enc_pick_pix_fmt(c->name, c->id, want) : want;
    snprintf(buf, n, "format=pix_fmts=%s", av_get_pix_fmt_name(f));
    return 0;
  }
  if (!c || !c->pix_fmts) return 0;
  const enum AVPixelFormat *list = c->id == AV_CODEC_ID_MJPEG ? mjpeg_fmts : c->pix_fmts;
  size_t len = (size_t)snprintf(buf, n, "format=pix_fmts=");
  for (const enum AVPixelFormat *p = list; *p != AV_PIX_FMT_NONE && len < n; p++)
    len +=
        (size_t)snprintf(buf + len, n - len, "%s%s", p == list ? "" : "|", av_get_pix_fmt_name(*p));
  return len < n ? 0 : AVERROR(ENOSPC);
}

int cx_fgraph_enc_audio(const char *codec, enum AVSampleFormat want_fmt, int want_rate,
                        const AVChannelLayout *want_layout, char *buf, size_t n) {
  const AVCodec *c = cx_enc_find(codec, AV_CODEC_ID_NONE);
  AVBPrint bp;
  av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
  const char *sep = "";
  if (want_fmt != AV_SAMPLE_FMT_NONE) {
    enum AVSampleFormat f = c ? cx_enc_pick_sample_fmt(c->name, c->id, want_fmt) : want_fmt;
    av_bprintf(&bp, "sample_fmts=%s", av_get_sample_fmt_name(f));
    sep = ":";
  } else if (c && c->sample_fmts) {
    av_bprintf(&bp, "sample_fmts=");
    for (const enum AVSampleFormat *p = c->sample_fmts; *p != AV_SAMPLE_FMT_NONE; p++)
      av_bprintf(&bp, "%s%s", p == c->sample_fmts ? "" : "|", av_get_sample_fmt_name(*p));
    sep = ":";
  }
  if (want_rate > 0) {
    av_bprintf(&bp, "%ssample_rates=%d", sep, want_rate);
    sep = ":";
  } else if (c && c->supported_samplerates) {
    av_bprintf(&bp, "%ssample_rates=", sep);
    for (const int *p = c->supported_samplerates; *p; p++)
      av_bprintf(&bp, "%s%d", p == c->supported_samplerates ? "" : "|", *p);
    sep = ":";
  }
  char name[128];
  if (want_layout && want_layout->nb_channels > 0) {
    if (av_channel_layout_describe(want_layout, name, sizeof name) > 0)
      av_bprintf(&bp, "%schannel_layouts=%s", sep, name);
  } else if (c && c->ch_layouts) {
    av_bprintf(&bp, "%schannel_layouts=", sep);
    for (const AVChannelLayout *l = c->ch_layouts; l->nb_channels; l++)
      if (av_channel_layout_describe(l, name, sizeof name) > 0)
        av_bprintf(&bp, "%s%s", l == c->ch_layouts ? "" : "|", name);
  }
  int ret = 0;
  buf[0] = 0;
  if (!av_bprint_is_complete(&bp) || (bp.len && bp.len + 9 >= n))
    ret = AVERROR(ENOSPC);
  else if (bp.len)
    snprintf(buf, n, "aformat=%s", bp.str);
  av_bprint_finalize(&bp, NULL);
  return ret;
}

/* Filters whose output frame is the input frame at the same time, made from
 * it alone. Filters that read the timestamp (fade, drawtext, afade), hold
 * frames back, or make or drop frames are left out. */
static const char *const keeps_time[] = {
    "null",    "anull",      "scale",     "crop",     "format",     "noformat",  "pad",
    "setsar",  "setdar",     "transpose", "hflip",    "vflip",      "eq",        "unsharp",
    "hue",     "lut",        "lutrgb",    "lutyuv",   "colorspace", "setparams", "setrange",
    "boxblur", "gblur",      "hqdn3d",    "deband",   "zscale",     "aformat",   "volume",
    "pan",     "channelmap", "aresample", "highpass", "lowpass",    "bandpass",  "equalizer",
    "copy",    "acopy",      NULL};

bool cx_fgraph_keeps_time(const char *chain) {
  if (!chain || !*chain) return true;
  /* Parsing would run the init of a filter that acts outside the graph. */
  if (cx_fgraph_acts_outside(chain)) return false;
  AVFilterGraph *graph = avfilter_graph_alloc();
  AVFilterInOut *ins = NULL, *outs = NULL;
  bool keeps = graph && avfilter_graph_parse2(graph, chain, &ins, &outs) >= 0;
  for (unsigned i = 0; keeps && i < graph->nb_filters; i++) {
    const char *name = graph->filters[i]->filter->name;
    bool found = false;
    for (int k = 0; keeps_time[k] && !found; k++)
      found = !strcmp(name, keeps_time[k]);
    /* aresample with its own clock options (async, first_pts) moves time. */
    if (found && !strcmp(name, "aresample") && strstr(chain, "async")) found = false;
    keeps = found;
  }
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  cx_graph_free_quiet(&graph);
  return keeps;
}

/* Filters that keep or drop each frame by what it shows (select's scenes,
 * thumbnail's pick), so how many come out by when cannot be told before. */
static const char *const drops_frames[] = {"select", "thumbnail", "mpdecimate", "decimate", NULL};

/* Filters that may rightly give no frame at all from a short input: those
 * above, and those that keep one frame per span of time or a window. */
static const char *const may_drop_all[] = {"select",   "aselect", "thumbnail", "mpdecimate",
                                           "decimate", "fps",     "framestep", "trim",
                                           "atrim",    NULL};

typedef struct name_find {
  const char *const *list;
  bool found;
} name_find;

static int find_name(void *ud, const char *name, const char *args) {
  name_find *f = ud;
  (void)args;
  for (int k = 0; f->list[k]; k++)
    if (!strcmp(name, f->list[k])) f->found = true;
  return 0;
}

/* True when chain holds a filter of list; unparsable is unparsable_is. */
static bool holds_one_of(const char *chain, const char *const *list, bool unparsable_is) {
  if (!chain || !*chain) return false;
  /* Names read from the text: parsing would run the init of a filter that
   * acts outside the graph. */
  if (cx_fgraph_acts_outside(chain)) {
    name_find f = {list, false};
    return cx_fgraph_walk(chain, find_name, &f) < 0 ? unparsable_is : f.found;
  }
  AVFilterGraph *graph = avfilter_graph_alloc();
  AVFilterInOut *ins = NULL, *outs = NULL;
  bool parsed = graph && avfilter_graph_parse2(graph, chain, &ins, &outs) >= 0;
  bool found = !parsed && unparsable_is;
  for (unsigned i = 0; parsed && !found && i < graph->nb_filters; i++)
    for (int k = 0; list[k] && !found; k++)
      found = !strcmp(graph->filters[i]->filter->name, list[k]);
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  cx_graph_free_quiet(&graph);
  return found;
}

bool cx_fgraph_drops_frames(const char *chain) {
  return holds_one_of(chain, drops_frames, true);
}

bool cx_fgraph_may_drop_all(const char *chain) {
  return holds_one_of(chain, may_drop_all, false);
}

AVRational cx_fgraph_video_rate(const char *chain, int w, int h, AVRational tb, AVRational rate) {
  AVRational r = {0, 1};
  /* Unknown for a chain whose trial build would act outside the graph. */
  if (cx_fgraph_acts_outside(chain)) return r;
  AVFrame *f = chain && *chain && w > 0 && h > 0 ? av_frame_alloc() : NULL;
  if (!f) return r;
  f->width = w;
  f->height = h;
  f->format = AV_PIX_FMT_YUV420P; /* the rate does not depend on it */
  cx_fgraph_opts o = {
      .type = AVMEDIA_TYPE_VIDEO, .desc = chain, .in_tb = tb, .frame_rate = rate, .threads = 1};
  cx_fgraph *g = NULL;
  char err[CX_ERRLEN];
  if (cx_fgraph_open(&g, &o, f, err) >= 0) r = cx_fgraph_output(g).frame_rate;
  cx_fgraph_close(&g);
  av_frame_free(&f);
  return r;
}

bool cx_swr_option(const char *name) {
  const AVClass *swr = swr_get_class(), *cc = avcodec_get_class(), *fc = avformat_get_class();
  int f = AV_OPT_SEARCH_FAKE_OBJ;
  return av_opt_find(&swr, name, NULL, 0, f) && !av_opt_find(&cc, name, NULL, 0, f) &&
         !av_opt_find(&fc, name, NULL, 0, f);
}
