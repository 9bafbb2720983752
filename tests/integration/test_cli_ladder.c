/* ABR-ladder command lines: one input mapped several times, options per stream index (-c:v:1,
 * -b:v:0, -s:1, -filter:v:1, -maxrate:v:0), HLS variant streams, compared with ffmpeg's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512], g_in[700];

static int setup(void **state) {
  (void)state;
  av_log_set_level(AV_LOG_ERROR);
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-ladder") < 0) return -1;
  return tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", "aac", 320, 240, 2.0, 2,
                       48000) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Bytes of every stream's packets. */
static int stream_bytes(const char *path, int64_t *bytes, int max) {
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return -1;
  int n = (int)ic->nb_streams < max ? (int)ic->nb_streams : max;
  memset(bytes, 0, sizeof *bytes * (size_t)max);
  AVPacket *pkt = av_packet_alloc();
  while (pkt && av_read_frame(ic, pkt) >= 0) {
    if (pkt->stream_index < n) bytes[pkt->stream_index] += pkt->size;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
  return n;
}

/* args with IN and OUT replaced, run by isopipe (into dir/i) and ffmpeg
 * (into dir/f); out_i / out_f get OUT's path in each. */
static void run_both(const char *name, const char *const *args, const char *out, char *out_i,
                     char *out_f, size_t n) {
  char di[700], df[700];
  snprintf(di, sizeof di, "%s/%s_i", g_dir, name);
  snprintf(df, sizeof df, "%s/%s_f", g_dir, name);
  assert_int_equal(mkdir(di, 0755), 0);
  assert_int_equal(mkdir(df, 0755), 0);
  snprintf(out_i, n, "%s/%s", di, out);
  snprintf(out_f, n, "%s/%s", df, out);
  const char *ai[CH_MAX_ARGS], *af[CH_MAX_ARGS];
  int k = 0;
  ai[k] = "-y";
  af[k++] = "-y";
  for (int i = 0; args[i] && k < CH_MAX_ARGS - 1; i++, k++) {
    bool is_in = !strcmp(args[i], "IN"), is_out = !strcmp(args[i], "OUT");
    ai[k] = is_in ? g_in : is_out ? out_i : args[i];
    af[k] = is_in ? g_in : is_out ? out_f : args[i];
  }
  ai[k] = af[k] = NULL;
  char err[8192];
  if (ch_run_err(ai, err, sizeof err) != 0) fail_msg("isopipe (%s): %s", name, err);
  assert_int_equal(tm_run_ffmpeg(af), 0);
}

/* Same streams (codec, size, rate, channels, frame count within 1) as ffmpeg's, each stream's
 * bytes within tol of ffmpeg's; the bytes in *bytes. */
static void same_streams(const char *a, const char *b, double tol, int64_t *bytes) {
  tm_probe pa, pb;
  assert_int_equal(tm_probe_file(a, true, &pa), 0);
  assert_int_equal(tm_probe_file(b, true, &pb), 0);
  assert_int_equal(pa.nb_streams, pb.nb_streams);
  int64_t ba[TM_MAX_STREAMS], bb[TM_MAX_STREAMS];
  assert_int_equal(stream_bytes(a, ba, TM_MAX_STREAMS), pa.nb_streams);
  assert_int_equal(stream_bytes(b, bb, TM_MAX_STREAMS), pb.nb_streams);
  for (int i = 0; i < pa.nb_streams; i++) {
    const tm_stream *x = &pa.st[i], *y = &pb.st[i];
    printf("  #%d %s %dx%d %d Hz %d ch %lld frames %lld B (ffmpeg %s %dx%d %lld frames %lld B)\n",
           i, x->codec, x->width, x->height, x->sample_rate, x->channels, (long long)x->frames,
           (long long)ba[i], y->codec, y->width, y->height, (long long)y->frames, (long long)bb[i]);
    assert_int_equal(x->type, y->type);
    assert_string_equal(x->codec, y->codec);
    assert_int_equal(x->width, y->width);
    assert_int_equal(x->height, y->height);
    assert_int_equal(x->sample_rate, y->sample_rate);
    assert_int_equal(x->channels, y->channels);
    assert_true(llabs(x->frames - y->frames) <= 1);
    assert_true(llabs(ba[i] - bb[i]) <= tol * (double)bb[i] + 2048);
    if (bytes) bytes[i] = ba[i];
  }
}

/* Two renditions of one video in mp4, each with its own encoder, rate
 * and size; then the last option for a stream wins (-b:v after -b:v:1). */
static void t_mp4_renditions(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *ladder[] = {"-i",     "IN",      "-map",   "0:v",     "-map",   "0:v",
                          "-map",   "0:a",     "-c:v:0", "libx264", "-b:v:0", "600k",
                          "-s:v:0", "320x240", "-c:v:1", "libx264", "-b:v:1", "100k",
                          "-s:v:1", "160x120", "-c:a",   "aac",     "OUT",    NULL};
  char oi[800], of[800];
  int64_t bytes[TM_MAX_STREAMS];
  run_both("mp4", ladder, "ladder.mp4", oi, of, sizeof oi);
  same_streams(oi, of, 0.15, bytes);
  /* Without the index options both would be the same rendition. */
  assert_true(bytes[0] > 3 * bytes[1]);
  const char *later[] = {"-i",     "IN",    "-map",   "0:v",  "-map", "0:v",
                         "-c:v:1", "mpeg4", "-b:v:1", "100k", "-c:v", "libx264",
                         "-b:v",   "300k",  "-an",    "OUT",  NULL};
  run_both("later", later, "later.mkv", oi, of, sizeof oi);
  same_streams(oi, of, 0.15, bytes);
}

/* A file's text (at most n - 1 bytes). */
static void slurp(const char *path, char *buf, size_t n) {
  buf[0] = 0;
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t r = fread(buf, 1, n - 1, f);
  buf[r] = 0;
  fclose(f);
}

/* An HLS playlist's segments: their count, the first one's path. */
static int segments(const char *m3u8, char *first, size_t n) {
  char text[16384];
  slurp(m3u8, text, sizeof text);
  int count = 0;
  first[0] = 0;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    if (!strncmp(l, "#EXTINF", 7)) count++;
    if (l[0] != '#' && !first[0]) {
      snprintf(first, n, "%s", m3u8);
      char *slash = strrchr(first, '/');
      snprintf(slash + 1, n - (size_t)(slash + 1 - first), "%s", l);
    }
  }
  return count;
}

