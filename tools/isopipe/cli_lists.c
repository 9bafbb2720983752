/* What the linked FFmpeg libraries offer, listed as ffmpeg lists it (-formats, -encoders, -h
 * filter=NAME ...), because programs read these lists to decide which command lines to send. */
#include "tools/isopipe/cli_lists.h"

#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static FILE *g_out;

static char type_char(enum AVMediaType t) {
  switch (t) {
  case AVMEDIA_TYPE_VIDEO:
    return 'V';
  case AVMEDIA_TYPE_AUDIO:
    return 'A';
  case AVMEDIA_TYPE_DATA:
    return 'D';
  case AVMEDIA_TYPE_SUBTITLE:
    return 'S';
  case AVMEDIA_TYPE_ATTACHMENT:
    return 'T';
  default:
    return '?';
  }
}

/* ---- formats: muxers and demuxers merged by name, in strcmp order ---- */

typedef struct {
  const char *name, *long_name;
  int mux, demux;
} fmt_row;

static int row_cmp(const void *a, const void *b) {
  return strcmp(((const fmt_row *)a)->name, ((const fmt_row *)b)->name);
}

/* A row per distinct name; a name both muxer and demuxer carry shows the
 * muxer's long name, as ffmpeg's list does. */
static void show_formats(int want_mux, int want_demux) {
  size_t n = 0, cap = 0;
  fmt_row *rows = NULL;
  void *it = NULL;
  const AVOutputFormat *of;
  const AVInputFormat *inf;
  fprintf(g_out, "File formats:\n D. = Demuxing supported\n .E = Muxing supported\n --\n");
  for (int pass = 0; pass < 2; pass++) {
    it = NULL;
    for (;;) {
      const char *name, *ln;
      if (pass == 0) {
        if (!want_mux || !(of = av_muxer_iterate(&it))) break;
        name = of->name, ln = of->long_name;
      } else {
        if (!want_demux || !(inf = av_demuxer_iterate(&it))) break;
        name = inf->name, ln = inf->long_name;
      }
      size_t k = 0;
      while (k < n && strcmp(rows[k].name, name))
        k++;
      if (k == n) {
        if (n == cap) {
          cap = cap ? 2 * cap : 256;
          fmt_row *nr = realloc(rows, cap * sizeof *rows);
          if (!nr) break;
          rows = nr;
        }
        rows[n++] = (fmt_row){name, ln, 0, 0};
      }
      if (pass == 0)
        rows[k].mux = 1;
      else
        rows[k].demux = 1;
    }
  }
  qsort(rows, n, sizeof *rows, row_cmp);
  for (size_t k = 0; k < n; k++)
    fprintf(g_out, " %c%c %-15s %s\n", rows[k].demux ? 'D' : ' ', rows[k].mux ? 'E' : ' ',
            rows[k].name, rows[k].long_name ? rows[k].long_name : " ");
  free(rows);
}

/* ---- codecs, encoders, decoders: by media type, then name ---- */

static int desc_cmp(const void *a, const void *b) {
  const AVCodecDescriptor *x = *(const AVCodecDescriptor *const *)a;
  const AVCodecDescriptor *y = *(const AVCodecDescriptor *const *)b;
  if (x->type != y->type) return x->type < y->type ? -1 : 1;
  return strcmp(x->name, y->name);
}

static const AVCodecDescriptor **sorted_descs(size_t *n) {
  const AVCodecDescriptor *d = NULL, **v;
  size_t k = 0;
  *n = 0;
  while ((d = avcodec_descriptor_next(d)))
    (*n)++;
  if (!(v = calloc(*n ? *n : 1, sizeof *v))) return NULL;
  while ((d = avcodec_descriptor_next(d)))
    v[k++] = d;
  qsort(v, *n, sizeof *v, desc_cmp);
  return v;
}

const AVCodec *cli_codec_next(enum AVCodecID id, void **it, int enc) {
  const AVCodec *c;
  while ((c = av_codec_iterate(it)))
    if (c->id == id && (enc ? av_codec_is_encoder(c) : av_codec_is_decoder(c))) return c;
  return NULL;
}

