/* Video sync (-fps_mode / -vsync): which frames an output encodes, how many times, at which pts. */
#ifndef ISOPIPE_PL_VSYNC_H
#define ISOPIPE_PL_VSYNC_H

#include <libavutil/frame.h>
#include <libavutil/rational.h>
#include <stdbool.h>
#include <stdint.h>

/* The methods of ffmpeg 5.1's -fps_mode, in its order (so -vsync's numbers
 * -1..2 mean the same). VSCFR is cfr that does not fill the time before a
 * late first frame; auto picks it for a single-stream input. */
typedef enum pl_vsync_mode {
  PL_VSYNC_AUTO = -1,
  PL_VSYNC_PASSTHROUGH,
  PL_VSYNC_CFR,
  PL_VSYNC_VFR,
  PL_VSYNC_VSCFR,
  PL_VSYNC_DROP,
} pl_vsync_mode;

/* "auto", "passthrough", "cfr", "vfr", "drop" or -1, 0, 1, 2 (as -vsync
 * takes them); -2 when none of these. */
int pl_vsync_parse(const char *s);
const char *pl_vsync_name(pl_vsync_mode m);

/* How long a jump pl_vsync fills for an input of duration_us
 * (AV_NOPTS_VALUE unknown): as ffmpeg, any jump a file's own length can
 * hold, and at least the 10 s of a format's discontinuity threshold (a TS
 * jump within it is kept by the demuxer, as ffmpeg keeps it); at most an
 * hour, where ffmpeg stops at 30. */
int64_t pl_vsync_fill_us(int64_t duration_us);

/* What auto means for an output format (its short name) and an input of
 * in_streams streams: cfr for formats without variable frame rate (vscfr
 * from a single-stream input), passthrough for formats without timestamps,
 * vfr for the rest and for avi. Any other mode is returned unchanged. */
pl_vsync_mode pl_vsync_resolve(pl_vsync_mode asked, const char *format, int in_streams);

typedef struct pl_vsync_cfg {
  pl_vsync_mode mode; /* resolved: not AUTO */
  AVRational in_tb;   /* of the frames' pts */
  /* Of their pkt_duration: the input stream's, which differs from in_tb
   * when -r before -i counts the pictures at its own rate. {0,0}: in_tb. */
  AVRational dur_tb;
  AVRational in_fps;  /* the rate frames arrive at; {0,0} unknown */
  AVRational out_fps; /* the output's rate: output pts count in 1/out_fps */
  /* A frame lasts its packet's duration; false once user filters ran
   * (their frames last 1/in_fps, as ffmpeg does). */
  bool pkt_durations;
  /* The output's duration (-t), microseconds, or -1: a frame whose output
   * time reaches it ends the stream, as ffmpeg's recording time does. */
  int64_t end_us;
  /* The longest forward jump filled with duplicates, microseconds (at
   * least 64 frames' worth): a longer one is a discontinuity, kept as a
   * hole with a warning. */
  int64_t fill_us;
} pl_vsync_cfg;

typedef struct pl_vsync pl_vsync;

int pl_vsync_open(pl_vsync **out, const pl_vsync_cfg *cfg);
/* Takes frame (its references move; NULL = the end, which repeats the last
 * frame as ffmpeg's flush does). AVERROR(EAGAIN): receive until EAGAIN
 * first. */
int pl_vsync_send(pl_vsync *v, AVFrame *frame);
/* The next output frame as a new reference, pts in 1/out_fps and
 * pkt_duration 1; AVERROR(EAGAIN): send the next frame; AVERROR_EOF after
 * the end or once end_us is reached (send then returns AVERROR_EOF too). */
int pl_vsync_receive(pl_vsync *v, AVFrame *out);
/* Frames dropped and duplicates added so far. */
void pl_vsync_counts(const pl_vsync *v, int64_t *dropped, int64_t *duplicated);
void pl_vsync_close(pl_vsync **v);

#endif
