/* Small helpers shared by the codec layer: error strings and error reporting. */
#include "codecs/cx_internal.h"

#include "base/textfit.h"

#include <errno.h>
#include <libavutil/bprint.h>
#include <libavutil/error.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>

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

/* True when the process runs under an address-space or data-size limit
 * (ulimit -v, ulimit -d, a sandbox's setrlimit). */
static bool cx_memory_limited(void) {
  struct rlimit as, data;
  return (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) ||
         (getrlimit(RLIMIT_DATA, &data) == 0 && data.rlim_cur != RLIM_INFINITY);
}

/* Under such a limit glibc serves a large request from an arena's heap
 * when the mmap for it is refused, or a new thread from a shared arena
 * when its own cannot be mapped: the allocation succeeds and the refused
 * mmap has left ENOMEM in errno. Healthy calls would then be taken for out
 * of memory, so under a limit only a call that failed is (h264 calls a
 * picture it could not allocate invalid data); a call that succeeds after
 * a failed allocation goes unseen there, as it does in ffmpeg. The limit
 * is read only on that rare path. */
int cx_oom_check(int ret) {
  if (errno == ENOMEM && (ret < 0 || !cx_memory_limited())) return AVERROR(ENOMEM);
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
