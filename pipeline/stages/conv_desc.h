/* The convert stages' filter graph text and its building (conv_desc.c). */
#ifndef ISOPIPE_CONV_DESC_H
#define ISOPIPE_CONV_DESC_H

#include <libavutil/bprint.h>

#include "pipeline/pl_stage.h"

/* Source -> [rotation] -> user's chain -> -s scale -> -aspect setdar ->
 * what the encoder accepts; fixed (w, h, format): the first graph's output,
 * which later graphs keep. 0 or AVERROR(ENOMEM). */
int conv_video_desc(const pl_conv_set *c, const int *fixed, AVBPrint *bp);
/* [-async's aresample, -vol's volume] -> user's chain -> what the encoder accepts; fixed
 * (format, rate) and fixed_layout: the first graph's output. */
int conv_audio_desc(const pl_conv_set *c, const int *fixed, const AVChannelLayout *fixed_layout,
                    AVBPrint *bp);
/* Builds the graph desc for frame in; a failure fails the stage naming the
 * user's filter (a usage error) or memory. */
int conv_graph_open(pl_stage *st, const pl_conv_set *c, cx_fgraph **g, AVBPrint *desc,
                    const pl_msg *in, AVRational frame_rate);

#endif
