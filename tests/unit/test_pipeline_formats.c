/* Pipeline tests: every output format and encoder the issue lists, checked with libavformat. */
#include "test_pipeline_util.h"

#include <fcntl.h>
#include <unistd.h>

#include "test_need.h"

static char g_dir[512];

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

typedef struct fmt_case {
  const char *in;                      /* media/ clip */
  const char *out;                     /* file name in the temp dir */
  const char *vcodec_opt, *acodec_opt; /* -c:v / -c:a, NULL = default, "-" = none (vn/an) */
  const char *want_v, *want_a;         /* codec names in the output, NULL = absent */
  int audio_frame;                     /* the encoder's frame size (tolerance) */
  const char *extra[8];                /* more key/value pairs */
  bool exact; /* fixed settings, one thread: decodes to ffmpeg's output's framemd5 */
} fmt_case;

/* The same job through ffmpeg (kv without i and o, as -key value) into ref. */
static void run_ffmpeg_like(const char *in, const char *const *kv, const char *ref) {
  const char *args[40] = {"-i", in};
  char flags[16][40];
  int m = 2;
  for (int i = 0; kv[i]; i += 2) {
    snprintf(flags[i / 2], sizeof flags[0], "-%s", kv[i]);
    args[m++] = flags[i / 2];
    if (strcmp(kv[i], "vn") && strcmp(kv[i], "an")) args[m++] = kv[i + 1];
  }
  args[m++] = ref;
  args[m] = NULL;
  if (tm_run_ffmpeg(args) != 0) fail_msg("ffmpeg failed making %s", ref);
}

/* Both files decoded by ffmpeg into framemd5: equal line for line. */
static void same_decoded(const char *a, const char *b) {
  char ma[1200], mb[1200], why[512];
  snprintf(ma, sizeof ma, "%s.framemd5", a);
  snprintf(mb, sizeof mb, "%s.framemd5", b);
  const char *x[] = {"-i", a, "-f", "framemd5", ma, NULL},
             *y[] = {"-i", b, "-f", "framemd5", mb, NULL};
  assert_int_equal(tm_run_ffmpeg(x), 0);
  assert_int_equal(tm_run_ffmpeg(y), 0);
  if (!tm_framemd5_equal(ma, mb, NULL, why, sizeof why))
    fail_msg("%s decodes unlike ffmpeg's %s: %s", b, a, why);
}

/* Transcodes c and checks streams, audio duration within one encoder frame
 * of the input's, and the A/V start within one video frame. */
