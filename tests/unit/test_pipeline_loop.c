/* Embedding in a foreign event loop: main driven through iso_loop_fd and its deadline,
 * progress_period, cancel from another thread, pause and resume, freeing a running pipeline, and
 * free after shutdown.
 */
#include <poll.h>

#include "test_pipeline_util.h"

static char g_dir[512];
static char g_clip[1024]; /* 6 s: long enough to pause and cancel in the middle */

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tm_gen_simple(g_clip, sizeof g_clip, g_dir, "in.mkv", "mpeg4", "flac", 320, 240, 6.0, 2,
                    48000) != 0)
    return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* A poll() loop as a host application would write it; counts fd wakes. */
static int host_loop(iso_pipeline *p, int *fd_wakes, double max_s) {
  int fd = iso_loop_fd();
  assert_true(fd >= 0);
  uint64_t end = iso_now_ns() + (uint64_t)(max_s * 1e9);
  while (!iso_pipeline_done(p) && iso_now_ns() < end) {
    struct pollfd pfd = {fd, POLLIN, 0};
    int timeout = iso_loop_timeout_ms();
    assert_true(timeout >= -1);
    if (timeout < 0 || timeout > 100) timeout = 100;
    if (poll(&pfd, 1, timeout) > 0 && (pfd.revents & POLLIN)) (*fd_wakes)++;
    iso_loop_dispatch();
  }
  return iso_pipeline_done(p) ? iso_pipeline_status(p) : ISO_ETIMEDOUT;
}

static void t_fd_loop_and_period(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "fd.mkv");
  const char *kv[] = {"i",    g_clip, "o", out, "c:v", "mpeg4", "c:a", "flac", "progress_period",
                      "0.25", NULL};
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  assert_int_equal(iso_pipeline_start(p), ISO_OK);
  int wakes = 0;
  uint64_t t0 = iso_now_ns();
  assert_int_equal(host_loop(p, &wakes, 60), ISO_OK);
  double el = (iso_now_ns() - t0) / 1e9;
  assert_true(wakes > 0); /* the stages' messages woke the host through the fd */
  assert_int_equal(r.done_calls, 1);
  /* One call per 0.25 s (and the last), not 60 per second. */
  assert_true(r.progress_calls >= 1);
  assert_true(r.progress_calls <= el / 0.25 + 3);
  assert_int_equal(r.last.finished, 1);
  iso_pipeline_free(p);
  tm_probe pr;
  assert_int_equal(tm_probe_file(out, false, &pr), 0);
  assert_true(pr.duration > 5.9);
}

static void t_bad_period(void **state) {
  (void)state;
  iso_pipeline *p = iso_pipeline_new();
  assert_int_equal(iso_pipeline_set(p, "progress_period", "soon"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "progress_period", "-1"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "progress_period", "0.5"), ISO_OK);
  iso_pipeline_free(p);
}

typedef struct canceller {
  iso_pipeline *p;
  unsigned delay_ms;
  iso_cancel_mode how;
  uint64_t at_ns;
} canceller;

static void *cancel_thread(void *arg) {
  canceller *c = arg;
  struct timespec ts = {c->delay_ms / 1000, (long)(c->delay_ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  c->at_ns = iso_now_ns();
  iso_pipeline_cancel(c->p, c->how);
  iso_pipeline_cancel(c->p, c->how); /* twice: harmless */
  return NULL;
}

static void cancel_from_thread(iso_cancel_mode how, const char *name) {
  char out[1024];
  tm_path(out, sizeof out, g_dir, name);
  /* x264's slowest preset keeps the run going past the cancel */
  const char *kv[] = {"i", g_clip, "o", out, "c:v", "libx264", "preset", "veryslow", NULL};
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  assert_int_equal(iso_pipeline_start(p), ISO_OK);
  canceller c = {p, 400, how, 0};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, cancel_thread, &c), 0);
  while (!iso_pipeline_done(p))
    iso_loop_poll(50000000ull);
  uint64_t done = iso_now_ns();
  pthread_join(th, NULL);
  assert_true(c.at_ns > 0);
  assert_int_equal(iso_pipeline_status(p), ISO_ECANCELLED);
  assert_true(iso_pipeline_cancelled(p));
  /* An immediate cancel ends the run promptly. */
  if (how == ISO_CANCEL_NOW) assert_true(done - c.at_ns < 3000000000ull);
  iso_pipeline_free(p);
  if (how == ISO_CANCEL_NOW) return; /* before x264's lookahead let a packet out: no file */
  tm_probe pr;
  assert_int_equal(tm_probe_file(out, false, &pr), 0); /* finished and playable */
  assert_true(pr.duration < 5.9);
}

