/* Test prerequisites: the skip-or-fail policy, program and encoder look-ups, ffmpeg runs, framemd5
 * comparison. */
#include "test_need.h"

#include "test_ffcache.h"

#include <fcntl.h>
#include <libavcodec/avcodec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_missing;

bool tm_ci(void) {
  const char *ci = getenv("CI");
  return ci && (!strcmp(ci, "true") || !strcmp(ci, "1"));
}

bool tm_missing(const char *what) {
  g_missing++;
  bool ci = tm_ci();
  fprintf(stderr, "%s: %s\n", ci ? "FAIL (CI=true)" : "SKIP", what);
  return ci;
}

int tm_exit(int failed) {
  if (failed) return failed;
  return g_missing ? TM_SKIP_CODE : 0;
}

int tm_missing_exit(const char *what) {
  return tm_missing(what) ? 1 : TM_SKIP_CODE;
}

bool tm_have_program(const char *name, char *buf, size_t len) {
  const char *path = getenv("PATH");
  char copy[4096], tmp[1024];
  if (!buf) {
    buf = tmp;
    len = sizeof tmp;
  }
  snprintf(copy, sizeof copy, "%s", path ? path : "/usr/bin:/bin");
  char *save = NULL;
  for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    snprintf(buf, len, "%s/%s", d, name);
    if (access(buf, X_OK) == 0) return true;
  }
  buf[0] = 0;
  return false;
}

bool tm_have_encoder(const char *name) {
  return avcodec_find_encoder_by_name(name) != NULL;
}

int tm_run_ffmpeg(const char *const *args) {
  return tm_run_ffmpeg_to(args, NULL);
}

int tm_run_ffmpeg_to(const char *const *args, const char *stdout_path) {
  char ffmpeg[1024];
  if (!tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg)) return 127;
  const char *argv[96] = {"ffmpeg", "-nostdin", "-v", "error", "-y"};
  int n = 5;
  /* A line's own -n or -y stands (ffmpeg refuses -y with -n); the outputs
   * are fresh files either way. */
  for (int i = 0; args[i]; i++)
    if (!strcmp(args[i], "-n") || !strcmp(args[i], "-y")) n = 4;
  for (int i = 0; args[i] && n < 95; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  int rc = 0;
  tm_ffcache *kept = tm_ffcache_open(ffmpeg, argv + 1, stdout_path, &rc);
  if (kept == TM_FFCACHE_HIT) return rc;
  pid_t pid = fork();
  if (pid < 0) {
    tm_ffcache_free(kept);
    return -1;
  }
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY); /* async-signal-safe, unlike stdio */
    if (devnull >= 0) dup2(devnull, 2);
    if (stdout_path) {
      int out = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0) _exit(126);
      dup2(out, 1);
    }
    execv(ffmpeg, (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (kept && rc >= 0 && rc != 126 && rc != 127) tm_ffcache_keep(kept, rc);
  tm_ffcache_free(kept);
  return rc;
}

/* The next frame line (comments skipped) into line; false at the end. */
static bool next_line(FILE *f, char *line, size_t len) {
  while (fgets(line, (int)len, f))
    if (line[0] != '#') return true;
  return false;
}

bool tm_framemd5_equal(const char *a, const char *b, int *lines, char *why, size_t whylen) {
  FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
  int n = 0;
  bool same = fa && fb;
  if (!same) snprintf(why, whylen, "cannot open %s", fa ? b : a);
  char la[512], lb[512];
  while (same) {
    bool ha = next_line(fa, la, sizeof la), hb = next_line(fb, lb, sizeof lb);
    if (!ha && !hb) break;
    if (ha != hb || strcmp(la, lb) != 0) {
      snprintf(why, whylen, "frame line %d: '%.200s' vs '%.200s'", n + 1,
               ha ? strtok(la, "\n") : "(end)", hb ? strtok(lb, "\n") : "(end)");
      same = false;
    }
    n++;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  if (lines) *lines = n;
  return same;
}
