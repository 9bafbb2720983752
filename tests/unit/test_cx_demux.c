/* Unit tests of cx_demux: reading, seeking, refusing hostile formats and protocols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codecs/codecs.h"
#include "media_gen.h"
#include "test_media.h"

#include "test_need.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char dir[512];
static char clip[1024];

static int setup(void **state) {
  (void)state;
  av_log_set_level(AV_LOG_QUIET);
  if (tm_tmpdir_make(dir, sizeof dir) < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.width = 160;
  o.height = 120;
  o.duration = 1.0;
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.gop = 10;
  return tm_gen_clip(clip, sizeof clip, dir, "av.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(dir);
  return 0;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_open_read(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, clip, NULL, err), 0);
  int v = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
  int a = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  assert_true(v >= 0);
  assert_true(a >= 0);
  assert_int_not_equal(v, a);
  assert_int_equal(cx_demux_best_stream(d, AVMEDIA_TYPE_SUBTITLE), -1);
  int64_t dur = cx_demux_duration_us(d);
  assert_true(dur > 900000 && dur < 1100000);
  AVPacket *pkt = av_packet_alloc();
  int counts[2] = {0, 0}, ret;
  while ((ret = cx_demux_read(d, pkt)) == 0) {
    assert_true(pkt->stream_index == v || pkt->stream_index == a);
    counts[pkt->stream_index == v]++;
    av_packet_unref(pkt);
  }
  assert_int_equal(ret, AVERROR_EOF);
  assert_int_equal(counts[1], 30); /* one packet per video frame */
  assert_true(counts[0] >= 46);    /* 48000 samples in 1024-sample AAC frames */
  av_packet_free(&pkt);
  cx_demux_close(&d);
  assert_null(d);
  cx_demux_close(&d); /* idempotent */
}

static void test_missing_file(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "", path[1024];
  cx_demux *d = NULL;
  int ret = cx_demux_open(&d, tm_path(path, sizeof path, dir, "nope.mp4"), NULL, err);
  assert_int_equal(ret, AVERROR(ENOENT));
  assert_null(d);
  assert_non_null(strstr(err, "nope.mp4"));
}

static void test_refuse_hls(void **state) {
  (void)state;
  char path[1024], err[CX_ERRLEN] = "";
  tm_path(path, sizeof path, dir, "evil.m3u8");
  write_file(path, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
                   "#EXTINF:10.0,\nfile:///etc/passwd\n#EXTINF:10.0,\n/etc/passwd\n"
                   "#EXT-X-ENDLIST\n");
  cx_demux *d = NULL;
  int ret = cx_demux_open(&d, path, NULL, err);
  assert_true(ret < 0);
  assert_null(d);
  assert_non_null(strstr(err, "format 'hls' opens other files; allow it with -allow_formats hls"));
  /* Allowed explicitly, our refusal is gone (whatever hls makes of it). */
  cx_demux_opts o = {.allow_formats = "concat,hls"};
  err[0] = 0;
  ret = cx_demux_open(&d, path, &o, err);
  print_message("hls allowed: ret %d, %s\n", ret, err);
  assert_null(strstr(err, "allow it with"));
  cx_demux_close(&d);
}

static void test_refuse_concat(void **state) {
  (void)state;
  char path[1024], err[CX_ERRLEN] = "", text[2048];
  tm_path(path, sizeof path, dir, "list.ffconcat");
  snprintf(text, sizeof text, "ffconcat version 1.0\nfile '%s'\nfile '/etc/passwd'\n", clip);
  write_file(path, text);
  cx_demux *d = NULL;
  assert_true(cx_demux_open(&d, path, NULL, err) < 0);
  assert_non_null(strstr(err, "format 'concat'"));
  /* A forced format is checked too. */
  cx_demux_opts o = {.format = "concat"};
  assert_true(cx_demux_open(&d, clip, &o, err) < 0);
  assert_non_null(strstr(err, "format 'concat'"));
  assert_null(d);
}