/* Names the implementations when one differs from the codec's own name. */
static void codec_impls(const AVCodecDescriptor *d, int enc) {
  void *it = NULL;
  const AVCodec *c;
  int other = 0;
  while ((c = cli_codec_next(d->id, &it, enc)))
    other |= strcmp(c->name, d->name) != 0;
  if (!other) return;
  fprintf(g_out, " (%s: ", enc ? "encoders" : "decoders");
  it = NULL;
  while ((c = cli_codec_next(d->id, &it, enc)))
    fprintf(g_out, "%s ", c->name);
  fputc(')', g_out);
}

static void show_codecs(void) {
  size_t n;
  const AVCodecDescriptor **v = sorted_descs(&n);
  if (!v) return;
  fprintf(g_out, "Codecs:\n D..... = Decoding supported\n .E.... = Encoding supported\n"
                 " ..V... = Video codec\n ..A... = Audio codec\n ..S... = Subtitle codec\n"
                 " ..D... = Data codec\n ..T... = Attachment codec\n"
                 " ...I.. = Intra frame-only codec\n ....L. = Lossy compression\n"
                 " .....S = Lossless compression\n -------\n");
  for (size_t i = 0; i < n; i++) {
    const AVCodecDescriptor *d = v[i];
    if (strstr(d->name, "_deprecated")) continue;
    fprintf(
        g_out, " %c%c%c%c%c%c %-20s %s", avcodec_find_decoder(d->id) ? 'D' : '.',
        avcodec_find_encoder(d->id) ? 'E' : '.', type_char(d->type),
        d->props & AV_CODEC_PROP_INTRA_ONLY ? 'I' : '.', d->props & AV_CODEC_PROP_LOSSY ? 'L' : '.',
        d->props & AV_CODEC_PROP_LOSSLESS ? 'S' : '.', d->name, d->long_name ? d->long_name : "");
    codec_impls(d, 0);
    codec_impls(d, 1);
    fputc('\n', g_out);
  }
  free(v);
}

static void show_impls(int enc) {
  size_t n;
  const AVCodecDescriptor **v = sorted_descs(&n);
  if (!v) return;
  fprintf(g_out,
          "%s:\n V..... = Video\n A..... = Audio\n S..... = Subtitle\n"
          " .F.... = Frame-level multithreading\n ..S... = Slice-level multithreading\n"
          " ...X.. = Codec is experimental\n ....B. = Supports draw_horiz_band\n"
          " .....D = Supports direct rendering method 1\n ------\n",
          enc ? "Encoders" : "Decoders");
  for (size_t i = 0; i < n; i++) {
    void *it = NULL;
    const AVCodec *c;
    while ((c = cli_codec_next(v[i]->id, &it, enc))) {
      int cap = c->capabilities;
      fprintf(g_out, " %c%c%c%c%c%c %-20s %s", type_char(v[i]->type),
              cap & AV_CODEC_CAP_FRAME_THREADS ? 'F' : '.',
              cap & AV_CODEC_CAP_SLICE_THREADS ? 'S' : '.',
              cap & AV_CODEC_CAP_EXPERIMENTAL ? 'X' : '.',
              cap & AV_CODEC_CAP_DRAW_HORIZ_BAND ? 'B' : '.', cap & AV_CODEC_CAP_DR1 ? 'D' : '.',
              c->name, c->long_name ? c->long_name : "");
      if (strcmp(c->name, v[i]->name)) fprintf(g_out, " (codec %s)", v[i]->name);
      fputc('\n', g_out);
    }
  }
  free(v);
}

/* ---- the shorter lists ---- */

static void show_bsfs(void) {
  void *it = NULL;
  const AVBitStreamFilter *b;
  fprintf(g_out, "Bitstream filters:\n");
  while ((b = av_bsf_iterate(&it)))
    fprintf(g_out, "%s\n", b->name);
  fputc('\n', g_out);
}

static void show_protocols(void) {
  void *it = NULL;
  const char *name;
  fprintf(g_out, "Supported file protocols:\nInput:\n");
  while ((name = avio_enum_protocols(&it, 0)))
    fprintf(g_out, "  %s\n", name);
  fprintf(g_out, "Output:\n");
  while ((name = avio_enum_protocols(&it, 1)))
    fprintf(g_out, "  %s\n", name);
}

