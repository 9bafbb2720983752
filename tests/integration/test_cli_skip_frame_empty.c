/* -skip_frame nokey on a clip with one keyframe (Jellyfin's trickplay, an -ss after that keyframe):
 * as many pictures and the same exit code as ffmpeg, with its warning when nothing is left. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_one[700]; /* H.264 + AAC in MP4, 2 s, its first frame the only keyframe */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-skip-frame") < 0) return -1;
  return tm_gen_one_keyframe(g_one, sizeof g_one, g_dir, "one.mp4") < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Files in dir. */
static int files_in(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* Runs "pre -i ONE post DIR/name" with isopipe and with ffmpeg, each in a
 * fresh directory: both must exit 0 and leave as many files; when that is
 * none, isopipe must say the output is empty. Returns the files. */
static int as_ffmpeg(const char *tag, const char *const *pre, const char *const *post,
                     const char *name) {
  char d_iso[700], d_ff[700], out_iso[800], out_ff[800];
  snprintf(d_iso, sizeof d_iso, "%s/%s-iso", g_dir, tag);
  snprintf(d_ff, sizeof d_ff, "%s/%s-ff", g_dir, tag);
  assert_int_equal(mkdir(d_iso, 0755), 0);
  assert_int_equal(mkdir(d_ff, 0755), 0);
  snprintf(out_iso, sizeof out_iso, "%s/%s", d_iso, name);
  snprintf(out_ff, sizeof out_ff, "%s/%s", d_ff, name);
  const char *iso[CH_MAX_ARGS], *ff[CH_MAX_ARGS];
  static const char *const iso_opts[] = {"-nostats", NULL};
  ch_pair_argv(iso, ff, iso_opts, pre, g_one, post, out_iso, out_ff);
  assert_int_equal(tm_run_ffmpeg(ff), 0);
  int want = files_in(d_ff);
  ch_proc p;
  int rc = ch_run(&p, iso, 60);
  if (rc != 0) fail_msg("%s: isopipe exit %d, ffmpeg 0\n%s", tag, rc, ch_str(&p.err));
  if (want == 0 && !strstr(ch_str(&p.err), "output file is empty, nothing was encoded"))
    fail_msg("%s: no warning that the output is empty:\n%s", tag, ch_str(&p.err));
  ch_free(&p);
  if (files_in(d_iso) != want)
    fail_msg("%s: isopipe wrote %d files, ffmpeg %d", tag, files_in(d_iso), want);
  return want;
}

static void need_ffmpeg(void) {
  char ffmpeg[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
}

/* Jellyfin's trickplay line. */
static void t_trickplay(void **state) {
  (void)state;
  need_ffmpeg();
  const char *pre[] = {"-skip_frame", "nokey", NULL};
  const char *post[] = {"-an",      "-sn",    "-vf",  "fps=1/10,scale=320:-2",
                        "-threads", "1",      "-c:v", "mjpeg",
                        "-f",       "image2", NULL};
  as_ffmpeg("trickplay", pre, post, "out%08d.jpg");
}

/* Keyframes only: the one keyframe is one picture. */
static void t_keyframes(void **state) {
  (void)state;
  need_ffmpeg();
  const char *pre[] = {"-skip_frame", "nokey", NULL};
  const char *post[] = {"-vsync", "0", "-frame_pts", "true", NULL};
  assert_int_equal(as_ffmpeg("keys", pre, post, "key%d.png"), 1);
}

/* An input -ss after the only keyframe leaves no keyframe to decode. */
static void t_after_ss(void **state) {
  (void)state;
  need_ffmpeg();
  const char *pre[] = {"-skip_frame", "nokey", "-ss", "1", NULL};
  const char *post[] = {"-an", "-vf", "scale=320:-2", "-c:v", "mjpeg", "-f", "image2", NULL};
  assert_int_equal(as_ffmpeg("after-ss", pre, post, "out%08d.jpg"), 0);
}

/* An -ss past the input's end is still refused, naming -ss: no frame could
 * have been there for -skip_frame to drop. */
static void t_past_end_fails(void **state) {
  (void)state;
  char out[800];
  snprintf(out, sizeof out, "%s/past%%03d.jpg", g_dir);
  const char *args[] = {"-nostats", "-skip_frame", "nokey", "-ss", "30", "-i", g_one, out, NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  assert_int_equal(rc, 1);
  assert_non_null(strstr(ch_str(&p.err), "nothing of the input is left after -ss 30"));
  ch_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_trickplay),
      cmocka_unit_test(t_keyframes),
      cmocka_unit_test(t_after_ss),
      cmocka_unit_test(t_past_end_fails),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
