/* isopipe --cluster slurm with video on a real one-node Slurm cluster: each task seeks to its
 * segment, the join gives the in-process --segments bytes; what cannot be cut is refused first. */
#include <libavformat/avformat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "cluster_harness.h"
#include "media_gen.h"
#include "test_need.h"

static char g_dir[512];
static char g_src[700]; /* 8 s H.264 (B-frames, a keyframe a second) + AAC: 4 segments of 2 s */
static char g_ref[700]; /* the in-process --segments 4 run, video into MPEG-4 part 2 */
static char g_work[700];

#define ENCODE "-c:v", "mpeg4", "-q:v", "4", "-c:a", "copy", "--segments", "4"

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-cluster-video") < 0) return -1;
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.duration = 8.0;
  o.gop = 30;
  if (tm_gen_clip(g_src, sizeof g_src, g_dir, "src.mp4", &o)) return -1;
  snprintf(g_work, sizeof g_work, "%s/shared", g_dir);
  if (mkdir(g_work, 0755) < 0) return -1;
  snprintf(g_ref, sizeof g_ref, "%s/ref.mp4", g_dir);
  ch_proc p;
  const char *args[] = {"-v", "error", "-i", g_src, ENCODE, g_ref, NULL};
  int rc = ch_run(&p, args, 60);
  if (rc != 0) fprintf(stderr, "in-process run: exit %d\n%s", rc, ch_str(&p.err));
  ch_free(&p);
  return rc;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The video packets' pts, dts and key flags, one line each. */
static void video_packets(const char *path, ch_buf *out) {
  AVFormatContext *ic = NULL;
  assert_int_equal(avformat_open_input(&ic, path, NULL, NULL), 0);
  assert_true(avformat_find_stream_info(ic, NULL) >= 0);
  int v = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  assert_true(v >= 0);
  AVPacket *pkt = av_packet_alloc();
  while (av_read_frame(ic, pkt) >= 0) {
    if (pkt->stream_index == v) {
      char line[96];
      int n = snprintf(line, sizeof line, "%" PRId64 " %" PRId64 " %d\n", pkt->pts, pkt->dts,
                       pkt->flags & AV_PKT_FLAG_KEY);
      ch_buf_add(out, line, (size_t)n);
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
}

static int run_cluster(ch_proc *p, const char *out, const char *segments, double timeout) {
  const char *args[] = {"-i",        g_src,   "-c:v",          "mpeg4",      "-q:v",
                        "4",         "-c:a",  "copy",          "--segments", segments,
                        "--cluster", "slurm", "--cluster-dir", g_work,       "-nostats",
                        out,         NULL};
  return ch_run(p, args, timeout);
}

/* Four tasks, each from its own keyframe, and the join: the in-process bytes. */
static void test_identical(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "cluster.mp4");
  ch_proc p;
  int rc = run_cluster(&p, out, "4", 120);
  CH_EXPECT_EXIT(&p, rc, 0);
  if (!cl_same_file(out, g_ref)) fail_msg("the cluster's output differs from the in-process one");
  long id = cl_job_id(&p);
  assert_true(id > 0);
  char want[1100];
  snprintf(want, sizeof want, "%s: 4 tasks of slurm job %ld", out, id);
  if (!strstr(ch_str(&p.err), want)) fail_msg("not 4 tasks:\n%s", ch_str(&p.err));
  assert_int_equal(cl_tasks_in(id, "COMPLETED"), 4);
  const char *j = strstr(ch_str(&p.err), "joined by slurm job ");
  if (!j) fail_msg("no join job named:\n%s", ch_str(&p.err));
  assert_int_equal(cl_tasks_in(atol(j + 20), "COMPLETED"), 1);
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
  unlink(out);
}

/* H.264 with B-frames out: the joined packets' pts, dts and keyframes are
 * the in-process run's (x264's own bytes vary between runs of several
 * encoders in one process on AVX-512 machines, so timing is compared). */
static void test_bframes(void **state) {
  (void)state;
  cl_need_slurm();
  const char *ref = ch_path(g_dir, "ref264.mp4"), *out = ch_path(g_dir, "cluster264.mp4");
  const char *in_proc[] = {"-v",         "error", "-i",      g_src,      "-c:v", "libx264",
                           "-threads",   "1",     "-preset", "veryfast", "-c:a", "copy",
                           "--segments", "3",     ref,       NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, in_proc, 60), 0);
  ch_free(&p);
  const char *args[] = {"-i",         g_src,      "-c:v",      "libx264", "-threads",
                        "1",          "-preset",  "veryfast",  "-c:a",    "copy",
                        "--segments", "3",        "--cluster", "slurm",   "--cluster-dir",
                        g_work,       "-nostats", out,         NULL};
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 120), 0);
  ch_free(&p);
  ch_buf a = {0}, b = {0};
  video_packets(ref, &a);
  video_packets(out, &b);
  assert_true(ch_lines(ch_str(&a)) == 240);
  assert_string_equal(ch_str(&a), ch_str(&b));
  free(a.data);
  free(b.data);
  assert_int_equal(cl_leftovers(g_work), 0);
  unlink(ref);
  unlink(out);
}

