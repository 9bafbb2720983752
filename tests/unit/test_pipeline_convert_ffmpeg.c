/* Pipeline tests: each conversion option's output equals ffmpeg's own, frame for frame (framemd5).
 */
#include "test_pipeline_util.h"

#include "test_need.h"

/* clip through isopipe and through ffmpeg with the same options (key,
 * value pairs; ffmpeg gets -key value) into framemd5 with raw video and
 * the given PCM codec: equal line for line. Returns the frame lines. */
static int same_as_ffmpeg(const char *clip, const char *pcm, const char *const *opts) {
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference)");
  char in[1024], got[1024], ref[1024], why[512];
  tp_media(clip, in, sizeof in);
  tm_path(got, sizeof got, tp_dir(), "got.framemd5");
  tm_path(ref, sizeof ref, tp_dir(), "ref.framemd5");
  const char *kv[32] = {"i", in,         "o",   got,        "overwrite", "1",
                        "f", "framemd5", "c:v", "rawvideo", "c:a",       pcm};
  const char *args[40] = {"-i", in, "-f", "framemd5", "-c:v", "rawvideo", "-c:a", pcm};
  char flags[8][40];
  int n = 12, m = 8;
  for (int i = 0; opts[i]; i += 2) {
    kv[n++] = opts[i];
    kv[n++] = opts[i + 1];
    snprintf(flags[i / 2], sizeof flags[0], "-%s", opts[i]);
    args[m++] = flags[i / 2];
    if (strcmp(opts[i], "an") && strcmp(opts[i], "vn")) args[m++] = opts[i + 1];
  }
  args[m++] = ref;
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s %s: %s", clip, opts[0], r.error);
  assert_int_equal(tm_run_ffmpeg(args), 0);
  int lines = 0;
  if (!tm_framemd5_equal(ref, got, &lines, why, sizeof why))
    fail_msg("%s with -%s %s: differs from ffmpeg's: %s", clip, opts[0], opts[1], why);
  assert_true(lines > 10);
  return lines;
}

static void t_size(void **state) {
  (void)state;
  const char *o[] = {"s", "176x144", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", "pcm_s16le", o);
}

static void t_vf_scale_aspect(void **state) {
  (void)state;
  const char *o[] = {"vf", "scale=-2:100", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", "pcm_s16le", o);
  const char *o2[] = {"vf", "scale=120:-1", "an", "1", NULL};
  same_as_ffmpeg("clip-161x121-vp9.webm", "pcm_s16le", o2);
}

static void t_pix_fmt(void **state) {
  (void)state;
  const char *o[] = {"pix_fmt", "yuv444p", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", "pcm_s16le", o);
  const char *o2[] = {"pix_fmt", "rgb24", "an", "1", NULL};
  same_as_ffmpeg("clip-hevc-10bit.mkv", "pcm_s16le", o2);
}

static void t_audio_rate_channels(void **state) {
  (void)state;
  const char *o[] = {"ar", "22050", "vn", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", "pcm_s16le", o);
  const char *o2[] = {"ac", "2", "vn", "1", NULL};
  same_as_ffmpeg("clip-5.1-flac.mkv", "pcm_s16le", o2);
  const char *o3[] = {"ac", "1", "ar", "16000", "vn", "1", NULL};
  same_as_ffmpeg("clip-5.1-flac.mkv", "pcm_s16le", o3);
}

static void t_sample_fmt(void **state) {
  (void)state;
  /* pcm_f32le takes flt only: the conversion is -sample_fmt's. */
  const char *o[] = {"sample_fmt", "flt", "vn", "1", NULL};
  same_as_ffmpeg("clip-44k1-mono.mp3", "pcm_f32le", o);
}

/* One output's -ss / -t: the same frames, timestamps and samples. */
static void t_trim(void **state) {
  (void)state;
  const char *o[] = {"ss", "0.5", "t", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", "pcm_s16le", o);
  const char *o2[] = {"t", "0.7", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", "pcm_s16le", o2);
  same_as_ffmpeg("clip-5.1-flac.mkv", "pcm_s16le", o2);
  const char *o3[] = {"t", "0.7", "an", "1", NULL};
  same_as_ffmpeg("clip-vp9-opus.webm", "pcm_s16le", o3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_size),       cmocka_unit_test(t_vf_scale_aspect),
      cmocka_unit_test(t_pix_fmt),    cmocka_unit_test(t_audio_rate_channels),
      cmocka_unit_test(t_sample_fmt), cmocka_unit_test(t_trim),
  };
  return tm_exit(cmocka_run_group_tests(tests, tp_setup_dir, tp_teardown_dir));
}
