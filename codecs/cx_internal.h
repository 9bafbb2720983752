/* Private helpers shared by the codec layer's source files (not part of the contract). */
#ifndef ISOPIPE_CX_INTERNAL_H
#define ISOPIPE_CX_INTERNAL_H

#include "codecs/codecs.h"

#include <string.h>

/* Fills err with "<what>: <FFmpeg's reason>" and returns averr (or
 * AVERROR(EINVAL) when averr is not an error code). */
int cx_fail(char *err, int averr, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* True if name is one of the comma-separated entries of list. */
bool cx_name_in_list(const char *list, const char *name);

/* A buffer / abuffer source's arguments for frames like f (pts in in_tb). */
struct AVBPrint;
int cx_fgraph_source_args(enum AVMediaType type, AVRational in_tb, AVRational frame_rate,
                          const AVFrame *f, struct AVBPrint *bp);
/* Each filter of a graph description created alone: an unknown name or a
 * refused option fails naming that filter; movie / amovie are refused. */
int cx_fgraph_check_each(const char *desc, char *err);

#endif
