/* The -ss / -t window applied to decoded frames: by the decoders for the input, by convert stages
 * for one output. */
#include "pipeline/pl_internal.h"

#include <string.h>

pl_trim pl_trim_make(AVRational tb, int64_t start_us, int64_t end_us, bool cut) {
  pl_trim w = {tb, 0, INT64_MAX, cut, AV_NOPTS_VALUE, 0, AV_NOPTS_VALUE, false};
  if (start_us > 0) w.start = av_rescale_q(start_us, AV_TIME_BASE_Q, tb);
  if (end_us >= 0) w.end = av_rescale_q(end_us, AV_TIME_BASE_Q, tb);
  return w;
}

/* Drops the first n samples of an audio frame. The rest moves to the start
 * of its planes: filters and encoders process samples with SIMD that needs
 * the alignment of a plane's start (volume multiplies in place), which a
 * data pointer moved forward would lose. A buffer shared with another
 * consumer is copied first (av_frame_make_writable), so the others keep
 * every sample. 0 or AVERROR(ENOMEM). */
static int audio_skip(AVFrame *fr, int n) {
  int r = av_frame_make_writable(fr);
  if (r < 0) return r;
  int planar = av_sample_fmt_is_planar(fr->format);
  int bps = av_get_bytes_per_sample(fr->format);
  int planes = planar ? fr->ch_layout.nb_channels : 1;
  size_t per = (size_t)bps * (planar ? 1 : fr->ch_layout.nb_channels);
  for (int p = 0; p < planes; p++)
    memmove(fr->extended_data[p], fr->extended_data[p] + (size_t)n * per,
            (size_t)(fr->nb_samples - n) * per);
  fr->nb_samples -= n;
  return 0;
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

/* Where audio ends, as ffmpeg's atrim places it: at the window's length
 * counted from the first sample kept. When the first sample comes after
 * the window's start (a codec's priming pushed the stream's start past 0)
 * that is past the window's end; an output's recording time, which ffmpeg
 * also checks on the frames it encodes, is the encoder's (pl_enc_set). */
static int64_t audio_end(pl_trim *w, int64_t b, int64_t e, int64_t kept, AVRational sr) {
  if (e == INT64_MAX || w->abs_end) return e;
  if (w->first == AV_NOPTS_VALUE) {
    w->first = kept;
    w->first_rate = sr.den;
  }
  int64_t first = w->first_rate == sr.den
                      ? w->first
                      : av_rescale_q(w->first, (AVRational){1, w->first_rate}, sr);
  return first + (e - b);
}

int pl_trim_frame(pl_trim *w, AVFrame *fr, AVRational frame_tb) {
  if (fr->pts == AV_NOPTS_VALUE) return 0;
  if (is_audio(fr)) {
    AVRational sr = {1, fr->sample_rate};
    int64_t s0 = av_rescale_q(fr->pts, frame_tb, sr);
    int64_t s1 = s0 + fr->nb_samples;
    int64_t e = in_samples(w->end, w, sr);
    int64_t b = in_samples(w->start, w, sr);
    if (w->cut && s1 <= b) return -1;
    int64_t cut_end = audio_end(w, b, e, w->cut && s0 < b ? b : s0, sr);
    if (s0 >= cut_end) return 1;
    if (s1 > cut_end) fr->nb_samples = (int)(cut_end - s0);
    if (w->cut && s0 < b) {
      int r = audio_skip(fr, (int)(b - s0));
      if (r < 0) return r;
      fr->pts = av_rescale_q(b, sr, frame_tb);
    }
    return 0;
  }
  int64_t b = av_rescale_q(w->start, w->tb, frame_tb);
  /* Frames before the start are decoded (references), not shown. */
  if (w->cut && fr->pts < b) return -1;
  if (w->end == INT64_MAX) return 0;
  if (w->abs_end) return fr->pts >= av_rescale_q(w->end, w->tb, frame_tb) ? 1 : 0;
  /* As ffmpeg's trim, the length counts from the first frame kept: after a
   * seek into an open GOP (whose leading pictures cannot be decoded), or in
   * a stream that starts after the others, that frame comes later than the
   * window's start and the window ends as much later. */
  if (w->vfirst == AV_NOPTS_VALUE) w->vfirst = fr->pts;
  int64_t e = av_rescale_q(w->end, w->tb, frame_tb);
  /* Without the cut (-noaccurate_seek) the first frame comes before the
   * start, from the keyframe before it, and ffmpeg's trim counts from it. */
  if (w->vfirst > b ? e < INT64_MAX - (w->vfirst - b) : !w->cut && e > INT64_MIN - (w->vfirst - b))
    e += w->vfirst - b;
  return fr->pts >= e ? 1 : 0;
}

/*
 * Written before -i, -ss/-t/-to are the input's, as ffmpeg's input options:
 * every output sees the input from that -ss to that end, and its own -ss,
 * -t and -to count from there (an input -to is a position in the input, an
 * output -to one on the output's clock, which starts at the input's -ss, as
 * in ffmpeg). An output knows one window (ss, t from the input's start), so
 * it gets the two composed; a -t and a -to both bound, the earlier end wins.
 */
int pl_window_compose(pl_job *j, const pl_input *in0, char *err, size_t n) {
  if (in0->ss_us < 0 && in0->t_us < 0 && in0->to_us < 0) return ISO_OK;
  int64_t i0 = in0->ss_us > 0 ? in0->ss_us : 0, o0 = j->ss_us > 0 ? j->ss_us : 0;
  int64_t ends[4] = {in0->t_us >= 0 ? i0 + in0->t_us : -1, in0->to_us,
                     j->t_us >= 0 ? i0 + o0 + j->t_us : -1, j->to_us >= 0 ? i0 + j->to_us : -1};
  int64_t end = -1; /* from the input's start; -1 none */
  bool from_input = false;
  for (int i = 0; i < 4; i++)
    if (ends[i] >= 0 && (end < 0 || ends[i] < end)) {
      end = ends[i];
      from_input = i < 2;
    }
  int64_t ss = i0 + o0;
  if (end >= 0 && end <= ss)
    return pl_fail(err, n, "output '%s': nothing left of the input after -ss %.3f",
                   j->output ? j->output : "?", ss / 1e6);
  j->ss_us = ss;
  j->t_us = end < 0 ? -1 : end - ss;
  j->to_us = -1;
  j->t_from_input = end >= 0 && from_input;
  return ISO_OK;
}
