/* -f ffmetadata: a file of the input's tags and chapters alone, byte for byte ffmpeg's. */
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
static char g_plain[700], g_chap[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-ffmeta") < 0) return -1;
  return tm_gen_simple(g_plain, sizeof g_plain, g_dir, "in.mp4", "libx264", "aac", 176, 144, 2, 0,
                       0) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The input with a title and two chapters, made by ffmpeg from a metadata file. */
static void make_chaptered(void) {
  char meta[800];
  snprintf(meta, sizeof meta, "%s/chapters.txt", g_dir);
  FILE *fp = fopen(meta, "w");
  assert_non_null(fp);
  fputs(";FFMETADATA1\ntitle=Two parts\nartist=Someone\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=One\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=Two\n",
        fp);
  fclose(fp);
  snprintf(g_chap, sizeof g_chap, "%s/chap.mp4", g_dir);
  const char *f[] = {"-i", g_plain, "-i", meta, "-map_metadata", "1", "-c", "copy", g_chap, NULL};
  assert_int_equal(tm_run_ffmpeg(f), 0);
}

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  char *s = calloc(1, 65536);
  if (s) fread(s, 1, 65535, fp);
  fclose(fp);
  return s;
}

/* Runs isopipe and ffmpeg with the same options before and after the
 * output's name and compares the two files. */
static void same_as_ffmpeg(const char *title, const char *const *pre, const char *const *post) {
  char out[800], ref[800], err[4096];
  snprintf(out, sizeof out, "%s/iso.txt", g_dir);
  snprintf(ref, sizeof ref, "%s/ff.txt", g_dir);
  const char *a[40] = {"-v", "error", "-y"}, *f[40] = {"-y"};
  int na = 3, nf = 1;
  for (int k = 0; pre[k]; k++)
    a[na++] = f[nf++] = pre[k];
  a[na++] = out;
  f[nf++] = ref;
  for (int k = 0; post && post[k]; k++)
    a[na++] = f[nf++] = post[k];
  int rc = ch_run_err(a, err, sizeof err);
  if (rc) printf("%s: %s\n", title, err);
  assert_int_equal(rc, 0);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  char *x = slurp(out), *y = slurp(ref);
  assert_non_null(x);
  assert_non_null(y);
  if (strcmp(x, y)) printf("%s:\n--- isopipe\n%s--- ffmpeg\n%s", title, x, y);
  assert_string_equal(x, y);
  assert_non_null(strstr(x, ";FFMETADATA1"));
  free(x);
  free(y);
}

static void t_tags_and_chapters(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  make_chaptered();
  const char *plain[] = {"-i", g_chap, "-f", "ffmetadata", NULL};
  same_as_ffmpeg("tags and chapters", plain, NULL);
  char *x = slurp(ch_path(g_dir, "iso.txt"));
  assert_non_null(x);
  assert_non_null(strstr(x, "title=Two parts"));
  assert_non_null(strstr(x, "[CHAPTER]"));
  free(x);
  const char *edited[] = {"-i",      g_chap,          "-metadata", "title=Other", "-metadata",
                          "artist=", "-map_chapters", "-1",        "-f",          "ffmetadata",
                          NULL};
  same_as_ffmpeg("-metadata, -map_chapters -1", edited, NULL);
  const char *none[] = {"-i", g_chap, "-map_metadata", "-1", "-f", "ffmetadata", NULL};
  same_as_ffmpeg("-map_metadata -1", none, NULL);
  const char *second[] = {"-i", g_plain, "-i",         g_chap, "-map_metadata",
                          "1",  "-f",    "ffmetadata", NULL};
  same_as_ffmpeg("tags of the second input", second, NULL);
  /* ffmpeg 5.1's deprecated -timestamp is the creation_time tag, in UTC. */
  const char *stamp[] = {"-i", g_plain,      "-timestamp", "2024-05-01 10:00:00",
                         "-f", "ffmetadata", NULL};
  same_as_ffmpeg("-timestamp", stamp, NULL);
  x = slurp(ch_path(g_dir, "iso.txt"));
  assert_non_null(x);
  assert_non_null(strstr(x, "creation_time=2024-05-01T10:00:00"));
  free(x);
  /* Beside an output with streams: both files as ffmpeg's. */
  char mkv[800];
  snprintf(mkv, sizeof mkv, "%s/beside.mkv", g_dir);
  const char *beside[] = {"-i", g_chap, "-f", "ffmetadata", NULL};
  const char *then[] = {"-c", "copy", mkv, NULL};
  same_as_ffmpeg("beside a copy", beside, then);
  assert_true(tm_file_exists(mkv));
}

static void t_stdout(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  make_chaptered();
  const char *a[] = {"-loglevel", "error", "-i", g_chap, "-f", "ffmetadata", "-", NULL};
  ch_proc p;
  assert_int_equal(ch_run(&p, a, 60), 0);
  char ref[800];
  snprintf(ref, sizeof ref, "%s/ff-stdout.txt", g_dir);
  const char *f[] = {"-loglevel", "error", "-i", g_chap, "-f", "ffmetadata", "-", NULL};
  assert_int_equal(tm_run_ffmpeg_to(f, ref), 0);
  char *y = slurp(ref);
  assert_non_null(y);
  assert_string_equal(ch_str(&p.out), y);
  free(y);
  ch_free(&p);
}

/* A stream has no place in such a file: -map is refused naming it (ffmpeg
 * fails too, finding no encoder for the format). */
static void t_map_refused(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/mapped.txt", g_dir);
  const char *a[] = {"-y", "-i", g_plain, "-map", "0", "-f", "ffmetadata", out, NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "ffmetadata"));
  assert_non_null(strstr(err, "-map"));
  assert_false(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_tags_and_chapters),
      cmocka_unit_test(t_stdout),
      cmocka_unit_test(t_map_refused),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
