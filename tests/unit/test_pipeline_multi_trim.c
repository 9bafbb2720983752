/* Pipeline tests: -ss / -t / -to per output when one input feeds several outputs. */
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_pipeline_util.h"

#include "pipeline/pl_stage.h"
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

/* Output #0 from kv0 (with the input), then one further output per list. */
static void run_outputs_p(const char *const *kv0, const char *const *const *more, int nmore,
                          const char *stats, iso_progress *last) {
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv0);
  if (!p) fail_msg("bad option: %s", r.error);
  tp_add_outputs(p, more, nmore);
  if (stats) assert_int_equal(iso_pipeline_set_stats_path(p, stats), ISO_OK);
  int before = pl_stage_live();
  int st = iso_pipeline_run(p);
  if (st != ISO_OK) fail_msg("run failed: %s", iso_pipeline_error(p) ? iso_pipeline_error(p) : "?");
  assert_int_equal(r.done_calls, 1);
  if (last) *last = r.last;
  iso_pipeline_free(p);
  assert_int_equal(pl_stage_live(), before); /* every stage ended, none stalled */
}

static void run_outputs(const char *const *kv0, const char *const *const *more, int nmore,
                        const char *stats) {
  run_outputs_p(kv0, more, nmore, stats, NULL);
}

static void run_one(const char *const *kv) {
  run_outputs(kv, NULL, 0, NULL);
}

static const tm_stream *probe(const char *path, tm_probe *pr, enum AVMediaType type) {
  int r = tm_probe_file(path, true, pr);
  if (r < 0) fail_msg("libavformat cannot open %s (%d)", path, r);
  assert_int_equal(pr->decode_errors, 0);
  const tm_stream *s = tm_probe_stream(pr, type);
  if (!s) fail_msg("%s has no %s", path, type == AVMEDIA_TYPE_VIDEO ? "video" : "audio");
  return s;
}

/* Lines of a framemd5 file that describe a frame (or packet) of stream s. */
static int framemd5_lines(const char *path, int s) {
  FILE *f = fopen(path, "r");
  if (!f) fail_msg("cannot read %s", path);
  char line[512];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (line[0] != '#' && atoi(line) == s) n++;
  fclose(f);
  return n;
}

/*
 * The windows: the input is read for their union, each output counted from
 * its start. The decoders then cut exactly as with that one output.
 */
