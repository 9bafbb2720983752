/* ffmpeg 5.1's expert options -discard, -max_alloc, -cpuflags, -rc_override, -top,
 * -bits_per_raw_sample and -guess_layout_max, against ffmpeg on each line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512], g_in[700], g_ffmpeg[600], g_p3[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-expert") < 0) return -1;
  /* H.264 with a keyframe a second (two in the clip) and AAC, in MP4,
   * whose demuxer honours AVStream.discard. */
  tm_source_file("media/clip-h264-aac.mp4", g_in, sizeof g_in);
  /* A plain WAVEFORMAT header (no channel mask) over 3 channels of 0.1 s
   * of ramps: the input leaves its channel order unspecified. */
  snprintf(g_p3, sizeof g_p3, "%s/three.wav", g_dir);
  FILE *f = fopen(g_p3, "wb");
  if (!f) return -1;
  enum { RATE = 8000, CH = 3, N = RATE / 10 };
  uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0";
  uint32_t data = N * CH * 2, v[] = {36 + data, RATE, RATE * CH * 2};
  for (int i = 0; i < 4; i++)
    h[4 + i] = (uint8_t)(v[0] >> (8 * i));
  h[22] = CH;
  for (int i = 0; i < 4; i++)
    h[24 + i] = (uint8_t)(v[1] >> (8 * i)), h[28 + i] = (uint8_t)(v[2] >> (8 * i));
  h[32] = CH * 2, h[34] = 16;
  memcpy(h + 36, "data", 4);
  for (int i = 0; i < 4; i++)
    h[40 + i] = (uint8_t)(data >> (8 * i));
  fwrite(h, 1, sizeof h, f);
  for (int s = 0; s < N * CH; s++) {
    int16_t x = (int16_t)((s % CH + 1) * (s * 37 % 2000) - 3000);
    fwrite(&x, 2, 1, f);
  }
  return fclose(f) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Runs line with isopipe (iso) or ffmpeg, writing dir/<tag>.framemd5: the
 * exit status; the output's path in path, isopipe's stderr in err. */
static int run_to(const char *line, const char *tag, const char *ext, bool iso, char *path,
                  size_t plen, char *err, size_t elen) {
  snprintf(path, plen, "%s/%s.%s", g_dir, tag, ext);
  char buf[1024];
  const char *argv[CH_MAX_ARGS];
  const char *names[] = {"IN", "OUT", "P3", NULL}, *values[] = {g_in, path, g_p3};
  ch_split_line(line, iso, names, values, buf, sizeof buf, argv);
  if (err && elen) err[0] = 0;
  return iso ? ch_run_err(argv, err, elen) : tm_run_ffmpeg(argv);
}

static int run(const char *line, const char *tag, bool iso, char *path, size_t plen, char *err,
               size_t elen) {
  return run_to(line, tag, "framemd5", iso, path, plen, err, elen);
}

/* line's framemd5 by isopipe equals ffmpeg's; the frame count into lines. */
static void same_as_ffmpeg(const char *line, const char *tag, int *lines) {
  char ip[800], fp[800], err[4096], why[512], t[64];
  snprintf(t, sizeof t, "i_%s", tag);
  int ri = run(line, t, true, ip, sizeof ip, err, sizeof err);
  if (ri != 0) fail_msg("%s: exit %d: %s", line, ri, err);
  snprintf(t, sizeof t, "f_%s", tag);
  assert_int_equal(run(line, t, false, fp, sizeof fp, NULL, 0), 0);
  if (!tm_framemd5_equal(ip, fp, lines, why, sizeof why)) fail_msg("%s: %s", line, why);
}

/* -discard LEVEL before -i sets the AVStream.discard of the streams it
 * matches, as ffmpeg 5.1: nokey leaves the MP4 demuxer's non-key packets
 * out (ffmpeg's thumbnail line), decoded or copied; all leaves a stream
 * out of every output, and a -map of it fails as ffmpeg's. */
