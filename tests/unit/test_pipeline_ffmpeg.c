/* Pipeline tests: the decode path is bit-exact: framemd5 equals Debian ffmpeg's, line for line. */
#include "test_pipeline_util.h"

#include "test_need.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[512];
static char g_ffmpeg[512];

static int setup(void **state) {
  tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg);
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* Both turn rotated pictures by default (autorotate). */
static int run_ffmpeg(const char *in, const char *out) {
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    execl(g_ffmpeg, "ffmpeg", "-nostdin", "-v", "error", "-i", in, "-c:v", "rawvideo", "-c:a",
          "pcm_s16le", "-f", "framemd5", "-y", out, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  *len = fread(buf, 1, (size_t)n, f);
  buf[*len] = 0;
  fclose(f);
  return buf;
}

/* Returns true when both tools agree (or both refuse the input). */
static bool compare_one(const char *in, char *why, size_t whylen) {
  char ref[1024], got[1024];
  tm_path(ref, sizeof ref, g_dir, "ref.md5");
  tm_path(got, sizeof got, g_dir, "got.md5");
  unlink(ref);
  unlink(got);
  int frc = run_ffmpeg(in, ref);
  const char *kv[] = {"i",   in,          "o", got,        "c:v", "rawvideo",
                      "c:a", "pcm_s16le", "f", "framemd5", NULL};
  tp_run r;
  tp_init(&r);
  int st = tp_run_kv(&r, kv);
  if (frc != 0 || st != ISO_OK) {
    snprintf(why, whylen, "ffmpeg rc %d, isopipe %s", frc, st == ISO_OK ? "ok" : r.error);
    return (frc != 0) == (st != ISO_OK);
  }
  size_t na, nb;
  char *a = slurp(ref, &na), *b = slurp(got, &nb);
  bool same = a && b && na == nb && memcmp(a, b, na) == 0;
  if (!same && a && b) {
    /* Name the first line that differs. */
    size_t i = 0, line = 1;
    while (i < na && i < nb && a[i] == b[i])
      line += a[i++] == '\n';
    snprintf(why, whylen, "first difference on line %zu", line);
  }
  free(a);
  free(b);
  return same;
}

static void t_media_clips(void **state) {
  (void)state;
  TM_NEED(g_ffmpeg[0], "ffmpeg");
  static const char *clips[] = {"clip-h264-aac.mp4",     "clip-vp9-opus.webm",  "clip-5.1-flac.mkv",
                                "clip-161x121-vp9.webm", "clip-hevc-10bit.mkv", "clip-rotate90.mp4",
                                "clip-44k1-mono.mp3"};
  int bad = 0;
  for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
    char in[1024], why[600] = "";
    tp_media(clips[i], in, sizeof in);
    if (!compare_one(in, why, sizeof why)) {
      fprintf(stderr, "framemd5 differs: %s: %s\n", clips[i], why);
      bad++;
    }
  }
  assert_int_equal(bad, 0);
}

static void compare_dir(const char *sub, int *files, int *bad) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", tm_corpus_dir(), sub);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char in[1300], why[600] = "";
    snprintf(in, sizeof in, "%s/%s", dir, e->d_name);
    (*files)++;
    if (!compare_one(in, why, sizeof why)) {
      fprintf(stderr, "framemd5 differs: %s/%s: %s\n", sub, e->d_name, why);
      (*bad)++;
    }
  }
  closedir(d);
}

static void t_corpus(void **state) {
  (void)state;
  TM_NEED(g_ffmpeg[0], "ffmpeg");
  TM_NEED(tm_corpus_dir(), "the media corpus");
  int files = 0, bad = 0;
  compare_dir("video", &files, &bad);
  compare_dir("audio", &files, &bad);
  assert_true(files > 0);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_media_clips),
      cmocka_unit_test(t_corpus),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
