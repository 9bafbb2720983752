/* Helpers of the reliability tests: child processes under a timeout, verdicts, memory figures. */
#ifndef ISOPIPE_REL_UTIL_H
#define ISOPIPE_REL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sanitizer reports in a child exit with this code (not 1, which means
 * "clean error" for the CLI). */
#define REL_SANITIZER_EXIT 86

typedef struct rel_spawn_opts {
  const char *stdin_path; /* NULL = /dev/null */
  double timeout_s;       /* SIGKILL after this; 0 = 20 s */
  double signal_after_s;  /* > 0: send 'signal' after this delay */
  int signal;
  int signal_count;    /* sent this many times, signal_after_s apart; 0 = 1 */
  double signal_gap_s; /* > 0: the later ones this far apart instead */
} rel_spawn_opts;

typedef struct rel_proc {
  int status;      /* raw wait status */
  bool timed_out;  /* killed by the timeout */
  double wall_s;   /* from spawn to exit */
  char err[16384]; /* stderr (truncated) */
} rel_proc;

/* Makes sanitizers in children exit with REL_SANITIZER_EXIT. Call once. */
void rel_env_init(void);
/* fork + exec argv[0] (a path), stdout to /dev/null, stderr captured. */
int rel_spawn(char *const argv[], const rel_spawn_opts *o, rel_proc *out);
/* -1 if it did not exit normally, else its exit code. */
int rel_exit_code(const rel_proc *p);
/* One word for a report: "exit 1", "signal 11", "timeout". */
const char *rel_describe(const rel_proc *p, char *buf, size_t len);
/* True when stderr shows an ASan/UBSan/LSan/TSan report. */
bool rel_sanitizer_report(const rel_proc *p);
/* The first stderr line starting with "isopipe:", or NULL. */
const char *rel_error_line(const rel_proc *p, char *buf, size_t len);

/* True when line reads "isopipe: STAGE (...": a stage name such as demux,
 * decode:v or mux, then the file in parentheses. */
bool rel_error_names_stage(const char *line);

/* libavformat opens path and at least one packet can be read; duration (s,
 * or -1) and packets returned. */
bool rel_playable(const char *path, double *duration, long *packets);

/* One in-process run of the library: input, output, then the options as
 * key/value pairs up to a {NULL, NULL} pair. The packets written (0 when
 * the output is not playable), or -1 when the run failed, its error in err. */
long rel_pipeline_packets(const char *in, const char *out, const char *const (*kv)[2], char *err,
                          size_t errlen);

/* Peak and current resident set of this process, in KiB. */
long rel_peak_rss_kb(void);
long rel_current_rss_kb(void);

/* The CLI path from ISO_CLI (set by ctest), or NULL. */
const char *rel_cli(void);
/* xorshift64*: seeded, so every failing case can be replayed. */
uint64_t rel_rand(uint64_t *state);

int rel_write_file(const char *path, const void *data, size_t n);
/* Reads a whole file (malloc'd; *n its size) or NULL. */
uint8_t *rel_read_file(const char *path, size_t *n);

#endif
