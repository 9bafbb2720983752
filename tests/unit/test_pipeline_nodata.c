/* Pipeline tests: an input that opens but yields no packet fails at the muxer and leaves no file.
 */
#include "test_pipeline_util.h"

static char g_dir[512];
static char g_cut[1024]; /* a faststart mp4 cut right after its mdat header */

/* Offset just past the 'mdat' box header, 0 when there is none. */
static long mdat_payload(const unsigned char *d, long n) {
  long o = 0;
  while (o + 8 <= n) {
    unsigned long sz = (unsigned long)d[o] << 24 | (unsigned long)d[o + 1] << 16 |
                       (unsigned long)d[o + 2] << 8 | d[o + 3];
    if (!memcmp(d + o + 4, "mdat", 4)) return o + 8;
    if (sz < 8) return 0;
    o += (long)sz;
  }
  return 0;
}

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tp_setup_threads(state) != 0) return -1;
  /* moov first, so the demuxer knows every stream and then finds no data. */
  char src[1024], fs[1024];
  tp_media("clip-h264-aac.mp4", src, sizeof src);
  tm_path(fs, sizeof fs, g_dir, "faststart.mp4");
  const char *kv[] = {"i", src, "o", fs, "c", "copy", "movflags", "+faststart", NULL};
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) return -1;
  FILE *f = fopen(fs, "rb");
  if (!f) return -1;
  static unsigned char buf[1 << 20];
  long n = (long)fread(buf, 1, sizeof buf, f);
  fclose(f);
  long cut = mdat_payload(buf, n);
  if (cut <= 0 || cut >= n) return -1;
  tm_path(g_cut, sizeof g_cut, g_dir, "cut.mp4");
  f = fopen(g_cut, "wb");
  if (!f) return -1;
  bool ok = fwrite(buf, 1, (size_t)cut, f) == (size_t)cut;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

static void expect_nothing_to_write(const char *const *kv, const char *out) {
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_EMEDIA);
  assert_string_equal(r.first_error_stage, "mux");
  assert_non_null(strstr(r.error, "mux ("));
  assert_non_null(strstr(r.error, out));
  assert_non_null(strstr(r.error, "nothing to write"));
  assert_int_equal(r.category, ISO_ERRCAT_NO_DATA);
  assert_int_equal(r.errors, 1);
}

static void t_copy_without_packets_fails(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "copy.mkv");
  const char *kv[] = {"i", g_cut, "o", out, "c", "copy", NULL};
  expect_nothing_to_write(kv, out);
  /* Created by this run and holding no packet: removed. */
  assert_false(tm_file_exists(out));
}

static void t_transcode_without_frames_fails(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "mixed.mp4");
  /* Audio copy writes the header; video never gets a frame to open its encoder. */
  const char *kv[] = {"i", g_cut, "o", out, "c:v", "mpeg4", "c:a", "copy", NULL};
  expect_nothing_to_write(kv, out);
  assert_false(tm_file_exists(out));
}

static void t_existing_output_is_kept(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "existing.mkv");
  FILE *f = fopen(out, "wb");
  assert_non_null(f);
  fputs("old", f);
  fclose(f);
  /* Not ours to delete: -y replaced it, the error says why it is empty. */
  const char *kv[] = {"i", g_cut, "o", out, "c", "copy", "y", "1", NULL};
  expect_nothing_to_write(kv, out);
  assert_true(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_copy_without_packets_fails),
      cmocka_unit_test(t_transcode_without_frames_fails),
      cmocka_unit_test(t_existing_output_is_kept),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
