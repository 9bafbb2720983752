/* Unit tests of cx_dec: decoding and draining real clips, and the corpus' first frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codecs/codecs.h"
#include "media_gen.h"
#include "test_media.h"
#include "tsan_codec.h"

#include "test_need.h"
#include <dirent.h>
#include <stdio.h>
#include <string.h>

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
  return tm_gen_clip(clip, sizeof clip, dir, "av.mp4", &o) < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(dir);
  return 0;
}

typedef struct decoded {
  int frames;
  int64_t samples;
  int64_t first_pts, last_pts;
  bool monotonic;
  int errors;
} decoded;

static void take(cx_dec *dec, AVFrame *fr, decoded *out) {
  int ret;
  while ((ret = cx_dec_receive(dec, fr)) == 0) {
    assert_int_equal(
        fr->pts, fr->best_effort_timestamp == AV_NOPTS_VALUE ? fr->pts : fr->best_effort_timestamp);
    if (out->frames && fr->pts <= out->last_pts) out->monotonic = false;
    if (!out->frames) out->first_pts = fr->pts;
    out->last_pts = fr->pts;
    out->frames++;
    out->samples += fr->nb_samples;
    av_frame_unref(fr);
  }
  assert_true(ret == AVERROR(EAGAIN) || ret == AVERROR_EOF);
}

/* Decodes every packet of the best stream of a type; max_frames 0 = all. */
static int decode_stream(const char *path, enum AVMediaType type, int threads, int max_frames,
                         decoded *out, char *err) {
  memset(out, 0, sizeof *out);
  out->monotonic = true;
  cx_demux *d = NULL;
  int ret = cx_demux_open(&d, path, NULL, err);
  if (ret < 0) return ret;
  int si = cx_demux_best_stream(d, type);
  if (si < 0) {
    cx_demux_close(&d);
    return AVERROR_STREAM_NOT_FOUND;
  }
  AVStream *st = cx_demux_ctx(d)->streams[si];
  cx_dec *dec = NULL;
  ret = cx_dec_open(&dec, st->codecpar, st->time_base, threads, err);
  if (ret < 0) {
    cx_demux_close(&d);
    return ret;
  }
  assert_int_equal(cx_dec_ctx(dec)->pkt_timebase.den, st->time_base.den);
  AVPacket *pkt = av_packet_alloc();
  AVFrame *fr = av_frame_alloc();
  while ((ret = cx_demux_read(d, pkt)) == 0) {
    if (pkt->stream_index == si) {
      if (cx_dec_send(dec, pkt) < 0) out->errors++;
      take(dec, fr, out);
    }
    av_packet_unref(pkt);
    if (max_frames && out->frames >= max_frames) break;
  }
  assert_int_equal(cx_dec_send(dec, NULL), 0);
  take(dec, fr, out);
  assert_int_equal(cx_dec_receive(dec, fr), AVERROR_EOF);
  av_packet_free(&pkt);
  av_frame_free(&fr);
  cx_dec_close(&dec);
  assert_null(dec);
  cx_demux_close(&d);
  return 0;
}

static void test_video_all_frames(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  for (int threads = 0; threads <= 2; threads++) {
    decoded v;
    assert_int_equal(decode_stream(clip, AVMEDIA_TYPE_VIDEO, threads, 0, &v, err), 0);
    /* All 30 frames come out, B-frames reordered back into pts order. */
    assert_int_equal(v.frames, 30);
    assert_true(v.monotonic);
    assert_int_equal(v.errors, 0);
  }
}

static void test_audio_all_samples(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  decoded a;
  assert_int_equal(decode_stream(clip, AVMEDIA_TYPE_AUDIO, 0, 0, &a, err), 0);
  assert_true(a.monotonic);
  /* 48000 samples were encoded; AAC priming is trimmed by the edit list. */
  assert_true(a.samples >= 48000 - 1024 && a.samples <= 48000 + 1024);
}

static void test_no_decoder(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  AVCodecParameters *par = avcodec_parameters_alloc();
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = AV_CODEC_ID_NONE;
  cx_dec *dec = NULL;
  assert_true(cx_dec_open(&dec, par, (AVRational){1, 25}, 0, err) < 0);
  assert_null(dec);
  assert_non_null(strstr(err, "no decoder"));
  avcodec_parameters_free(&par);
}

