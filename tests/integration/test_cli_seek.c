/* Seeking as ffmpeg 5.1 seeks: an output -ss on copied streams, -sseof, -noaccurate_seek. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_compare.h"
#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_av[700]; /* H.264 (B-frames, a keyframe every 2 s) + AAC in MP4, 4 s */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-seek") < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 160;
  o.height = 120;
  o.duration = 4.0;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.gop = 60;
  return tm_gen_clip(g_av, sizeof g_av, g_dir, "av.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* An output -ss on copied streams drops every packet decoded before it,
 * keyframes included, so a copy starts at the first keyframe decoded
 * after it; -t ends it by decoding time; with -copyts both count on the
 * input's own clock. */
static void t_output_ss_copy(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* The keyframe at 2 s is decoded before 2 s (B-frames): no video. */
  const char *at_key[] = {"-i", g_av,   "-ss", "2",        "-t", "0.5",
                          "-c", "copy", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 2 -t 0.5", at_key, 20);
  /* -copyinkf: the packets decoded in the window, from no keyframe. */
  const char *inkf[] = {"-i", g_av,   "-ss",       "0.5", "-t",       "0.5",
                        "-c", "copy", "-copyinkf", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-copyinkf", inkf, 30);
  /* An input -ss with -copyts: the output -t counts from the input's 0. */
  const char *in_ss[] = {"-ss", "0.5",  "-i",      g_av, "-t",       "0.5",
                         "-c",  "copy", "-copyts", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.5 -i -copyts", in_ss, 30);
  const char *both[] = {"-ss", "0.3", "-i",   g_av,      "-ss", "0.5",      "-t",
                        "1",   "-c",  "copy", "-copyts", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "-ss 0.3 -i -ss 0.5 -copyts", both, 40);
  char ts[700];
  const char *corpus_ts = tm_corpus_file("video/bt601-525_480_telecined_hard.ts", ts, sizeof ts);
  TM_NEED(corpus_ts, "media corpus");
  /* MPEG-2 with a keyframe every 0.5 s, starting at 1.43 s: the one
   * keyframe at 0.506 s after the start is decoded before 0.5 s. */
  const char *mpeg2[] = {"-i", ts, "-ss", "0.5", "-t", "0.5", "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss 0.5 -t 0.5", mpeg2, 17);
  const char *clock[] = {"-i", ts,     "-ss",     "1.2", "-t",       "2",
                         "-c", "copy", "-copyts", "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss 1.2 -t 2 -copyts", clock, 100);
  const char *zero[] = {"-i",  ts,         "-ss",  "0.5",     "-t",
                        "0.5", "-c",       "copy", "-copyts", "-start_at_zero",
                        "-f",  "framemd5", NULL};
  ch_same_frames(g_dir, "TS -copyts -start_at_zero", zero, 17);
  /* An input -ss copy is unchanged: from the keyframe before it. */
  const char *input[] = {"-ss", "0.5", "-i", ts, "-t", "0.5", "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss 0.5 -i", input, 30);
}

/* -sseof -N: the read starts N seconds before the input's end once its
 * duration is known, as an -ss there would; copies, transcodes, -t, and a
 * further input's own. */
static void t_sseof(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *copy[] = {"-sseof", "-1", "-i", g_av, "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-sseof -1 copy", copy, 40);
  const char *copy_t[] = {"-sseof", "-2.5", "-i", g_av,       "-t", "1",
                          "-c",     "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-sseof -2.5 -t 1 copy", copy_t, 40);
  const char *enc[] = {"-sseof",  "-1.5", "-i",        g_av, "-t",       "0.5", "-c:v",
                       "libx264", "-c:a", "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-sseof -1.5 -t 0.5 libx264 + pcm", enc, 15);
  const char *audio[] = {"-sseof", "-0.7", "-i", g_av,       "-vn",
                         "-c:a",   "aac",  "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-sseof -0.7 aac", audio, 30);
  /* A further input's, and an output -ss after it. */
  const char *two[] = {"-i",   g_av,        "-sseof", "-1",       "-i",   g_av,
                       "-map", "0:v",       "-map",   "1:a",      "-c:v", "copy",
                       "-c:a", "pcm_s16le", "-f",     "framemd5", NULL};
  ch_same_frames(g_dir, "second input", two, 100);
  const char *out_ss[] = {"-sseof", "-1.5", "-i", g_av,       "-ss", "0.3",
                          "-c",     "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-sseof -1.5 then -ss 0.3", out_ss, 40);
  /* Before the start: ignored (the whole input), as ffmpeg. */
  const char *before[] = {"-sseof", "-9", "-i", g_av, "-c", "copy", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-sseof -9", before, 200);
}

/* A child writing the file src into the FIFO fifo, then EOF: its pid. */
static pid_t fifo_writer(const char *src, const char *fifo) {
  pid_t w = fork();
  if (w == 0) {
    int in = open(src, O_RDONLY), o = open(fifo, O_WRONLY);
    char buf[65536];
    ssize_t r;
    while (in >= 0 && o >= 0 && (r = read(in, buf, sizeof buf)) > 0)
      if (write(o, buf, (size_t)r) != r) break;
    _exit(0);
  }
  return w;
}

/* -sseof where it cannot apply: a positive time is refused naming it; an
 * input without a known duration (a FIFO) is read whole with a warning, as
 * ffmpeg does; -ss and -sseof both: -ss wins with a warning. */
static void t_sseof_refused(void **state) {
  (void)state;
  char out[800], err[4096], ts[800], fifo[800], wav[800];
  snprintf(out, sizeof out, "%s/eof.mkv", g_dir);
  const char *pos[] = {"-y", "-sseof", "1", "-i", g_av, "-c", "copy", out, NULL};
  assert_int_equal(ch_run_err(pos, err, sizeof err), 2);
  assert_non_null(strstr(err, "sseof"));
  assert_false(tm_file_exists(out));
  snprintf(wav, sizeof wav, "%s/both.wav", g_dir);
  const char *both[] = {"-y", "-ss", "3", "-sseof", "-3", "-i", g_av, "-vn", wav, NULL};
  assert_int_equal(ch_run_err(both, err, sizeof err), 0);
  assert_non_null(strstr(err, "-ss and -sseof"));
  tm_probe p;
  assert_int_equal(tm_probe_file(wav, true, &p), 0);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(a);
  /* From 3 s of 4: one second, where -sseof -3 would give three. */
  printf("-ss 3 -sseof -3: %lld samples\n", (long long)a->samples);
  assert_true(a->samples > 47000 && a->samples < 50000);
  snprintf(ts, sizeof ts, "%s/av.ts", g_dir);
  const char *mk[] = {"-y", "-v", "error", "-i", g_av, "-c", "copy", ts, NULL};
  assert_int_equal(ch_run_err(mk, err, sizeof err), 0);
  snprintf(fifo, sizeof fifo, "%s/fifo.ts", g_dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  pid_t w = fifo_writer(ts, fifo);
  assert_true(w > 0);
  const char *piped[] = {"-y", "-sseof", "-1", "-f", "mpegts", "-i", fifo, "-c", "copy", out, NULL};
  int rc = ch_run_err(piped, err, sizeof err);
  waitpid(w, NULL, 0);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(err, "cannot use -sseof"));
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_non_null(v);
  assert_int_equal(v->packets, 120); /* all of the 4 s */
}

/* -noaccurate_seek with an input -ss: decoded frames from the keyframe
 * before it go on with negative times, and the video sync keeps what
 * ffmpeg's keeps of them (the last two before -ss at cfr, the last at
 * vfr), the audio all of them. */
static void t_noaccurate_seek(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *cfr[] = {"-ss",      "2.5",  "-noaccurate_seek", "-i", g_av,       "-c:v",
                       "rawvideo", "-c:a", "pcm_s16le",        "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "-noaccurate_seek rawvideo + pcm", cfr, 100);
  const char *vfr[] = {"-ss",  "2.5",     "-noaccurate_seek", "-i",  g_av, "-an",
                       "-c:v", "libx264", "-fps_mode",        "vfr", "-f", "framemd5",
                       NULL};
  ch_same_frames(g_dir, "-noaccurate_seek libx264 vfr", vfr, 40);
  const char *aac[] = {"-ss", "2.5", "-noaccurate_seek", "-i", g_av, "-vn", "-c:a",
                       "aac", "-f",  "framemd5",         NULL};
  ch_same_frames(g_dir, "-noaccurate_seek aac", aac, 60);
  /* With an end (output -t, -to, or input -t) ffmpeg counts the length from
   * the first picture decoded, 0.5 s before -ss: the video ends 0.5 s after
   * it, the audio 1 s after its own first sample. */
  const char *t_out[] = {"-ss",      "2.5",  "-noaccurate_seek", "-i",   g_av,        "-t",
                         "1",        "-c:v", "rawvideo",         "-c:a", "pcm_s16le", "-f",
                         "framemd5", NULL};
  ch_same_frames(g_dir, "-noaccurate_seek -t rawvideo + pcm", t_out, 50);
  const char *t_in[] = {"-ss",      "2.5",  "-noaccurate_seek", "-t",   "1",   "-i",
                        g_av,       "-c:v", "libx264",          "-c:a", "aac", "-f",
                        "framemd5", NULL};
  ch_same_frames(g_dir, "-noaccurate_seek input -t libx264 + aac", t_in, 40);
  const char *to[] = {"-ss", "2.5",  "-noaccurate_seek", "-i",  g_av,          "-to", "1.2",
                      "-an", "-c:v", "libx264",          "-vf", "scale=64:-2", "-f",  "framemd5",
                      NULL};
  ch_same_frames(g_dir, "-noaccurate_seek -to libx264 -vf scale", to, 10);
}

/* An input -ss on an MPEG-TS whose video starts after its audio (23 ms
 * here): ffmpeg 5.1 counts from the input's own start, not the video's,
 * even with -an (its correction to the streams in use holds only without
 * -ss). setpts=2*PTS doubles the difference: the first picture lands in
 * ffmpeg's slot. */
static void t_ts_start_after_ss(void **state) {
  (void)state;
  char ffmpeg[600], ts[800];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  snprintf(ts, sizeof ts, "%s/av.ts", g_dir);
  const char *mk[] = {"-i", g_av, "-c", "copy", ts, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  const char *a[] = {"-ss",          "0.5",  "-i",       ts,   "-an",      "-vf",
                     "setpts=2*PTS", "-c:v", "rawvideo", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss setpts=2*PTS", a, 40);
  const char *b[] = {"-ss",  "1.3",       "-i", ts,         "-c:v", "rawvideo",
                     "-c:a", "pcm_s16le", "-f", "framemd5", NULL};
  ch_same_frames(g_dir, "TS -ss rawvideo + pcm", b, 40);
}

/* An input -ss on an input that cannot seek (an MPEG-TS read from a FIFO):
 * as ffmpeg, a warning, then the input is read from its start and cut at
 * -ss: the same frames as ffmpeg's on the same FIFO. */
static void t_ss_unseekable(void **state) {
  (void)state;
  char ffmpeg[600], ts[800], fifo[800], a[800], b[800], err[4096], why[512];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  snprintf(ts, sizeof ts, "%s/unseekable.ts", g_dir);
  const char *mk[] = {"-i", g_av, "-c", "copy", ts, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  snprintf(fifo, sizeof fifo, "%s/unseekable.fifo", g_dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  snprintf(a, sizeof a, "%s/unseekable-iso.framemd5", g_dir);
  snprintf(b, sizeof b, "%s/unseekable-ff.framemd5", g_dir);
  pid_t w = fifo_writer(ts, fifo);
  assert_true(w > 0);
  const char *iso[] = {"-y",       "-ss",  "1.3",       "-f", "mpegts",   "-i", fifo, "-c:v",
                       "rawvideo", "-c:a", "pcm_s16le", "-f", "framemd5", a,    NULL};
  int rc = ch_run_err(iso, err, sizeof err);
  waitpid(w, NULL, 0);
  if (rc != 0) fail_msg("isopipe exit %d: %s", rc, err);
  assert_non_null(strstr(err, "cannot seek to 1.300 s (-ss)"));
  w = fifo_writer(ts, fifo);
  assert_true(w > 0);
  const char *ff[] = {"-ss",      "1.3",  "-f",        "mpegts", "-i",       fifo, "-c:v",
                      "rawvideo", "-c:a", "pcm_s16le", "-f",     "framemd5", b,    NULL};
  rc = tm_run_ffmpeg(ff);
  waitpid(w, NULL, 0);
  assert_int_equal(rc, 0);
  int lines = 0;
  if (!tm_framemd5_equal(a, b, &lines, why, sizeof why)) fail_msg("-ss 1.3 on a FIFO: %s", why);
  printf("-ss 1.3 on a FIFO: %d frames as ffmpeg\n", lines);
  assert_true(lines > 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_ts_start_after_ss),
      cmocka_unit_test(t_ss_unseekable),
      cmocka_unit_test(t_noaccurate_seek),
      cmocka_unit_test(t_output_ss_copy),
      cmocka_unit_test(t_sseof),
      cmocka_unit_test(t_sseof_refused),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
