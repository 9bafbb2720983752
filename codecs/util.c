/* Small helpers shared by the codec layer: error strings and error reporting. */
#include "codecs/cx_internal.h"

#include "base/textfit.h"

#include <errno.h>
#include <libavfilter/avfilter.h>
#include <libavutil/bprint.h>
#include <libavutil/error.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static _Thread_local void *tl_log_tag;

void cx_log_tag_set(void *tag) {
  tl_log_tag = tag;
}

void *cx_log_tag(void) {
  return tl_log_tag;
}

const char *cx_errstr(int averr, char *buf, size_t len) {
  if (!buf || len == 0) return "";
  if (averr == CX_ERR_NO_REASON) {
    snprintf(buf, len, "FFmpeg gave no reason");
    return buf;
  }
  if (av_strerror(averr, buf, len) < 0) snprintf(buf, len, "error %d", averr);
  return buf;
}

static _Thread_local bool tl_oom_logged;
static _Thread_local bool tl_quiet;

void cx_graph_free_quiet(struct AVFilterGraph **graph) {
  tl_quiet = true;
  avfilter_graph_free(graph);
  tl_quiet = false;
}

bool cx_log_quiet(void) {
  return tl_quiet;
}

void cx_log_error_seen(int sys_errno) {
  if (sys_errno == ENOMEM) tl_oom_logged = true;
}

void cx_oom_watch_log(void) {
  tl_oom_logged = false;
}

/* errno alone is evidence only after a call that failed: glibc leaves
 * ENOMEM behind on allocations it served after all (a brk refused where
 * the heap meets another mapping, an mmap refused under ulimit -v, each
 * followed by a fallback that succeeds). A failed call with ENOMEM in
 * errno is out of memory whatever code it gave (h264 calls a picture it
 * could not allocate invalid data); so is a call that logged an error
 * with ENOMEM in errno and went on. EAGAIN is the codec API's flow
 * control, never a failure. */
int cx_oom_check(int ret) {
  if (ret == AVERROR(EAGAIN)) return ret;
  if ((ret < 0 && errno == ENOMEM) || tl_oom_logged) return AVERROR(ENOMEM);
  return cx_codec_result(ret, 0);
}

/* The mpegvideo encoders (mpeg4, mpeg2video, mjpeg...) and others turn a
 * failed allocation into -1. glibc's allocator leaves ENOMEM in errno when
 * the system refuses memory (the failed brk or mmap set it), so that -1 is
 * told apart from a failure FFmpeg gave no reason for. */
int cx_codec_result(int ret, int err_no) {
  if (ret != -1) return ret;
  return err_no == ENOMEM ? AVERROR(ENOMEM) : CX_ERR_NO_REASON;
}

int cx_fail(char *err, int averr, const char *fmt, ...) {
  if (err) {
    /* Whole, then fitted: a long file name gives up its middle, never the
     * reason at the end. */
    AVBPrint bp;
    av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
    va_list ap;
    va_start(ap, fmt);
    av_vbprintf(&bp, fmt, ap);
    va_end(ap);
    if (averr < 0) {
      char why[128];
      av_bprintf(&bp, ": %s", cx_errstr(averr, why, sizeof why));
    }
    if (av_bprint_is_complete(&bp))
      textfit(err, CX_ERRLEN, bp.str);
    else
      snprintf(err, CX_ERRLEN, "out of memory");
    av_bprint_finalize(&bp, NULL);
  }
  return averr < 0 ? averr : AVERROR(EINVAL);
}

bool cx_name_in_list(const char *list, const char *name) {
  if (!list || !name) return false;
  size_t n = strlen(name);
  const char *p = list;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}
