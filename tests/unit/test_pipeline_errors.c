/* Pipeline tests: errors reach main with stage and reason, cancel (graceful / now), pipelines side
 * by side. */
#include "test_need.h"
#include "test_pipeline_util.h"

static char g_dir[512];
static char g_long[1024]; /* a 20 s clip, long enough to cancel in the middle */

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tm_gen_simple(g_long, sizeof g_long, g_dir, "long.mkv", "mpeg4", "flac", 320, 240, 20.0, 2,
                    48000) != 0)
    return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

static void t_missing_input(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "never.mp4");
  const char *kv[] = {"i", "/nonexistent/in.mp4", "o", out, NULL};
  tp_run r;
  tp_init(&r);
  assert_int_not_equal(tp_run_kv(&r, kv), ISO_OK);
  assert_non_null(strstr(r.error, "demux"));
  assert_non_null(strstr(r.error, "/nonexistent/in.mp4"));
  assert_non_null(strstr(r.error, "No such file"));
  assert_string_equal(r.first_error_stage, "demux");
  assert_false(tm_file_exists(out));
}

static void t_unknown_encoder(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "x.mp4");
  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", tp_media("clip-h264-aac.mp4", in, sizeof in));
  iso_pipeline_set(p, "o", out);
  iso_pipeline_set(p, "c:v", "no-such-encoder");
  assert_int_equal(iso_pipeline_start(p), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "no-such-encoder"));
  iso_pipeline_free(p);
}

static void t_unknown_option(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "x.mp4");
  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", tp_media("clip-h264-aac.mp4", in, sizeof in));
  iso_pipeline_set(p, "o", out);
  assert_int_equal(iso_pipeline_set(p, "nonsense_option", "1"), ISO_OK);
  assert_int_equal(iso_pipeline_start(p), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "nonsense_option"));
  iso_pipeline_free(p);
}

static void t_bad_option_values(void **state) {
  (void)state;
  iso_pipeline *p = iso_pipeline_new();
  assert_int_equal(iso_pipeline_set(p, "crf", "abc"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "crf", "-1"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "crf", "23.5x"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "crf", "nan"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "s", "0x0"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "ss", "soon"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "aspect", "wide"), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "wide"));
  assert_int_equal(iso_pipeline_set(p, "pix_fmt", "nope"), ISO_EINVAL);
  /* ffmpeg's -rc_override and -top, read by the video encoder. */
  assert_int_equal(iso_pipeline_set(p, "rc_override", "0,10,2/"), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "rc_override"));
  assert_int_equal(iso_pipeline_set(p, "rc_override", "0,10,2/20,29,-50"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "top", "2"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "top", "0"), ISO_OK);
  iso_pipeline_free(p);
}

/* x264 and x265 take a fractional crf, as ffmpeg's -crf 23.5. */
static void t_fractional_crf(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "crf.mkv");
  const char *kv[] = {"i",      tp_media("clip-h264-aac.mp4", in, sizeof in),
                      "o",      out,
                      "c:v",    "libx264",
                      "crf",    "23.5",
                      "preset", "ultrafast",
                      "an",     "1",
                      NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_OK);
  assert_true(r.last.frames > 0);
}

static void t_encoder_open_fails(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "crf.mp4");
  /* mpeg4 has no crf: the encoder refuses to open, in its isolate. */
  const char *kv[] = {
      "i", tp_media("clip-h264-aac.mp4", in, sizeof in), "o", out, "c:v", "mpeg4", "crf", "20",
      NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_EMEDIA);
  assert_string_equal(r.first_error_stage, "encode:v");
  assert_non_null(strstr(r.error, "crf"));
  assert_non_null(strstr(r.error, out));
  assert_false(r.off_main);
}

static void t_disk_full(void **state) {
  (void)state;
  char in[1024];
  const char *kv[] = {"i",   tp_media("clip-h264-aac.mp4", in, sizeof in),
                      "o",   "/dev/full",
                      "f",   "matroska",
                      "c:v", "mpeg4",
                      NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_EMEDIA);
  assert_string_equal(r.first_error_stage, "mux");
  assert_non_null(strstr(r.error, "No space left on device"));
}

