/* Per-stream output options ffmpeg applies at the muxer: -bsf, -tag, -disposition. */
#ifndef ISOPIPE_PL_SOPTS_H
#define ISOPIPE_PL_SOPTS_H

#include <libavformat/avformat.h>
#include <stdbool.h>

#include "pipeline/pl_meta.h"
#include "pipeline/pl_sidx.h"

struct pl_job;

/* True for bsf, tag, disposition with or without a specifier (:v, :a,
 * :s, :v:N, :N). */
bool pl_sopt_is(const char *key);
/* Checks a value before anything runs (unknown bitstream filter, bad tag,
 * unknown disposition): 0, or -1 with err naming the option and value. */
int pl_sopt_check(const char *key, const char *value, char *err, size_t n);
/* The value for the stream at pos: the last option that matches it, as
 * ffmpeg's per-stream options resolve; NULL none. */
const char *pl_sopt_get(const AVDictionary *sopts, const char *name, pl_spos pos);
/* Sets the file's streams' dispositions (the input's: disposition[i] of
 * input stream i, nin of them; then -disposition, or ffmpeg's default for
 * a type with several streams) and -tag codec tags (sopts: pl_job.sopts). */
int pl_sopt_apply(const AVDictionary *sopts, const int *disposition, int nin, AVFormatContext *oc,
                  const pl_meta_stream *st, int nst, char *err, size_t n);

#endif
