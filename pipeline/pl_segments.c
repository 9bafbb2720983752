/* Segment plans for encoders side by side: when a stream is segmented, where it is cut, what each
 * segment keeps. */
#include "pipeline/pl_segments.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/pl_stage.h"

/* Codecs whose packets decode independently of the encoder instance that
 * made the previous ones, with a fixed frame size: a segment's first kept
 * packet continues its predecessor's output; LAME's bit reservoir, where a
 * frame borrows bytes from earlier frames, is carried across the join
 * (pl_seg_mp3.c). FLAC numbers its frames and keeps a checksum of the
 * whole stream in its header: it stays serial. So does Vorbis: each encoder
 * picks its own block sizes from the signal, so no packet boundary of one
 * is sure to meet the other's, and a packet's window shape depends on its
 * neighbour's size, which a packet from another encoder does not match. */
static const char *const seg_codecs[] = {"libmp3lame", "aac", "libopus", "alac"};

/* Video encoders whose fresh instance begins with a keyframe and writes the
 * same stream header for the same settings: each segment's packets decode
 * on their own, so the join is the segments' packets one after the other. */
static const char *const vseg_codecs[] = {"libx264",    "libx265",   "libvpx", "libvpx-vp9",
                                          "libaom-av1", "libsvtav1", "mpeg4",  "mpeg1video",
                                          "mpeg2video", "ffv1",      "mjpeg"};

/* Those of them that leave cores idle on their own (their threads do not
 * scale to a machine's cores): `auto` segments them. x264 and x265 keep two
 * cores busy by themselves. */
static const char *const vseg_auto_codecs[] = {"libvpx", "libvpx-vp9", "libaom-av1"};

#define IN_LIST(name, l) in_list(name, l, sizeof l / sizeof l[0])
static bool in_list(const char *name, const char *const *l, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(name, l[i])) return true;
  return false;
}

const char *pl_seg_encoder_why(const char *encoder, enum AVMediaType type) {
  if (type == AVMEDIA_TYPE_AUDIO)
    return IN_LIST(encoder, seg_codecs)
               ? NULL
               : "its packets cannot be joined across encoders (audio segments: libmp3lame, "
                 "aac, libopus, alac)";
  if (type != AVMEDIA_TYPE_VIDEO) return "only audio and video streams are cut";
  if (!IN_LIST(encoder, vseg_codecs))
    return "its segments are not known to join (video segments: libx264, libx265, libvpx, "
           "libvpx-vp9, libaom-av1, libsvtav1, mpeg4, mpeg1video, mpeg2video, ffv1, mjpeg)";
  return NULL;
}

const char *pl_seg_serial_why(const pl_job *j, int out_stream) {
  const pl_out_stream *o = &j->out[out_stream];
  if (o->copy) return "the stream is copied, not encoded";
  const char *why = pl_seg_encoder_why(o->encoder, o->type);
  if (why) return why;
  if (o->type == AVMEDIA_TYPE_VIDEO && j->force_kf)
    return "-force_key_frames places keyframes over the whole stream";
  for (int k = 0; k < j->ninputs; k++)
    if (j->in[k].loop) return "-stream_loop: segments are cut from one reading of the input";
  if (o->type == AVMEDIA_TYPE_VIDEO && j->pass)
    return "-pass: the statistics of a two-pass encode cover the whole stream";
  return NULL;
}

int64_t pl_seg_input_us(const pl_job *j) {
  int64_t d = j->info.duration_us;
  if (d != AV_NOPTS_VALUE && d > 0 && j->in_ss_us > 0) d = d > j->in_ss_us ? d - j->in_ss_us : 0;
  if (d == AV_NOPTS_VALUE || d < 0) d = -1;
  if (j->in_t_us >= 0 && (d < 0 || j->in_t_us < d)) d = j->in_t_us;
  return d;
}

