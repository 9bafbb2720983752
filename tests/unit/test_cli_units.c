/* Unit tests of the option value grammar the CLI and the library share, and of the CLI's printers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "isopipe/pipeline.h"
#include "pipeline/pl_units.h"
#include "tools/isopipe/cli_units.h"

static double t_ok(const char *s) {
  double v = -1;
  const char *why = NULL;
  assert_int_equal(pl_units_time(s, &v, &why), 0);
  return v;
}

static void t_bad(const char *s) {
  double v = 0;
  const char *why = NULL;
  assert_int_equal(pl_units_time(s, &v, &why), -1);
  assert_non_null(why);
}

static void test_time_forms(void **state) {
  (void)state;
  assert_float_equal(t_ok("90"), 90.0, 1e-9);
  assert_float_equal(t_ok("1:02.5"), 62.5, 1e-9);
  assert_float_equal(t_ok("01:02:03.25"), 3723.25, 1e-9);
  assert_float_equal(t_ok("0.5"), 0.5, 1e-9);
  assert_float_equal(t_ok("1.5s"), 1.5, 1e-9);
  assert_float_equal(t_ok("1500ms"), 1.5, 1e-9);
  assert_float_equal(t_ok("250000us"), 0.25, 1e-9);
  assert_float_equal(t_ok("100:00"), 6000.0, 1e-9); /* leading field may exceed 59 */
}

static void test_time_rejects(void **state) {
  (void)state;
  t_bad("");
  t_bad("-1");
  t_bad("abc");
  t_bad("1:60");    /* seconds after a colon stay below 60 */
  t_bad("1:2:3:4"); /* at most hours:minutes:seconds */
  t_bad("1.5:00");  /* only the seconds may have a fraction */
  t_bad("1:");      /* empty field */
  t_bad("inf");     /* strtod would take it */
  t_bad(" 5");
  t_bad("5x");
  t_bad("1..2");
}

static void test_size(void **state) {
  (void)state;
  uint64_t v;
  const char *why;
  assert_int_equal(pl_units_size("2M", &v, &why), 0);
  assert_int_equal(v, 2000000);
  assert_int_equal(pl_units_size("128k", &v, &why), 0);
  assert_int_equal(v, 128000);
  assert_int_equal(pl_units_size("128K", &v, &why), 0);
  assert_int_equal(v, 128000);
  assert_int_equal(pl_units_size("1.5M", &v, &why), 0);
  assert_int_equal(v, 1500000);
  assert_int_equal(pl_units_size("64Ki", &v, &why), 0);
  assert_int_equal(v, 65536);
  assert_int_equal(pl_units_size("1G", &v, &why), 0);
  assert_int_equal(v, 1000000000);
  assert_int_equal(pl_units_size("1kB", &v, &why), 0); /* B = bytes, as in ffmpeg */
  assert_int_equal(v, 8000);
  assert_int_equal(pl_units_size("960000", &v, &why), 0);
  assert_int_equal(v, 960000);
  assert_int_equal(pl_units_size("2X", &v, &why), -1);
  assert_int_equal(pl_units_size("M", &v, &why), -1);
  assert_int_equal(pl_units_size("", &v, &why), -1);
  assert_int_equal(pl_units_size("-2M", &v, &why), -1);
  assert_int_equal(pl_units_size("2Mbit", &v, &why), -1);
}

