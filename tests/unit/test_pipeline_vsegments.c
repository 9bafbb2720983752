/* Pipeline tests: segment-parallel video encoding gives the serial run's frames, timestamps and
 * packet order (CFR, VFR, B-frames, open GOPs), lossless output decodes bit-exactly, and streams
 * that cannot be cut say why they run serial. */
#include "test_pipeline_util.h"

#include "pipeline/stages/encode_seg.h"

#define SECONDS 6.0

static char g_dir[512];
static char g_src[1024]; /* generated: 320x240 H.264 at 30 fps */

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  if (tp_setup_threads(state) != 0) return -1;
  av_log_set_level(AV_LOG_VERBOSE); /* the stage says when it segments */
  return tm_gen_simple(g_src, sizeof g_src, g_dir, "src.mp4", "libx264", NULL, 320, 240, SECONDS, 0,
                       0);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

static int g_segmented; /* segment encoders the last run's stage logged (0: serial) */
static bool g_said_serial;
static int g_seglen;         /* frames a segment owns, as the stage logged */
static int g_held;           /* frames the segments held at most, as the stage logged */
static bool g_stop_at_start; /* the log of the segments' start cancels the run */

static void on_log(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {
  tp_on_log(p, level, stage, line, ud);
  const char *s = line ? strstr(line, "segments: ") : NULL;
  if (s && strstr(s, "encoders side by side")) g_segmented = atoi(s + 10);
  if (s && strstr(s, "runs serial")) g_said_serial = true;
  const char *l = s ? strstr(s, "segments of ") : NULL;
  if (l) g_seglen = atoi(l + 12);
  if (s && !strncmp(s + 10, "at most ", 8)) g_held = atoi(s + 18);
  if (g_stop_at_start && g_segmented) iso_pipeline_cancel(p, ISO_CANCEL_GRACEFUL);
}

/* src -> dst with the options kv (NULL-terminated pairs) and segments;
 * the run must end with status want. */
static void encode_as(const char *src, const char *dst, const char *const *kv, const char *segments,
                      int want) {
  const char *all[40] = {"i", src, "o", dst, "overwrite", "1", "segments", segments, "an", "1"};
  int n = 10;
  for (int i = 0; kv && kv[i]; i++)
    all[n++] = kv[i];
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, all);
  assert_non_null(p);
  iso_pipeline_callbacks cb = {tp_on_progress, on_log, tp_on_error, tp_on_done};
  iso_pipeline_set_callbacks(p, &cb, &r);
  g_segmented = 0;
  g_said_serial = false;
  g_seglen = g_held = 0;
  int st = iso_pipeline_run(p);
  if (st != want) fail_msg("%s -> %s (segments %s): %d, %s", src, dst, segments, st, r.error);
  iso_pipeline_free(p);
}

static void encode(const char *src, const char *dst, const char *const *kv, const char *segments) {
  encode_as(src, dst, kv, segments, ISO_OK);
}

/* One framemd5 line: stream, dts, pts, duration, size, hash. */
typedef struct fline {
  int64_t dts, pts, dur;
  char hash[40];
} fline;

static int by_pts(const void *a, const void *b) {
  int64_t x = ((const fline *)a)->pts, y = ((const fline *)b)->pts;
  return x < y ? -1 : x > y;
}

/* path's video as framemd5, through isopipe: its packets as they are
 * (copy) or its decoded pictures. Returns the lines (n of them). */