static void t_windows(void **state) {
  (void)state;
  pl_job *j[3];
  for (int k = 0; k < 3; k++)
    assert_non_null(j[k] = pl_job_new());
  char err[256];
  /* Video only: an output's audio is cut after its graph (below). */
  for (int k = 0; k < 3; k++)
    assert_int_equal(pl_job_set(j[k], "an", "1", err, sizeof err), ISO_OK);
  /* A: -t 0.5, B: nothing, C: -ss 1 -t 0.5 */
  assert_int_equal(pl_job_set(j[0], "t", "0.5", err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j[2], "ss", "1", err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j[2], "t", "0.5", err, sizeof err), ISO_OK);
  pl_job_windows(j, 3);
  for (int k = 0; k < 3; k++) {
    assert_int_equal(j[k]->in_ss_us, 0);
    assert_int_equal(j[k]->in_t_us, -1); /* B reads to the end */
  }
  assert_int_equal(j[0]->win_start_us, 0);
  assert_int_equal(j[0]->win_end_us, 500000);
  assert_int_equal(j[1]->win_start_us, 0);
  assert_int_equal(j[1]->win_end_us, -1);
  assert_int_equal(j[2]->win_start_us, 1000000);
  assert_int_equal(j[2]->win_end_us, 1500000);
  assert_true(pl_job_trims(j[0]));
  assert_false(pl_job_trims(j[1]));
  assert_true(pl_job_trims(j[2]));

  /* Two bounded outputs: the union starts at the earliest -ss, ends at
   * the latest end; the one that spans it cuts nothing itself. */
  assert_int_equal(pl_job_set(j[0], "ss", "0.25", err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j[0], "t", "1.75", err, sizeof err), ISO_OK);
  pl_job_windows((pl_job *const[]){j[0], j[2]}, 2);
  assert_int_equal(j[0]->in_ss_us, 250000);
  assert_int_equal(j[0]->in_t_us, 1750000);
  assert_int_equal(j[2]->in_t_us, 1750000);
  assert_false(pl_job_trims(j[0]));
  assert_int_equal(j[2]->win_start_us, 750000);
  assert_int_equal(j[2]->win_end_us, 1250000);
  assert_true(pl_job_trims(j[2]));

  /* One output: its window is the input's, nothing changes downstream. */
  pl_job_windows((pl_job *const[]){j[2]}, 1);
  assert_int_equal(j[2]->in_ss_us, 1000000);
  assert_int_equal(j[2]->in_t_us, 500000);
  assert_int_equal(j[2]->win_start_us, 0);
  assert_false(pl_job_trims(j[2]));

  /* With audio encoded, the output's own -t is cut after the audio graph
   * (a resampler's last samples depend on what follows the end, as in
   * ffmpeg): the decoders read on until the converters have their window. */
  assert_int_equal(pl_job_set(j[2], "an", "0", err, sizeof err), ISO_OK);
  pl_job_windows((pl_job *const[]){j[2]}, 1);
  assert_int_equal(j[2]->cut_after, 2u);
  assert_int_equal(j[2]->in_ss_us, 1000000);
  assert_int_equal(j[2]->in_t_us, -1);
  assert_int_equal(j[2]->win_end_us, 500000);
  assert_int_equal(pl_job_set(j[2], "c:a", "copy", err, sizeof err), ISO_OK);
  pl_job_windows((pl_job *const[]){j[2]}, 1);
  assert_int_equal(j[2]->cut_after, 0u);
  assert_int_equal(j[2]->in_t_us, 500000);
  for (int k = 0; k < 3; k++)
    pl_job_free(j[k]);
}

/*
 * framemd5 (rawvideo + pcm) of three outputs of one run: -t 0.5, untrimmed,
 * -ss 1 -t 0.5. Each equals the single-output run with the same options
 * (frames and timestamps, to the sample): the one with -ss compares video
 * only, since a single output seeks the input and its AAC decoder then
 * restarts there, where the shared decoder runs on.
 */
