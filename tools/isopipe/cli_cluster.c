/* --cluster slurm: the segments of one run as a Slurm job array, watched from the main isolate and
 * joined into the output by this process. */
#include "tools/isopipe/cli_cluster_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isopipe/isolate.h"
#include "isopipe/probe.h"
#include "pipeline/cluster/pl_slurm.h"
#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_signal.h"
#include "tools/isopipe/cli_term.h"

#define CL_TAG 0x434c5354u             /* "CLST": a poll's request and answer */
#define TICK_NS (16666667ull)          /* the display loop's 60 Hz */
#define POLL_NS (500ull * 1000 * 1000) /* Slurm's controller is asked at most 2 times a second */
#define REDRAW_NS (100ull * 1000 * 1000)
#define CANCEL_WAIT_NS (10ull * 1000 * 1000 * 1000)

typedef struct cl_poll {
  char id[32];
  int requeue[CLI_CLUSTER_MAX_TASKS];
  int nrequeue;
  pl_slurm_task tasks[CLI_CLUSTER_MAX_TASKS];
  int n;
  int requeue_failed; /* the task scontrol refused to requeue, -1 none */
  char err[256];
} cl_poll;

/* On a worker isolate: Slurm's clients block for up to their deadline. */
static iso_value *poll_worker(iso_value *arg) {
  cl_poll *p = iso_transfer_take(arg, NULL);
  iso_value_free(arg);
  if (!p) return iso_null();
  p->err[0] = 0;
  p->requeue_failed = -1;
  for (int i = 0; i < p->nrequeue && p->requeue_failed < 0; i++)
    if (pl_slurm_requeue(p->id, p->requeue[i], p->err, sizeof p->err) < 0)
      p->requeue_failed = p->requeue[i];
  if (p->requeue_failed < 0)
    p->n = pl_slurm_query(p->id, p->tasks, CLI_CLUSTER_MAX_TASKS, p->err, sizeof p->err);
  return iso_transfer(p, free, CL_TAG);
}

/* A task fails the run on its second failure of its own; a launch Slurm
 * itself could not make is tried again, this many times. */

static void cancel_join(cl_run *c, int j) {
  if (c->join[j][0]) pl_slurm_cancel(c->join[j]);
  c->join[j][0] = 0;
}

static void cancel_joins(cl_run *c) {
  for (int j = 0; j < CLI_CLUSTER_MAX_JOBS; j++)
    cancel_join(c, j);
}

/* A batch's file whose task k failed for good: its other tasks and its
 * join are cancelled, it is named, and the other files carry on. */
static void lose_file(cl_run *c, int k, const char *why) {
  int j = c->tjob[k];
  c->lost[j] = true;
  c->nlost++;
  cancel_join(c, j);
  for (int i = c->jobs[j].first; i < c->jobs[j].first + c->jobs[j].n; i++) {
    char task[64];
    snprintf(task, sizeof task, "%s_%d", c->id, i);
    if (i != k) pl_slurm_cancel(task);
  }
  char line[2200];
  snprintf(line, sizeof line, "isopipe: %.600s: not written: %.1500s", c->jobs[j].out, why);
  if (c->o->loglevel >= 8) cli_term_line(&c->term, line);
  if (c->nlost == c->njobs)
    snprintf(c->fail, sizeof c->fail, "cluster: every file of the batch failed");
}

static void on_answer(iso_port *port, iso_value *v, void *ud) {
  (void)port;
  cl_run *c = ud;
  const char *tag = iso_as_str(iso_list_at(v, 0));
  cl_poll *p = tag && !strcmp(tag, "ok") ? iso_transfer_take(iso_list_at(v, 1), NULL) : NULL;
  free(c->answer);
  c->answer = p;
  if (!p) snprintf(c->fail, sizeof c->fail, "cluster: the Slurm poll ended without an answer");
  c->polling = false;
  iso_value_free(v);
}

static int ask(cl_run *c, const int *requeue, int nrequeue) {
  cl_poll *p = calloc(1, sizeof *p);
  if (!p) return ISO_ENOMEM;
  snprintf(p->id, sizeof p->id, "%s", c->id);
  for (int i = 0; i < nrequeue; i++)
    p->requeue[p->nrequeue++] = requeue[i];
  iso_value *v = iso_transfer(p, free, CL_TAG);
  int rc = v ? iso_run_async(poll_worker, v, c->sp) : ISO_ENOMEM;
  c->polling = rc == ISO_OK;
  return rc;
}

