/* A batch converter: every input transcoded to OUTDIR as MKV, two pipelines at a time in one
 * process, with one overall progress line whose ETA comes from the inputs' probed durations:
 * usage batch OUTDIR IN... */
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <isopipe/probe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNNING_MAX 2

typedef struct job {
  const char *in;
  char out[1024];
  double duration_s; /* probed; the ETA's weight */
  double position_s; /* from on_progress */
  iso_pipeline *p;
  int status; /* 1 = not finished yet */
} job;

static void on_progress(iso_pipeline *p, const iso_progress *g, void *ud) {
  (void)p;
  job *j = ud;
  j->position_s = g->position_s;
}

static void on_done(iso_pipeline *p, int status, void *ud) {
  (void)p;
  job *j = ud;
  j->status = status;
  j->position_s = j->duration_s;
}

static int start(job *j) {
  j->p = iso_pipeline_new();
  iso_pipeline_set(j->p, "i", j->in);
  iso_pipeline_set(j->p, "o", j->out);
  iso_pipeline_set(j->p, "overwrite", "1");
  iso_pipeline_set(j->p, "c:v", "mpeg4");
  iso_pipeline_set(j->p, "q:v", "5");
  iso_pipeline_set(j->p, "c:a", "flac");
  iso_pipeline_set(j->p, "progress_period", "0.2");
  iso_pipeline_callbacks cb = {.on_progress = on_progress, .on_done = on_done};
  iso_pipeline_set_callbacks(j->p, &cb, j);
  j->status = 1;
  int r = iso_pipeline_start(j->p);
  if (r != ISO_OK) {
    fprintf(stderr, "%s: %s\n", j->in, iso_pipeline_error(j->p));
    j->status = r;
  }
  return r;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUTDIR IN...\n", argv[0]);
    return 2;
  }
  int n = argc - 2;
  job *jobs = calloc((size_t)n, sizeof *jobs);
  if (!jobs || iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  double total = 0;
  for (int i = 0; i < n; i++) {
    job *j = &jobs[i];
    j->in = argv[i + 2];
    const char *base = strrchr(j->in, '/') ? strrchr(j->in, '/') + 1 : j->in;
    snprintf(j->out, sizeof j->out, "%s/%s.mkv", argv[1], base);
    iso_probe_info *info = NULL;
    /* A file that does not probe still runs: its pipeline reports why. */
    if (iso_probe(j->in, NULL, &info, NULL) == ISO_OK) {
      j->duration_s = info->duration_s > 0 ? info->duration_s : 0;
      iso_probe_free(info);
    }
    total += j->duration_s;
  }
  int next = 0, running = 0, ok = 0, failed = 0;
  uint64_t t0 = iso_now_ns(), last_line = 0;
  while (next < n || running > 0) {
    while (running < RUNNING_MAX && next < n) {
      if (start(&jobs[next]) == ISO_OK) running++;
      next++;
    }
    iso_loop_poll(50000000); /* callbacks run here, on this thread */
    running = 0;
    double done_s = 0;
    for (int i = 0; i < next; i++) {
      job *j = &jobs[i];
      done_s += j->position_s < j->duration_s ? j->position_s : j->duration_s;
      if (j->status == 1) running++;
    }
    uint64_t now = iso_now_ns();
    if (now - last_line > 500000000ull && total > 0 && done_s > 0) {
      double el = (now - t0) / 1e9;
      printf("overall %5.1f %% of %.1f s of media, eta %.1f s\n", 100 * done_s / total, total,
             el * (total - done_s) / done_s);
      last_line = now;
    }
  }
  for (int i = 0; i < n; i++) {
    if (jobs[i].status == ISO_OK) {
      ok++;
    } else {
      failed++;
      fprintf(stderr, "%s: %s\n", jobs[i].in,
              jobs[i].p ? iso_pipeline_error(jobs[i].p) : "not started");
    }
    if (jobs[i].p) iso_pipeline_free(jobs[i].p);
  }
  printf("done: %d ok, %d failed, %.2f s\n", ok, failed, (iso_now_ns() - t0) / 1e9);
  iso_runtime_shutdown();
  free(jobs);
  return failed ? 1 : 0;
}
