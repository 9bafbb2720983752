/* -force_key_frames (times, chapters, expr:, source): the keyframe times ffmpeg's output has. */
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
static char g_in[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-kf") < 0) return -1;
  return tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", NULL, 96, 64, 4.0, 0, 0) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The video keyframes' pts in milliseconds, space separated. */
static void keyframes(const char *path, char *out, size_t n) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  AVPacket *pkt = av_packet_alloc();
  size_t len = 0;
  while (av_read_frame(ic, pkt) >= 0 && len < n) {
    AVStream *st = ic->streams[pkt->stream_index];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && (pkt->flags & AV_PKT_FLAG_KEY))
      len +=
          (size_t)snprintf(out + len, n - len, "%lld ",
                           (long long)av_rescale_q(pkt->pts, st->time_base, (AVRational){1, 1000}));
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
}

/* One -force_key_frames value on in (-ss ss when not NULL), with isopipe and
 * ffmpeg: the same keyframe times, and at least want of them. */
static void same_as_ffmpeg(const char *in, const char *ss, const char *value, int want) {
  char out[800], ref[800], err[4096], ka[1024], kb[1024];
  snprintf(out, sizeof out, "%s/i.mkv", g_dir);
  snprintf(ref, sizeof ref, "%s/f.mkv", g_dir);
  const char *a[] = {"-v",      "error",   "-y",          "-i",
                     in,        "-ss",     ss ? ss : "0", "-c:v",
                     "libx264", "-preset", "ultrafast",   "-force_key_frames:0",
                     value,     out,       NULL};
  const char *f[] = {"-i",      in,        "-ss",       ss ? ss : "0",         "-c:v",
                     "libx264", "-preset", "ultrafast", "-force_key_frames:0", value,
                     ref,       NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  keyframes(out, ka, sizeof ka);
  keyframes(ref, kb, sizeof kb);
  printf("%s%s%s: %s| ffmpeg %s\n", value, ss ? " -ss " : "", ss ? ss : "", ka, kb);
  assert_string_equal(ka, kb);
  int n = 0;
  for (const char *p = ka; *p; p++)
    n += *p == ' ';
  assert_true(n >= want);
}

static void t_forms(void **state) {
  (void)state;
  char ffmpeg[600];
  TM_NEED(tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg), "ffmpeg");
  /* Jellyfin's EncodingHelper: a keyframe every 3 s of output. */
  same_as_ffmpeg(g_in, NULL, "expr:gte(t,0+n_forced*1)", 4);
  same_as_ffmpeg(g_in, "0.5", "expr:gte(t,n_forced*1.5)", 3);
  same_as_ffmpeg(g_in, NULL, "expr:eq(mod(n,7),0)*gte(n,prev_forced_n+7)+isnan(prev_forced_t)", 5);
  same_as_ffmpeg(g_in, NULL, "0.5,2.2,1.1", 4);
  same_as_ffmpeg(g_in, "1", "0.5,2.2,1.1", 3);

  /* Chapters: the output's, shifted by -ss, plus an offset; an input with
   * chapters and keyframes every 0.5 s. */
  char chap[800], meta[800];
  snprintf(meta, sizeof meta, "%s/chapters.txt", g_dir);
  snprintf(chap, sizeof chap, "%s/chapters.mkv", g_dir);
  FILE *fp = fopen(meta, "w");
  assert_non_null(fp);
  fputs(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1300\n[CHAPTER]\nTIMEBASE=1/1000\n"
        "START=1300\nEND=2900\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=2900\nEND=4000\n",
        fp);
  fclose(fp);
  const char *mk[] = {"-i",      g_in, "-i", meta,      "-map_chapters", "1",  "-c:v",
                      "libx264", "-g", "15", "-preset", "ultrafast",     chap, NULL};
  assert_int_equal(tm_run_ffmpeg(mk), 0);
  same_as_ffmpeg(chap, NULL, "chapters", 3);
  same_as_ffmpeg(chap, "1", "chapters-0.2,3.5", 3);
  /* The input's keyframes (a 15-frame GOP). */
  same_as_ffmpeg(chap, NULL, "source", 8);
}