static void t_cancel_now_from_thread(void **state) {
  (void)state;
  cancel_from_thread(ISO_CANCEL_NOW, "cancel-now.mkv");
}

static void t_cancel_graceful_from_thread(void **state) {
  (void)state;
  cancel_from_thread(ISO_CANCEL_GRACEFUL, "cancel-graceful.mkv");
}

static void pump_ms(unsigned ms) {
  uint64_t end = iso_now_ns() + ms * 1000000ull;
  while (iso_now_ns() < end)
    iso_loop_poll(10000000ull);
}

static void t_pause_resume(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "pause.mkv");
  const char *kv[] = {"i",      g_clip,      "o",   out,    "c:v", "libx264",
                      "preset", "ultrafast", "c:a", "flac", NULL};
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  assert_int_equal(iso_pipeline_pause(p, true), ISO_ESTATE); /* not started */
  uint64_t t0 = iso_now_ns();
  assert_int_equal(iso_pipeline_start(p), ISO_OK);
  assert_int_equal(iso_pipeline_pause(p, true), ISO_OK);
  assert_true(iso_pipeline_paused(p));
  /* Paused from the start: what is in flight drains, then nothing moves. */
  pump_ms(600);
  double pos1 = iso_pipeline_progress(p)->position_s;
  uint64_t frames1 = iso_pipeline_progress(p)->frames;
  pump_ms(500);
  assert_false(iso_pipeline_done(p));
  assert_true(iso_pipeline_progress(p)->position_s == pos1);
  assert_int_equal(iso_pipeline_progress(p)->frames, frames1);
  assert_true(pos1 < 5.0);
  assert_int_equal(iso_pipeline_pause(p, false), ISO_OK);
  assert_false(iso_pipeline_paused(p));
  while (!iso_pipeline_done(p))
    iso_loop_poll(50000000ull);
  assert_int_equal(iso_pipeline_status(p), ISO_OK);
  /* Elapsed leaves the pause out. */
  assert_true(iso_pipeline_progress(p)->elapsed_s < (iso_now_ns() - t0) / 1e9 - 0.9);
  iso_pipeline_free(p);
  /* Nothing dropped: every input frame reached the output. */
  tm_probe in, o;
  assert_int_equal(tm_probe_file(g_clip, true, &in), 0);
  assert_int_equal(tm_probe_file(out, true, &o), 0);
  assert_int_equal(tm_probe_stream(&o, AVMEDIA_TYPE_VIDEO)->frames,
                   tm_probe_stream(&in, AVMEDIA_TYPE_VIDEO)->frames);
  assert_int_equal(tm_probe_stream(&o, AVMEDIA_TYPE_AUDIO)->samples,
                   tm_probe_stream(&in, AVMEDIA_TYPE_AUDIO)->samples);
}

/* A slow x264 job into name, started and running for a moment. */
static iso_pipeline *start_slow(tp_run *r, const char *name) {
  char out[1024];
  tm_path(out, sizeof out, g_dir, name);
  const char *kv[] = {"i", g_clip, "o", out, "c:v", "libx264", "preset", "veryslow", NULL};
  tp_init(r);
  iso_pipeline *p = tp_make(r, kv);
  assert_int_equal(iso_pipeline_start(p), ISO_OK);
  pump_ms(300);
  return p;
}

/* Freed while it runs: cancelled, bounded, no callback of it afterwards. */
static void t_free_running(void **state) {
  (void)state;
  tp_run r;
  iso_pipeline *p = start_slow(&r, "free.mkv");
  uint64_t t0 = iso_now_ns();
  iso_pipeline_free(p);
  assert_true(iso_now_ns() - t0 < 6000000000ull);
  assert_int_equal(r.done_calls, 0);
}

/* The last test: the runtime goes down under a running pipeline, whose
 * free must then neither spin nor touch what the shutdown freed. */
static void t_free_after_shutdown(void **state) {
  (void)state;
  tp_run r;
  iso_pipeline *p = start_slow(&r, "shutdown.mkv");
  iso_runtime_shutdown();
  uint64_t t0 = iso_now_ns();
  iso_pipeline_free(p);
  assert_true(iso_now_ns() - t0 < 1000000000ull);
  assert_int_equal(iso_runtime_init(ISO_MODE_THREADS), ISO_OK); /* for the teardown */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_fd_loop_and_period),     cmocka_unit_test(t_bad_period),
      cmocka_unit_test(t_cancel_now_from_thread), cmocka_unit_test(t_cancel_graceful_from_thread),
      cmocka_unit_test(t_pause_resume),           cmocka_unit_test(t_free_running),
      cmocka_unit_test(t_free_after_shutdown),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
