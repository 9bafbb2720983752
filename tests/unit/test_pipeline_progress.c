/* Pipeline tests: the progress position follows the slowest output stream still running. */
#include "test_pipeline_util.h"

static char g_dir[512], g_in[1024];

typedef struct pos_check {
  tp_run r;
  double prev_pos, worst_lead;
  int went_back, ticks_with_video;
} pos_check;

/* fps of the generated input and of the cfr output. */
#define FPS 30.0

static void on_progress(iso_pipeline *p, const iso_progress *g, void *ud) {
  pos_check *c = ud;
  tp_on_progress(p, g, &c->r);
  if (g->position_s < c->prev_pos) c->went_back++;
  c->prev_pos = g->position_s;
  if (g->finished) return;
  /* Video muxed so far ends near frames / FPS (B-frames let a packet's end
   * run a few frames past the count). Audio is ahead of it: it has no
   * encoder lookahead. */
  double lead = g->position_s - g->frames / FPS;
  if (lead > c->worst_lead) c->worst_lead = lead;
  if (g->frames > 0) c->ticks_with_video++;
}

/*
 * libx264 holds ~2 s of frames in its lookahead before the first packet,
 * while the audio of those seconds is encoded and muxed at once. The
 * position is what is done of the whole output: it must not run with the
 * audio (the CLI showed 100 % and ETA 0 while video was still encoding).
 */
static void test_position_waits_for_video(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "out.mkv");
  const char *kv[] = {"i",   g_in,        "o",           out,
                      "c:v", "libx264",   "x264-params", "rc-lookahead=60:bframes=3",
                      "c:a", "pcm_s16le", "threads",     "1",
                      NULL};
  pos_check c;
  memset(&c, 0, sizeof c);
  tp_init(&c.r);
  iso_pipeline *p = tp_make(&c.r, kv);
  assert_non_null(p);
  iso_pipeline_callbacks cb = {on_progress, tp_on_log, tp_on_error, tp_on_done};
  iso_pipeline_set_callbacks(p, &cb, &c);
  assert_int_equal(iso_pipeline_run(p), ISO_OK);
  iso_pipeline_free(p);
  if (getenv("TP_VERBOSE"))
    fprintf(stderr, "progress calls %d, worst lead over video %.3f s, final %.3f s\n",
            c.r.progress_calls, c.worst_lead, c.r.last.position_s);
  assert_int_equal(c.went_back, 0);
  assert_true(c.worst_lead < 6 / FPS);
  /* The end: every stream done, position the whole output. */
  assert_true(c.r.last.finished);
  assert_true(tp_absd(c.r.last.position_s - 6.0) < 0.1);
  assert_true(tp_absd(c.r.last.percent - 100) < 1e-9);
}

static int setup(void **state) {
  (void)state;
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mkv", "mpeg4", "flac", 320, 240, 6.0, 2, 48000) <
      0)
    return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tp_teardown(state);
  tm_tmpdir_remove(g_dir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_position_waits_for_video)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
