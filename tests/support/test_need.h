/* Test prerequisites (ffmpeg, ffprobe, the corpus, an encoder): skipped visibly, and a failure
 * under CI=true. */
#ifndef ISOPIPE_TEST_NEED_H
#define ISOPIPE_TEST_NEED_H

#include <stdbool.h>
#include <stddef.h>

/* The exit status ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define TM_SKIP_CODE 77

/* True when CI is "true" (or "1"): a missing prerequisite is then a failure,
 * since a green CI must mean every test ran. */
bool tm_ci(void);

/* Records that what is missing; true when the test must fail (CI), false
 * when it may skip. Prints one line either way. */
bool tm_missing(const char *what);

/* In a cmocka test: unless present, skip the test (fail it under CI). The
 * program's main returns tm_exit(...), so a skip shows in ctest. */
#define TM_NEED(present, what)                                                                     \
  do {                                                                                             \
    if (!(present)) {                                                                              \
      if (tm_missing(what)) fail_msg("missing under CI: %s", (const char *)(what));                \
      skip();                                                                                      \
    }                                                                                              \
  } while (0)

/* In a cmocka test that runs in several modes: not meaningful in this one
 * (e.g. thread wake-ups in inline mode). Skipped, neither failed nor
 * counted as missing: the test runs in the other mode. */
#define TM_NOT_APPLICABLE(cond, why)                                                               \
  do {                                                                                             \
    if (cond) {                                                                                    \
      print_message("n/a here: %s\n", why);                                                        \
      skip();                                                                                      \
    }                                                                                              \
  } while (0)

/* main's status: the failures cmocka counted, else TM_SKIP_CODE when a
 * prerequisite was missing, else 0. */
int tm_exit(int failed);

/* For plain programs: the status to exit with when what is missing
 * (1 under CI, else TM_SKIP_CODE). */
int tm_missing_exit(const char *what);

/* A program on PATH (its full path into buf when found). */
bool tm_have_program(const char *name, char *buf, size_t len);
/* An encoder in the linked libavcodec. */
bool tm_have_encoder(const char *name);

/* Runs ffmpeg -nostdin -v error -y ARGS (NULL-terminated; no -y of ours
 * when ARGS hold -n or -y), its messages discarded: its exit status, 127
 * when there is no ffmpeg. With
 * ISO_FFMPEG_CACHE set, a run already made by the same ffmpeg with the same
 * arguments and input bytes is read back instead (test_ffcache.h). */
int tm_run_ffmpeg(const char *const *args);
/* The same with ffmpeg's stdout written to the file stdout_path (NULL: inherited). */
int tm_run_ffmpeg_to(const char *const *args, const char *stdout_path);

/* Compares two framemd5 files line for line, comments (#) aside. True when
 * equal; otherwise why names the first difference. lines gets the number of
 * frame lines in a (may be NULL). */
bool tm_framemd5_equal(const char *a, const char *b, int *lines, char *why, size_t whylen);

#endif
