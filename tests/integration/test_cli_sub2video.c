/* Bitmap subtitles burned into video through -filter_complex (ffmpeg's sub2video), compared with
 * ffmpeg 5.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];

static int setup(void **state) {
  (void)state;
  return ch_mkdtemp(g_dir, sizeof g_dir, "cli-s2v") < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* isopipe and ffmpeg on the same arguments (pre: before -i, graph, -t
 * secs), framemd5 line for line: 25 a second. */
static void same_frames(const char *in, const char *pre, const char *graph, const char *name,
                        int secs) {
  char a[800], b[800], why[512];
  snprintf(a, sizeof a, "%s/%s_i.framemd5", g_dir, name);
  snprintf(b, sizeof b, "%s/%s_f.framemd5", g_dir, name);
  char pbuf[256];
  snprintf(pbuf, sizeof pbuf, "%s", pre);
  const char *pa[8] = {0};
  int np = 0;
  for (char *save = NULL, *w = strtok_r(pbuf, " ", &save); w && np < 7;
       w = strtok_r(NULL, " ", &save))
    pa[np++] = w;
  const char *iso[24], *ff[24];
  int ni = 0, nf = 0;
  iso[ni++] = "-y";
  iso[ni++] = "-v";
  iso[ni++] = "error";
  for (int k = 0; k < np; k++)
    iso[ni++] = ff[nf++] = pa[k];
  char t[16];
  snprintf(t, sizeof t, "%d", secs);
  const char *tail[] = {"-i",  in,     "-t",  t,    "-filter_complex",
                        graph, "-map", "[v]", "-f", "framemd5"};
  for (size_t k = 0; k < sizeof tail / sizeof *tail; k++)
    iso[ni++] = ff[nf++] = tail[k];
  iso[ni++] = a;
  ff[nf++] = b;
  iso[ni] = ff[nf] = NULL;
  char err[2048];
  if (ch_run_err(iso, err, sizeof err) != 0) fail_msg("isopipe %s: %s", name, err);
  assert_int_equal(tm_run_ffmpeg(ff), 0);
  int lines = 0;
  if (!tm_framemd5_equal(a, b, &lines, why, sizeof why)) fail_msg("%s: %s", name, why);
  assert_int_equal(lines, 25 * secs);
}

/* One graph with both forms: the plain overlay (the canvas at the
 * decoder's 960x720 over 640x360 video) and Jellyfin's chain (scale and
 * yuva420p on the pad, -canvas_size, overlay with eof_action=pass) on the
 * second stream; -t 1 holds the first subtitle. ffmpeg starts the canvas
 * once its video decoder gave a frame, which its frame threads delay:
 * -threads 1 makes that the first packet, as isopipe's. */
static void t_burn_as_ffmpeg(void **state) {
  (void)state;
  char in[800];
  TM_NEED(tm_corpus_file("video/subtitles_vobsub.mkv", in, sizeof in), "media corpus");
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference)");
  same_frames(in, "-threads 1 -canvas_size 1280x720",
              "[0:s:1]scale=320:180,format=yuva420p[sub];[0:v][0:s:0]overlay,scale=320:180[main];"
              "[main][sub]overlay=eof_action=pass:shortest=0:repeatlast=0[v]",
              "burn", 1);
}

/* The corpus VobSub clip's first 3 s with its video re-encoded by x264 with
 * B-frames (a pyramid) into dir/name; subs: "copy" keeps both subtitle
 * streams, another encoder re-encodes the first alone. The clip's path. */
static const char *reencode(const char *name, const char *subs, char *path, size_t n) {
  char in[800], err[2048];
  if (!tm_corpus_file("video/subtitles_vobsub.mkv", in, sizeof in)) return NULL;
  snprintf(path, n, "%s/%s", g_dir, name);
  bool copy = !strcmp(subs, "copy");
  const char *mk[] = {"-y",
                      "-v",
                      "error",
                      "-i",
                      in,
                      "-t",
                      "3",
                      "-map",
                      "0:v",
                      "-map",
                      copy ? "0:s" : "0:s:0",
                      "-c:s",
                      subs,
                      "-c:v",
                      "libx264",
                      "-preset",
                      "ultrafast",
                      "-x264-params",
                      "bframes=3:b-pyramid=normal",
                      "-crf",
                      "30",
                      path,
                      NULL};
  if (ch_run_err(mk, err, sizeof err) != 0) fail_msg("making %s: %s", name, err);
  return path;
}

/* Video with B-frames: packets come in decode order, a B-frame's
 * presentation time behind the next P-frame's. The second subtitle
 * (2.54 s) shows from the frame at 2.56 s, as ffmpeg's; a heartbeat at the
 * P-frame's presentation time held it off for 4 frames. */
static void t_burn_bframes(void **state) {
  (void)state;
  char bf[900];
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference)");
  TM_NEED(reencode("bframes.mkv", "copy", bf, sizeof bf), "media corpus");
  same_frames(bf, "-threads 1", "[0:s:0]scale=640:360[s];[0:v][s]overlay[v]", "bframes", 3);
}

/* DVB subtitles (the broadcast form, in MPEG-TS): the VobSub stream
 * re-encoded with FFmpeg's dvbsub encoder beside B-frame video. */
static void t_burn_dvb(void **state) {
  (void)state;
  char ts[900];
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference)");
  TM_NEED(reencode("dvb.ts", "dvbsub", ts, sizeof ts), "media corpus");
  same_frames(ts, "-threads 1", "[0:s:0]scale=640:360[s];[0:v][s]overlay[v]", "dvb", 3);
}

/* A text subtitle stream on a pad: refused, naming the pad (ffmpeg 5.1
 * runs it and draws nothing, docs/cli.md). */
static void t_text_refused(void **state) {
  (void)state;
  char ssa[800], out[900], err[2048];
  TM_NEED(tm_corpus_file("video/sample_with_ssa_subtitles.mkv", ssa, sizeof ssa), "media corpus");
  snprintf(out, sizeof out, "%s/r.mkv", g_dir);
  const char *text[] = {"-y",  "-i", ssa, "-filter_complex", "[0:v][0:s:0]overlay[v]", "-map",
                        "[v]", out,  NULL};
  assert_int_not_equal(ch_run_err(text, err, sizeof err), 0);
  assert_non_null(strstr(err, "'[0:s:0]'"));
  assert_non_null(strstr(err, "ass subtitles: only bitmap subtitles"));
  assert_false(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_burn_as_ffmpeg),
                                     cmocka_unit_test(t_burn_bframes), cmocka_unit_test(t_burn_dvb),
                                     cmocka_unit_test(t_text_refused)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
