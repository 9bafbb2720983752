/* Bitmap subtitles as video (ffmpeg's sub2video): a subtitle decoder and the RGB32 canvas its
 * pictures are drawn on. */
#include <libavutil/imgutils.h>

#include "codecs/cx_internal.h"

struct cx_s2v {
  AVCodecContext *dec;
  int fallback_w, fallback_h;
};

bool cx_s2v_bitmap(enum AVCodecID id) {
  const AVCodecDescriptor *d = avcodec_descriptor_get(id);
  /* A stream with neither property (DVB teletext) decodes to either kind:
   * ffmpeg lets it in and draws only its bitmaps. */
  return !d || !(d->props & AV_CODEC_PROP_TEXT_SUB) || (d->props & AV_CODEC_PROP_BITMAP_SUB);
}

int cx_s2v_open(cx_s2v **out, const AVCodecParameters *par, AVRational pkt_tb, int canvas_w,
                int canvas_h, int fallback_w, int fallback_h, char *err) {
  *out = NULL;
  const AVCodec *dc = avcodec_find_decoder(par->codec_id);
  if (!dc)
    return cx_fail(err, AVERROR_DECODER_NOT_FOUND, "no decoder for %s subtitles",
                   avcodec_get_name(par->codec_id));
  cx_s2v *s = av_mallocz(sizeof *s);
  if (!s || !(s->dec = avcodec_alloc_context3(dc))) {
    av_free(s);
    return cx_fail(err, AVERROR(ENOMEM), "subtitles");
  }
  int ret = avcodec_parameters_to_context(s->dec, par);
  s->dec->pkt_timebase = pkt_tb;
  /* -canvas_size is the decoder's size, as ffmpeg sets it (a decoder that
   * knows its own, as PGS, may still change it). */
  if (canvas_w > 0 && canvas_h > 0) {
    s->dec->width = canvas_w;
    s->dec->height = canvas_h;
  }
  if (ret >= 0) ret = avcodec_open2(s->dec, dc, NULL);
  if (ret < 0) {
    cx_s2v_close(&s);
    return cx_fail(err, ret, "cannot open the %s subtitle decoder", dc->name);
  }
  s->fallback_w = fallback_w > 0 ? fallback_w : 720;
  s->fallback_h = fallback_h > 0 ? fallback_h : 576;
  *out = s;
  return 0;
}

int cx_s2v_decode(cx_s2v *s, const AVPacket *pkt, AVSubtitle *sub, int *got) {
  *got = 0;
  AVPacket *empty = NULL;
  if (!pkt) {
    /* The end: a decoder that holds a subtitle gives it to an empty packet. */
    if (!(s->dec->codec->capabilities & AV_CODEC_CAP_DELAY)) return 0;
    if (!(empty = av_packet_alloc())) return AVERROR(ENOMEM);
    pkt = empty;
  }
  int r = avcodec_decode_subtitle2(s->dec, sub, got, (AVPacket *)pkt);
  av_packet_free(&empty);
  if (r < 0) *got = 0;
  return r < 0 ? r : 0;
}

/* One bitmap rectangle through its palette; one that leaves the canvas is
 * left out whole, as ffmpeg does. */
static void draw_rect(AVFrame *f, const AVSubtitleRect *r) {
  if (r->type != SUBTITLE_BITMAP || r->x < 0 || r->y < 0 || r->w < 0 || r->h < 0 ||
      r->w > f->width - r->x || r->h > f->height - r->y || !r->data[0] || !r->data[1])
    return;
  const uint32_t *pal = (const uint32_t *)r->data[1];
  for (int y = 0; y < r->h; y++) {
    uint32_t *d = (uint32_t *)(f->data[0] + (size_t)(r->y + y) * f->linesize[0]) + r->x;
    const uint8_t *src = r->data[0] + (size_t)y * r->linesize[0];
    for (int x = 0; x < r->w; x++)
      d[x] = pal[src[x]];
  }
}

int cx_s2v_canvas(cx_s2v *s, const AVSubtitle *sub, AVFrame *f) {
  av_frame_unref(f);
  /* The decoder's size now (a PGS stream may change it), else the input's. */
  f->width = s->dec->width > 0 ? s->dec->width : s->fallback_w;
  f->height = s->dec->height > 0 ? s->dec->height : s->fallback_h;
  f->format = AV_PIX_FMT_RGB32;
  int r = av_frame_get_buffer(f, 0);
  if (r < 0) return r;
  for (int y = 0; y < f->height; y++)
    memset(f->data[0] + (size_t)y * f->linesize[0], 0, (size_t)f->width * 4);
  for (unsigned i = 0; sub && i < sub->num_rects; i++)
    draw_rect(f, sub->rects[i]);
  return 0;
}

void cx_s2v_close(cx_s2v **ps) {
  cx_s2v *s = *ps;
  if (!s) return;
  avcodec_free_context(&s->dec);
  av_free(s);
  *ps = NULL;
}
