/* A decoder's picture or sample buffer that cannot be allocated: the run fails naming the decode
 * stage and memory, or writes every packet; never success with fewer. */
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
 * The executable is linked with -Wl,--wrap=avcodec_default_get_buffer2: the
 * decoders' buffer callback in the codec layer calls it, so the Nth buffer a
 * decoder asks for fails with ENOMEM, as it does under a low ulimit -v. Some
 * decoders (h264) then report invalid data, which must not be taken for a
 * corrupt packet and skipped.
 */
int __real_avcodec_default_get_buffer2(AVCodecContext *c, AVFrame *f, int flags);
int __wrap_avcodec_default_get_buffer2(AVCodecContext *c, AVFrame *f, int flags);

static atomic_long g_calls, g_fail_at, g_failed;
static atomic_bool g_lose_text;

int __wrap_avcodec_default_get_buffer2(AVCodecContext *c, AVFrame *f, int flags) {
  long n = atomic_fetch_add(&g_calls, 1) + 1;
  if (n == atomic_load(&g_fail_at)) {
    atomic_fetch_add(&g_failed, 1);
    return AVERROR(ENOMEM);
  }
  return __real_avcodec_default_get_buffer2(c, f, flags);
}

/* Also linked with --wrap=strdup: after the failed buffer, the error's own
 * text can be lost to memory too; the failure must still be named. */
char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);

char *__wrap_strdup(const char *s) {
  if (atomic_load(&g_lose_text) && atomic_load(&g_failed) > 0) return NULL;
  return __real_strdup(s);
}

static int g_bad, g_runs;

/* One transcode with the fail_at-th buffer failing (0: none). */
static long one_run(const char *in, const char *out, const char *threads, long fail_at, char *err,
                    size_t errlen) {
  atomic_store(&g_calls, 0);
  atomic_store(&g_failed, 0);
  atomic_store(&g_fail_at, fail_at);
  const char *const kv[][2] = {{"c:v", "mpeg4"},  {"c:a", "aac"},     {"s", "64x48"},
                               {"f", "matroska"}, {"overwrite", "1"}, {"threads", threads},
                               {NULL, NULL}};
  long got = rel_pipeline_packets(in, out, kv, err, errlen);
  atomic_store(&g_fail_at, 0);
  return got;
}

static void one_input(const char *label, const char *in, const char *out, const char *threads,
                      bool lose_text) {
  char err[1024];
  long want = one_run(in, out, threads, 0, err, sizeof err);
  long calls = atomic_load(&g_calls);
  if (want <= 0 || calls <= 0) {
    printf("FAIL %s (threads %s): the run without a failure gave %ld packets after %ld buffers: "
           "%s\n",
           label, threads, want, calls, err);
    g_bad++;
    return;
  }
  printf("%s (threads %s): %ld packets, %ld decoder buffers\n", label, threads, want, calls);
  /* Every buffer of a short input, else a spread that keeps the first. */
  long step = calls <= 24 ? 1 : calls / 24;
  int failed_runs = 0;
  atomic_store(&g_lose_text, lose_text);
  if (lose_text) printf("%s (threads %s), strdup failing after the buffer:\n", label, threads);
  for (long n = 1; n <= calls; n += step) {
    long got = one_run(in, out, threads, n, err, sizeof err);
    bool hit = atomic_load(&g_failed) > 0;
    const char *problem = NULL;
    if (got >= 0 && got != want && hit)
      problem = "success with fewer packets";
    else if (got >= 0 && got != want)
      problem = "fewer packets without a failed buffer";
    else if (got < 0 && (!hit || !strstr(err, "decode:") || !strstr(err, "out of memory")))
      problem = "a failure that does not name the decoder and memory";
    g_runs++;
    if (got < 0) failed_runs++;
    if (problem) {
      printf("FAIL %s (threads %s), buffer #%ld fails: %s: %ld of %ld packets; %s\n", label,
             threads, n, problem, got < 0 ? 0 : got, want, err);
      g_bad++;
    } else if (got < 0 && failed_runs <= 2) {
      printf("ok   %s buffer #%ld fails: %s\n", label, n, err);
    }
  }
  atomic_store(&g_lose_text, false);
  printf("%s (threads %s): %d runs failed cleanly\n", label, threads, failed_runs);
}

int main(void) {
  rel_env_init();
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  char dir[512], gen[600], out[600], real[700];
  if (tm_tmpdir_make(dir, sizeof dir) != 0) return 1;
  if (tm_gen_simple(gen, sizeof gen, dir, "in.mkv", "mpeg4", "aac", 96, 64, 0.4, 2, 48000) < 0)
    return 1;
  tm_path(out, sizeof out, dir, "out.mkv");
  one_input("mpeg4 + aac", gen, out, "1", false);
  one_input("mpeg4 + aac", gen, out, "1", true);
  /* h264 frame threads ask for buffers on their own threads. */
  if (tm_corpus_file("video/iibbibb_editlist_videoonly.mp4", real, sizeof real)) {
    one_input("h264 (iibbibb_editlist_videoonly.mp4)", real, out, "1", false);
    one_input("h264 (iibbibb_editlist_videoonly.mp4)", real, out, "2", false);
    one_input("h264 (iibbibb_editlist_videoonly.mp4)", real, out, "2", true);
  } else {
    tm_missing("the media corpus: only the generated input ran");
  }
  tm_tmpdir_remove(dir);
  iso_runtime_shutdown();
  printf("getbuf-fail: %d runs, %d failures\n", g_runs, g_bad);
  return g_bad ? 1 : 0;
}
