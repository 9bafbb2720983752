/* Pipeline tests: inputs whose clock restarts or whose format changes mid-stream lose nothing. */
#include <stdio.h>

#include "test_need.h"
#include "test_pipeline_util.h"

/* dst = a's bytes then b's, as `cat a b > dst`. */
static void concat(const char *dst, const char *a, const char *b) {
  FILE *o = fopen(dst, "wb");
  assert_non_null(o);
  const char *src[] = {a, b};
  char buf[65536];
  for (int i = 0; i < 2; i++) {
    FILE *in = fopen(src[i], "rb");
    assert_non_null(in);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
      assert_int_equal(fwrite(buf, 1, n, o), n);
    fclose(in);
  }
  assert_int_equal(fclose(o), 0);
}

static void gen(char *buf, size_t len, const char *name, const char *fmt, const char *vcodec,
                const char *acodec, double seconds, int rate, int channels) {
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.format = fmt;
  o.vcodec = vcodec;
  o.acodec = acodec;
  o.no_video = !vcodec;
  o.duration = seconds;
  o.sample_rate = rate;
  o.channels = channels;
  assert_int_equal(tm_gen_clip(buf, len, tp_dir(), name, &o), 0);
}

static void run(const char *in, const char *out, const char *const *extra) {
  const char *kv[24] = {"i", in, "o", out};
  int n = 4;
  for (int i = 0; extra && extra[i]; i++)
    kv[n++] = extra[i];
  kv[n] = NULL;
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s -> %s: %s", in, out, r.error);
}

/* Two recordings appended (`cat a.ts b.ts`): the second restarts its clock
 * at the first's start and switches audio from 48 kHz stereo to 44.1 kHz
 * mono. Every frame and every sample of both parts reaches the output,
 * transcoded or copied. */
static void t_ts_restart(void **state) {
  (void)state;
  char a[1024], b[1024], cat[1024], out[1024];
  gen(a, sizeof a, "a.ts", "mpegts", "mpeg2video", "mp2", 2.0, 48000, 2);
  gen(b, sizeof b, "b.ts", "mpegts", "mpeg2video", "mp2", 2.0, 44100, 1);
  tm_probe pa, pb, p;
  assert_int_equal(tm_probe_file(a, true, &pa), 0);
  assert_int_equal(tm_probe_file(b, true, &pb), 0);
  int64_t frames = tm_probe_stream(&pa, AVMEDIA_TYPE_VIDEO)->frames +
                   tm_probe_stream(&pb, AVMEDIA_TYPE_VIDEO)->frames;
  double audio_s = tm_probe_stream(&pa, AVMEDIA_TYPE_AUDIO)->samples / 48000.0 +
                   tm_probe_stream(&pb, AVMEDIA_TYPE_AUDIO)->samples / 44100.0;
  tm_path(cat, sizeof cat, tp_dir(), "cat.ts");
  concat(cat, a, b);

  tm_path(out, sizeof out, tp_dir(), "t.mkv");
  const char *x[] = {"c:v", "mpeg4", "c:a", "flac", NULL};
  run(cat, out, x);
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  const tm_stream *v = tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO);
  const tm_stream *au = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  assert_int_equal(v->frames, frames);
  /* The audio is resampled to the first part's rate: equal length within
   * the resampler's edge. */
  double got_s = (double)au->samples / au->sample_rate;
  if (got_s < audio_s - 0.03 || got_s > audio_s + 0.03)
    fail_msg("audio %.3f s, the two parts hold %.3f s", got_s, audio_s);
  assert_int_equal(p.decode_errors, 0);

  tm_path(out, sizeof out, tp_dir(), "c.mkv");
  const char *c[] = {"c", "copy", NULL};
  run(cat, out, c);
  assert_int_equal(tm_probe_file(out, false, &p), 0);
  int64_t vpk = tm_probe_stream(&pa, AVMEDIA_TYPE_VIDEO)->packets +
                tm_probe_stream(&pb, AVMEDIA_TYPE_VIDEO)->packets;
  int64_t apk = tm_probe_stream(&pa, AVMEDIA_TYPE_AUDIO)->packets +
                tm_probe_stream(&pb, AVMEDIA_TYPE_AUDIO)->packets;
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->packets, vpk);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO)->packets, apk);
  /* Both parts play one after the other, not on top of each other. */
  if (p.duration < 3.9) fail_msg("copy lasts %.3f s, the parts 4 s", p.duration);
}

