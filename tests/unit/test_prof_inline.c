/* Stage accounting of a real pipeline in inline mode: stages share one thread, so their busy time
 * and CPU cannot overlap. */
#include "test_pipeline_util.h"

#include <time.h>

static char g_dir[512];

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Every handler must leave the busy state before returning to the loop,
 * also when it leaves a self-kick pending: otherwise the other isolates run
 * inside its busy segment and their time and CPU are counted twice (the
 * CLI once showed 2.99 s of stage CPU for a process that used 0.47 s).
 */
static void test_inline_busy_does_not_overlap(void **state) {
  (void)state;
  char in[1024], out[1024];
  tp_media("clip-5.1-flac.mkv", in, sizeof in);
  tm_path(out, sizeof out, g_dir, "inline.mkv");
  /* threads 1: all the media work runs on this thread too. */
  const char *kv[] = {"i",       in,    "o",       out,  "c:v",
                      "mpeg4",   "c:a", "libopus", "vf", "scale=320:-2",
                      "threads", "1",   NULL};
  tp_run r;
  tp_init(&r);
  double wall0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  assert_int_equal(tp_run_kv(&r, kv), ISO_OK);
  double wall = clock_s(CLOCK_MONOTONIC) - wall0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  assert_true(r.last.finished);
  assert_true(r.last.nstages >= 6);
  double busy = 0, stage_cpu = 0;
  for (int i = 0; i < r.last.nstages; i++) {
    const iso_stage_stats *s = &r.last.stages[i];
    if (getenv("TP_VERBOSE"))
      fprintf(stderr, "%-10s wall %.3f busy %.3f starved %.3f blocked %.3f cpu %.3f\n", s->name,
              s->wall_s, s->busy_s, s->starved_s, s->blocked_s, s->cpu_s);
    double sum = s->busy_s + s->starved_s + s->blocked_s;
    assert_true(sum > 0.99 * s->wall_s && sum < 1.01 * s->wall_s + 1e-3);
    busy += s->busy_s;
    stage_cpu += s->cpu_s;
  }
  if (getenv("TP_VERBOSE"))
    fprintf(stderr, "sum busy %.3f of wall %.3f; stage cpu %.3f of process %.3f\n", busy, wall,
            stage_cpu, cpu);
  /* One thread: the stages' busy segments are disjoint parts of the run. */
  assert_true(busy <= wall * 1.01 + 0.005);
  assert_true(stage_cpu <= cpu * 1.01 + 0.005);
}

static int setup(void **state) {
  (void)state;
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return iso_runtime_init(ISO_MODE_INLINE) == ISO_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  iso_runtime_shutdown();
  tm_tmpdir_remove(g_dir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_inline_busy_does_not_overlap)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
