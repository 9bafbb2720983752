/* Filters that rightly keep no frame of a short input (fps=1/10 over 2 s, a select that matches
 * nothing): exit 0 with ffmpeg's warning and no file, as ffmpeg; other empty results still fail. */
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
static char g_av[700]; /* H.264 + AAC in MP4, 2 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-filters-empty") < 0) return -1;
  return tm_gen_simple(g_av, sizeof g_av, g_dir, "av.mp4", "libx264", "aac", 160, 120, 2.0, 2,
                       48000) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Files in dir (a fresh one for each run). */
static int files_in(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* Runs "-i IN opts NAME" in a fresh directory with isopipe, then ffmpeg;
 * both must exit 0 and leave want files; isopipe must say the output is empty. */
static void empty_as_ffmpeg(const char *tag, const char *const *opts, const char *name, int want) {
  char d_iso[700], d_ff[700], out_iso[800], out_ff[800];
  snprintf(d_iso, sizeof d_iso, "%s/%s-iso", g_dir, tag);
  snprintf(d_ff, sizeof d_ff, "%s/%s-ff", g_dir, tag);
  assert_int_equal(mkdir(d_iso, 0755), 0);
  assert_int_equal(mkdir(d_ff, 0755), 0);
  snprintf(out_iso, sizeof out_iso, "%s/%s", d_iso, name);
  snprintf(out_ff, sizeof out_ff, "%s/%s", d_ff, name);
  const char *iso[CH_MAX_ARGS] = {"-nostats", "-i", g_av}, *ff[CH_MAX_ARGS] = {"-i", g_av};
  int ni = 3, nf = 2;
  for (int i = 0; opts[i]; i++)
    iso[ni++] = ff[nf++] = opts[i];
  iso[ni++] = out_iso;
  ff[nf++] = out_ff;
  iso[ni] = ff[nf] = NULL;
  ch_proc p;
  int rc = ch_run(&p, iso, 60);
  if (rc != 0) fail_msg("%s: isopipe exit %d\n%s", tag, rc, ch_str(&p.err));
  if (!strstr(ch_str(&p.err), "output file is empty, nothing was encoded"))
    fail_msg("%s: no warning that the output is empty:\n%s", tag, ch_str(&p.err));
  ch_free(&p);
  assert_int_equal(files_in(d_iso), 0);
  assert_int_equal(tm_run_ffmpeg(ff), 0);
  assert_int_equal(files_in(d_ff), want);
}

static void t_fps_pattern(void **state) {
  (void)state;
  char ffmpeg[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
  /* The thumbnail recipe on a clip shorter than one output frame: no picture. */
  const char *opts[] = {"-vf", "fps=1/10", NULL};
  empty_as_ffmpeg("fps", opts, "thumb%03d.jpg", 0);
}

static void t_select_nothing(void **state) {
  (void)state;
  char ffmpeg[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
  /* ffmpeg writes a Matroska header with no frame; isopipe writes no file. */
  const char *opts[] = {"-vf", "select=gt(scene\\,2)", "-an", "-c:v", "mpeg4", NULL};
  empty_as_ffmpeg("select", opts, "none.mkv", 1);
}

/* Without such a filter an empty result is still an error: -ss past the
 * end of the input. */
static void t_unfiltered_empty_fails(void **state) {
  (void)state;
  char out[800];
  snprintf(out, sizeof out, "%s/past.mkv", g_dir);
  const char *args[] = {"-nostats", "-ss", "30", "-i", g_av, "-c:v", "mpeg4", out, NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  assert_int_equal(rc, 1);
  assert_non_null(strstr(ch_str(&p.err), "no stream produced any data"));
  ch_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_fps_pattern),
      cmocka_unit_test(t_select_nothing),
      cmocka_unit_test(t_unfiltered_empty_fails),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