/* The master playlists are the same text; each variant's playlist has as
 * many segments as ffmpeg's, and its first segment the same streams. */
static void same_hls(const char *dir_i, const char *dir_f, const char *master,
                     const char *const *variants) {
  char a[800], b[800], ta[8192], tb[8192];
  snprintf(a, sizeof a, "%s/%s", dir_i, master);
  snprintf(b, sizeof b, "%s/%s", dir_f, master);
  slurp(a, ta, sizeof ta);
  slurp(b, tb, sizeof tb);
  if (!ta[0] || strcmp(ta, tb)) fail_msg("master playlist:\n%s-- ffmpeg's:\n%s", ta, tb);
  for (int v = 0; variants[v]; v++) {
    char sa[900], sb[900];
    snprintf(a, sizeof a, "%s/%s", dir_i, variants[v]);
    snprintf(b, sizeof b, "%s/%s", dir_f, variants[v]);
    int ca = segments(a, sa, sizeof sa), cb = segments(b, sb, sizeof sb);
    printf("%s: %d segments (ffmpeg %d)\n", variants[v], ca, cb);
    assert_true(ca > 0);
    assert_int_equal(ca, cb);
    same_streams(sa, sb, 0.25, NULL);
  }
}

/* A live HLS ladder as the streaming scripts write it: options by output
 * stream index (-s:0, -r:1, -g:2), empty specifiers (-preset:, -c:a:),
 * -var_stream_map with names and a master playlist. */
