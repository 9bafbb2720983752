/* -vol: the audio scaled by vol/256 before -af or a graph's inputs, byte for byte as ffmpeg 5.1. */
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

/* A -filter_complex graph gets -vol's volume in front of each audio input,
 * as ffmpeg puts it there: the graph mixes two inputs, one of them the
 * same WAV, and the result is ffmpeg's bytes, not the graph's without it. */
static void t_vol_with_filter_complex(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg");
  char out[800], ref[800], plain[800], err[4096];
  snprintf(out, sizeof out, "%s/fc.wav", g_dir);
  snprintf(ref, sizeof ref, "%s/fc_ff.wav", g_dir);
  snprintf(plain, sizeof plain, "%s/fc_plain.wav", g_dir);
  const char *graph = "[0:a]aresample=22050[x];[1:a]aresample=22050[y];[x][y]amix=inputs=2[a]";
  const char *a[] = {"-y",  "-i",   g_wav, "-i", g_wav, "-filter_complex", graph, "-map",
                     "[a]", "-vol", "128", out,  NULL};
  const char *f[] = {"-i",   g_wav, "-i", g_wav, "-filter_complex", graph, "-map", "[a]",
                     "-vol", "128", ref,  NULL};
  const char *p[] = {"-y",  "-i",   g_wav, "-i",  g_wav, "-filter_complex",
                     graph, "-map", "[a]", plain, NULL};
  if (ch_run_err(a, err, sizeof err) != 0) fail_msg("isopipe -vol with a graph: %s", err);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  if (!tm_same_file(out, ref)) fail_msg("-vol 128 with -filter_complex: not ffmpeg's bytes");
  assert_int_equal(ch_run_err(p, err, sizeof err), 0);
  assert_false(tm_same_file(out, plain));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_vol_as_ffmpeg),
                                     cmocka_unit_test(t_vol_with_filter_complex)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
