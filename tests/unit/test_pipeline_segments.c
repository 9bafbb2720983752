/* Pipeline tests: segment-parallel audio encoding joins gaplessly (sample counts, clicks, bit-exact
 * lossless). */
#include <unistd.h>

#include "test_pipeline_util.h"

#include "pipeline/pl_segments.h"

#define RATE 48000
#define SECONDS 3.0
#define NSEG 3

static char g_dir[512];
static char g_src[1024];  /* generated: a chirp per channel */
static char g_real[1024]; /* the corpus's recorded stereo FLAC at 48 kHz, or "" */

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tp_setup_threads(state) != 0) return -1;
  av_log_set_level(AV_LOG_VERBOSE); /* the stage says when it segments */
  if (tm_gen_simple(g_src, sizeof g_src, g_dir, "src.flac", NULL, "flac", 0, 0, SECONDS, 2, RATE))
    return -1;
  if (!tm_corpus_file("audio/bear.flac", g_real, sizeof g_real)) g_real[0] = 0;
  return 0;
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

static bool g_segmented; /* the last encode's stage logged its segments */

static void on_log(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {
  tp_on_log(p, level, stage, line, ud);
  if (line && strstr(line, "segments: ")) g_segmented = true;
}

/* Encodes src to dst with codec / bitrate, segments "1" (serial) or more;
 * checks that the stage did segment exactly when asked to. */
static void encode(const char *src, const char *dst, const char *codec, const char *br,
                   const char *segments) {
  tp_run r;
  tp_init(&r);
  const char *kv[] = {"i",   src,   "o",        dst,      "overwrite",       "1",
                      "c:a", codec, "segments", segments, br ? "b:a" : NULL, br,
                      NULL};
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  iso_pipeline_callbacks cb = {tp_on_progress, on_log, tp_on_error, tp_on_done};
  iso_pipeline_set_callbacks(p, &cb, &r);
  g_segmented = false;
  int st = iso_pipeline_run(p);
  if (st != ISO_OK) fail_msg("%s -> %s (segments %s): %s", src, dst, segments, r.error);
  iso_pipeline_free(p);
  bool want = strcmp(segments, "1") && strcmp(segments, "auto");
  if (g_segmented != want)
    fail_msg("%s with segments %s: %s", codec, segments, g_segmented ? "segmented" : "serial");
}

/* Decodes path to interleaved 16-bit stereo at RATE (isopipe's own
 * decoder, FFmpeg's codecs); the sample count per channel goes to *n. */
static int16_t *decode(const char *path, int64_t *n) {
  /* Next to the outputs, never next to a source (the corpus is shared). */
  char raw[1024], name[300];
  const char *base = strrchr(path, '/');
  snprintf(name, sizeof name, "%s.raw", base ? base + 1 : path);
  tm_path(raw, sizeof raw, g_dir, name);
  tp_run r;
  tp_init(&r);
  const char *kv[] = {"i",   path,        "o",  raw,     "overwrite", "1", "f", "s16le",
                      "c:a", "pcm_s16le", "ar", "48000", "ac",        "2", NULL};
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("decoding %s: %s", path, r.error);
  FILE *f = fopen(raw, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  int16_t *d = malloc((size_t)bytes + 4);
  assert_non_null(d);
  assert_int_equal(fread(d, 1, (size_t)bytes, f), (size_t)bytes);
  fclose(f);
  *n = bytes / 4;
  return d;
}

static double win_err(const int16_t *a, const int16_t *b, int64_t from, int64_t w) {
  double e = 0;
  for (int64_t i = 2 * from; i < 2 * (from + w); i++) {
    double d = (double)a[i] - b[i];
    e += d * d;
  }
  return e / (double)(2 * w);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/*
 * A click detector over the joins: the windows of b (a decoded output)
 * around each segment boundary (every len samples) must not stand out
 * (within reach: where the join may cut) against the source s: none above
 * twice the 99th percentile of the
 * file's windows. A click, a gap, a repeated frame or a misaligned join
 * each give one (t_detector_sees). Returns the windows that stand out.
 */
#define WIN 1024
static int bad_joins(const int16_t *s, const int16_t *b, int64_t n, int64_t len, int64_t reach,
                     int *joins) {
  int nw = (int)(n / WIN), bad = 0;
  assert_true(nw > 16);
  double *e = malloc((size_t)nw * sizeof *e), *sorted = malloc((size_t)nw * sizeof *e);
  assert_non_null(e);
  assert_non_null(sorted);
  for (int w = 0; w < nw; w++)
    sorted[w] = e[w] = win_err(s, b, (int64_t)w * WIN, WIN);
  qsort(sorted, (size_t)nw, sizeof *sorted, cmp_d);
  double p99 = sorted[(int)(0.99 * (nw - 1))];
  *joins = 0;
  for (int64_t j = len; j < n - WIN; j += len, (*joins)++)
    for (int w = (int)((j - reach) / WIN) - 1; w <= (int)((j + reach) / WIN) + 1; w++)
      if (w >= 0 && w < nw && e[w] > 2 * p99 + 1) {
        print_message("join at sample %lld: window %d error %.1f, 2 x p99 %.1f\n", (long long)j, w,
                      e[w], 2 * p99);
        bad++;
      }
  free(e);
  free(sorted);
  return bad;
}

static int64_t seg_len(int frame_size, int64_t samples) {
  pl_seg_plan plan;
  pl_seg_plan_make(&plan, NSEG, frame_size, 0, RATE, samples * 1000000 / RATE, 0);
  return plan.len;
}

/* Serial and segmented outputs of one codec: the same number of samples,
 * and no join that stands out. */
static void check_joins(const char *src, const char *codec, const char *br, const char *ext,
                        int frame_size) {
  char ser[1024], seg[1024], name[64];
  snprintf(name, sizeof name, "serial-%s.%s", codec, ext);
  tm_path(ser, sizeof ser, g_dir, name);
  snprintf(name, sizeof name, "seg-%s.%s", codec, ext);
  tm_path(seg, sizeof seg, g_dir, name);
  encode(src, ser, codec, br, "1");
  encode(src, seg, codec, br, "3");
  int64_t ns, na, nb;
  int16_t *s = decode(src, &ns), *a = decode(ser, &na), *b = decode(seg, &nb);
  assert_int_equal(na, nb);
  int joins;
  int64_t reach = (int64_t)(pl_seg_join_range(codec) + 1) * frame_size;
  assert_int_equal(bad_joins(s, b, ns < nb ? ns : nb, seg_len(frame_size, ns), reach, &joins), 0);
  assert_true(joins >= NSEG - 1);
  free(s);
  free(a);
  free(b);
}

static void t_mp3(void **state) {
  (void)state;
  check_joins(g_src, "libmp3lame", "192k", "mp3", 1152);
}

static void t_aac(void **state) {
  (void)state;
  check_joins(g_src, "aac", "192k", "m4a", 1024);
}

static void t_opus(void **state) {
  (void)state;
  check_joins(g_src, "libopus", "128k", "opus", 960);
}

static void t_real_audio(void **state) {
  (void)state;
  if (!g_real[0]) skip();
  check_joins(g_real, "libmp3lame", "192k", "mp3", 1152);
  check_joins(g_real, "aac", "192k", "m4a", 1024);
}

/* A lossless codec: the joined output decodes to exactly the serial one. */
static void t_lossless_bit_exact(void **state) {
  (void)state;
  const char *src = g_real[0] ? g_real : g_src;
  char ser[1024], seg[1024];
  tm_path(ser, sizeof ser, g_dir, "serial.m4a");
  tm_path(seg, sizeof seg, g_dir, "seg.m4a");
  encode(src, ser, "alac", NULL, "1");
  encode(src, seg, "alac", NULL, "3");
  int64_t na, nb;
  int16_t *a = decode(ser, &na), *b = decode(seg, &nb);
  assert_int_equal(na, nb);
  assert_memory_equal(a, b, (size_t)na * 4);
  free(a);
  free(b);
}

/* The detector is not blind: the serial MP3 passes it, the same with one
 * frame dropped out at a join fails it. */
static void t_detector_sees(void **state) {
  (void)state;
  char ser[1024];
  tm_path(ser, sizeof ser, g_dir, "detector.mp3");
  encode(g_src, ser, "libmp3lame", "192k", "1");
  int64_t ns, na;
  int16_t *s = decode(g_src, &ns), *a = decode(ser, &na);
  int64_t n = ns < na ? ns : na, len = seg_len(1152, ns);
  int joins;
  assert_int_equal(bad_joins(s, a, n, len, 7 * 1152, &joins), 0);
  memset(a + 2 * (len + 3 * 1152), 0, 1152 * 4);
  assert_true(bad_joins(s, a, n, len, 7 * 1152, &joins) > 0);
  free(s);
  free(a);
}

/* An MPEG-1 Layer III stereo frame at 44.1 kHz, 128 kb/s (417 bytes, no
 * CRC), with main_data_begin mdb and its main-data area filled with fill. */
static AVPacket *mp3_frame(int mdb, uint8_t fill) {
  AVPacket *p = av_packet_alloc();
  assert_non_null(p);
  assert_int_equal(av_new_packet(p, 417), 0);
  memset(p->data, fill, 417);
  p->data[0] = 0xff, p->data[1] = 0xfb, p->data[2] = 0x90, p->data[3] = 0x00;
  memset(p->data + 4, 0, 32);
  p->data[4] = (uint8_t)(mdb >> 1);
  p->data[5] = (uint8_t)((mdb & 1) << 7);
  return p;
}

/* The MP3 join: it cuts where the next frame's borrowed bytes fit and
 * copies them over; where none fits, the previous frame grows to the first
 * bitrate that holds them (200 bytes short: 192 kb/s, 626 bytes). */
static void t_mp3_reservoir_join(void **state) {
  (void)state;
  for (int grow = 0; grow < 2; grow++) {
    AVPacket *a[6], *b[6];
    int64_t pts[6];
    for (int i = 0; i < 6; i++) {
      pts[i] = (int64_t)i * 1152;
      a[i] = mp3_frame(100, 0xaa);
      /* Frame 3 fits in the first pass (borrows 80 of the 100 left free). */
      b[i] = mp3_frame(grow || i != 3 ? 300 : 80, 0xbb);
    }
    pl_seg_part pa = {a, pts, 6}, pb = {b, pts, 6};
    int deficit = -1;
    int64_t cut = pl_seg_mp3_join(&pa, &pb, 2 * 1152, 1152, 2, &deficit);
    assert_int_equal(deficit, 0);
    if (!grow) {
      assert_int_equal(cut, 3 * 1152);
      assert_int_equal(a[2]->size, 417);
      /* The 80 bytes before frame 3's area are the next segment's, the rest the previous'. */
      assert_int_equal(a[2]->data[416], 0xbb);
      assert_int_equal(a[2]->data[417 - 80], 0xbb);
      assert_int_equal(a[2]->data[417 - 81], 0xaa);
    } else {
      assert_int_equal(cut, 2 * 1152); /* nothing fits: the nominal frame, grown */
      assert_int_equal(a[1]->size, 626);
      assert_int_equal(a[1]->data[2] >> 4, 11);
      assert_int_equal(a[1]->data[625], 0xbb);
      assert_int_equal(a[1]->data[626 - 300], 0xbb);
      assert_int_equal(a[1]->data[626 - 301], 0xaa);
    }
    for (int i = 0; i < 6; i++) {
      av_packet_free(&a[i]);
      av_packet_free(&b[i]);
    }
  }
}

static void t_option(void **state) {
  (void)state;
  iso_pipeline *p = iso_pipeline_new();
  assert_int_equal(iso_pipeline_set(p, "segments", "0"), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "segments"));
  assert_int_equal(iso_pipeline_set(p, "segments", "two"), ISO_EINVAL);
  assert_int_equal(iso_pipeline_set(p, "segments", "auto"), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "segments", "4"), ISO_OK);
  iso_pipeline_free(p);
  /* auto leaves a short input serial: byte for byte the serial output. */
  char a[1024], b[1024];
  tm_path(a, sizeof a, g_dir, "auto.mp3");
  tm_path(b, sizeof b, g_dir, "one.mp3");
  encode(g_src, a, "libmp3lame", "128k", "auto");
  encode(g_src, b, "libmp3lame", "128k", "1");
  assert_true(tm_same_file(a, b));
}

/* A cluster's N video tasks cover the plan's segments once each, in order,
 * the last to the input's end; with fewer segments than tasks some are empty. */
static void t_task_range(void **state) {
  (void)state;
  pl_job *j = calloc(1, sizeof *j);
  assert_non_null(j);
  j->in_t_us = -1;
  const int64_t durs[] = {3000000, 8000000, 60000000, 60040000};
  const AVRational fps = {25, 1};
  for (size_t d = 0; d < sizeof durs / sizeof durs[0]; d++)
    for (int n = 2; n <= 7; n++)
      for (int64_t len = 25; len <= 250; len += 7) {
        j->info.duration_us = durs[d];
        j->seg_tasks = n;
        int64_t m = (durs[d] * 25 / 1000000 + len - 1) / len, next = 0;
        for (int k = 0; k < n; k++) {
          int64_t lo, hi;
          j->seg_task = k;
          pl_seg_task_range(j, len, fps, &lo, &hi);
          assert_int_equal(lo, next);
          assert_true(hi >= lo);
          if (k < n - 1) assert_true(hi <= m);
          next = hi;
        }
        assert_true(next == INT64_MAX);
      }
  /* 60 s at 25 fps in 32-frame segments (1080p's): 47 segments, 4 tasks. */
  j->info.duration_us = 60000000;
  j->seg_tasks = 4;
  const int64_t want[] = {0, 11, 23, 35};
  for (int k = 0; k < 4; k++) {
    int64_t lo, hi;
    j->seg_task = k;
    pl_seg_task_range(j, 32, fps, &lo, &hi);
    assert_int_equal(lo, want[k]);
    assert_int_equal(hi, k < 3 ? want[k + 1] : INT64_MAX);
  }
  free(j);
}

/* auto's decision (pl_seg_count): on, one encoder per CPU, for the encoders
 * that use one thread when the input's length is known and long enough
 * and nothing else competes for the cores; off for the rest. */
static int auto_count(pl_job *j, int64_t dur_us, const char *a, const char *v) {
  memset(j->out, 0, sizeof j->out);
  j->nout = 0;
  j->segments = 0; /* auto */
  j->in_t_us = -1;
  j->info.duration_us = dur_us;
  const char *enc[] = {a, v};
  for (int i = 0; i < 2; i++)
    if (enc[i]) {
      pl_out_stream *o = &j->out[j->nout++];
      o->type = i ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
      snprintf(o->encoder, sizeof o->encoder, "%s", enc[i]);
    }
  return pl_seg_count(j, 0);
}

static void t_auto(void **state) {
  (void)state;
  pl_job *j = calloc(1, sizeof *j);
  assert_non_null(j);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int on = cpus < 2 ? 1 : cpus > PL_SEG_MAX ? PL_SEG_MAX : (int)cpus;
  /* One-thread audio encoders, 120 s, audio-only output. */
  const char *audio_on[] = {"libmp3lame", "aac", "libopus", "alac"};
  for (size_t i = 0; i < sizeof audio_on / sizeof *audio_on; i++) {
    assert_int_equal(auto_count(j, 120000000, audio_on[i], NULL), on);
    /* Short (30 s is the least), or of unknown length (a pipe that does not say). */
    assert_int_equal(auto_count(j, 29000000, audio_on[i], NULL), 1);
    assert_int_equal(auto_count(j, AV_NOPTS_VALUE, audio_on[i], NULL), 1);
    /* A video encoder in the same output has the cores. */
    assert_int_equal(auto_count(j, 120000000, audio_on[i], "libx264"), 1);
  }
  /* FLAC numbers its frames and checksums the stream; Vorbis packets are
   * not joined across encoders: serial even when asked. */
  assert_int_equal(auto_count(j, 120000000, "flac", NULL), 1);
  assert_int_equal(auto_count(j, 120000000, "libvorbis", NULL), 1);
  j->segments = 2;
  assert_non_null(pl_seg_serial_why(j, 0));
  /* libvpx leaves cores idle; x264 and x265 fill two by themselves. With
   * an audio stream beside it, the video is cut and the audio not. */
  assert_int_equal(auto_count(j, 10000000, NULL, "libvpx-vp9"), on);
  assert_int_equal(auto_count(j, 10000000, "aac", "libvpx-vp9"), 1);
  assert_int_equal(pl_seg_count(j, 1), on);
  auto_count(j, 10000000, NULL, "libvpx-vp9");
  j->info.duration_us = 7000000; /* under 8 s */
  assert_int_equal(pl_seg_count(j, 0), 1);
  j->info.duration_us = 10000000;
  j->in_t_us = 5000000; /* -t 5 */
  assert_int_equal(pl_seg_count(j, 0), 1);
  j->in_t_us = -1;
  const char *video_off[] = {"libx264", "libx265", "mpeg4", "ffv1"};
  for (size_t i = 0; i < sizeof video_off / sizeof *video_off; i++) {
    snprintf(j->out[0].encoder, sizeof j->out[0].encoder, "%s", video_off[i]);
    assert_int_equal(pl_seg_count(j, 0), 1);
    j->segments = 2; /* asked for: they can be cut */
    assert_int_equal(pl_seg_count(j, 0), 2);
    j->segments = 0;
  }
  /* A copied stream is never cut; --segments 1 turns auto off. */
  snprintf(j->out[0].encoder, sizeof j->out[0].encoder, "libvpx-vp9");
  j->out[0].copy = true;
  assert_int_equal(pl_seg_count(j, 0), 1);
  j->out[0].copy = false;
  j->segments = 1;
  assert_int_equal(pl_seg_count(j, 0), 1);
  free(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_option),
      cmocka_unit_test(t_task_range),
      cmocka_unit_test(t_auto),
      cmocka_unit_test(t_detector_sees),
      cmocka_unit_test(t_mp3),
      cmocka_unit_test(t_aac),
      cmocka_unit_test(t_opus),
      cmocka_unit_test(t_real_audio),
      cmocka_unit_test(t_lossless_bit_exact),
      cmocka_unit_test(t_mp3_reservoir_join),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