static void t_refuses_overwrite(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "exists.mkv");
  FILE *f = fopen(out, "w");
  fputs("keep me", f);
  fclose(f);
  const char *kv[] = {"i", tp_media("clip-h264-aac.mp4", in, sizeof in), "o", out, "overwrite", "0",
                      NULL};
  tp_run r;
  tp_init(&r);
  assert_int_not_equal(tp_run_kv(&r, kv), ISO_OK);
  assert_int_equal(tm_file_size(out), 7);
}

static void t_corrupt_packets_skipped(void **state) {
  (void)state;
  char in[1024], out[1024];
  TM_NEED(tm_corpus_file("broken/invalid-bitstream.webm", in, sizeof in),
          "the media corpus (broken/invalid-bitstream.webm)");
  tm_path(out, sizeof out, g_dir, "corrupt.mkv");
  const char *kv[] = {"i", in, "o", out, "c:v", "mpeg4", NULL};
  tp_run r;
  tp_init(&r);
  int st = tp_run_kv(&r, kv);
  uint64_t skipped = 0;
  for (int i = 0; i < r.last.nstages; i++)
    skipped += r.last.stages[i].errors_skipped;
  assert_true(skipped > 0);
  /* Whether any frame survived decides success; never a crash or a hang. */
  if (st != ISO_OK) assert_non_null(strstr(r.error, "mux"));

  const char *ff[] = {"i", in, "o", out, "c:v", "mpeg4", "fail_fast", "1", NULL};
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, ff), ISO_EMEDIA);
  assert_string_equal(r.first_error_stage, "decode:v");
}

static void t_broken_inputs_fail_cleanly(void **state) {
  (void)state;
  static const char *files[] = {
      "broken/emptyfile.mp3",          "broken/sample_malformed_free_box.mp4",
      "broken/chunk_out_of_range.mp4", "broken/clusterfuzz-testcase-minimized-mp4-6093954524250112",
      "broken/segfault.wav",           "broken/06_-_missing_streaminfo_metadata_block.flac"};
  char in[1024], out[1024];
  TM_NEED(tm_corpus_dir(), "the media corpus");
  tm_path(out, sizeof out, g_dir, "broken.mkv");
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    if (!tm_corpus_file(files[i], in, sizeof in)) continue;
    const char *kv[] = {"i", in, "o", out, NULL};
    tp_run r;
    tp_init(&r);
    if (tp_run_kv(&r, kv) == ISO_OK) fail_msg("%s transcoded", files[i]);
    assert_non_null(strstr(r.error, "demux"));
  }
}

static void cancel_case(iso_cancel_mode how, const char *name, tm_probe *probe, tp_run *r) {
  char out[1024];
  tm_path(out, sizeof out, g_dir, name);
  const char *kv[] = {"i", g_long, "o", out, "c:v", "libx264", "preset", "ultrafast", NULL};
  tp_init(r);
  r->cancel_at = 1.0;
  r->cancel_how = how;
  assert_int_equal(tp_run_kv(r, kv), ISO_ECANCELLED);
  assert_true(r->cancel_sent);
  assert_int_equal(tm_probe_file(out, true, probe), 0);
}

static void t_cancel_graceful(void **state) {
  (void)state;
  tm_probe p;
  tp_run r;
  cancel_case(ISO_CANCEL_GRACEFUL, "graceful.mp4", &p, &r);
  /* Flushed and finalized (the mp4 has its moov): playable, shorter than 20 s. */
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(v);
  assert_non_null(a);
  assert_true(v->frames >= 30);
  assert_true(v->frames < 600);
  assert_true(p.duration > 0.9 && p.duration < 19.0);
  assert_int_equal(p.decode_errors, 0);
}

static void t_cancel_now(void **state) {
  (void)state;
  tm_probe p;
  tp_run r;
  cancel_case(ISO_CANCEL_NOW, "now.mkv", &p, &r);
  assert_true(p.nb_streams >= 1);
  assert_true(r.last.finished);
}

