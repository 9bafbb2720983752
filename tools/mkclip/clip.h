/* Deterministic test media: a moving pattern and tones, encoded and muxed by the codec layer. */
#ifndef ISOPIPE_CX_CLIP_H
#define ISOPIPE_CX_CLIP_H

#include "codecs/codecs.h"

/*
 * Video: colour bars, a white box that moves every frame and a 16-bit binary
 * frame counter along the bottom, so no two frames in 65536 are alike.
 * Audio: per channel c a chirp starting at 300*(c+1) Hz rising 100 Hz/s,
 * amplitude 0.4. The same options always give the same decoded frames.
 */
typedef struct cx_clip_opts {
  const char *path;   /* output file */
  const char *format; /* NULL = guess from path */
  int width, height;  /* default 320x240 */
  AVRational fps;     /* default 30/1 */
  double duration;    /* seconds, default 2 */
  const char *vcodec; /* NULL = the container's default */
  const char *acodec;
  bool no_video, no_audio;
  enum AVPixelFormat pix_fmt; /* AV_PIX_FMT_NONE (-1) = the encoder's first */
  int sample_rate;            /* default 48000 (or the encoder's nearest) */
  int channels;               /* default 2, layout = FFmpeg's default for it */
  int64_t vbit_rate, abit_rate;
  int crf;            /* -1 unset */
  const char *preset; /* NULL unset */
  int gop;            /* -1 unset */
  int threads;        /* default 1 keeps every encoder deterministic */
  int rotate;         /* clockwise degrees (the old "rotate" tag) as a display matrix */
} cx_clip_opts;

/* Fills o with the defaults above (caller then overrides fields). */
void cx_clip_defaults(cx_clip_opts *o);
int cx_clip_make(const cx_clip_opts *o, char *err);

/* Draws frame n of the pattern into f (allocated, planar YUV 8..16 bit;
 * other formats: AVERROR(ENOSYS)). */
int cx_testsrc_video(AVFrame *f, int64_t n);
/* Writes nb_samples samples starting at sample index first into f (any
 * sample format, f->ch_layout and f->sample_rate set, buffers allocated). */
void cx_testsrc_audio(AVFrame *f, int64_t first, int nb_samples);

#endif
