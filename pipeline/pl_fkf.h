/* -force_key_frames as ffmpeg 5.1 reads it: a list of times (with chapters), expr:, or source. */
#ifndef ISOPIPE_PL_FKF_H
#define ISOPIPE_PL_FKF_H

#include <libavutil/rational.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pl_job;
typedef struct pl_fkf pl_fkf;

/* A chapter of the output, for "chapters" in the list. */
typedef struct pl_chapter {
  int64_t start;
  AVRational tb;
} pl_chapter;

/* Checks the option's value before anything runs: 0, or -1 with err. */
int pl_fkf_check(const char *spec, char *err, size_t n);
/* Main: the chapters output j's muxer will get (clipped and shifted), when
 * spec names them: their count (0 none or not named), -1 when they cannot
 * be had (*out NULL), or AVERROR(ENOMEM). */
int pl_fkf_chapters(const struct pl_job *j, const char *spec, pl_chapter **out);
/* For an encoder whose frames are stamped in tb; chapters (nch of them, -1
 * none could be had) are its output's. */
int pl_fkf_new(pl_fkf **out, const char *spec, const pl_chapter *ch, int nch, AVRational tb);
/* Called for every frame in encoding order: true when this one must be a
 * keyframe (the next listed time reached, the expression true, or, with
 * source, a keyframe in the input). */
bool pl_fkf_frame(pl_fkf *k, int64_t pts, bool key_frame);
void pl_fkf_free(pl_fkf **k);

#endif
