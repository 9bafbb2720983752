/* Pipeline tests: live preview pictures (RGBA, fitted, upright, on main, latest wins). */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "test_need.h"
#include "test_pipeline_util.h"

typedef struct seen {
  pthread_t main;
  int pictures, w, h;
  bool off_main, bad_size;
  double last_pos, first_pos;
  bool backwards;
  int slow_ms; /* the callback takes this long */
  /* the first picture: mean colour of its left and right quarter, and of
   * its top and bottom quarter (the clips' bars and box tell them apart) */
  double left, right, top, bottom;
} seen;

static double mean(const iso_preview_frame *f, int x0, int x1, int y0, int y1) {
  double sum = 0;
  int n = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      const uint8_t *px = f->rgba + (size_t)y * f->stride + 4 * (size_t)x;
      sum += px[0] + px[1] + px[2];
      n++;
    }
  return n ? sum / n : 0;
}

static void on_picture(iso_pipeline *p, const iso_preview_frame *f, void *ud) {
  (void)p;
  seen *s = ud;
  if (!pthread_equal(pthread_self(), s->main)) s->off_main = true;
  if (!f->rgba || f->stride < 4 * f->width) s->bad_size = true;
  if (s->pictures == 0) {
    s->w = f->width;
    s->h = f->height;
    s->first_pos = f->position_s;
    s->left = mean(f, 0, f->width / 4, 0, f->height);
    s->right = mean(f, 3 * f->width / 4, f->width, 0, f->height);
    s->top = mean(f, 0, f->width, 0, f->height / 4);
    s->bottom = mean(f, 0, f->width, 3 * f->height / 4, f->height);
  } else if (f->width != s->w || f->height != s->h) {
    s->bad_size = true;
  }
  if (s->pictures && f->position_s < s->last_pos) s->backwards = true;
  s->last_pos = f->position_s;
  s->pictures++;
  if (s->slow_ms) {
    struct timespec ts = {0, s->slow_ms * 1000000L};
    nanosleep(&ts, NULL);
  }
}

static void run_preview(const char *clip, const char *out_name, int w, int h, double fps, seen *s,
                        const char *const *extra) {
  char in[1024], out[1024];
  tp_media(clip, in, sizeof in);
  tm_path(out, sizeof out, tp_dir(), out_name);
  const char *kv[16] = {"i", in, "o", out};
  int n = 4;
  for (int i = 0; extra && extra[i]; i++)
    kv[n++] = extra[i];
  kv[n] = NULL;
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  s->main = pthread_self();
  assert_int_equal(iso_pipeline_set_preview(p, w, h, fps, on_picture, s), ISO_OK);
  int st = iso_pipeline_run(p);
  if (st != ISO_OK) fail_msg("%s", iso_pipeline_error(p));
  iso_pipeline_free(p);
}

/* 320x240 into a 160-wide box at up to 30 pictures a second while the run
 * transcodes: 160x120 RGBA pictures on main, in order, not more than the
 * clip's 60 frames; the colour bars run left to right. */
static void t_pictures(void **state) {
  (void)state;
  seen s = {0};
  const char *x[] = {"c:v", "mpeg4", "c:a", "aac", NULL};
  run_preview("clip-h264-aac.mp4", "a.mkv", 160, 0, 30, &s, x);
  assert_true(s.pictures >= 1);
  assert_true(s.pictures <= 60);
  assert_int_equal(s.w, 160);
  assert_int_equal(s.h, 120);
  assert_false(s.off_main);
  assert_false(s.bad_size);
  assert_false(s.backwards);
  assert_true(s.first_pos >= 0 && s.first_pos < 2.0);
  /* Colour bars from white to dark: the two sides differ. */
  if (s.left - s.right < 100)
    fail_msg("picture not the clip's bars (left %.0f, right %.0f)", s.left, s.right);
  print_message("%d pictures, %dx%d\n", s.pictures, s.w, s.h);
}

/* A display matrix of 90 degrees: the 240x160 coded pictures come upright,
 * 160x240 fitted into 120x120 as 80x120, bars running top to bottom. */
static void t_upright(void **state) {
  (void)state;
  seen s = {0};
  const char *x[] = {"c:v", "mpeg4", "an", "1", NULL};
  run_preview("clip-rotate90.mp4", "r.mkv", 120, 120, 30, &s, x);
  assert_true(s.pictures >= 1);
  assert_int_equal(s.w, 80);
  assert_int_equal(s.h, 120);
  if (fabs(s.top - s.bottom) < 100)
    fail_msg("bars not turned (top %.0f, bottom %.0f, left %.0f, right %.0f)", s.top, s.bottom,
             s.left, s.right);
}

/* A callback slower than the picture rate skips pictures; the output still
 * holds every frame. An audio-only input gives no picture and no error. */
static void t_slow_callback_and_audio(void **state) {
  (void)state;
  seen s = {.slow_ms = 40};
  const char *x[] = {"c:v", "mpeg4", "c:a", "aac", NULL};
  run_preview("clip-h264-aac.mp4", "slow.mkv", 64, 64, 1000, &s, x);
  char out[1024];
  tm_path(out, sizeof out, tp_dir(), "slow.mkv");
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 60);
  assert_true(s.pictures >= 1);
  assert_false(s.backwards);

  seen a = {0};
  run_preview("clip-44k1-mono.mp3", "a.flac", 64, 64, 10, &a, NULL);
  assert_int_equal(a.pictures, 0);
}

static void t_bad_arguments(void **state) {
  (void)state;
  iso_pipeline *p = iso_pipeline_new();
  seen s = {0};
  assert_int_equal(iso_pipeline_set_preview(p, -1, 0, 10, on_picture, &s), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set_preview(p, 0, 0, -1, on_picture, &s), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set_preview(p, 100000, 0, 1, on_picture, &s), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set_preview(p, 64, 64, 10, on_picture, &s), ISO_OK);
  assert_int_equal(iso_pipeline_set_preview(p, 0, 0, 0, NULL, NULL), ISO_OK);
  iso_pipeline_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_pictures),
      cmocka_unit_test(t_upright),
      cmocka_unit_test(t_slow_callback_and_audio),
      cmocka_unit_test(t_bad_arguments),
  };
  return tm_exit(cmocka_run_group_tests(tests, tp_setup_dir, tp_teardown_dir));
}
