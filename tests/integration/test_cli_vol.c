/* -vol on the CLI: the audio scaled by vol/256 before -af, byte for byte as ffmpeg 5.1 does it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512], g_wav[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-vol") < 0) return -1;
  return tm_gen_simple(g_wav, sizeof g_wav, g_dir, "in.wav", NULL, "pcm_s16le", 0, 0, 1.0, 2,
                       44100) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The same options before the output, by isopipe and by ffmpeg: the WAVs
 * are the same bytes. Each case but the unchanged 256 differs from the
 * input decoded as it is, so a -vol left out cannot pass. */
static void t_vol_as_ffmpeg(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const struct {
    const char *tag, *vol, *af;
  } cases[] = {{"plain", NULL, NULL},
               {"half", "128", NULL},
               {"same", "256", NULL},
               {"loud", "600", "aresample=22050"},
               {"mute", "0", NULL}};
  char plain[800] = "";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[800], ref[800], err[4096];
    snprintf(out, sizeof out, "%s/i_%s.wav", g_dir, cases[i].tag);
    snprintf(ref, sizeof ref, "%s/f_%s.wav", g_dir, cases[i].tag);
    const char *a[12], *f[12];
    int n = 0;
    a[n++] = "-y";
    a[n++] = "-i";
    a[n++] = g_wav;
    if (cases[i].vol) {
      a[n++] = "-vol";
      a[n++] = cases[i].vol;
    }
    if (cases[i].af) {
      a[n++] = "-af";
      a[n++] = cases[i].af;
    }
    for (int k = 1; k < n; k++)
      f[k - 1] = a[k];
    f[n - 1] = ref;
    f[n] = NULL;
    a[n++] = out;
    a[n] = NULL;
    if (ch_run_err(a, err, sizeof err) != 0) fail_msg("isopipe -vol %s: %s", cases[i].vol, err);
    assert_int_equal(tm_run_ffmpeg(f), 0);
    if (!tm_same_file(out, ref)) fail_msg("-vol %s: not ffmpeg's bytes", cases[i].vol);
    if (i == 0)
      snprintf(plain, sizeof plain, "%s", out);
    else if (strcmp(cases[i].vol, "256"))
      assert_false(tm_same_file(out, plain));
    else
      assert_true(tm_same_file(out, plain));
  }
}

/* A -filter_complex graph is where ffmpeg puts -vol too; isopipe refuses
 * the pair as a usage error naming -vol. */
static void t_vol_with_filter_complex_refused(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/fc.wav", g_dir);
  const char *a[] = {
      "-y",  "-i", g_wav, "-filter_complex", "[0:a]aresample=22050[a]", "-map", "[a]", "-vol",
      "128", out,  NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "vol: not supported with -filter_complex"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_vol_as_ffmpeg),
                                     cmocka_unit_test(t_vol_with_filter_complex_refused)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
