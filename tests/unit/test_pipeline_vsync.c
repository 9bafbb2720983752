/* Pipeline tests: -r and -fps_mode drop and duplicate frames exactly as ffmpeg 5.1 does, per output
 * format. */
#include "test_pipeline_util.h"

#include "pipeline/pl_vsync.h"
#include "test_need.h"

/* auto as ffmpeg resolves it: cfr where the format has no variable frame
 * rate (vscfr from a lone stream), vfr for the others and avi. */
static void t_modes(void **state) {
  (void)state;
  assert_int_equal(pl_vsync_resolve(PL_VSYNC_AUTO, "mp4", 2), PL_VSYNC_CFR);
  assert_int_equal(pl_vsync_resolve(PL_VSYNC_AUTO, "mp4", 1), PL_VSYNC_VSCFR);
  assert_int_equal(pl_vsync_resolve(PL_VSYNC_AUTO, "matroska", 2), PL_VSYNC_VFR);
  assert_int_equal(pl_vsync_resolve(PL_VSYNC_AUTO, "webm", 1), PL_VSYNC_VFR);
  assert_int_equal(pl_vsync_resolve(PL_VSYNC_AUTO, "avi", 2), PL_VSYNC_VFR);
  assert_int_equal(pl_vsync_resolve(PL_VSYNC_CFR, "matroska", 2), PL_VSYNC_CFR);
  assert_int_equal(pl_vsync_parse("vfr"), PL_VSYNC_VFR);
  assert_int_equal(pl_vsync_parse("passthrough"), PL_VSYNC_PASSTHROUGH);
  assert_int_equal(pl_vsync_parse("0"), PL_VSYNC_PASSTHROUGH);
  assert_int_equal(pl_vsync_parse("-1"), PL_VSYNC_AUTO);
  assert_int_equal(pl_vsync_parse("2"), PL_VSYNC_VFR);
  assert_int_equal(pl_vsync_parse("vscfr"), -2); /* ffmpeg's internal method, not an option */
  assert_int_equal(pl_vsync_parse("3"), -2);
  /* Refused by name through the options. */
  iso_pipeline *p = iso_pipeline_new();
  assert_int_equal(iso_pipeline_set(p, "fps_mode", "sometimes"), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "fps_mode"));
  assert_int_equal(iso_pipeline_set(p, "vsync", "cfr"), ISO_OK);
  iso_pipeline_free(p);
}

/* Frames out of v after sending a frame at t seconds (tiny pictures:
 * only their timestamps matter); t < 0: the end. */
static int send_at(pl_vsync *v, double t, int64_t *last_pts) {
  AVFrame *f = NULL;
  if (t >= 0) {
    f = av_frame_alloc();
    assert_non_null(f);
    f->format = AV_PIX_FMT_GRAY8;
    f->width = f->height = 2;
    assert_int_equal(av_frame_get_buffer(f, 0), 0);
    f->pts = llrint(t * 90000);
  }
  assert_int_equal(pl_vsync_send(v, f), 0);
  av_frame_free(&f);
  AVFrame *out = av_frame_alloc();
  int n = 0;
  while (pl_vsync_receive(v, out) == 0) {
    *last_pts = out->pts;
    av_frame_unref(out);
    n++;
  }
  av_frame_free(&out);
  return n;
}

/* A forward jump is filled with duplicates as ffmpeg fills it when the
 * input's length holds it (at least 10 s); a jump past that is a
 * discontinuity: one frame, at its own time. */
static void t_jump_fill(void **state) {
  (void)state;
  assert_int_equal(pl_vsync_fill_us(AV_NOPTS_VALUE), 10 * AV_TIME_BASE);
  assert_int_equal(pl_vsync_fill_us(2400000), 10 * AV_TIME_BASE);
  assert_int_equal(pl_vsync_fill_us(30 * (int64_t)AV_TIME_BASE), 31 * AV_TIME_BASE);
  assert_int_equal(pl_vsync_fill_us(36000 * (int64_t)AV_TIME_BASE), 3600 * (int64_t)AV_TIME_BASE);
  pl_vsync_cfg c = {0};
  c.mode = PL_VSYNC_CFR;
  c.in_tb = (AVRational){1, 90000};
  c.in_fps = c.out_fps = (AVRational){25, 1};
  c.end_us = -1;
  c.fill_us = pl_vsync_fill_us(2400000);
  pl_vsync *v = NULL;
  assert_int_equal(pl_vsync_open(&v, &c), 0);
  int64_t pts = -1;
  assert_int_equal(send_at(v, 0.0, &pts), 1);
  assert_int_equal(send_at(v, 0.04, &pts), 1);
  /* 2.96 s on: slots 2..75, 72 of them the previous picture (ffmpeg's nb0). */
  assert_int_equal(send_at(v, 3.0, &pts), 74);
  assert_int_equal(pts, 75);
  /* 97 s on, past the 10 s this input may fill: one frame, at slot 2500. */
  assert_int_equal(send_at(v, 100.0, &pts), 1);
  assert_int_equal(pts, 2500);
  int64_t dropped = 0, dup = 0;
  pl_vsync_counts(v, &dropped, &dup);
  assert_int_equal(dup, 73);
  assert_int_equal(send_at(v, -1, &pts), 0);
  pl_vsync_close(&v);
}