static void t_hls_variants(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *line[] = {"-i",
                        "IN",
                        "-map",
                        "v:0",
                        "-c:v:0",
                        "libx264",
                        "-preset:",
                        "ultrafast",
                        "-tune:",
                        "zerolatency",
                        "-g:0",
                        "60",
                        "-sc_threshold:",
                        "0",
                        "-b:v:0",
                        "800k",
                        "-s:0",
                        "320x240",
                        "-r:0",
                        "30",
                        "-map",
                        "v:0",
                        "-c:v:1",
                        "libx264",
                        "-g:1",
                        "30",
                        "-b:v:1",
                        "300k",
                        "-s:1",
                        "160x120",
                        "-r:1",
                        "15",
                        "-map",
                        "a:0",
                        "-map",
                        "a:0",
                        "-c:a:",
                        "aac",
                        "-b:a:",
                        "96k",
                        "-ar:",
                        "44100",
                        "-ac:",
                        "1",
                        "-f",
                        "hls",
                        "-var_stream_map",
                        "v:0,a:0,name:240p v:1,a:1,name:120p",
                        "-hls_time",
                        "1",
                        "-master_pl_name",
                        "master.m3u8",
                        "OUT",
                        NULL};
  char oi[800], of[800];
  run_both("hls", line, "live_%v.m3u8", oi, of, sizeof oi);
  *strrchr(oi, '/') = 0;
  *strrchr(of, '/') = 0;
  const char *variants[] = {"live_240p.m3u8", "live_120p.m3u8", NULL};
  same_hls(oi, of, "master.m3u8", variants);
}

/* PeerTube's live transcoding (packages/ffmpeg/src/ffmpeg-live.ts and
 * ffmpeg-default-transcoding-profile.ts): one split per resolution in a
 * filter_complex fed by "[v:0]", the audio mapped once per variant,
 * -channel_layout, per-index -g:v, -maxrate:v, -bufsize:v, -r:v, -b:v. */
static void t_peertube_live(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *line[] = {"-i",
                        "IN",
                        "-sc_threshold",
                        "0",
                        "-max_muxing_queue_size",
                        "1024",
                        "-map_metadata",
                        "-1",
                        "-pix_fmt",
                        "yuv420p",
                        "-filter_complex",
                        "[v:0]split=2[vtemp240][vtemp120];[vtemp240]scale=w=-2:h=240[vout240];"
                        "[vtemp120]scale=w=-2:h=120[vout120]",
                        "-map",
                        "a:0",
                        "-c:a:0",
                        "aac",
                        "-channel_layout",
                        "stereo",
                        "-b:a:0",
                        "128k",
                        "-map",
                        "[vout240]",
                        "-g:v:0",
                        "50",
                        "-c:v:0",
                        "libx264",
                        "-preset",
                        "veryfast",
                        "-maxrate:v:0",
                        "500000",
                        "-bufsize:v:0",
                        "1000000",
                        "-b_strategy",
                        "1",
                        "-bf",
                        "16",
                        "-r:v:0",
                        "25",
                        "-b:v:0",
                        "500000",
                        "-map",
                        "a:0",
                        "-c:a:1",
                        "aac",
                        "-b:a:1",
                        "64k",
                        "-map",
                        "[vout120]",
                        "-g:v:1",
                        "50",
                        "-c:v:1",
                        "libx264",
                        "-maxrate:v:1",
                        "150000",
                        "-bufsize:v:1",
                        "300000",
                        "-r:v:1",
                        "25",
                        "-b:v:1",
                        "150000",
                        "-hls_time",
                        "1",
                        "-hls_list_size",
                        "0",
                        "-hls_flags",
                        "independent_segments",
                        "-master_pl_name",
                        "master.m3u8",
                        "-f",
                        "hls",
                        "-var_stream_map",
                        "a:0,v:0 a:1,v:1",
                        "OUT",
                        NULL};
  char oi[800], of[800];
  run_both("peertube", line, "%v.m3u8", oi, of, sizeof oi);
  *strrchr(oi, '/') = 0;
  *strrchr(of, '/') = 0;
  const char *variants[] = {"0.m3u8", "1.m3u8", NULL};
  same_hls(oi, of, "master.m3u8", variants);
}

/* A stream mapped twice is written twice, copied or encoded. */
static void t_map_twice(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  const char *line[] = {"-i",  "IN",     "-map", "0:a",  "-map", "0:v", "-map",
                        "0:a", "-c:a:1", "copy", "-c:v", "copy", "OUT", NULL};
  char oi[800], of[800];
  run_both("twice", line, "twice.mkv", oi, of, sizeof oi);
  same_streams(oi, of, 0.05, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_mp4_renditions), cmocka_unit_test(t_hls_variants),
      cmocka_unit_test(t_peertube_live), cmocka_unit_test(t_map_twice)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