/* Automatic segments: only where they are sure to pay. The input must be
 * long enough that the start-up is amortised, there must be a core for
 * each encoder, and no other encoder may be there to use those cores
 * already: an audio stream segments only in an audio-only output, a video
 * stream only when its encoder cannot fill the cores and it is the only
 * video encoder. */
#define PL_SEG_AUTO_MIN_US 30000000
#define PL_SEG_AUTO_VIDEO_MIN_US 8000000
int pl_seg_count(const pl_job *j, int out_stream) {
  if (out_stream < 0 || out_stream >= j->nout || j->segments == 1) return 1;
  const pl_out_stream *o = &j->out[out_stream];
  if (pl_seg_serial_why(j, out_stream)) return 1;
  if (j->segments > 1) return j->segments;
  bool video = o->type == AVMEDIA_TYPE_VIDEO;
  if (video && !IN_LIST(o->encoder, vseg_auto_codecs)) return 1;
  for (int i = 0; i < j->nout; i++) {
    const pl_out_stream *p = &j->out[i];
    if (p == o || p->copy) continue;
    if (video ? p->type == AVMEDIA_TYPE_VIDEO : p->file != o->file || p->type == AVMEDIA_TYPE_VIDEO)
      return 1;
  }
  if (!video)
    for (int i = 0; i < j->nout; i++)
      if (j->out[i].file != o->file) return 1;
  int64_t d = pl_seg_input_us(j);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (d < (video ? PL_SEG_AUTO_VIDEO_MIN_US : PL_SEG_AUTO_MIN_US) || cpus < 2) return 1;
  return cpus > PL_SEG_MAX ? PL_SEG_MAX : (int)cpus;
}

int64_t pl_seg_video_frames(int nseg, int64_t dur_us, AVRational fps, int64_t frame_bytes) {
  double rate = fps.num > 0 && fps.den > 0 ? av_q2d(fps) : 25.0;
  double s = dur_us > 0 ? dur_us / 1e6 / (2.0 * nseg) : PL_SEG_SECONDS;
  if (s > PL_SEG_SECONDS) s = PL_SEG_SECONDS;
  if (s < PL_VSEG_MIN_SECONDS) s = PL_VSEG_MIN_SECONDS;
  int64_t n = (int64_t)(s * rate + 0.5);
  int64_t cap = frame_bytes > 0 ? PL_VSEG_BYTES / frame_bytes : n;
  int64_t floor1 = (int64_t)(rate + 0.5); /* a GOP shorter than a second costs too much */
  if (cap < floor1) cap = floor1;
  if (n > cap) n = cap;
  return n > 0 ? n : 1;
}

int64_t pl_seg_video_len(const pl_job *j, int os, AVRational fps) {
  const pl_out_stream *o = &j->out[os];
  const pl_stream_info *si = &j->info.st[o->in_index];
  int64_t w = j->width > 0 ? j->width : si->width, h = j->height > 0 ? j->height : si->height;
  return pl_seg_video_frames(pl_seg_count(j, os), pl_seg_input_us(j), fps,
                             w > 0 && h > 0 ? w * h * 3 / 2 : 0);
}

void pl_seg_task_range(const pl_job *j, int64_t len, AVRational fps, int64_t *lo, int64_t *hi) {
  int64_t d = pl_seg_input_us(j), m = 1;
  if (d > 0 && len > 0) {
    int64_t frames = av_rescale_q_rnd(d, AV_TIME_BASE_Q, av_inv_q(fps), AV_ROUND_UP);
    m = (frames + len - 1) / len;
    if (m < 1) m = 1;
  }
  int k = j->seg_task, n = j->seg_tasks > 0 ? j->seg_tasks : 1;
  *lo = m * k / n;
  *hi = k >= n - 1 ? INT64_MAX : m * (k + 1) / n;
}

