/* Pipeline tests: every readable corpus file transcodes to webm (vp9+opus). */
#include "test_need.h"
#include "test_pipeline_corpus.h"

static void t_to_webm(void **state) {
  (void)state;
  TM_NEED(tm_corpus_dir(), "the media corpus");
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the outputs are compared with its own)");
  const char *o[] = {"c:v",      "libvpx-vp9", "c:a", "libopus", "deadline",
                     "realtime", "cpu-used",   "8",   NULL};
  int n = 0;
  transcode_dir("video", "webm", o, "vp9", "opus", &n);
  transcode_dir("audio", "webm", o, "vp9", "opus", &n);
  assert_true(n > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_to_webm)};
  return tm_exit(cmocka_run_group_tests(tests, corpus_setup, corpus_teardown));
}
