/* -async on the CLI: late audio padded from 0 as ffmpeg 5.1's aresample=async, with -af or a graph;
 * -adrift_threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512], g_late[700], g_gap[700];

/* An mkv whose audio starts 0.5 s after its video. */
static int setup(void **state) {
  (void)state;
  char vid[700], aud[700];
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-async") < 0) return -1;
  if (tm_gen_simple(vid, sizeof vid, g_dir, "vid.mp4", "libx264", NULL, 160, 120, 2.0, 0, 0) < 0 ||
      tm_gen_simple(aud, sizeof aud, g_dir, "aud.wav", NULL, "pcm_s16le", 0, 0, 2.0, 2, 44100) < 0)
    return -1;
  snprintf(g_late, sizeof g_late, "%s/late.mkv", g_dir);
  const char *a[] = {"-v",   "error", "-y",   "-i",   vid,    "-itsoffset", "0.5",
                     "-i",   aud,     "-map", "0:v",  "-map", "1:a",        "-c:v",
                     "copy", "-c:a",  "aac",  g_late, NULL};
  if (ch_run_err(a, NULL, 0) != 0) return -1;
  /* The same audio with a 0.3 s hole in its timestamps at 1 s. */
  snprintf(g_gap, sizeof g_gap, "%s/gap.mkv", g_dir);
  const char *g[] = {
      "-v",   "error",     "-y",  "-i", aud, "-af", "asetpts='if(gte(T,1),PTS+0.3/TB,PTS)'",
      "-c:a", "pcm_s16le", g_gap, NULL};
  return ch_run_err(g, NULL, 0) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The audio as WAV, by isopipe and by ffmpeg, with and without -async 1:
 * byte for byte ffmpeg's; with -async the late start is filled with
 * silence (0.5 s longer). */
static void t_async_pads_late_start(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *modes[] = {"plain", "async"};
  double dur[2] = {0, 0};
  for (int m = 0; m < 2; m++) {
    char out[800], ref[800], err[4096];
    snprintf(out, sizeof out, "%s/i_%s.wav", g_dir, modes[m]);
    snprintf(ref, sizeof ref, "%s/f_%s.wav", g_dir, modes[m]);
    const char *a[] = {"-y", "-i", g_late, "-vn", m ? "-async" : out, "1", out, NULL};
    if (!m) a[5] = NULL;
    if (ch_run_err(a, err, sizeof err) != 0) fail_msg("isopipe: %s", err);
    const char *f[] = {"-i", g_late, "-vn", m ? "-async" : ref, "1", ref, NULL};
    if (!m) f[4] = NULL;
    assert_int_equal(tm_run_ffmpeg(f), 0);
    assert_true(tm_same_file(out, ref));
    tm_probe p;
    assert_int_equal(tm_probe_file(out, false, &p), 0);
    dur[m] = p.duration;
  }
  printf("audio starting at 0.5 s: %.3f s plain, %.3f s with -async 1\n", dur[0], dur[1]);
  assert_true(dur[1] - dur[0] > 0.4 && dur[1] - dur[0] < 0.6);
}

/* With -filter_complex, -async's aresample goes in front of the graph's
 * audio input, as ffmpeg 5.1 puts it: ffmpeg's bytes, and the late start
 * padded (longer than without -async). */
static void t_async_filter_complex(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg");
  const char *graph = "[0:a]aresample=22050[a]";
  double dur[2] = {0, 0};
  for (int m = 0; m < 2; m++) {
    char out[800], ref[800], err[4096];
    snprintf(out, sizeof out, "%s/fc_i%d.wav", g_dir, m);
    snprintf(ref, sizeof ref, "%s/fc_f%d.wav", g_dir, m);
    const char *a[] = {"-y",  "-i",   g_late, "-filter_complex",
                       graph, "-map", "[a]",  m ? "-async" : out,
                       "1",   out,    NULL};
    if (!m) a[8] = NULL;
    if (ch_run_err(a, err, sizeof err) != 0) fail_msg("isopipe: %s", err);
    const char *f[] = {
        "-i", g_late, "-filter_complex", graph, "-map", "[a]", m ? "-async" : ref, "1", ref, NULL};
    if (!m) f[7] = NULL;
    assert_int_equal(tm_run_ffmpeg(f), 0);
    if (!tm_same_file(out, ref))
      fail_msg("-filter_complex %s: not ffmpeg's bytes", m ? "-async 1" : "");
    tm_probe p;
    assert_int_equal(tm_probe_file(out, false, &p), 0);
    dur[m] = p.duration;
  }
  assert_true(dur[1] - dur[0] > 0.4 && dur[1] - dur[0] < 0.6);
}

/* -adrift_threshold is -async's min_hard_comp: a 0.3 s hole is filled
 * with silence under the default 0.1 s and left to the clock under 0.5 s;
 * ffmpeg's bytes both ways. */
static void t_adrift_threshold(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg");
  const char *th[] = {"0.1", "0.5"};
  double dur[2] = {0, 0};
  for (int m = 0; m < 2; m++) {
    char out[800], ref[800], err[4096];
    snprintf(out, sizeof out, "%s/drift_i%d.wav", g_dir, m);
    snprintf(ref, sizeof ref, "%s/drift_f%d.wav", g_dir, m);
    const char *a[] = {"-y", "-i", g_gap, "-async", "1", "-adrift_threshold", th[m], out, NULL};
    if (ch_run_err(a, err, sizeof err) != 0) fail_msg("isopipe: %s", err);
    const char *f[] = {"-i", g_gap, "-async", "1", "-adrift_threshold", th[m], ref, NULL};
    assert_int_equal(tm_run_ffmpeg(f), 0);
    if (!tm_same_file(out, ref)) fail_msg("-adrift_threshold %s: not ffmpeg's bytes", th[m]);
    tm_probe p;
    assert_int_equal(tm_probe_file(out, false, &p), 0);
    dur[m] = p.duration;
  }
  printf("0.3 s hole: %.3f s at threshold 0.1, %.3f s at 0.5\n", dur[0], dur[1]);
  assert_true(dur[0] - dur[1] > 0.25 && dur[0] - dur[1] < 0.35);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_async_pads_late_start),
                                     cmocka_unit_test(t_async_filter_complex),
                                     cmocka_unit_test(t_adrift_threshold)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
