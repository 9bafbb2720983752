/* --cluster slurm: the join as a Slurm job of its own, submitted by main and run on a node. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/cluster/pl_slurm.h"
#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_cluster.h"
#include "tools/isopipe/cli_signal.h"

int cli_cluster_join(const char *dir) {
  char path[PATH_MAX], *buf = NULL;
  size_t len = 0;
  snprintf(path, sizeof path, "%s/" CLI_CLUSTER_ARGS, dir);
  if (cli_read_file(path, &buf, &len) < 0) {
    fprintf(stderr, "isopipe: join: cannot read %s: %s\n", path, strerror(errno));
    return CLI_EXIT_FAIL;
  }
  cli_opts o;
  char err[1024];
  int rc = cli_cluster_parse_args(buf, len, &o, err, sizeof err);
  if (rc) {
    fprintf(stderr, "isopipe: join: %s\n", err);
  } else {
    free(o.seg_dir);
    o.seg_dir = strdup(dir);
    o.seg_join = 1;
    o.stats = 0;
    o.hide_banner = 1;
    rc = o.seg_dir ? cli_app_run(&o) : CLI_EXIT_FAIL;
  }
  cli_opts_free(&o);
  free(buf);
  return rc;
}

/* The last line of the join's log: what it said before it failed. */
static void log_tail(const char *dir, char *out, size_t n) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/join.log", dir);
  cli_file_last_line(path, out, n);
}

static int write_script(const char *dir, char *path, size_t n) {
  char tail[PATH_MAX + 32];
  snprintf(tail, sizeof tail, "--segment-join '%s'", dir);
  return cli_cluster_script(dir, "join.sh", tail, path, n);
}

int cli_cluster_join_submit(const char *dir, const char *tasks, int first, int n,
                            const char *partition, char *id, size_t idn, char *why, size_t wn) {
  char script[PATH_MAX + 16], logs[PATH_MAX + 16], cwd[PATH_MAX];
  if (write_script(dir, script, sizeof script) < 0 || !getcwd(cwd, sizeof cwd))
    return snprintf(why, wn, "%.900s: cannot write the join's script", dir), CLI_EXIT_FAIL;
  /* afterok on the whole array is never satisfied once a task was
   * requeued: the dependency names every task. */
  size_t cap = (size_t)n * (strlen(tasks) + 16) + 1, used = 0;
  char *after = malloc(cap);
  if (!after) return snprintf(why, wn, "out of memory"), CLI_EXIT_FAIL;
  after[0] = 0;
  for (int k = 0; k < n; k++)
    used += (size_t)snprintf(after + used, cap - used, "%s%s_%d", k ? ":" : "", tasks, first + k);
  snprintf(logs, sizeof logs, "%s/join.log", dir);
  pl_slurm_submit sub = {.script = script,
                         .name = "isopipe-join",
                         .partition = partition,
                         .after_ok = after,
                         .output = logs,
                         .workdir = cwd};
  int rc = pl_slurm_sbatch(&sub, id, idn, why, wn);
  free(after);
  return rc < 0 ? CLI_EXIT_FAIL : 0;
}

int cli_cluster_join_wait(const char *dir, const char *id, char *node, size_t nn, char *why,
                          size_t wn) {
  node[0] = 0;
  /* Slurm is asked a few times a second; Ctrl-C cancels the job and waits
   * for it to be gone, so it writes nothing once main has cleaned up. */
  for (bool cancelled = false;;) {
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (!cancelled && cli_signals_count() > 0) {
      pl_slurm_cancel(id);
      cancelled = true;
    }
    pl_slurm_task t;
    char err[256];
    if (pl_slurm_query(id, &t, 1, err, sizeof err) != 1) continue;
    snprintf(node, nn, "%s", t.node);
    if (t.state == PL_SLURM_PENDING || t.state == PL_SLURM_RUNNING) continue;
    if (cancelled) return 128 + cli_signals_first();
    if (t.state == PL_SLURM_COMPLETED && t.exit_code == 0) {
      snprintf(why, wn, "%s", id);
      return 0;
    }
    char tail[512];
    log_tail(dir, tail, sizeof tail);
    snprintf(why, wn, "the join (slurm job %s) %s on node %s (%s, exit %d): %s", id,
             pl_slurm_state_name(t.state), t.node[0] ? t.node : "?", t.reason, t.exit_code,
             tail[0] ? tail : "no log");
    return CLI_EXIT_FAIL;
  }
}
