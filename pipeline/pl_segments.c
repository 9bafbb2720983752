/* Segment plans for encoders side by side: when a stream is segmented, where it is cut, what each
 * segment keeps. */
#include "pipeline/pl_segments.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

/* Codecs whose packets decode independently of the encoder instance that
 * made the previous ones, with a fixed frame size: a segment's first kept
 * packet continues its predecessor's output; LAME's bit reservoir, where a
 * frame borrows bytes from earlier frames, is carried across the join
 * (pl_seg_mp3.c). FLAC numbers its frames and keeps a checksum of the
 * whole stream in its header: it stays serial. */
static const char *const seg_codecs[] = {"libmp3lame", "aac", "libopus", "alac"};

static bool seg_codec(const char *name) {
  for (size_t i = 0; i < sizeof seg_codecs / sizeof seg_codecs[0]; i++)
    if (!strcmp(name, seg_codecs[i])) return true;
  return false;
}

int64_t pl_seg_input_us(const pl_job *j) {
  int64_t d = j->info.duration_us;
  if (d != AV_NOPTS_VALUE && d > 0 && j->in_ss_us > 0) d = d > j->in_ss_us ? d - j->in_ss_us : 0;
  if (d == AV_NOPTS_VALUE || d < 0) d = -1;
  if (j->in_t_us >= 0 && (d < 0 || j->in_t_us < d)) d = j->in_t_us;
  return d;
}

/* Automatic segments: only where they are sure to pay. The input must be
 * long enough that the overlaps cost little and the start-up is amortised,
 * there must be a core for each encoder, and no video encoder or other
 * output may be there to use those cores already. */
#define PL_SEG_AUTO_MIN_US 30000000
int pl_seg_count(const pl_job *j, int out_stream) {
  if (out_stream < 0 || out_stream >= j->nout || j->segments == 1) return 1;
  const pl_out_stream *o = &j->out[out_stream];
  if (o->copy || o->type != AVMEDIA_TYPE_AUDIO || !seg_codec(o->encoder)) return 1;
  if (j->segments > 1) return j->segments;
  for (int i = 0; i < j->nout; i++)
    if (j->out[i].file != o->file || (j->out[i].type == AVMEDIA_TYPE_VIDEO && !j->out[i].copy))
      return 1;
  int64_t d = pl_seg_input_us(j);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (d < PL_SEG_AUTO_MIN_US || cpus < 2) return 1;
  return cpus > PL_SEG_MAX ? PL_SEG_MAX : (int)cpus;
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
