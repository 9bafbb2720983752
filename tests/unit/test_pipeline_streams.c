/* Pipeline tests: stream copy, selection, trimming, scaling, pixel/sample formats, rotation,
 * options. */
#include "test_need.h"
#include "test_pipeline_util.h"

static char g_dir[512];

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* Runs in -> dir/out with the extra pairs; probes (decoding) the output. */
static void transcode(const char *in_clip, const char *out_name, const char *const *extra,
                      tm_probe *probe) {
  char in[1024], out[1024];
  tp_media(in_clip, in, sizeof in);
  tm_path(out, sizeof out, g_dir, out_name);
  const char *kv[40] = {"i", in, "o", out, "overwrite", "1"};
  int n = 6;
  for (int i = 0; extra && extra[i]; i++)
    kv[n++] = extra[i];
  kv[n] = NULL;
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s -> %s: %s", in_clip, out_name, r.error);
  assert_int_equal(tm_probe_file(out, true, probe), 0);
}

static void t_copy_video_transcode_audio(void **state) {
  (void)state;
  char in[1024];
  tm_probe pin, p;
  assert_int_equal(tm_probe_file(tp_media("clip-h264-aac.mp4", in, sizeof in), true, &pin), 0);
  const char *x[] = {"c:v", "copy", "c:a", "libopus", NULL};
  transcode("clip-h264-aac.mp4", "copy.mkv", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_non_null(v);
  assert_non_null(a);
  assert_string_equal(v->codec, "h264");
  assert_string_equal(a->codec, "opus");
  /* Every packet came over unchanged in number; they decode to every frame. */
  assert_int_equal(v->packets, tm_probe_stream(&pin, AVMEDIA_TYPE_VIDEO)->packets);
  assert_int_equal(v->frames, 60);
  assert_int_equal(p.decode_errors, 0);
}

static void t_copy_all(void **state) {
  (void)state;
  const char *x[] = {"c", "copy", NULL};
  tm_probe p;
  transcode("clip-vp9-opus.webm", "copyall.mkv", x, &p);
  assert_string_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->codec, "vp9");
  assert_string_equal(tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO)->codec, "opus");
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 60);
}

static void t_no_audio(void **state) {
  (void)state;
  const char *x[] = {"an", "1", "c:v", "mpeg4", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "an.mp4", x, &p);
  assert_int_equal(p.nb_streams, 1);
  assert_non_null(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO));
}

static void t_no_video(void **state) {
  (void)state;
  const char *x[] = {"vn", "1", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "vn.mp4", x, &p);
  assert_int_equal(p.nb_streams, 1);
  assert_non_null(tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO));
}

static void t_map_audio_only(void **state) {
  (void)state;
  const char *x[] = {"map", "0:a:0", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "map.mkv", x, &p);
  assert_int_equal(p.nb_streams, 1);
  assert_non_null(tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO));
}

static void t_map_by_index(void **state) {
  (void)state;
  const char *x[] = {"map", "0:1", "map", "0:0", "c:v", "mpeg4", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "mapidx.mkv", x, &p);
  assert_int_equal(p.nb_streams, 2);
  /* The order of -map is the order of the output streams. */
  assert_int_equal(p.st[0].type, AVMEDIA_TYPE_AUDIO);
  assert_int_equal(p.st[1].type, AVMEDIA_TYPE_VIDEO);
}

static void t_trim_ss_t(void **state) {
  (void)state;
  const char *x[] = {"ss", "0.5", "t", "1", "preset", "ultrafast", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "trim.mp4", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_int_equal(v->frames, 30); /* 1 s at 30 fps */
  double ad = (double)a->samples / a->sample_rate;
  if (tp_absd(ad - 1.0) > 1024.0 / a->sample_rate + 1e-3) fail_msg("audio lasts %.4f s", ad);
  assert_true(v->start < 0.034 && a->start < 0.034);
}

static void t_trim_to(void **state) {
  (void)state;
  const char *x[] = {"ss", "0.25", "to", "1.25", "c:v", "mpeg4", "c:a", "pcm_s16le", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "to.mov", x, &p);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 30);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_int_equal(a->samples, 48000); /* sample-exact: pcm has no frame size */
}

