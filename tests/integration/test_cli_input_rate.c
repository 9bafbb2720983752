/* -r before -i and image-sequence inputs (img%03d.png, -framerate), compared with ffmpeg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_compare.h"
#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700], g_seq[700];

/* IN: 176x144 H.264, 30 fps, 1 s; SEQ: four PNG pictures made from it by
 * isopipe's own image2 output (img001.png...). */
static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-input-rate") < 0) return -1;
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", NULL, 176, 144, 1.0, 0, 0) < 0)
    return -1;
  snprintf(g_seq, sizeof g_seq, "%s/img%%03d.png", g_dir);
  const char *mk[] = {"-y", "-v", "error", "-i", g_in, "-vf", "fps=4", g_seq, NULL};
  return ch_run_err(mk, NULL, 0) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static void same_frames(const char *what, const char *const *args, int min_lines) {
  ch_same_frames(g_dir, what, args, min_lines);
}

/* -r 10 before -i: the 30 pictures of the 1 s clip are counted at 10 fps
 * (3 s), as ffmpeg does; it used to act as an output -r (11 pictures). */
static void t_input_rate(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -r before -i)");
  const char *args[] = {"-r", "10", "-i", g_in, "-c:v", "rawvideo", "-f", "framemd5", NULL};
  same_frames("-r 10 -i", args, 30);
  /* Into a faster constant rate: a frame lasts its packet's duration in
   * the stream's own time base (1/30 s), not a tenth of a second, so each
   * picture is followed by the previous one's duplicates, as in ffmpeg. */
  const char *up[] = {"-r",  "10",   "-i",       g_in, "-r",       "30", "-fps_mode",
                      "cfr", "-c:v", "rawvideo", "-f", "framemd5", NULL};
  same_frames("-r 10 -i in.mp4 -r 30", up, 80);
  char out[800];
  snprintf(out, sizeof out, "%s/r10.mkv", g_dir);
  const char *mkv[] = {"-y", "-v", "error", "-r", "10", "-i", g_in, "-c:v", "mpeg4", out, NULL};
  assert_int_equal(ch_run_err(mkv, NULL, 0), 0);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(p.st[0].frames, 30);
  assert_true(p.duration > 2.9 && p.duration < 3.1);
}

/* Image sequences: the FFmpeg wiki's slideshow (-framerate, then -r 30
 * into H.264 mp4) and a sequence at its demuxer's default rate. */
static void t_sequence(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for image sequences)");
  const char *plain[] = {"-i", g_seq, "-c:v", "rawvideo", "-f", "framemd5", NULL};
  same_frames("img%03d.png", plain, 4);
  const char *rate[] = {"-framerate", "1/2",       "-i",  g_seq,      "-r",
                        "30",         "-fps_mode", "cfr", "-pix_fmt", "yuv420p",
                        "-c:v",       "rawvideo",  "-f",  "framemd5", NULL};
  same_frames("-framerate 1/2 -i img%03d.png -r 30", rate, 240);
  /* -r before a probed image sequence: the demuxer keeps its 25 fps (only
   * one named with -f gets the rate), each picture lasts 1/25 s, and the
   * end repeats the last one 58 times, not 60: 239 frames, as ffmpeg. */
  const char *r_in[] = {"-r",   "1/2",       "-i",  g_seq,      "-r",
                        "30",   "-fps_mode", "cfr", "-pix_fmt", "yuv420p",
                        "-c:v", "rawvideo",  "-f",  "framemd5", NULL};
  same_frames("-r 1/2 -i img%03d.png -r 30", r_in, 239);
  const char *f_in[] = {"-f",   "image2",   "-r",        "1/2",      "-i",       g_seq,
                        "-r",   "30",       "-fps_mode", "cfr",      "-pix_fmt", "yuv420p",
                        "-c:v", "rawvideo", "-f",        "framemd5", NULL};
  same_frames("-f image2 -r 1/2 -i img%03d.png -r 30", f_in, 240);
  char out[800];
  snprintf(out, sizeof out, "%s/slideshow.mp4", g_dir);
  const char *wiki[] = {"-y",      "-v", "error", "-framerate", "1/2",     "-i", g_seq, "-c:v",
                        "libx264", "-r", "30",    "-pix_fmt",   "yuv420p", out,  NULL};
  assert_int_equal(ch_run_err(wiki, NULL, 0), 0);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(p.st[0].frames, 240);
  snprintf(out, sizeof out, "%s/r-slideshow.mp4", g_dir);
  const char *r_mp4[] = {"-y",   "-v",      "error", "-r", "1/2", "-i", g_seq,
                         "-c:v", "libx264", "-r",    "30", out,   NULL};
  assert_int_equal(ch_run_err(r_mp4, NULL, 0), 0);
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(p.st[0].frames, 239);
}

/* A file whose name only looks like a pattern is read as that one file; a
 * pattern that matches nothing names the input. */
static void t_literal_and_missing(void **state) {
  (void)state;
  char lit[800], out[800], err[4096];
  snprintf(lit, sizeof lit, "%s/odd%%d.mp4", g_dir);
  snprintf(out, sizeof out, "%s/lit.mkv", g_dir);
  const char *cp[] = {"-y", "-v", "error", "-i", g_in, "-c", "copy", lit, NULL};
  assert_int_equal(ch_run_err(cp, NULL, 0), 0);
  const char *rd[] = {"-y", "-v", "error", "-i", lit, "-c", "copy", out, NULL};
  assert_int_equal(ch_run_err(rd, err, sizeof err), 0);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  assert_int_equal(p.st[0].packets, 30);
  char none[800];
  snprintf(none, sizeof none, "%s/none%%03d.png", g_dir);
  const char *miss[] = {"-y", "-i", none, out, NULL};
  assert_int_equal(ch_run_err(miss, err, sizeof err), 1);
  assert_non_null(strstr(err, "none%03d.png"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_input_rate),
      cmocka_unit_test(t_sequence),
      cmocka_unit_test(t_literal_and_missing),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
