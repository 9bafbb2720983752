/* Private helpers shared by the codec layer's source files (not part of the contract). */
#ifndef ISOPIPE_CX_INTERNAL_H
#define ISOPIPE_CX_INTERNAL_H

#include "codecs/codecs.h"

#include <errno.h>
#include <string.h>

/* Some FFmpeg calls go on when an allocation inside them fails, as if the
 * data were corrupt or had ended (h264 drops a slice it cannot allocate,
 * avformat_find_stream_info takes a failed read for the end): the caller
 * would skip a frame or stop early, and the data would be gone. glibc's
 * allocators leave ENOMEM in the calling thread's errno when they fail, so
 * such a call is bracketed: cx_oom_watch() before it, cx_oom_check(ret)
 * after, which gives AVERROR(ENOMEM) when the call failed with ENOMEM in
 * errno, or went on after an error FFmpeg logged with ENOMEM in errno
 * (cx_log_error_seen), else a bare -1 as cx_codec_result does. errno
 * alone after a call that succeeded is no evidence (see util.c). */
static inline void cx_oom_watch(void) {
  errno = 0;
  cx_oom_watch_log();
}
int cx_oom_check(int ret);

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
/* A buffer source's clock. At the end a source is closed where its last
 * frame ends (its pts plus its duration), as ffmpeg closes it: a frame-rate
 * filter then gives the last frame its whole duration instead of cutting the
 * output one frame short. */
typedef struct cx_src_clock {
  AVRational tb, rate; /* of the frames' pts; the video frame rate ({0,x} unknown) */
  int64_t end;         /* AV_NOPTS_VALUE until a frame with a pts came */
} cx_src_clock;
void cx_src_clock_init(cx_src_clock *c, AVRational tb, AVRational rate);
/* Feeds frame (a new reference; the caller keeps its own) or, for NULL,
 * closes the source. push: run the graph on it now instead of at the next
 * request. */
struct AVFilterContext;
int cx_src_push(struct AVFilterContext *src, cx_src_clock *c, const AVFrame *frame, bool push);
/* Each filter of a graph description created alone: an unknown name or a
 * refused option fails naming that filter; movie / amovie are refused. */
int cx_fgraph_check_each(const char *desc, char *err);

#endif