static void t_scale_keep_aspect(void **state) {
  (void)state;
  const char *x[] = {"vf", "scale=160:-2", "c:v", "mpeg4", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "scale.mp4", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_int_equal(v->width, 160);
  assert_int_equal(v->height, 120);
}

static void t_odd_size(void **state) {
  (void)state;
  const char *x[] = {"c:v", "mpeg4", NULL};
  tm_probe p;
  transcode("clip-161x121-vp9.webm", "odd.mp4", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_int_equal(v->width, 161);
  assert_int_equal(v->height, 121);
  assert_int_equal(v->frames, 30);
}

static void t_10bit_to_8bit(void **state) {
  (void)state;
  const char *x[] = {"pix_fmt", "yuv420p", "preset", "ultrafast", NULL};
  tm_probe p;
  transcode("clip-hevc-10bit.mkv", "8bit.mp4", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_string_equal(v->codec, "h264");
  assert_int_equal(v->pix_fmt, AV_PIX_FMT_YUV420P);
  assert_int_equal(v->frames, 24);
}

static void t_fps_change(void **state) {
  (void)state;
  const char *x[] = {"r", "15", "c:v", "mpeg4", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "fps.mkv", x, &p);
  /* ffmpeg 5.1's count: mkv is vfr, which only drops (test_pipeline_vsync
   * compares every method with ffmpeg itself). */
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 31);
}

static void t_rotation_kept(void **state) {
  (void)state;
  const char *x[] = {"preset", "ultrafast", "autorotate", "0", NULL};
  tm_probe p;
  transcode("clip-rotate90.mp4", "rot.mp4", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_true(v->has_rotation);
  assert_true(tp_absd(tp_absd(v->rotation) - 90) < 0.5);
  /* Without autorotate, kept as metadata: the pictures are not turned. */
  assert_int_equal(v->width, 240);
  assert_int_equal(v->height, 160);
}

/* By default the pictures are turned (as ffmpeg) and the matrix is gone,
 * in MP4 and in MKV; a scale after it sees the upright picture. */
static void t_rotation_applied(void **state) {
  (void)state;
  const char *outs[] = {"rot.mp4", "rot.mkv"};
  for (int i = 0; i < 2; i++) {
    const char *x[] = {"preset", "ultrafast", NULL};
    tm_probe p;
    transcode("clip-rotate90.mp4", outs[i], x, &p);
    const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
    assert_false(v->has_rotation);
    assert_int_equal(v->width, 160);
    assert_int_equal(v->height, 240);
  }
  const char *x[] = {"preset", "ultrafast", "vf", "scale=80:-2", NULL};
  tm_probe p;
  transcode("clip-rotate90.mp4", "rots.mkv", x, &p);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_int_equal(v->width, 80);
  assert_int_equal(v->height, 120);
}

static void t_surround_to_stereo_resampled(void **state) {
  (void)state;
  const char *x[] = {"vn", "1", "c:a", "aac", "ac", "2", "ar", "44100", NULL};
  tm_probe p;
  transcode("clip-5.1-flac.mkv", "stereo.m4a", x, &p);
  const tm_stream *a = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_int_equal(a->channels, 2);
  assert_int_equal(a->sample_rate, 44100);
  double d = (double)a->samples / a->sample_rate;
  if (tp_absd(d - 1.0) > 1024.0 / 44100 + 1e-3) fail_msg("audio lasts %.4f s", d);
}

static void t_mp3_downmix_by_encoder(void **state) {
  (void)state;
  /* libmp3lame has no 5.1: the encoder's best layout is picked. */
  const char *x[] = {NULL};
  tm_probe p;
  transcode("clip-5.1-flac.mkv", "down.mp3", x, &p);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO)->channels, 2);
}

static void t_bitrate_option(void **state) {
  (void)state;
  const char *lo[] = {"an", "1", "c:v", "mpeg4", "b:v", "50k", NULL};
  const char *hi[] = {"an", "1", "c:v", "mpeg4", "b:v", "2M", NULL};
  tm_probe a, b;
  transcode("clip-h264-aac.mp4", "lo.mp4", lo, &a);
  transcode("clip-h264-aac.mp4", "hi.mp4", hi, &b);
  assert_true(b.size > 2 * a.size);
}

static void t_fixed_quantizer(void **state) {
  (void)state;
  const char *fine[] = {"an", "1", "c:v", "mpeg4", "q:v", "2", NULL};
  const char *coarse[] = {"an", "1", "c:v", "mpeg4", "q:v", "20", NULL};
  tm_probe a, b;
  transcode("clip-h264-aac.mp4", "q2.mp4", fine, &a);
  transcode("clip-h264-aac.mp4", "q20.mp4", coarse, &b);
  assert_true(a.size > 2 * b.size);
}

static void t_passthrough_avoption(void **state) {
  (void)state;
  /* g (gop) and a private x264 option by name, for the video encoder only. */
  const char *x[] = {"an",     "1",         "g",        "5",          "tune:v", "zerolatency",
                     "preset", "ultrafast", "movflags", "+faststart", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "opts.mp4", x, &p);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 60);
}

