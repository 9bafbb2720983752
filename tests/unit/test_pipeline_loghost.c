/* FFmpeg's process-wide log callback is not taken over: the host's own lines on main go to the
 * host's callback while pipelines run, and the host's callback is back in place after them. */
#include "test_pipeline_util.h"

static char g_dir[512];
static char g_clip[1024];
static int g_host_lines;
static int g_host_marked;

static void host_cb(void *avcl, int level, const char *fmt, va_list vl) {
  (void)avcl, (void)level, (void)vl;
  g_host_lines++;
  if (strstr(fmt, "host-marker")) g_host_marked++;
}

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tm_gen_simple(g_clip, sizeof g_clip, g_dir, "in.mkv", "mpeg4", "flac", 160, 120, 2.0, 1,
                    48000) != 0)
    return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  iso_set_ffmpeg_log_callback(NULL);
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

typedef struct seen {
  int marked; /* host lines that reached the pipeline instead */
} seen;

static void on_log(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {
  (void)p, (void)level, (void)stage;
  seen *s = ud;
  if (strstr(line, "host-marker")) s->marked++;
}

static void t_host_lines_and_restore(void **state) {
  (void)state;
  iso_set_ffmpeg_log_callback(host_cb);
  g_host_lines = g_host_marked = 0;
  av_log(NULL, AV_LOG_ERROR, "host-marker before\n");
  assert_int_equal(g_host_marked, 1); /* installed at once */

  char out[1024];
  tm_path(out, sizeof out, g_dir, "out.mkv");
  seen s;
  memset(&s, 0, sizeof s);
  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", g_clip);
  iso_pipeline_set(p, "o", out);
  iso_pipeline_set(p, "c:v", "mpeg4");
  iso_pipeline_callbacks cb = {.on_log = on_log};
  iso_pipeline_set_callbacks(p, &cb, &s);
  assert_int_equal(iso_pipeline_start(p), ISO_OK);
  int during = 0;
  while (!iso_pipeline_done(p)) {
    iso_loop_poll(20000000ull);
    /* The host's own FFmpeg call on main, between pipeline events. */
    av_log(NULL, AV_LOG_ERROR, "host-marker during\n");
    during++;
  }
  assert_int_equal(iso_pipeline_status(p), ISO_OK);
  iso_pipeline_free(p);
  assert_int_equal(s.marked, 0);
  assert_int_equal(g_host_marked, 1 + during);
  /* After the last pipeline: the host's callback, not FFmpeg's default. */
  av_log(NULL, AV_LOG_ERROR, "host-marker after\n");
  assert_int_equal(g_host_marked, 2 + during);
  iso_set_ffmpeg_log_callback(NULL);
  av_log_set_level(AV_LOG_QUIET);
  av_log(NULL, AV_LOG_ERROR, "host-marker default\n");
  av_log_set_level(AV_LOG_INFO);
  assert_int_equal(g_host_marked, 2 + during);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_host_lines_and_restore),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