static void t_discard(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  int all = 0, keys = 0, copied = 0, without_audio = 0, with_audio = 0;
  same_as_ffmpeg("-i IN -an -f framemd5 OUT", "base", &all);
  same_as_ffmpeg("-discard nokey -i IN -an -f framemd5 OUT", "nokey", &keys);
  if (keys < 1 || keys >= all) fail_msg("-discard nokey: %d frames of %d", keys, all);
  same_as_ffmpeg("-discard:v nokey -i IN -c copy -f framemd5 OUT", "copy", &copied);
  same_as_ffmpeg("-i IN -f framemd5 OUT", "both", &with_audio);
  same_as_ffmpeg("-discard:a all -i IN -f framemd5 OUT", "noaudio", &without_audio);
  if (without_audio != all)
    fail_msg("-discard:a all: %d lines, video alone %d", without_audio, all);
  assert_true(with_audio > all);

  char path[800], err[4096];
  assert_int_equal(run("-discard:v all -i IN -map 0:v -f framemd5 OUT", "mapoff", true, path,
                       sizeof path, err, sizeof err),
                   1);
  assert_non_null(strstr(err, "-discard all"));
  assert_int_not_equal(run("-discard:v all -i IN -map 0:v -f framemd5 OUT", "fmapoff", false, path,
                           sizeof path, NULL, 0),
                       0);
  /* A -filter_complex input: a label of a left-out stream fails as in
   * ffmpeg; an unlabelled pad takes the next input's video, read whole:
   * ffmpeg 5.1 sets a graph input's AVStream.discard back to the default. */
  assert_int_equal(run("-discard:v all -i IN -filter_complex [0:v]hflip -f framemd5 OUT", "fcoff",
                       true, path, sizeof path, err, sizeof err),
                   1);
  assert_non_null(strstr(err, "matches a disabled input stream"));
  assert_int_not_equal(run("-discard:v all -i IN -filter_complex [0:v]hflip -f framemd5 OUT",
                           "ffcoff", false, path, sizeof path, NULL, 0),
                       0);
  int flipped = 0;
  same_as_ffmpeg("-discard:v all -i IN -discard:v nokey -i IN -filter_complex hflip -an -f "
                 "framemd5 OUT",
                 "fcnext", &flipped);
  assert_int_equal(flipped, all);
  /* A usage error, named: an input option after the -i, a bad level (ffmpeg
   * 5.1's expression parser crashes on that one, so it is not run). */
  assert_int_equal(
      run("-i IN -discard nokey -f framemd5 OUT", "late", true, path, sizeof path, err, sizeof err),
      2);
  assert_non_null(strstr(err, "input option"));
  assert_int_equal(run("-discard bogus -i IN -f framemd5 OUT", "bogus", true, path, sizeof path,
                       err, sizeof err),
                   2);
  assert_non_null(strstr(err, "discard: bad value 'bogus'"));
}

/* -max_alloc N is av_max_alloc(N) for the whole run, as ffmpeg: a block
 * limit too small to open the input fails in both (a runtime error, exit
 * 1), a large one changes nothing. */
static void t_max_alloc(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  char path[800], err[4096];
  assert_int_equal(run("-max_alloc 1000 -i IN -f framemd5 OUT", "small", true, path, sizeof path,
                       err, sizeof err),
                   1);
  assert_int_not_equal(
      run("-max_alloc 1000 -i IN -f framemd5 OUT", "fsmall", false, path, sizeof path, NULL, 0), 0);
  int lines = 0;
  same_as_ffmpeg("-max_alloc 2147483647 -i IN -t 1 -f framemd5 OUT", "large", &lines);
  assert_true(lines > 0);
  assert_int_equal(
      run("-max_alloc x -i IN -f framemd5 OUT", "bad", true, path, sizeof path, err, sizeof err),
      2);
  assert_non_null(strstr(err, "-max_alloc"));
}

/* -cpuflags FLAGS is av_force_cpu_flags for the whole run, as ffmpeg:
 * swscale without its SIMD code rounds differently, so the pictures are
 * ffmpeg's with the same flags, and differ from isopipe's without them
 * wherever ffmpeg's own two runs differ. */
static void t_cpuflags(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  const char *line = "-cpuflags 0 -i IN -t 0.5 -an -vf scale=99:77 -f framemd5 OUT";
  const char *base = "-i IN -t 0.5 -an -vf scale=99:77 -f framemd5 OUT";
  int lines = 0;
  same_as_ffmpeg(line, "plainc", &lines);
  assert_true(lines > 0);
  char ip[800], ib[800], fp[800], fb[800], err[4096], why[512];
  snprintf(ip, sizeof ip, "%s/i_plainc.framemd5", g_dir);
  snprintf(fp, sizeof fp, "%s/f_plainc.framemd5", g_dir);
  assert_int_equal(run(base, "i_simd", true, ib, sizeof ib, err, sizeof err), 0);
  assert_int_equal(run(base, "f_simd", false, fb, sizeof fb, NULL, 0), 0);
  if (!tm_framemd5_equal(fp, fb, NULL, why, sizeof why) &&
      tm_framemd5_equal(ip, ib, NULL, why, sizeof why))
    fail_msg("-cpuflags 0: the same pictures as without it, where ffmpeg's differ");
  same_as_ffmpeg("-cpuflags -avx2-avx -i IN -t 0.5 -an -vf scale=99:77 -f framemd5 OUT", "noavx",
                 NULL);
  assert_int_equal(
      run("-cpuflags bogus -i IN -f framemd5 OUT", "bad", true, ip, sizeof ip, err, sizeof err), 2);
  assert_non_null(strstr(err, "-cpuflags"));
}

