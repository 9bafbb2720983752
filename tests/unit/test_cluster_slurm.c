/* The Slurm client layer against a real one-node cluster: array submission, states, a requeue, a
 * dependency, a cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/cluster/pl_slurm.h"
#include "test_need.h"

static char dir[256];

static int setup(void **state) {
  snprintf(dir, sizeof dir, "%s/slurm-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void need_slurm(void) {
  char why[256];
  TM_NEED(pl_slurm_available(why, sizeof why), "a Slurm cluster (tools/slurm-local.sh start DIR)");
}

static void write_script(const char *path, const char *body) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "#!/bin/sh\n%s\n", body);
  fclose(f);
}

/* Polls until every task of id has ended; returns their count. */
static int wait_all(const char *id, pl_slurm_task *t, int max) {
  char err[256];
  for (int i = 0; i < 600; i++) {
    int n = pl_slurm_query(id, t, max, err, sizeof err);
    assert_true(n >= 0);
    bool ended = n > 0;
    for (int k = 0; k < n; k++)
      ended = ended && t[k].state != PL_SLURM_PENDING && t[k].state != PL_SLURM_RUNNING;
    if (ended) return n;
    usleep(100000);
  }
  fail_msg("job %s did not end within 60 s", id);
  return 0;
}

/* Submits, failing the test with sbatch's own words. */
static void submit(const pl_slurm_submit *s, char *id, size_t n) {
  char err[512] = "";
  if (pl_slurm_sbatch(s, id, n, err, sizeof err) != 0) fail_msg("%s", err);
}

static const pl_slurm_task *task(const pl_slurm_task *t, int n, int index) {
  for (int k = 0; k < n; k++)
    if (t[k].index == index) return &t[k];
  fail_msg("no array task %d", index);
  return NULL;
}

static void test_array_requeue_dependency(void **state) {
  need_slurm();
  char script[512], join[512], out[512], err[256], id[64], jid[64];
  snprintf(script, sizeof script, "%s/task.sh", dir);
  snprintf(join, sizeof join, "%s/join.sh", dir);
  snprintf(out, sizeof out, "%s/task-%%a.log", dir);
  /* Task 1 fails the first time it runs, as a flaky node would make it. */
  char body[1024];
  snprintf(body, sizeof body,
           "cd '%s'\n"
           "if [ \"$SLURM_ARRAY_TASK_ID\" = 1 ] && [ ! -e tried ]; then touch tried; exit 3; fi\n"
           "echo \"$SLURM_ARRAY_TASK_ID\" > done-$SLURM_ARRAY_TASK_ID",
           dir);
  write_script(script, body);
  snprintf(body, sizeof body, "cd '%s' && cat done-0 done-1 done-2 > joined", dir);
  write_script(join, body);
  pl_slurm_submit s = {
      .script = script, .name = "isopipe-test", .array = "0-2", .output = out, .workdir = dir};
  submit(&s, id, sizeof id);
  pl_slurm_task t[8];
  int n = wait_all(id, t, 8);
  assert_int_equal(n, 3);
  assert_int_equal(task(t, n, 0)->state, PL_SLURM_COMPLETED);
  assert_int_equal(task(t, n, 2)->state, PL_SLURM_COMPLETED);
  const pl_slurm_task *t1 = task(t, n, 1);
  assert_int_equal(t1->state, PL_SLURM_FAILED);
  assert_int_equal(t1->exit_code, 3);
  assert_true(t1->node[0] != 0);
  /* Again, at once: it succeeds, one restart counted. */
  assert_int_equal(pl_slurm_requeue(id, 1, err, sizeof err), 0);
  n = wait_all(id, t, 8);
  t1 = task(t, n, 1);
  assert_int_equal(t1->state, PL_SLURM_COMPLETED);
  assert_int_equal(t1->restarts, 1);
  /* A job that waits for every task. Slurm remembers that the array once
   * failed, so the wait names the tasks, each of which did complete. */
  char after[256];
  snprintf(after, sizeof after, "%s_0:%s_1:%s_2", id, id, id);
  pl_slurm_submit j = {.script = join, .name = "isopipe-join", .after_ok = after, .workdir = dir};
  submit(&j, jid, sizeof jid);
  n = wait_all(jid, t, 8);
  assert_int_equal(n, 1);
  assert_int_equal(t[0].index, -1);
  assert_int_equal(t[0].state, PL_SLURM_COMPLETED);
  char joined[512], buf[64] = "";
  snprintf(joined, sizeof joined, "%s/joined", dir);
  FILE *f = fopen(joined, "r");
  assert_non_null(f);
  size_t got = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[got] = 0;
  assert_string_equal(buf, "0\n1\n2\n");
}

static void test_cancel(void **state) {
  need_slurm();
  char script[512], id[64];
  snprintf(script, sizeof script, "%s/sleep.sh", dir);
  write_script(script, "sleep 60");
  pl_slurm_submit s = {.script = script,
                       .name = "isopipe-cancel",
                       .array = "0-3",
                       .output = "/dev/null",
                       .workdir = dir};
  submit(&s, id, sizeof id);
  assert_int_equal(pl_slurm_cancel(id), 0);
  pl_slurm_task t[8];
  int n = wait_all(id, t, 8);
  assert_true(n >= 1);
  for (int k = 0; k < n; k++)
    assert_int_equal(t[k].state, PL_SLURM_CANCELLED);
}

static void test_bad_submission(void **state) {
  need_slurm();
  char err[256] = "", id[64];
  pl_slurm_submit s = {.script = "/nonexistent/script.sh", .name = "isopipe-bad"};
  assert_int_equal(pl_slurm_sbatch(&s, id, sizeof id, err, sizeof err), -1);
  assert_non_null(strstr(err, "sbatch"));
  pl_slurm_task t[2];
  assert_int_equal(pl_slurm_query("999999999", t, 2, err, sizeof err), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_array_requeue_dependency, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_submission, setup, teardown),
  };
  return tm_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