/* A pad list reads like "VV->V"; no pads reads N (dynamic) or | (source or
 * sink). The description is bounded as ffmpeg bounds it. */
static void pad_sig(const AVFilter *f, int out, char *s, size_t *k, size_t cap) {
  const AVFilterPad *pads = out ? f->outputs : f->inputs;
  unsigned n = avfilter_filter_pad_count(f, out), j;
  for (j = 0; j < n && *k < cap - 4; j++)
    s[(*k)++] = type_char(avfilter_pad_get_type(pads, j));
  if (!j) {
    int dyn = f->flags & (out ? AVFILTER_FLAG_DYNAMIC_OUTPUTS : AVFILTER_FLAG_DYNAMIC_INPUTS);
    s[(*k)++] = dyn ? 'N' : '|';
  }
}

static void show_filters(void) {
  void *it = NULL;
  const AVFilter *f;
  fprintf(g_out, "Filters:\n  T.. = Timeline support\n  .S. = Slice threading\n"
                 "  ..C = Command support\n  A = Audio input/output\n  V = Video input/output\n"
                 "  N = Dynamic number and/or type of input/output\n"
                 "  | = Source or sink filter\n");
  while ((f = av_filter_iterate(&it))) {
    char sig[64];
    size_t k = 0;
    pad_sig(f, 0, sig, &k, sizeof sig);
    sig[k++] = '-';
    sig[k++] = '>';
    pad_sig(f, 1, sig, &k, sizeof sig);
    sig[k] = 0;
    fprintf(g_out, " %c%c%c %-17s %-10s %s\n",
            f->flags & AVFILTER_FLAG_SUPPORT_TIMELINE ? 'T' : '.',
            f->flags & AVFILTER_FLAG_SLICE_THREADS ? 'S' : '.', f->process_command ? 'C' : '.',
            f->name, sig, f->description ? f->description : "(null)");
  }
}

static void show_pix_fmts(void) {
  const AVPixFmtDescriptor *d = NULL;
  fprintf(g_out, "Pixel formats:\nI.... = Supported Input  format for conversion\n"
                 ".O... = Supported Output format for conversion\n"
                 "..H.. = Hardware accelerated format\n...P. = Paletted format\n"
                 "....B = Bitstream format\n"
                 "FLAGS NAME            NB_COMPONENTS BITS_PER_PIXEL BIT_DEPTHS\n-----\n");
  while ((d = av_pix_fmt_desc_next(d))) {
    enum AVPixelFormat id = av_pix_fmt_desc_get_id(d);
    fprintf(g_out, "%c%c%c%c%c %-16s       %d            %3d      %d",
            sws_isSupportedInput(id) ? 'I' : '.', sws_isSupportedOutput(id) ? 'O' : '.',
            d->flags & AV_PIX_FMT_FLAG_HWACCEL ? 'H' : '.',
            d->flags & AV_PIX_FMT_FLAG_PAL ? 'P' : '.',
            d->flags & AV_PIX_FMT_FLAG_BITSTREAM ? 'B' : '.', d->name, d->nb_components,
            av_get_bits_per_pixel(d), d->comp[0].depth);
    for (int i = 1; i < d->nb_components; i++)
      fprintf(g_out, "-%d", d->comp[i].depth);
    fputc('\n', g_out);
  }
}

static void show_layouts(void) {
  char a[128], b[128];
  void *it = NULL;
  const AVChannelLayout *l;
  fprintf(g_out, "Individual channels:\nNAME           DESCRIPTION\n");
  for (int i = 0; i < 63; i++) {
    av_channel_name(a, sizeof a, i);
    if (strstr(a, "USR")) continue;
    av_channel_description(b, sizeof b, i);
    fprintf(g_out, "%-14s %s\n", a, b);
  }
  fprintf(g_out, "\nStandard channel layouts:\nNAME           DECOMPOSITION\n");
  while ((l = av_channel_layout_standard(&it))) {
    av_channel_layout_describe(l, a, sizeof a);
    fprintf(g_out, "%-14s ", a);
    for (int i = 0; i < 63; i++) {
      int idx = av_channel_layout_index_from_channel(l, i);
      if (idx < 0) continue;
      av_channel_name(b, sizeof b, i);
      fprintf(g_out, "%s%s", idx ? "+" : "", b);
    }
    fputc('\n', g_out);
  }
}

