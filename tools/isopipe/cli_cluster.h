/* --cluster slurm: a run's segments as a Slurm job array (cli_cluster.c), and one task's side of
 * it (cli_segtask.c). */
#ifndef ISOPIPE_CLI_CLUSTER_H
#define ISOPIPE_CLI_CLUSTER_H

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

/* Reads a whole file into *buf (NUL-terminated, freed by the caller). */
int cli_read_file(const char *path, char **buf, size_t *len);

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

/* Main's side: submits the join job once the array job `tasks` (n tasks)
 * completed, naming each task in its afterok dependency, and waits for it
 * (Ctrl-C cancels it). 0 when it completed (node gets the node it ran on),
 * else the exit code with why filled in. */
int cli_cluster_join_job(const char *dir, const char *tasks, int n, const char *partition,
                         char *node, size_t nn, char *why, size_t wn);

#endif
