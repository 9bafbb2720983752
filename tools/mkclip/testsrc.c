/* Test-pattern generators: bars + moving box + frame counter, and per-channel chirps. */
#include "tools/mkclip/clip.h"

#include <libavutil/pixdesc.h>
#include <math.h>

/* 75% bars in BT.601 limited range: white, yellow, cyan, green, magenta, red, blue. */
static const uint8_t bars[7][3] = {{180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
                                   {84, 184, 198},  {65, 100, 212}, {35, 212, 114}};

typedef struct canvas {
  AVFrame *f;
  const AVPixFmtDescriptor *d;
  int depth;
} canvas;

static void put(const canvas *c, int plane, int x, int y, int v8) {
  uint8_t *row = c->f->data[plane] + (ptrdiff_t)y * c->f->linesize[plane];
  if (c->depth > 8)
    ((uint16_t *)row)[x] = (uint16_t)(v8 << (c->depth - 8));
  else
    row[x] = (uint8_t)v8;
}

/* Fills luma rectangle [x0,x1)x[y0,y1) and the chroma samples it covers. */
static void fill(const canvas *c, int x0, int y0, int x1, int y1, const uint8_t yuv[3]) {
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      put(c, 0, x, y, yuv[0]);
  int sx = c->d->log2_chroma_w, sy = c->d->log2_chroma_h;
  int cx0 = x0 >> sx, cy0 = y0 >> sy;
  int cx1 = -((-x1) >> sx), cy1 = -((-y1) >> sy); /* ceil: odd sizes */
  for (int p = 1; p <= 2; p++)
    for (int y = cy0; y < cy1; y++)
      for (int x = cx0; x < cx1; x++)
        put(c, p, x, y, yuv[p]);
}

int cx_testsrc_video(AVFrame *f, int64_t n) {
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
  if (!d ||
      (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BE |
                   AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM)) ||
      !(d->flags & AV_PIX_FMT_FLAG_PLANAR) || d->nb_components < 3 || d->comp[0].plane != 0 ||
      d->comp[1].plane != 1 || d->comp[2].plane != 2 || d->comp[0].depth > 16)
    return AVERROR(ENOSYS);
  int ret = av_frame_make_writable(f);
  if (ret < 0) return ret;
  canvas c = {f, d, d->comp[0].depth};
  int w = f->width, h = f->height;
  for (int i = 0; i < 7; i++)
    fill(&c, w * i / 7, 0, w * (i + 1) / 7, h, bars[i]);
  /* A band of fixed noise scrolling left: texture, so encoder quality
   * settings (crf, bit rate) visibly change the output size. */
  for (int y = h * 2 / 3; y < h * 5 / 6; y++)
    for (int x = 0; x < w; x++) {
      uint32_t v = (uint32_t)(x + n * 2) * 2654435761u ^ (uint32_t)y * 40503u;
      v ^= v >> 13;
      v *= 0x5bd1e995u;
      v ^= v >> 15;
      put(&c, 0, x, y, 16 + (int)(v % 220));
    }
  /* A box moving diagonally, bouncing off the edges. */
  int bw = w / 4 > 1 ? w / 4 : 1, bh = h / 4 > 1 ? h / 4 : 1;
  int rx = w - bw > 0 ? w - bw : 1, ry = h - bh > 0 ? h - bh : 1;
  int64_t px = (n * 3) % (2 * rx), py = (n * 2) % (2 * ry);
  int bx = (int)(px < rx ? px : 2 * rx - px), by = (int)(py < ry ? py : 2 * ry - py);
  static const uint8_t white[3] = {235, 128, 128}, black[3] = {16, 128, 128};
  fill(&c, bx, by, bx + bw, by + bh, white);
  /* Frame counter: 16 blocks along the bottom, most significant bit first. */
  int ch = h / 12 > 1 ? h / 12 : 1;
  for (int b = 0; b < 16; b++) {
    int on = (int)((n >> (15 - b)) & 1);
    fill(&c, w * b / 16, h - ch, w * (b + 1) / 16, h, on ? white : black);
  }
  if (d->nb_components == 4 && d->comp[3].plane == 3) /* opaque alpha */
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        put(&c, 3, x, y, 255);
  return 0;
}

static void put_sample(AVFrame *f, int ch, int i, double v) {
  enum AVSampleFormat fmt = f->format;
  int planar = av_sample_fmt_is_planar(fmt);
  int nch = f->ch_layout.nb_channels;
  uint8_t *base = f->extended_data[planar ? ch : 0];
  int idx = planar ? i : i * nch + ch;
  switch (av_get_packed_sample_fmt(fmt)) {
  case AV_SAMPLE_FMT_U8:
    ((uint8_t *)base)[idx] = (uint8_t)lrint(v * 127.0 + 128.0);
    break;
  case AV_SAMPLE_FMT_S16:
    ((int16_t *)base)[idx] = (int16_t)lrint(v * 32767.0);
    break;
  case AV_SAMPLE_FMT_S32:
    ((int32_t *)base)[idx] = (int32_t)lrint(v * 2147483647.0);
    break;
  case AV_SAMPLE_FMT_S64:
    ((int64_t *)base)[idx] = (int64_t)llrint(v * 9.2e18);
    break;
  case AV_SAMPLE_FMT_FLT:
    ((float *)base)[idx] = (float)v;
    break;
  case AV_SAMPLE_FMT_DBL:
    ((double *)base)[idx] = v;
    break;
  default:
    break;
  }
}

void cx_testsrc_audio(AVFrame *f, int64_t first, int nb_samples) {
  int nch = f->ch_layout.nb_channels;
  double sr = f->sample_rate > 0 ? f->sample_rate : 48000;
  for (int i = 0; i < nb_samples; i++) {
    /* Phase from the absolute sample index, so chunking never changes it. */
    double t = (double)(first + i) / sr;
    for (int c = 0; c < nch; c++) {
      double f0 = 300.0 * (c + 1), k = 100.0;
      double ph = 2.0 * M_PI * (f0 * t + 0.5 * k * t * t);
      put_sample(f, c, i, 0.4 * sin(ph));
    }
  }
}
