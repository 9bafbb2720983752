/* Helpers of the reliability tests: child processes under a timeout, verdicts, memory figures. */
#include "rel_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "isopipe/pipeline.h"

static double rel_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rel_env_append(const char *var, const char *add) {
  const char *old = getenv(var);
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s%s", old && *old ? old : "", old && *old ? ":" : "", add);
  setenv(var, buf, 1);
}

void rel_env_init(void) {
  rel_env_append("ASAN_OPTIONS", "exitcode=86");
  rel_env_append("UBSAN_OPTIONS", "exitcode=86");
  rel_env_append("TSAN_OPTIONS", "exitcode=86");
}

int rel_spawn(char *const argv[], const rel_spawn_opts *o, rel_proc *out) {
  rel_spawn_opts def = {0};
  if (!o) o = &def;
  memset(out, 0, sizeof *out);
  double timeout = o->timeout_s > 0 ? o->timeout_s : 20.0;
  int fds[2];
  if (pipe(fds) != 0) return -1;
  double t0 = rel_now();
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    int in = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);
    int devnull = open("/dev/null", O_WRONLY);
    if (in >= 0) dup2(in, 0);
    if (devnull >= 0) dup2(devnull, 1);
    dup2(fds[1], 2);
    close(fds[0]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  size_t used = 0;
  int sent = 0, to_send = o->signal_count > 0 ? o->signal_count : 1;
  bool eof = false, exited = false;
  int status = 0;
  while (!exited || !eof) {
    double t = rel_now() - t0;
    if (!exited && !out->timed_out && t > timeout) {
      kill(pid, SIGKILL);
      out->timed_out = true;
    }
    double gap = o->signal_gap_s > 0 ? o->signal_gap_s : o->signal_after_s;
    if (!exited && sent < to_send && o->signal_after_s > 0 && t >= o->signal_after_s + gap * sent) {
      kill(pid, o->signal);
      sent++;
    }
    if (!eof) {
      struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
      if (poll(&pfd, 1, 5) > 0) {
        char chunk[4096];
        ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n <= 0) {
          eof = true;
        } else if (used < sizeof out->err - 1) {
          size_t take = (size_t)n;
          if (take > sizeof out->err - 1 - used) take = sizeof out->err - 1 - used;
          memcpy(out->err + used, chunk, take);
          used += take;
        }
      }
    } else {
      struct timespec ts = {0, 5000000};
      nanosleep(&ts, NULL);
    }
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      out->wall_s = rel_now() - t0;
    }
    /* A grandchild could hold the pipe open; the child's exit is what counts. */
    if (exited && !eof && rel_now() - t0 > timeout + 5) eof = true;
  }
  close(fds[0]);
  out->err[used] = '\0';
  out->status = status;
  return 0;
}

int rel_exit_code(const rel_proc *p) {
  if (p->timed_out || !WIFEXITED(p->status)) return -1;
  return WEXITSTATUS(p->status);
}

const char *rel_describe(const rel_proc *p, char *buf, size_t len) {
  if (p->timed_out)
    snprintf(buf, len, "timeout");
  else if (WIFSIGNALED(p->status))
    snprintf(buf, len, "signal %d", WTERMSIG(p->status));
  else
    snprintf(buf, len, "exit %d", WEXITSTATUS(p->status));
  return buf;
}

bool rel_sanitizer_report(const rel_proc *p) {
  return strstr(p->err, "Sanitizer") || strstr(p->err, "runtime error:") ||
         rel_exit_code(p) == REL_SANITIZER_EXIT;
}

const char *rel_error_line(const rel_proc *p, char *buf, size_t len) {
  const char *s = p->err;
  while (s && *s) {
    const char *end = strchr(s, '\n');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    if (n >= 8 && strncmp(s, "isopipe:", 8) == 0) {
      if (n >= len) n = len - 1;
      memcpy(buf, s, n);
      buf[n] = '\0';
      return buf;
    }
    s = end ? end + 1 : NULL;
  }
  return NULL;
}

bool rel_error_names_stage(const char *line) {
  if (!line || strncmp(line, "isopipe: ", 9) != 0) return false;
  const char *s = line + 9;
  size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz:0123456789");
  return n >= 3 && s[n] == ' ' && s[n + 1] == '(';
}

bool rel_playable(const char *path, double *duration, long *packets) {
  AVFormatContext *fc = NULL;
  if (duration) *duration = -1;
  if (packets) *packets = 0;
  if (avformat_open_input(&fc, path, NULL, NULL) < 0) return false;
  long n = 0;
  if (avformat_find_stream_info(fc, NULL) >= 0) {
    AVPacket *pkt = av_packet_alloc();
    while (pkt && av_read_frame(fc, pkt) >= 0) {
      n++;
      av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
  }
  if (duration && fc->duration != AV_NOPTS_VALUE) *duration = (double)fc->duration / AV_TIME_BASE;
  if (packets) *packets = n;
  avformat_close_input(&fc);
  return n > 0;
}

long rel_pipeline_packets(const char *in, const char *out, const char *const (*kv)[2], char *err,
                          size_t errlen) {
  err[0] = 0;
  iso_pipeline *p = iso_pipeline_new();
  if (!p) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  int rc = iso_pipeline_set(p, "i", in);
  if (rc == ISO_OK) rc = iso_pipeline_set(p, "o", out);
  for (size_t i = 0; rc == ISO_OK && kv[i][0]; i++)
    rc = iso_pipeline_set(p, kv[i][0], kv[i][1]);
  if (rc == ISO_OK) rc = iso_pipeline_run(p);
  if (rc != ISO_OK) {
    const char *e = iso_pipeline_error(p);
    snprintf(err, errlen, "%s", e ? e : "(no message)");
  }
  iso_pipeline_free(p);
  long packets = 0;
  if (rc != ISO_OK) return -1;
  if (!rel_playable(out, NULL, &packets)) return 0;
  return packets;
}

long rel_peak_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

long rel_current_rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = -1;
  fclose(f);
  return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

const char *rel_cli(void) {
  const char *p = getenv("ISO_CLI");
  return p && *p && access(p, X_OK) == 0 ? p : NULL;
}

uint64_t rel_rand(uint64_t *s) {
  uint64_t x = *s ? *s : 0x9e3779b97f4a7c15u;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545f4914f6cdd1du;
}

int rel_write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = n ? fwrite(data, 1, n, f) : 0;
  int rc = fclose(f);
  return (w == n && rc == 0) ? 0 : -1;
}

uint8_t *rel_read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t used = 0, cap = 0;
  for (;;) {
    if (used == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *g = realloc(buf, cap);
      if (!g) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = g;
    }
    size_t r = fread(buf + used, 1, cap - used, f);
    used += r;
    if (r == 0) break;
  }
  fclose(f);
  *n = used;
  return buf;
}
