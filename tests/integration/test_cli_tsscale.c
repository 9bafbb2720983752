/* -itsscale (an input's timestamps multiplied, per stream), compared with ffmpeg: copies,
 * transcodes, frame rates, seeks and windows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_compare.h"
#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_av[700], g_v[700];

/* AV: 176x144 H.264 (30 fps) + stereo AAC, 2 s; V: the same without audio. */
static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-tsscale") < 0) return -1;
  if (tm_gen_simple(g_av, sizeof g_av, g_dir, "av.mp4", "libx264", "aac", 176, 144, 2.0, 2, 44100) <
      0)
    return -1;
  if (tm_gen_simple(g_v, sizeof g_v, g_dir, "v.mp4", "libx264", NULL, 176, 144, 2.0, 0, 0) < 0)
    return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* framemd5 of the line as isopipe's equals ffmpeg's. */
static void same_frames(const char *what, const char *const *args, int min_lines) {
  const char *full[CH_MAX_ARGS];
  int n = 0;
  for (; args[n] && n < CH_MAX_ARGS - 3; n++)
    full[n] = args[n];
  full[n++] = "-f";
  full[n++] = "framemd5";
  full[n] = NULL;
  ch_same_frames(g_dir, what, full, min_lines);
}

/* The stream copy of the documentation's example: the duration doubles,
 * every packet kept, timestamps as ffmpeg's. */
static void t_copy(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -itsscale)");
  const char *v[] = {"-itsscale", "2", "-i", g_v, "-c", "copy", NULL};
  same_frames("-itsscale 2 -c copy", v, 60);
  const char *av[] = {"-itsscale:v", "2", "-i", g_av, "-c", "copy", NULL};
  same_frames("-itsscale:v 2 -c copy (audio as it is)", av, 100);
  const char *idx[] = {"-itsscale:1", "0.5", "-i", g_av, "-c", "copy", NULL};
  same_frames("-itsscale:1 0.5 -c copy (the audio only)", idx, 100);
  char out[800];
  snprintf(out, sizeof out, "%s/copy.mp4", g_dir);
  const char *mp4[] = {"-y", "-v", "error", "-itsscale", "2", "-i", g_v, "-c", "copy", out, NULL};
  assert_int_equal(ch_run_err(mp4, NULL, 0), 0);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  assert_int_equal(p.st[0].packets, 60);
  if (p.duration < 3.9 || p.duration > 4.1) fail_msg("copy: %.3f s, expected ~3.97", p.duration);
}

/* Transcodes: the graph's rate stays the input's, so a constant-rate
 * output fills the stretched time with duplicates (or drops, shrunk). */
static void t_transcode(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -itsscale)");
  const char *vfr[] = {"-itsscale", "2", "-i", g_v, "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 2 (vfr)", vfr, 60);
  const char *cfr[] = {"-itsscale", "2",   "-i",   g_v,        "-r", "30",
                       "-fps_mode", "cfr", "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 2 -r 30 cfr", cfr, 119);
  const char *half[] = {"-itsscale", "0.5", "-i",   g_v,        "-r", "30",
                        "-fps_mode", "cfr", "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 0.5 -r 30 cfr", half, 30);
  const char *av[] = {"-itsscale", "2", "-i", g_av, "-c:v", "rawvideo", "-c:a", "pcm_s16le", NULL};
  same_frames("-itsscale 2 audio and video", av, 100);
}

/* -ss before -i seeks in the input's own time; its -t, an output's -ss/-t
 * and -itsoffset (scaled with the timestamps) count on the stretched one. */
static void t_windows(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -itsscale)");
  const char *in_ss[] = {"-itsscale", "2", "-ss", "0.5", "-i", g_v, "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 2 -ss 0.5 -i", in_ss, 45);
  const char *in_t[] = {"-itsscale", "2", "-ss",  "0.5",      "-t", "1",
                        "-i",        g_v, "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 2 -ss 0.5 -t 1 -i", in_t, 15);
  const char *out_w[] = {"-itsscale", "2", "-i",   g_v,        "-ss", "1",
                         "-t",        "1", "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 2 -i ... -ss 1 -t 1", out_w, 15);
  const char *cp_t[] = {"-itsscale", "2", "-t", "1", "-i", g_v, "-c", "copy", NULL};
  same_frames("-itsscale 2 -t 1 -i ... -c copy", cp_t, 15);
  const char *off[] = {"-itsscale", "2", "-itsoffset", "0.5", "-i", g_v, "-c:v", "rawvideo", NULL};
  same_frames("-itsscale 2 -itsoffset 0.5", off, 60);
  const char *two[] = {"-itsscale", "2",   "-i",   g_v,   "-itsscale:a", "0.5",  "-i", g_av,
                       "-map",      "0:v", "-map", "1:a", "-c",          "copy", NULL};
  same_frames("two inputs, each its own -itsscale", two, 100);
}

/* A specifier that matches nothing is no error; one libavformat cannot
 * read names the option; a scale that is no positive number is a usage
 * error. */
static void t_errors(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/err.mp4", g_dir);
  const char *none[] = {"-y", "-v", "error", "-itsscale:s", "2", "-i",
                        g_v,  "-c", "copy",  out,           NULL};
  assert_int_equal(ch_run_err(none, err, sizeof err), 0);
  const char *bad[] = {"-y", "-itsscale:x", "2", "-i", g_v, out, NULL};
  assert_int_equal(ch_run_err(bad, err, sizeof err), 1);
  if (!strstr(err, "-itsscale:x")) fail_msg("bad specifier: %s", err);
  const char *neg[] = {"-y", "-itsscale", "-2", "-i", g_v, out, NULL};
  assert_int_equal(ch_run_err(neg, err, sizeof err), 2);
  if (!strstr(err, "-itsscale")) fail_msg("negative scale: %s", err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_copy),
      cmocka_unit_test(t_transcode),
      cmocka_unit_test(t_windows),
      cmocka_unit_test(t_errors),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
