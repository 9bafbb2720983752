/* The -ss / -t window applied to decoded frames: by the decoders for the input, by convert stages
 * for one output. */
#include "pipeline/pl_internal.h"

pl_trim pl_trim_make(AVRational tb, int64_t start_us, int64_t end_us, bool cut) {
  pl_trim w = {tb, 0, INT64_MAX, cut};
  if (start_us > 0) w.start = av_rescale_q(start_us, AV_TIME_BASE_Q, tb);
  if (end_us >= 0) w.end = av_rescale_q(end_us, AV_TIME_BASE_Q, tb);
  return w;
}

/* Drops the first n samples of an audio frame by moving its data pointers:
 * the samples stay where they are, nothing is copied. Each consumer of a
 * shared frame holds its own AVFrame, so the others keep every sample. */
static void audio_skip(AVFrame *fr, int n) {
  int planar = av_sample_fmt_is_planar(fr->format);
  int bps = av_get_bytes_per_sample(fr->format);
  int planes = planar ? fr->ch_layout.nb_channels : 1;
  size_t off = (size_t)n * bps * (planar ? 1 : fr->ch_layout.nb_channels);
  for (int p = 0; p < planes; p++) {
    fr->extended_data[p] += off;
    if (fr->extended_data != fr->data && p < AV_NUM_DATA_POINTERS) fr->data[p] += off;
  }
  fr->nb_samples -= n;
}

static bool is_audio(const AVFrame *fr) {
  return fr->nb_samples > 0 && fr->sample_rate > 0;
}

/* Audio bounds go through the stream's time base first, as the video's
 * do: both media of an output then start and end at the same instant. */
static int64_t in_samples(int64_t v, const pl_trim *w, AVRational sr) {
  return v == INT64_MAX ? INT64_MAX : av_rescale_q(v, w->tb, sr);
}

int64_t pl_trim_start_in(const pl_trim *w, const AVFrame *fr, AVRational frame_tb) {
  if (is_audio(fr)) {
    AVRational sr = {1, fr->sample_rate};
    return av_rescale_q(in_samples(w->start, w, sr), sr, frame_tb);
  }
  return av_rescale_q(w->start, w->tb, frame_tb);
}

int pl_trim_frame(const pl_trim *w, AVFrame *fr, AVRational frame_tb) {
  if (fr->pts == AV_NOPTS_VALUE) return 0;
  if (is_audio(fr)) {
    AVRational sr = {1, fr->sample_rate};
    int64_t s0 = av_rescale_q(fr->pts, frame_tb, sr);
    int64_t s1 = s0 + fr->nb_samples;
    int64_t e = in_samples(w->end, w, sr);
    int64_t b = in_samples(w->start, w, sr);
    if (s0 >= e) return 1;
    if (w->cut && s1 <= b) return -1;
    if (s1 > e) fr->nb_samples = (int)(e - s0);
    if (w->cut && s0 < b) {
      audio_skip(fr, (int)(b - s0));
      fr->pts = av_rescale_q(b, sr, frame_tb);
    }
    return 0;
  }
  int64_t e = w->end == INT64_MAX ? INT64_MAX : av_rescale_q(w->end, w->tb, frame_tb);
  if (fr->pts >= e) return 1;
  /* Frames before the start are decoded (references), not shown. */
  if (w->cut && fr->pts < av_rescale_q(w->start, w->tb, frame_tb)) return -1;
  return 0;
}