static int64_t video_frames(const char *path) {
  tm_probe p;
  assert_int_equal(tm_probe_file(path, true, &p), 0);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  assert_non_null(v);
  return v->frames;
}

/* in at rate into an mkv and an mp4 (mpeg4, no audio): the frame counts
 * equal ffmpeg's, and the numbers ffmpeg 5.1 gives for the 2 s 30 fps clip
 * (mkv: vfr drops only; mp4: cfr drops and duplicates). */
static void counts(const char *rate, int64_t want_mkv, int64_t want_mp4) {
  char in[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  const char *ext[2] = {"mkv", "mp4"};
  int64_t want[2] = {want_mkv, want_mp4};
  bool have_ffmpeg = tm_have_program("ffmpeg", NULL, 0);
  for (int k = 0; k < 2; k++) {
    char got[1024], ref[1024], name[64];
    snprintf(name, sizeof name, "r%s.%s", rate, ext[k]);
    tm_path(got, sizeof got, tp_dir(), name);
    snprintf(name, sizeof name, "ff-r%s.%s", rate, ext[k]);
    tm_path(ref, sizeof ref, tp_dir(), name);
    const char *kv[] = {"i",  in,    "o",     got,  "overwrite", "1", "r",
                        rate, "c:v", "mpeg4", "an", "1",         NULL};
    tp_run r;
    tp_init(&r);
    if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("-r %s %s: %s", rate, ext[k], r.error);
    int64_t n = video_frames(got);
    if (have_ffmpeg) {
      const char *args[] = {"-i", in, "-r", rate, "-c:v", "mpeg4", "-an", ref, NULL};
      assert_int_equal(tm_run_ffmpeg(args), 0);
      int64_t f = video_frames(ref);
      if (n != f)
        fail_msg("-r %s into %s: %lld frames, ffmpeg %lld", rate, ext[k], (long long)n,
                 (long long)f);
    }
    if (n != want[k])
      fail_msg("-r %s into %s: %lld frames, ffmpeg 5.1 gives %lld", rate, ext[k], (long long)n,
               (long long)want[k]);
  }
  TM_NEED(have_ffmpeg, "ffmpeg (the reference for -r)");
}

static void t_r15_counts(void **state) {
  (void)state;
  counts("15", 31, 32);
}

static void t_r60_counts(void **state) {
  (void)state;
  counts("60", 60, 120);
}

/* framemd5 (every frame's data, pts and duration) equal to ffmpeg's for
 * each method, byte for byte. */
static void t_framemd5(void **state) {
  (void)state;
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg (the reference for -fps_mode)");
  char in[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  static const char *const cases[][4] = {
      {"r", "15", NULL, NULL},         {"r", "15", "fps_mode", "cfr"},
      {"r", "60", "vsync", "cfr"},     {"r", "24", NULL, NULL},
      {"r", "25", "fps_mode", "cfr"},  {"fps_mode", "vfr", NULL, NULL},
      {"r", "15", "fps_mode", "drop"}, {"r", "60", "fps_mode", "vfr"},
      {"r", "10", "fps_mode", "auto"},
  };
  int lines[sizeof cases / sizeof cases[0]];
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char got[1024], ref[1024], why[512];
    tm_path(got, sizeof got, tp_dir(), "got.framemd5");
    tm_path(ref, sizeof ref, tp_dir(), "ref.framemd5");
    const char *kv[20] = {"i", in,         "o",   got,        "overwrite", "1",
                          "f", "framemd5", "c:v", "rawvideo", "an",        "1"};
    const char *args[16] = {"-i", in, "-f", "framemd5", "-c:v", "rawvideo", "-an"};
    int n = 12, m = 7;
    for (int i = 0; i < 4 && cases[c][i]; i += 2) {
      kv[n++] = cases[c][i];
      kv[n++] = cases[c][i + 1];
      char opt[32];
      snprintf(opt, sizeof opt, "-%s", cases[c][i]);
      args[m++] = strdup(opt);
      args[m++] = cases[c][i + 1];
    }
    args[m++] = ref;
    tp_run r;
    tp_init(&r);
    if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("case %zu: %s", c, r.error);
    assert_int_equal(tm_run_ffmpeg(args), 0);
    for (int i = 7; i < m - 1; i += 2)
      free((char *)args[i]);
    if (!tm_framemd5_equal(ref, got, &lines[c], why, sizeof why))
      fail_msg("%s %s %s %s: differs from ffmpeg: %s", cases[c][0], cases[c][1],
               cases[c][2] ? cases[c][2] : "", cases[c][3] ? cases[c][3] : "", why);
  }
  /* The methods differ on this clip, so equal files mean something. */
  assert_int_equal(lines[0], 31);
  assert_int_equal(lines[1], 32);
  assert_int_equal(lines[2], 120);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_modes),      cmocka_unit_test(t_jump_fill), cmocka_unit_test(t_r15_counts),
      cmocka_unit_test(t_r60_counts), cmocka_unit_test(t_framemd5),
  };
  return tm_exit(cmocka_run_group_tests(tests, tp_setup_dir, tp_teardown_dir));
}
