/* Slurm's command-line clients (sbatch, scontrol, scancel) driven from C: submit, watch, requeue,
 * cancel. */
#ifndef ISOPIPE_PL_SLURM_H
#define ISOPIPE_PL_SLURM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The clients find the cluster as any Slurm user's would (SLURM_CONF or
 * /etc/slurm/slurm.conf). Every call runs one client to completion with a
 * deadline, so none blocks for ever on a controller that does not answer;
 * none is meant for the main isolate's thread.
 */

typedef enum pl_slurm_state {
  PL_SLURM_PENDING,
  PL_SLURM_RUNNING,
  PL_SLURM_COMPLETED,
  PL_SLURM_FAILED, /* non-zero exit, node failure, out of memory, timeout */
  PL_SLURM_CANCELLED,
  PL_SLURM_UNKNOWN
} pl_slurm_state;

typedef struct pl_slurm_task {
  int index; /* array index, -1 for a job that is no array */
  pl_slurm_state state;
  int exit_code; /* the script's, when it ended */
  int restarts;  /* requeues so far */
  char node[64];
  char reason[64]; /* Slurm's word for the state ("NonZeroExitCode", "NodeFail"...) */
  char raw_state[24];
} pl_slurm_task;

typedef struct pl_slurm_submit {
  const char *script;    /* a shell script; array tasks read SLURM_ARRAY_TASK_ID */
  const char *name;      /* job name */
  const char *partition; /* NULL: the cluster's default */
  const char *array;     /* "0-3", or NULL */
  /* What this job waits for (afterok): job ids or array tasks ("12_0:12_1"),
   * or NULL. An array that had a failed task never satisfies afterok on the
   * whole array, even once that task ran again: name the tasks. */
  const char *after_ok;
  const char *output; /* stdout/stderr path pattern (%a: array index) */
  const char *workdir;
} pl_slurm_submit;

/* True when sbatch can be run and the controller answers. */
bool pl_slurm_available(char *why, size_t n);
/* Submits; 0 with the job id in id, or -1 with sbatch's reason in err. */
int pl_slurm_sbatch(const pl_slurm_submit *s, char *id, size_t idn, char *err, size_t n);
/* The tasks of job id (every array task, finished ones included while the
 * controller keeps them): their count (<= max), or -1 with err. */
int pl_slurm_query(const char *id, pl_slurm_task *tasks, int max, char *err, size_t n);
/* Runs array task `task` of job id again a second from now (after a failure). */
int pl_slurm_requeue(const char *id, int task, char *err, size_t n);
/* Cancels job id (every array task); 0 when scancel accepted it. */
int pl_slurm_cancel(const char *id);
const char *pl_slurm_state_name(pl_slurm_state s);

#endif
