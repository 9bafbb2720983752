/* -dump_attachment: streams' extradata written to files when the input opens (demux_dump.c). */
#ifndef ISOPIPE_PIPELINE_STAGES_DEMUX_DUMP_H
#define ISOPIPE_PIPELINE_STAGES_DEMUX_DUMP_H

#include <stddef.h>

#include "pipeline/pl_stage.h"

struct AVFormatContext;

/* Writes, for each of set's -dump_attachment in order, the extradata of
 * every stream of fmt its specifier matches to its file (the stream's
 * filename tag when the file is ""), as ffmpeg 5.1 does; a stream without
 * extradata is a warning. 0, or -1 with err filled: a bad specifier, no
 * name, a name the output-path policy refuses, a write that failed. */
int pl_demux_dumps(pl_stage *st, struct AVFormatContext *fmt, const pl_demux_set *set, char *err,
                   size_t n);

#endif
