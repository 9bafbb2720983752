/* --segment-task: one segment of a --cluster run, as Slurm runs it on some node. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_cluster.h"

static void replace(char **dst, const char *v) {
  free(*dst);
  *dst = v ? strdup(v) : NULL;
}

/* Fails its first attempt (or every attempt with ":always"; killed with
 * ":kill") when the task's index is the one named (and, with
 * ISOPIPE_TEST_FAIL_DIR, its directory holds that text: one file of a
 * batch): how the tests make a task fail. The first attempt is the one
 * that creates DIR/test-failed-K (Slurm's restart count is not set the
 * same way after every kind of failure). */
static bool test_failure(const char *dir, int k) {
  const char *v = getenv("ISOPIPE_TEST_FAIL_SEGMENT"), *d = getenv("ISOPIPE_TEST_FAIL_DIR");
  if (!v || atoi(v) != k || (d && !strstr(dir, d))) return false;
  if (strstr(v, ":always")) return true;
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/test-failed-%d", dir, k);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return false;
  close(fd);
  return true;
}

int cli_cluster_parse_args(char *buf, size_t len, cli_opts *o, char *err, size_t n) {
  /* The command line main was given, NUL-separated. */
  char *argv[1024];
  int argc = 0;
  argv[argc++] = "isopipe";
  for (size_t i = 0; i < len && argc < 1023; i += strlen(buf + i) + 1)
    argv[argc++] = buf + i;
  argv[argc] = NULL;
  return cli_args_parse(argc, argv, o, err, n);
}

int cli_cluster_task(const char *dir, const char *index, const char *count) {
  char path[PATH_MAX + 16], *buf = NULL, *end;
  size_t len = 0;
  long k;
  long n = strtol(count, &end, 10);
  if (!*count || *end || n < 1 || n > CLI_CLUSTER_MAX_TASKS) {
    fprintf(stderr, "isopipe: --segment-task: bad task count '%s'\n", count);
    return CLI_EXIT_USAGE;
  }
  k = strtol(index, &end, 10);
  if (!*index || *end || k < 0 || k >= n) {
    fprintf(stderr, "isopipe: --segment-task: bad segment number '%s'\n", index);
    return CLI_EXIT_USAGE;
  }
  /* A batch's task: its file's directory, and its segment of that file. */
  char jobdir[PATH_MAX];
  int b = cli_batch_task(dir, k, jobdir, sizeof jobdir, &k, &n);
  if (b < 0) {
    fprintf(stderr, "isopipe: task %s: not in the batch's task list under %s\n", index, dir);
    return CLI_EXIT_FAIL;
  }
  if (b > 0) dir = jobdir;
  snprintf(path, sizeof path, "%s/" CLI_CLUSTER_ARGS, dir);
  if (cli_read_file(path, &buf, &len) < 0) {
    fprintf(stderr, "isopipe: segment %ld: cannot read %s: %s\n", k, path, strerror(errno));
    return CLI_EXIT_FAIL;
  }
  if (test_failure(dir, (int)k)) {
    fprintf(stderr, "isopipe: segment %ld: failing as ISOPIPE_TEST_FAIL_SEGMENT asks\n", k);
    free(buf);
    if (strstr(getenv("ISOPIPE_TEST_FAIL_SEGMENT"), ":kill")) raise(SIGKILL);
    return 3;
  }
  cli_opts o;
  char err[1024];
  int rc = cli_cluster_parse_args(buf, len, &o, err, sizeof err);
  if (rc) {
    fprintf(stderr, "isopipe: segment %ld: %s\n", k, err);
    cli_opts_free(&o);
    free(buf);
    return rc;
  }
  /* Its output is its segment file; the stream's own muxer writes only its
   * header and trailer to a file of the same kind here, removed after. */
  const char *slash = strrchr(o.output, '/');
  const char *dot = strrchr(slash ? slash : o.output, '.');
  char discard[PATH_MAX + 32], prog[PATH_MAX + 32];
  snprintf(discard, sizeof discard, "%s/discard-%ld%s", dir, k, dot ? dot : "");
  snprintf(prog, sizeof prog, "%s/seg-%ld.progress", dir, k);
  replace(&o.output, discard);
  replace(&o.progress_url, prog);
  replace(&o.stats_path, NULL);
  replace(&o.trace_path, NULL);
  replace(&o.seg_dir, dir);
  o.overwrite = 1;
  o.stats = 0;
  o.hide_banner = 1;
  o.seg_task = (int)k;
  o.seg_tasks = (int)n;
  rc = o.seg_dir ? cli_app_run(&o) : CLI_EXIT_FAIL;
  unlink(discard);
  cli_opts_free(&o);
  free(buf);
  return rc;
}
