/* Segment plans: where a stream is cut for encoders running side by side, and which packets each
 * keeps. */
#ifndef ISOPIPE_PL_SEGMENTS_H
#define ISOPIPE_PL_SEGMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/pl_internal.h"

/*
 * Audio is cut at any encoder frame boundary. Segment k owns the samples
 * [k*len, (k+1)*len) of the stream; its encoder also gets `overlap`
 * samples before (so the packets at its start come out of a warmed-up
 * encoder, as in the serial run) and after (so the packets at its end are
 * made of real input, not of the flush). Lengths are whole encoder frames,
 * so every segment's packets fall on the serial run's packet grid, and the
 * join keeps from segment k exactly the packets of the serial run that
 * begin in [k*len - delay, (k+1)*len - delay): same count, same
 * timestamps, same priming and padding at the ends. A codec whose frames
 * borrow bytes from earlier ones (MP3's bit reservoir) gets `range` frames
 * more on each side, and the join picks its cut among them
 * (pl_seg_mp3_join).
 */
typedef struct pl_seg_plan {
  int nseg;        /* encoders side by side */
  int64_t len;     /* samples a segment owns (a multiple of the frame size) */
  int64_t overlap; /* extra samples encoded on each side (whole frames) */
  int64_t delay;   /* the encoder's priming samples (initial_padding) */
  int frame_size;
  int range; /* frames either side of a boundary where the join may cut */
} pl_seg_plan;

/* One segment in absolute sample positions (the stream's first pts + its
 * sample count): what its encoder is fed, and the packets (by pts) it keeps. */
typedef struct pl_seg_window {
  int64_t from, to;
  int64_t keep_from, keep_to;
} pl_seg_window;

/* Segments of about dur_us / nseg, at most PL_SEG_SECONDS and at least
 * PL_SEG_MIN_FRAMES encoder frames (dur_us < 0: unknown). */
#define PL_SEG_SECONDS 10
#define PL_SEG_MIN_FRAMES 32
void pl_seg_plan_make(pl_seg_plan *p, int nseg, int frame_size, int delay, int rate, int64_t dur_us,
                      int range);
/* Where the serial run's packets of segment k begin (k >= 1), in pts. */
int64_t pl_seg_boundary(const pl_seg_plan *p, int k, int64_t base);
pl_seg_window pl_seg_window_of(const pl_seg_plan *p, int k, int64_t base);
/* The first sample (from the stream's start) segment k is fed. */
int64_t pl_seg_first_at(const pl_seg_plan *p, int k);
/* The segment holding the last of `total` samples (-1: none). */
int pl_seg_last(const pl_seg_plan *p, int64_t total);
/* The last segment takes everything to the end, the encoder's flush included. */
void pl_seg_make_last(pl_seg_window *w);
bool pl_seg_keep(const pl_seg_window *w, int64_t pts);
/*
 * Video is cut at any frame: segment k owns the frames of the stream as the
 * encoder gets them (after filters and frame rate) whose pts fall in the
 * k-th run of len frame periods from 0, and
 * its own encoder, which starts with a keyframe, makes all their packets.
 * The frames, their count and their timestamps are the serial run's by
 * construction. len: about dur_us / (2 * nseg) so the last wave of
 * segments is short, at least PL_VSEG_MIN_SECONDS and at most
 * PL_SEG_SECONDS, and no more than PL_VSEG_BYTES of decoded pictures
 * (frame_bytes each; a second at least), as nseg segments are held at
 * once.
 */
#define PL_VSEG_MIN_SECONDS 2
#define PL_VSEG_BYTES (96LL << 20)
int64_t pl_seg_video_frames(int nseg, int64_t dur_us, AVRational fps, int64_t frame_bytes);
/* The plan of output stream os from the job alone, so that every process of
 * a cluster run (each task, the join) and the in-process run cut at the same
 * frames: pictures are counted at the output's size (-s, or the input's) in
 * 4:2:0, whatever format the encoder gets. Segment k owns the frames whose
 * pts fall in [pl_seg_video_bound(k), pl_seg_video_bound(k + 1)): about len
 * frames at the output's rate fps, exactly len for a constant rate. */
int64_t pl_seg_video_len(const pl_job *j, int os, AVRational fps);
int64_t pl_seg_video_bound(int64_t len, AVRational fps, int64_t k, AVRational tb);
/* A cluster task's run of the plan: task k of n encodes the segments
 * [*lo, *hi) of the input's probed length, one encoder each as in process
 * (the last task to the end: *hi INT64_MAX); empty for some tasks when
 * there are fewer segments than tasks. */
void pl_seg_task_range(const pl_job *j, int64_t len, AVRational fps, int64_t *lo, int64_t *hi);
/* Where a cluster task's input is read from (the start of its first
 * segment on the input's timeline, AV_TIME_BASE); -1 from the start. */
int64_t pl_seg_task_seek_us(const pl_job *j);
/* The segment a frame at pts (in tb) belongs to (pts before 0: segment 0). */
int64_t pl_seg_video_index(int64_t len, AVRational fps, int64_t pts, AVRational tb);

/* Why an encoder's segments cannot be joined (NULL: they can). */
const char *pl_seg_encoder_why(const char *encoder, enum AVMediaType type);

/* Frames either side of a boundary the join of this encoder's segments
 * chooses from (0: it cuts at the boundary). */
int pl_seg_join_range(const char *encoder);

/* One segment's packets and their pts in samples. */
typedef struct pl_seg_part {
  AVPacket **pkt;
  const int64_t *pts;
  int n;
} pl_seg_part;
/* MP3: the pts of the first packet taken from next, at most `range`
 * frames from nominal, where next's first frame borrows no more bytes than
 * prev's frame there left free; those bytes are copied into prev's packets
 * before it. Where no frame in range fits, the one that fits best, with
 * *deficit bytes it cannot get. INT64_MIN: no frame both segments have. */
int64_t pl_seg_mp3_join(const pl_seg_part *prev, const pl_seg_part *next, int64_t nominal,
                        int frame_size, int range, int *deficit);
/* The duration the output stream will take from the input, -1 unknown. */
int64_t pl_seg_input_us(const pl_job *j);

#endif