int64_t pl_seg_task_seek_us(const pl_job *j) {
  if (j->seg_task <= 0) return -1;
  for (int os = 0; os < j->nout; os++) {
    const pl_out_stream *o = &j->out[os];
    if (o->type != AVMEDIA_TYPE_VIDEO || o->copy || pl_seg_count(j, os) < 2) continue;
    AVRational fps = pl_out_fps(j, o);
    int64_t len = pl_seg_video_len(j, os, fps), lo, hi;
    pl_seg_task_range(j, len, fps, &lo, &hi);
    if (lo <= 0) return -1;
    int64_t at = pl_seg_video_bound(len, fps, lo, AV_TIME_BASE_Q);
    return at + (j->win_start_us > 0 ? j->win_start_us : 0);
  }
  return -1;
}

int64_t pl_seg_video_bound(int64_t len, AVRational fps, int64_t k, AVRational tb) {
  return av_rescale_q(k * len, av_inv_q(fps), tb);
}

int64_t pl_seg_video_index(int64_t len, AVRational fps, int64_t pts, AVRational tb) {
  if (pts == AV_NOPTS_VALUE || pts <= 0) return 0;
  int64_t k = av_rescale_q_rnd(pts, tb, av_inv_q(fps), AV_ROUND_DOWN) / len;
  /* The bounds are rounded into tb: the frame's segment is theirs. */
  while (pl_seg_video_bound(len, fps, k + 1, tb) <= pts)
    k++;
  while (k > 0 && pl_seg_video_bound(len, fps, k, tb) > pts)
    k--;
  return k;
}

int pl_seg_join_range(const char *encoder) {
  /* A frame fits where its borrowed bytes are no more than the previous
   * encoder's frame left free, about half the time: 2 * 6 + 1 candidates. */
  return strcmp(encoder, "libmp3lame") ? 0 : 6;
}

void pl_seg_plan_make(pl_seg_plan *p, int nseg, int frame_size, int delay, int rate, int64_t dur_us,
                      int range) {
  int64_t fs = frame_size;
  int64_t len = (int64_t)PL_SEG_SECONDS * rate;
  if (dur_us > 0) {
    int64_t each = (dur_us * rate / 1000000 + nseg - 1) / nseg;
    if (each < len) len = each;
  }
  if (len < PL_SEG_MIN_FRAMES * fs) len = PL_SEG_MIN_FRAMES * fs;
  p->nseg = nseg;
  p->len = (len + fs - 1) / fs * fs;
  /* At least the encoder's delay plus one frame, and one more frame: the
   * first kept packet's window reaches one frame back. */
  p->overlap = ((delay + fs - 1) / fs + 2 + range) * fs;
  p->delay = delay;
  p->frame_size = frame_size;
  p->range = range;
}

int64_t pl_seg_first_at(const pl_seg_plan *p, int k) {
  int64_t a = (int64_t)k * p->len - p->overlap;
  return a > 0 ? a : 0;
}

pl_seg_window pl_seg_window_of(const pl_seg_plan *p, int k, int64_t base) {
  pl_seg_window w;
  w.from = base + pl_seg_first_at(p, k);
  w.to = base + (int64_t)(k + 1) * p->len + p->overlap;
  int64_t margin = (int64_t)p->range * p->frame_size;
  w.keep_from = k ? pl_seg_boundary(p, k, base) - margin : INT64_MIN;
  w.keep_to = pl_seg_boundary(p, k + 1, base) + margin;
  return w;
}

int64_t pl_seg_boundary(const pl_seg_plan *p, int k, int64_t base) {
  return base + (int64_t)k * p->len - p->delay;
}

int pl_seg_last(const pl_seg_plan *p, int64_t total) {
  return total > 0 ? (int)((total - 1) / p->len) : -1;
}

void pl_seg_make_last(pl_seg_window *w) {
  w->to = INT64_MAX;
  w->keep_to = INT64_MAX;
}

bool pl_seg_keep(const pl_seg_window *w, int64_t pts) {
  return pts >= w->keep_from && pts < w->keep_to;
}
