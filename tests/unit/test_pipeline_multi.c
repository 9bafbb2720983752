/* Pipeline tests: one input, several outputs in one pipeline (shared demux and decoders). */
#include <sys/stat.h>

#include "test_pipeline_util.h"

#include "pipeline/pl_stage.h"

static char g_dir[512];

static int setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* kv of output #0 (with the input) then, per further output, its own
 * NULL-terminated list; runs to the end like tp_run_kv. */
static int run_multi(tp_run *r, const char *const *kv0, const char *const *const *more, int nmore,
                     const char *stats) {
  iso_pipeline *p = tp_make(r, kv0);
  assert_non_null(p);
  tp_add_outputs(p, more, nmore);
  assert_int_equal(iso_pipeline_outputs(p), 1 + nmore);
  if (stats) assert_int_equal(iso_pipeline_set_stats_path(p, stats), ISO_OK);
  int st = iso_pipeline_run(p);
  if (st != ISO_OK && !r->error[0] && iso_pipeline_error(p))
    snprintf(r->error, sizeof r->error, "%s", iso_pipeline_error(p));
  assert_int_equal(r->done_calls, 1);
  r->status = st;
  tp_sum_counters(r);
  iso_pipeline_free(p);
  if (st != ISO_OK && getenv("TP_VERBOSE")) fprintf(stderr, "run failed: %s\n", r->error);
  return st;
}

static const tm_stream *probe(const char *path, tm_probe *pr, enum AVMediaType type) {
  int r = tm_probe_file(path, true, pr);
  if (r < 0) fail_msg("libavformat cannot open %s (%d)", path, r);
  assert_int_equal(pr->decode_errors, 0);
  return tm_probe_stream(pr, type);
}

static void expect_video(const char *path, const char *codec, int w, int h, int64_t frames) {
  tm_probe pr;
  const tm_stream *v = probe(path, &pr, AVMEDIA_TYPE_VIDEO);
  if (!v) fail_msg("%s has no video", path);
  assert_string_equal(v->codec, codec);
  if (v->width != w || v->height != h)
    fail_msg("%s: %dx%d, wanted %dx%d", path, v->width, v->height, w, h);
  if (frames >= 0 && v->frames != frames)
    fail_msg("%s: %lld frames, wanted %lld", path, (long long)v->frames, (long long)frames);
}

static int64_t audio_samples(const char *path, const char *codec) {
  tm_probe pr;
  const tm_stream *a = probe(path, &pr, AVMEDIA_TYPE_AUDIO);
  if (!a) fail_msg("%s has no audio", path);
  assert_string_equal(a->codec, codec);
  return a->samples;
}

static int64_t video_frames(const char *path) {
  tm_probe pr;
  const tm_stream *v = probe(path, &pr, AVMEDIA_TYPE_VIDEO);
  assert_non_null(v);
  return v->frames;
}

/* Stage names stay unique per output, and no stage deep-copied media. */
static void expect_stages(const tp_run *r, const char *const *want) {
  for (int i = 0; i < r->last.nstages; i++) {
    const iso_stage_stats *s = &r->last.stages[i];
    if (s->bytes_copied)
      fail_msg("%s copied %llu bytes", s->name, (unsigned long long)s->bytes_copied);
    for (int j = 0; j < i; j++)
      if (!strcmp(s->name, r->last.stages[j].name)) fail_msg("stage %s twice", s->name);
  }
  for (int k = 0; want[k]; k++) {
    bool found = false;
    for (int i = 0; i < r->last.nstages; i++)
      found = found || !strcmp(r->last.stages[i].name, want[k]);
    if (!found) fail_msg("no stage %s", want[k]);
  }
  assert_int_equal(r->bytes_copied, 0);
}

static const iso_stage_stats *stage_of(const tp_run *r, const char *name) {
  for (int i = 0; i < r->last.nstages; i++)
    if (!strcmp(r->last.stages[i].name, name)) return &r->last.stages[i];
  fail_msg("no stage %s", name);
  return NULL;
}

/* Items are the media a link carries, counted once each where it leaves
 * and where it arrives: what one stage sends, the next receives. */
