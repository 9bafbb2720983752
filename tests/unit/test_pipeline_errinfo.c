/* Structured pipeline errors: each category from a real failure, with its FFmpeg code, stage and
 * file; a cancel reads "cancelled". */
#include "test_pipeline_util.h"

#include "pipeline/pl_internal.h"
#include "pipeline/pl_sidx.h"

static char g_dir[512];
static char g_clip[1024];

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tm_gen_simple(g_clip, sizeof g_clip, g_dir, "in.mkv", "mpeg4", "flac", 160, 120, 4.0, 1,
                    48000) != 0)
    return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* Runs kv to its end and returns its structured error (strings copied). */
typedef struct einfo {
  iso_error_info e;
  char stage[64], file[1024], message[1024];
} einfo;

static int run_info(const char *const *kv, double cancel_at, einfo *out) {
  tp_run r;
  tp_init(&r);
  r.cancel_at = cancel_at;
  r.cancel_how = ISO_CANCEL_NOW;
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  int st = iso_pipeline_run(p);
  assert_int_equal(iso_pipeline_error_info(p, &out->e), st);
  snprintf(out->stage, sizeof out->stage, "%s", out->e.stage);
  snprintf(out->file, sizeof out->file, "%s", out->e.file);
  snprintf(out->message, sizeof out->message, "%s", out->e.message ? out->e.message : "");
  iso_pipeline_free(p);
  if (getenv("TP_VERBOSE"))
    fprintf(stderr, "%s [%s] stage %s file %s av %d\n", out->message,
            iso_error_category_name(out->e.category), out->stage, out->file, out->e.av_error);
  return st;
}

static void t_ok(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "ok.mkv");
  const char *kv[] = {"i", g_clip, "o", out, "c:v", "copy", "c:a", "copy", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_OK);
  assert_int_equal(e.e.category, ISO_ERRCAT_NONE);
}

static void t_input_not_found(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "nf.mkv");
  const char *kv[] = {"i", "/nonexistent/in.mp4", "o", out, NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EMEDIA);
  assert_int_equal(e.e.category, ISO_ERRCAT_INPUT_NOT_FOUND);
  assert_int_equal(e.e.av_error, AVERROR(ENOENT));
  assert_string_equal(e.stage, "demux");
  assert_string_equal(e.file, "/nonexistent/in.mp4");
}

static void t_corrupt(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(in, sizeof in, g_dir, "garbage.mkv");
  tm_path(out, sizeof out, g_dir, "garbage-out.mkv");
  FILE *f = fopen(in, "w");
  assert_non_null(f);
  for (int i = 0; i < 8192; i++)
    fputc(i * 7 & 0x7f, f);
  fclose(f);
  const char *kv[] = {"i", in, "o", out, NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EMEDIA);
  assert_int_equal(e.e.category, ISO_ERRCAT_CORRUPT);
  assert_int_equal(e.e.av_error, AVERROR_INVALIDDATA);
  assert_string_equal(e.stage, "demux");
}

static void t_unsupported(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "unsup.mkv");
  const char *kv[] = {"i", g_clip, "o", out, "input_format", "no-such-demuxer", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EMEDIA);
  assert_int_equal(e.e.category, ISO_ERRCAT_UNSUPPORTED);
  assert_int_equal(e.e.av_error, AVERROR_DEMUXER_NOT_FOUND);
}

static void t_output_write(void **state) {
  (void)state;
  const char *kv[] = {"i",   g_clip, "o", "/nonexistent-dir/out.mkv", "c:v", "copy",
                      "c:a", "copy", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EMEDIA);
  assert_int_equal(e.e.category, ISO_ERRCAT_OUTPUT_WRITE);
  assert_int_equal(e.e.av_error, AVERROR(ENOENT));
  assert_string_equal(e.stage, "mux");
  assert_string_equal(e.file, "/nonexistent-dir/out.mkv");
}

