/* -target (VCD, SVCD, DVD, DV) and the encoders' stream properties: files byte for byte ffmpeg's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-target") < 0) return -1;
  return tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", "aac", 176, 144, 2, 0, 0) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* isopipe and ffmpeg on "-i IN ARGS OUT": both succeed, the same bytes. */
static void same_file(const char *title, const char *ext, const char *const *args) {
  char out[800], ref[800], err[4096];
  snprintf(out, sizeof out, "%s/iso.%s", g_dir, ext);
  snprintf(ref, sizeof ref, "%s/ff.%s", g_dir, ext);
  const char *a[40] = {"-v", "error", "-y", "-i", g_in}, *f[40] = {"-y", "-i", g_in};
  int na = 5, nf = 3;
  for (int k = 0; args[k]; k++)
    a[na++] = f[nf++] = args[k];
  a[na++] = out;
  f[nf++] = ref;
  int rc = ch_run_err(a, err, sizeof err);
  if (rc) printf("%s: %s\n", title, err);
  assert_int_equal(rc, 0);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  bool same = tm_same_file(out, ref);
  if (!same) printf("%s: the files differ\n", title);
  assert_true(same);
}

static void t_targets(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *dvd[] = {"-target", "pal-dvd", NULL};
  same_file("pal-dvd", "mpg", dvd);
  const char *ndvd[] = {"-target", "ntsc-dvd", "-b:v", "4000k", NULL};
  same_file("ntsc-dvd, -b:v after it", "mpg", ndvd);
  /* The encoder's settings only fill in what the output leaves unset
   * (-g before -target still counts); the size after it wins. */
  const char *before[] = {"-g", "12", "-target", "pal-dvd", "-s", "352x288", NULL};
  same_file("-g before, -s after", "mpg", before);
  const char *film[] = {"-target", "film-dvd", "-aspect", "16:9", NULL};
  same_file("film-dvd", "mpg", film);
  /* VCD and SVCD: the mux rate and the video buffer come from the
   * encoder's CPB properties. */
  const char *vcd[] = {"-target", "ntsc-vcd", NULL};
  same_file("ntsc-vcd", "mpg", vcd);
  const char *svcd[] = {"-target", "pal-svcd", NULL};
  same_file("pal-svcd", "mpg", svcd);
  const char *ndv[] = {"-target", "ntsc-dv", NULL};
  same_file("ntsc-dv", "dv", ndv);
  /* The DV muxer refuses the last PAL frame for want of audio, as in
   * ffmpeg: the file is whole, the run succeeds with a warning. */
  const char *pdv[] = {"-target", "pal-dv", NULL};
  same_file("pal-dv", "dv", pdv);
}

static void t_refused(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/refused.mpg", g_dir);
  const char *bare[] = {"-y", "-i", g_in, "-target", "dvd", out, NULL};
  assert_int_equal(ch_run_err(bare, err, sizeof err), 2);
  assert_non_null(strstr(err, "-target dvd"));
  assert_non_null(strstr(err, "pal-dvd"));
  const char *odd[] = {"-y", "-i", g_in, "-target", "pal-bluray", out, NULL};
  assert_int_equal(ch_run_err(odd, err, sizeof err), 2);
  assert_non_null(strstr(err, "unknown target"));
  assert_false(tm_file_exists(out));
}

/* The encoder tag ffmpeg writes without its version when the muxer's or
 * that encoder's bitexact flag is set, and the encoder's bit rates in the
 * mp4 sample description. */
static void t_bitexact_flags(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *flags[] = {"-c:v",     "mpeg4",     "-b:v",      "500k",     "-c:a",
                         "aac",      "-fflags",   "+bitexact", "-flags:v", "+bitexact",
                         "-flags:a", "+bitexact", NULL};
  same_file("-flags:v +bitexact", "mp4", flags);
  const char *x264[] = {"-c:v",     "libx264",   "-maxrate", "1M",        "-bufsize",
                        "2M",       "-c:a",      "aac",      "-flags:v",  "+bitexact",
                        "-flags:a", "+bitexact", "-fflags",  "+bitexact", NULL};
  same_file("x264 with a VBV", "mp4", x264);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_targets),
      cmocka_unit_test(t_refused),
      cmocka_unit_test(t_bitexact_flags),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
