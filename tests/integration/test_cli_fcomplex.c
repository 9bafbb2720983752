/* CLI integration tests of -filter_complex / -lavfi: graphs of several inputs and outputs, labels,
 * -map "[label]", and the errors, compared with ffmpeg's own output when it is installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_a[700]; /* 320x240 mpeg4 + stereo AAC 48 kHz, 2 s (no B-frames: exact framemd5) */
static char g_b[700]; /* 160x120 mpeg4 + mono AAC 44.1 kHz, 2 s */
static bool g_have_ffmpeg;

static int setup(void **state) {
  (void)state;
  char ff[600];
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-fcomplex") < 0) return -1;
  if (tm_gen_simple(g_a, sizeof g_a, g_dir, "a.mp4", "mpeg4", "aac", 320, 240, 2.0, 2, 48000) < 0)
    return -1;
  if (tm_gen_simple(g_b, sizeof g_b, g_dir, "b.mp4", "mpeg4", "aac", 160, 120, 2.0, 1, 44100) < 0)
    return -1;
  g_have_ffmpeg = tm_have_program("ffmpeg", ff, sizeof ff);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static const char *out_path(const char *name) {
  return ch_path(g_dir, name);
}

/* Copies args, replacing each "OUT<n>" by this run's output n (prefix
 * names the run: "iso" or "ref"). */
static void with_outputs(const char **dst, const char *const *args, const char *prefix,
                         char names[][700]) {
  int n = 0;
  for (; args[n]; n++) {
    dst[n] = args[n];
    if (!strncmp(args[n], "OUT", 3)) {
      int k = atoi(args[n] + 3);
      snprintf(names[k], 700, "%s/%s_%s", g_dir, prefix, args[n] + 5);
      dst[n] = names[k];
    }
  }
  dst[n] = NULL;
}

/* isopipe ARGS exits 0; with ffmpeg installed, ffmpeg ARGS too, and every
 * output "OUT<k>:NAME" is the same: a framemd5 line for line, a .raw (PCM)
 * byte for byte. Audio that a graph mixes from two inputs is compared as
 * PCM: how it is cut into frames at an input's end depends on when that
 * end arrives, in ffmpeg as here; the samples do not. */
static void run_and_compare(const char *const *args, int nout) {
  const char *argv[CH_MAX_ARGS], *fargv[CH_MAX_ARGS];
  char mine[4][700], ref[4][700];
  const char *base[CH_MAX_ARGS];
  int n = 0;
  base[n++] = "-v", base[n++] = "error", base[n++] = "-y";
  for (int i = 0; args[i]; i++)
    base[n++] = args[i];
  base[n] = NULL;
  with_outputs(argv, base, "iso", mine);
  with_outputs(fargv, base + 3, "ref", ref);
  char err[4096];
  int rc = ch_run_err(argv, err, sizeof err);
  if (rc != 0) fail_msg("exit %d; stderr:\n%s", rc, err);
  if (!g_have_ffmpeg) return;
  assert_int_equal(tm_run_ffmpeg(fargv), 0);
  for (int k = 0; k < nout; k++) {
    int lines = 0;
    char why[600];
    size_t len = strlen(mine[k]);
    if (len > 4 && !strcmp(mine[k] + len - 4, ".raw")) {
      if (!tm_same_file(mine[k], ref[k])) fail_msg("%s differs from ffmpeg's", mine[k]);
      assert_true(tm_file_size(mine[k]) > 100000);
      continue;
    }
    if (!tm_framemd5_equal(mine[k], ref[k], &lines, why, sizeof why))
      fail_msg("%s differs from ffmpeg's: %s", mine[k], why);
    assert_true(lines > 20);
  }
}

/* Frame lines of stream `st` in a framemd5 file. */
static int count_frames(const char *path, int st) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[512], want[16];
  snprintf(want, sizeof want, "%d,", st);
  int n = 0;
  while (fgets(line, sizeof line, f))
    n += !strncmp(line, want, strlen(want));
  fclose(f);
  return n;
}

/* The FFmpeg wiki's watermark / picture in picture: a scaled second video
 * over the first, the audio from the second input. */
static void test_overlay_two_inputs(void **state) {
  (void)state;
  const char *args[] = {"-i",
                        g_a,
                        "-i",
                        g_b,
                        "-filter_complex",
                        "[1:v]scale=96:-2[s];[0:v][s]overlay=10:10[v]",
                        "-map",
                        "[v]",
                        "-map",
                        "1:a",
                        "-c:v",
                        "rawvideo",
                        "-c:a",
                        "pcm_s16le",
                        "-f",
                        "framemd5",
                        "OUT0:ovl.md5",
                        NULL};
  run_and_compare(args, 1);
}

