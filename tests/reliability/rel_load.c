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

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LD_SANITIZED 1
#endif
#endif
#ifndef LD_SANITIZED
#define LD_SANITIZED 0
#endif

#define LD_PIPELINES 32
#define LD_BURST 1000
#define LD_SPAWNS 10000

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

static iso_value *ld_add_one(iso_value *arg) {
  return iso_int(iso_as_int(arg) + 1);
}

static int ld_burst(void) {
  iso_port *port = iso_port_new();
  iso_sendport *sp = iso_port_sendport(port);
  int failures = 0;
  for (int i = 0; i < LD_BURST; i++)
    if (iso_run_async(ld_add_one, iso_int(i), sp) != ISO_OK) failures++;
  int64_t sum = 0;
  int got = 0;
  for (; got < LD_BURST - failures; got++) {
    iso_value *msg = NULL;
    if (iso_port_next(port, 120ull * 1000000000ull, &msg) != ISO_OK) break;
    const char *tag = iso_as_str(iso_list_at(msg, 0));
    if (tag && strcmp(tag, "ok") == 0)
      sum += iso_as_int(iso_list_at(msg, 1));
    else
      failures++;
    iso_value_free(msg);
  }
  iso_sendport_release(sp);
  iso_port_close(port);
  int64_t want = (int64_t)LD_BURST * (LD_BURST + 1) / 2;
  if (got != LD_BURST || sum != want) {
    printf("FAIL: burst: %d of %d results, sum %lld (want %lld)\n", got, LD_BURST, (long long)sum,
           (long long)want);
    failures++;
  }
  /* The blocking form too, a smaller burst. */
  for (int i = 0; i < 100; i++) {
    iso_value *res = NULL;
    iso_error err = {0};
    if (iso_run(ld_add_one, iso_int(i), &res, &err) != ISO_OK || iso_as_int(res) != i + 1) {
      printf("FAIL: iso_run %d: %s\n", i, err.message ? err.message : "wrong result");
      failures++;
    }
    iso_value_free(res);
    iso_error_clear(&err);
  }
  printf("burst: %d iso_run_async + 100 iso_run calls, %d failures\n", LD_BURST, failures);
  return failures;
}

static void ld_entry(iso_value *msg) {
  iso_value_free(msg);
}

static int ld_spawns(void) {
  int failures = 0;
  long rss_warm = 0;
  for (int i = 0; i < LD_SPAWNS; i++) {
    if (i == LD_SPAWNS / 10) rss_warm = rel_current_rss_kb();
    iso_isolate *iso = NULL;
    if (iso_spawn(ld_entry, iso_int(i), NULL, &iso) != ISO_OK) {
      failures++;
      continue;
    }
    if (iso_isolate_join(iso, 30ull * 1000000000ull) != ISO_OK) failures++;
    iso_isolate_release(iso);
  }
  long rss_end = rel_current_rss_kb();
  long growth = rss_end - rss_warm;
  printf("spawn: %d isolates spawned and joined in sequence, %d failures, RSS %ld -> %ld KiB "
         "(growth %ld KiB after the first %d)%s\n",
         LD_SPAWNS, failures, rss_warm, rss_end, growth, LD_SPAWNS / 10,
         LD_SANITIZED ? " [sanitizer build: growth not asserted, leaks checked at exit]" : "");
  /* 9,000 isolates: a leak of even 1 KiB each would be ~9 MiB. */
  if (!LD_SANITIZED && growth > 4096) {
    printf("FAIL: RSS grew by %ld KiB over %d spawns\n", growth, LD_SPAWNS - LD_SPAWNS / 10);
    failures++;
  }
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
  failures += ld_burst();
  failures += ld_spawns();
  iso_runtime_shutdown();
  tm_tmpdir_remove(dir);
  printf("%s\n", failures ? "FAILED" : "OK");
  return failures ? 1 : 0;
}
