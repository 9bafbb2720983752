/* Runs the built isopipe as a child process (pipes or a pseudo-terminal) for the CLI integration
 * tests. */
#ifndef ISOPIPE_CLI_HARNESS_H
#define ISOPIPE_CLI_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ISOPIPE_BIN
#error "ISOPIPE_BIN must name the built CLI"
#endif

#define CH_MAX_ARGS 128

typedef struct ch_buf {
  char *data;
  size_t len, cap;
} ch_buf;

typedef struct ch_proc {
  pid_t pid;
  int out_fd, err_fd; /* -1 once closed; with a pty both are the master */
  int pty;
  ch_buf out, err;
  int exited, status; /* raw waitpid status */
} ch_proc;

static inline double ch_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void ch_buf_add(ch_buf *b, const char *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    b->data = realloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static inline const char *ch_str(const ch_buf *b) {
  return b->data ? b->data : "";
}

/* Builds argv: the binary, then the NULL-terminated list. */
static inline void ch_argv(char **argv, const char *const *args) {
  int n = 0;
  argv[n++] = (char *)ISOPIPE_BIN;
  for (int i = 0; args[i] && n < CH_MAX_ARGS - 1; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
}

/* The same line for isopipe and ffmpeg, "pre -i in post out": iso gets
 * iso_opts first (-nostats, -y...); both lists are NULL-terminated. */
static inline void ch_pair_argv(const char **iso, const char **ff, const char *const *iso_opts,
                                const char *const *pre, const char *in, const char *const *post,
                                const char *out_iso, const char *out_ff) {
  int ni = 0, nf = 0;
  for (int i = 0; iso_opts[i] && ni < CH_MAX_ARGS - 8; i++)
    iso[ni++] = iso_opts[i];
  for (int i = 0; pre[i] && ni < CH_MAX_ARGS - 8; i++)
    iso[ni++] = ff[nf++] = pre[i];
  iso[ni++] = ff[nf++] = "-i";
  iso[ni++] = ff[nf++] = in;
  for (int i = 0; post[i] && ni < CH_MAX_ARGS - 2; i++)
    iso[ni++] = ff[nf++] = post[i];
  iso[ni++] = out_iso;
  ff[nf++] = out_ff;
  iso[ni] = ff[nf] = NULL;
}

/* Runs the shell line cmd (ffmpeg with "2>&1", to compare what it prints)
 * and keeps its output in buf: pclose's status, -1 when it cannot start. */
static inline int ch_shell_output(const char *cmd, char *buf, size_t len) {
  buf[0] = 0;
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  size_t got = fread(buf, 1, len - 1, f);
  buf[got] = 0;
  return pclose(f);
}

/* In the child: TSan builds of isopipe read FFmpeg's suppressions (harmless
 * elsewhere: only the TSan runtime reads the variable). */
static inline void ch_child_env(void) {
#ifdef ISO_SOURCE_DIR
  const char *old = getenv("TSAN_OPTIONS");
  char buf[2048];
  snprintf(buf, sizeof buf, "%s%ssuppressions=%s/tools/tsan.supp", old ? old : "",
           old && *old ? ":" : "", ISO_SOURCE_DIR);
  setenv("TSAN_OPTIONS", buf, 1);
#endif
}

/* Starts isopipe with stdout and stderr on pipes (stdin: /dev/null). */
static inline int ch_start(ch_proc *p, const char *const *args) {
  memset(p, 0, sizeof *p);
  int o[2], e[2];
  if (pipe(o) < 0 || pipe(e) < 0) return -1;
  char *argv[CH_MAX_ARGS];
  ch_argv(argv, args);
  p->pid = fork();
  if (p->pid < 0) return -1;
  if (p->pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(o[1], 1);
    dup2(e[1], 2);
    close(o[0]);
    close(e[0]);
    ch_child_env();
    execv(argv[0], argv);
    _exit(127);
  }
  close(o[1]);
  close(e[1]);
  p->out_fd = o[0];
  p->err_fd = e[0];
  return 0;
}

/* Starts isopipe on a pseudo-terminal (stdout and stderr both on it) of
 * cols x rows. */
static inline int ch_start_pty(ch_proc *p, const char *const *args, int cols, int rows) {
  memset(p, 0, sizeof *p);
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  int master;
  char *argv[CH_MAX_ARGS];
  ch_argv(argv, args);
  p->pid = forkpty(&master, NULL, NULL, &ws);
  if (p->pid < 0) return -1;
  if (p->pid == 0) {
    ch_child_env();
    execv(argv[0], argv);
    _exit(127);
  }
  p->pty = 1;
  p->out_fd = master;
  p->err_fd = -1;
  return 0;
}

/* Reads what is available for up to timeout_ms; returns 0 while a stream is open. */
static inline int ch_pump(ch_proc *p, int timeout_ms) {
  struct pollfd fds[2];
  int n = 0;
  if (p->out_fd >= 0) fds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
  if (p->err_fd >= 0) fds[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
  if (n == 0) return -1;
  if (poll(fds, (nfds_t)n, timeout_ms) <= 0) return 0;
  for (int i = 0; i < n; i++) {
    if (!fds[i].revents) continue;
    char buf[8192];
    ssize_t r = read(fds[i].fd, buf, sizeof buf);
    ch_buf *b = fds[i].fd == p->out_fd ? &p->out : &p->err;
    if (r > 0) {
      ch_buf_add(b, buf, (size_t)r);
    } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
      /* EOF, or EIO on a pty master once the child is gone. */
      close(fds[i].fd);
      if (fds[i].fd == p->out_fd)
        p->out_fd = -1;
      else
        p->err_fd = -1;
    }
  }
  return 0;
}

/* Waits for the process (reading its output) at most timeout_s; kills it
 * with SIGKILL past that. Returns the exit code, 128 + signal if it died
 * of a signal, or -1 on timeout. */
static inline int ch_wait(ch_proc *p, double timeout_s) {
  double end = ch_now() + timeout_s;
  int timed_out = 0;
  while (p->out_fd >= 0 || p->err_fd >= 0) {
    if (ch_now() > end) {
      timed_out = 1;
      kill(p->pid, SIGKILL);
      break;
    }
    ch_pump(p, 100);
    if (p->pty) {
      /* A pty master does not report EOF while a grandchild holds it;
       * stop once the child itself is gone and the master is drained. */
      int st;
      if (!p->exited && waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->exited = 1;
        p->status = st;
      }
      if (p->exited) {
        while (p->out_fd >= 0) {
          struct pollfd f = {.fd = p->out_fd, .events = POLLIN};
          if (poll(&f, 1, 50) <= 0) break;
          ch_pump(p, 0);
        }
        break;
      }
    }
  }
  if (p->out_fd >= 0) close(p->out_fd);
  if (p->err_fd >= 0) close(p->err_fd);
  p->out_fd = p->err_fd = -1;
  if (!p->exited) {
    waitpid(p->pid, &p->status, 0);
    p->exited = 1;
  }
  if (timed_out) return -1;
  /* Under ASan/UBSan/TSan a report in the child must fail the test even
   * when the exit code happens to be the one expected. */
  if (strstr(ch_str(&p->err), "Sanitizer") || strstr(ch_str(&p->out), "Sanitizer")) {
    fprintf(stderr, "sanitizer report from isopipe:\n%s%s\n", ch_str(&p->err), ch_str(&p->out));
    return -2;
  }
  if (WIFEXITED(p->status)) return WEXITSTATUS(p->status);
  if (WIFSIGNALED(p->status)) return 128 + WTERMSIG(p->status);
  return -1;
}

static inline void ch_free(ch_proc *p) {
  free(p->out.data);
  free(p->err.data);
  memset(&p->out, 0, sizeof p->out);
  memset(&p->err, 0, sizeof p->err);
}

/* Runs to completion; the caller frees p with ch_free. */
static inline int ch_run(ch_proc *p, const char *const *args, double timeout_s) {
  if (ch_start(p, args) < 0) return -1;
  return ch_wait(p, timeout_s);
}

/* Runs the CLI to its end (60 s at most): its exit status, its stderr (its
 * end when longer than n) into err (may be NULL). */
static inline int ch_run_err(const char *const *args, char *err, size_t n) {
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  if (err && n) {
    /* Too long for err: its end, from a line's start, where the warnings
     * and the error are (the inputs' description comes first). */
    const char *s = ch_str(&p.err);
    size_t len = strlen(s);
    if (len >= n) {
      const char *from = s + len - (n - 1), *nl = strchr(from, '\n');
      s = nl && nl[1] ? nl + 1 : from;
    }
    snprintf(err, n, "%s", s);
  }
  ch_free(&p);
  return rc;
}

/* Lines in s (a final line without '\n' counts). */
static inline int ch_lines(const char *s) {
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* A fresh directory ISO_BINARY_DIR/tests/<prefix>-XXXXXX for one test file. */
static inline int ch_mkdtemp(char *dir, size_t len, const char *prefix) {
  if (mkdir(ISO_BINARY_DIR "/tests", 0777) < 0 && errno != EEXIST) return -1;
  snprintf(dir, len, "%s/tests/%s-XXXXXX", ISO_BINARY_DIR, prefix);
  return mkdtemp(dir) ? 0 : -1;
}

/* Splits line at spaces into argv (CH_MAX_ARGS entries), each word equal to
 * names[i] (NULL-ended) replaced by values[i]; iso: "-y -v error" first, as
 * isopipe's runs need and ffmpeg's runner adds by itself. The word count. */
static inline int ch_split_line(const char *line, bool iso, const char *const *names,
                                const char *const *values, char *buf, size_t len,
                                const char **argv) {
  snprintf(buf, len, "%s", line);
  int n = 0;
  if (iso) {
    argv[n++] = "-y";
    argv[n++] = "-v";
    argv[n++] = "error";
  }
  char *save = NULL;
  for (char *t = strtok_r(buf, " ", &save); t && n < CH_MAX_ARGS - 2;
       t = strtok_r(NULL, " ", &save)) {
    const char *w = t;
    for (int i = 0; names[i]; i++)
      if (!strcmp(t, names[i])) w = values[i];
    argv[n++] = w;
  }
  argv[n] = NULL;
  return n;
}

/* dir/name in one of 8 rotating buffers (a call may need several paths). */
static inline const char *ch_path(const char *dir, const char *name) {
  static char buf[8][700];
  static int k;
  char *b = buf[k++ % 8];
  snprintf(b, 700, "%s/%s", dir, name);
  return b;
}

/* Needs cmocka (fail_msg): the run's stderr explains a wrong exit code. */
#define CH_EXPECT_EXIT(p, rc, want)                                                                \
  do {                                                                                             \
    if ((rc) != (want))                                                                            \
      fail_msg("exit %d (wanted %d); stderr:\n%s", (rc), (want), ch_str(&(p)->err));               \
  } while (0)

#endif
