/* How main shows a --cluster run: the tasks' table at 60 Hz, their progress and logs, the nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/isopipe/cli_cluster_run.h"

/* The task's last progress block's percent (of the input read), -1 none. */
double cli_cluster_task_percent(const cl_run *c, int k) {
  char path[PATH_MAX + 32], *buf;
  size_t len;
  if (c->jobs)
    snprintf(path, sizeof path, "%s/job-%d/seg-%d.progress", c->dir, c->tjob[k], c->tseg[k]);
  else
    snprintf(path, sizeof path, "%s/seg-%d.progress", c->dir, k);
  if (cli_read_file(path, &buf, &len) < 0) return -1;
  double pc = -1;
  for (char *s = buf; (s = strstr(s, "percent=")); s += 8)
    pc = atof(s + 8);
  free(buf);
  return pc;
}

/* The last line the task wrote to its log, for the failure's report. */
void cli_cluster_task_log_tail(const cl_run *c, int k, char *out, size_t n) {
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/task-%d.log", c->dir, k);
  cli_file_last_line(path, out, n);
}

const char *cli_cluster_state_word(const cl_task *t) {
  if (!t->known) return "submitted";
  switch (t->s.state) {
  case PL_SLURM_PENDING:
    return t->requeued ? "requeued" : "pending";
  case PL_SLURM_RUNNING:
    return "running";
  case PL_SLURM_COMPLETED:
    return "done";
  case PL_SLURM_FAILED:
    return "failed";
  case PL_SLURM_CANCELLED:
    return "cancelled";
  default:
    return "unknown";
  }
}

/* "segment 3", or in a batch "segment 1 of in.flac". */
const char *cli_cluster_task_name(const cl_run *c, int k, char *buf, size_t n) {
  if (c->jobs)
    snprintf(buf, n, "segment %d of %.400s", c->tseg[k], c->jobs[c->tjob[k]].in);
  else
    snprintf(buf, n, "segment %d", k);
  return buf;
}

void cli_cluster_draw(cl_run *c, bool final) {
  char block[CLI_CLUSTER_MAX_TASKS * 96 + 128];
  int len = 0, lines = 0, done = 0;
  for (int k = 0; k < c->n; k++)
    done += c->t[k].known && c->t[k].s.state == PL_SLURM_COMPLETED;
  len += snprintf(block + len, sizeof block - len, "slurm job %s: %d/%d segment tasks done\n",
                  c->id, done, c->n);
  lines++;
  for (int k = 0; k < c->n && len < (int)sizeof block - 96; k++) {
    const cl_task *t = &c->t[k];
    char pc[16] = "";
    if (t->known && t->s.state == PL_SLURM_RUNNING && t->percent >= 0)
      snprintf(pc, sizeof pc, " %5.1f%%", t->percent);
    char name[480];
    len += snprintf(block + len, sizeof block - len, "  %-20.400s %-9s %s%s\n",
                    cli_cluster_task_name(c, k, name, sizeof name), cli_cluster_state_word(t),
                    t->known ? t->s.node : "", pc);
    lines++;
  }
  cli_term_draw(&c->term, final ? NULL : block, final ? 0 : lines);
}

void cli_cluster_node_list(const cl_run *c, char *out, size_t n) {
  size_t len = 0;
  out[0] = 0;
  for (int k = 0; k < c->n; k++) {
    const char *node = c->t[k].s.node;
    bool seen = !node[0];
    for (int j = 0; j < k && !seen; j++)
      seen = !strcmp(c->t[j].s.node, node);
    if (!seen && len < n)
      len += (size_t)snprintf(out + len, n - len, "%s%s", len ? ", " : "", node);
  }
}
