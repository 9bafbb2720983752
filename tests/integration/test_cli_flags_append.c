/* A flags AVOption written twice for one file (-fflags): "+x" adds to the earlier value as
 * ffmpeg's opt_default appends it, a bare value replaces it; compared with ffmpeg. */
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
static char g_av[700]; /* H.264 (a keyframe every 10 frames) + AAC in MP4, 2 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-flags-append") < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 160;
  o.height = 120;
  o.duration = 2.0;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.gop = 10;
  return tm_gen_clip(g_av, sizeof g_av, g_dir, "av.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Frames decoded, as framemd5 lines, from args (the line without its
 * output) run by isopipe. */
static int count_frames(const char *const *args) {
  char out[700];
  snprintf(out, sizeof out, "%s/count.framemd5", g_dir);
  const char *argv[CH_MAX_ARGS] = {"-y", "-v", "error"};
  int n = 3;
  for (int i = 0; args[i] && n < CH_MAX_ARGS - 2; i++)
    argv[n++] = args[i];
  argv[n++] = out;
  argv[n] = NULL;
  if (ch_run_err(argv, NULL, 0) != 0) return -1;
  FILE *f = fopen(out, "r");
  if (!f) return -1;
  char line[1024];
  int frames = 0;
  while (fgets(line, sizeof line, f))
    frames += line[0] != '#';
  fclose(f);
  return frames;
}

/* Viseron's and Frigate's low-latency input: "-fflags nobuffer -fflags
 * +genpts" keeps nobuffer, so the packets read while probing are not
 * decoded again (the first GOP is lost, as in ffmpeg); "-fflags genpts"
 * after it replaces it and every frame is decoded. */
static void test_fflags_appended(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -fflags)");
  const char *both[] = {"-fflags", "nobuffer", "-fflags",  "+genpts", "-i",       g_av,
                        "-an",     "-c:v",     "rawvideo", "-f",      "framemd5", NULL};
  ch_same_frames(g_dir, "-fflags nobuffer -fflags +genpts", both, 10);
  const char *replaced[] = {"-fflags", "nobuffer", "-fflags",  "genpts", "-i",       g_av,
                            "-an",     "-c:v",     "rawvideo", "-f",     "framemd5", NULL};
  ch_same_frames(g_dir, "-fflags nobuffer -fflags genpts", replaced, 10);
  /* The two differ: the appended value kept nobuffer. */
  int kept = count_frames(both), all = count_frames(replaced);
  if (kept < 0 || all < 0) fail_msg("isopipe failed");
  if (kept >= all) fail_msg("nobuffer+genpts decoded %d frames, genpts alone %d", kept, all);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_fflags_appended)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
