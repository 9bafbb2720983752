/* -force_key_frames as ffmpeg 5.1 reads it: a list of times (with chapters), expr:, or source. */
#ifndef ISOPIPE_PL_FKF_H
#define ISOPIPE_PL_FKF_H

#include <libavutil/rational.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pl_job;
typedef struct pl_fkf pl_fkf;

/* Checks the option's value before anything runs: 0, or -1 with err. */
int pl_fkf_check(const char *spec, char *err, size_t n);
/* For an encoder whose frames are stamped in tb; chapters are j's output's. */
int pl_fkf_new(pl_fkf **out, const struct pl_job *j, const char *spec, AVRational tb);
/* Called for every frame in encoding order: true when this one must be a
 * keyframe (the next listed time reached, the expression true, or, with
 * source, a keyframe in the input). */
bool pl_fkf_frame(pl_fkf *k, int64_t pts, bool key_frame);
void pl_fkf_free(pl_fkf **k);

#endif