/* Two FLAC streams appended (44.1 kHz 1.5 s, then 22.05 kHz 2 s): the
 * second's frames restart their sample numbers and change the rate. Every
 * sample is decoded, resampled to the first rate and written. */
static void t_flac_rate_change(void **state) {
  (void)state;
  char a[1024], b[1024], cat[1024], out[1024];
  gen(a, sizeof a, "a.flac", "flac", NULL, "flac", 1.5, 44100, 1);
  gen(b, sizeof b, "b.flac", "flac", NULL, "flac", 2.0, 22050, 1);
  tm_path(cat, sizeof cat, tp_dir(), "ab.flac");
  concat(cat, a, b);
  /* The same through -filter_complex: the graph is rebuilt for the new
   * rate (a stateless filter holds nothing, so nothing is lost). */
  for (int k = 0; k < 2; k++) {
    tm_path(out, sizeof out, tp_dir(), k ? "abc.wav" : "ab.wav");
    const char *x[] = {"c:a", "pcm_s16le", k ? "filter_complex" : NULL, "[0:a]volume=0.5[a]", "map",
                       "[a]", NULL};
    run(cat, out, x);
    tm_probe p;
    assert_int_equal(tm_probe_file(out, true, &p), 0);
    const tm_stream *au = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
    assert_int_equal(au->sample_rate, 44100);
    double got_s = (double)au->samples / au->sample_rate;
    if (got_s < 3.45 || got_s > 3.55)
      fail_msg("%s: audio %.3f s, the two parts hold 3.5 s", k ? "filter_complex" : "plain", got_s);
  }
}

/* Video whose size changes mid-stream (a 320x240 TS, then a 160x120 one)
 * through -filter_complex: the graph is rebuilt, every frame written. */
static void t_complex_size_change(void **state) {
  (void)state;
  char a[1024], b[1024], cat[1024], out[1024];
  const int sizes[2][2] = {{320, 240}, {160, 120}};
  char *paths[2] = {a, b};
  int64_t frames = 0;
  for (int i = 0; i < 2; i++) {
    cx_clip_opts o;
    cx_clip_defaults(&o);
    o.format = "mpegts";
    o.vcodec = "mpeg2video";
    o.no_audio = true;
    o.width = sizes[i][0];
    o.height = sizes[i][1];
    o.duration = 1.0;
    assert_int_equal(tm_gen_clip(paths[i], 1024, tp_dir(), i ? "sb.ts" : "sa.ts", &o), 0);
    tm_probe p;
    assert_int_equal(tm_probe_file(paths[i], true, &p), 0);
    frames += tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames;
  }
  tm_path(cat, sizeof cat, tp_dir(), "sab.ts");
  concat(cat, a, b);
  /* The part boundary cuts a packet (the demuxer says so), as it does for
   * ffmpeg: the frames to keep are those the joined file decodes to. */
  tm_probe pc;
  assert_int_equal(tm_probe_file(cat, true, &pc), 0);
  assert_true(tm_probe_stream(&pc, AVMEDIA_TYPE_VIDEO)->frames >= frames - 1);
  frames = tm_probe_stream(&pc, AVMEDIA_TYPE_VIDEO)->frames;
  tm_path(out, sizeof out, tp_dir(), "sab.mkv");
  const char *x[] = {"filter_complex", "[0:v]hflip[v]", "map", "[v]", "c:v", "mpeg4", NULL};
  run(cat, out, x);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, frames);
}

