/* What filters log as they close (replaygain's track_gain, volumedetect's mean_volume) is
 * written once, from the run, as ffmpeg writes it: programs read it from stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_flac[700]; /* stereo FLAC, 2 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-filter-log") < 0) return -1;
  return tm_gen_simple(g_flac, sizeof g_flac, g_dir, "in.flac", NULL, "flac", 0, 0, 2.0, 2, 44100) <
                 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The lines of text holding key, each from key on, one after another. */
static void lines_with(const char *text, const char *key, char *out, size_t len, int *count) {
  out[0] = 0;
  *count = 0;
  for (const char *at = strstr(text, key); at; at = strstr(at + 1, key)) {
    size_t used = strlen(out);
    snprintf(out + used, len - used, "%.*s\n", (int)strcspn(at, "\r\n"), at);
    (*count)++;
  }
}

/* Runs "-i FLAC -vn -filter F -f null /dev/null" (LibreTime's analyser's
 * line) with ffmpeg and isopipe: the lines holding key are the same. */
static void same_lines(const char *filter, const char *key) {
  char ffmpeg[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
  char cmd[2200];
  snprintf(cmd, sizeof cmd,
           "'%s' -nostdin -i '%s' -vn -filter '%s' -f null /dev/null -hide_banner -nostats 2>&1",
           ffmpeg, g_flac, filter);
  static char ff_err[65536];
  assert_int_equal(ch_shell_output(cmd, ff_err, sizeof ff_err), 0);
  const char *args[] = {"-i",   g_flac,      "-vn",          "-filter",  filter, "-f",
                        "null", "/dev/null", "-hide_banner", "-nostats", NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  if (rc != 0) fail_msg("isopipe exit %d\n%s", rc, ch_str(&p.err));
  static char want[8192], have[8192];
  int nw, nh;
  lines_with(ff_err, key, want, sizeof want, &nw);
  lines_with(ch_str(&p.err), key, have, sizeof have, &nh);
  ch_free(&p);
  if (nw == 0) fail_msg("ffmpeg wrote no '%s' line:\n%s", key, ff_err);
  if (strcmp(want, have)) fail_msg("ffmpeg:\n%sisopipe:\n%s", want, have);
}

static void t_replaygain(void **state) {
  (void)state;
  same_lines("replaygain", "track_gain");
}

static void t_volumedetect(void **state) {
  (void)state;
  same_lines("volumedetect", "mean_volume");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_replaygain),
      cmocka_unit_test(t_volumedetect),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
