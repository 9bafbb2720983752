/* -timelimit on the CLI: the process ends with SIGXCPU after that much CPU time, as ffmpeg 5.1's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];

static int setup(void **state) {
  (void)state;
  /* The kernel's SIGXCPU dumps core by default: none here. */
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  return ch_mkdtemp(g_dir, sizeof g_dir, "cli-timelimit");
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* How ffmpeg ended on args: 128 + the signal that ended it, or its exit code. */
static int ffmpeg_end(const char *ffmpeg, const char *const *args) {
  const char *argv[32] = {"ffmpeg", "-nostdin"};
  int n = 2;
  for (int i = 0; args[i] && n < 31; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    execv(ffmpeg, (char *const *)argv);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Ten minutes of video to encode with one second of CPU: both programs
 * stop on the kernel's SIGXCPU and finish a readable file shorter than the
 * input; isopipe exits 128 + SIGXCPU, as for any signal, where ffmpeg
 * exits 255 ("Exiting normally, received signal 24"). With a limit far
 * above what the work takes, both finish the whole input. */
static void t_timelimit_as_ffmpeg(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *limits[] = {"1", "1000"};
  const char *durations[] = {"600", "0.2"};
  for (int i = 0; i < 2; i++) {
    char out[800], ref[800], src[100];
    snprintf(out, sizeof out, "%s/i%d.mkv", g_dir, i);
    snprintf(ref, sizeof ref, "%s/f%d.mkv", g_dir, i);
    snprintf(src, sizeof src, "testsrc2=s=640x480:d=%s", durations[i]);
    const char *a[] = {"-v", "error", "-y",   "-timelimit", limits[i], "-f", "lavfi",
                       "-i", src,     "-c:v", "mjpeg",      out,       NULL};
    ch_proc p;
    int rc = ch_run(&p, a, 300);
    ch_free(&p);
    a[11] = ref;
    int frc = ffmpeg_end(ffmpeg, a);
    tm_probe pi, pf;
    assert_int_equal(tm_probe_file(out, false, &pi), 0);
    assert_int_equal(tm_probe_file(ref, false, &pf), 0);
    printf(
        "-timelimit %s, %s s of video: isopipe exit %d, %.2f s written; ffmpeg exit %d, %.2f s\n",
        limits[i], durations[i], rc, pi.duration, frc, pf.duration);
    assert_int_equal(rc, i == 0 ? 128 + SIGXCPU : 0);
    assert_int_equal(frc, i == 0 ? 255 : 0);
    if (i == 0) {
      assert_true(pi.duration > 0 && pi.duration < 600);
      assert_true(pf.duration > 0 && pf.duration < 600);
    } else {
      assert_true(pi.duration > 0.1 && pi.duration < 0.3);
      assert_true(pi.duration == pf.duration);
    }
  }
}

/* A limit that is not a count of seconds is a usage error naming it. */
static void t_timelimit_bad_value(void **state) {
  (void)state;
  char out[800], err[2048];
  snprintf(out, sizeof out, "%s/bad.mkv", g_dir);
  const char *a[] = {"-timelimit", "soon", "-f", "lavfi", "-i", "testsrc", out, NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "-timelimit"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_timelimit_as_ffmpeg),
                                     cmocka_unit_test(t_timelimit_bad_value)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