/* in copied to out (MPEG-TS) with its clock moved on by secs. */
static void shift_ts(const char *in, const char *out, const char *secs) {
  tp_run r;
  tp_init(&r);
  const char *kv[] = {"i", in, "o", out, "c", "copy", "f", "mpegts", NULL};
  iso_pipeline *p = tp_make(&r, kv);
  if (!p) fail_msg("%s", r.error);
  assert_int_equal(iso_pipeline_set_input(p, 0, "itsoffset", secs), ISO_OK);
  if (iso_pipeline_run(p) != ISO_OK) fail_msg("shift: %s", iso_pipeline_error(p));
  iso_pipeline_free(p);
}

/* A recording with a hole (the second part's clock 3 s on from where the
 * first ends): below the 10 s threshold the hole is kept, as ffmpeg keeps
 * it; with dts_delta_threshold 1 it is a restart and closed. Every frame
 * is written either way. */
static void t_ts_gap_threshold(void **state) {
  (void)state;
  char a[1024], b[1024], b5[1024], cat[1024], out[1024];
  gen(a, sizeof a, "ga.ts", "mpegts", "mpeg2video", "mp2", 2.0, 48000, 2);
  gen(b, sizeof b, "gb.ts", "mpegts", "mpeg2video", "mp2", 2.0, 48000, 2);
  tm_path(b5, sizeof b5, tp_dir(), "gb5.ts");
  shift_ts(b, b5, "5");
  tm_path(cat, sizeof cat, tp_dir(), "gap.ts");
  concat(cat, a, b5);
  tm_probe pa;
  assert_int_equal(tm_probe_file(a, true, &pa), 0);
  int64_t frames = 2 * tm_probe_stream(&pa, AVMEDIA_TYPE_VIDEO)->frames;
  for (int k = 0; k < 2; k++) {
    tm_probe p;
    tm_path(out, sizeof out, tp_dir(), k ? "gap1.mkv" : "gap0.mkv");
    const char *x[] = {"c:v", "mpeg4", "c:a", "flac", k ? "dts_delta_threshold" : NULL, "1", NULL};
    run(cat, out, x);
    assert_int_equal(tm_probe_file(out, true, &p), 0);
    assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, frames);
    if (k == 0 && p.duration < 6.5) fail_msg("default: %.3f s, the hole is gone", p.duration);
    if (k == 1 && p.duration > 4.3) fail_msg("threshold 1 s: %.3f s, the hole kept", p.duration);
  }
}

/* A recording whose audio switches from 48 kHz stereo to 44.1 kHz mono on
 * a continuous clock, with -async 1: the graph rebuilt for the new rate
 * continues from the second part's timestamps (ffmpeg leaves first_pts
 * out then), where first_pts=0 again would fill the time before it with
 * silence. */
static void t_async_rate_change(void **state) {
  (void)state;
  char a[1024], b[1024], b2[1024], cat[1024], out[1024];
  gen(a, sizeof a, "ra.ts", "mpegts", NULL, "mp2", 2.0, 48000, 2);
  gen(b, sizeof b, "rb.ts", "mpegts", NULL, "mp2", 2.0, 44100, 1);
  tm_path(b2, sizeof b2, tp_dir(), "rb2.ts");
  shift_ts(b, b2, "2");
  tm_path(cat, sizeof cat, tp_dir(), "rab.ts");
  concat(cat, a, b2);
  tm_path(out, sizeof out, tp_dir(), "rab.wav");
  const char *x[] = {"c:a", "pcm_s16le", "async", "1", NULL};
  run(cat, out, x);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  const tm_stream *au = tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO);
  double got_s = (double)au->samples / au->sample_rate;
  if (got_s < 3.9 || got_s > 4.1) fail_msg("-async 1: audio %.3f s, the two parts hold 4 s", got_s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_ts_restart),          cmocka_unit_test(t_flac_rate_change),
      cmocka_unit_test(t_ts_gap_threshold),    cmocka_unit_test(t_async_rate_change),
      cmocka_unit_test(t_complex_size_change),
  };
  return tm_exit(cmocka_run_group_tests(tests, tp_setup_dir, tp_teardown_dir));
}