static void expect_items_follow(const tp_run *r) {
  const iso_stage_stats *dm = stage_of(r, "demux"), *dv = stage_of(r, "decode:v"),
                        *da = stage_of(r, "decode:a");
  assert_true(dm->items_in > 0);
  assert_int_equal(dm->items_out, dm->items_in); /* every packet read is used once */
  assert_int_equal(dm->bytes_out, dm->bytes_in);
  assert_int_equal(dv->items_in + da->items_in, dm->items_out);
  /* A decoder feeding two outputs counts each frame once. */
  assert_int_equal(stage_of(r, "convert:v")->items_in, dv->items_out);
  assert_int_equal(stage_of(r, "convert:v#1")->items_in, dv->items_out);
  const char *sfx[] = {"", "#1"};
  for (int k = 0; k < 2; k++) {
    char v[32], a[32], m[32];
    snprintf(v, sizeof v, "encode:v%s", sfx[k]);
    snprintf(a, sizeof a, "encode:a%s", sfx[k]);
    snprintf(m, sizeof m, "mux%s", sfx[k]);
    assert_int_equal(stage_of(r, m)->items_in,
                     stage_of(r, v)->items_out + stage_of(r, a)->items_out);
  }
}

/* Two sizes in one run: each output as the single-output run would make it. */
static void t_two_outputs(void **state) {
  (void)state;
  char in[1024], single[1024], a[1024], b[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(single, sizeof single, g_dir, "single.mp4");
  tm_path(a, sizeof a, g_dir, "two-a.mp4");
  tm_path(b, sizeof b, g_dir, "two-b.mkv");
  const char *kv1[] = {"i", in, "o", single, "s", "160x120", "c:v", "mpeg4", "c:a", "aac", NULL};
  tp_run r;
  tp_init(&r);
  assert_int_equal(tp_run_kv(&r, kv1), ISO_OK);
  int64_t want_frames = video_frames(single);
  int64_t want_samples = audio_samples(single, "aac");
  assert_true(want_frames > 10);

  const char *kv0[] = {"i", in, "o", a, "s", "160x120", "c:v", "mpeg4", "c:a", "aac", NULL};
  const char *o1[] = {"o",      b,           "s",   "96x72",   "c:v", "libx264",
                      "preset", "ultrafast", "c:a", "libopus", NULL};
  const char *const *more[] = {o1};
  int before = pl_stage_live();
  tp_init(&r);
  assert_int_equal(run_multi(&r, kv0, more, 1, NULL), ISO_OK);
  assert_int_equal(pl_stage_live(), before);
  expect_video(a, "mpeg4", 160, 120, want_frames);
  assert_int_equal(audio_samples(a, "aac"), want_samples);
  expect_video(b, "h264", 96, 72, want_frames);
  audio_samples(b, "opus");
  const char *names[] = {"demux",       "decode:v",   "decode:a", "convert:v",   "encode:v",
                         "convert:a",   "encode:a",   "mux",      "convert:v#1", "encode:v#1",
                         "convert:a#1", "encode:a#1", "mux#1",    NULL};
  expect_stages(&r, names);
  assert_int_equal(r.last.nstages, 13); /* one demux, one decoder per stream */
  expect_items_follow(&r);
  assert_true(r.last.out_bytes >= (uint64_t)(tm_file_size(a) + tm_file_size(b)) / 2);
}

/* Three outputs, one of them without audio, one a stream copy; --stats
 * written with every stage. */
static void t_three_outputs_copy_an(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024], c[1024], stats[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "three-a.mp4");
  tm_path(b, sizeof b, g_dir, "three-b.mp4");
  tm_path(c, sizeof c, g_dir, "three-c.mkv");
  tm_path(stats, sizeof stats, g_dir, "three.json");
  const char *kv0[] = {"i", in, "o", a, "s", "160x120", "c:v", "mpeg4", "c:a", "aac", NULL};
  const char *o1[] = {"o", b, "s", "80x60", "c:v", "mpeg4", "an", "1", NULL};
  const char *o2[] = {"o", c, "c", "copy", NULL};
  const char *const *more[] = {o1, o2};
  tp_run r;
  tp_init(&r);
  assert_int_equal(run_multi(&r, kv0, more, 2, stats), ISO_OK);
  tm_probe pr;
  tm_probe_file(in, true, &pr);
  const tm_stream *src = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
  int64_t frames = video_frames(a);
  expect_video(b, "mpeg4", 80, 60, frames);
  tm_probe pb;
  probe(b, &pb, AVMEDIA_TYPE_VIDEO);
  assert_null(tm_probe_stream(&pb, AVMEDIA_TYPE_AUDIO)); /* -an on #1 only */
  expect_video(c, "h264", src->width, src->height, src->frames);
  audio_samples(c, "aac");
  audio_samples(a, "aac");
  const char *names[] = {"demux",      "decode:v", "mux",   "convert:v#1",
                         "encode:v#1", "mux#1",    "mux#2", NULL};
  expect_stages(&r, names);
  for (int i = 0; i < r.last.nstages; i++)
    if (!strcmp(r.last.stages[i].name, "encode:a#1")) fail_msg("-an output has an audio chain");
  assert_true(tm_file_size(stats) > 100);
}