static void t_like_single_outputs(void **state) {
  (void)state;
  char in[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  static const char *const name[2][3] = {{"sA.framemd5", "sB.framemd5", "sC.framemd5"},
                                         {"mA.framemd5", "mB.framemd5", "mC.framemd5"}};
  char path[2][3][1024];
  for (int t = 0; t < 2; t++)
    for (int k = 0; k < 3; k++)
      tm_path(path[t][k], sizeof path[t][k], g_dir, name[t][k]);
#define OUT(P, ...)                                                                                \
  {                                                                                                \
    "o", P, "f", "framemd5", "s", "96x72", "c:v", "rawvideo", "pix_fmt", "yuv420p", "c:a",         \
        "pcm_s16le", __VA_ARGS__ NULL                                                              \
  }
  for (int t = 0; t < 2; t++) {
    const char *a[] = OUT(path[t][0], "i", in, "t", "0.5", );
    const char *b[] = OUT(path[t][1], "i", in, );
    const char *c[] = OUT(path[t][2], "i", in, "ss", "1", "t", "0.5", "an", "1", );
    if (t == 0) {
      run_one(a);
      run_one(b);
      run_one(c);
    } else {
      const char *const *more[] = {b + 0, c + 0};
      /* "i" in b and c is the run's, given again: harmless. */
      run_outputs(a, more, 2, NULL);
    }
  }
#undef OUT
  for (int k = 0; k < 3; k++)
    if (!tm_same_file(path[0][k], path[1][k]))
      fail_msg("output #%d differs from its single-output run (%s, %s)", k, path[0][k], path[1][k]);
  assert_int_equal(framemd5_lines(path[1][0], 0), 15);
  assert_int_equal(framemd5_lines(path[1][1], 0), 60);
  assert_int_equal(framemd5_lines(path[1][2], 0), 15);
  assert_false(tm_same_file(path[1][0], path[1][2])); /* other frames: a test that can fail */
}

/* The same three outputs written by ffmpeg itself with output -ss/-t in one
 * run: framemd5 (every frame's data and timestamp, audio to the sample)
 * equal byte for byte. */
static void t_like_ffmpeg(void **state) {
  (void)state;
  char in[1024], ff[3][1024], is[3][1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  for (int k = 0; k < 3; k++) {
    char name[32];
    snprintf(name, sizeof name, "ff%d.framemd5", k);
    tm_path(ff[k], sizeof ff[k], g_dir, name);
    snprintf(name, sizeof name, "is%d.framemd5", k);
    tm_path(is[k], sizeof is[k], g_dir, name);
  }
#define FMT "-f", "framemd5", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le"
  const char *args[] = {"-i",  in,  "-t", "0.5", FMT, ff[0], FMT, ff[1],
                        "-ss", "1", "-t", "0.5", FMT, ff[2], NULL};
#undef FMT
  TM_NEED(tm_have_program("ffmpeg", NULL, 0), "ffmpeg");
  int rc = tm_run_ffmpeg(args);
  assert_int_equal(rc, 0);
#define OUT(P, ...)                                                                                \
  {                                                                                                \
    "o", P, "f", "framemd5", "c:v", "rawvideo", "pix_fmt", "yuv420p", "c:a", "pcm_s16le",          \
        __VA_ARGS__ NULL                                                                           \
  }
  const char *a[] = OUT(is[0], "i", in, "t", "0.5", );
  const char *b[] = OUT(is[1], );
  const char *c[] = OUT(is[2], "ss", "1", "t", "0.5", );
#undef OUT
  const char *const *more[] = {b + 0, c + 0};
  run_outputs(a, more, 2, NULL);
  for (int k = 0; k < 3; k++)
    if (!tm_same_file(ff[k], is[k]))
      fail_msg("output #%d differs from ffmpeg's: %s %s", k, ff[k], is[k]);
  assert_false(tm_same_file(is[0], is[2])); /* other frames: a test that can fail */
}

static double absd(double x) {
  return x < 0 ? -x : x;
}

/* Video and audio of one output: how long, where they start (seconds). */
static void expect_av(const char *path, int64_t frames, double dur, const char *acodec,
                      int64_t samples, int64_t slack) {
  tm_probe pr;
  const tm_stream *v = probe(path, &pr, AVMEDIA_TYPE_VIDEO);
  const double frame = 1.0 / 30;
  if (v->frames != frames)
    fail_msg("%s: %lld video frames, wanted %lld", path, (long long)v->frames, (long long)frames);
  if (absd(v->start) > frame) fail_msg("%s: video starts at %.4f s", path, v->start);
  if (absd(v->decoded_duration - dur) > frame)
    fail_msg("%s: video lasts %.4f s, wanted %.4f", path, v->decoded_duration, dur);
  const tm_stream *a = probe(path, &pr, AVMEDIA_TYPE_AUDIO);
  assert_string_equal(a->codec, acodec);
  if (a->samples < samples - slack || a->samples > samples + slack)
    fail_msg("%s: %lld samples, wanted %lld +- %lld", path, (long long)a->samples,
             (long long)samples, (long long)slack);
  /* A/V start within one frame of 0 and of each other (AAC's priming
   * shows as a start below 0, counted in its slack). */
  double slack_s = frame + slack / 48000.0;
  if (absd(a->start) > slack_s) fail_msg("%s: audio starts at %.4f s", path, a->start);
  if (absd(a->start - v->start) > slack_s)
    fail_msg("%s: audio starts at %.4f s, video at %.4f s", path, a->start, v->start);
}

/* Real files from one run: -t 0.5, untrimmed, -ss 1 -t 0.5, and -ss 0.5 -to
 * 1.25 with AAC; each lasts its own window and starts at 0. */
static void t_durations(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024], c[1024], d[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "dur-a.mkv");
  tm_path(b, sizeof b, g_dir, "dur-b.mkv");
  tm_path(c, sizeof c, g_dir, "dur-c.mkv");
  tm_path(d, sizeof d, g_dir, "dur-d.mp4");
  const char *kv0[] = {"i", in, "o", a, "c:v", "mpeg4", "c:a", "pcm_s16le", "t", "0.5", NULL};
  const char *o1[] = {"o", b, "c:v", "mpeg4", "c:a", "pcm_s16le", NULL};
  const char *o2[] = {"o", c, "c:v", "mpeg4", "c:a", "pcm_s16le", "ss", "1", "t", "0.5", NULL};
  const char *o3[] = {"o", d, "c:v", "mpeg4", "c:a", "aac", "ss", "0.5", "to", "1.25", NULL};
  const char *const *more[] = {o1, o2, o3};
  iso_progress last;
  run_outputs_p(kv0, more, 3, NULL, &last);
  /* Progress follows the longest output: a short one holds it back neither
   * while running nor at the end. */
  if (absd(last.duration_s - 2.0) > 0.05 || last.position_s < 1.9)
    fail_msg("progress %.3f of %.3f s", last.position_s, last.duration_s);
  expect_av(a, 15, 0.5, "pcm_s16le", 24000, 0);
  expect_av(c, 15, 0.5, "pcm_s16le", 24000, 0);
  tm_probe pr;
  int64_t all = probe(b, &pr, AVMEDIA_TYPE_AUDIO)->samples;
  assert_true(all >= 95000);
  expect_av(b, 60, 2.0, "pcm_s16le", all, 0);
  /* AAC: one encoder frame of priming / padding either way. */
  expect_av(d, 23, 0.75, "aac", 36000, 1024);
}

/*
 * Input #0's -ss/-t/-to composed with an output's own, as ffmpeg reads
 * input and output options: the output's clock starts at the input's -ss,
 * an input -to is a position in the input, the earlier end wins.
 */
static void t_compose(void **state) {
  (void)state;
  static const struct {
    double in[3], out[3]; /* ss, t, to; -1 unset */
    double ss, t;         /* composed; t -1 none */
    bool from_input;
  } c[] = {
      {{1, -1, -1}, {-1, -1, -1}, 1, -1, false},  /* -ss 1 -i */
      {{1, 2, -1}, {-1, -1, -1}, 1, 2, true},     /* -ss 1 -t 2 -i */
      {{1, -1, 2.5}, {-1, -1, -1}, 1, 1.5, true}, /* -ss 1 -to 2.5 -i */
      {{1, -1, -1}, {0.5, 1, -1}, 1.5, 1, false}, /* -ss 1 -i ... -ss 0.5 -t 1 */
      {{1, -1, -1}, {-1, -1, 1}, 1, 1, false},    /* output -to counts from the input's -ss */
      {{1, 3, -1}, {0.5, 5, -1}, 1.5, 2.5, true}, /* the input's end comes first */
      {{-1, 1, -1}, {-1, 0.5, -1}, 0, 0.5, false},
  };
  char err[256];
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    pl_job *j = pl_job_new();
    assert_non_null(j);
    pl_input in0 = j->in[0];
    int64_t *iw[3] = {&in0.ss_us, &in0.t_us, &in0.to_us}, *ow[3] = {&j->ss_us, &j->t_us, &j->to_us};
    for (int w = 0; w < 3; w++) {
      *iw[w] = c[k].in[w] < 0 ? -1 : (int64_t)(c[k].in[w] * 1e6);
      *ow[w] = c[k].out[w] < 0 ? -1 : (int64_t)(c[k].out[w] * 1e6);
    }
    assert_int_equal(pl_window_compose(j, &in0, err, sizeof err), ISO_OK);
    if (j->ss_us != (int64_t)(c[k].ss * 1e6) ||
        j->t_us != (c[k].t < 0 ? -1 : (int64_t)(c[k].t * 1e6)) || j->to_us != -1 ||
        j->t_from_input != c[k].from_input)
      fail_msg("case %zu: ss %" PRId64 " t %" PRId64 " to %" PRId64 " from_input %d", k, j->ss_us,
               j->t_us, j->to_us, j->t_from_input);
    pl_job_free(j);
  }
  /* A further input's -to folds into its -t; the earlier end wins. */
  pl_input more = {.ss_us = 1000000, .t_us = -1, .to_us = 2500000};
  assert_int_equal(pl_input_fold_to(&more, 1, err, sizeof err), ISO_OK);
  assert_int_equal(more.t_us, 1500000);
  more = (pl_input){.ss_us = -1, .t_us = 500000, .to_us = 2500000};
  assert_int_equal(pl_input_fold_to(&more, 1, err, sizeof err), ISO_OK);
  assert_int_equal(more.t_us, 500000);
  more = (pl_input){.ss_us = 3000000, .t_us = -1, .to_us = 2500000};
  assert_int_equal(pl_input_fold_to(&more, 2, err, sizeof err), ISO_EINVAL);
  assert_non_null(strstr(err, "input #2"));
  /* Nothing left: -t 1 -i ... -ss 2 names the output. */
  pl_job *j = pl_job_new();
  assert_non_null(j);
  assert_int_equal(pl_job_set(j, "o", "late.mkv", err, sizeof err), ISO_OK);
  assert_int_equal(pl_job_set(j, "ss", "2", err, sizeof err), ISO_OK);
  pl_input in0 = j->in[0];
  in0.t_us = 1000000;
  assert_int_equal(pl_window_compose(j, &in0, err, sizeof err), ISO_EINVAL);
  assert_non_null(strstr(err, "late.mkv"));
  assert_non_null(strstr(err, "nothing left"));
  pl_job_free(j);
}