/* A bad expression or time: exit 2 naming the option, before anything runs. */
/* Video packets of path, and how many come before the first keyframe. */
static int video_packets(const char *path, int *before_key) {
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return -1;
  AVPacket *pkt = av_packet_alloc();
  int n = 0;
  *before_key = -1;
  while (av_read_frame(ic, pkt) >= 0) {
    if (ic->streams[pkt->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
      if (*before_key < 0 && (pkt->flags & AV_PKT_FLAG_KEY)) *before_key = n;
      n++;
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
  return n;
}

/* A stream copy starts at a keyframe unless -copyinkf keeps what comes
 * before it (a TS cut mid-GOP), as ffmpeg copies. */
static void t_copyinkf(void **state) {
  (void)state;
  char ts[800], cut[800], a[800], b[800];
  snprintf(ts, sizeof ts, "%s/gop.ts", g_dir);
  snprintf(cut, sizeof cut, "%s/cut.ts", g_dir);
  snprintf(a, sizeof a, "%s/key.mkv", g_dir);
  snprintf(b, sizeof b, "%s/inkf.mkv", g_dir);
  const char *mk[] = {"-v", "error", "-y", "-i", g_in,     "-c:v", "libx264", "-g",
                      "50", "-bf",   "0",  "-f", "mpegts", ts,     NULL};
  char err[4096];
  assert_int_equal(ch_run_err(mk, err, sizeof err), 0);
  /* From an eighth of the file on (a TS packet boundary): inside the first
   * GOP, its keyframe gone. */
  FILE *in = fopen(ts, "rb"), *out = fopen(cut, "wb");
  assert_non_null(in);
  assert_non_null(out);
  assert_int_equal(fseek(in, 0, SEEK_END), 0);
  long at = ftell(in) / 8 / 188 * 188;
  assert_int_equal(fseek(in, at, SEEK_SET), 0);
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, in)) > 0)
    assert_int_equal(fwrite(buf, 1, got, out), got);
  fclose(in);
  fclose(out);
  int lead_in = 0, n_in = video_packets(cut, &lead_in);
  assert_true(n_in > 0 && lead_in > 0);
  const char *plain[] = {"-v", "quiet", "-y", "-i", cut, "-c", "copy", a, NULL};
  const char *inkf[] = {"-v", "quiet", "-y", "-i", cut, "-c", "copy", "-copyinkf", b, NULL};
  assert_int_equal(ch_run_err(plain, err, sizeof err), 0);
  assert_int_equal(ch_run_err(inkf, err, sizeof err), 0);
  int ka = 0, kb = 0, na = video_packets(a, &ka), nb = video_packets(b, &kb);
  printf("cut TS: %d video packets, %d before the first keyframe; copy %d, -copyinkf %d\n", n_in,
         lead_in, na, nb);
  assert_int_equal(ka, 0);
  assert_int_equal(na, n_in - lead_in);
  assert_int_equal(nb, n_in);
  if (!tm_have_program("ffmpeg", NULL, 0)) return;
  char ref[800];
  snprintf(ref, sizeof ref, "%s/ref.mkv", g_dir);
  const char *f[] = {"-v", "quiet", "-i", cut, "-c", "copy", "-copyinkf", ref, NULL};
  assert_int_equal(tm_run_ffmpeg(f), 0);
  int kr = 0;
  assert_int_equal(video_packets(ref, &kr), nb);
}

static void t_bad_values(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/bad.mkv", g_dir);
  const char *a[] = {"-y", "-i", g_in, "-c:v", "libx264", "-force_key_frames", "expr:gte(t,nope)",
                     out,  NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "force_key_frames"));
  assert_non_null(strstr(err, "gte(t,nope)"));
  const char *b[] = {"-y", "-i", g_in, "-c:v", "libx264", "-force_key_frames", "1,soon", out, NULL};
  assert_int_equal(ch_run_err(b, err, sizeof err), 2);
  assert_non_null(strstr(err, "'soon'"));
  assert_false(tm_file_exists(out));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_forms),
      cmocka_unit_test(t_bad_values),
      cmocka_unit_test(t_copyinkf),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