static void test_corrupt_packets_counted(void **state) {
  (void)state;
  char path[1024], err[CX_ERRLEN] = "";
  TM_NEED(tm_corpus_file("broken/invalid-bitstream.webm", path, sizeof path),
          "the media corpus (broken/invalid-bitstream.webm)");
  decoded v;
  /* Errors are reported per packet, the decoder goes on and drains. */
  assert_int_equal(decode_stream(path, AVMEDIA_TYPE_VIDEO, 1, 0, &v, err), 0);
  assert_true(v.errors > 0);
}

/* libavcodec's "get_buffer() failed" for a picture of a valid size is an
 * allocation that failed inside it (h264 then reports invalid data): after
 * that line, the decoder's next error reads as out of memory. Without it,
 * the same bad packet is an ordinary decode error. */
static void test_get_buffer_failure_is_memory(void **state) {
  (void)state;
  char err[CX_ERRLEN] = "";
  for (int note = 0; note < 2; note++) {
    cx_demux *d = NULL;
    assert_int_equal(cx_demux_open(&d, clip, NULL, err), 0);
    int si = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
    AVStream *st = cx_demux_ctx(d)->streams[si];
    cx_dec *dec = NULL;
    assert_int_equal(cx_dec_open(&dec, st->codecpar, st->time_base, 1, err), 0);
    AVPacket *pkt = av_packet_alloc();
    while (cx_demux_read(d, pkt) == 0 && pkt->stream_index != si)
      av_packet_unref(pkt);
    assert_int_equal(cx_dec_send(dec, pkt), 0);
    if (note) cx_dec_log_note(cx_dec_ctx(dec), "get_buffer() failed\n", 0);
    /* The keyframe again, its first NAL unit's length (avcC) now larger
     * than the packet: the decoder refuses it. */
    memset(pkt->data, 0xff, 4);
    int ret = 0;
    AVFrame *fr = av_frame_alloc();
    for (int k = 0; k < 8 && ret >= 0; k++) {
      ret = cx_dec_send(dec, pkt);
      while (ret >= 0 && (ret = cx_dec_receive(dec, fr)) == 0)
        av_frame_unref(fr);
      if (ret == AVERROR(EAGAIN)) ret = 0;
    }
    if (note)
      assert_int_equal(ret, AVERROR(ENOMEM));
    else
      assert_true(ret < 0 && ret != AVERROR(ENOMEM));
    av_frame_free(&fr);
    av_packet_free(&pkt);
    cx_dec_close(&dec);
    cx_demux_close(&d);
  }
}

/* Every corpus file in video/ and audio/ opens and decodes its first frames,
 * except the one FFmpeg 5.1 cannot decode (xHE-AAC, see MANIFEST.md). */
static void test_corpus_first_frames(void **state) {
  (void)state;
  const char *root = tm_corpus_dir();
  TM_NEED(root, "the media corpus");
  static const char *sub[] = {"video", "audio"};
  int files = 0;
  for (int s = 0; s < 2; s++) {
    char dpath[1024];
    snprintf(dpath, sizeof dpath, "%s/%s", root, sub[s]);
    DIR *dh = opendir(dpath);
    if (!dh) continue;
    struct dirent *e;
    while ((e = readdir(dh))) {
      if (e->d_name[0] == '.') continue;
      char path[2048], err[CX_ERRLEN] = "";
      snprintf(path, sizeof path, "%s/%s", dpath, e->d_name);
      bool unsupported = strstr(e->d_name, "xhe-aac") != NULL;
      int got = 0;
      for (int t = 0; t < 2; t++) {
        enum AVMediaType type = t ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
        decoded r;
        int ret = decode_stream(path, type, 0, 3, &r, err);
        if (ret == AVERROR_STREAM_NOT_FOUND) continue;
        if (unsupported) continue;
        if (ret < 0) fail_msg("%s: %s", e->d_name, err);
        if (r.frames < 1) fail_msg("%s: no %s frame", e->d_name, t ? "audio" : "video");
        got++;
      }
      if (!unsupported && !got) fail_msg("%s: no stream decoded", e->d_name);
      files++;
    }
    closedir(dh);
  }
  print_message("%d corpus files decoded\n", files);
  assert_true(files > 0);
}

TM_TSAN_CODEC_ONLY()

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_video_all_frames),
      cmocka_unit_test(test_audio_all_samples),
      cmocka_unit_test(test_no_decoder),
      cmocka_unit_test(test_corrupt_packets_counted),
      cmocka_unit_test(test_corpus_first_frames),
      cmocka_unit_test(test_get_buffer_failure_is_memory),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
