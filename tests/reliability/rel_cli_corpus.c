/* Hostile-input corpus through the CLI: broken files and damaged variants of good ones, each under
 * a timeout. */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"
#include "test_need.h"

#define CO_TIMEOUT_S 20.0

typedef struct co_tally {
  int tried, transcoded, refused, failed;
} co_tally;

static const char *g_cli, *g_dir;

/* One input through the CLI; the verdict follows the reliability rules: a clean
 * transcode (playable output) or exit 1 with a line naming the file. */
static void co_run(co_tally *t, const char *in, const char *label) {
  char out[700];
  tm_path(out, sizeof out, g_dir, "out.mkv");
  unlink(out);
  char *argv[48] = {(char *)g_cli, "-nostdin", "-hide_banner", "-y", "-i", (char *)in};
  int n = 6;
  /* ISO_CORPUS_ARGS replaces the output options (space-separated, e.g.
   * "-c copy" to send hostile timestamps straight to the muxer). */
  static char custom[512];
  const char *env = getenv("ISO_CORPUS_ARGS");
  if (env && *env) {
    snprintf(custom, sizeof custom, "%s", env);
    for (char *tok = strtok(custom, " "); tok && n < 44; tok = strtok(NULL, " "))
      argv[n++] = tok;
  } else {
    const char *def[] = {"-c:v", "mpeg4", "-s", "64x48", "-c:a", "aac"};
    for (size_t i = 0; i < sizeof def / sizeof def[0]; i++)
      argv[n++] = (char *)def[i];
  }
  argv[n++] = out;
  argv[n] = NULL;
  rel_spawn_opts o = {.timeout_s = CO_TIMEOUT_S};
  rel_proc p;
  t->tried++;
  if (rel_spawn(argv, &o, &p) != 0) {
    printf("FAIL %-44s could not spawn the CLI\n", label);
    t->failed++;
    return;
  }
  char what[64], line[512];
  const char *err = rel_error_line(&p, line, sizeof line);
  int code = rel_exit_code(&p);
  char *inbase = basename(strdupa(in));
  const char *problem = NULL;
  if (p.timed_out)
    problem = "hang (killed after the timeout)";
  else if (rel_sanitizer_report(&p))
    problem = "sanitizer report";
  else if (code == 0) {
    double dur;
    long pkts;
    if (!rel_playable(out, &dur, &pkts))
      problem = "exit 0 but the output does not play";
    else
      t->transcoded++;
  } else if (code == 1) {
    if (!err)
      problem = "exit 1 without an 'isopipe:' error line";
    else if (!strstr(err, inbase) && !strstr(err, "out.mkv"))
      problem = "the error line names neither the input nor the output";
    else if (!rel_error_names_stage(err))
      problem = "the error line names no stage";
    else
      t->refused++;
  } else {
    problem = "neither exit 0 nor a clean exit 1";
  }
  if (problem) {
    t->failed++;
    printf("FAIL %-44s %s: %s\n", label, rel_describe(&p, what, sizeof what), problem);
    fputs(p.err, stdout);
  } else {
    printf("ok   %-44s %-8s %5.2f s  %s\n", label, rel_describe(&p, what, sizeof what), p.wall_s,
           err ? err : "");
  }
  fflush(stdout);
  unlink(out);
}

/* A damaged copy of data written to dir/name, then run. */
static void co_variant(co_tally *t, const uint8_t *data, size_t n, const char *name,
                       const char *label) {
  char path[700];
  tm_path(path, sizeof path, g_dir, name);
  if (rel_write_file(path, data, n) != 0) {
    printf("FAIL %s: cannot write %s\n", label, path);
    t->failed++;
    return;
  }
  co_run(t, path, label);
  unlink(path);
}

