/* isopipe --cluster slurm on a real one-node Slurm cluster: the same bytes as the in-process
 * segments, a killed task retried once, a task that always fails, Ctrl-C. */
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
static char g_src[700]; /* 16 s stereo FLAC: 4 segments of 4 s */
static char g_ref[700]; /* the in-process --segments 4 MP3 */
static char g_work[700];

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-cluster") < 0) return -1;
  if (tm_gen_simple(g_src, sizeof g_src, g_dir, "src.flac", NULL, "flac", 0, 0, 16.0, 2, 48000))
    return -1;
  snprintf(g_work, sizeof g_work, "%s/shared", g_dir);
  if (mkdir(g_work, 0755) < 0) return -1;
  snprintf(g_ref, sizeof g_ref, "%s/ref.mp3", g_dir);
  ch_proc p;
  const char *args[] = {"-v", "error", "-i", g_src, "--segments", "4", g_ref, NULL};
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

static int run_cluster(ch_proc *p, const char *out, double timeout) {
  const char *args[] = {"-i",    g_src,           "--segments", "4",        "--cluster",
                        "slurm", "--cluster-dir", g_work,       "-nostats", out,
                        NULL};
  return ch_run(p, args, timeout);
}

static void test_identical(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "cluster.mp3");
  ch_proc p;
  int rc = run_cluster(&p, out, 120);
  CH_EXPECT_EXIT(&p, rc, 0);
  if (!cl_same_file(out, g_ref)) fail_msg("the cluster's output differs from the in-process one");
  /* Slurm's own record: the four segments' tasks (and any spare) completed. */
  long id = cl_job_id(&p);
  assert_true(id > 0);
  assert_true(cl_tasks_in(id, "COMPLETED") >= 4);
  assert_non_null(strstr(ch_str(&p.err), "tasks of slurm job"));
  /* The join is a Slurm job of its own, recorded as completed. */
  const char *j = strstr(ch_str(&p.err), "joined by slurm job ");
  if (!j) fail_msg("no join job named:\n%s", ch_str(&p.err));
  long join = atol(j + 20);
  assert_true(join > id);
  assert_int_equal(cl_tasks_in(join, "COMPLETED"), 1);
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
  unlink(out);
}

/*
 * A batch: two files of a list, one array of all their segments, the
 * longer file's first; each output byte-identical to its own in-process
 * --segments 4 run, each joined by a Slurm job of its own.
 */
static void test_batch(void **state) {
  (void)state;
  cl_need_slurm();
  const char *shortf = ch_path(g_dir, "short.flac"), *sref = ch_path(g_dir, "short-ref.mp3");
  const char *lout = ch_path(g_dir, "batch-long.mp3"), *sout = ch_path(g_dir, "batch-short.mp3");
  const char *list = ch_path(g_dir, "list.txt");
  ch_proc p;
  const char *cut[] = {"-v", "error", "-i", g_src, "-t", "6", "-c:a", "flac", shortf, NULL};
  CH_EXPECT_EXIT(&p, ch_run(&p, cut, 60), 0);
  ch_free(&p);
  const char *ref[] = {"-v", "error", "-i", shortf, "--segments", "4", sref, NULL};
  CH_EXPECT_EXIT(&p, ch_run(&p, ref, 60), 0);
  ch_free(&p);
  FILE *f = fopen(list, "w");
  assert_non_null(f);
  fprintf(f, "# short first in the list, long first in the array\n%s\t%s\n\n%s %s\n", shortf, sout,
          g_src, lout);
  fclose(f);
  const char *args[] = {"--batch",       list,   "--segments", "4", "--cluster", "slurm",
                        "--cluster-dir", g_work, "-nostats",   NULL};
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 180), 0);
  if (!cl_same_file(lout, g_ref)) fail_msg("the long file differs from its in-process run");
  if (!cl_same_file(sout, sref)) fail_msg("the short file differs from its in-process run");
  const char *e = ch_str(&p.err);
  long id = cl_job_id(&p);
  assert_true(id > 0);
  char want[1100];
  snprintf(want, sizeof want, "%s: 4 tasks of slurm job %ld (tasks 0-3)", lout, id);
  if (!strstr(e, want)) fail_msg("the long file's tasks are not first:\n%s", e);
  snprintf(want, sizeof want, "%s: 4 tasks of slurm job %ld (tasks 4-7)", sout, id);
  if (!strstr(e, want)) fail_msg("the short file's tasks are not after them:\n%s", e);
  assert_true(cl_tasks_in(id, "COMPLETED") >= 8);
  int joins = 0;
  for (const char *j = strstr(e, "joined by slurm job "); j;
       j = strstr(j + 1, "joined by slurm job ")) {
    assert_int_equal(cl_tasks_in(atol(j + 20), "COMPLETED"), 1);
    joins++;
  }
  assert_int_equal(joins, 2);
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
  unlink(lout);
  unlink(sout);
  /* A list naming one output twice is refused before anything is submitted. */
  f = fopen(list, "w");
  assert_non_null(f);
  fprintf(f, "%s\t%s\n%s\t%s\n", shortf, sout, g_src, sout);
  fclose(f);
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 60), 2);
  if (!strstr(ch_str(&p.err), "written twice")) fail_msg("stderr:\n%s", ch_str(&p.err));
  ch_free(&p);
  assert_int_equal(cl_leftovers(g_work), 0);
  /* A task of the short file (job-1: second in the array) fails twice: only
   * that file is lost, named, and the long one is still written. */
  f = fopen(list, "w");
  assert_non_null(f);
  fprintf(f, "%s\t%s\n%s\t%s\n", shortf, sout, g_src, lout);
  fclose(f);
  setenv("ISOPIPE_TEST_FAIL_SEGMENT", "1:always", 1);
  setenv("ISOPIPE_TEST_FAIL_DIR", "/job-1", 1);
  int rc = ch_run(&p, args, 180);
  unsetenv("ISOPIPE_TEST_FAIL_SEGMENT");
  unsetenv("ISOPIPE_TEST_FAIL_DIR");
  CH_EXPECT_EXIT(&p, rc, 1);
  snprintf(want, sizeof want, "%s: not written: segment 1 of %s failed on node ", sout, shortf);
  if (!strstr(ch_str(&p.err), want)) fail_msg("the lost file is not named:\n%s", ch_str(&p.err));
  assert_int_equal(access(sout, F_OK), -1);
  if (!cl_same_file(lout, g_ref)) fail_msg("the long file differs from its in-process run");
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
  unlink(lout);
}

