/* The join of a cluster run's segment files (isopipe --segment-join DIR) fed damaged, missing,
 * swapped and foreign segments: a clear error naming the segment, never a shorter output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "media_gen.h"
#include "rel_util.h"

#define NSEG 4

static const char *g_cli;
static char g_dir[512];
static int g_failed, g_passed;

typedef struct seg_set {
  uint8_t *data[NSEG];
  size_t size[NSEG];
} seg_set;

static int run(char *const *argv, rel_proc *p) {
  rel_spawn_opts o = {.timeout_s = 60};
  return rel_spawn(argv, &o, p);
}

/* DIR/args as the runner writes it: the command line, NUL-separated. */
static int write_args(const char *dir, const char *in, int nseg, const char *codec,
                      const char *out) {
  char buf[4096], path[700], n[16];
  const char *words[] = {"-i", in, "--segments", n, "-c:a", codec, "-y", out};
  size_t len = 0;
  snprintf(n, sizeof n, "%d", nseg);
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    size_t w = strlen(words[i]) + 1;
    if (len + w > sizeof buf) return -1;
    memcpy(buf + len, words[i], w);
    len += w;
  }
  return rel_write_file(tm_path(path, sizeof path, dir, "args"), buf, len);
}

/* The tasks of a cluster run, each as Slurm would start it. */
static int run_tasks(const char *dir, int n) {
  for (int k = 0; k < n; k++) {
    char ks[16], ns[16];
    snprintf(ks, sizeof ks, "%d", k);
    snprintf(ns, sizeof ns, "%d", n);
    char *argv[] = {(char *)g_cli, "--segment-task", (char *)dir, ks, ns, NULL};
    rel_proc p;
    char what[64];
    if (run(argv, &p) != 0 || rel_exit_code(&p) != 0) {
      printf("FAIL task %d of %s: %s\n%s", k, dir, rel_describe(&p, what, sizeof what), p.err);
      return -1;
    }
  }
  return 0;
}

static int load_set(const char *dir, seg_set *s) {
  for (int k = 0; k < NSEG; k++) {
    char name[32], path[700];
    snprintf(name, sizeof name, "seg-%d.nut", k);
    s->data[k] = rel_read_file(tm_path(path, sizeof path, dir, name), &s->size[k]);
    if (!s->data[k]) return -1;
  }
  return 0;
}

static void restore(const char *dir, const seg_set *s) {
  for (int k = 0; k < NSEG; k++) {
    char name[32], path[700];
    snprintf(name, sizeof name, "seg-%d.nut", k);
    rel_write_file(tm_path(path, sizeof path, dir, name), s->data[k], s->size[k]);
  }
}

static int put(const char *dir, int k, const uint8_t *d, size_t n) {
  char name[32], path[700];
  snprintf(name, sizeof name, "seg-%d.nut", k);
  return rel_write_file(tm_path(path, sizeof path, dir, name), d, n);
}

static bool same_file(const char *a, const char *b) {
  size_t na, nb;
  uint8_t *da = rel_read_file(a, &na), *db = rel_read_file(b, &nb);
  bool same = da && db && na == nb && !memcmp(da, db, na);
  free(da);
  free(db);
  return same;
}

/* The join after one damage: a clean error naming the segment file
 * `names` (-1: any segment), or exit 0 with the undamaged join's bytes. */
static void judge(const char *title, const char *dir, const char *out, const char *ref, int names) {
  unlink(out);
  char *argv[] = {(char *)g_cli, "--segment-join", (char *)dir, NULL};
  rel_proc p;
  if (run(argv, &p) != 0) return;
  int code = rel_exit_code(&p);
  char what[64], line[1024], want[32] = "seg-";
  const char *err = rel_error_line(&p, line, sizeof line);
  if (names >= 0) snprintf(want, sizeof want, "seg-%d.nut", names);
  const char *problem = NULL;
  if (p.timed_out || rel_sanitizer_report(&p) || code < 0)
    problem = "crash, hang or sanitizer report";
  else if (code == 0 && !same_file(out, ref))
    problem = "exit 0 with an output that is not the whole join";
  else if (code != 0 && code != 1)
    problem = "an exit code other than 1";
  else if (code == 1 &&
           (!err || !rel_error_names_stage(err) || !strstr(err, "segment") || !strstr(err, want)))
    problem = "the error does not name the segment file";
  printf("%s %-44s %s: %s\n", problem ? "FAIL" : "ok  ", title, rel_describe(&p, what, sizeof what),
         err ? err : "");
  if (problem) {
    printf("     %s (want %s)\n", problem, want);
    fputs(p.err, stdout);
    g_failed++;
  } else {
    g_passed++;
  }
}

