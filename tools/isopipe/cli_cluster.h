/* --cluster slurm: a run's segments as a Slurm job array (cli_cluster.c), and one task's side of
 * it (cli_segtask.c). */
#ifndef ISOPIPE_CLI_CLUSTER_H
#define ISOPIPE_CLI_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/isopipe/cli_args.h"

/* Plans the segments, submits one array task per segment (each runs this
 * program with --segment-task), watches them at 60 Hz from the main
 * isolate, retries a failed task once, then joins their packets into the
 * output. Returns the exit code: 0, 1 (a task failed twice: no output), 2,
 * or 128 + the signal after Ctrl-C (the job cancelled). */
int cli_cluster_run(const cli_opts *o);
#define CLI_CLUSTER_MAX_TASKS 256
/* The file the runner writes the command line to, NUL-separated, for the tasks. */
#define CLI_CLUSTER_ARGS "args"

/* --batch LIST: one line per file, planned into one array (cli_cluster_batch.c). */
#define CLI_CLUSTER_MAX_JOBS 64
/* The file listing, for each task of a batch's array, its file and segment. */
#define CLI_CLUSTER_TASKS "tasks"
typedef struct cli_batch_job {
  char *in, *out;
  double dur;   /* probed, seconds */
  bool video;   /* a video stream is encoded: cut by the video plan */
  int first, n; /* its tasks: first .. first + n - 1 of the array */
} cli_batch_job;
/* Reads o->batch ("INPUT<TAB>OUTPUT" lines; '#' comments), checks each
 * output as a run would and each input with cli_cluster_check, and orders
 * them longest first. 0, or the exit code with err filled. */
int cli_batch_read(const cli_opts *o, cli_batch_job **jobs, int *njobs, char *err, size_t n);
void cli_batch_free(cli_batch_job *jobs, int n);
/* Writes TOP/tasks: line g is "file segment count" of the array's task g. */
int cli_batch_write_tasks(const char *top, const cli_batch_job *jobs, int njobs);
/* Task g of a batch under top: its file's directory (top/job-J), its
 * segment *k of *n. 1 found, 0 not a batch, -1 no such task. */
int cli_batch_task(const char *top, long g, char *dir, size_t dn, long *k, long *n);

/* Tasks for an input of dur_s seconds cut for nseg encoders: segments own
 * at least min(10 s, dur_s / nseg) (pl_seg_plan_make). */
int cli_cluster_task_count(double dur_s, int nseg);
/* Before anything is submitted: what the tasks could not cut, refused
 * (CLI_EXIT_USAGE with the reason in err) from the command line, the
 * output format's default encoders and the input's probe; *video when a
 * video stream is encoded (cut by frames). */
int cli_cluster_check(const cli_opts *o, const char *input, const char *output, double *dur,
                      bool *video, char *err, size_t n);
/* The tasks of one input: its audio plan's, or with video nseg (each a run
 * of the video plan's segments). */
int cli_cluster_tasks_for(double dur_s, int nseg, bool video);
/* DIR/args: the user's command line for the tasks, without the cluster's
 * options, --segments made explicit when add_segments; a batch's file (job)
 * gets its input first and its output last. 0 or -1. */
int cli_cluster_write_args(const cli_opts *o, const char *dir, const cli_batch_job *job, int nseg,
                           bool add_segments);
/* DIR/NAME, a script Slurm runs: exec this program with tail (its arguments,
 * quoted by the caller; DIR must hold no single quote). 0 or -1. */
int cli_cluster_script(const char *dir, const char *name, const char *tail, char *path, size_t n);
/* DIR/task.sh, the array's script: --segment-task DIR $SLURM_ARRAY_TASK_ID ntasks. */
int cli_cluster_write_script(const char *dir, int ntasks, char *path, size_t n);

/* Reads a whole file into *buf (NUL-terminated, freed by the caller). */
int cli_read_file(const char *path, char **buf, size_t *len);
/* A file's last line (a log's: what it said last), "" when unreadable. */
void cli_file_last_line(const char *path, char *out, size_t n);

/* `isopipe --segment-task DIR K N`, as Slurm runs it: encodes segment K
 * of the command line DIR/args into DIR/seg-K.nut (task N - 1: any later
 * ones too). Returns the exit code. */
int cli_cluster_task(const char *dir, const char *index, const char *count);

/* Parses the command line of DIR/args (NUL-separated, in buf, which o
 * points into: keep buf until o is freed). The exit code of a bad one. */
int cli_cluster_parse_args(char *buf, size_t len, cli_opts *o, char *err, size_t n);

/* `isopipe --segment-join DIR`, as Slurm runs the join job: the command
 * line DIR/args in join mode, its segments read from DIR/seg-*.nut into
 * the output. Returns the exit code. */
int cli_cluster_join(const char *dir);

/* Main's side: submits the join job of DIR to start once the tasks first
 * .. first + n - 1 of the array job `tasks` completed, naming each task in its afterok dependency
 * (0, its job id in id; or the exit code with why filled in), and waits
 * for it (Ctrl-C cancels it): 0 when it completed (node gets the node it
 * ran on, why its job id), else the exit code with why filled in. */
int cli_cluster_join_submit(const char *dir, const char *tasks, int first, int n,
                            const char *partition, char *id, size_t idn, char *why, size_t wn);
int cli_cluster_join_wait(const char *dir, const char *id, char *node, size_t nn, char *why,
                          size_t wn);

#endif