/* -rc_override fills the video encoder's rate control overrides as
 * ffmpeg 5.1 does (q > 0 a fixed qscale, else a quality factor -q/100):
 * mpeg4's packets are ffmpeg's, which differ from those without it (its
 * refusals: unit.test_cli_args). */
static void t_rc_override(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  int lines = 0;
  same_as_ffmpeg("-threads 1 -i IN -an -frames:v 30 -c:v mpeg4 -threads 1 -rc_override:v "
                 "0,10,2/20,29,-50 -f framemd5 OUT",
                 "rco", &lines);
  assert_true(lines > 0);
}

static int field_order(const char *path) {
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return -1;
  int fo = ic->nb_streams ? (int)ic->streams[0]->codecpar->field_order : -1;
  avformat_close_input(&ic);
  return fo;
}

/* -top after -i is the field order ffmpeg 5.1 gives the encoder (TT or BB,
 * what the container states) and, to an interlaced encoder, the field each
 * frame codes first: the order and the file's size are ffmpeg's. */
static void t_top(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  const char *line = "-threads 1 -i IN -an -frames:v 5 -c:v mpeg2video -threads 1 -flags +ildct "
                     "-top 1 -f matroska OUT";
  char ip[800], fp[800], err[4096];
  if (run_to(line, "i_top", "mkv", true, ip, sizeof ip, err, sizeof err) != 0)
    fail_msg("%s: %s", line, err);
  assert_int_equal(run_to(line, "f_top", "mkv", false, fp, sizeof fp, NULL, 0), 0);
  assert_int_equal(field_order(ip), AV_FIELD_TT);
  assert_int_equal(field_order(fp), AV_FIELD_TT);
  assert_int_equal(tm_file_size(ip), tm_file_size(fp));
}

/* -bits_per_raw_sample is the video encoders' bit depth, as ffmpeg's: ffv1
 * codes 9 of the 10 bits, so its packets differ from a 10-bit run's. */
static void t_bits_per_raw_sample(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  int lines = 0;
  same_as_ffmpeg("-i IN -an -frames:v 3 -c:v ffv1 -threads 1 -pix_fmt yuv420p10le "
                 "-bits_per_raw_sample 9 -f framemd5 OUT",
                 "bprs", &lines);
  assert_true(lines > 0);
}

/* -guess_layout_max[:SPEC] N before -i: an audio stream without a channel
 * order gets its count's default layout only when it has at most N
 * channels. The WAV written says which: 2.1's channel mask, or none (and
 * an encoder that needs an order fails, as ffmpeg's). Files equal to
 * ffmpeg's byte for byte. */
static void t_guess_layout_max(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg), "ffmpeg");
  static const char *const lines[][2] = {
      {"-i P3 -f wav OUT", "guessed"},
      {"-guess_layout_max 0 -i P3 -f wav OUT", "kept"},
      {"-guess_layout_max:a:1 0 -i P3 -f wav OUT", "nomatch"},
      {"-guess_layout_max 2 -i P3 -af volume=0.5 -f wav OUT", "filtered"},
      {"-guess_layout_max 0 -i P3 -c copy -f wav OUT", "copied"},
  };
  char ip[5][800], fp[800], err[4096];
  for (int i = 0; i < 5; i++) {
    char t[64];
    snprintf(t, sizeof t, "i_%s", lines[i][1]);
    int r = run(lines[i][0], t, true, ip[i], sizeof ip[i], err, sizeof err);
    if (r != 0) fail_msg("%s: exit %d: %s", lines[i][0], r, err);
    snprintf(t, sizeof t, "f_%s", lines[i][1]);
    assert_int_equal(run(lines[i][0], t, false, fp, sizeof fp, NULL, 0), 0);
    if (!tm_same_file(ip[i], fp)) fail_msg("%s: the WAV differs from ffmpeg's", lines[i][0]);
  }
  if (tm_same_file(ip[0], ip[1])) fail_msg("-guess_layout_max 0: the same file as without it");
  assert_true(tm_same_file(ip[0], ip[2]));
  assert_false(tm_same_file(ip[0], ip[4]));
  assert_int_equal(run("-guess_layout_max 0 -i P3 -c:a aac -f mp4 OUT", "i_aac", true, fp,
                       sizeof fp, err, sizeof err),
                   1);
  assert_non_null(strstr(err, "3 channels"));
  assert_int_equal(
      run("-guess_layout_max x -i P3 -f wav OUT", "bad", true, fp, sizeof fp, err, sizeof err), 2);
  assert_non_null(strstr(err, "-guess_layout_max"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_discard),
                                     cmocka_unit_test(t_max_alloc),
                                     cmocka_unit_test(t_cpuflags),
                                     cmocka_unit_test(t_rc_override),
                                     cmocka_unit_test(t_top),
                                     cmocka_unit_test(t_bits_per_raw_sample),
                                     cmocka_unit_test(t_guess_layout_max)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