/* The run's directory and, in a batch, its files' directories in it. */
static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char p[PATH_MAX + 256];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      if (unlink(p) < 0 && errno == EISDIR && !strncmp(e->d_name, "job-", 4)) remove_dir(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* New states: requeue a first failure, end on a second, done when all are. */
static int take_answer(cl_run *c, int *requeue, int *nrequeue) {
  cl_poll *p = c->answer;
  c->answer = NULL;
  *nrequeue = 0;
  if (p->requeue_failed >= 0) {
    char name[480];
    snprintf(c->fail, sizeof c->fail, "%s failed and could not run again: %s",
             cli_cluster_task_name(c, p->requeue_failed, name, sizeof name), p->err);
    free(p);
    return -1;
  }
  if (p->n < 0) {
    /* A controller that does not answer once is not a failed run: asked again. */
    if (c->o->loglevel >= 24) cli_term_log(&c->term, 24, NULL, p->err);
    free(p);
    return 0;
  }
  int complete = 0;
  for (int i = 0; i < p->n; i++) {
    int k = p->tasks[i].index;
    if (k < 0 || k >= c->n) continue;
    cl_task *t = &c->t[k];
    pl_slurm_state was = t->known ? t->s.state : PL_SLURM_UNKNOWN;
    t->s = p->tasks[i];
    t->known = true;
    if (!c->term.tty && was != t->s.state && c->o->loglevel >= 32) {
      char line[640], name[480];
      snprintf(line, sizeof line, "isopipe: %s: %s%s%s",
               cli_cluster_task_name(c, k, name, sizeof name), cli_cluster_state_word(t),
               t->s.node[0] ? " on " : "", t->s.node);
      cli_term_line(&c->term, line);
    }
    if (c->jobs && c->lost[c->tjob[k]]) {
      /* Settled once its cancelled tasks have stopped writing. */
      complete += t->s.state != PL_SLURM_PENDING && t->s.state != PL_SLURM_RUNNING;
      continue;
    }
    if (t->s.state == PL_SLURM_COMPLETED) complete++;
    bool failed = t->s.state == PL_SLURM_FAILED || t->s.state == PL_SLURM_CANCELLED;
    if (!failed) continue;
    if (t->acted == t->s.restarts + 1) continue; /* its requeue is not in the records yet */
    bool launch = !strcmp(t->s.reason, "JobLaunchFailure");
    if (t->s.state == PL_SLURM_FAILED &&
        (launch ? t->launch_fails < LAUNCH_RETRIES : !t->requeued)) {
      if (launch)
        t->launch_fails++;
      else
        t->requeued = true;
      t->acted = t->s.restarts + 1;
      requeue[(*nrequeue)++] = k;
      /* A dependency on a failed task may never be satisfied (22.05). */
      cancel_join(c, c->tjob[k]);
      if (c->o->loglevel >= 24) {
        char line[768], name[480];
        snprintf(line, sizeof line, "%s failed on %s (%s, exit %d): running it again",
                 cli_cluster_task_name(c, k, name, sizeof name),
                 t->s.node[0] ? t->s.node : "no node", t->s.reason, t->s.exit_code);
        cli_term_log(&c->term, 24, NULL, line);
      }
    } else {
      char tail[512], name[480], why[sizeof c->fail];
      cli_cluster_task_log_tail(c, k, tail, sizeof tail);
      snprintf(c->jobs && c->njobs > 1 ? why : c->fail, sizeof why,
               "%s failed on node %s: %s (exit %d, %s)%s%s",
               cli_cluster_task_name(c, k, name, sizeof name), t->s.node[0] ? t->s.node : "none",
               t->s.reason[0] ? t->s.reason : t->s.raw_state, t->s.exit_code,
               t->requeued ? "after one retry" : "not retried", tail[0] ? "; its log: " : "", tail);
      if (c->jobs && c->njobs > 1) lose_file(c, k, why);
    }
  }
  free(p);
  return complete == c->n ? 1 : 0;
}

/* The tasks' share of the run: 1 when every task completed, 0 interrupted, -1 failed. */
static int watch(cl_run *c) {
  uint64_t last_poll = 0, last_draw = 0;
  int requeue[CLI_CLUSTER_MAX_TASKS], nrequeue = 0;
  for (;;) {
    iso_loop_poll(TICK_NS);
    if (cli_signals_count() > 0) return 0;
    if (c->fail[0]) return -1;
    uint64_t now = iso_now_ns();
    if (c->answer) {
      int r = take_answer(c, requeue, &nrequeue);
      if (c->fail[0]) return -1;
      if (r == 1) return 1;
    }
    if (!c->polling && (nrequeue || now - last_poll >= POLL_NS)) {
      if (ask(c, requeue, nrequeue) != ISO_OK) {
        snprintf(c->fail, sizeof c->fail, "cluster: cannot start a Slurm poll");
        return -1;
      }
      nrequeue = 0;
      last_poll = now;
    }
    if (now - last_draw >= REDRAW_NS) {
      for (int k = 0; k < c->n; k++)
        if (c->t[k].known && c->t[k].s.state == PL_SLURM_RUNNING)
          c->t[k].percent = cli_cluster_task_percent(c, k);
      if (c->term.tty && c->o->loglevel >= 32) cli_cluster_draw(c, false);
      last_draw = now;
    }
  }
}

/* Waits for an answer still coming, so no poll outlives the runtime; returns it. */
static cl_poll *settle(cl_run *c) {
  uint64_t until = iso_now_ns() + CANCEL_WAIT_NS;
  while (c->polling && iso_now_ns() < until)
    iso_loop_poll(TICK_NS);
  cl_poll *p = c->answer;
  c->answer = NULL;
  return p;
}

/* Cancelled tasks are waited for (bounded), so none writes into the
 * directory once it is gone. */
static void cancel_all(cl_run *c) {
  free(settle(c));
  cancel_joins(c);
  if (!c->id[0]) return;
  pl_slurm_cancel(c->id);
  uint64_t until = iso_now_ns() + CANCEL_WAIT_NS;
  while (iso_now_ns() < until) {
    if (ask(c, NULL, 0) != ISO_OK) break;
    cl_poll *p = settle(c);
    if (!p) break;
    bool live = false;
    for (int i = 0; i < p->n; i++)
      live = live || p->tasks[i].state == PL_SLURM_PENDING || p->tasks[i].state == PL_SLURM_RUNNING;
    free(p);
    if (!live) break;
    iso_loop_poll(200ull * 1000 * 1000);
  }
}

static int usage(cli_term *t, const char *fmt, const char *v) {
  char line[1200], msg[1024];
  snprintf(msg, sizeof msg, fmt, v);
  snprintf(line, sizeof line, "isopipe: --cluster: %s", msg);
  cli_term_line(t, line);
  return CLI_EXIT_USAGE;
}

/* The files of a batch: each its own directory and args, its tasks a run
 * of the one array, longest file first. */
static int plan_batch(cl_run *c, int nseg, char *err, size_t n) {
  int rc = cli_batch_read(c->o, &c->jobs, &c->njobs, err, n);
  if (rc) return rc;
  c->n = 0;
  for (int j = 0; j < c->njobs; j++) {
    cli_batch_job *b = &c->jobs[j];
    b->first = c->n;
    b->n = cli_cluster_tasks_for(b->dur, nseg, b->video);
    if (c->n + b->n > CLI_CLUSTER_MAX_TASKS)
      return snprintf(err, n, "--batch: more than %d segment tasks in all", CLI_CLUSTER_MAX_TASKS),
             CLI_EXIT_USAGE;
    for (int k = 0; k < b->n; k++) {
      c->tjob[c->n + k] = j;
      c->tseg[c->n + k] = k;
    }
    c->n += b->n;
  }
  return 0;
}

static int make_dirs(cl_run *c, int nseg, bool add_segments, char *err, size_t n) {
  if (!c->jobs) {
    if (cli_cluster_write_args(c->o, c->dir, NULL, nseg, add_segments) < 0) goto fail;
    return 0;
  }
  for (int j = 0; j < c->njobs; j++) {
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%.4000s/job-%d", c->dir, j);
    if (mkdir(dir, 0755) < 0 ||
        cli_cluster_write_args(c->o, dir, &c->jobs[j], nseg, add_segments) < 0)
      goto fail;
  }
  if (cli_batch_write_tasks(c->dir, c->jobs, c->njobs) < 0) goto fail;
  return 0;
fail:
  return snprintf(err, n, "%.900s: cannot write the task's files: %s", c->dir, strerror(errno)),
         CLI_EXIT_FAIL;
}

static int setup(cl_run *c, char *err, size_t n) {
  const cli_opts *o = c->o;
  const char *segs = cli_opts_get(o, "segments");
  int nseg = segs && strcmp(segs, "auto") ? atoi(segs) : 4;
  bool add_segments = !segs || !strcmp(segs, "auto");
  if (nseg < 2) return snprintf(err, n, "give --segments 2 or more"), CLI_EXIT_USAGE;
  const char *out = o->output;
  if (o->batch) {
    int rc = plan_batch(c, nseg, err, n);
    if (rc) return rc;
    out = c->jobs[0].out;
  } else {
    for (size_t i = 0; i < o->nkv; i++)
      if (!strcmp(o->kv[i].key, CLI_OUTPUT_KEY))
        return snprintf(err, n, "one output only"), CLI_EXIT_USAGE;
    if (!strcmp(o->input, "-") || !strcmp(o->output, "-") || strstr(o->input, "://") ||
        strstr(o->output, "://"))
      return snprintf(err, n, "the input and output must be files on storage every node sees"),
             CLI_EXIT_USAGE;
    int rc = cli_check_output(o->input, o->output, o->overwrite, err, n);
    if (rc) return rc;
    double dur;
    bool video;
    rc = cli_cluster_check(o, o->input, o->output, &dur, &video, err, n);
    if (rc) return rc;
    c->n = cli_cluster_tasks_for(dur, nseg, video);
    for (int k = 0; k < c->n; k++)
      c->tseg[k] = k;
  }
  /* The shared directory: next to the (first) output unless named. */
  char base[PATH_MAX];
  if (o->cluster_dir) {
    snprintf(base, sizeof base, "%s", o->cluster_dir);
  } else {
    snprintf(base, sizeof base, "%s", out);
    char *slash = strrchr(base, '/');
    if (slash)
      *slash = 0;
    else
      snprintf(base, sizeof base, ".");
  }
  char abs[PATH_MAX];
  if (!realpath(base, abs))
    return snprintf(err, n, "%.900s: %s", base, strerror(errno)), CLI_EXIT_FAIL;
  const char *name = o->batch ? "batch" : strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
  snprintf(c->dir, sizeof c->dir, "%.3000s/.isopipe-%.500s.%ld", abs, name, (long)getpid());
  if (mkdir(c->dir, 0755) < 0) {
    snprintf(err, n, "%.900s: %s", c->dir, strerror(errno));
    c->dir[0] = 0;
    return CLI_EXIT_FAIL;
  }
  int rc = make_dirs(c, nseg, add_segments, err, n);
  if (rc) return rc;
  char script[PATH_MAX + 16], logs[PATH_MAX + 32], cwd[PATH_MAX], array[32];
  if (cli_cluster_write_script(c->dir, c->n, script, sizeof script) < 0 || !getcwd(cwd, sizeof cwd))
    return snprintf(err, n, "%.900s: cannot write the task's files", c->dir), CLI_EXIT_FAIL;
  snprintf(logs, sizeof logs, "%s/task-%%a.log", c->dir);
  snprintf(array, sizeof array, "0-%d", c->n - 1);
  pl_slurm_submit sub = {.script = script,
                         .name = "isopipe-seg",
                         .partition = o->partition,
                         .array = array,
                         .output = logs,
                         .workdir = cwd};
  if (pl_slurm_sbatch(&sub, c->id, sizeof c->id, err, n) < 0) return CLI_EXIT_FAIL;
  return 0;
}

/* The nodes the tasks ran on, each once. */
/* File j's tasks in the array: first_of(j) .. + tasks_of(j) - 1. */
static int first_of(const cl_run *c, int j) {
  return c->jobs ? c->jobs[j].first : 0;
}
static int tasks_of(const cl_run *c, int j) {
  return c->jobs ? c->jobs[j].n : c->n;
}

/* File j's directory: the run's, or in a batch its job-J. */
static const char *join_dir(const cl_run *c, int j, char *dir, size_t n) {
  if (c->jobs)
    snprintf(dir, n, "%.4000s/job-%d", c->dir, j);
  else
    snprintf(dir, n, "%s", c->dir);
  return dir;
}

int cli_cluster_run(const cli_opts *o) {
  cl_run *c = calloc(1, sizeof *c);
  if (!c) return CLI_EXIT_FAIL;
  c->o = o;
  cli_term_init(&c->term, 2, -1);
  char err[1024];
  int rc = setup(c, err, sizeof err);
  if (rc) {
    if (o->loglevel >= 8) usage(&c->term, "%s", err);
    if (c->dir[0]) remove_dir(c->dir);
    cli_term_free(&c->term);
    cli_batch_free(c->jobs, c->njobs);
    free(c);
    return rc;
  }
  uint64_t t0 = iso_now_ns();
  int ended = -1;
  char dir[PATH_MAX + 16];
  if (cli_signals_install() < 0 || iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) {
    snprintf(c->fail, sizeof c->fail, "cluster: cannot start the runtime");
  } else {
    c->port = iso_port_new_raw(on_answer, c);
    c->sp = c->port ? iso_port_sendport(c->port) : NULL;
    if (!c->sp) snprintf(c->fail, sizeof c->fail, "out of memory");
    if (c->sp && o->loglevel >= 32) {
      char line[PATH_MAX + 128];
      snprintf(line, sizeof line, "isopipe: slurm job %s: %d segment tasks, files in %s", c->id,
               c->n, c->dir);
      cli_term_line(&c->term, line);
    }
    for (int j = 0; c->sp && j < (c->jobs ? c->njobs : 1); j++) {
      char why[1200];
      if (cli_cluster_join_submit(join_dir(c, j, dir, sizeof dir), c->id, first_of(c, j),
                                  tasks_of(c, j), o->partition, c->join[j], sizeof c->join[j], why,
                                  sizeof why))
        c->join[j][0] = 0; /* submitted once the tasks completed, as after a retry */
    }
    ended = c->sp ? watch(c) : -1;
    if (ended != 1) cancel_all(c);
    free(settle(c));
    if (c->term.tty && o->loglevel >= 32) cli_cluster_draw(c, true);
    iso_sendport_release(c->sp);
    if (c->port) iso_port_close(c->port);
    iso_runtime_shutdown();
  }
  double tasks_s = (double)(iso_now_ns() - t0) * 1e-9;
  if (ended == 1) {
    /* Every task's packets are in: a join job of its own per file (on
     * whichever node Slurm picks, with its record in Slurm) joins them into
     * its output, with the in-process run's join code. */
    int files = c->jobs ? c->njobs : 1;
    /* Joins cancelled after a retry: every file's again, running side by side. */
    for (int j = 0; j < files; j++) {
      char why[1200];
      if (!c->lost[j] && !c->join[j][0] &&
          cli_cluster_join_submit(join_dir(c, j, dir, sizeof dir), c->id, first_of(c, j),
                                  tasks_of(c, j), o->partition, c->join[j], sizeof c->join[j], why,
                                  sizeof why))
        c->join[j][0] = 0; /* tried again below, which reports why */
    }
    for (int j = 0; j < files && rc == CLI_EXIT_OK; j++) {
      if (c->lost[j]) continue;
      uint64_t t1 = iso_now_ns();
      char jnode[64], why[1200], line[4096];
      const char *out = c->jobs ? c->jobs[j].out : o->output;
      join_dir(c, j, dir, sizeof dir);
      if (o->loglevel >= 32) {
        snprintf(line, sizeof line, "isopipe: cluster: joining the segments of %.1000s", out);
        cli_term_line(&c->term, line);
      }
      if (!c->join[j][0])
        rc = cli_cluster_join_submit(dir, c->id, first_of(c, j), tasks_of(c, j), o->partition,
                                     c->join[j], sizeof c->join[j], why, sizeof why);
      if (rc == CLI_EXIT_OK)
        rc = cli_cluster_join_wait(dir, c->join[j], jnode, sizeof jnode, why, sizeof why);
      if (rc == CLI_EXIT_OK && o->loglevel >= 32) {
        char nodes[512];
        cli_cluster_node_list(c, nodes, sizeof nodes);
        int first = c->jobs ? c->jobs[j].first : 0, ntask = c->jobs ? c->jobs[j].n : c->n;
        snprintf(
            line, sizeof line,
            "isopipe: cluster: %.1000s: %d tasks of slurm job %s (tasks %d-%d) on %s in %.2f s, "
            "joined by slurm job %s on %s in %.2f s",
            out, ntask, c->id, first, first + ntask - 1, nodes[0] ? nodes : "no node", tasks_s, why,
            jnode[0] ? jnode : "?", (double)(iso_now_ns() - t1) * 1e-9);
        cli_term_line(&c->term, line);
      } else if (rc > 128 && o->loglevel >= 24) {
        cli_term_line(&c->term, "isopipe: interrupted: the join job is cancelled, no output");
      } else if (rc != CLI_EXIT_OK && o->loglevel >= 8) {
        snprintf(line, sizeof line, "isopipe: %.1000s: %s", out, why);
        cli_term_line(&c->term, line);
      }
    }
    if (rc != CLI_EXIT_OK) cancel_joins(c);                /* the other files' */
    if (rc == CLI_EXIT_OK && c->nlost) rc = CLI_EXIT_FAIL; /* each named when it failed */
  } else if (ended == 0) {
    if (o->loglevel >= 24)
      cli_term_line(&c->term, "isopipe: interrupted: the slurm job is cancelled, no output");
    rc = 128 + cli_signals_first();
  } else {
    if (o->loglevel >= 8) {
      char line[1100];
      snprintf(line, sizeof line, "isopipe: %s", c->fail);
      cli_term_line(&c->term, line);
    }
    rc = CLI_EXIT_FAIL;
  }
  remove_dir(c->dir);
  cli_term_free(&c->term);
  cli_batch_free(c->jobs, c->njobs);
  free(c);
  return rc;
}
