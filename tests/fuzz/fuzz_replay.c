/* Plain replay driver: runs the fuzz target once per file (or per file in a directory). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_transcode.h"

/* Built four times: for fuzz_transcode.c, with FZ_REPLAY_PIPELINE for
 * fuzz_pipeline.c, with FZ_REPLAY_SURFACES for fuzz_surfaces.c and
 * with FZ_REPLAY_SEGJOIN for fuzz_segjoin.c. */
#ifdef FZ_REPLAY_PIPELINE
#define FZ_ONE fz_pipeline_one
#elif defined(FZ_REPLAY_SURFACES)
#define FZ_ONE fz_surfaces_one
#elif defined(FZ_REPLAY_SEGJOIN)
#define FZ_ONE fz_segjoin_one
#else
#define FZ_ONE fz_transcode_one
#endif

/* Inputs larger than this are cut, like libFuzzer's -max_len would. */
#define REPLAY_MAX_BYTES (16u << 20)

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return 1;
  }
  uint8_t *buf = malloc(REPLAY_MAX_BYTES);
  if (!buf) {
    fclose(f);
    return 1;
  }
  size_t n = fread(buf, 1, REPLAY_MAX_BYTES, f);
  fclose(f);
  /* An exact-size copy lets ASan see reads past the end of the input. */
  uint8_t *exact = malloc(n ? n : 1);
  if (!exact) {
    free(buf);
    return 1;
  }
  memcpy(exact, buf, n);
  free(buf);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  FZ_ONE(exact, n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  free(exact);
  printf("replayed %s (%zu bytes, %.1f ms): %s\n", path, n, ms, fz_summary);
  fflush(stdout);
  return 0;
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Inputs that were asked for but are absent (the corpus's folders): the
 * run exits 77 (skipped) or, under CI=true, fails, as tests/support's
 * test_need.h does for the other tests; this program links no test code. */
static int g_absent;

static bool under_ci(void) {
  const char *ci = getenv("CI");
  return ci && (!strcmp(ci, "true") || !strcmp(ci, "1"));
}

static int replay_path(const char *path, int *count) {
  struct stat st;
  if (stat(path, &st) != 0) {
    printf("%s %s: %s\n", under_ci() ? "FAIL (CI=true): missing" : "SKIP", path, strerror(errno));
    g_absent++;
    return 0;
  }
  if (!S_ISDIR(st.st_mode)) {
    (*count)++;
    return replay_file(path);
  }
  DIR *d = opendir(path);
  if (!d) return 1;
  /* Sorted, so a run is reproducible whatever order readdir gives. */
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **grown = realloc(names, cap * sizeof *names);
      if (!grown) {
        rc = 1;
        break;
      }
      names = grown;
    }
    names[n] = strdup(e->d_name);
    if (!names[n]) {
      rc = 1;
      break;
    }
    n++;
  }
  closedir(d);
  if (names) qsort(names, n, sizeof *names, name_cmp);
  for (size_t i = 0; i < n; i++) {
    char full[PATH_MAX];
    int len = snprintf(full, sizeof full, "%s/%s", path, names[i]);
    if (len > 0 && (size_t)len < sizeof full && rc == 0) rc = replay_path(full, count);
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  int count = 0, rc = 0;
  for (int i = 1; i < argc && rc == 0; i++)
    rc = replay_path(argv[i], &count);
  printf("%d inputs replayed\n", count);
  if (rc == 0 && g_absent) rc = under_ci() ? 1 : 77;
  return rc;
}