/* Two inputs one after the other, video and audio. */
static void test_concat_two_inputs(void **state) {
  (void)state;
  const char *args[] = {"-i",
                        g_a,
                        "-i",
                        g_b,
                        "-filter_complex",
                        "[1:v]scale=320:240[b];[0:v][0:a][b][1:a]concat=n=2:v=1:a=1[v][a]",
                        "-map",
                        "[v]",
                        "-c:v",
                        "rawvideo",
                        "-f",
                        "framemd5",
                        "OUT0:concat.md5",
                        "-map",
                        "[a]",
                        "-c:a",
                        "pcm_s16le",
                        "-f",
                        "s16le",
                        "OUT1:concat.raw",
                        NULL};
  run_and_compare(args, 2);
  /* 2 s + 2 s of video: every frame of both inputs. */
  assert_int_equal(count_frames(out_path("iso_concat.md5"), 0), 120);
}

/* One decoded stream split into two outputs of their own sizes (an ABR
 * ladder's shape). */
static void test_split_two_outputs(void **state) {
  (void)state;
  const char *args[] = {"-i",
                        g_a,
                        "-filter_complex",
                        "[0:v]split=2[a][b];[a]scale=320:-2[s];[b]scale=160:-2[t]",
                        "-map",
                        "[s]",
                        "-c:v",
                        "rawvideo",
                        "-f",
                        "framemd5",
                        "OUT0:s.md5",
                        "-map",
                        "[t]",
                        "-c:v",
                        "rawvideo",
                        "-f",
                        "framemd5",
                        "OUT1:t.md5",
                        NULL};
  run_and_compare(args, 2);
}

/* Two audio inputs mixed (different rates and layouts: libavfilter
 * converts them). */
static void test_amix(void **state) {
  (void)state;
  const char *args[] = {"-i",
                        g_a,
                        "-i",
                        g_b,
                        "-filter_complex",
                        "[0:a][1:a]amix=inputs=2[a]",
                        "-map",
                        "[a]",
                        "-c:a",
                        "pcm_s16le",
                        "-f",
                        "s16le",
                        "OUT0:amix.raw",
                        NULL};
  run_and_compare(args, 1);
}

/* -lavfi, an unlabelled output: it goes to the first output file as its
 * video; the audio is still picked automatically. Output -ss/-t cut after
 * the graph, which sees its inputs whole. */
static void test_lavfi_unlabelled_and_window(void **state) {
  (void)state;
  const char *args[] = {
      "-i",   g_a,         "-i", g_b,        "-lavfi",         "[0:v][1:v]overlay=W-w:H-h",
      "-ss",  "0.5",       "-t", "1",        "-c:v",           "rawvideo",
      "-c:a", "pcm_s16le", "-f", "framemd5", "OUT0:lavfi.md5", NULL};
  run_and_compare(args, 1);
  tm_probe pr;
  const char *out = out_path("lav.mkv");
  const char *enc[] = {
      "-v",   "error", "-y", "-i", g_a, "-i", g_b, "-lavfi", "[1:v]scale=-2:240[b];[0:v][b]hstack",
      "-c:v", "mpeg4", out,  NULL};
  char err[4096];
  int rc = ch_run_err(enc, err, sizeof err);
  if (rc != 0) fail_msg("exit %d; stderr:\n%s", rc, err);
  assert_int_equal(tm_probe_file(out, true, &pr), 0);
  assert_int_equal(pr.nb_streams, 2);
  const tm_stream *v = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
  assert_non_null(v);
  assert_int_equal(v->width, 640);
  assert_int_equal(v->frames, 60);
  /* ffmpeg's automatic choice: the audio with the most channels. */
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO)->channels, 2);
}

/* Pads fed by one file: the graph asks for one while the demux waits on a
 * full link of another (a reversed concat of two trims of one stream, video
 * trimmed beside audio trimmed elsewhere). The stage feeds that link anyway;
 * without it both runs hang. */
static void test_same_file_inputs(void **state) {
  (void)state;
  const char *rev[] = {"-i",
                       g_a,
                       "-filter_complex",
                       "[0:v]trim=0:1,setpts=PTS-STARTPTS[a];[0:v]trim=1:2,setpts=PTS-STARTPTS[b];"
                       "[b][a]concat[v]",
                       "-map",
                       "[v]",
                       "-c:v",
                       "rawvideo",
                       "-f",
                       "framemd5",
                       "OUT0:rev.md5",
                       NULL};
  run_and_compare(rev, 1);
  assert_int_equal(count_frames(out_path("iso_rev.md5"), 0), 60);
  const char *va[] = {"-i",
                      g_a,
                      "-filter_complex",
                      "[0:a]atrim=1:2,asetpts=PTS-STARTPTS[a];[0:v]trim=0:1[v]",
                      "-map",
                      "[v]",
                      "-map",
                      "[a]",
                      "-c:v",
                      "rawvideo",
                      "-c:a",
                      "pcm_s16le",
                      "-f",
                      "framemd5",
                      "OUT0:va.md5",
                      NULL};
  run_and_compare(va, 1);
}

/* Source filters: a graph with no input of its own (endless sources cut by
 * the output's -t), and a source beside an input pad. */
