/* Copied streams' timestamps (-copyts, -start_at_zero, -ss before -i) as ffmpeg's outputs have
 * them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_gen[700], g_ts[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-copyts") < 0) return -1;
  snprintf(g_ts, sizeof g_ts, "%s/late.ts", g_dir);
  return tm_gen_simple(g_gen, sizeof g_gen, g_dir, "gen.mp4", "libx264", "aac", 96, 64, 2.0, 2,
                       48000) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Each stream's first three packets' pts and dts (ms), and the file's start. */
static void stamps(const char *path, char *out, size_t n) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  if (avformat_find_stream_info(ic, NULL) < 0) {
    avformat_close_input(&ic);
    return;
  }
  size_t len = (size_t)snprintf(out, n, "start %lld:", (long long)(ic->start_time / 1000));
  int seen[8] = {0};
  AVPacket *pkt = av_packet_alloc();
  while (av_read_frame(ic, pkt) >= 0 && len < n) {
    int s = pkt->stream_index;
    AVRational ms = {1, 1000};
    if (s < 8 && seen[s]++ < 3)
      len +=
          (size_t)snprintf(out + len, n - len, " %d:%lld/%lld", s,
                           pkt->pts == AV_NOPTS_VALUE
                               ? -1
                               : (long long)av_rescale_q(pkt->pts, ic->streams[s]->time_base, ms),
                           pkt->dts == AV_NOPTS_VALUE
                               ? -1
                               : (long long)av_rescale_q(pkt->dts, ic->streams[s]->time_base, ms));
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
}