static void one_codec(const char *in, const char *other_in, const char *codec, const char *ext) {
  char dir[700], odir[700], out[700], ref[700], name[64];
  snprintf(name, sizeof name, "join-%s", codec);
  tm_path(dir, sizeof dir, g_dir, name);
  snprintf(name, sizeof name, "other-%s", codec);
  tm_path(odir, sizeof odir, g_dir, name);
  snprintf(name, sizeof name, "out-%s.%s", codec, ext);
  tm_path(out, sizeof out, g_dir, name);
  snprintf(name, sizeof name, "ref-%s.%s", codec, ext);
  tm_path(ref, sizeof ref, g_dir, name);
  seg_set s = {0}, o = {0};
  char nseg[8];
  snprintf(nseg, sizeof nseg, "%d", NSEG);
  char *refv[] = {(char *)g_cli, "-nostdin", "-y",          "-i", (char *)in, "--segments",
                  nseg,          "-c:a",     (char *)codec, ref,  NULL};
  rel_proc p;
  if (mkdir(dir, 0755) || mkdir(odir, 0755) || write_args(dir, in, NSEG, codec, out) ||
      write_args(odir, other_in, NSEG, codec, out) || run_tasks(dir, NSEG) ||
      run_tasks(odir, NSEG) || load_set(dir, &s) || load_set(odir, &o) || run(refv, &p) ||
      rel_exit_code(&p) != 0) {
    printf("FAIL %s: cannot make the segments\n", codec);
    g_failed++;
    goto done;
  }
  char t[128];
#define CASE(...) (snprintf(t, sizeof t, __VA_ARGS__), t)
  /* The undamaged join is the in-process run's file: the check can fail. */
  judge(CASE("%s: whole", codec), dir, out, ref, -1);
  if (access(out, F_OK) != 0 || !same_file(out, ref)) {
    printf("FAIL %s: the undamaged join is not the in-process output\n", codec);
    g_failed++;
  }
  uint64_t seed = 0x5e90 + (uint64_t)strlen(codec);
  for (int k = 1; k < NSEG; k += 2) {
    put(dir, k, s.data[k], s.size[k] / 2);
    judge(CASE("%s: seg %d cut to half", codec, k), dir, out, ref, k);
    put(dir, k, s.data[k], s.size[k] - 200);
    judge(CASE("%s: seg %d without its last 200 B", codec, k), dir, out, ref, k);
    uint8_t *d = malloc(s.size[k]);
    if (!d) break;
    size_t cut = s.size[k] / 3, len = s.size[k] / 5;
    memcpy(d, s.data[k], cut);
    memcpy(d + cut, s.data[k] + cut + len, s.size[k] - cut - len);
    put(dir, k, d, s.size[k] - len);
    judge(CASE("%s: seg %d without a fifth in the middle", codec, k), dir, out, ref, k);
    memcpy(d, s.data[k], s.size[k]);
    memset(d + cut, 0, len);
    put(dir, k, d, s.size[k]);
    judge(CASE("%s: seg %d with a fifth zeroed", codec, k), dir, out, ref, k);
    memcpy(d, s.data[k], s.size[k]);
    for (int i = 0; i < 8; i++)
      d[1024 + rel_rand(&seed) % (s.size[k] - 1024)] ^= (uint8_t)(1u << (i % 8));
    put(dir, k, d, s.size[k]);
    judge(CASE("%s: seg %d with 8 bits flipped", codec, k), dir, out, ref, k);
    for (size_t i = 0; i < s.size[k]; i++)
      d[i] = (uint8_t)rel_rand(&seed);
    put(dir, k, d, s.size[k]);
    judge(CASE("%s: seg %d random bytes", codec, k), dir, out, ref, k);
    free(d);
    put(dir, k, o.data[k], o.size[k]);
    judge(CASE("%s: seg %d from a run on another input", codec, k), dir, out, ref, k);
    restore(dir, &s);
  }
  put(dir, 1, s.data[2], s.size[2]);
  put(dir, 2, s.data[1], s.size[1]);
  judge(CASE("%s: segs 1 and 2 swapped", codec), dir, out, ref, 1);
  put(dir, 1, s.data[1], s.size[1]);
  judge(CASE("%s: seg 1 also as seg 2", codec), dir, out, ref, 2);
  restore(dir, &s);
  char path[700];
  snprintf(name, sizeof name, "seg-%d.nut", NSEG - 1);
  unlink(tm_path(path, sizeof path, dir, name));
  judge(CASE("%s: last segment missing", codec), dir, out, ref, NSEG - 1);
  put(dir, 0, s.data[0], 0);
  put(dir, NSEG - 1, s.data[NSEG - 1], s.size[NSEG - 1]);
  judge(CASE("%s: seg 0 empty", codec), dir, out, ref, 0);
  restore(dir, &s);
  /* The input changed since the tasks ran: every segment is another run's. */
  char saved[720];
  snprintf(saved, sizeof saved, "%s.saved", in);
  size_t on;
  uint8_t *od = rel_read_file(other_in, &on);
  if (od && rename(in, saved) == 0) {
    rel_write_file(in, od, on);
    judge(CASE("%s: the input replaced since the tasks ran", codec), dir, out, ref, 0);
    rename(saved, in);
  }
  free(od);
  /* A plan that is not the tasks': the join cuts elsewhere. */
  write_args(dir, in, NSEG - 1, codec, out);
  judge(CASE("%s: the join plans %d segments", codec, NSEG - 1), dir, out, ref, -1);
  write_args(dir, in, NSEG, codec, out);
  judge(CASE("%s: whole again", codec), dir, out, ref, -1);
#undef CASE
done:
  for (int k = 0; k < NSEG; k++) {
    free(s.data[k]);
    free(o.data[k]);
  }
}

int main(void) {
  g_cli = rel_cli();
  if (!g_cli) {
    printf("ISO_CLI not set: skipped\n");
    return 77;
  }
  rel_env_init();
  av_log_set_level(AV_LOG_QUIET);
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return 1;
  char in[700], other[700];
  if (tm_gen_simple(in, sizeof in, g_dir, "in.flac", NULL, "flac", 0, 0, 12.0, 2, 44100) < 0 ||
      tm_gen_simple(other, sizeof other, g_dir, "other.flac", NULL, "flac", 0, 0, 13.0, 2, 44100) <
          0) {
    printf("FAIL cannot make the inputs\n");
    tm_tmpdir_remove(g_dir);
    return 1;
  }
  one_codec(in, other, "libmp3lame", "mp3");
  one_codec(in, other, "aac", "m4a");
  printf("%d passed, %d failed\n", g_passed, g_failed);
  tm_tmpdir_remove(g_dir);
  return g_failed ? 1 : 0;
}
