/* Pipeline tests: inline mode (every isolate on one thread) writes what threads mode writes. */
#include "test_pipeline_util.h"

#include <sys/wait.h>
#include <unistd.h>

static char g_dir[512];

/* One process per mode: the runtime's mode is chosen once per process. */
static int run_in_child(iso_mode mode, const char *const *kv) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (iso_runtime_init(mode) != ISO_OK) _exit(3);
    iso_pipeline *p = iso_pipeline_new();
    for (int i = 0; kv[i]; i += 2)
      if (iso_pipeline_set(p, kv[i], kv[i + 1]) != ISO_OK) _exit(4);
    tp_tsan_threads(p, kv);
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

static void compare_modes(const char *clip, const char *ext, const char *const *opts) {
  char in[1024], o_inline[1024], o_threads[1024], name[64];
  tp_media(clip, in, sizeof in);
  snprintf(name, sizeof name, "inline.%s", ext);
  tm_path(o_inline, sizeof o_inline, g_dir, name);
  snprintf(name, sizeof name, "threads.%s", ext);
  tm_path(o_threads, sizeof o_threads, g_dir, name);
  const char *kv[32] = {"i", in, "o", o_inline};
  int n = 4;
  for (int i = 0; opts[i]; i++)
    kv[n++] = opts[i];
  kv[n] = NULL;
  assert_int_equal(run_in_child(ISO_MODE_INLINE, kv), 0);
  kv[3] = o_threads;
  assert_int_equal(run_in_child(ISO_MODE_THREADS, kv), 0);
  assert_true(tm_file_size(o_inline) > 0);
  assert_true(tm_same_file(o_inline, o_threads));
}

static void t_framemd5_same(void **state) {
  (void)state;
  const char *o[] = {"f", "framemd5", "c:v", "rawvideo", "c:a", "pcm_s16le", NULL};
  compare_modes("clip-h264-aac.mp4", "md5", o);
}

static void t_encode_same(void **state) {
  (void)state;
  /* Single-threaded encoders are deterministic: the bytes must match. */
  const char *o[] = {"c:v", "mpeg4",        "c:a",    "flac",      "threads", "1",
                     "vf",  "scale=160:-2", "fflags", "+bitexact", NULL};
  compare_modes("clip-5.1-flac.mkv", "mkv", o);
}

static int setup(void **state) {
  (void)state;
  return tm_tmpdir_make(g_dir, sizeof g_dir) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_framemd5_same),
      cmocka_unit_test(t_encode_same),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