static void test_refuse_image2_pattern(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_demux *d = NULL;
  /* The file exists, so only the pattern check can refuse it. */
  char real[1024];
  snprintf(real, sizeof real, "%s/av%%*.mp4", dir);
  FILE *in = fopen(clip, "rb"), *out = fopen(real, "wb");
  assert_non_null(in);
  assert_non_null(out);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, n, out);
  fclose(in);
  fclose(out);
  cx_demux_opts o = {.format = "image2"};
  assert_true(cx_demux_open(&d, real, &o, err) < 0);
  assert_non_null(strstr(err, "format 'image2'"));
  assert_null(d);
}

static void test_refuse_protocols(void **state) {
  (void)state;
  static const char *urls[] = {"http://127.0.0.1:9/x.mp4", "tcp://127.0.0.1:9",
                               "concat:/etc/passwd|/etc/passwd", "subfile,,0,10,:/etc/passwd",
                               "data:video/mp4;base64,AAAA"};
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
    char err[CX_ERRLEN] = "";
    cx_demux *d = NULL;
    int ret = cx_demux_open(&d, urls[i], NULL, err);
    assert_true(ret < 0);
    assert_null(d);
    if (!strstr(err, "not allowed")) fail_msg("%s: %s", urls[i], err);
  }
  /* A narrower whitelist refuses even files. */
  char err[CX_ERRLEN] = "";
  cx_demux *d = NULL;
  cx_demux_opts o = {.protocol_whitelist = "pipe"};
  assert_true(cx_demux_open(&d, clip, &o, err) < 0);
  assert_non_null(strstr(err, "protocol 'file' not allowed"));
}

/* "-" reads stdin through the pipe protocol, probing included. */
static void test_stdin(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  int saved = dup(0), fd = open(clip, O_RDONLY);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, 0);
  close(fd);
  cx_demux *d = NULL;
  int ret = cx_demux_open(&d, "-", NULL, err);
  int packets = 0;
  if (ret == 0) {
    AVPacket *pkt = av_packet_alloc();
    while (cx_demux_read(d, pkt) == 0) {
      packets++;
      av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    assert_true(cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO) >= 0);
    cx_demux_close(&d);
  }
  dup2(saved, 0);
  close(saved);
  if (ret != 0) fail_msg("stdin: %s", err);
  assert_true(packets > 60);
  /* Not when the whitelist leaves pipe out. */
  cx_demux_opts o = {.protocol_whitelist = "file"};
  assert_true(cx_demux_open(&d, "-", &o, err) < 0);
  assert_non_null(strstr(err, "protocol 'pipe' not allowed"));
}

static void test_seek(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  cx_demux *d = NULL;
  cx_demux_opts o = {.start_us = 500000};
  assert_int_equal(cx_demux_open(&d, clip, &o, err), 0);
  AVFormatContext *fmt = cx_demux_ctx(d);
  int64_t start = fmt->start_time == AV_NOPTS_VALUE ? 0 : fmt->start_time;
  assert_int_equal(cx_demux_start_us(d), start + 500000);
  int v = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
  AVPacket *pkt = av_packet_alloc();
  int64_t first = AV_NOPTS_VALUE;
  int nv = 0;
  while (cx_demux_read(d, pkt) == 0) {
    if (pkt->stream_index == v) {
      if (first == AV_NOPTS_VALUE) {
        first = av_rescale_q(pkt->pts, fmt->streams[v]->time_base, AV_TIME_BASE_Q);
        assert_true(pkt->flags & AV_PKT_FLAG_KEY);
      }
      nv++;
    }
    av_packet_unref(pkt);
  }
  /* gop 10 at 30 fps: keyframes at 0, 1/3, 2/3 s; the seek lands on 1/3 s. */
  assert_true(first <= cx_demux_start_us(d));
  assert_true(first > start + 300000);
  assert_true(nv < 30);
  av_packet_free(&pkt);
  cx_demux_close(&d);
}

