/* -copyts with encoded streams after an input -ss: HLS chunks as Jellyfin and go-vod ask for them
 * (with -vf, -filter_complex or a second input), every playlist and segment packet equal to
 * ffmpeg's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_gen[700], g_ts[700], g_mp4[700], g_mka[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-copyts-enc") < 0) return -1;
  snprintf(g_ts, sizeof g_ts, "%s/late.ts", g_dir);
  snprintf(g_mp4, sizeof g_mp4, "%s/key.mp4", g_dir);
  snprintf(g_mka, sizeof g_mka, "%s/ext.mka", g_dir);
  return tm_gen_simple(g_gen, sizeof g_gen, g_dir, "gen.mp4", "libx264", "aac", 96, 64, 9.0, 2,
                       48000) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 1 << 16);
  if (buf) buf[fread(buf, 1, (1 << 16) - 1, f)] = 0;
  fclose(f);
  return buf;
}

/* Every packet of a segment (an fMP4 one after its init section): stream,
 * pts, dts, duration, key flag, on its own time base. */
static char *packets(const char *dir, const char *seg, bool fmp4) {
  char path[1100], cat[1100];
  snprintf(path, sizeof path, "%s/%s", dir, seg);
  if (fmp4) {
    /* The segment alone has no moov: read it behind the init section. */
    snprintf(cat, sizeof cat, "%s/%s.cat.mp4", dir, seg);
    char ip[1100];
    snprintf(ip, sizeof ip, "%s/init.mp4", dir);
    FILE *out = fopen(cat, "wb");
    const char *parts[] = {ip, path};
    for (int k = 0; k < 2 && out; k++) {
      FILE *in = fopen(parts[k], "rb");
      if (!in) break;
      char b[8192];
      size_t n;
      while ((n = fread(b, 1, sizeof b, in)) > 0)
        fwrite(b, 1, n, out);
      fclose(in);
    }
    if (out) fclose(out);
    snprintf(path, sizeof path, "%s", cat);
  }
  size_t cap = 1 << 16, len = 0;
  char *s = calloc(1, cap);
  AVFormatContext *ic = NULL;
  if (!s || avformat_open_input(&ic, path, NULL, NULL) < 0) return s;
  AVPacket *pkt = av_packet_alloc();
  while (pkt && av_read_frame(ic, pkt) >= 0) {
    if (len + 96 >= cap) {
      char *ns = realloc(s, cap * 2);
      if (!ns) break;
      s = ns;
      cap *= 2;
    }
    len += (size_t)snprintf(s + len, cap - len, "%d:%lld/%lld/%lld%s ", pkt->stream_index,
                            (long long)pkt->pts, (long long)pkt->dts, (long long)pkt->duration,
                            pkt->flags & AV_PKT_FLAG_KEY ? "K" : "");
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
  return s;
}

/* Runs the line (LINE's arguments after the global ones, ending with the
 * HLS options) through isopipe and ffmpeg into their own directories and
 * compares the playlists and every segment's packets. */
static void same_hls(const char *name, const char *const *line, bool fmp4) {
  char di[800], df[800], pi[900], pf[900], si[900], sf[900], err[4096];
  snprintf(di, sizeof di, "%s/%s-is", g_dir, name);
  snprintf(df, sizeof df, "%s/%s-ff", g_dir, name);
  assert_int_equal(mkdir(di, 0755), 0);
  assert_int_equal(mkdir(df, 0755), 0);
  snprintf(pi, sizeof pi, "%s/o.m3u8", di);
  snprintf(pf, sizeof pf, "%s/o.m3u8", df);
  snprintf(si, sizeof si, "%s/s%%d.%s", di, fmp4 ? "m4s" : "ts");
  snprintf(sf, sizeof sf, "%s/s%%d.%s", df, fmp4 ? "m4s" : "ts");
  const char *a[64] = {"-v", "error", "-y"}, *f[64] = {0};
  int na = 3, nf = 0;
  for (int k = 0; line[k] && na < 58; k++)
    a[na++] = f[nf++] = line[k];
  a[na++] = f[nf++] = "-hls_segment_filename";
  a[na++] = si;
  f[nf++] = sf;
  a[na] = pi;
  f[nf] = pf;
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  char *li = slurp(pi), *lf = slurp(pf);
  assert_non_null(li);
  assert_non_null(lf);
  printf("%s: ffmpeg's playlist\n%s", name, lf);
  assert_string_equal(li, lf);
  /* Every segment the playlist names, with its packets. */
  int nseg = 0;
  for (char *p = lf; (p = strstr(p, fmp4 ? ".m4s" : ".ts")); p++) {
    char *b = p;
    while (b > lf && b[-1] != '\n')
      b--;
    char seg[64];
    snprintf(seg, sizeof seg, "%.*s%s", (int)(p - b), b, fmp4 ? ".m4s" : ".ts");
    char *ki = packets(di, seg, fmp4), *kf = packets(df, seg, fmp4);
    assert_non_null(ki);
    assert_non_null(kf);
    assert_true(strlen(kf) > 0);
    printf("  %s: %.90s...\n", seg, kf);
    assert_string_equal(ki, kf);
    free(ki);
    free(kf);
    nseg++;
  }
  assert_true(nseg >= 2);
  free(li);
  free(lf);
}

/* Sources: a TS whose clock starts near 11.4 s (a broadcast's), keyframes
 * every 2 s, and an MP4 from 0 with keyframes every 1.92 s. */
static void make_sources(void) {
  char ff[600];
  TM_NEED(tm_have_program("ffmpeg", ff, sizeof ff), "ffmpeg");
  if (tm_file_exists(g_ts)) return;
  const char *ts[] = {
      "-i", g_gen, "-c:a", "copy", "-c:v", "libx264", "-g", "50", "-output_ts_offset",
      "10", g_ts,  NULL};
  assert_int_equal(tm_run_ffmpeg(ts), 0);
  const char *mp4[] = {"-i", g_gen, "-c:a", "copy", "-c:v", "libx264", "-g", "48", g_mp4, NULL};
  assert_int_equal(tm_run_ffmpeg(mp4), 0);
  /* An external audio track (a media server's .mka beside the video). */
  const char *mka[] = {"-f",   "lavfi", "-i",  "sine=frequency=660:duration=9:sample_rate=48000",
                       "-c:a", "flac",  g_mka, NULL};
  assert_int_equal(tm_run_ffmpeg(mka), 0);
}

/* One output file of the line through isopipe and ffmpeg: every packet
 * equal. */
static void same_file(const char *name, const char *const *line) {
  char oi[800], of[800], err[4096];
  snprintf(oi, sizeof oi, "%s/%s-is.mkv", g_dir, name);
  snprintf(of, sizeof of, "%s/%s-ff.mkv", g_dir, name);
  const char *a[40] = {"-v", "error", "-y"}, *f[40] = {0};
  int na = 3, nf = 0;
  for (int k = 0; line[k] && na < 36; k++)
    a[na++] = f[nf++] = line[k];
  a[na] = oi;
  f[nf] = of;
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  assert_int_equal(tm_run_ffmpeg(f), 0);
  char *ki = packets(g_dir, strrchr(oi, '/') + 1, false),
       *kf = packets(g_dir, strrchr(of, '/') + 1, false);
  assert_non_null(ki);
  assert_non_null(kf);
  assert_true(strlen(kf) > 0);
  printf("%s: %.90s...\n", name, kf);
  assert_string_equal(ki, kf);
  free(ki);
  free(kf);
}

/* go-vod's chunk (Nextcloud Memories: -ss T -i IN -copyts ... -f hls): the
 * input's clock kept through decode, scale, libx264/aac and the muxer. */
static void t_mpegts_segments(void **state) {
  (void)state;
  make_sources();
  const char *a[] = {"-ss",      "3.3",
                     "-i",       g_ts,
                     "-copyts",  "-avoid_negative_ts",
                     "disabled", "-c:v",
                     "libx264",  "-g",
                     "75",       "-c:a",
                     "aac",      "-f",
                     "hls",      "-hls_time",
                     "3",        "-start_number",
                     "5",        "-hls_segment_type",
                     "mpegts",   NULL};
  same_hls("ts", a, false);
  const char *b[] = {"-ss",         "2.5",  "-i",      g_mp4,       "-copyts", "-vf",
                     "scale=64:-2", "-c:v", "libx264", "-g",        "75",      "-c:a",
                     "aac",         "-f",   "hls",     "-hls_time", "3",       "-start_number",
                     "2",           NULL};
  same_hls("mp4", b, false);
}

/* Jellyfin's HLS transcode: -noaccurate_seek, -start_at_zero, its forced
 * keyframes every 3 s (t counts from the first frame), fMP4 segments too. */
static void t_jellyfin(void **state) {
  (void)state;
  make_sources();
  const char *a[] = {"-ss",
                     "00:00:03.300",
                     "-noaccurate_seek",
                     "-i",
                     g_ts,
                     "-map_metadata",
                     "-1",
                     "-map",
                     "0:0",
                     "-map",
                     "0:1",
                     "-codec:v:0",
                     "libx264",
                     "-preset",
                     "veryfast",
                     "-force_key_frames:0",
                     "expr:gte(t,n_forced*3)",
                     "-sc_threshold:v:0",
                     "0",
                     "-vf",
                     "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709,"
                     "format=yuv420p",
                     "-codec:a:0",
                     "aac",
                     "-ac",
                     "2",
                     "-copyts",
                     "-avoid_negative_ts",
                     "disabled",
                     "-f",
                     "hls",
                     "-max_delay",
                     "5000000",
                     "-hls_time",
                     "3",
                     "-hls_segment_type",
                     "mpegts",
                     "-start_number",
                     "1",
                     "-hls_playlist_type",
                     "vod",
                     "-hls_list_size",
                     "0",
                     NULL};
  same_hls("jf-ts", a, false);
  const char *b[] = {"-ss",
                     "3.3",
                     "-i",
                     g_ts,
                     "-codec:v:0",
                     "libx264",
                     "-force_key_frames:0",
                     "expr:gte(t,n_forced*3)",
                     "-codec:a:0",
                     "aac",
                     "-start_at_zero",
                     "-copyts",
                     "-avoid_negative_ts",
                     "disabled",
                     "-f",
                     "hls",
                     "-hls_time",
                     "3",
                     "-hls_segment_type",
                     "fmp4",
                     "-start_number",
                     "1",
                     NULL};
  same_hls("jf-fmp4", b, true);
  const char *c[] = {"-ss",       "3.3", "-i",   g_ts,        "-c:v",    "libx264",
                     "-g",        "75",  "-c:a", "aac",       "-copyts", "-avoid_negative_ts",
                     "make_zero", "-f",  "hls",  "-hls_time", "3",       NULL};
  same_hls("mkzero", c, false);
}

/* Jellyfin's HLS transcode with a -filter_complex (its burned-in picture
 * subtitles are an overlay): the graph's filters see the input's clock, as
 * ffmpeg's, so the segments and every packet are ffmpeg's. */
static void t_fcomplex(void **state) {
  (void)state;
  make_sources();
  const char *a[] = {"-ss",
                     "3.3",
                     "-i",
                     g_ts,
                     "-filter_complex",
                     "[0:v]split[m][s];[s]scale=32:-2[p];[m][p]overlay=10:10,format=yuv420p[v];"
                     "[0:a]volume=2[a]",
                     "-map",
                     "[v]",
                     "-map",
                     "[a]",
                     "-c:v",
                     "libx264",
                     "-g",
                     "75",
                     "-c:a",
                     "aac",
                     "-copyts",
                     "-avoid_negative_ts",
                     "disabled",
                     "-f",
                     "hls",
                     "-hls_time",
                     "3",
                     "-hls_segment_type",
                     "mpegts",
                     NULL};
  same_hls("fc", a, false);
}

/* Jellyfin's HLS transcode with an external audio track: a second input,
 * sought as the first, each stream on its own file's clock. */
static void t_two_inputs(void **state) {
  (void)state;
  make_sources();
  const char *a[] = {"-ss",
                     "3.3",
                     "-i",
                     g_ts,
                     "-ss",
                     "3.3",
                     "-i",
                     g_mka,
                     "-map",
                     "0:0",
                     "-map",
                     "1:0",
                     "-codec:v:0",
                     "libx264",
                     "-force_key_frames:0",
                     "expr:gte(t,n_forced*3)",
                     "-codec:a:0",
                     "aac",
                     "-copyts",
                     "-avoid_negative_ts",
                     "disabled",
                     "-start_at_zero",
                     "-f",
                     "hls",
                     "-hls_time",
                     "3",
                     "-hls_segment_type",
                     "mpegts",
                     "-start_number",
                     "1",
                     NULL};
  same_hls("ext-audio", a, false);
  /* The second input read from its start, the first sought. */
  const char *b[] = {"-ss",           "3.3",  "-i",      g_ts,   "-i",      g_mka,       "-map",
                     "0:v",           "-map", "1:a",     "-c:v", "libx264", "-g",        "45",
                     "-c:a",          "aac",  "-copyts", "-f",   "hls",     "-hls_time", "3",
                     "-start_number", "0",    NULL};
  same_hls("ext-audio-0", b, false);
}

/* ffmpeg 5.1 puts an MPEG-TS on its clock from the earliest start of the
 * streams it reads, not the container's (whose AAC, primed, starts a frame
 * before the video): a video-only read keeps the video's own start. */
static void t_used_streams(void **state) {
  (void)state;
  make_sources();
  const char *a[] = {"-i", g_ts, "-map", "0:v", "-c:v", "libx264", "-copyts", NULL};
  same_file("used-enc", a);
  const char *b[] = {"-ss",     "3.3", "-i", g_ts,      "-map",           "0:v", "-c:v",
                     "libx264", "-g",  "75", "-copyts", "-start_at_zero", NULL};
  same_file("used-enc-saz", b);
  const char *c[] = {"-i", g_ts, "-map", "0:v", "-c:v", "copy", "-copyts", "-start_at_zero", NULL};
  same_file("used-copy-saz", c);
  const char *d[] = {
      "-ss", "3.3", "-i", g_ts, "-map", "0:v", "-c:v", "copy", "-copyts", "-start_at_zero", NULL};
  same_file("used-copy-ss", d);
}

/* An output -ss and -t with -copyts, as ffmpeg's output trim: on the
 * input's clock, after the filters, timestamps less that -ss. The wiki's
 * burn-in with a seek ("-ss T -copyts -i IN -ss T -vf subtitles=...")
 * keeps the filters on the input's clock; fade at 2.2 s shows it. An -ss
 * after -i alone, with a stream copied beside, and an -ss before -i that
 * leaves nothing of -t 1 (the TS's clock starts past it) fail or write as
 * ffmpeg's. */
static void t_output_window(void **state) {
  (void)state;
  make_sources();
  char fi[800], ff[800], why[512], err[4096];
  snprintf(fi, sizeof fi, "%s/burn-is.framemd5", g_dir);
  snprintf(ff, sizeof ff, "%s/burn-ff.framemd5", g_dir);
  const char *burn[] = {"-y",    "-v",
                        "error", "-ss",
                        "2",     "-copyts",
                        "-i",    g_mp4,
                        "-ss",   "2",
                        "-t",    "1",
                        "-vf",   "fade=in:st=2.2:d=0.3",
                        "-af",   "afade=in:st=2.2:d=0.3",
                        "-c:v",  "rawvideo",
                        "-c:a",  "pcm_s16le",
                        "-f",    "framemd5",
                        fi,      NULL};
  if (ch_run_err(burn, err, sizeof err) != 0) fail_msg("burn-in line: %s", err);
  burn[22] = ff;
  assert_int_equal(tm_run_ffmpeg(burn + 3), 0);
  int lines = 0;
  if (!tm_framemd5_equal(fi, ff, &lines, why, sizeof why)) fail_msg("burn-in line: %s", why);
  assert_true(lines > 60);
  /* The same through -filter_complex, audio mapped beside it. */
  const char *fc[] = {"-y",
                      "-v",
                      "error",
                      "-ss",
                      "2",
                      "-copyts",
                      "-i",
                      g_mp4,
                      "-ss",
                      "2",
                      "-t",
                      "1",
                      "-filter_complex",
                      "[0:v]fade=in:st=2.2:d=0.3[v]",
                      "-map",
                      "[v]",
                      "-map",
                      "0:a",
                      "-c:v",
                      "rawvideo",
                      "-c:a",
                      "pcm_s16le",
                      "-f",
                      "framemd5",
                      fi,
                      NULL};
  if (ch_run_err(fc, err, sizeof err) != 0) fail_msg("-filter_complex line: %s", err);
  fc[24] = ff;
  assert_int_equal(tm_run_ffmpeg(fc + 3), 0);
  if (!tm_framemd5_equal(fi, ff, &lines, why, sizeof why))
    fail_msg("-filter_complex line: %s", why);
  const char *mixed[] = {"-i",      g_ts,   "-ss",  "2",       "-c:v",
                         "libx264", "-c:a", "copy", "-copyts", NULL};
  same_file("outss", mixed);
  char out[800];
  snprintf(out, sizeof out, "%s/empty.mkv", g_dir);
  const char *b[] = {"-y",   "-ss",     "2",    "-i",  g_ts,      "-t", "1",
                     "-c:v", "libx264", "-c:a", "aac", "-copyts", out,  NULL};
  assert_int_equal(ch_run_err(b, err, sizeof err), 1);
  assert_non_null(strstr(err, "with -copyts the output's -t/-to end at"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_mpegts_segments), cmocka_unit_test(t_jellyfin),
      cmocka_unit_test(t_fcomplex),        cmocka_unit_test(t_two_inputs),
      cmocka_unit_test(t_used_streams),    cmocka_unit_test(t_output_window),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
