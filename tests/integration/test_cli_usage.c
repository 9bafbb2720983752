/* CLI integration tests that stop before any media work: help, version, usage errors, output-file
 * refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libavcodec/avcodec.h>

#include "cli_harness.h"

static char g_dir[512];

static int setup(void **state) {
  (void)state;
  if (mkdir(ISO_BINARY_DIR "/tests", 0777) < 0 && errno != EEXIST) return -1;
  snprintf(g_dir, sizeof g_dir, "%s/tests/cli-usage-XXXXXX", ISO_BINARY_DIR);
  return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_help_and_version(void **state) {
  (void)state;
  ch_proc p;
  const char *help[] = {"--help", NULL};
  assert_int_equal(ch_run(&p, help, 30), 0);
  assert_non_null(strstr(ch_str(&p.out), "usage: isopipe"));
  assert_non_null(strstr(ch_str(&p.out), "-progress"));
  assert_non_null(strstr(ch_str(&p.out), "Exit status"));
  ch_free(&p);
  const char *ver[] = {"--version", NULL};
  assert_int_equal(ch_run(&p, ver, 30), 0);
  assert_non_null(strstr(ch_str(&p.out), "isopipe version 0."));
  assert_non_null(strstr(ch_str(&p.out), "libavcodec"));
  ch_free(&p);
}

/* A usage error is exactly one line on stderr, containing want, exit 2. */
static void expect_usage(const char *const *args, const char *want) {
  ch_proc p;
  int rc = ch_run(&p, args, 30);
  const char *err = ch_str(&p.err);
  if (rc != 2 || !strstr(err, want) || ch_lines(err) != 1 || strncmp(err, "isopipe: ", 9))
    fail_msg("'%s': exit %d, stderr '%s' (wanted exit 2, one line with '%s')", args[0], rc, err,
             want);
  assert_int_equal(p.out.len, 0);
  ch_free(&p);
}

static void test_usage_errors(void **state) {
  (void)state;
  const char *a1[] = {"-i", "in.mp4", "-crf", NULL};
  expect_usage(a1, "option '-crf' needs a value");
  const char *a2[] = {"--bogus", "-i", "in.mp4", "out.mp4", NULL};
  expect_usage(a2, "unknown option '--bogus'");
  const char *a3[] = {"-i", "in.mp4", "-ss", "1:75", "out.mp4", NULL};
  expect_usage(a3, "invalid time '1:75' for -ss");
  const char *a4[] = {"-i", "in.mp4", "-b:v", "fast", "out.mp4", NULL};
  expect_usage(a4, "invalid bit rate 'fast' for -b:v");
  const char *a6[] = {"out.mp4", NULL};
  expect_usage(a6, "no input file");
  const char *a7[] = {"-i", "a.mp4", "-i", "b.mp4", "-i", "", "out.mp4", NULL};
  expect_usage(a7, "empty input file name for -i");
  const char *a8[] = {"-i", "a.mp4", "-s", "big", "out.mp4", NULL};
  expect_usage(a8, "invalid size 'big' for -s");
  const char *a9[] = {"-v", "chatty", "-i", "a.mp4", "out.mp4", NULL};
  expect_usage(a9, "invalid log level 'chatty'");
  const char *a10[] = {"-i", "a.mp4", "-progress", "tcp://x:1", "out.mp4", NULL};
  char path[600];
  snprintf(path, sizeof path, "%s/a.mp4", g_dir);
  write_file(path, "x");
  a10[1] = path;
  expect_usage(a10, "unsupported -progress URL");
}

/* Hardware encoders and devices are refused naming the option, before any
 * work: a VAAPI encoder takes only hardware frames, which software decoding
 * cannot give it. */
static void test_hardware_refused(void **state) {
  (void)state;
  char in[600];
  snprintf(in, sizeof in, "%s/hw.mp4", g_dir);
  write_file(in, "x");
  const char *a1[] = {"-i", in, "-c:v", "h264_vaapi", "out.mp4", NULL};
  if (avcodec_find_encoder_by_name("h264_vaapi"))
    expect_usage(a1, "encoder 'h264_vaapi' takes vaapi hardware frames only");
  const char *a2[] = {"-vaapi_device", "/dev/dri/renderD128", "-i", in, "out.mp4", NULL};
  expect_usage(a2, "option '-vaapi_device' is not supported");
  const char *a3[] = {"-init_hw_device", "vaapi=va:/dev/dri/renderD128", "-i", in, "out.mp4", NULL};
  expect_usage(a3, "-init_hw_device");
}

static void test_refuses_existing_output(void **state) {
  (void)state;
  char in[600], out[600];
  snprintf(in, sizeof in, "%s/in.mp4", g_dir);
  snprintf(out, sizeof out, "%s/exists.mp4", g_dir);
  write_file(in, "not really media");
  write_file(out, "precious");
  /* The default is -n; -n spelled out refuses the same way. */
  const char *a1[] = {"-hide_banner", "-i", in, out, NULL};
  const char *a2[] = {"-n", "-hide_banner", "-i", in, out, NULL};
  const char *const *runs[] = {a1, a2};
  for (int i = 0; i < 2; i++) {
    ch_proc p;
    int rc = ch_run(&p, runs[i], 30);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(ch_str(&p.err), "already exists (use -y to overwrite)"));
    assert_int_equal(ch_lines(ch_str(&p.err)), 1);
    ch_free(&p);
    assert_string_equal(read_file(out), "precious");
  }
}

static void test_refuses_writing_over_input(void **state) {
  (void)state;
  char in[600], alias[700], hard[600], sub[600];
  snprintf(in, sizeof in, "%s/src.mp4", g_dir);
  snprintf(sub, sizeof sub, "%s/sub", g_dir);
  mkdir(sub, 0777);
  snprintf(alias, sizeof alias, "%s/sub/../src.mp4", g_dir);
  snprintf(hard, sizeof hard, "%s/hardlink.mp4", g_dir);
  write_file(in, "the input");
  unlink(hard);
  assert_int_equal(link(in, hard), 0);
  /* Even with -y: the same path, another spelling, a hard link. */
  const char *outs[] = {in, alias, hard};
  for (int i = 0; i < 3; i++) {
    const char *args[] = {"-y", "-hide_banner", "-i", in, outs[i], NULL};
    ch_proc p;
    int rc = ch_run(&p, args, 30);
    if (rc != 2 || !strstr(ch_str(&p.err), "is the input file"))
      fail_msg("%s: exit %d, '%s'", outs[i], rc, ch_str(&p.err));
    ch_free(&p);
    assert_string_equal(read_file(in), "the input");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help_and_version),
      cmocka_unit_test(test_usage_errors),
      cmocka_unit_test(test_hardware_refused),
      cmocka_unit_test(test_refuses_existing_output),
      cmocka_unit_test(test_refuses_writing_over_input),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
