/* -sws_flags reaches every scale filter as ffmpeg's: framemd5 equal to ffmpeg's per flag set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-sws") < 0) return -1;
  return tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", NULL, 176, 144, 0.5, 0, 0) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static void t_same_pictures(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* Without the option, then three that change the pictures (ffmpeg's
   * default is bicubic): each must give ffmpeg's frames, and they differ. */
  static const char *const flags[] = {NULL, "neighbor", "lanczos+accurate_rnd", "area"};
  char first[4][64] = {{0}};
  for (int i = 0; i < 4; i++) {
    char out[800], ref[800], err[4096], why[512];
    snprintf(out, sizeof out, "%s/i%d.framemd5", g_dir, i);
    snprintf(ref, sizeof ref, "%s/f%d.framemd5", g_dir, i);
    const char *a[20] = {"-v", "error", "-y", "-i", g_in, "-vf", "scale=100:-2,scale=240:180"};
    const char *f[20] = {"-i", g_in, "-vf", "scale=100:-2,scale=240:180"};
    int na = 7, nf = 4;
    if (flags[i]) {
      a[na++] = f[nf++] = "-sws_flags";
      a[na++] = f[nf++] = flags[i];
    }
    const char *tail[] = {"-c:v", "rawvideo", "-f", "framemd5"};
    for (int k = 0; k < 4; k++)
      a[na++] = f[nf++] = tail[k];
    a[na] = out;
    f[nf] = ref;
    assert_int_equal(ch_run_err(a, err, sizeof err), 0);
    assert_int_equal(tm_run_ffmpeg(f), 0);
    int lines = 0;
    bool same = tm_framemd5_equal(out, ref, &lines, why, sizeof why);
    if (!same) printf("%s: %s\n", flags[i] ? flags[i] : "(default)", why);
    assert_true(same);
    assert_true(lines >= 10);
    FILE *fp = fopen(out, "r");
    assert_non_null(fp);
    char line[512];
    while (fgets(line, sizeof line, fp))
      if (line[0] != '#') {
        snprintf(first[i], sizeof first[i], "%s", strrchr(line, ',') ? strrchr(line, ',') : "");
        break;
      }
    fclose(fp);
  }
  for (int i = 1; i < 4; i++)
    assert_string_not_equal(first[i], first[0]);
}

static void t_bad_flags(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/bad.mkv", g_dir);
  const char *a[] = {"-y", "-i", g_in, "-sws_flags", "lanczos+nosuch", "-s", "64x48", out, NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "-sws_flags"));
  assert_non_null(strstr(err, "lanczos+nosuch"));
  assert_false(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_same_pictures),
      cmocka_unit_test(t_bad_flags),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