static void t_subtitles_by_format(void **state) {
  (void)state;
  char in[1024], out[1024];
  TM_NEED(tm_corpus_file("video/sample_with_ssa_subtitles.mkv", in, sizeof in),
          "the media corpus (video/sample_with_ssa_subtitles.mkv)");
  tm_path(out, sizeof out, g_dir, "subs.mp4");
  const char *kv[] = {"i", in, "o", out, "preset", "ultrafast", "s", "320x240", NULL};
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s", r.error);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  assert_int_equal(p.nb_streams, 2); /* mp4 has no default subtitle encoder */
  /* mkv's is ass: the ASS track is re-encoded, as ffmpeg does. */
  tm_path(out, sizeof out, g_dir, "subs.mkv");
  kv[3] = out;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s", r.error);
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  assert_int_equal(p.nb_streams, 3);
  assert_int_equal(p.st[2].type, AVMEDIA_TYPE_SUBTITLE);
  kv[6] = "sn"; /* -sn leaves it out */
  kv[7] = "1";
  tm_path(out, sizeof out, g_dir, "subs-sn.mkv");
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s", r.error);
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  assert_int_equal(p.nb_streams, 2);
}

static void t_metadata(void **state) {
  (void)state;
  char out[1024];
  const char *x[] = {"metadata", "title=isopipe test", "c:v", "mpeg4", NULL};
  tm_probe p;
  transcode("clip-h264-aac.mp4", "meta.mkv", x, &p);
  tm_path(out, sizeof out, g_dir, "meta.mkv");
  AVFormatContext *fmt = NULL;
  assert_int_equal(avformat_open_input(&fmt, out, NULL, NULL), 0);
  const AVDictionaryEntry *e = av_dict_get(fmt->metadata, "title", NULL, 0);
  assert_non_null(e);
  assert_string_equal(e->value, "isopipe test");
  avformat_close_input(&fmt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_copy_video_transcode_audio),
      cmocka_unit_test(t_copy_all),
      cmocka_unit_test(t_no_audio),
      cmocka_unit_test(t_no_video),
      cmocka_unit_test(t_map_audio_only),
      cmocka_unit_test(t_map_by_index),
      cmocka_unit_test(t_trim_ss_t),
      cmocka_unit_test(t_trim_to),
      cmocka_unit_test(t_scale_keep_aspect),
      cmocka_unit_test(t_odd_size),
      cmocka_unit_test(t_10bit_to_8bit),
      cmocka_unit_test(t_fps_change),
      cmocka_unit_test(t_rotation_kept),
      cmocka_unit_test(t_rotation_applied),
      cmocka_unit_test(t_surround_to_stereo_resampled),
      cmocka_unit_test(t_mp3_downmix_by_encoder),
      cmocka_unit_test(t_bitrate_option),
      cmocka_unit_test(t_fixed_quantizer),
      cmocka_unit_test(t_passthrough_avoption),
      cmocka_unit_test(t_subtitles_by_format),
      cmocka_unit_test(t_metadata),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