static fline *framemd5(const char *path, bool copy, int *n) {
  char out[1024];
  tm_path(out, sizeof out, g_dir, copy ? "pk.framemd5" : "fr.framemd5");
  const char *kv[] = {"i",  path, "o",        out,   "overwrite",
                      "1",  "f",  "framemd5", "c:v", copy ? "copy" : "rawvideo",
                      "an", "1",  NULL};
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("framemd5 of %s: %s", path, r.error);
  FILE *f = fopen(out, "r");
  assert_non_null(f);
  fline *l = NULL;
  int cap = 0;
  char buf[512];
  *n = 0;
  while (fgets(buf, sizeof buf, f)) {
    if (buf[0] == '#') continue;
    if (*n == cap && !(l = realloc(l, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *l)))
      fail_msg("out of memory");
    fline *e = &l[*n];
    int stream;
    long long size, dts, pts, dur;
    if (sscanf(buf, "%d, %lld, %lld, %lld, %lld, %39s", &stream, &dts, &pts, &dur, &size,
               e->hash) != 6)
      fail_msg("%s: unexpected framemd5 line '%s'", path, buf);
    e->dts = dts;
    e->pts = pts;
    e->dur = dur;
    (*n)++;
  }
  fclose(f);
  return l;
}

/* The segmented output against the serial one: the same number of
 * pictures with the same timestamps, the same packet decode timestamps (the
 * join keeps them rising), and with bit_exact the same pictures. */
static void same_as_serial(const char *seg, const char *ser, bool bit_exact) {
  int na, nb;
  fline *a = framemd5(seg, false, &na), *b = framemd5(ser, false, &nb);
  assert_int_equal(na, nb);
  assert_true(na > 30);
  for (int i = 0; i < na; i++) {
    if (a[i].pts != b[i].pts || a[i].dur != b[i].dur)
      fail_msg("picture %d: pts %lld (dur %lld) segmented, %lld (dur %lld) serial", i,
               (long long)a[i].pts, (long long)a[i].dur, (long long)b[i].pts, (long long)b[i].dur);
    if (bit_exact && strcmp(a[i].hash, b[i].hash))
      fail_msg("picture %d (pts %lld) differs from the serial run's", i, (long long)a[i].pts);
  }
  free(a);
  free(b);
  a = framemd5(seg, true, &na);
  b = framemd5(ser, true, &nb);
  assert_int_equal(na, nb);
  for (int i = 0; i < na; i++)
    if (a[i].dts != b[i].dts)
      fail_msg("packet %d: dts %lld segmented, %lld serial", i, (long long)a[i].dts,
               (long long)b[i].dts);
  /* Another GOP layout, so another packet order: the same presentation times. */
  qsort(a, (size_t)na, sizeof *a, by_pts);
  qsort(b, (size_t)nb, sizeof *b, by_pts);
  for (int i = 0; i < na; i++)
    assert_int_equal(a[i].pts, b[i].pts);
  free(a);
  free(b);
}

static void pair(const char *src, const char *name, const char *const *kv, int nseg,
                 bool bit_exact) {
  char seg[1024], ser[1024], file[128], segs[8];
  snprintf(file, sizeof file, "seg-%s", name);
  tm_path(seg, sizeof seg, g_dir, file);
  snprintf(file, sizeof file, "ser-%s", name);
  tm_path(ser, sizeof ser, g_dir, file);
  snprintf(segs, sizeof segs, "%d", nseg);
  encode(src, seg, kv, segs);
  assert_int_equal(g_segmented, nseg);
  /* Only N - 1 segments are read whole while N encode: the youngest is
   * streamed to its encoder, a few frames ahead (plus the frames its
   * encoders took since they last said). */
  int most = (nseg - 1) * g_seglen + PL_VSEG_FEED + nseg * PL_VSEG_ACK;
  if (g_seglen <= 0 || g_held <= 0 || g_held > most)
    fail_msg("%s: %d frames held at once with %d segments of %d frames (at most %d)", name, g_held,
             nseg, g_seglen, most);
  encode(src, ser, kv, "1");
  assert_int_equal(g_segmented, 0);
  same_as_serial(seg, ser, bit_exact);
}

/* x264 with B-frames (pyramid, 3 deep) into MP4: 3 segments of 2 s. */
static void t_cfr_bframes(void **state) {
  (void)state;
  const char *kv[] = {"c:v", "libx264", "preset", "veryfast", "crf", "23", NULL};
  pair(g_src, "cfr.mp4", kv, 3, false);
}

