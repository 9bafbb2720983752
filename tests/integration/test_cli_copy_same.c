/* A stream copy writes ffmpeg's file byte for byte (-fflags +bitexact): decode times for packets
 * read without one, audio counted in samples from a coarse clock, the input's frame rates and
 * aspect. */
#include <setjmp.h>
#include <stdarg.h>
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
static char g_mkv[700]; /* H.264 with B-frames + AAC 48 kHz in Matroska: no dts, 1 ms clock */

static int setup(void **state) {
  (void)state;
  return ch_mkdtemp(g_dir, sizeof g_dir, "cli-copy-same");
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The first offset where a and b differ, -1 none (sizes included). */
static long first_difference(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  long at = -2;
  if (fa && fb) {
    for (long k = 0;; k++) {
      int ca = fgetc(fa), cb = fgetc(fb);
      if (ca != cb) {
        at = k;
        break;
      }
      if (ca == EOF) {
        at = -1;
        break;
      }
    }
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return at;
}

static void need_inputs(void) {
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -c copy)");
  if (g_mkv[0]) return;
  char mp4[800];
  tm_source_file("media/clip-h264-aac.mp4", mp4, sizeof mp4);
  snprintf(g_mkv, sizeof g_mkv, "%s/in.mkv", g_dir);
  const char *mk[] = {"-i", mp4, "-c", "copy", g_mkv, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
}

/* "pre -i in post -c copy -fflags +bitexact OUT.ext" through both. */
static void same_file(const char *tag, const char *pre, const char *in, const char *post,
                      const char *ext) {
  char a[800], b[800], err[4096];
  snprintf(a, sizeof a, "%s/%s-iso.%s", g_dir, tag, ext);
  snprintf(b, sizeof b, "%s/%s-ff.%s", g_dir, tag, ext);
  const char *iso[16] = {"-y", "-v", "warning"}, *ff[16];
  int ni = 3, nf = 0;
  if (pre) iso[ni++] = ff[nf++] = "-ss", iso[ni++] = ff[nf++] = pre;
  iso[ni++] = ff[nf++] = "-i";
  iso[ni++] = ff[nf++] = in;
  if (post) iso[ni++] = ff[nf++] = "-ss", iso[ni++] = ff[nf++] = post;
  const char *tail[] = {"-c", "copy", "-fflags", "+bitexact"};
  for (int k = 0; k < 4; k++)
    iso[ni++] = ff[nf++] = tail[k];
  iso[ni++] = a;
  ff[nf++] = b;
  iso[ni] = ff[nf] = NULL;
  int rc = ch_run_err(iso, err, sizeof err);
  if (rc != 0) fail_msg("%s: isopipe exit %d\n%s", tag, rc, err);
  /* libavformat guesses a missing decode time, and says so: none is missing. */
  if (strstr(err, "Timestamps are unset")) fail_msg("%s: %s", tag, err);
  assert_int_equal(tm_run_ffmpeg(ff), 0);
  long at = first_difference(a, b);
  if (at != -1) fail_msg("%s: isopipe's file differs from ffmpeg's at byte %ld", tag, at);
  printf("%s: the same file as ffmpeg's\n", tag);
}

/* Matroska's video has no decode times, its audio a 1 ms clock: into MP4,
 * MOV, MPEG-TS and Matroska, also after an input and an output -ss. */
static void t_from_matroska(void **state) {
  (void)state;
  need_inputs();
  same_file("mkv-mp4", NULL, g_mkv, NULL, "mp4");
  same_file("mkv-mov", NULL, g_mkv, NULL, "mov");
  same_file("mkv-ts", NULL, g_mkv, NULL, "ts");
  same_file("mkv-mkv", NULL, g_mkv, NULL, "mkv");
  same_file("ss-mkv-mp4", "0.5", g_mkv, NULL, "mp4");
  same_file("mkv-ss-mp4", NULL, g_mkv, "0.5", "mp4");
}

/* MP4 into MPEG-TS (its PCR interval from the frame rate) and Matroska
 * (its default duration). */
static void t_from_mp4(void **state) {
  (void)state;
  need_inputs();
  char mp4[800];
  tm_source_file("media/clip-h264-aac.mp4", mp4, sizeof mp4);
  same_file("mp4-ts", NULL, mp4, NULL, "ts");
  same_file("mp4-mkv", NULL, mp4, NULL, "mkv");
}

/* WebM's VP9 + Opus: the container's aspect goes with the copy (MP4's pasp
 * box), as ffmpeg's. */
static void t_from_webm(void **state) {
  (void)state;
  need_inputs();
  char webm[800];
  tm_source_file("media/clip-vp9-opus.webm", webm, sizeof webm);
  same_file("webm-mp4", NULL, webm, NULL, "mp4");
  same_file("webm-mkv", NULL, webm, NULL, "mkv");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_from_matroska),
                                     cmocka_unit_test(t_from_mp4), cmocka_unit_test(t_from_webm)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
