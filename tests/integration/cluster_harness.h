/* What the --cluster tests share: a Slurm cluster to run on, Slurm's record of a job, the shared
 * directory's leftovers, files compared byte for byte. */
#ifndef ISOPIPE_TEST_CLUSTER_HARNESS_H
#define ISOPIPE_TEST_CLUSTER_HARNESS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_harness.h"
#include "test_need.h"

static inline void cl_need_slurm(void) {
  TM_NEED(system("timeout 10 sinfo -h >/dev/null 2>&1") == 0,
          "a Slurm cluster (tools/slurm-local.sh start DIR, then SLURM_CONF)");
}

static inline bool cl_same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  bool same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    same = ca == cb;
    if (ca == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

/* Entries left in dir (the runner's own must be gone). */
static inline int cl_leftovers(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  if (d) closedir(d);
  return n;
}

/* The job id from "slurm job N:" in the run's log, -1 none. */
static inline long cl_job_id(const ch_proc *p) {
  const char *s = strstr(ch_str(&p->err), "slurm job ");
  return s ? atol(s + 10) : -1;
}

/* Tasks of job id that Slurm's controller reports in state `state` (-1: scontrol failed). */
static inline int cl_tasks_in(long id, const char *state) {
  char cmd[256], line[8192];
  snprintf(cmd, sizeof cmd, "scontrol -o show job %ld", id);
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  int n = 0;
  char want[64];
  snprintf(want, sizeof want, "JobState=%s ", state);
  while (fgets(line, sizeof line, f))
    n += strstr(line, want) != NULL;
  pclose(f);
  return n;
}

/* A run whose task `seg` failed on both attempts: exit 1 naming the
 * segment, its node, the retry and the exit code; no output, nothing left. */
static inline void cl_expect_failed_twice(ch_proc *p, int rc, const char *seg, const char *out,
                                          const char *work) {
  CH_EXPECT_EXIT(p, rc, 1);
  char want[64];
  snprintf(want, sizeof want, "%s failed on node ", seg);
  const char *why = strstr(ch_str(&p->err), want);
  if (!why) fail_msg("no report naming %s and its node:\n%s", seg, ch_str(&p->err));
  assert_non_null(strstr(why, "after one retry"));
  assert_non_null(strstr(why, "exit 3"));
  long id = cl_job_id(p);
  assert_int_equal(cl_tasks_in(id, "PENDING") + cl_tasks_in(id, "RUNNING"), 0);
  assert_int_equal(access(out, F_OK), -1);
  assert_int_equal(cl_leftovers(work), 0);
}

/* Ctrl-C once the job is submitted (running: once one of its tasks runs):
 * the job cancelled, exit 130, no output, nothing left. */
static inline void cl_interrupt(const char *const *args, bool running, const char *out,
                                const char *work) {
  ch_proc p;
  assert_int_equal(ch_start(&p, args), 0);
  double until = ch_now() + 30;
  while (!strstr(ch_str(&p.err), "slurm job ") && ch_now() < until)
    ch_pump(&p, 20);
  long id = cl_job_id(&p);
  assert_true(id > 0);
  while (running && cl_tasks_in(id, "RUNNING") < 1 && ch_now() < until)
    ch_pump(&p, 50);
  kill(p.pid, SIGINT);
  int rc = ch_wait(&p, 60);
  CH_EXPECT_EXIT(&p, rc, 130);
  assert_non_null(strstr(ch_str(&p.err), "cancelled"));
  assert_int_equal(cl_tasks_in(id, "PENDING") + cl_tasks_in(id, "RUNNING"), 0);
  assert_true(cl_tasks_in(id, "CANCELLED") >= 1);
  assert_int_equal(access(out, F_OK), -1);
  assert_int_equal(cl_leftovers(work), 0);
  ch_free(&p);
}

#endif
