/* An allocation that fails inside an encoder: the run fails naming the encode stage and memory
 * (or FFmpeg's lack of a reason), never with EPERM's text, or writes every packet. */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "isopipe/isolate.h"

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"
#include "test_need.h"

/*
 * FFmpeg's av_malloc allocates with posix_memalign; the definition below
 * takes its place for the whole process (the executable's symbol comes
 * before libc's and a sanitizer's), and passes every call on to the next
 * one. While a thread is inside an encoder call (the executable is linked
 * with --wrap for avcodec_send_frame and avcodec_receive_packet, which the
 * codec layer calls), the Nth allocation fails with ENOMEM.
 *
 * The mpegvideo encoders turn such a failure into a bare -1. Two ways to
 * fail: as glibc's allocator does when the system refuses memory (errno is
 * ENOMEM afterwards: under ulimit -v, posix_memalign of 1 MiB after 61 MiB
 * left errno 12), and as av_max_alloc's or a sanitizer's refusal does
 * (errno untouched). The first must read "out of memory", the second
 * "out of memory" or "FFmpeg gave no reason"; never "Operation not
 * permitted".
 */
static _Thread_local bool tl_in_encoder;
static atomic_long g_calls, g_fail_at, g_failed;
static atomic_bool g_set_errno;

int posix_memalign(void **p, size_t align, size_t n);
int posix_memalign(void **p, size_t align, size_t n) {
  static int (*real)(void **, size_t, size_t);
  if (!real) *(void **)&real = dlsym(RTLD_NEXT, "posix_memalign");
  if (tl_in_encoder) {
    long k = atomic_fetch_add(&g_calls, 1) + 1;
    if (k == atomic_load(&g_fail_at)) {
      atomic_fetch_add(&g_failed, 1);
      if (atomic_load(&g_set_errno)) errno = ENOMEM;
      return ENOMEM;
    }
  }
  return real(p, align, n);
}

int __real_avcodec_send_frame(AVCodecContext *c, const AVFrame *f);
int __wrap_avcodec_send_frame(AVCodecContext *c, const AVFrame *f);
int __real_avcodec_receive_packet(AVCodecContext *c, AVPacket *pkt);
int __wrap_avcodec_receive_packet(AVCodecContext *c, AVPacket *pkt);

int __wrap_avcodec_send_frame(AVCodecContext *c, const AVFrame *f) {
  tl_in_encoder = true;
  int r = __real_avcodec_send_frame(c, f);
  tl_in_encoder = false;
  return r;
}

int __wrap_avcodec_receive_packet(AVCodecContext *c, AVPacket *pkt) {
  tl_in_encoder = true;
  int r = __real_avcodec_receive_packet(c, pkt);
  tl_in_encoder = false;
  return r;
}

static int g_bad, g_runs, g_nomem, g_noreason;

/* One transcode with the fail_at-th encoder allocation failing (0: none). */
static long one_run(const char *in, const char *out, const char *const (*kv)[2], long fail_at,
                    char *err, size_t errlen) {
  atomic_store(&g_calls, 0);
  atomic_store(&g_failed, 0);
  atomic_store(&g_fail_at, fail_at);
  long got = rel_pipeline_packets(in, out, kv, err, errlen);
  atomic_store(&g_fail_at, 0);
  return got;
}

static void one_encoder(const char *label, const char *in, const char *out,
                        const char *const (*kv)[2], bool set_errno) {
  char err[1024];
  atomic_store(&g_set_errno, set_errno);
  long want = one_run(in, out, kv, 0, err, sizeof err);
  long calls = atomic_load(&g_calls);
  if (want <= 0 || calls <= 0) {
    printf("FAIL %s: the run without a failure gave %ld packets after %ld allocations: %s\n", label,
           want, calls, err);
    g_bad++;
    return;
  }
  printf("%s (errno %s): %ld packets, %ld allocations inside encoder calls\n", label,
         set_errno ? "set" : "untouched", want, calls);
  long step = calls <= 40 ? 1 : calls / 40;
  int failed_runs = 0;
  for (long n = 1; n <= calls; n += step) {
    long got = one_run(in, out, kv, n, err, sizeof err);
    bool hit = atomic_load(&g_failed) > 0;
    bool nomem = strstr(err, "out of memory") != NULL;
    bool noreason = strstr(err, "FFmpeg gave no reason") != NULL;
    const char *problem = NULL;
    if (got >= 0 && got != want)
      problem = hit ? "success with fewer packets" : "fewer packets without a failed allocation";
    else if (got < 0 && (!hit || !strstr(err, "encode:")))
      problem = "a failure that does not name the encoder";
    else if (got < 0 && strstr(err, "Operation not permitted"))
      problem = "EPERM's text for an allocation failure";
    else if (got < 0 && !nomem && (set_errno || !noreason))
      problem = set_errno ? "a failure after a refused allocation that does not say out of memory"
                          : "neither out of memory nor FFmpeg's missing reason";
    g_runs++;
    if (got < 0) {
      failed_runs++;
      g_nomem += nomem;
      g_noreason += noreason;
    }
    if (problem) {
      printf("FAIL %s, allocation #%ld fails: %s: %ld of %ld packets; %s\n", label, n, problem,
             got < 0 ? 0 : got, want, err);
      g_bad++;
    } else if (got < 0 && failed_runs <= 2) {
      printf("ok   %s allocation #%ld fails: %s\n", label, n, err);
    }
  }
  printf("%s: %d runs failed cleanly\n", label, failed_runs);
}

int main(void) {
  rel_env_init();
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  char dir[512], gen[600], out[600];
  if (tm_tmpdir_make(dir, sizeof dir) != 0) return 1;
  if (tm_gen_simple(gen, sizeof gen, dir, "in.mkv", "mpeg4", "aac", 96, 64, 0.4, 2, 48000) < 0)
    return 1;
  tm_path(out, sizeof out, dir, "out.mkv");
  static const char *const mpeg4[][2] = {{"c:v", "mpeg4"}, {"an", "1"},       {"s", "160x120"},
                                         {"threads", "1"}, {"f", "matroska"}, {"overwrite", "1"},
                                         {NULL, NULL}};
  static const char *const mjpeg[][2] = {{"c:v", "mjpeg"},        {"an", "1"},
                                         {"pix_fmt", "yuvj420p"}, {"f", "matroska"},
                                         {"overwrite", "1"},      {NULL, NULL}};
  static const char *const aac[][2] = {
      {"c:a", "aac"}, {"vn", "1"}, {"f", "matroska"}, {"overwrite", "1"}, {NULL, NULL}};
  one_encoder("mpeg4", gen, out, mpeg4, true);
  one_encoder("mpeg4", gen, out, mpeg4, false);
  one_encoder("mjpeg", gen, out, mjpeg, true);
  one_encoder("aac", gen, out, aac, true);
  tm_tmpdir_remove(dir);
  iso_runtime_shutdown();
  printf("enc-fail: %d runs (%d read out of memory, %d FFmpeg gave no reason), %d failures\n",
         g_runs, g_nomem, g_noreason, g_bad);
  /* Without a single failed run nothing was tested. */
  if (g_nomem == 0) {
    printf("FAIL no run failed out of memory\n");
    g_bad++;
  }
  return g_bad ? 1 : 0;
}
