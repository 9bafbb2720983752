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

#endif
