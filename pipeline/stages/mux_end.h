/* How an output ends before its inputs do (-fs, -frames) or with nothing in it. */
#ifndef ISOPIPE_PL_MUX_END_H
#define ISOPIPE_PL_MUX_END_H

#include "pipeline/stages/mux_filter.h"

/* After a packet of stream m_index was written: -fs and -frames as ffmpeg
 * 5.1 counts them, ending that stream or every stream. */
void pl_mux_check_limits(mux_impl *x, int m_index);
/* At the end: what -fs or -frames left out (verbose log). */
void pl_mux_report_limits(mux_impl *x);
/* The end of an output that got no packet, said as what: a failure, but
 * an exit 0 with ffmpeg's warning where the user's filters or -skip_frame
 * rightly kept nothing. */
void pl_mux_end_without_data(mux_impl *x, const char *what);

#endif