/* An open-GOP input, encoded with open GOPs: leading pictures stay inside
 * their segment, every segment starts on its own keyframe. */
static void t_open_gop(void **state) {
  (void)state;
  char og[1024];
  tm_path(og, sizeof og, g_dir, "opengop.mp4");
  const char *mk[] = {"c:v", "libx264", "x264-params", "open-gop=1:keyint=40:bframes=3", NULL};
  encode(g_src, og, mk, "1");
  const char *kv[] = {"c:v", "libx264", "x264-params", "open-gop=1:keyint=50:bframes=3", NULL};
  pair(og, "og.mp4", kv, 2, false);
}

/* Variable frame rate: pictures dropped in two runs, into Matroska (which
 * keeps each picture's time). */
static void t_vfr(void **state) {
  (void)state;
  const char *kv[] = {"c:v", "libx264", "vf",
                      "select='not(between(n\\,20\\,33))*not(between(n\\,70\\,80))'", NULL};
  pair(g_src, "vfr.mkv", kv, 3, false);
}

/* An encoder far slower than the decoder (VP9): the frames read ahead of
 * the encoders stay within N - 1 segments (pair checks the log). */
static void t_held(void **state) {
  (void)state;
  const char *kv[] = {"c:v", "libvpx-vp9", "deadline", "good", "cpu-used",
                      "8",   "b:v",        "300k",     NULL};
  pair(g_src, "vp9.webm", kv, 2, false);
}

/* Lossless: the segmented FFV1 stream decodes to the serial one's pictures. */
static void t_ffv1_bit_exact(void **state) {
  (void)state;
  const char *kv[] = {"c:v", "ffv1", NULL};
  pair(g_src, "ffv1.mkv", kv, 2, true);
}

/* A stream that cannot be cut runs serial and says why; so does auto for
 * an encoder that fills the cores itself. */
static void t_serial_cases(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "huff.mkv");
  const char *huff[] = {"c:v", "huffyuv", "t", "1", NULL};
  encode(g_src, out, huff, "3");
  assert_int_equal(g_segmented, 0);
  assert_true(g_said_serial);
  tm_path(out, sizeof out, g_dir, "fkf.mp4");
  const char *fkf[] = {"c:v", "libx264", "force_key_frames", "1,2", "t", "3", NULL};
  encode(g_src, out, fkf, "2");
  assert_int_equal(g_segmented, 0);
  assert_true(g_said_serial);
  tm_path(out, sizeof out, g_dir, "auto.mp4");
  const char *x264[] = {"c:v", "libx264", NULL};
  encode(g_src, out, x264, "auto");
  assert_int_equal(g_segmented, 0);
  assert_false(g_said_serial);
}

/* Ctrl-C as the segments begin: the pictures already read are encoded, the
 * output ends with the first segment that stopped (never a hole where a
 * later one would continue) and stays playable. */
static void t_stop(void **state) {
  (void)state;
  char out[1024];
  tm_path(out, sizeof out, g_dir, "stop.mp4");
  const char *kv[] = {"c:v", "libx264", NULL};
  g_stop_at_start = true;
  encode_as(g_src, out, kv, "3", ISO_ECANCELLED);
  g_stop_at_start = false;
  int n;
  fline *l = framemd5(out, false, &n);
  if (n < 1 || n >= (int)(SECONDS * 30)) fail_msg("%d pictures after a stop at the start", n);
  for (int i = 1; i < n; i++)
    if (l[i].pts - l[i - 1].pts != l[1].pts - l[0].pts)
      fail_msg("picture %d of %d: pts %lld after %lld: a hole", i, n, (long long)l[i].pts,
               (long long)l[i - 1].pts);
  free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_cfr_bframes),  cmocka_unit_test(t_open_gop),
      cmocka_unit_test(t_vfr),          cmocka_unit_test(t_ffv1_bit_exact),
      cmocka_unit_test(t_serial_cases), cmocka_unit_test(t_stop),
      cmocka_unit_test(t_held),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