static void test_sources(void **state) {
  (void)state;
  const char *alone[] = {"-i",
                         g_a,
                         "-filter_complex",
                         "testsrc=r=25:s=160x120[v];sine=f=300[a]",
                         "-map",
                         "[v]",
                         "-map",
                         "[a]",
                         "-t",
                         "1.5",
                         "-c:v",
                         "rawvideo",
                         "-c:a",
                         "pcm_s16le",
                         "-f",
                         "framemd5",
                         "OUT0:src.md5",
                         NULL};
  run_and_compare(alone, 1);
  assert_int_equal(count_frames(out_path("iso_src.md5"), 0), 38);
  const char *beside[] = {"-i",
                          g_a,
                          "-filter_complex",
                          "color=c=red:s=320x240:d=2[bg];[bg][0:v]blend=all_mode=average[v]",
                          "-map",
                          "[v]",
                          "-c:v",
                          "rawvideo",
                          "-f",
                          "framemd5",
                          "OUT0:blend.md5",
                          NULL};
  run_and_compare(beside, 1);
}

/* The graph is a stage of its own in --stats. */
static void test_stats_stage(void **state) {
  (void)state;
  const char *out = out_path("st.mkv"), *stats = out_path("st.json");
  const char *args[] = {"-v",
                        "error",
                        "-y",
                        "-i",
                        g_a,
                        "-i",
                        g_b,
                        "-filter_complex",
                        "[0:v][1:v]overlay[v]",
                        "-map",
                        "[v]",
                        "-c:v",
                        "mpeg4",
                        out,
                        "--stats",
                        stats,
                        NULL};
  char err[4096];
  int rc = ch_run_err(args, err, sizeof err);
  if (rc != 0) fail_msg("exit %d; stderr:\n%s", rc, err);
  FILE *f = fopen(stats, "r");
  assert_non_null(f);
  char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  assert_non_null(strstr(buf, "\"filter_complex\""));
}

/* Each refusal exits with its code and names what is wrong; nothing written. */
static void expect_error(const char *fc, const char *const *more, int code, const char *needle) {
  const char *out = out_path("err.mkv");
  const char *args[CH_MAX_ARGS] = {"-v", "error", "-y", "-i", g_a, "-i", g_b};
  int n = 7;
  if (fc) args[n++] = "-filter_complex", args[n++] = fc;
  for (int i = 0; more && more[i]; i++)
    args[n++] = more[i];
  args[n++] = out;
  args[n] = NULL;
  char err[4096];
  int rc = ch_run_err(args, err, sizeof err);
  if (rc != code) fail_msg("'%s': exit %d, wanted %d; stderr:\n%s", fc ? fc : "", rc, code, err);
  if (!strstr(err, needle)) fail_msg("'%s': stderr does not name '%s':\n%s", fc, needle, err);
  assert_false(tm_file_exists(out));
}

static void test_errors(void **state) {
  (void)state;
  const char *map_v[] = {"-map", "[v]", NULL};
  expect_error("[0:v]nosuchfilter[v]", map_v, 2, "nosuchfilter");
  expect_error("[0:v]scale=w=foo[v]", map_v, 2, "scale");
  const char *nolabel[] = {"-map", "[nolabel]", NULL};
  expect_error("[0:v]hflip[v]", nolabel, 1, "nolabel");
  expect_error("[0:v]hflip[v]", NULL, 1, "'[v]' is not used");
  const char *twice[] = {"-map", "[v]", "-map", "[v]", NULL};
  expect_error("[0:v]hflip[v]", twice, 1, "already used elsewhere");
  const char *ab[] = {"-map", "[a]", "-map", "[b]", NULL};
  expect_error("[0:v]hflip[x];[x]vflip[a];[x]hflip[b]", ab, 1, "'[x]'");
  expect_error("[7:v]hflip[v]", map_v, 1, "invalid file index 7");
  expect_error("[0:a:3]anull[v]", map_v, 1, "matches no streams");
  const char *vf[] = {"-map", "[v]", "-vf", "vflip", NULL};
  expect_error("[0:v]hflip[v]", vf, 1, "cannot be used together for the same stream");
  const char *copy[] = {"-map", "[v]", "-c:v", "copy", NULL};
  expect_error("[0:v]hflip[v]", copy, 1, "filtering and streamcopy cannot be used together");
  const char *second[] = {"-filter_complex", "[1:v]vflip[w]", "-map", "[v]", "-map", "[w]", NULL};
  expect_error("[0:v]hflip[v]", second, 2, "only one graph");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_overlay_two_inputs),
      cmocka_unit_test(test_concat_two_inputs),
      cmocka_unit_test(test_split_two_outputs),
      cmocka_unit_test(test_amix),
      cmocka_unit_test(test_lavfi_unlabelled_and_window),
      cmocka_unit_test(test_same_file_inputs),
      cmocka_unit_test(test_sources),
      cmocka_unit_test(test_stats_stage),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
