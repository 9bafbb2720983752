/* Pipeline tests: several outputs write, frame for frame, what one output each writes, in both
 * runtime modes. */
#include "test_pipeline_util.h"

#include <sys/wait.h>
#include <unistd.h>

static char g_dir[512];

static int setup(void **state) {
  (void)state;
  return tm_tmpdir_make(g_dir, sizeof g_dir) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* One process per run: the runtime's mode is chosen once per process.
 * outs[k] is output #k's NULL-terminated key/value list ("o" first). */
static int run_in_child(iso_mode mode, const char *in, const char *const *const *outs, int n) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (iso_runtime_init(mode) != ISO_OK) _exit(3);
    iso_pipeline *p = iso_pipeline_new();
    if (iso_pipeline_set(p, "i", in) != ISO_OK) _exit(4);
    for (int k = 0; k < n; k++) {
      if (k && iso_pipeline_add_output(p) != k) _exit(5);
      for (int i = 0; outs[k][i]; i += 2)
        if (iso_pipeline_set_output(p, k, outs[k][i], outs[k][i + 1]) != ISO_OK) _exit(6);
#ifdef TP_TSAN
      iso_pipeline_set_output(p, k, "threads", "1");
#endif
    }
    int st = iso_pipeline_run(p);
    if (st != ISO_OK) fprintf(stderr, "child: %s\n", iso_pipeline_error(p));
    iso_pipeline_free(p);
    iso_runtime_shutdown();
    _exit(st == ISO_OK ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* framemd5 of two scaled outputs (rawvideo + pcm): the run with both, in
 * threads and in inline mode, equals the two single-output runs. */
static void t_multi_equals_singles(void **state) {
  (void)state;
  char in[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  static const char *const tag[] = {"single", "threads", "inline"};
  char path[3][2][1024];
  for (int t = 0; t < 3; t++)
    for (int k = 0; k < 2; k++) {
      char name[64];
      snprintf(name, sizeof name, "%s-%d.framemd5", tag[t], k);
      tm_path(path[t][k], sizeof path[t][k], g_dir, name);
    }
  const char *sizes[] = {"160x120", "96x72"};
  const char *o[3][2][16];
  for (int t = 0; t < 3; t++)
    for (int k = 0; k < 2; k++) {
      const char *kv[] = {"o",      path[t][k],  "f",        "framemd5", "s",
                          sizes[k], "c:v",       "rawvideo", "pix_fmt",  "yuv420p",
                          "c:a",    "pcm_s16le", NULL};
      memcpy(o[t][k], kv, sizeof kv);
    }
  for (int k = 0; k < 2; k++) {
    const char *const *one[] = {o[0][k]};
    assert_int_equal(run_in_child(ISO_MODE_THREADS, in, one, 1), 0);
  }
  const char *const *two_t[] = {o[1][0], o[1][1]};
  assert_int_equal(run_in_child(ISO_MODE_THREADS, in, two_t, 2), 0);
  const char *const *two_i[] = {o[2][0], o[2][1]};
  assert_int_equal(run_in_child(ISO_MODE_INLINE, in, two_i, 2), 0);
  for (int k = 0; k < 2; k++) {
    assert_true(tm_file_size(path[0][k]) > 1000);
    if (!tm_same_file(path[0][k], path[1][k])) fail_msg("output #%d differs (threads)", k);
    if (!tm_same_file(path[0][k], path[2][k])) fail_msg("output #%d differs (inline)", k);
  }
  assert_false(tm_same_file(path[0][0], path[0][1])); /* the sizes differ: a test that can fail */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_multi_equals_singles),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