static void test_retried_once(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "retried.mp3");
  /* Its first attempt is killed, as by the OOM killer or an admin. */
  setenv("ISOPIPE_TEST_FAIL_SEGMENT", "1:kill", 1);
  ch_proc p;
  int rc = run_cluster(&p, out, 120);
  unsetenv("ISOPIPE_TEST_FAIL_SEGMENT");
  CH_EXPECT_EXIT(&p, rc, 0);
  assert_non_null(strstr(ch_str(&p.err), "segment 1 failed"));
  assert_non_null(strstr(ch_str(&p.err), "running it again"));
  if (!cl_same_file(out, g_ref))
    fail_msg("the output after a retry differs from the in-process one");
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
  unlink(out);
}

static void test_always_fails(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "failed.mp3");
  setenv("ISOPIPE_TEST_FAIL_SEGMENT", "1:always", 1);
  ch_proc p;
  int rc = run_cluster(&p, out, 120);
  unsetenv("ISOPIPE_TEST_FAIL_SEGMENT");
  cl_expect_failed_twice(&p, rc, "segment 1", out, g_work);
  ch_free(&p);
}

static void test_interrupt(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "interrupted.mp3");
  const char *args[] = {"-i",    g_src,           "--segments", "4",        "--cluster",
                        "slurm", "--cluster-dir", g_work,       "-nostats", out,
                        NULL};
  cl_interrupt(args, false, out, g_work);
}

/* --partition reaches sbatch: a partition the cluster lacks is refused by
 * Slurm, named in the error, and nothing is written. */
static void test_partition(void **state) {
  (void)state;
  cl_need_slurm();
  const char *out = ch_path(g_dir, "partition.mp3");
  const char *args[] = {"-i",          g_src,     "--segments",    "2",    "--cluster", "slurm",
                        "--partition", "nosuchp", "--cluster-dir", g_work, "-nostats",  out,
                        NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  CH_EXPECT_EXIT(&p, rc, 1);
  if (!strstr(ch_str(&p.err), "nosuchp"))
    fail_msg("the partition is not named:\n%s", ch_str(&p.err));
  assert_int_equal(access(out, F_OK), -1);
  assert_int_equal(cl_leftovers(g_work), 0);
  ch_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identical),    cmocka_unit_test(test_partition),
      cmocka_unit_test(test_retried_once), cmocka_unit_test(test_always_fails),
      cmocka_unit_test(test_interrupt),    cmocka_unit_test(test_batch),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