/* A video task killed once runs again; its segment is the same. */
static void test_video_task_retried(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "retried.mp4");
  setenv("ISOPIPE_TEST_FAIL_SEGMENT", "2:kill", 1);
  ch_proc p;
  int rc = run_cluster(&p, out, "4", 120);
  unsetenv("ISOPIPE_TEST_FAIL_SEGMENT");
  CH_EXPECT_EXIT(&p, rc, 0);
  assert_non_null(strstr(ch_str(&p.err), "segment 2 failed"));
  if (!cl_same_file(out, g_ref))
    fail_msg("the output after a retry differs from the in-process one");
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
  unlink(out);
}

/* A video task that fails on both attempts ends the run: exit 1 naming
 * the segment and its node, the job cancelled, no output, nothing left. */
static void test_video_task_fails_twice(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "failed.mp4");
  setenv("ISOPIPE_TEST_FAIL_SEGMENT", "1:always", 1);
  ch_proc p;
  int rc = run_cluster(&p, out, "4", 120);
  unsetenv("ISOPIPE_TEST_FAIL_SEGMENT");
  cl_expect_failed_twice(&p, rc, "segment 1", out, g_work);
  ch_free(&p);
}

/* Ctrl-C while a video task runs: its process is cancelled mid-segment. */
static void test_video_interrupt(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "interrupted.mp4");
  const char *args[] = {
      "-i", g_src,       "-c:v",  "mpeg4",         "-q:v", "4",        "-c:a", "copy", "--segments",
      "4",  "--cluster", "slurm", "--cluster-dir", g_work, "-nostats", out,    NULL};
  cl_interrupt(args, true, out, g_work);
}

/* Refused before anything is submitted, naming what cannot be cut. */
static void refused_to(const char *name, const char *const *extra, const char *why) {
  const char *out = ch_path(g_dir, name);
  const char *args[CH_MAX_ARGS] = {"-i", g_src};
  int n = 2;
  for (int i = 0; extra[i]; i++)
    args[n++] = extra[i];
  const char *tail[] = {"--segments", "4", "--cluster", "slurm", "--cluster-dir", g_work, out};
  for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
    args[n++] = tail[i];
  args[n] = NULL;
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  CH_EXPECT_EXIT(&p, rc, 2);
  if (!strstr(ch_str(&p.err), why)) fail_msg("'%s' not said:\n%s", why, ch_str(&p.err));
  assert_null(strstr(ch_str(&p.err), "slurm job"));
  assert_int_equal(access(out, F_OK), -1);
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
}

static void refused(const char *const *extra, const char *why) {
  refused_to("refused.mp4", extra, why);
}

static void test_refused(void **state) {
  (void)state;
  /* Nothing reaches Slurm: no cluster needed. */
  const char *both[] = {"-c:v", "mpeg4", "-c:a", "aac", NULL};
  refused(both, "give -c:a copy or -an");
  const char *fps[] = {"-c:v", "mpeg4", "-an", "-vf", "scale=160:120,fps=10", NULL};
  refused(fps, "filter 'fps'");
  const char *rate[] = {"-c:v", "mpeg4", "-an", "-r", "12", NULL};
  refused(rate, "-r:");
  const char *fkf[] = {"-c:v", "mpeg4", "-an", "-force_key_frames", "1", NULL};
  refused(fkf, "-force_key_frames");
  const char *enc[] = {"-c:v", "huffyuv", "-an", NULL};
  refused(enc, "-c:v huffyuv cannot be cut");
  const char *audio[] = {"-vn", "-c:a", "flac", NULL};
  refused(audio, "-c:a flac cannot be cut");
  /* The encoder the format picks when none is named: Ogg's Theora. */
  const char *dflt[] = {"-an", NULL};
  refused_to("refused.ogv", dflt, "default video encoder libtheora (no -c:v given) cannot be cut");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_identical),
      cmocka_unit_test(test_bframes),
      cmocka_unit_test(test_video_task_retried),
      cmocka_unit_test(test_video_task_fails_twice),
      cmocka_unit_test(test_video_interrupt),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
