/* The state of a --cluster run as main watches it (cli_cluster.c), and how it is shown
 * (cli_cluster_show.c). */
#ifndef ISOPIPE_CLI_CLUSTER_RUN_H
#define ISOPIPE_CLI_CLUSTER_RUN_H

#include <limits.h>
#include <stdbool.h>

#include "isopipe/isolate.h"
#include "pipeline/cluster/pl_slurm.h"
#include "tools/isopipe/cli_cluster.h"
#include "tools/isopipe/cli_term.h"

#define LAUNCH_RETRIES 3

typedef struct cl_task {
  pl_slurm_task s;
  bool known, requeued;
  int launch_fails;
  int acted;      /* 1 + the restart count whose failure was acted on, 0 none */
  double percent; /* of the input the task has read, from its progress file */
} cl_task;

typedef struct cl_run {
  const cli_opts *o;
  cli_term term;
  char dir[PATH_MAX];
  char id[32];
  int n;
  cl_task t[CLI_CLUSTER_MAX_TASKS];
  /* --batch: the files, and each task's file and segment (one file: 0, k) */
  cli_batch_job *jobs;
  int njobs;
  int tjob[CLI_CLUSTER_MAX_TASKS], tseg[CLI_CLUSTER_MAX_TASKS];
  iso_port *port;
  iso_sendport *sp;
  bool polling;
  struct cl_poll *answer;
  char fail[1024];
  /* Each file's join job, submitted with the array so that Slurm starts it
   * as the last task ends; cancelled (and submitted again once every task
   * completed) when a task is run again. */
  char join[CLI_CLUSTER_MAX_JOBS][32];
  /* --batch: a file whose task failed twice; the others go on. */
  bool lost[CLI_CLUSTER_MAX_JOBS];
  int nlost;
} cl_run;

/* The task's last progress block's percent (of the input read), -1 none. */
double cli_cluster_task_percent(const cl_run *c, int k);
/* The last line the task wrote to its log, for the failure's report. */
void cli_cluster_task_log_tail(const cl_run *c, int k, char *out, size_t n);
/* A task's state in a word: submitted, pending, requeued, running, done, ... */
const char *cli_cluster_state_word(const cl_task *t);
/* "segment 3", or in a batch "segment 1 of in.flac". */
const char *cli_cluster_task_name(const cl_run *c, int k, char *buf, size_t n);
/* The tasks' table on a terminal (final: cleared). */
void cli_cluster_draw(cl_run *c, bool final);
/* The nodes the tasks ran on, comma-separated. */
void cli_cluster_node_list(const cl_run *c, char *out, size_t n);

#endif
