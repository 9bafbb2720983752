/* A stream's shape for its encoder when its convert stage gives no frame: ffmpeg still opens the
 * encoder on the filter graph's output and declares the stream, with no packet. */
#ifndef ISOPIPE_CONV_SHAPE_H
#define ISOPIPE_CONV_SHAPE_H

#include "codecs/codecs.h"
#include "pipeline/pl_spawn.h"

/* A frame without data holding what the input stream in says of its
 * picture or samples, to build a graph from when no frame was decoded; NULL
 * when that is unknown or memory ran out. */
AVFrame *conv_shape_from_info(const pl_stream_info *in, enum AVMediaType type);
/* *out: a PL_FRAME_SHAPE message of a graph's output go (size, format and
 * aspect; rate, format and layout), in tb. 0 or AVERROR(ENOMEM). */
int conv_shape_new(const cx_fgraph_out *go, const AVChannelLayout *layout, enum AVMediaType type,
                   AVRational tb, pl_stamp stamp, pl_msg **out);
/* The same for g's output. */
int conv_shape_msg(const cx_fgraph *g, enum AVMediaType type, AVRational tb, pl_stamp stamp,
                   pl_msg **out);

#endif