/* An embedder sets input #0's window through the API as the CLI does with
 * -ss/-to before -i: both outputs see the input from 0.5 s to 1.5 s, the
 * second one from its own -ss 0.5 on that clock. */
static void t_input_window_api(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "inwin-a.mkv");
  tm_path(b, sizeof b, g_dir, "inwin-b.mkv");
  tp_run r;
  tp_init(&r);
  const char *kv0[] = {"i", in, "o", a, "c:v", "mpeg4", "c:a", "pcm_s16le", NULL};
  iso_pipeline *p = tp_make(&r, kv0);
  assert_non_null(p);
  assert_int_equal(iso_pipeline_set_input(p, 0, "ss", "0.5"), ISO_OK);
  assert_int_equal(iso_pipeline_set_input(p, 0, "to", "1.5"), ISO_OK);
  const char *o1[] = {"o", b, "c:v", "mpeg4", "c:a", "pcm_s16le", "ss", "0.5", NULL};
  const char *const *more[] = {o1};
  tp_add_outputs(p, more, 1);
  if (iso_pipeline_run(p) != ISO_OK) fail_msg("run failed: %s", iso_pipeline_error(p));
  iso_pipeline_free(p);
  expect_av(a, 30, 1.0, "pcm_s16le", 48000, 0);
  expect_av(b, 15, 0.5, "pcm_s16le", 24000, 0);
  /* A name the input does not take is refused, naming the pipeline key. */
  p = iso_pipeline_new();
  assert_non_null(p);
  assert_int_equal(iso_pipeline_set_input(p, 0, "map", "0"), ISO_EINVAL);
  assert_non_null(strstr(iso_pipeline_error(p), "iso_pipeline_set"));
  iso_pipeline_free(p);
}