static void test_int_rate_wxh(void **state) {
  (void)state;
  long n;
  const char *why;
  assert_int_equal(pl_units_int("8", 1, 10, &n, &why), 0);
  assert_int_equal(n, 8);
  assert_int_equal(pl_units_int("0", 1, 10, &n, &why), -1);
  assert_int_equal(pl_units_int("8x", 1, 10, &n, &why), -1);
  /* A zero fraction is whole, as ffmpeg reads -ac 2.0; any other is not. */
  assert_int_equal(pl_units_int("2.0", 1, 10, &n, &why), 0);
  assert_int_equal(n, 2);
  assert_int_equal(pl_units_int("3.", 1, 10, &n, &why), 0);
  assert_int_equal(n, 3);
  assert_int_equal(pl_units_int("2.5", 1, 10, &n, &why), -1);
  assert_int_equal(pl_units_int(".0", 1, 10, &n, &why), -1);
  assert_int_equal(pl_units_int("2.0x", 1, 10, &n, &why), -1);
  assert_int_equal(pl_units_int("", 1, 10, &n, &why), -1);

  int num, den;
  assert_int_equal(pl_units_rate("30", &num, &den, &why), 0);
  assert_int_equal(num, 30);
  assert_int_equal(den, 1);
  assert_int_equal(pl_units_rate("30000/1001", &num, &den, &why), 0);
  assert_int_equal(num, 30000);
  assert_int_equal(den, 1001);
  assert_int_equal(pl_units_rate("ntsc", &num, &den, &why), 0);
  assert_int_equal(num * 1001, den * 30000);
  assert_int_equal(pl_units_rate("0", &num, &den, &why), -1);
  assert_int_equal(pl_units_rate("30/0", &num, &den, &why), -1);
  assert_int_equal(pl_units_rate("fast", &num, &den, &why), -1);

  int w, h;
  assert_int_equal(pl_units_wxh("1280x720", &w, &h, &why), 0);
  assert_int_equal(w, 1280);
  assert_int_equal(h, 720);
  assert_int_equal(pl_units_wxh("hd720", &w, &h, &why), 0);
  assert_int_equal(w, 1280);
  assert_int_equal(pl_units_wxh("161x121", &w, &h, &why), 0);
  assert_int_equal(pl_units_wxh("1280*720", &w, &h, &why), 0);
  assert_int_equal(w * 10000 + h, 12800720);
  assert_int_equal(pl_units_wxh("512:256", &w, &h, &why), 0);
  assert_int_equal(w * 10000 + h, 5120256);
  assert_int_equal(pl_units_wxh("512::256", &w, &h, &why), -1);
  assert_int_equal(pl_units_wxh("512x", &w, &h, &why), -1);
  assert_int_equal(pl_units_wxh("12x34x", &w, &h, &why), -1);
  assert_int_equal(pl_units_wxh("x720", &w, &h, &why), -1);
  assert_int_equal(pl_units_wxh("0x720", &w, &h, &why), -1);
  assert_int_equal(pl_units_wxh("-1x720", &w, &h, &why), -1);
}

/* The library reads an option's value with the grammar the CLI checks it
 * with: what one takes the other takes, what one refuses the other refuses. */
static void test_library_same_grammar(void **state) {
  (void)state;
  static const char *const times[] = {"90", "1:02.5", "01:02:03.25", "1.5s",  "1500ms", "250000us",
                                      "-1", "1:75",   "abc",         "1.5.2", "",       "inf"};
  static const char *const rates[] = {"128k", "2M", "1.5M", "64Ki", "1MB", "128000",
                                      "128q", "-5", "k",    "",     "1e3"};
  iso_pipeline *p = iso_pipeline_new();
  assert_non_null(p);
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    double t;
    const char *why;
    bool cli = pl_units_time(times[i], &t, &why) == 0;
    bool lib = iso_pipeline_set(p, "ss", times[i]) == ISO_OK;
    if (cli != lib) fail_msg("time '%s': CLI %d, library %d", times[i], cli, lib);
  }
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    uint64_t b;
    const char *why;
    bool cli = pl_units_size(rates[i], &b, &why) == 0;
    bool lib = iso_pipeline_set(p, "b:v", rates[i]) == ISO_OK;
    if (cli != lib) fail_msg("bit rate '%s': CLI %d, library %d", rates[i], cli, lib);
  }
  iso_pipeline_free(p);
}

static void test_printers(void **state) {
  (void)state;
  char b[64];
  assert_string_equal(cli_fmt_time(62.5, b, sizeof b), "00:01:02.50");
  assert_string_equal(cli_fmt_time(3723.256, b, sizeof b), "01:02:03.26");
  assert_string_equal(cli_fmt_time(-1, b, sizeof b), "--:--:--.--");
  assert_string_equal(cli_fmt_eta(65, b, sizeof b), "1:05");
  assert_string_equal(cli_fmt_eta(3723, b, sizeof b), "1:02:03");
  assert_string_equal(cli_fmt_eta(-1, b, sizeof b), "--:--");
  assert_string_equal(cli_fmt_bytes(512, b, sizeof b), "512B");
  assert_string_equal(cli_fmt_bytes(1536, b, sizeof b), "1.5KiB");
  assert_string_equal(cli_fmt_bytes(5u * 1024 * 1024, b, sizeof b), "5.0MiB");
  assert_string_equal(cli_fmt_kbps(950.25, b, sizeof b), "950.2kbit/s");
  assert_string_equal(cli_fmt_kbps(23500, b, sizeof b), "23.50Mbit/s");
  assert_string_equal(cli_fmt_kbps(-1, b, sizeof b), "N/A");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_forms),
      cmocka_unit_test(test_time_rejects),
      cmocka_unit_test(test_size),
      cmocka_unit_test(test_int_rate_wxh),
      cmocka_unit_test(test_library_same_grammar),
      cmocka_unit_test(test_printers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
