/* Pipeline test: FFmpeg's own codec threads on, so TSan builds check the hand-over of frames they
 * allocate (tools/tsan.supp). */
#include "test_pipeline_util.h"

static char g_dir[512];

/*
 * Other pipeline tests run codecs single-threaded under TSan (see
 * tp_tsan_threads). This one keeps frame-threaded decoding and x264's
 * threads, the configuration users run: frames allocated on FFmpeg's worker
 * threads cross several isolates and are freed there. Under TSan it needs
 * TSAN_OPTIONS=suppressions=tools/tsan.supp (FFmpeg's uninstrumented
 * atomics); any report on isopipe's own accesses still fails it.
 */
static void test_frame_threads(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "threads.mkv");
  const char *kv[] = {"i",       tp_media("clip-h264-aac.mp4", in, sizeof in),
                      "o",       out,
                      "c:v",     "libx264",
                      "preset",  "ultrafast",
                      "c:a",     "aac",
                      "threads", "4",
                      NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_OK);
  assert_int_equal(r.last.frames, 60); /* every frame of the 2 s clip */
  assert_int_equal(r.bytes_copied, 0);
}

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tp_teardown(state);
  tm_tmpdir_remove(g_dir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_frame_threads)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