static void co_variants(co_tally *t, const char *good, uint64_t seed) {
  size_t n = 0;
  uint8_t *data = rel_read_file(good, &n);
  if (!data || n < 16) {
    free(data);
    return;
  }
  const char *base = basename(strdupa(good));
  const char *ext = strrchr(base, '.');
  ext = ext ? ext : "";
  char name[128], label[160];
  uint64_t rng = seed;
  /* Truncated at 10 seeded-random offsets (any byte count short of the end). */
  for (int i = 0; i < 10; i++) {
    size_t cut = (size_t)(rel_rand(&rng) % n);
    snprintf(name, sizeof name, "trunc%d%s", i, ext);
    snprintf(label, sizeof label, "%s truncated at %zu", base, cut);
    co_variant(t, data, cut, name, label);
  }
  /* 1% of the bytes flipped, away from the first 64 so it still probes as
   * the same format most of the time. */
  uint8_t *flip = malloc(n);
  if (flip) {
    memcpy(flip, data, n);
    size_t count = n / 100 + 1;
    for (size_t k = 0; k < count; k++) {
      size_t at = n > 64 ? 64 + (size_t)(rel_rand(&rng) % (n - 64)) : (size_t)(rel_rand(&rng) % n);
      flip[at] ^= (uint8_t)(1u << (rel_rand(&rng) % 8));
    }
    snprintf(name, sizeof name, "flipped%s", ext);
    snprintf(label, sizeof label, "%s with %zu bits flipped", base, count);
    co_variant(t, flip, n, name, label);
    free(flip);
  }
  /* The same bytes under a misleading extension. */
  snprintf(name, sizeof name, "wrong-ext%s", strcmp(ext, ".mp3") ? ".mp3" : ".mp4");
  snprintf(label, sizeof label, "%s named %s", base, name);
  co_variant(t, data, n, name, label);
  free(data);
}

static int co_name_cmp(const void *a, const void *b) {
  return strcmp(a, b);
}

static void co_broken_dir(co_tally *t, const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (!d) {
    char what[600];
    snprintf(what, sizeof what, "%s", dir);
    if (tm_missing(what)) t->failed++;
    return;
  }
  struct dirent *e;
  static char names[4096][256];
  int count = 0;
  while ((e = readdir(d)) && count < 4096)
    if (e->d_name[0] != '.') snprintf(names[count++], sizeof names[0], "%s", e->d_name);
  closedir(d);
  qsort(names, (size_t)count, sizeof names[0], co_name_cmp);
  for (int i = 0; i < count; i++) {
    char path[700], label[300];
    snprintf(path, sizeof path, "%s/%.255s", dir, names[i]);
    snprintf(label, sizeof label, "%.40s/%.255s", prefix, names[i]);
    co_run(t, path, label);
  }
}

int main(void) {
  rel_env_init();
  g_cli = rel_cli();
  if (!g_cli) {
    return tm_missing_exit("the CLI (ISO_CLI unset or not built)");
  }
  char dir[512];
  if (tm_tmpdir_make(dir, sizeof dir) != 0) return 1;
  g_dir = dir;
  co_tally t = {0};

  /* Good inputs of our own, so the test runs without the corpus too. */
  char av[600], audio[600];
  if (tm_gen_simple(av, sizeof av, dir, "good-av.mkv", "mpeg4", "aac", 160, 120, 1.0, 2, 48000) <
          0 ||
      tm_gen_simple(audio, sizeof audio, dir, "good-a.flac", NULL, "flac", 0, 0, 1.0, 2, 44100) <
          0) {
    tm_tmpdir_remove(dir);
    return 1;
  }
  co_variants(&t, av, 0x1001);
  co_variants(&t, audio, 0x1002);

  const char *corpus = tm_corpus_dir();
  if (corpus) {
    char good[700], broken[700];
    snprintf(good, sizeof good, "%s/video/sample.mp4", corpus);
    if (tm_file_exists(good))
      co_variants(&t, good, 0x1003);
    else if (tm_missing("the media corpus's video/sample.mp4"))
      t.failed++;
    snprintf(broken, sizeof broken, "%s/broken", corpus);
    co_broken_dir(&t, broken, "broken");
  } else if (tm_missing("the media corpus (ISO_MEDIA_CORPUS): only generated inputs ran")) {
    t.failed++;
  }

  /* ISO_EXTRA_INPUTS=DIR: every file in DIR too (e.g. a fuzz corpus, to
   * send what the codec-layer fuzzer found through the whole pipeline). */
  const char *extra = getenv("ISO_EXTRA_INPUTS");
  if (extra && *extra) co_broken_dir(&t, extra, "extra");

  /* Nothing at all, and noise. */
  uint64_t rng = 0x1004;
  static uint8_t noise[65536];
  for (size_t i = 0; i < sizeof noise; i++)
    noise[i] = (uint8_t)rel_rand(&rng);
  co_variant(&t, noise, 0, "empty.mp4", "zero-length file");
  co_variant(&t, noise, 4096, "noise4k.mkv", "4 KiB of random bytes");
  co_variant(&t, noise, sizeof noise, "noise64k", "64 KiB of random bytes, no extension");

  tm_tmpdir_remove(dir);
  printf("corpus: %d inputs tried: %d transcoded, %d refused with a clean error, %d failures\n",
         t.tried, t.transcoded, t.refused, t.failed);
  return tm_exit(t.failed ? 1 : 0);
}