/* A second output that cannot be written stops the run with its stage's
 * name; every stage ends, nothing is left behind. */
static void t_unwritable_second_output(void **state) {
  (void)state;
  char in[1024], a[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "fail-a.mp4");
  const char *kv0[] = {"i", in, "o", a, "c:v", "mpeg4", "c:a", "aac", NULL};
  const char *o1[] = {"o", "/nonexistent-dir/b.mp4", "c:v", "mpeg4", "c:a", "aac", NULL};
  const char *const *more[] = {o1};
  int before = pl_stage_live();
  tp_run r;
  tp_init(&r);
  assert_int_not_equal(run_multi(&r, kv0, more, 1, NULL), ISO_OK);
  assert_string_equal(r.first_error_stage, "mux#1");
  if (!strstr(r.error, "mux#1 (/nonexistent-dir/b.mp4)")) fail_msg("error: %s", r.error);
  assert_int_equal(pl_stage_live(), before);
}

/* A bad option of a further output is refused before anything starts. */
static void t_bad_option_second_output(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "bad-a.mp4");
  tm_path(b, sizeof b, g_dir, "bad-b.mp4");
  iso_pipeline *p = iso_pipeline_new();
  assert_int_equal(iso_pipeline_set(p, "i", in), ISO_OK);
  assert_int_equal(iso_pipeline_set(p, "o", a), ISO_OK);
  assert_int_equal(iso_pipeline_set_output(p, 1, "o", b), ISO_EINVAL); /* not added yet */
  assert_int_equal(iso_pipeline_add_output(p), 1);
  assert_int_equal(iso_pipeline_set_output(p, 1, "o", b), ISO_OK);
  assert_int_equal(iso_pipeline_set_output(p, 1, "c:v", "nosuchcodec"), ISO_OK);
  assert_int_equal(iso_pipeline_start(p), ISO_EINVAL);
  if (!strstr(iso_pipeline_error(p), "output #1") || !strstr(iso_pipeline_error(p), "nosuchcodec"))
    fail_msg("error: %s", iso_pipeline_error(p));
  iso_pipeline_free(p);
  assert_false(tm_file_exists(a));
}

/* -t given with output #1 ends output #1 only, as in ffmpeg (the decoders
 * are shared, yet each output cuts its own window). */
static void t_t_is_per_output(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "t-a.mkv");
  tm_path(b, sizeof b, g_dir, "t-b.mkv");
  const char *kv0[] = {"i", in, "o", a, "c:v", "mpeg4", "an", "1", NULL};
  const char *o1[] = {"o", b, "c:v", "mpeg4", "an", "1", "t", "0.5", NULL};
  const char *const *more[] = {o1};
  tp_run r;
  tp_init(&r);
  assert_int_equal(run_multi(&r, kv0, more, 1, NULL), ISO_OK);
  int64_t fa = video_frames(a), fb = video_frames(b);
  assert_int_equal(fa, 60);
  assert_int_equal(fb, 15);
}

/* What each further consumer gets: a new reference to the same buffers. */
static void t_msg_ref_shares_buffers(void **state) {
  (void)state;
  pl_msg *m = pl_msg_new(PL_M_FRAME);
  m->frame = av_frame_alloc();
  m->frame->format = AV_PIX_FMT_YUV420P;
  m->frame->width = 64;
  m->frame->height = 48;
  assert_int_equal(av_frame_get_buffer(m->frame, 0), 0);
  m->frame->pts = 42;
  m->tb = (AVRational){1, 25};
  pl_msg *c = pl_msg_ref(m);
  assert_non_null(c);
  assert_ptr_equal(c->frame->data[0], m->frame->data[0]);
  assert_ptr_equal(c->frame->buf[0]->buffer, m->frame->buf[0]->buffer);
  assert_int_equal(av_buffer_get_ref_count(m->frame->buf[0]), 2);
  assert_ptr_not_equal(c->frame, m->frame); /* its own AVFrame: its own pts, flags */
  assert_int_equal(c->frame->pts, 42);
  assert_int_equal(c->tb.den, 25);
  pl_msg_free(c);
  assert_int_equal(av_buffer_get_ref_count(m->frame->buf[0]), 1);
  pl_msg_free(m);

  pl_msg *pm = pl_msg_new(PL_M_PACKET);
  pm->pkt = av_packet_alloc();
  assert_int_equal(av_new_packet(pm->pkt, 1000), 0);
  pl_msg *pc = pl_msg_ref(pm);
  assert_non_null(pc);
  assert_ptr_equal(pc->pkt->data, pm->pkt->data);
  assert_int_equal(av_buffer_get_ref_count(pm->pkt->buf), 2);
  pl_msg_free(pc);
  pl_msg_free(pm);
}

