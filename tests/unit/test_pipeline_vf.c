/* Pipeline tests: -vf in the forms ffmpeg users write, and clear refusals of what needs
 * libavfilter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/pl_internal.h"

static char g_err[512];

/* Parses vf into a fresh job; ISO_OK with the size and rate it stored. */
static int vf(const char *v, int *w, int *h, AVRational *rate) {
  pl_job *j = pl_job_new();
  assert_non_null(j);
  g_err[0] = 0;
  int r = pl_job_set(j, "vf", v, g_err, sizeof g_err);
  if (w) *w = j->width;
  if (h) *h = j->height;
  if (rate) *rate = j->rate;
  pl_job_free(j);
  return r;
}

static void expect_size(const char *v, int ew, int eh) {
  int w = 99, h = 99;
  if (vf(v, &w, &h, NULL) != ISO_OK) fail_msg("%s refused: %s", v, g_err);
  if (w != ew || h != eh) fail_msg("%s gave %d:%d, want %d:%d", v, w, h, ew, eh);
}

static void expect_refused(const char *v, const char *must_say) {
  assert_int_equal(vf(v, NULL, NULL, NULL), ISO_EINVAL);
  if (!strstr(g_err, must_say)) fail_msg("%s: message '%s' lacks '%s'", v, g_err, must_say);
}

static void test_scale_forms(void **state) {
  (void)state;
  expect_size("scale=640:360", 640, 360);
  expect_size("scale=w=640:h=360", 640, 360);
  expect_size("scale=h=360:w=640", 640, 360);
  expect_size("scale=width=640:height=-2", 640, -2);
  expect_size("scale=-2:720", -2, 720);
  expect_size("scale=-4:720", -4, 720);
  expect_size("scale=1280x720", 1280, 720);
  expect_size("scale=iw:360", 0, 360);
  expect_size("scale=640:ih", 640, 0);
  /* One side only keeps the aspect. */
  expect_size("scale=640", 640, -1);
  expect_size("scale=h=360", -1, 360);
  AVRational r;
  int w, h;
  assert_int_equal(vf(" scale=320:-2, fps=30000/1001", &w, &h, &r), ISO_OK);
  assert_int_equal(w, 320);
  assert_int_equal(h, -2);
  assert_int_equal(r.num, 30000);
  assert_int_equal(r.den, 1001);
  assert_int_equal(vf("fps=fps=25", NULL, NULL, &r), ISO_OK);
  assert_int_equal(r.num, 25);
}

static void test_refusals_name_the_problem(void **state) {
  (void)state;
  /* Expressions need libavfilter: refused, saying so. */
  expect_refused("scale=iw/2:-2", "libavfilter");
  expect_refused("scale=iw/2:-2", "iw/2");
  expect_refused("scale=trunc(iw/4)*2:720", "libavfilter");
  /* Other filters: refused by name. */
  expect_refused("crop=100:100", "'crop'");
  expect_refused("scale=640:-2,hflip", "'hflip'");
  expect_refused("scale=640:360:flags=lanczos", "'flags'");
  expect_refused("scale=640:360:1", "too many");
  expect_refused("scale=-1:-2", "one side");
  expect_refused("scale=", "no size");
  expect_refused("scale", "no size");
  expect_refused("scale=0:360", "bad size");
  expect_refused("fps=fast", "fps");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_scale_forms),
                                     cmocka_unit_test(test_refusals_name_the_problem)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