static void show_sample_fmts(void) {
  char s[128];
  for (int i = -1; i < AV_SAMPLE_FMT_NB; i++)
    fprintf(g_out, "%s\n", av_get_sample_fmt_string(s, sizeof s, i));
}

static void show_dispositions(void) {
  for (int i = 0; i < 32; i++) {
    const char *s = av_disposition_to_string(1U << i);
    if (s) fprintf(g_out, "%s\n", s);
  }
}

static void show_colors(void) {
  const char *name;
  const uint8_t *rgb;
  fprintf(g_out, "%-32s #RRGGBB\n", "name");
  for (int i = 0; (name = av_get_known_color_name(i, &rgb)); i++)
    fprintf(g_out, "%-32s #%02x%02x%02x\n", name, rgb[0], rgb[1], rgb[2]);
}

/* isopipe decodes in software only, so it names no acceleration method:
 * a program that reads this list must not ask for one. */
static void show_hwaccels(void) {
  fprintf(g_out, "Hardware acceleration methods:\n\n");
}

/* Split at " --" as ffmpeg does, keeping "pkg-config --static" whole. */
static void show_buildconf(void) {
  const char *c = avutil_configuration();
  fprintf(g_out, "\n  configuration:\n");
  while (*c == ' ')
    c++;
  while (*c) {
    const char *e = c;
    for (;;) {
      e = strstr(e, " --");
      if (!e || e - c < 10 || strncmp(e - 10, "pkg-config", 10)) break;
      e += 3;
    }
    size_t len = e ? (size_t)(e - c) : strlen(c);
    fprintf(g_out, "    %.*s\n", (int)len, c);
    c += len;
    while (*c == ' ')
      c++;
  }
}

static void show_license(void) {
  fprintf(g_out,
          "isopipe links FFmpeg's libraries, whose license is: %s\n"
          "isopipe's own terms are those of its source distribution.\n",
          avutil_license());
}

typedef struct {
  const char *opt;
  void (*show)(void);
} list_def;

static void fmts_all(void) {
  show_formats(1, 1);
}
static void fmts_mux(void) {
  show_formats(1, 0);
}
static void fmts_demux(void) {
  show_formats(0, 1);
}
static void impl_enc(void) {
  show_impls(1);
}
static void impl_dec(void) {
  show_impls(0);
}
/* isopipe reads and writes files and streams, never capture devices. */
static void no_devices(void) {
  fprintf(g_out, "Devices:\n D. = Demuxing supported\n .E = Muxing supported\n --\n");
}

static const list_def g_lists[] = {
    {"L", show_license},
    {"buildconf", show_buildconf},
    {"formats", fmts_all},
    {"muxers", fmts_mux},
    {"demuxers", fmts_demux},
    {"devices", no_devices},
    {"codecs", show_codecs},
    {"decoders", impl_dec},
    {"encoders", impl_enc},
    {"bsfs", show_bsfs},
    {"protocols", show_protocols},
    {"filters", show_filters},
    {"pix_fmts", show_pix_fmts},
    {"layouts", show_layouts},
    {"sample_fmts", show_sample_fmts},
    {"dispositions", show_dispositions},
    {"colors", show_colors},
    {"hwaccels", show_hwaccels},
};

int cli_list_known(const char *name) {
  for (size_t i = 0; i < sizeof g_lists / sizeof g_lists[0]; i++)
    if (!strcmp(g_lists[i].opt, name)) return 1;
  return 0;
}

int cli_list_print(const char *name, FILE *out) {
  g_out = out;
  for (size_t i = 0; i < sizeof g_lists / sizeof g_lists[0]; i++)
    if (!strcmp(g_lists[i].opt, name)) {
      g_lists[i].show();
      return 0;
    }
  return -1;
}