static void t_two_pipelines_at_once(void **state) {
  (void)state;
  char in[1024], o1[1024], o2[1024];
  tp_media("clip-vp9-opus.webm", in, sizeof in);
  tm_path(o1, sizeof o1, g_dir, "two-1.mp4");
  tm_path(o2, sizeof o2, g_dir, "two-2.webm");
  tp_run r1, r2;
  tp_init(&r1);
  tp_init(&r2);
  const char *kv1[] = {"i", g_long, "o", o1, "c:v", "mpeg4", NULL};
  const char *kv2[] = {"i",        in,         "o",        o2,  "c:v", "libvpx-vp9",
                       "deadline", "realtime", "cpu-used", "8", NULL};
  iso_pipeline *p1 = tp_make(&r1, kv1);
  iso_pipeline *p2 = tp_make(&r2, kv2);
  assert_int_equal(iso_pipeline_start(p1), ISO_OK);
  assert_int_equal(iso_pipeline_start(p2), ISO_OK);
  while (!iso_pipeline_done(p1) || !iso_pipeline_done(p2))
    iso_loop_poll(100000000ull);
  assert_int_equal(iso_pipeline_status(p1), ISO_OK);
  assert_int_equal(iso_pipeline_status(p2), ISO_OK);
  assert_int_equal(r1.done_calls, 1);
  assert_int_equal(r2.done_calls, 1);
  assert_false(r1.off_main || r2.off_main);
  iso_pipeline_free(p1);
  iso_pipeline_free(p2);
  tm_probe a, b;
  assert_int_equal(tm_probe_file(o1, true, &a), 0);
  assert_int_equal(tm_probe_file(o2, true, &b), 0);
  assert_int_equal(tm_probe_stream(&a, AVMEDIA_TYPE_VIDEO)->frames, 600);
  assert_int_equal(tm_probe_stream(&b, AVMEDIA_TYPE_VIDEO)->frames, 60);
}

static void t_worker_logs_reach_main(void **state) {
  (void)state;
  char in[1024], out[1024];
  tm_path(out, sizeof out, g_dir, "logs.mp4");
  /* libx264 reports its settings at info level from the encode:v isolate. */
  const char *kv[] = {"i",      tp_media("clip-h264-aac.mp4", in, sizeof in),
                      "o",      out,
                      "c:v",    "libx264",
                      "preset", "ultrafast",
                      NULL};
  tp_run r;
  tp_init(&r);
  int level = av_log_get_level();
  av_log_set_level(AV_LOG_INFO);
  assert_int_equal(tp_run_kv(&r, kv), ISO_OK);
  av_log_set_level(level);
  assert_true(r.log_lines > 0);
  assert_true(r.saw_worker_log);
  assert_false(r.off_main);
}

/* Lines FFmpeg's codec worker threads log belong to the pipeline whose
 * codec they decode for, not to whichever pipeline was created last. */
typedef struct route_log {
  int h264_lines, lines;
} route_log;

static void route_on_log(iso_pipeline *p, int level, const char *stage, const char *line,
                         void *ud) {
  (void)p, (void)level, (void)stage;
  route_log *r = ud;
  r->lines++;
  if (strstr(line, "[h264 @")) r->h264_lines++;
}