static void t_output_exists(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "exists.mkv");
  FILE *f = fopen(out, "w");
  assert_non_null(f);
  fclose(f);
  const char *kv[] = {"i", g_clip, "o", out, "overwrite", "0", "c:v", "copy", "c:a", "copy", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EINVAL);
  assert_int_equal(e.e.category, ISO_ERRCAT_OUTPUT_EXISTS);
  assert_string_equal(e.file, out);
}

/* The output's name is the input's: refused before anything runs. */
static void t_output_is_input(void **state) {
  (void)state;
  const char *kv[] = {"i", g_clip, "o", g_clip, "c:v", "copy", "c:a", "copy", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EINVAL);
  assert_int_equal(e.e.category, ISO_ERRCAT_INVALID_OPTION);
  assert_string_equal(e.file, g_clip);
}

static void t_invalid_option(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "opt.mkv");
  const char *kv[] = {"i", g_clip, "o", out, "nonsense_option", "1", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EINVAL);
  assert_int_equal(e.e.category, ISO_ERRCAT_INVALID_OPTION);
  assert_non_null(strstr(e.message, "nonsense_option"));
}

/* Both streams dropped by the caller's options (an input that yields no
 * packet is ISO_ERRCAT_NO_DATA: test_pipeline_nodata). */
static void t_no_stream_selected(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "nodata.mkv");
  const char *kv[] = {"i", g_clip, "o", out, "vn", "1", "an", "1", NULL};
  einfo e;
  assert_int_equal(run_info(kv, -1, &e), ISO_EINVAL);
  assert_int_equal(e.e.category, ISO_ERRCAT_INVALID_OPTION);
}

static void t_cancelled(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "cancel.mkv");
  const char *kv[] = {"i", g_clip, "o", out, "c:v", "mpeg4", "c:a", "flac", NULL};
  einfo e;
  assert_int_equal(run_info(kv, 0.0, &e), ISO_ECANCELLED);
  assert_int_equal(e.e.category, ISO_ERRCAT_CANCELLED);
  assert_null(strstr(e.message, "killed"));
  assert_non_null(strstr(e.message, "cancelled"));
  assert_string_equal(iso_strerror(ISO_ECANCELLED), "cancelled");
}

/* An option given for one stream that no longer applies when its stage
 * is spawned (only memory can cause it after the check at set time; the
 * dictionary is filled by hand here to reach it) names the option, not
 * just "invalid argument". */
static pl_job *two_video_outputs(void) {
  pl_job *j = pl_job_new();
  assert_non_null(j);
  j->nout = 2;
  j->out[0].type = AVMEDIA_TYPE_VIDEO;
  j->out[1].type = AVMEDIA_TYPE_VIDEO;
  assert_true(av_dict_set(&j->sidx, "b:v@v:1", "fast", AV_DICT_MULTIKEY) >= 0);
  return j;
}

static void t_stream_option_named(void **state) {
  (void)state;
  char err[256] = "";
  pl_job *j = two_video_outputs();
  assert_int_equal(pl_sidx_view(j, 0, err, sizeof err), ISO_OK); /* not stream v:1's */
  pl_job_free(j);
  j = two_video_outputs();
  assert_int_equal(pl_sidx_view(j, 1, err, sizeof err), ISO_EINVAL);
  assert_non_null(strstr(err, "b:v@v:1"));
  assert_non_null(strstr(err, "fast"));
  pl_job_free(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_ok),
      cmocka_unit_test(t_input_not_found),
      cmocka_unit_test(t_corrupt),
      cmocka_unit_test(t_unsupported),
      cmocka_unit_test(t_output_write),
      cmocka_unit_test(t_output_exists),
      cmocka_unit_test(t_output_is_input),
      cmocka_unit_test(t_invalid_option),
      cmocka_unit_test(t_no_stream_selected),
      cmocka_unit_test(t_cancelled),
      cmocka_unit_test(t_stream_option_named),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
