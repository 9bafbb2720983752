/* Slurm's command-line clients driven from C: each call runs one client with a deadline and parses
 * what it prints. */
#include "pipeline/cluster/pl_slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SLURM_DEADLINE_MS 30000

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs argv, its stdout and stderr into out (NUL-terminated, cut to n);
 * returns its exit status, or -1 when it could not run or missed the
 * deadline (then it is killed). */
static int run(char *const argv[], char *out, size_t n) {
  int fd[2];
  if (n) out[0] = 0;
  if (pipe2(fd, O_CLOEXEC) < 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  if (rc != 0) {
    close(fd[0]);
    if (n) snprintf(out, n, "%s: %s", argv[0], strerror(rc));
    return -1;
  }
  size_t len = 0;
  long until = now_ms() + SLURM_DEADLINE_MS;
  bool late = false;
  for (;;) {
    long left = until - now_ms();
    if (left <= 0) {
      late = true;
      break;
    }
    struct pollfd p = {fd[0], POLLIN, 0};
    int r = poll(&p, 1, (int)left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    ssize_t got = read(fd[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    size_t take = (size_t)got;
    if (n && len + take >= n) take = n - 1 - len;
    memcpy(out + len, buf, take);
    len += take;
    if (n) out[len] = 0;
  }
  close(fd[0]);
  if (late) kill(pid, SIGKILL);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (late) {
    if (n) snprintf(out, n, "%s: no answer within %d s", argv[0], SLURM_DEADLINE_MS / 1000);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void first_line(char *s) {
  s[strcspn(s, "\n")] = 0;
}

bool pl_slurm_available(char *why, size_t n) {
  char out[512];
  char *argv[] = {"sinfo", "-h", "-o", "%T", NULL};
  if (run(argv, out, sizeof out) != 0 || !out[0]) {
    first_line(out);
    snprintf(why, n, "Slurm is not reachable (sinfo: %s)", out[0] ? out : "no partition");
    return false;
  }
  return true;
}

int pl_slurm_sbatch(const pl_slurm_submit *s, char *id, size_t idn, char *err, size_t n) {
  char array[64], dep[80], part[128], name[128], outp[1024], wd[1024];
  char *argv[16];
  int k = 0;
  argv[k++] = "sbatch";
  argv[k++] = "--parsable";
  argv[k++] = "--requeue"; /* a task lost with its node runs again; Slurm counts it */
  snprintf(name, sizeof name, "--job-name=%s", s->name ? s->name : "isopipe");
  argv[k++] = name;
  if (s->array) {
    snprintf(array, sizeof array, "--array=%s", s->array);
    argv[k++] = array;
  }
  if (s->after_ok) {
    snprintf(dep, sizeof dep, "--dependency=afterok:%s", s->after_ok);
    argv[k++] = dep;
  }
  if (s->partition) {
    snprintf(part, sizeof part, "--partition=%s", s->partition);
    argv[k++] = part;
  }
  if (s->output) {
    snprintf(outp, sizeof outp, "--output=%s", s->output);
    argv[k++] = outp;
  }
  if (s->workdir) {
    snprintf(wd, sizeof wd, "--chdir=%s", s->workdir);
    argv[k++] = wd;
  }
  argv[k++] = (char *)s->script;
  argv[k] = NULL;
  char out[1024];
  int rc = run(argv, out, sizeof out);
  first_line(out);
  if (rc != 0) {
    snprintf(err, n, "sbatch: %s", out[0] ? out : "failed");
    return -1;
  }
  /* --parsable prints "id" or "id;cluster". */
  out[strcspn(out, ";")] = 0;
  if (!out[0] || strspn(out, "0123456789") != strlen(out)) {
    snprintf(err, n, "sbatch: unexpected answer '%s'", out);
    return -1;
  }
  snprintf(id, idn, "%s", out);
  return 0;
}

static pl_slurm_state parse_state(const char *s) {
  static const struct {
    const char *word;
    pl_slurm_state st;
  } map[] = {{"PENDING", PL_SLURM_PENDING},     {"CONFIGURING", PL_SLURM_PENDING},
             {"REQUEUED", PL_SLURM_PENDING},    {"REQUEUE_FED", PL_SLURM_PENDING},
             {"RESIZING", PL_SLURM_RUNNING},    {"RUNNING", PL_SLURM_RUNNING},
             {"COMPLETING", PL_SLURM_RUNNING},  {"SUSPENDED", PL_SLURM_RUNNING},
             {"COMPLETED", PL_SLURM_COMPLETED}, {"CANCELLED", PL_SLURM_CANCELLED},
             {"FAILED", PL_SLURM_FAILED},       {"NODE_FAIL", PL_SLURM_FAILED},
             {"BOOT_FAIL", PL_SLURM_FAILED},    {"OUT_OF_MEMORY", PL_SLURM_FAILED},
             {"TIMEOUT", PL_SLURM_FAILED},      {"DEADLINE", PL_SLURM_FAILED},
             {"PREEMPTED", PL_SLURM_FAILED}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp(s, map[i].word)) return map[i].st;
  return PL_SLURM_UNKNOWN;
}

/* The value of key=... in a one-line `scontrol -o show job` record. */
static bool field(const char *line, const char *key, char *val, size_t n) {
  size_t kl = strlen(key);
  for (const char *p = line; (p = strstr(p, key)) != NULL; p += kl) {
    if ((p != line && p[-1] != ' ') || p[kl] != '=') continue;
    const char *v = p + kl + 1;
    size_t len = strcspn(v, " \n");
    if (len >= n) len = n - 1;
    memcpy(val, v, len);
    val[len] = 0;
    return true;
  }
  return false;
}

int pl_slurm_query(const char *id, pl_slurm_task *tasks, int max, char *err, size_t n) {
  size_t cap = 256 * 1024;
  char *out = malloc(cap);
  if (!out) {
    snprintf(err, n, "out of memory");
    return -1;
  }
  char *argv[] = {"scontrol", "-o", "show", "job", (char *)id, NULL};
  int rc = run(argv, out, cap);
  if (rc != 0) {
    first_line(out);
    snprintf(err, n, "scontrol show job %s: %s", id, out[0] ? out : "failed");
    free(out);
    return -1;
  }
  int count = 0;
  for (char *line = strtok(out, "\n"); line && count < max; line = strtok(NULL, "\n")) {
    pl_slurm_task *t = &tasks[count];
    char v[128];
    memset(t, 0, sizeof *t);
    t->index = field(line, "ArrayTaskId", v, sizeof v) ? atoi(v) : -1;
    /* An array's tasks that never started share one record ("1-3"), in
     * the state the whole array is in (pending, or cancelled). */
    if (field(line, "ArrayTaskId", v, sizeof v) && strpbrk(v, "-,%")) {
      int a = atoi(v), b = a;
      char *dash = strchr(v, '-');
      if (dash && (!strchr(v, ',') || dash < strchr(v, ','))) b = atoi(dash + 1);
      pl_slurm_task like;
      memset(&like, 0, sizeof like);
      like.state = field(line, "JobState", like.raw_state, sizeof like.raw_state)
                       ? parse_state(like.raw_state)
                       : PL_SLURM_UNKNOWN;
      field(line, "Reason", like.reason, sizeof like.reason);
      for (int i = a; i <= b && count < max; i++) {
        tasks[count] = like;
        tasks[count++].index = i;
      }
      continue;
    }
    t->state = field(line, "JobState", t->raw_state, sizeof t->raw_state)
                   ? parse_state(t->raw_state)
                   : PL_SLURM_UNKNOWN;
    if (field(line, "ExitCode", v, sizeof v)) t->exit_code = atoi(v);
    if (field(line, "Restarts", v, sizeof v)) t->restarts = atoi(v);
    if (field(line, "NodeList", t->node, sizeof t->node) && !strcmp(t->node, "(null)"))
      t->node[0] = 0;
    field(line, "Reason", t->reason, sizeof t->reason);
    count++;
  }
  free(out);
  return count;
}

int pl_slurm_requeue(const char *id, int task, char *err, size_t n) {
  char target[96], upd[128], out[512];
  if (task >= 0)
    snprintf(target, sizeof target, "%s_%d", id, task);
  else
    snprintf(target, sizeof target, "%s", id);
  char *rq[] = {"scontrol", "requeue", target, NULL};
  if (run(rq, out, sizeof out) != 0) {
    first_line(out);
    snprintf(err, n, "scontrol requeue %s: %s", target, out[0] ? out : "failed");
    return -1;
  }
  /* A requeued job waits a while before it is eligible again: the runner
   * has decided to run it now, or rather one second from now: a launch in
   * the second its previous run ended finds that run's credential revoked
   * on the node and fails (JobLaunchFailure). */
  snprintf(upd, sizeof upd, "JobId=%s", target);
  char *go[] = {"scontrol", "update", upd, "StartTime=now+1", NULL};
  if (run(go, out, sizeof out) != 0) {
    first_line(out);
    snprintf(err, n, "scontrol update %s StartTime=now+1: %s", target, out[0] ? out : "failed");
    return -1;
  }
  return 0;
}

int pl_slurm_cancel(const char *id) {
  char out[256];
  char *argv[] = {"scancel", (char *)id, NULL};
  return run(argv, out, sizeof out) == 0 ? 0 : -1;
}

const char *pl_slurm_state_name(pl_slurm_state s) {
  static const char *const names[] = {"pending", "running",   "completed",
                                      "failed",  "cancelled", "unknown"};
  return (unsigned)s <= PL_SLURM_UNKNOWN ? names[s] : "unknown";
}
