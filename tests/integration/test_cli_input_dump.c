/* Each input's description ("Input #0, mov,mp4,..., from 'in.mp4':", its duration and streams) is
 * written to stderr as ffmpeg writes it, in the inputs' order, also with no output: programs read
 * it. */
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

/* The inputs' block of text: from "Input #0" on, the lines that start with
 * "Input #" or two spaces, up to the first other one. */
static void input_block(const char *text, char *out, size_t len) {
  out[0] = 0;
  const char *at = strstr(text, "Input #0");
  while (at && (!strncmp(at, "Input #", 7) || !strncmp(at, "  ", 2))) {
    size_t n = strcspn(at, "\r\n"), used = strlen(out);
    snprintf(out + used, len - used, "%.*s\n", (int)n, at);
    at += n;
    while (*at == '\r' || *at == '\n')
      at++;
  }
}

/* An MP4 with video and audio, then an MP3: the same block as ffmpeg's,
 * at the default log level and with -hide_banner. */
static void t_two_inputs(void **state) {
  (void)state;
  char ffmpeg[512], mp4[800], mp3[800];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
  tm_source_file("media/clip-h264-aac.mp4", mp4, sizeof mp4);
  tm_source_file("media/clip-44k1-mono.mp3", mp3, sizeof mp3);
  char cmd[3000];
  snprintf(cmd, sizeof cmd,
           "'%s' -nostdin -hide_banner -nostats -i '%s' -i '%s' -map 0:v -map 1:a -c:v mpeg4 "
           "-c:a aac -f null /dev/null 2>&1",
           ffmpeg, mp4, mp3);
  static char ff_err[65536];
  assert_int_equal(ch_shell_output(cmd, ff_err, sizeof ff_err), 0);
  const char *args[] = {"-nostdin", "-hide_banner", "-nostats", "-i",   mp4,    "-i",
                        mp3,        "-map",         "0:v",      "-map", "1:a",  "-c:v",
                        "mpeg4",    "-c:a",         "aac",      "-f",   "null", "/dev/null",
                        NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  if (rc != 0) fail_msg("isopipe exit %d\n%s", rc, ch_str(&p.err));
  static char want[16384], have[16384];
  input_block(ff_err, want, sizeof want);
  input_block(ch_str(&p.err), have, sizeof have);
  ch_free(&p);
  if (!strstr(want, "Input #1") || !strstr(want, "Duration:"))
    fail_msg("ffmpeg's stderr has no input block:\n%s", ff_err);
  if (strcmp(want, have)) fail_msg("ffmpeg:\n%sisopipe:\n%s", want, have);
  printf("%s", have);
}

/* No output (moviepy's "ffmpeg -i FILE"): the description, then ffmpeg's
 * refusal, exit 1 as ffmpeg. */
static void t_no_output(void **state) {
  (void)state;
  char ffmpeg[512], mp4[800];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to compare with)");
  tm_source_file("media/clip-h264-aac.mp4", mp4, sizeof mp4);
  char cmd[2000];
  snprintf(cmd, sizeof cmd, "'%s' -nostdin -hide_banner -i '%s' 2>&1", ffmpeg, mp4);
  static char ff_err[65536];
  assert_int_not_equal(ch_shell_output(cmd, ff_err, sizeof ff_err), 0);
  const char *args[] = {"-nostdin", "-hide_banner", "-i", mp4, NULL};
  ch_proc p;
  assert_int_equal(ch_run(&p, args, 60), 1);
  static char want[16384], have[16384];
  input_block(ff_err, want, sizeof want);
  input_block(ch_str(&p.err), have, sizeof have);
  assert_non_null(strstr(ch_str(&p.err), "At least one output file must be specified"));
  ch_free(&p);
  assert_non_null(strstr(want, "Duration:"));
  if (strcmp(want, have)) fail_msg("ffmpeg:\n%sisopipe:\n%s", want, have);
}

/* Input bytes reach the terminal cleaned: a title holding ESC and a C1 CSI
 * (0xC2 0x9B) comes out with '?' in their place, with or without output. */
static void t_control_chars(void **state) {
  (void)state;
  char ffmpeg[512], mp3[800], dir[512], evil[900];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg (to write the title)");
  tm_source_file("media/clip-44k1-mono.mp3", mp3, sizeof mp3);
  assert_int_equal(ch_mkdtemp(dir, sizeof dir, "cli-input-dump"), 0);
  snprintf(evil, sizeof evil, "%s/evil.mkv", dir);
  const char *mk[] = {"-i",
                      mp3,
                      "-c",
                      "copy",
                      "-metadata",
                      "title=a\x1b[2Jb\xc2\x9b"
                      "2Jc",
                      evil,
                      NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  const char *alone[] = {"-nostdin", "-hide_banner", "-i", evil, NULL};
  const char *run[] = {"-nostdin", "-hide_banner", "-i", evil, "-f", "null", "/dev/null", NULL};
  const char *const *lines[] = {alone, run};
  for (int k = 0; k < 2; k++) {
    ch_proc p;
    ch_run(&p, lines[k], 60);
    const char *e = ch_str(&p.err);
    if (!strstr(e, "title")) fail_msg("no title line:\n%s", e);
    if (strchr(e, 0x1b) || strstr(e, "\xc2\x9b"))
      fail_msg("a control character reached stderr:\n%s", e);
    assert_non_null(strstr(e, "a?[2Jb?2Jc"));
    ch_free(&p);
  }
  tm_tmpdir_remove(dir);
}

/* -v warning hides it, as ffmpeg's. */
static void t_quiet(void **state) {
  (void)state;
  char mp3[800];
  tm_source_file("media/clip-44k1-mono.mp3", mp3, sizeof mp3);
  const char *args[] = {"-nostdin", "-v", "warning", "-i", mp3, "-f", "null", "/dev/null", NULL};
  ch_proc p;
  assert_int_equal(ch_run(&p, args, 60), 0);
  assert_null(strstr(ch_str(&p.err), "Input #0"));
  ch_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_two_inputs), cmocka_unit_test(t_no_output),
                                     cmocka_unit_test(t_control_chars), cmocka_unit_test(t_quiet)};
  return tm_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
