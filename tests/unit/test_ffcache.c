/* The test support's cache of ffmpeg's reference runs: a kept run comes back only for the same
 * bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "media_gen.h"
#include "test_ffcache.h"
#include "test_media.h"
#include "test_need.h"

static char g_root[512], g_a[600], g_b[600], g_cache[600], g_ffmpeg[1024];

static int setup(void **state) {
  (void)state;
  if (tm_tmpdir_make(g_root, sizeof g_root) != 0) return -1;
  snprintf(g_a, sizeof g_a, "%s/a", g_root);
  snprintf(g_b, sizeof g_b, "%s/b", g_root);
  snprintf(g_cache, sizeof g_cache, "%s/cache", g_root);
  if (mkdir(g_a, 0755) || mkdir(g_b, 0755) || mkdir(g_cache, 0755)) return -1;
  return setenv("ISO_FFMPEG_CACHE", g_cache, 1);
}

static int teardown(void **state) {
  (void)state;
  unsetenv("ISO_FFMPEG_CACHE");
  tm_tmpdir_remove(g_root);
  return 0;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* The bytes of a file, for comparing two outputs. */
static char *slurp(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  rewind(f);
  char *b = malloc((size_t)*len + 1);
  if (b && fread(b, 1, (size_t)*len, f) != (size_t)*len) *len = -1;
  fclose(f);
  return b;
}

/* A transcode of dir/in.srt to dir/out.ass: ffmpeg's own run (through the
 * cache), and whether the cache found it. */
static int run_in(const char *dir, bool *hit) {
  char in[700], out[700];
  snprintf(in, sizeof in, "%s/in.srt", dir);
  snprintf(out, sizeof out, "%s/out.ass", dir);
  const char *argv[] = {"-nostdin", "-v", "error", "-y", "-i", in, out, NULL};
  int rc = -1;
  tm_ffcache *c = tm_ffcache_open(g_ffmpeg, argv, NULL, &rc);
  *hit = c == TM_FFCACHE_HIT;
  if (*hit) return rc;
  tm_ffcache_free(c);
  const char *args[] = {"-i", in, out, NULL};
  return tm_run_ffmpeg(args);
}

static const char *k_srt = "1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> "
                           "00:00:02,000\nWorld\n";

/* The same input bytes in another directory: the output comes back byte for
 * byte without ffmpeg; other bytes: ffmpeg runs. */
static void t_same_bytes_hit(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  char in[700], outa[700], outb[700];
  bool hit;
  snprintf(in, sizeof in, "%s/in.srt", g_a);
  write_text(in, k_srt);
  snprintf(in, sizeof in, "%s/in.srt", g_b);
  write_text(in, k_srt);
  assert_int_equal(run_in(g_a, &hit), 0);
  assert_false(hit);
  assert_int_equal(run_in(g_b, &hit), 0);
  assert_true(hit);
  snprintf(outa, sizeof outa, "%s/out.ass", g_a);
  snprintf(outb, sizeof outb, "%s/out.ass", g_b);
  long la = 0, lb = 0;
  char *a = slurp(outa, &la), *b = slurp(outb, &lb);
  assert_non_null(a);
  assert_non_null(b);
  assert_true(la > 0);
  assert_int_equal(la, lb);
  assert_memory_equal(a, b, (size_t)la);
  free(a);
  free(b);
  /* One byte more in the input: another key. */
  write_text(in, "1\n00:00:00,000 --> 00:00:01,000\nHello!\n");
  assert_int_equal(run_in(g_b, &hit), 0);
  assert_false(hit);
}

/* A failing run comes back with its status. */
static void t_status_kept(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  char in[700];
  snprintf(in, sizeof in, "%s/bad.srt", g_a);
  write_text(in, "\x01\x02 not subtitles at all");
  const char *argv[] = {"-nostdin", "-v", "error",           "-y",    "-i",
                        in,         "-f", "nonexistent_fmt", "x.out", NULL};
  int rc = -1;
  tm_ffcache *c = tm_ffcache_open(g_ffmpeg, argv, NULL, &rc);
  assert_true(c != NULL && c != TM_FFCACHE_HIT);
  tm_ffcache_keep(c, 1);
  tm_ffcache_free(c);
  c = tm_ffcache_open(g_ffmpeg, argv, NULL, &rc);
  assert_true(c == TM_FFCACHE_HIT);
  assert_int_equal(rc, 1);
}

/* Runs whose inputs cannot all be read into the key are never kept: a concat
 * list (names other files), an image pattern, two-pass, stdout to a device. */
static void t_not_kept(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  char list[700], pattern[700], out[700];
  snprintf(list, sizeof list, "%s/list.txt", g_a);
  write_text(list, "file 'in.srt'\n");
  snprintf(pattern, sizeof pattern, "%s/img%%03d.png", g_a);
  snprintf(out, sizeof out, "%s/o.mp4", g_a);
  const char *concat[] = {"-f", "concat", "-i", list, out, NULL};
  const char *images[] = {"-i", pattern, out, NULL};
  const char *twopass[] = {"-f", "lavfi", "-i", "testsrc", "-pass", "1", out, NULL};
  const char *plain[] = {"-f", "lavfi", "-i", "testsrc", "-t", "1", out, NULL};
  int rc;
  assert_null(tm_ffcache_open(g_ffmpeg, concat, NULL, &rc));
  assert_null(tm_ffcache_open(g_ffmpeg, images, NULL, &rc));
  assert_null(tm_ffcache_open(g_ffmpeg, twopass, NULL, &rc));
  assert_null(tm_ffcache_open(g_ffmpeg, plain, "/dev/stdout", &rc));
  tm_ffcache *c = tm_ffcache_open(g_ffmpeg, plain, NULL, &rc);
  assert_true(c != NULL && c != TM_FFCACHE_HIT);
  tm_ffcache_free(c);
  /* No cache named: nothing is looked up. */
  unsetenv("ISO_FFMPEG_CACHE");
  assert_null(tm_ffcache_open(g_ffmpeg, plain, NULL, &rc));
  setenv("ISO_FFMPEG_CACHE", g_cache, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_same_bytes_hit),
                                     cmocka_unit_test(t_status_kept), cmocka_unit_test(t_not_kept)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