/* A stream copy with its own -ss/-t next to an untrimmed transcode: the copy
 * starts on the first keyframe at or after its -ss, at 0, and ends at its
 * -t; the other output is whole. */
static void t_copy_window(void **state) {
  (void)state;
  char in[1024], src[1024], a[1024], b[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(src, sizeof src, g_dir, "copy-src.mkv");
  tm_path(a, sizeof a, g_dir, "copy-a.mkv");
  tm_path(b, sizeof b, g_dir, "copy-b.mkv");
  /* A keyframe every 10 frames (1/3 s): one lands on 1.0 s exactly. */
  const char *mk[] = {"i", in, "o", src, "c:v", "mpeg4", "g", "10", "c:a", "pcm_s16le", NULL};
  run_one(mk);
  const char *kv0[] = {"i", src, "o", a, "c", "copy", "ss", "1", "t", "0.5", NULL};
  const char *o1[] = {"o", b, "c:v", "mpeg4", "an", "1", NULL};
  const char *const *more[] = {o1};
  run_outputs(kv0, more, 1, NULL);
  tm_probe pr;
  const tm_stream *v = probe(a, &pr, AVMEDIA_TYPE_VIDEO);
  assert_string_equal(v->codec, "mpeg4");
  if (v->frames != 15 || absd(v->start) > 0.002)
    fail_msg("%s: %lld frames from %.4f s, wanted 15 from 0", a, (long long)v->frames, v->start);
  const tm_stream *au = probe(a, &pr, AVMEDIA_TYPE_AUDIO);
  if (absd(au->start) > 1.0 / 30 || absd(au->decoded_duration - 0.5) > 1.0 / 30)
    fail_msg("%s: audio %.4f s from %.4f s", a, au->decoded_duration, au->start);
  assert_int_equal(probe(b, &pr, AVMEDIA_TYPE_VIDEO)->frames, 60);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return buf;
}

/* --stats: "output" stays output #0, "outputs" lists every output in order. */
static void t_stats_outputs(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024], stats[1024], one[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "st-a.mkv");
  tm_path(b, sizeof b, g_dir, "st-b.mkv");
  tm_path(stats, sizeof stats, g_dir, "st.json");
  tm_path(one, sizeof one, g_dir, "st-one.json");
  const char *kv0[] = {"i", in, "o", a, "c:v", "mpeg4", "an", "1", "t", "0.2", NULL};
  const char *o1[] = {"o", b, "c:v", "mpeg4", "an", "1", "ss", "1.5", NULL};
  const char *const *more[] = {o1};
  run_outputs(kv0, more, 1, stats);
  const char *doc = slurp(stats);
  assert_non_null(doc);
  char want[2200];
  snprintf(want, sizeof want, "\"output\": \"%s\"", a);
  if (!strstr(doc, want)) fail_msg("no %s in %s", want, stats);
  const char *list = strstr(doc, "\"outputs\": [");
  if (!list) fail_msg("no \"outputs\" in %s", stats);
  const char *end = strchr(list, ']');
  const char *pa = strstr(list, a), *pb = strstr(list, b);
  if (!end || !pa || !pb || !(pa < pb && pb < end)) fail_msg("outputs: %.*s", 400, list);
  /* One output: a list of one. */
  tm_path(a, sizeof a, g_dir, "st-one.mkv");
  const char *solo[] = {"i", in, "o", a, "c:v", "mpeg4", "an", "1", "t", "0.2", NULL};
  run_outputs(solo, NULL, 0, one);
  doc = slurp(one);
  assert_non_null(doc);
  list = strstr(doc, "\"outputs\": [");
  assert_non_null(list);
  end = strchr(list, ']');
  pa = strstr(list, a);
  if (!end || !pa || pa > end || strchr(list, ',') < end) fail_msg("outputs: %.*s", 400, list);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_windows),
      cmocka_unit_test(t_like_ffmpeg),
      cmocka_unit_test(t_like_single_outputs),
      cmocka_unit_test(t_durations),
      cmocka_unit_test(t_compose),
      cmocka_unit_test(t_input_window_api),
      cmocka_unit_test(t_copy_window),
      cmocka_unit_test(t_stats_outputs),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
