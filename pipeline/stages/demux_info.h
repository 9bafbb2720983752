/* What the demux tells main of its input: each stream's description, the input's length and
 * format, and each stream's -itsscale. */
#ifndef ISOPIPE_PIPELINE_STAGES_DEMUX_INFO_H
#define ISOPIPE_PIPELINE_STAGES_DEMUX_INFO_H

#include <stddef.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"

/* The input d opened with set's options, described to main in info: its
 * streams, its length on the output's clock (-itsscale, -stream_loop, a
 * further input's -ss/-t/-itsoffset) and its format; st logs what -sseof
 * could not do. scale: each stream's -itsscale (pl_demux_scales). */
void pl_demux_describe(pl_stage *st, cx_demux *d, const pl_demux_set *set, const double *scale,
                       pl_input_info *info);
/* Each of the first nstreams streams' -itsscale in scale: the last one
 * whose specifier matches it, as ffmpeg's per-stream options; 1 when none
 * does. 0, or a negative AVERROR with err filled. */
int pl_demux_scales(cx_demux *d, const pl_demux_set *set, int nstreams, double *scale, char *err,
                    size_t n);
/* Sets the first nstreams streams' AVStream.discard from set's -discard
 * (pl_discard). 0, or a negative AVERROR with err filled. */
int pl_demux_discards(cx_demux *d, const pl_demux_set *set, int nstreams, char *err, size_t n);
/* Gives each of the first nstreams audio streams whose channel order is
 * unspecified its count's default layout, within set's -guess_layout_max
 * (pl_guess_layout), in its AVCodecParameters (so decoders, stream copies
 * and the input's description see it) and says so on st as ffmpeg does;
 * a stream left unspecified keeps its channel count alone downstream.
 * 0, or a negative AVERROR with err filled. */
int pl_demux_guess_layouts(pl_stage *st, cx_demux *d, const pl_demux_set *set, int nstreams,
                           char *err, size_t n);

#endif
