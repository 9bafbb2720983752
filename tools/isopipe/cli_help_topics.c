/* ffmpeg's -h TOPIC=NAME: one codec, format, filter, bitstream filter or protocol with its
 * AVOptions, as ffmpeg prints it. */
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <stdarg.h>
#include <string.h>

#include "tools/isopipe/cli_lists.h"

static FILE *g_out;

/* The options' lines come through av_log; like ffmpeg's help, every level
 * is printed, since -v only quiets the run that follows. */
static void help_log(void *avcl, int level, const char *fmt, va_list vl) {
  (void)avcl;
  (void)level;
  vfprintf(g_out, fmt, vl);
}

/* The class's AVOptions, then those of its child classes. */
static void class_opts(const AVClass *cls, int flags) {
  void *it = NULL;
  const AVClass *child;
  if (cls->option) {
    av_opt_show2(&cls, NULL, flags, 0);
    fputc('\n', g_out);
  }
  while ((child = av_opt_child_class_iterate(cls, &it)))
    class_opts(child, flags);
}

static void codec_caps(const AVCodec *c) {
  static const struct {
    int cap;
    const char *name;
  } caps[] = {{AV_CODEC_CAP_DRAW_HORIZ_BAND, "horizband"},
              {AV_CODEC_CAP_DR1, "dr1"},
              {AV_CODEC_CAP_DELAY, "delay"},
              {AV_CODEC_CAP_SMALL_LAST_FRAME, "small"},
              {AV_CODEC_CAP_EXPERIMENTAL, "exp"},
              {AV_CODEC_CAP_CHANNEL_CONF, "chconf"},
              {AV_CODEC_CAP_PARAM_CHANGE, "paramchange"},
              {AV_CODEC_CAP_VARIABLE_FRAME_SIZE, "variable"},
              {AV_CODEC_CAP_FRAME_THREADS | AV_CODEC_CAP_SLICE_THREADS | AV_CODEC_CAP_OTHER_THREADS,
               "threads"},
              {AV_CODEC_CAP_AVOID_PROBING, "avoidprobe"},
              {AV_CODEC_CAP_HARDWARE, "hardware"},
              {AV_CODEC_CAP_HYBRID, "hybrid"}};
  fprintf(g_out, "    General capabilities: ");
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
    if (c->capabilities & caps[i].cap) fprintf(g_out, "%s ", caps[i].name);
  if (!c->capabilities) fprintf(g_out, "none");
  fputc('\n', g_out);
  if (c->type != AVMEDIA_TYPE_VIDEO && c->type != AVMEDIA_TYPE_AUDIO) return;
  int th = c->capabilities &
           (AV_CODEC_CAP_FRAME_THREADS | AV_CODEC_CAP_SLICE_THREADS | AV_CODEC_CAP_OTHER_THREADS);
  fprintf(g_out, "    Threading capabilities: %s\n",
          th == (AV_CODEC_CAP_FRAME_THREADS | AV_CODEC_CAP_SLICE_THREADS) ? "frame and slice"
          : th == AV_CODEC_CAP_FRAME_THREADS                              ? "frame"
          : th == AV_CODEC_CAP_SLICE_THREADS                              ? "slice"
          : th == AV_CODEC_CAP_OTHER_THREADS                              ? "other"
                                                                          : "none");
}

