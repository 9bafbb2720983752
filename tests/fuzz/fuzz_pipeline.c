/* libFuzzer target: untrusted bytes through the whole pipeline (stage isolates, inline mode). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"

#include "fuzz_transcode.h"

/*
 * The codec-layer target (fuzz_transcode.c) cannot reach the stage code in
 * pipeline/: links, credits, EOF and error propagation, timestamps across
 * stages. This one runs a real pipeline on the bytes, in the runtime's
 * inline mode so one input is one deterministic schedule on one thread.
 * The input is an anonymous memory file opened by path, so the demuxer
 * goes through the same file protocol and checks as for a user's file.
 */

/* Never linked with fuzz_transcode.c, which has its own. */
char fz_summary[256];

static void fp_quiet(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {}

static int fp_setup(void) {
  static int state; /* 0 not yet, 1 ready, -1 failed */
  if (state == 0) state = iso_runtime_init(ISO_MODE_INLINE) == ISO_OK ? 1 : -1;
  return state;
}

int fz_pipeline_one(const uint8_t *data, size_t size) {
  snprintf(fz_summary, sizeof fz_summary, "not run");
  if (fp_setup() < 0) return 0;
  int fd = memfd_create("fuzz-input", 0);
  if (fd < 0) return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  iso_pipeline *p = iso_pipeline_new();
  if (p) {
    iso_pipeline_callbacks cb = {.on_log = fp_quiet};
    iso_pipeline_set_callbacks(p, &cb, NULL);
    /* Small and short: the work per input stays bounded. The length picks
     * the audio encoder and the threads, as the codec-layer target does: a
     * quarter of the inputs keep FFmpeg's automatic threads (worker threads
     * started on every open, the decoder's switch to frame threads), the rest
     * one thread; aac (a fixed frame size, encoder delay) for half, flac (a
     * fixed frame size, no delay) and pcm_s16le (no frame size: no
     * re-chunking) for a quarter each. aac's open and the worker threads
     * were the costliest parts of an execution. */
    static const char *const acodec[4] = {"aac", "aac", "flac", "pcm_s16le"};
    const char *kv[][2] = {
        {"i", path},       {"o", "/dev/null"}, {"f", "matroska"},
        {"c:v", "mpeg4"},  {"s", "64x48"},     {"c:a", acodec[size % 4]},
        {"ac", "1"},       {"t", "2"},         {"threads", size % 4 == 0 ? "0" : "1"},
        {"overwrite", "1"}};
    int rc = ISO_OK;
    for (size_t i = 0; i < sizeof kv / sizeof kv[0] && rc == ISO_OK; i++)
      rc = iso_pipeline_set(p, kv[i][0], kv[i][1]);
    if (rc == ISO_OK) rc = iso_pipeline_run(p);
    snprintf(fz_summary, sizeof fz_summary, "pipeline: %s%s%s", iso_strerror(rc),
             rc == ISO_OK ? "" : ": ", rc == ISO_OK ? "" : iso_pipeline_error(p));
    iso_pipeline_free(p);
  }
  close(fd);
  return 0;
}

#ifdef FZ_PIPELINE_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fz_pipeline_one(data, size);
}
#endif
