/* Unit tests of the CLI's unit parsers and printers: times, sizes, rates, frame sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "tools/isopipe/cli_units.h"

static double t_ok(const char *s) {
  double v = -1;
  const char *why = NULL;
  assert_int_equal(cli_parse_time(s, &v, &why), 0);
  return v;
}

static void t_bad(const char *s) {
  double v = 0;
  const char *why = NULL;
  assert_int_equal(cli_parse_time(s, &v, &why), -1);
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
  assert_int_equal(cli_parse_size("2M", &v, &why), 0);
  assert_int_equal(v, 2000000);
  assert_int_equal(cli_parse_size("128k", &v, &why), 0);
  assert_int_equal(v, 128000);
  assert_int_equal(cli_parse_size("128K", &v, &why), 0);
  assert_int_equal(v, 128000);
  assert_int_equal(cli_parse_size("1.5M", &v, &why), 0);
  assert_int_equal(v, 1500000);
  assert_int_equal(cli_parse_size("64Ki", &v, &why), 0);
  assert_int_equal(v, 65536);
  assert_int_equal(cli_parse_size("1G", &v, &why), 0);
  assert_int_equal(v, 1000000000);
  assert_int_equal(cli_parse_size("1kB", &v, &why), 0); /* B = bytes, as in ffmpeg */
  assert_int_equal(v, 8000);
  assert_int_equal(cli_parse_size("960000", &v, &why), 0);
  assert_int_equal(v, 960000);
  assert_int_equal(cli_parse_size("2X", &v, &why), -1);
  assert_int_equal(cli_parse_size("M", &v, &why), -1);
  assert_int_equal(cli_parse_size("", &v, &why), -1);
  assert_int_equal(cli_parse_size("-2M", &v, &why), -1);
  assert_int_equal(cli_parse_size("2Mbit", &v, &why), -1);
}

static void test_int_rate_wxh(void **state) {
  (void)state;
  long n;
  const char *why;
  assert_int_equal(cli_parse_int("8", 1, 10, &n, &why), 0);
  assert_int_equal(n, 8);
  assert_int_equal(cli_parse_int("0", 1, 10, &n, &why), -1);
  assert_int_equal(cli_parse_int("8x", 1, 10, &n, &why), -1);
  assert_int_equal(cli_parse_int("", 1, 10, &n, &why), -1);

  double r;
  assert_int_equal(cli_parse_rate("30", &r, &why), 0);
  assert_float_equal(r, 30.0, 1e-9);
  assert_int_equal(cli_parse_rate("30000/1001", &r, &why), 0);
  assert_float_equal(r, 29.97003, 1e-4);
  assert_int_equal(cli_parse_rate("ntsc", &r, &why), 0);
  assert_int_equal(cli_parse_rate("0", &r, &why), -1);
  assert_int_equal(cli_parse_rate("30/0", &r, &why), -1);
  assert_int_equal(cli_parse_rate("fast", &r, &why), -1);

  int w, h;
  assert_int_equal(cli_parse_wxh("1280x720", &w, &h, &why), 0);
  assert_int_equal(w, 1280);
  assert_int_equal(h, 720);
  assert_int_equal(cli_parse_wxh("hd720", &w, &h, &why), 0);
  assert_int_equal(w, 1280);
  assert_int_equal(cli_parse_wxh("161x121", &w, &h, &why), 0);
  assert_int_equal(cli_parse_wxh("1280*720", &w, &h, &why), -1);
  assert_int_equal(cli_parse_wxh("x720", &w, &h, &why), -1);
  assert_int_equal(cli_parse_wxh("0x720", &w, &h, &why), -1);
  assert_int_equal(cli_parse_wxh("-1x720", &w, &h, &why), -1);
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
      cmocka_unit_test(test_time_forms), cmocka_unit_test(test_time_rejects),
      cmocka_unit_test(test_size),       cmocka_unit_test(test_int_rate_wxh),
      cmocka_unit_test(test_printers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