static void test_attached_pic_skipped(void **state) {
  (void)state;
  char path[1024], err[CX_ERRLEN] = "";
  TM_NEED(tm_corpus_file("video/big_buck_bunny_metadata.m4v", path, sizeof path),
          "the media corpus (video/big_buck_bunny_metadata.m4v)");
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, path, NULL, err), 0);
  int v = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
  assert_true(v >= 0);
  AVStream *st = cx_demux_ctx(d)->streams[v];
  assert_int_equal(st->codecpar->codec_id, AV_CODEC_ID_H264);
  assert_false(st->disposition & AV_DISPOSITION_ATTACHED_PIC);
  cx_demux_close(&d);
}

/* mpegts with an early SCTE-35 data stream: the output's zero is where the
 * used streams start (as ffmpeg computes it), and unused streams are silent. */
static void test_select_and_ts_start(void **state) {
  (void)state;
  char path[1024], err[CX_ERRLEN] = "";
  TM_NEED(tm_corpus_file("video/sample_scte35.ts", path, sizeof path),
          "the media corpus (video/sample_scte35.ts)");
  cx_demux *d = NULL;
  assert_int_equal(cx_demux_open(&d, path, NULL, err), 0);
  AVFormatContext *fmt = cx_demux_ctx(d);
  int v = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO),
      a = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  assert_true(v >= 0 && a >= 0);
  int64_t sv =
      av_rescale_q(fmt->streams[v]->start_time, fmt->streams[v]->time_base, AV_TIME_BASE_Q);
  int64_t sa =
      av_rescale_q(fmt->streams[a]->start_time, fmt->streams[a]->time_base, AV_TIME_BASE_Q);
  assert_true(cx_demux_start_us(d) > fmt->start_time);
  assert_int_equal(cx_demux_start_us(d), sv < sa ? sv : sa);
  /* Video only: the start is the video's, and no audio packet comes. */
  bool used[64] = {false};
  assert_true(fmt->nb_streams <= 64);
  used[v] = true;
  cx_demux_select(d, used);
  assert_int_equal(cx_demux_start_us(d), sv > fmt->start_time ? sv : fmt->start_time);
  AVPacket *pkt = av_packet_alloc();
  int nv = 0;
  while (cx_demux_read(d, pkt) == 0) {
    assert_int_equal(pkt->stream_index, v);
    nv++;
    av_packet_unref(pkt);
  }
  assert_true(nv > 0);
  av_packet_free(&pkt);
  cx_demux_close(&d);
}

static void test_corpus_broken(void **state) {
  (void)state;
  static const char *bad[] = {"broken/emptyfile.mp3", "broken/sample_malformed_free_box.mp4",
                              "broken/chunk_out_of_range.mp4",
                              "broken/clusterfuzz-testcase-minimized-mp4-6093954524250112",
                              "broken/06_-_missing_streaminfo_metadata_block.flac"};
  TM_NEED(tm_corpus_dir(), "the media corpus");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[1024], err[CX_ERRLEN] = "";
    if (!tm_corpus_file(bad[i], path, sizeof path)) continue;
    cx_demux *d = NULL;
    int ret = cx_demux_open(&d, path, NULL, err);
    if (ret == 0) {
      /* If it opens after all, reading must still end cleanly. */
      AVPacket *pkt = av_packet_alloc();
      while (cx_demux_read(d, pkt) == 0)
        av_packet_unref(pkt);
      av_packet_free(&pkt);
      cx_demux_close(&d);
    } else {
      assert_null(d);
      assert_true(strlen(err) > 0);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_read),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_refuse_hls),
      cmocka_unit_test(test_refuse_concat),
      cmocka_unit_test(test_refuse_image2_pattern),
      cmocka_unit_test(test_refuse_protocols),
      cmocka_unit_test(test_stdin),
      cmocka_unit_test(test_seek),
      cmocka_unit_test(test_attached_pic_skipped),
      cmocka_unit_test(test_select_and_ts_start),
      cmocka_unit_test(test_corpus_broken),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
