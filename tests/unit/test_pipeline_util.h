/* Shared helpers of the pipeline tests: run a pipeline from key/value options, record callbacks. */
#ifndef ISOPIPE_TEST_PIPELINE_UTIL_H
#define ISOPIPE_TEST_PIPELINE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"
#include "media_gen.h"
#include "test_media.h"

typedef struct tp_run {
  pthread_t main_thread;
  int status;
  char error[512];
  char first_error_stage[32];
  iso_error_category category; /* iso_pipeline_error_info's, after tp_run_kv */
  iso_progress last;
  int progress_calls, log_lines, errors, done_calls;
  bool off_main; /* a callback ran on another thread */
  bool saw_worker_log;
  /* cancel on the first progress at or past this position (seconds) */
  double cancel_at;
  iso_cancel_mode cancel_how;
  bool cancel_sent;
  uint64_t bytes_copied, transfers;
} tp_run;

static inline void tp_check_thread(tp_run *r) {
  if (!pthread_equal(pthread_self(), r->main_thread)) r->off_main = true;
}

static inline void tp_on_progress(iso_pipeline *p, const iso_progress *g, void *ud) {
  tp_run *r = ud;
  tp_check_thread(r);
  r->progress_calls++;
  r->last = *g;
  if (r->cancel_at >= 0 && !r->cancel_sent && g->position_s >= r->cancel_at) {
    r->cancel_sent = true;
    iso_pipeline_cancel(p, r->cancel_how);
  }
}

static inline void tp_on_log(iso_pipeline *p, int level, const char *stage, const char *line,
                             void *ud) {
  (void)p, (void)level, (void)line;
  tp_run *r = ud;
  tp_check_thread(r);
  r->log_lines++;
  if (stage && strcmp(stage, "main") != 0) r->saw_worker_log = true;
  if (getenv("TP_VERBOSE")) fprintf(stderr, "[%s] %s\n", stage ? stage : "?", line);
}

static inline void tp_on_error(iso_pipeline *p, const char *stage, const char *msg, void *ud) {
  (void)p;
  tp_run *r = ud;
  tp_check_thread(r);
  if (!r->errors++) {
    snprintf(r->error, sizeof r->error, "%s", msg);
    snprintf(r->first_error_stage, sizeof r->first_error_stage, "%s", stage ? stage : "");
  }
}

static inline void tp_on_done(iso_pipeline *p, int status, void *ud) {
  (void)p;
  tp_run *r = ud;
  tp_check_thread(r);
  r->done_calls++;
  r->status = status;
}

static inline void tp_init(tp_run *r) {
  memset(r, 0, sizeof *r);
  r->main_thread = pthread_self();
  r->cancel_at = -1;
}

#if defined(__SANITIZE_THREAD__)
#define TP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TP_TSAN 1
#endif
#endif

/* Under ThreadSanitizer codecs run single-threaded: FFmpeg's own frame
 * threads sync through atomics TSan cannot see in the uninstrumented
 * libraries, and would bury every report about the isolates under theirs. */
static inline void tp_tsan_threads(iso_pipeline *p, const char *const *kv) {
#ifdef TP_TSAN
  for (int i = 0; kv[i]; i += 2)
    if (!strcmp(kv[i], "threads")) return;
  iso_pipeline_set(p, "threads", "1");
#else
  (void)p, (void)kv;
#endif
}

/* Builds a pipeline from NULL-terminated key, value pairs (NULL on a bad
 * option: the reason goes to r->error). */
static inline iso_pipeline *tp_make(tp_run *r, const char *const *kv) {
  iso_pipeline *p = iso_pipeline_new();
  assert_non_null(p);
  for (int i = 0; kv[i]; i += 2) {
    if (iso_pipeline_set(p, kv[i], kv[i + 1]) != ISO_OK) {
      snprintf(r->error, sizeof r->error, "%s", iso_pipeline_error(p) ? iso_pipeline_error(p) : "");
      iso_pipeline_free(p);
      return NULL;
    }
  }
  tp_tsan_threads(p, kv);
  iso_pipeline_callbacks cb = {tp_on_progress, tp_on_log, tp_on_error, tp_on_done};
  iso_pipeline_set_callbacks(p, &cb, r);
  return p;
}

/* Appends one output per NULL-terminated key, value list of more (output
 * #1, #2...); a bad option fails the test with the pipeline's reason. */
static inline void tp_add_outputs(iso_pipeline *p, const char *const *const *more, int nmore) {
  for (int k = 0; k < nmore; k++) {
    int id = iso_pipeline_add_output(p);
    assert_int_equal(id, k + 1);
    for (int i = 0; more[k][i]; i += 2)
      if (iso_pipeline_set_output(p, id, more[k][i], more[k][i + 1]) != ISO_OK)
        fail_msg("output #%d: %s", id, iso_pipeline_error(p));
#ifdef TP_TSAN
    iso_pipeline_set_output(p, id, "threads", "1");
#endif
  }
}

static inline void tp_sum_counters(tp_run *r) {
  r->bytes_copied = r->transfers = 0;
  for (int i = 0; i < r->last.nstages; i++) {
    r->bytes_copied += r->last.stages[i].bytes_copied;
    r->transfers += r->last.stages[i].transfers;
  }
}

/* Runs to the end; returns the status (start errors included). */
static inline int tp_run_kv(tp_run *r, const char *const *kv) {
  iso_pipeline *p = tp_make(r, kv);
  if (!p) return r->status = ISO_EINVAL;
  int st = iso_pipeline_run(p);
  if (st != ISO_OK && !r->error[0] && iso_pipeline_error(p))
    snprintf(r->error, sizeof r->error, "%s", iso_pipeline_error(p));
  if (iso_pipeline_done(p)) assert_int_equal(r->done_calls, 1);
  iso_error_info ei;
  assert_int_equal(iso_pipeline_error_info(p, &ei), st);
  r->category = ei.category;
  r->status = st;
  tp_sum_counters(r);
  iso_pipeline_free(p);
  if (st != ISO_OK && getenv("TP_VERBOSE")) fprintf(stderr, "run failed: %s\n", r->error);
  return st;
}

static inline const char *tp_media(const char *name, char *buf, size_t len) {
  char rel[256];
  snprintf(rel, sizeof rel, "media/%s", name);
  return tm_source_file(rel, buf, len);
}

static inline int tp_setup_threads(void **state) {
  (void)state;
  return iso_runtime_init(ISO_MODE_THREADS) == ISO_OK ? 0 : -1;
}

static inline int tp_teardown(void **state) {
  (void)state;
  iso_runtime_shutdown();
  return 0;
}

/* The program's temporary directory for outputs: tp_setup_dir makes it (and
 * starts the runtime in threads mode), tp_teardown_dir removes it. */
static inline char *tp_dir(void) {
  static char dir[512];
  return dir;
}

static inline int tp_setup_dir(void **state) {
  if (tm_tmpdir_make(tp_dir(), 512) != 0) return -1;
  return tp_setup_threads(state);
}

static inline int tp_teardown_dir(void **state) {
  tm_tmpdir_remove(tp_dir());
  return tp_teardown(state);
}

static inline double tp_absd(double a) {
  return a < 0 ? -a : a;
}

#endif