static void codec_supported(const AVCodec *c) {
  if (c->supported_framerates) {
    fprintf(g_out, "    Supported framerates:");
    for (const AVRational *r = c->supported_framerates; r->num; r++)
      fprintf(g_out, " %d/%d", r->num, r->den);
    fputc('\n', g_out);
  }
  if (c->pix_fmts) {
    fprintf(g_out, "    Supported pixel formats:");
    for (const enum AVPixelFormat *p = c->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
      fprintf(g_out, " %s", av_get_pix_fmt_name(*p));
    fputc('\n', g_out);
  }
  if (c->supported_samplerates) {
    fprintf(g_out, "    Supported sample rates:");
    for (const int *r = c->supported_samplerates; *r; r++)
      fprintf(g_out, " %d", *r);
    fputc('\n', g_out);
  }
  if (c->sample_fmts) {
    fprintf(g_out, "    Supported sample formats:");
    for (const enum AVSampleFormat *f = c->sample_fmts; *f != AV_SAMPLE_FMT_NONE; f++)
      fprintf(g_out, " %s", av_get_sample_fmt_name(*f));
    fputc('\n', g_out);
  }
  if (c->ch_layouts) {
    fprintf(g_out, "    Supported channel layouts:");
    for (const AVChannelLayout *l = c->ch_layouts; l->nb_channels; l++) {
      char name[128];
      av_channel_layout_describe(l, name, sizeof name);
      fprintf(g_out, " %s", name);
    }
    fputc('\n', g_out);
  }
}

static void help_codec_one(const AVCodec *c) {
  fprintf(g_out, "%s %s [%s]:\n", av_codec_is_encoder(c) ? "Encoder" : "Decoder", c->name,
          c->long_name ? c->long_name : "");
  codec_caps(c);
  codec_supported(c);
  if (c->priv_class)
    class_opts(c->priv_class, AV_OPT_FLAG_ENCODING_PARAM | AV_OPT_FLAG_DECODING_PARAM);
}

static int help_codec(const char *name, int enc) {
  const AVCodec *c = enc ? avcodec_find_encoder_by_name(name) : avcodec_find_decoder_by_name(name);
  const AVCodecDescriptor *d;
  if (c) {
    help_codec_one(c);
    return 0;
  }
  if (!(d = avcodec_descriptor_get_by_name(name))) {
    fprintf(stderr, "Codec '%s' is not recognized by FFmpeg.\n", name);
    return 1;
  }
  void *it = NULL;
  int any = 0;
  while ((c = cli_codec_next(d->id, &it, enc)))
    any = 1, help_codec_one(c);
  if (!any)
    fprintf(stderr, "Codec '%s' is known to FFmpeg, but no %s for it are available.\n", name,
            enc ? "encoders" : "decoders");
  return !any;
}

static int help_format(const char *name, int mux) {
  const AVOutputFormat *of = mux ? av_guess_format(name, NULL, NULL) : NULL;
  const AVInputFormat *inf = mux ? NULL : av_find_input_format(name);
  if (!of && !inf) {
    fprintf(stderr, "Unknown format '%s'.\n", name);
    return 1;
  }
  const char *ext = of ? of->extensions : inf->extensions;
  fprintf(g_out, "%s %s [%s]:\n", of ? "Muxer" : "Demuxer", of ? of->name : inf->name,
          of ? of->long_name : inf->long_name);
  if (ext) fprintf(g_out, "    Common extensions: %s.\n", ext);
  if (of) {
    const AVCodecDescriptor *d;
    if (of->mime_type) fprintf(g_out, "    Mime type: %s.\n", of->mime_type);
    if (of->video_codec != AV_CODEC_ID_NONE && (d = avcodec_descriptor_get(of->video_codec)))
      fprintf(g_out, "    Default video codec: %s.\n", d->name);
    if (of->audio_codec != AV_CODEC_ID_NONE && (d = avcodec_descriptor_get(of->audio_codec)))
      fprintf(g_out, "    Default audio codec: %s.\n", d->name);
    if (of->subtitle_codec != AV_CODEC_ID_NONE && (d = avcodec_descriptor_get(of->subtitle_codec)))
      fprintf(g_out, "    Default subtitle codec: %s.\n", d->name);
  }
  const AVClass *cls = of ? of->priv_class : inf->priv_class;
  if (cls) class_opts(cls, of ? AV_OPT_FLAG_ENCODING_PARAM : AV_OPT_FLAG_DECODING_PARAM);
  return 0;
}

static void help_pads(const AVFilter *f, int out) {
  const AVFilterPad *pads = out ? f->outputs : f->inputs;
  unsigned n = avfilter_filter_pad_count(f, out);
  fprintf(g_out, "    %s:\n", out ? "Outputs" : "Inputs");
  for (unsigned i = 0; i < n; i++)
    fprintf(g_out, "       #%u: %s (%s)\n", i, avfilter_pad_get_name(pads, (int)i),
            av_get_media_type_string(avfilter_pad_get_type(pads, (int)i)));
  if (f->flags & (out ? AVFILTER_FLAG_DYNAMIC_OUTPUTS : AVFILTER_FLAG_DYNAMIC_INPUTS))
    fprintf(g_out, "        dynamic (depending on the options)\n");
  else if (!n)
    fprintf(g_out, "        none (%s filter)\n", out ? "sink" : "source");
}

static int help_filter(const char *name) {
  const AVFilter *f = avfilter_get_by_name(name);
  if (!f) {
    fprintf(stderr, "Unknown filter '%s'.\n", name);
    return 1;
  }
  fprintf(g_out, "Filter %s\n", f->name);
  if (f->description) fprintf(g_out, "  %s\n", f->description);
  if (f->flags & AVFILTER_FLAG_SLICE_THREADS) fprintf(g_out, "    slice threading supported\n");
  help_pads(f, 0);
  help_pads(f, 1);
  if (f->priv_class)
    class_opts(f->priv_class,
               AV_OPT_FLAG_VIDEO_PARAM | AV_OPT_FLAG_FILTERING_PARAM | AV_OPT_FLAG_AUDIO_PARAM);
  if (f->flags & AVFILTER_FLAG_SUPPORT_TIMELINE)
    fprintf(g_out, "This filter has support for timeline through the 'enable' option.\n");
  return 0;
}

static int help_bsf(const char *name) {
  const AVBitStreamFilter *b = av_bsf_get_by_name(name);
  if (!b) {
    fprintf(stderr, "Unknown bit stream filter '%s'.\n", name);
    return 1;
  }
  fprintf(g_out, "Bit stream filter %s\n", b->name);
  if (b->codec_ids) {
    fprintf(g_out, "    Supported codecs:");
    for (const enum AVCodecID *id = b->codec_ids; *id != AV_CODEC_ID_NONE; id++)
      fprintf(g_out, " %s", avcodec_get_name(*id));
    fputc('\n', g_out);
  }
  if (b->priv_class) class_opts(b->priv_class, AV_OPT_FLAG_BSF_PARAM);
  return 0;
}

static int help_protocol(const char *name) {
  const AVClass *cls = avio_protocol_get_class(name);
  if (!cls) {
    fprintf(stderr, "Unknown protocol '%s'.\n", name);
    return 1;
  }
  class_opts(cls, AV_OPT_FLAG_DECODING_PARAM | AV_OPT_FLAG_ENCODING_PARAM);
  return 0;
}

int cli_help_topic(const char *topic, FILE *out) {
  const char *eq = strchr(topic, '=');
  size_t k = eq ? (size_t)(eq - topic) : strlen(topic);
  const char *name = eq ? eq + 1 : "";
  int rc = -1;
  g_out = out;
  av_log_set_callback(help_log);
#define IS(t) (k == strlen(t) && !strncmp(topic, t, k))
  if (IS("decoder") || IS("encoder"))
    rc = help_codec(name, IS("encoder"));
  else if (IS("demuxer") || IS("muxer"))
    rc = help_format(name, IS("muxer"));
  else if (IS("filter"))
    rc = help_filter(name);
  else if (IS("bsf"))
    rc = help_bsf(name);
  else if (IS("protocol"))
    rc = help_protocol(name);
#undef IS
  fflush(out);
  av_log_set_callback(av_log_default_callback);
  return rc;
}
