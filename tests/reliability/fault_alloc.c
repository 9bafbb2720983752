/* Link-time allocation-failure injection: the Nth allocation made by our own code fails. */
#include "fault_alloc.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>

/*
 * The test executable is linked with -Wl,--wrap=SYM for every SYM below, so
 * calls to SYM from statically linked objects (libisopipe.a, the test) land
 * in __wrap_SYM; FFmpeg's own calls inside its shared libraries are not
 * touched. Counters are atomic because every isolate is a thread.
 */
static atomic_long fa_count, fa_fail_at, fa_failed;
static atomic_bool fa_armed, fa_persist, fa_trace;

void rel_fault_arm(long fail_at, bool persist) {
  atomic_store(&fa_count, 0);
  atomic_store(&fa_failed, 0);
  atomic_store(&fa_fail_at, fail_at);
  atomic_store(&fa_persist, persist);
  /* ISO_FAULT_TRACE=1 prints where the failed allocation was made. The
   * first backtrace() loads libgcc, which allocates: do it now. */
  if (getenv("ISO_FAULT_TRACE")) {
    void *warm[4];
    backtrace(warm, 4);
    atomic_store(&fa_trace, true);
  }
  atomic_store(&fa_armed, true);
}

void rel_fault_disarm(void) {
  atomic_store(&fa_armed, false);
}
long rel_fault_count(void) {
  return atomic_load(&fa_count);
}
long rel_fault_failed(void) {
  return atomic_load(&fa_failed);
}

static bool fa_fail(void) {
  if (!atomic_load_explicit(&fa_armed, memory_order_relaxed)) return false;
  long n = atomic_fetch_add(&fa_count, 1) + 1;
  long at = atomic_load(&fa_fail_at);
  if (at <= 0 || n < at || (n > at && !atomic_load(&fa_persist))) return false;
  atomic_fetch_add(&fa_failed, 1);
  if (atomic_load(&fa_trace)) {
    void *frames[24];
    int n = backtrace(frames, 24);
    static const char head[] = "fault_alloc: failing this allocation:\n";
    if (write(2, head, sizeof head - 1) < 0) return true;
    backtrace_symbols_fd(frames, n, 2);
  }
  return true;
}

/* libc */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t n) {
  return fa_fail() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m) {
  return fa_fail() ? NULL : __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n) {
  return fa_fail() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s) {
  return fa_fail() ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n) {
  return fa_fail() ? NULL : __real_strndup(s, n);
}
int __wrap_posix_memalign(void **p, size_t align, size_t n) {
  return fa_fail() ? ENOMEM : __real_posix_memalign(p, align, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n) {
  return fa_fail() ? NULL : __real_aligned_alloc(align, n);
}
/* A thread that cannot start is the same resource failure as memory. */
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
  return fa_fail() ? EAGAIN : __real_pthread_create(t, a, fn, arg);
}

/* FFmpeg allocators and object constructors our code calls. */
void *__real_av_malloc(size_t n);
void *__real_av_mallocz(size_t n);
void *__real_av_calloc(size_t n, size_t m);
void *__real_av_malloc_array(size_t n, size_t m);
void *__real_av_realloc(void *p, size_t n);
char *__real_av_strdup(const char *s);
AVFrame *__real_av_frame_alloc(void);
AVFrame *__real_av_frame_clone(const AVFrame *f);
int __real_av_frame_ref(AVFrame *d, const AVFrame *s);
int __real_av_frame_get_buffer(AVFrame *f, int align);
AVPacket *__real_av_packet_alloc(void);
AVPacket *__real_av_packet_clone(const AVPacket *p);
int __real_av_packet_ref(AVPacket *d, const AVPacket *s);
AVCodecContext *__real_avcodec_alloc_context3(const AVCodec *c);
AVFormatContext *__real_avformat_alloc_context(void);
SwrContext *__real_swr_alloc(void);

void *__wrap_av_malloc(size_t n);
void *__wrap_av_mallocz(size_t n);
void *__wrap_av_calloc(size_t n, size_t m);
void *__wrap_av_malloc_array(size_t n, size_t m);
void *__wrap_av_realloc(void *p, size_t n);
char *__wrap_av_strdup(const char *s);
AVFrame *__wrap_av_frame_alloc(void);
AVFrame *__wrap_av_frame_clone(const AVFrame *f);
int __wrap_av_frame_ref(AVFrame *d, const AVFrame *s);
int __wrap_av_frame_get_buffer(AVFrame *f, int align);
AVPacket *__wrap_av_packet_alloc(void);
AVPacket *__wrap_av_packet_clone(const AVPacket *p);
int __wrap_av_packet_ref(AVPacket *d, const AVPacket *s);
AVCodecContext *__wrap_avcodec_alloc_context3(const AVCodec *c);
AVFormatContext *__wrap_avformat_alloc_context(void);
SwrContext *__wrap_swr_alloc(void);

void *__wrap_av_malloc(size_t n) {
  return fa_fail() ? NULL : __real_av_malloc(n);
}
void *__wrap_av_mallocz(size_t n) {
  return fa_fail() ? NULL : __real_av_mallocz(n);
}
void *__wrap_av_calloc(size_t n, size_t m) {
  return fa_fail() ? NULL : __real_av_calloc(n, m);
}
void *__wrap_av_malloc_array(size_t n, size_t m) {
  return fa_fail() ? NULL : __real_av_malloc_array(n, m);
}
void *__wrap_av_realloc(void *p, size_t n) {
  return fa_fail() ? NULL : __real_av_realloc(p, n);
}
char *__wrap_av_strdup(const char *s) {
  return fa_fail() ? NULL : __real_av_strdup(s);
}
AVFrame *__wrap_av_frame_alloc(void) {
  return fa_fail() ? NULL : __real_av_frame_alloc();
}
AVFrame *__wrap_av_frame_clone(const AVFrame *f) {
  return fa_fail() ? NULL : __real_av_frame_clone(f);
}
int __wrap_av_frame_ref(AVFrame *d, const AVFrame *s) {
  return fa_fail() ? AVERROR(ENOMEM) : __real_av_frame_ref(d, s);
}
int __wrap_av_frame_get_buffer(AVFrame *f, int align) {
  return fa_fail() ? AVERROR(ENOMEM) : __real_av_frame_get_buffer(f, align);
}
AVPacket *__wrap_av_packet_alloc(void) {
  return fa_fail() ? NULL : __real_av_packet_alloc();
}
AVPacket *__wrap_av_packet_clone(const AVPacket *p) {
  return fa_fail() ? NULL : __real_av_packet_clone(p);
}
int __wrap_av_packet_ref(AVPacket *d, const AVPacket *s) {
  return fa_fail() ? AVERROR(ENOMEM) : __real_av_packet_ref(d, s);
}
AVCodecContext *__wrap_avcodec_alloc_context3(const AVCodec *c) {
  return fa_fail() ? NULL : __real_avcodec_alloc_context3(c);
}
AVFormatContext *__wrap_avformat_alloc_context(void) {
  return fa_fail() ? NULL : __real_avformat_alloc_context();
}
SwrContext *__wrap_swr_alloc(void) {
  return fa_fail() ? NULL : __real_swr_alloc();
}