/* With one credit per link, no link into any stage of any output ever held
 * more than its capacity: the fan-out waits for every consumer. */
static void t_credits_bound_every_link(void **state) {
  (void)state;
  char in[1024], a[1024], b[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(a, sizeof a, g_dir, "q-a.mkv");
  tm_path(b, sizeof b, g_dir, "q-b.mkv");
  const char *kv0[] = {"i", in, "o", a, "c:v", "mpeg4", "c:a", "flac", "queue", "1", NULL};
  const char *o1[] = {"o",      b,        "s",   "80x60", "c:v", "libx264",
                      "preset", "medium", "c:a", "aac",   NULL};
  const char *const *more[] = {o1};
  tp_run r;
  tp_init(&r);
  assert_int_equal(run_multi(&r, kv0, more, 1, NULL), ISO_OK);
  int checked = 0;
  for (int i = 0; i < r.last.nstages; i++) {
    const iso_stage_stats *s = &r.last.stages[i];
    if (!s->in_capacity) continue;
    checked++;
    if (s->in_depth_max > s->in_capacity)
      fail_msg("%s: %u items waiting, capacity %u", s->name, s->in_depth_max, s->in_capacity);
  }
  assert_true(checked >= 8);
  assert_int_equal(video_frames(a), video_frames(b));
}

/* Eight outputs, each with its own convert, encode and mux per stream:
 * 43 stages, every one in the progress table and done (the table once
 * held 32), and the snapshot read back through iso_pipeline_progress. */
static void t_every_stage_reported(void **state) {
  (void)state;
  char in[1024], outs[8][1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  const char *more[7][9];
  for (int k = 0; k < 8; k++) {
    char name[32];
    snprintf(name, sizeof name, "many%d.mkv", k);
    tm_path(outs[k], sizeof outs[k], g_dir, name);
    if (k) {
      const char *o[] = {"o", outs[k], "c:v", "mpeg4", "c:a", "flac", "s", "64x48", NULL};
      memcpy(more[k - 1], o, sizeof o);
    }
  }
  const char *const *mp[7];
  for (int k = 0; k < 7; k++)
    mp[k] = more[k];
  const char *kv0[] = {"i", in, "o", outs[0], "c:v", "mpeg4", "c:a", "flac", "s", "64x48", NULL};
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv0);
  assert_non_null(p);
  tp_add_outputs(p, mp, 7);
  if (iso_pipeline_run(p) != ISO_OK) fail_msg("%s", iso_pipeline_error(p));
  iso_progress snap;
  assert_int_equal(iso_pipeline_progress_copy(p, &snap, sizeof snap), ISO_OK);
  assert_int_equal(iso_pipeline_progress_copy(p, &snap, 8), ISO_EINVAL);
  iso_pipeline_free(p);
  assert_int_equal(r.last.nstages, 3 + 8 * 5);
  assert_int_equal(snap.nstages, r.last.nstages);
  assert_int_equal(snap.finished, 1);
  int muxes = 0;
  for (int i = 0; i < snap.nstages; i++) {
    if (!snap.stages[i].done) fail_msg("stage %s not done", snap.stages[i].name);
    muxes += snap.stages[i].kind == ISO_STAGE_OUTPUT;
  }
  assert_int_equal(muxes, 8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_two_outputs),
      cmocka_unit_test(t_three_outputs_copy_an),
      cmocka_unit_test(t_unwritable_second_output),
      cmocka_unit_test(t_bad_option_second_output),
      cmocka_unit_test(t_t_is_per_output),
      cmocka_unit_test(t_msg_ref_shares_buffers),
      cmocka_unit_test(t_credits_bound_every_link),
      cmocka_unit_test(t_every_stage_reported),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