static void t_codec_thread_logs_routed(void **state) {
  (void)state;
  char src[1024], bad[1024], o1[1024], o2[1024];
  if (!avcodec_find_encoder_by_name("libx264")) skip();
  assert_int_equal(
      tm_gen_simple(src, sizeof src, g_dir, "route-src.mkv", "libx264", NULL, 320, 240, 2.0, 0, 0),
      0);
  tm_path(bad, sizeof bad, g_dir, "route-bad.mkv");
  assert_true(tm_damage_packets(src, bad, 1, 3, 16, 0x1405) > 30);
  tm_path(o1, sizeof o1, g_dir, "route-1.mkv");
  tm_path(o2, sizeof o2, g_dir, "route-2.mkv");
  route_log la = {0}, lb = {0};
  iso_pipeline *a = iso_pipeline_new(), *b = iso_pipeline_new();
  const char *ka[] = {"i", bad, "o", o1, "c:v", "mpeg4", "max_error_rate", "1", NULL};
  const char *kb[] = {"i", g_long, "o", o2, "c:v", "mpeg4", "an", "1", NULL};
  for (int i = 0; ka[i]; i += 2)
    assert_int_equal(iso_pipeline_set(a, ka[i], ka[i + 1]), ISO_OK);
  for (int i = 0; kb[i]; i += 2)
    assert_int_equal(iso_pipeline_set(b, kb[i], kb[i + 1]), ISO_OK);
#ifndef TP_TSAN
  /* Frame threads decode A: its error lines come from FFmpeg's threads. */
  iso_pipeline_set(a, "threads", "4");
#else
  iso_pipeline_set(a, "threads", "1");
#endif
  iso_pipeline_set(b, "threads", "1");
  iso_pipeline_callbacks ca = {NULL, route_on_log, NULL, NULL}, cb = ca;
  iso_pipeline_set_callbacks(a, &ca, &la);
  iso_pipeline_set_callbacks(b, &cb, &lb);
  int level = av_log_get_level();
  av_log_set_level(AV_LOG_ERROR);
  /* B is created last: the one codec-thread lines used to reach. */
  assert_int_equal(iso_pipeline_start(a), ISO_OK);
  assert_int_equal(iso_pipeline_start(b), ISO_OK);
  while (!iso_pipeline_done(a))
    iso_loop_poll(100000000ull);
  iso_pipeline_cancel(b, ISO_CANCEL_NOW);
  while (!iso_pipeline_done(b))
    iso_loop_poll(100000000ull);
  av_log_set_level(level);
  iso_pipeline_free(a);
  iso_pipeline_free(b);
  assert_true(la.h264_lines > 0);
  assert_int_equal(lb.h264_lines, 0);
}

static void t_progress_reported(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "progress.mkv");
  const char *kv[] = {"i", g_long, "o", out, "c:v", "mpeg4", "c:a", "copy", NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv), ISO_OK);
  const iso_progress *g = &r.last;
  assert_true(g->finished);
  assert_true(tp_absd(g->duration_s - 20.0) < 0.1);
  assert_true(tp_absd(g->position_s - 20.0) < 0.1);
  assert_true(tp_absd(g->percent - 100.0) < 0.01);
  assert_int_equal(g->frames, 600);
  assert_true(g->out_bytes > 0 && (int64_t)g->out_bytes == tm_file_size(out));
  assert_true(g->nstages >= 5); /* demux, mux, decode:v, convert:v, encode:v */
  bool names[3] = {false, false, false};
  for (int i = 0; i < g->nstages; i++) {
    if (!strcmp(g->stages[i].name, "demux")) names[0] = true;
    if (!strcmp(g->stages[i].name, "encode:v")) names[1] = true;
    if (!strcmp(g->stages[i].name, "mux")) names[2] = true;
    assert_true(g->stages[i].done);
  }
  assert_true(names[0] && names[1] && names[2]);
  assert_true(g->ticks > 0 || r.progress_calls >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_missing_input),
      cmocka_unit_test(t_unknown_encoder),
      cmocka_unit_test(t_unknown_option),
      cmocka_unit_test(t_bad_option_values),
      cmocka_unit_test(t_fractional_crf),
      cmocka_unit_test(t_encoder_open_fails),
      cmocka_unit_test(t_disk_full),
      cmocka_unit_test(t_refuses_overwrite),
      cmocka_unit_test(t_corrupt_packets_skipped),
      cmocka_unit_test(t_broken_inputs_fail_cleanly),
      cmocka_unit_test(t_cancel_graceful),
      cmocka_unit_test(t_cancel_now),
      cmocka_unit_test(t_two_pipelines_at_once),
      cmocka_unit_test(t_worker_logs_reach_main),
      cmocka_unit_test(t_codec_thread_logs_routed),
      cmocka_unit_test(t_progress_reported),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
