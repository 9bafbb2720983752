/* The verdict on real transcodes whose bottleneck is known: a slow encoder, a costly decode, an
 * audio-only job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libavcodec/avcodec.h>

#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"
#include "media_gen.h"
#include "profiling/prof.h"
#include "test_media.h"
#include "test_need.h"

#if defined(__SANITIZE_THREAD__)
#define PROF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PROF_TSAN 1
#endif
#endif

static char g_dir[512];
static char g_video[600], g_flac[600];

static bool have(const char *encoder) {
  return avcodec_find_encoder_by_name(encoder) != NULL;
}

static int setup_media(void **state) {
  (void)state;
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  /* Cheap to make, dear to decode at full size: 1080p H.264 + AAC. */
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 1920;
  o.height = 1080;
  o.duration = 0.4;
  o.vcodec = "libx264";
  o.preset = "ultrafast";
  o.acodec = "aac";
  /* Without libx264 the video tests skip (fail under CI); a clip that
   * cannot be made fails the setup, never skips. */
  if (have("libx264") && tm_gen_clip(g_video, sizeof g_video, g_dir, "in1080.mp4", &o) < 0)
    return -1;
  if (tm_gen_simple(g_flac, sizeof g_flac, g_dir, "in.flac", NULL, "flac", 0, 0, 8.0, 2, 48000) < 0)
    return -1;
  return 0;
}

static int teardown_media(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Runs one job to the end; prog gets the final snapshot. */
static void run(const char *const *kv, iso_progress *prog, pl_verdict *v) {
  assert_int_equal(iso_runtime_init(ISO_MODE_THREADS), ISO_OK);
  iso_pipeline *p = iso_pipeline_new();
  assert_non_null(p);
  for (int i = 0; kv[i]; i += 2)
    assert_int_equal(iso_pipeline_set(p, kv[i], kv[i + 1]), ISO_OK);
#ifdef PROF_TSAN
  /* FFmpeg's frame threads sync through atomics TSan cannot see. */
  iso_pipeline_set(p, "threads", "1");
#endif
  char stats[700];
  tm_path(stats, sizeof stats, g_dir, "stats.json");
  assert_int_equal(iso_pipeline_set_stats_path(p, stats), ISO_OK);
  int rc = iso_pipeline_run(p);
  if (rc != ISO_OK) fail_msg("pipeline failed: %s", iso_pipeline_error(p));
  *prog = *iso_pipeline_progress(p);
  iso_pipeline_free(p);
  iso_runtime_shutdown();
  assert_true(tm_file_size(stats) > 100);
  assert_true(prog->nstages >= 3);
  for (int i = 0; i < prog->nstages; i++) {
    const iso_stage_stats *s = &prog->stages[i];
    double sum = s->busy_s + s->starved_s + s->blocked_s;
    assert_true(sum > 0.98 * s->wall_s && sum < 1.02 * s->wall_s);
    assert_int_equal(s->bytes_copied, 0); /* media moved, never copied */
    assert_int_equal(s->done, 1);
  }
  pl_verdict_pick(prog->stages, prog->nstages, v);
  char table[4096];
  pl_stats_table(prog, table, sizeof table);
  print_message("%s", table);
}

/* The verdict names want, which also used the most CPU of all stages (CPU
 * time does not depend on the machine's load). Only when the verdict itself
 * says no stage was saturated (the machine was: other programs took the
 * cores) may it name another stage; the CPU check still holds then. */
static void expect_bottleneck(const iso_progress *prog, const pl_verdict *v, const char *want) {
  const iso_stage_stats *top = NULL;
  for (int i = 0; i < prog->nstages; i++)
    if (!top || prog->stages[i].cpu_s > top->cpu_s) top = &prog->stages[i];
  assert_non_null(top);
  if (strcmp(top->name, want) != 0) fail_msg("%s used the most CPU, not %s", top->name, want);
  if (strcmp(v->name, want) == 0) return;
  if (!strstr(v->line, "no stage is saturated"))
    fail_msg("verdict named %s (want %s): %s", v->name, want, v->line);
  print_message("machine-bound run, verdict not judged: %s\n", v->line);
}

static void test_slow_encoder(void **state) {
  (void)state;
  TM_NEED(g_video[0], "libx264 (makes the 1080p clip)");
  char out[700];
  tm_path(out, sizeof out, g_dir, "slow.mp4");
  const char *kv[] = {"i",       g_video,  "o",         out,       "c:v",
                      "libx264", "preset", "veryslow",  "threads", "1",
                      "c:a",     "aac",    "overwrite", "1",       NULL};
  iso_progress prog;
  pl_verdict v;
  run(kv, &prog, &v);
  expect_bottleneck(&prog, &v, "encode:v");
}

static void test_costly_decode(void **state) {
  (void)state;
  TM_NEED(g_video[0], "libx264 (makes the 1080p clip)");
  TM_NEED(have("mpeg4"), "the mpeg4 encoder");
  char out[700];
  tm_path(out, sizeof out, g_dir, "small.mp4");
  const char *kv[] = {"i",     g_video, "o", out,         "s", "160x90", "c:v",
                      "mpeg4", "an",    "1", "overwrite", "1", NULL};
  iso_progress prog;
  pl_verdict v;
  run(kv, &prog, &v);
  if (strcmp(v.name, "decode:v") != 0 && strcmp(v.name, "convert:v") != 0 &&
      !strstr(v.line, "no stage is saturated"))
    fail_msg("verdict named %s: %s", v.name, v.line);
}

static void test_audio_only(void **state) {
  (void)state;
  TM_NEED(have("libmp3lame"), "libmp3lame");
  char out[700];
  tm_path(out, sizeof out, g_dir, "out.mp3");
  /* LAME's slowest, best setting (compression_level 0) keeps the encoder
   * far ahead of FLAC decoding. One thread per codec: a frame-threaded FLAC
   * decoder's stage counts as busy while it waits for its own threads, and
   * on a loaded machine those wait for a core (runq_s sees only the stage's
   * own thread), so decode:a could look as busy as the encoder. */
  const char *kv[] = {"i",
                      g_flac,
                      "o",
                      out,
                      "c:a",
                      "libmp3lame",
                      "b:a",
                      "192k",
                      "threads",
                      "1",
                      "compression_level",
                      "0",
                      "overwrite",
                      "1",
                      NULL};
  iso_progress prog;
  pl_verdict v;
  run(kv, &prog, &v);
  expect_bottleneck(&prog, &v, "encode:a");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_slow_encoder),
      cmocka_unit_test(test_costly_decode),
      cmocka_unit_test(test_audio_only),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup_media, teardown_media));
}
