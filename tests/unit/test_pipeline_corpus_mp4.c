/* Pipeline tests: every readable corpus file transcodes to mp4 (h264+aac). */
#include "test_need.h"
#include "test_pipeline_corpus.h"

static void t_to_mp4(void **state) {
  (void)state;
  TM_NEED(tm_corpus_dir(), "the media corpus");
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the outputs are compared with its own)");
  /* Fast settings: the point is that every input goes through, not quality. */
  const char *o[] = {"c:v", "libx264", "c:a", "aac", "preset", "ultrafast", NULL};
  int n = 0;
  transcode_dir("video", "mp4", o, "h264", "aac", &n);
  transcode_dir("audio", "mp4", o, "h264", "aac", &n);
  assert_true(n > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_to_mp4)};
  return tm_exit(cmocka_run_group_tests(tests, corpus_setup, corpus_teardown));
}