static void run_case(const fmt_case *c) {
  char in[1024], out[1024];
  tp_media(c->in, in, sizeof in);
  tm_path(out, sizeof out, g_dir, c->out);
  const char *kv[32];
  int n = 0;
  kv[n++] = "i", kv[n++] = in, kv[n++] = "o", kv[n++] = out;
  if (c->vcodec_opt && !strcmp(c->vcodec_opt, "-"))
    kv[n++] = "vn", kv[n++] = "1";
  else if (c->vcodec_opt)
    kv[n++] = "c:v", kv[n++] = c->vcodec_opt;
  if (c->acodec_opt && !strcmp(c->acodec_opt, "-"))
    kv[n++] = "an", kv[n++] = "1";
  else if (c->acodec_opt)
    kv[n++] = "c:a", kv[n++] = c->acodec_opt;
  for (int i = 0; c->extra[i]; i++)
    kv[n++] = c->extra[i];
  kv[n] = NULL;
  char ref[1100];
  snprintf(ref, sizeof ref, "%s/ff-%s", g_dir, c->out);
  bool have_ffmpeg = tm_have_program("ffmpeg", NULL, 0);
  if (have_ffmpeg) run_ffmpeg_like(in, kv + 4, ref);
  tp_run r;
  tp_init(&r);
  int st = tp_run_kv(&r, kv);
  if (st != ISO_OK) fail_msg("%s -> %s: %s", c->in, c->out, r.error);
  assert_false(r.off_main);
  assert_true(r.last.finished);

  tm_probe pin, pout;
  assert_int_equal(tm_probe_file(in, true, &pin), 0);
  assert_int_equal(tm_probe_file(out, true, &pout), 0);
  const tm_stream *ov = tm_probe_stream(&pout, AVMEDIA_TYPE_VIDEO);
  const tm_stream *oa = tm_probe_stream(&pout, AVMEDIA_TYPE_AUDIO);
  const tm_stream *iv = tm_probe_stream(&pin, AVMEDIA_TYPE_VIDEO);
  const tm_stream *ia = tm_probe_stream(&pin, AVMEDIA_TYPE_AUDIO);
  if (c->want_v) {
    assert_non_null(ov);
    assert_string_equal(ov->codec, c->want_v);
    assert_true(ov->frames > 0);
    if (have_ffmpeg) {
      tm_probe pref;
      assert_int_equal(tm_probe_file(ref, true, &pref), 0);
      const tm_stream *rv = tm_probe_stream(&pref, AVMEDIA_TYPE_VIDEO);
      assert_non_null(rv);
      if (rv->frames != ov->frames)
        fail_msg("%s: %lld video frames, ffmpeg %lld", c->out, (long long)ov->frames,
                 (long long)rv->frames);
    }
  } else {
    assert_null(ov);
  }
  if (c->want_a) {
    assert_non_null(oa);
    assert_string_equal(oa->codec, c->want_a);
    assert_non_null(ia);
    assert_true(ia->samples > 0 && oa->samples > 0);
    /* No gap or drift: the decoded duration stays within one encoder frame. */
    double tol = (double)c->audio_frame / oa->sample_rate + 1e-3;
    double din = (double)ia->samples / ia->sample_rate;
    double dout = (double)oa->samples / oa->sample_rate;
    if (tp_absd(din - dout) > tol)
      fail_msg("%s: audio %.4f s in, %.4f s out (tolerance %.4f)", c->out, din, dout, tol);
    if (have_ffmpeg) {
      tm_probe pref;
      assert_int_equal(tm_probe_file(ref, true, &pref), 0);
      const tm_stream *ra = tm_probe_stream(&pref, AVMEDIA_TYPE_AUDIO);
      assert_non_null(ra);
      if (ra->samples != oa->samples || ra->frames != oa->frames)
        fail_msg("%s: %lld audio samples in %lld frames, ffmpeg %lld in %lld", c->out,
                 (long long)oa->samples, (long long)oa->frames, (long long)ra->samples,
                 (long long)ra->frames);
    }
  } else {
    assert_null(oa);
  }
  if (c->exact && have_ffmpeg) same_decoded(ref, out);
  TM_NEED(have_ffmpeg, "ffmpeg (the reference for frame counts)");
  if (ov && oa && iv) {
    double frame = ov->frames > 1 && ov->decoded_duration > 0
                       ? ov->decoded_duration / (double)ov->frames
                       : 1.0 / 25;
    if (tp_absd(ov->start - oa->start) > frame + 1e-3)
      fail_msg("%s: video starts at %.4f, audio at %.4f", c->out, ov->start, oa->start);
  }
}

#define CASE(name, ...)                                                                            \
  static void name(void **state) {                                                                 \
    (void)state;                                                                                   \
    static const fmt_case c = __VA_ARGS__;                                                         \
    run_case(&c);                                                                                  \
  }

CASE(t_mp4_x264_aac, {"clip-h264-aac.mp4",
                      "a.mp4",
                      "libx264",
                      "aac",
                      "h264",
                      "aac",
                      1024,
                      {"preset", "ultrafast", NULL},
                      false})
CASE(t_mkv_default, {"clip-h264-aac.mp4",
                     "b.mkv",
                     NULL,
                     NULL,
                     "h264",
                     "vorbis",
                     1024,
                     {"preset", "ultrafast", NULL},
                     false})
CASE(t_webm_vp9_opus, {"clip-h264-aac.mp4",
                       "c.webm",
                       "libvpx-vp9",
                       "libopus",
                       "vp9",
                       "opus",
                       960,
                       {"deadline", "realtime", "cpu-used", "8", NULL},
                       false})