static void t_copied_streams(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* An input whose clock starts near 11 s, as a cut from a broadcast. */
  const char *mk[] = {"-i", g_gen, "-c", "copy", "-output_ts_offset", "10", g_ts, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  static const char *const cases[][5] = {
      {"a.mkv", "-copyts", NULL},
      {"b.mp4", "-copyts", NULL},
      {"c.ts", "-copyts", NULL},
      {"d.mkv", "-copyts", "-start_at_zero", NULL},
      {"e.mp4", "-copyts", "-start_at_zero", NULL},
      /* Jellyfin's remux (MediaBrowser.MediaEncoding EncodingHelper) */
      {"f.mkv", "-copyts", "-avoid_negative_ts", "disabled", NULL},
      {"g.mkv", "-start_at_zero", NULL},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char out[800], ref[800], err[4096], sa[1024], sb[1024];
    snprintf(out, sizeof out, "%s/i_%s", g_dir, cases[c][0]);
    snprintf(ref, sizeof ref, "%s/f_%s", g_dir, cases[c][0]);
    const char *a[16] = {"-v", "error", "-y", "-i", g_ts, "-c", "copy"};
    const char *f[16] = {"-i", g_ts, "-c", "copy"};
    int na = 7, nf = 4;
    for (int k = 1; k < 5 && cases[c][k]; k++)
      a[na++] = f[nf++] = cases[c][k];
    a[na] = out;
    f[nf] = ref;
    assert_int_equal(ch_run_err(a, err, sizeof err), 0);
    assert_int_equal(tm_run_ffmpeg(f), 0);
    stamps(out, sa, sizeof sa);
    stamps(ref, sb, sizeof sb);
    printf("%s: %s\n  ffmpeg %s\n", cases[c][0], sa, sb);
    assert_string_equal(sa, sb);
  }
}

/* Each stream's packet count, after its first three packets' stamps. */
static void counted(const char *path, char *out, size_t n) {
  stamps(path, out, n);
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  int count[8] = {0};
  AVPacket *pkt = av_packet_alloc();
  while (av_read_frame(ic, pkt) >= 0) {
    if (pkt->stream_index < 8) count[pkt->stream_index]++;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  size_t len = strlen(out);
  for (unsigned i = 0; i < ic->nb_streams && i < 8 && len < n; i++)
    len += (size_t)snprintf(out + len, n - len, " #%u:%d", i, count[i]);
  avformat_close_input(&ic);
}

/* -ss before -i with -c copy: MPEG-TS seeks by dts, so with B-frame video
 * ffmpeg seeks 3/23 s earlier and copies every packet from there (audio
 * included, from before the keyframe); same packets, same stamps. */
static void t_input_seek_copy(void **state) {
  (void)state;
  char ffmpeg[600], ts[800];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  snprintf(ts, sizeof ts, "%s/plain.ts", g_dir);
  /* A keyframe every 0.5 s, B-frames (libx264's default). */
  const char *mk[] = {"-i", g_gen, "-c:a", "copy", "-c:v", "libx264", "-g", "12", ts, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  static const char *const outs[] = {"ss.mp4", "ss.mkv"};
  for (size_t c = 0; c < sizeof outs / sizeof outs[0]; c++) {
    char out[800], ref[800], err[4096], sa[1024], sb[1024];
    snprintf(out, sizeof out, "%s/i_%s", g_dir, outs[c]);
    snprintf(ref, sizeof ref, "%s/f_%s", g_dir, outs[c]);
    const char *a[] = {"-v", "error", "-y", "-ss", "1", "-i", ts, "-c", "copy", out, NULL};
    const char *f[] = {"-ss", "1", "-i", ts, "-c", "copy", ref, NULL};
    assert_int_equal(ch_run_err(a, err, sizeof err), 0);
    assert_int_equal(tm_run_ffmpeg(f), 0);
    counted(out, sa, sizeof sa);
    counted(ref, sb, sizeof sb);
    printf("%s: %s\n  ffmpeg %s\n", outs[c], sa, sb);
    assert_string_equal(sa, sb);
  }
}

/* -ss after -i with -c copy (ffmpeg's output -ss: "-i in.mp4 -ss 30 -t 10
 * -c copy", a common cut): each copied stream starts at its first keyframe
 * at or after -ss, never at the one before it; with -copyts the -ss is
 * taken off the input's clock. Same packets, same stamps as ffmpeg. */
static void t_output_seek_copy(void **state) {
  (void)state;
  char ffmpeg[600], mp4[800];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  snprintf(mp4, sizeof mp4, "%s/key.mp4", g_dir);
  /* A keyframe every 0.5 s, B-frames (libx264's default). */
  const char *mk[] = {"-i", g_gen, "-c:a", "copy", "-c:v", "libx264", "-g", "12", mp4, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  static const char *const cases[][3] = {
      {"oss.mp4", "-ss", "0.7"}, {"oss.mkv", "-ss", "0.7"}, {"ossts.mkv", "-copyts", "-ss"}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char out[800], ref[800], err[4096], sa[1024], sb[1024];
    snprintf(out, sizeof out, "%s/i_%s", g_dir, cases[c][0]);
    snprintf(ref, sizeof ref, "%s/f_%s", g_dir, cases[c][0]);
    bool copyts = !strcmp(cases[c][1], "-copyts");
    const char *a[16] = {"-v", "error", "-y", "-i", mp4, "-ss", "0.7", "-t", "1", "-c", "copy"};
    const char *f[16] = {"-i", mp4, "-ss", "0.7", "-t", "1", "-c", "copy"};
    int na = 11, nf = 8;
    if (copyts) a[na++] = f[nf++] = "-copyts";
    a[na] = out;
    f[nf] = ref;
    assert_int_equal(ch_run_err(a, err, sizeof err), 0);
    assert_int_equal(tm_run_ffmpeg(f), 0);
    counted(out, sa, sizeof sa);
    counted(ref, sb, sizeof sb);
    printf("%s: %s\n  ffmpeg %s\n", cases[c][0], sa, sb);
    assert_string_equal(sa, sb);
  }
}

/* -copyts with an encoded stream beside a copied one and an output -ss
 * (a window on the input's own clock, cut after the filters, its -ss taken
 * off the encoded stream's timestamps): the timestamps are ffmpeg's. */
static void t_encoded_output_seek(void **state) {
  (void)state;
  char out[800], ref[800], sa[2048], sb[2048], err[4096], ff[600];
  snprintf(out, sizeof out, "%s/enc.mkv", g_dir);
  snprintf(ref, sizeof ref, "%s/enc-ffmpeg.mkv", g_dir);
  const char *a[] = {"-y",      "-i",   g_gen,  "-ss",     "0.5", "-c:v",
                     "libx264", "-c:a", "copy", "-copyts", out,   NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  if (!tm_have_program("ffmpeg", ff, sizeof ff)) return;
  a[10] = ref;
  assert_int_equal(tm_run_ffmpeg(a + 1), 0);
  stamps(out, sa, sizeof sa);
  stamps(ref, sb, sizeof sb);
  printf("encoded after an output -ss: %s\n  ffmpeg %s\n", sa, sb);
  assert_string_equal(sa, sb);
}

/* From an input read whole from 0, -copyts changes nothing for encoded
 * streams: the timestamps are ffmpeg's (Jellyfin's HLS lines carry it). */
static void t_encoded_from_zero(void **state) {
  (void)state;
  char out[800], ref[800], sa[2048], sb[2048];
  snprintf(out, sizeof out, "%s/enc0.mkv", g_dir);
  snprintf(ref, sizeof ref, "%s/enc0-ffmpeg.mkv", g_dir);
  const char *a[] = {"-y", "-i", g_gen, "-c:v", "libx264", "-c:a", "copy", "-copyts", out, NULL};
  const char *f[] = {"-i", g_gen, "-c:v", "libx264", "-c:a", "copy", "-copyts", ref, NULL};
  char err[4096];
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  char ff[600];
  if (!tm_have_program("ffmpeg", ff, sizeof ff)) return;
  assert_int_equal(tm_run_ffmpeg(f), 0);
  stamps(out, sa, sizeof sa);
  stamps(ref, sb, sizeof sb);
  printf("encoded from 0: %s\n  ffmpeg %s\n", sa, sb);
  assert_string_equal(sa, sb);
}

/* -noaccurate_seek: a copy after an input -ss is ffmpeg's (stamps equal;
 * test_cli_seek compares encoded streams). */
static void t_noaccurate_seek(void **state) {
  (void)state;
  char out[800], ref[800], sa[2048], sb[2048], err[4096], ff[600];
  snprintf(out, sizeof out, "%s/noacc.mkv", g_dir);
  snprintf(ref, sizeof ref, "%s/noacc-ffmpeg.mkv", g_dir);
  const char *a[] = {"-y", "-ss", "0.5", "-noaccurate_seek", "-i", g_gen, "-c", "copy", out, NULL};
  const char *f[] = {"-ss", "0.5", "-noaccurate_seek", "-i", g_gen, "-c", "copy", ref, NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  if (tm_have_program("ffmpeg", ff, sizeof ff)) {
    assert_int_equal(tm_run_ffmpeg(f), 0);
    stamps(out, sa, sizeof sa);
    stamps(ref, sb, sizeof sb);
    assert_string_equal(sa, sb);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_copied_streams),    cmocka_unit_test(t_encoded_output_seek),
      cmocka_unit_test(t_encoded_from_zero), cmocka_unit_test(t_noaccurate_seek),
      cmocka_unit_test(t_input_seek_copy),   cmocka_unit_test(t_output_seek_copy),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
