/* isopipe's own options and behaviours by their observable effect: --help, --version, the banner,
 * the log level, stdin, --queue, -protocol_whitelist, -hwaccel, --fail-fast,
 * --untrusted-filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libavutil/avutil.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_in[700], g_bad[700];
static bool g_have_ffmpeg;

/* IN: 176x144 H.264 + stereo AAC, 1 s; BAD: IN with every fourth packet
 * from the tenth on replaced by noise. */
static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-own") < 0) return -1;
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", "aac", 176, 144, 1.0, 2, 48000) <
      0)
    return -1;
  snprintf(g_bad, sizeof g_bad, "%s/bad.mp4", g_dir);
  if (tm_damage_packets(g_in, g_bad, 10, 4, 0, 7) < 0) return -1;
  g_have_ffmpeg = tm_have_program("ffmpeg", NULL, 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Runs isopipe with args; exit status, stdout and stderr into the buffers. */
static int run_cap(const char *const *args, char *out, size_t on, char *err, size_t en) {
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  if (out) snprintf(out, on, "%s", ch_str(&p.out));
  if (err) snprintf(err, en, "%s", ch_str(&p.err));
  ch_free(&p);
  return rc;
}

static void t_help(void **state) {
  (void)state;
  static const char *const forms[] = {"--help", "-h", "-help"};
  static char first[65536];
  for (int k = 0; k < 3; k++) {
    char out[65536];
    const char *args[] = {forms[k], NULL};
    assert_int_equal(run_cap(args, out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "usage: isopipe"));
    assert_non_null(strstr(out, "Options supported:"));
    if (k == 0) snprintf(first, sizeof first, "%s", out);
    assert_string_equal(out, first);
  }
}

static void t_version(void **state) {
  (void)state;
  static const char *const forms[] = {"--version", "-version"};
  for (int k = 0; k < 2; k++) {
    char out[4096];
    const char *args[] = {forms[k], NULL};
    assert_int_equal(run_cap(args, out, sizeof out, NULL, 0), 0);
    assert_int_equal(strncmp(out, "isopipe ", 8), 0);
    assert_non_null(strstr(out, "(FFmpeg "));
    assert_non_null(strstr(out, av_version_info()));
  }
}

/* The version banner opens the log at the default level; -hide_banner hides it. */
static void t_banner(void **state) {
  (void)state;
  for (int k = 0; k < 2; k++) {
    char err[16384];
    const char *args[] = {"-y", k ? "-hide_banner" : "-y", "-i", g_in, "-f", "null", "-", NULL};
    assert_int_equal(run_cap(args, NULL, 0, err, sizeof err), 0);
    bool banner = strncmp(err, "isopipe ", 8) == 0 && strstr(err, "(FFmpeg ");
    if (banner == (k == 1))
      fail_msg("banner %s with%s -hide_banner:\n%s", banner ? "shown" : "absent", k ? "" : "out",
               err);
  }
}

/* isopipe never reads its standard input as a keyboard (ffmpeg stops at a
 * 'q' there unless -nostdin): with 'q' lines on stdin, with and without
 * -nostdin, every frame is written. */
static void t_nostdin(void **state) {
  (void)state;
  char q[800];
  snprintf(q, sizeof q, "%s/q.txt", g_dir);
  FILE *f = fopen(q, "w");
  assert_non_null(f);
  for (int i = 0; i < 100; i++)
    fputs("q\n", f);
  fclose(f);
  for (int k = 0; k < 2; k++) {
    char out[800], cmd[4096];
    snprintf(out, sizeof out, "%s/stdin%d.mkv", g_dir, k);
    snprintf(cmd, sizeof cmd, "'%s' -v error -y %s -i '%s' -c:v mpeg4 '%s' < '%s'", ISOPIPE_BIN,
             k ? "-nostdin" : "", g_in, out, q);
    assert_int_equal(system(cmd), 0);
    tm_probe pr;
    assert_int_equal(tm_probe_file(out, true, &pr), 0);
    const tm_stream *v = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
    assert_non_null(v);
    assert_int_equal(v->frames, 30);
  }
}

/* --queue N is the depth of every packet link: --stats reports it as the
 * demux -> decode link's capacity. */
static void t_queue(void **state) {
  (void)state;
  for (int k = 0; k < 2; k++) {
    char stats[800], out[800], *json = NULL;
    snprintf(stats, sizeof stats, "%s/queue%d.json", g_dir, k);
    snprintf(out, sizeof out, "%s/queue%d.mkv", g_dir, k);
    const char *args[] = {"-y", "-v", "error", "-i", g_in, "--stats", stats, k ? "--queue" : "-y",
                          "2",  out,  NULL};
    if (!k) args[8] = out, args[9] = NULL;
    assert_int_equal(run_cap(args, NULL, 0, NULL, 0), 0);
    FILE *f = fopen(stats, "r");
    assert_non_null(f);
    json = calloc(1, 1 << 20);
    fread(json, 1, (1 << 20) - 1, f);
    fclose(f);
    const char *l = strstr(json, "\"name\": \"demux->decode:v\"");
    assert_non_null(l);
    const char *c = strstr(l, "\"capacity\": ");
    assert_non_null(c);
    int cap = atoi(c + 12);
    if ((cap == 2) != (k == 1)) fail_msg("capacity %d with%s --queue 2", cap, k ? "" : "out");
    free(json);
  }
}

/* -protocol_whitelist limits what the input may be read through, as ffmpeg's. */
static void t_whitelist(void **state) {
  (void)state;
  char err[8192], out[800];
  snprintf(out, sizeof out, "%s/wl.mkv", g_dir);
  const char *no[] = {"-y", "-protocol_whitelist", "pipe", "-i", g_in, out, NULL};
  assert_int_equal(run_cap(no, NULL, 0, err, sizeof err), 1);
  assert_non_null(strstr(err, "protocol 'file' not allowed"));
  assert_false(tm_file_exists(out));
  const char *yes[] = {"-y", "-v", "error", "-protocol_whitelist", "file", "-i", g_in, out, NULL};
  assert_int_equal(run_cap(yes, NULL, 0, err, sizeof err), 0);
  if (g_have_ffmpeg) {
    const char *f[] = {"-protocol_whitelist", "pipe", "-i", g_in, "-f", "null", "-", NULL};
    assert_int_not_equal(tm_run_ffmpeg(f), 0);
  }
}

/* -hwaccel none and auto decode in software (the same frames as without);
 * a device API is refused naming it. */
static void t_hwaccel(void **state) {
  (void)state;
  char a[800], b[800], err[8192], why[512];
  for (int k = 0; k < 2; k++) {
    snprintf(k ? b : a, 800, "%s/hw%d.framemd5", g_dir, k);
    const char *args[] = {"-y",      "-v",       "error", k ? "-hwaccel" : "-y",
                          "auto",    "-i",       g_in,    "-an",
                          "-c:v",    "rawvideo", "-f",    "framemd5",
                          k ? b : a, NULL};
    const char *plain[] = {"-y",   "-v",       "error", "-i",       g_in, "-an",
                           "-c:v", "rawvideo", "-f",    "framemd5", a,    NULL};
    assert_int_equal(run_cap(k ? args : plain, NULL, 0, NULL, 0), 0);
  }
  assert_true(tm_framemd5_equal(a, b, NULL, why, sizeof why));
  const char *cuda[] = {"-y", "-hwaccel", "cuda", "-i", g_in, "-f", "null", "-", NULL};
  assert_int_equal(run_cap(cuda, NULL, 0, err, sizeof err), 2);
  assert_non_null(strstr(err, "-hwaccel cuda"));
}

/* -loglevel quiet silences a run and its errors; error shows an error but
 * not the banner; fatal still prints option errors, as ffmpeg's. */
static void t_loglevel(void **state) {
  (void)state;
  static const char *const forms[] = {"-loglevel", "-v"};
  for (int k = 0; k < 2; k++) {
    char err[16384], out[800], missing[800];
    snprintf(out, sizeof out, "%s/ll.mkv", g_dir);
    snprintf(missing, sizeof missing, "%s/nosuch.mp4", g_dir);
    const char *ok[] = {"-y", forms[k], "quiet", "-i", g_in, out, NULL};
    assert_int_equal(run_cap(ok, NULL, 0, err, sizeof err), 0);
    assert_string_equal(err, "");
    const char *bad[] = {"-y", forms[k], "quiet", "-i", missing, out, NULL};
    assert_int_equal(run_cap(bad, NULL, 0, err, sizeof err), 1);
    assert_string_equal(err, "");
    bad[2] = "error";
    assert_int_equal(run_cap(bad, NULL, 0, err, sizeof err), 1);
    assert_non_null(strstr(err, "nosuch.mp4"));
    assert_null(strstr(err, "(FFmpeg "));
    const char *usage[] = {"-y", forms[k], "fatal", "-i", g_in, "-nosuchopt", "1", out, NULL};
    assert_int_equal(run_cap(usage, NULL, 0, err, sizeof err), 2);
    assert_non_null(strstr(err, "-nosuchopt"));
  }
}

/* --fail-fast stops at the first packet that fails to decode (exit 1 naming
 * the decoder); without it the damaged packets are skipped and counted. */
static void t_fail_fast(void **state) {
  (void)state;
  char err[16384], stats[800];
  snprintf(stats, sizeof stats, "%s/ff.json", g_dir);
  const char *ff[] = {"-y", "--fail-fast", "-i", g_bad, "-f", "null", "-", NULL};
  int rc = run_cap(ff, NULL, 0, err, sizeof err);
  if (rc != 1) fail_msg("--fail-fast: exit %d\n%s", rc, err);
  assert_non_null(strstr(err, "decode"));
  const char *plain[] = {"-y",  "-v", "error", "-i", g_bad, "--stats",
                         stats, "-f", "null",  "-",  NULL};
  assert_int_equal(run_cap(plain, NULL, 0, err, sizeof err), 0);
  FILE *f = fopen(stats, "r");
  assert_non_null(f);
  char *json = calloc(1, 1 << 20);
  fread(json, 1, (1 << 20) - 1, f);
  fclose(f);
  const char *e = strstr(json, "\"errors_skipped\": ");
  assert_non_null(e);
  int skipped = atoi(e + 18);
  free(json);
  if (skipped < 1) fail_msg("damaged packets skipped without a count");
}

/* --untrusted-filters refuses a filter that would write a file, naming it,
 * and creates none; without it the same chain runs and writes its file. */
static void t_untrusted_filters(void **state) {
  (void)state;
  char err[16384], chain[1000], made[800];
  snprintf(made, sizeof made, "%s/meta.txt", g_dir);
  snprintf(chain, sizeof chain, "metadata=print:file=%s", made);
  unlink(made);
  const char *refused[] = {
      "--untrusted-filters", "-i", g_in, "-vf", chain, "-f", "null", "-", NULL};
  assert_int_equal(run_cap(refused, NULL, 0, err, sizeof err), 2);
  assert_non_null(strstr(err, "filter 'metadata' option file="));
  assert_int_equal(access(made, F_OK), -1);
  const char *plain[] = {"-v", "error", "-i", g_in, "-vf", chain, "-f", "null", "-", NULL};
  assert_int_equal(run_cap(plain, NULL, 0, err, sizeof err), 0);
  assert_int_equal(access(made, F_OK), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_untrusted_filters), cmocka_unit_test(t_help),
      cmocka_unit_test(t_version),           cmocka_unit_test(t_banner),
      cmocka_unit_test(t_nostdin),           cmocka_unit_test(t_queue),
      cmocka_unit_test(t_whitelist),         cmocka_unit_test(t_hwaccel),
      cmocka_unit_test(t_loglevel),          cmocka_unit_test(t_fail_fast),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