CASE(t_mov_mpeg4_aac, {"clip-h264-aac.mp4",
                       "d.mov",
                       "mpeg4",
                       "aac",
                       "mpeg4",
                       "aac",
                       1024,
                       {"b:v", "300k", "threads", "1", NULL},
                       true})
CASE(t_mp3, {"clip-h264-aac.mp4", "e.mp3", NULL, NULL, NULL, "mp3", 1152, {NULL}, true})
CASE(t_ogg_opus, {"clip-h264-aac.mp4", "f.ogg", "-", "libopus", NULL, "opus", 960, {NULL}, true})
CASE(t_opus_file, {"clip-vp9-opus.webm", "g.opus", NULL, NULL, NULL, "opus", 960, {NULL}, true})
CASE(t_flac, {"clip-5.1-flac.mkv", "h.flac", NULL, NULL, NULL, "flac", 4608, {NULL}, true})
CASE(t_wav, {"clip-h264-aac.mp4", "i.wav", NULL, NULL, NULL, "pcm_s16le", 1, {NULL}, true})
CASE(t_x265_mkv,
     {"clip-5.1-flac.mkv",
      "k.mkv",
      "libx265",
      "flac",
      "hevc",
      "flac",
      4608,
      {"preset", "ultrafast", "x265-params", "log-level=error:pools=none:frame-threads=1", NULL},
      false})
CASE(t_av1_aom, {"clip-161x121-vp9.webm",
                 "l.mkv",
                 "libaom-av1",
                 "-",
                 "av1",
                 NULL,
                 0,
                 {"cpu-used", "8", "usage", "realtime", NULL},
                 false})
CASE(t_av1_svt, {"clip-5.1-flac.mkv",
                 "m.mp4",
                 "libsvtav1",
                 "aac",
                 "av1",
                 "aac",
                 1024,
                 {"preset", "12", NULL},
                 false})
CASE(t_pcm_mov,
     {"clip-44k1-mono.mp3", "n.mov", NULL, "pcm_s16le", NULL, "pcm_s16le", 1152, {NULL}, true})

/* Counts the video and audio lines of a framemd5 / framecrc file. */
static void count_hash_lines(const char *path, int *video, int *audio) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[256];
  *video = *audio = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "0,", 2)) (*video)++;
    if (!strncmp(line, "1,", 2)) (*audio)++;
  }
  fclose(f);
}

static void t_framemd5_file(void **state) {
  (void)state;
  char in[1024], out[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(out, sizeof out, g_dir, "j.md5");
  tp_run r;
  tp_init(&r);
  const char *kv[] = {"i", in, "o", out, "f", "framemd5", NULL};
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("framemd5: %s", r.error);
  int video, audio;
  count_hash_lines(out, &video, &audio);
  assert_int_equal(video, 60);
  assert_true(audio > 0);
}

/* framecrc to "-": the muxer writes to the process's stdout. */
static void t_framecrc_stdout(void **state) {
  (void)state;
  char in[1024], out[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(out, sizeof out, g_dir, "stdout.crc");
  fflush(stdout);
  int saved = dup(1);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, 1);
  close(fd);
  tp_run r;
  tp_init(&r);
  const char *kv[] = {"i", in, "o", "-", "f", "framecrc", NULL};
  int st = tp_run_kv(&r, kv);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  if (st != ISO_OK) fail_msg("framecrc: %s", r.error);
  int video, audio;
  count_hash_lines(out, &video, &audio);
  assert_int_equal(video, 60);
  assert_true(audio > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_mp4_x264_aac),
      cmocka_unit_test(t_mkv_default),
      cmocka_unit_test(t_webm_vp9_opus),
      cmocka_unit_test(t_mov_mpeg4_aac),
      cmocka_unit_test(t_mp3),
      cmocka_unit_test(t_ogg_opus),
      cmocka_unit_test(t_opus_file),
      cmocka_unit_test(t_flac),
      cmocka_unit_test(t_wav),
      cmocka_unit_test(t_framemd5_file),
      cmocka_unit_test(t_framecrc_stdout),
      cmocka_unit_test(t_x265_mkv),
      cmocka_unit_test(t_av1_aom),
      cmocka_unit_test(t_av1_svt),
      cmocka_unit_test(t_pcm_mov),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
