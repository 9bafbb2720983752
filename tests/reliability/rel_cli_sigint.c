/* SIGINT at seeded random moments: the output always plays, or nothing was started. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"
#include "test_need.h"

#define SI_RUNS 10

/* The summary's size ("566KiB", "117988B") in bytes, -1 when absent. */
static double summary_bytes(const char *line) {
  const char *at = strstr(line, " of output, ");
  double v;
  char unit[8] = "";
  if (!at || sscanf(at + 12, "%lf%7[A-Za-z]", &v, unit) < 1) return -1;
  static const char *const units[] = {"B", "KiB", "MiB", "GiB"};
  for (int i = 0; i < 4; i++)
    if (!strcmp(unit, units[i])) return v * (double)(1ull << (10 * i));
  return -1;
}

/* A second SIGINT stops at once: the summary still gives the figures of
 * the file as finalized (its size and video frames), not the last periodic
 * ones, which lagged by up to a progress period (567 KiB for 585, 162
 * frames for 163). */
static int second_signal(const char *cli, const char *in, const char *dir, const char *vcodec,
                         double span) {
  int failed = 0;
  for (int i = 0; i < 3; i++) {
    char out[600], name[32];
    snprintf(name, sizeof name, "twice%d.%s", i, i % 2 ? "mkv" : "mp4");
    tm_path(out, sizeof out, dir, name);
    char *argv[] = {(char *)cli, "-nostdin",     "-hide_banner", "-y",  "-i", (char *)in,
                    "-c:v",      (char *)vcodec, "-c:a",         "aac", out,  NULL};
    rel_spawn_opts o = {.timeout_s = 60,
                        .signal = SIGINT,
                        .signal_after_s = span * (0.15 + 0.15 * i),
                        .signal_count = 2,
                        .signal_gap_s = 0.02 + 0.03 * i}; /* while the encoders flush */
    rel_proc p;
    if (rel_spawn(argv, &o, &p) != 0) return 1;
    const char *sum = strstr(p.err, "isopipe: interrupted in ");
    int64_t size = tm_file_size(out);
    long frames = -1;
    const char *fr = sum ? strstr(sum + strlen("isopipe: "), ": ") : NULL;
    if (fr) frames = strtol(fr + 2, NULL, 10);
    int video = -1;
    tm_probe pr;
    if (size > 0 && tm_probe_file(out, true, &pr) == 0 && tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO))
      video = (int)tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->frames;
    double said = sum ? summary_bytes(sum) : -1;
    /* The summary rounds to its unit: within half a KiB (or MiB) and 0.1 %. */
    double slack = said >= 1 << 20 ? 0.5 * (1 << 20) : 512 + 0.001 * size;
    const char *problem = NULL;
    if (p.timed_out || rel_sanitizer_report(&p))
      problem = "hang or sanitizer report";
    else if (size <= 0 || rel_exit_code(&p) == 0)
      continue; /* ended before the output started, or finished first (a busy machine) */
    else if (!sum)
      problem = "no summary line";
    else if (said < 0 || said - (double)size > slack || (double)size - said > slack)
      problem = "the summary's size is not the file's";
    else if (video >= 0 && frames != video)
      problem = "the summary's frame count is not the file's";
    char what[64];
    printf("%s second SIGINT %.2f s: %s, file %lld B %d frames, summary %.0f B %ld frames%s%s\n",
           problem ? "FAIL" : "ok  ", o.signal_after_s, rel_describe(&p, what, sizeof what),
           (long long)size, video, said, frames, problem ? ": " : "", problem ? problem : "");
    if (problem) {
      fputs(p.err, stdout);
      failed++;
    }
    unlink(out);
  }
  return failed;
}

int main(void) {
  rel_env_init();
  const char *cli = rel_cli();
  if (!cli) {
    return tm_missing_exit("the CLI (ISO_CLI unset or not built)");
  }
  char dir[512], in[600], out[600];
  if (tm_tmpdir_make(dir, sizeof dir) != 0) return 1;
  /* Long enough that most signals land mid-transcode. */
  if (tm_gen_simple(in, sizeof in, dir, "in.mkv", "mpeg4", "aac", 640, 360, 8.0, 2, 48000) < 0) {
    tm_tmpdir_remove(dir);
    return 1;
  }
  const char *vcodec = avcodec_find_encoder_by_name("libx264") ? "libx264" : "mpeg4";
  uint64_t seed = getenv("ISO_SIGINT_SEED") ? strtoull(getenv("ISO_SIGINT_SEED"), NULL, 0) : 0x5151;
  uint64_t rng = seed;
  /* One undisturbed run sets the scale: signals land anywhere from before
   * the header to the end of the job, however fast this machine (or this
   * sanitizer build) is. */
  tm_path(out, sizeof out, dir, "calibrate.mkv");
  char *cal[] = {(char *)cli, "-nostdin",     "-hide_banner", "-y",  "-i", in,
                 "-c:v",      (char *)vcodec, "-c:a",         "aac", out,  NULL};
  rel_spawn_opts co = {.timeout_s = 120};
  rel_proc cp;
  if (rel_spawn(cal, &co, &cp) != 0 || rel_exit_code(&cp) != 0) {
    printf("FAIL: the undisturbed transcode did not succeed\n%s", cp.err);
    tm_tmpdir_remove(dir);
    return 1;
  }
  double span = cp.wall_s;
  printf("undisturbed transcode: %.2f s\n", span);
  unlink(out);
  int failed = 0, finalized = 0, early = 0, finished = 0;
  for (int i = 0; i < SI_RUNS; i++) {
    const char *ext = i % 2 ? "mp4" : "mkv";
    char name[32];
    snprintf(name, sizeof name, "out%d.%s", i, ext);
    tm_path(out, sizeof out, dir, name);
    /* 5 ms .. 90% of the undisturbed run. */
    double delay = 0.005 + span * 0.9 * (double)(rel_rand(&rng) % 1000) / 1000.0;
    char *argv[] = {(char *)cli, "-nostdin",     "-hide_banner", "-y",  "-i", in,
                    "-c:v",      (char *)vcodec, "-c:a",         "aac", out,  NULL};
    rel_spawn_opts o = {.timeout_s = 60, .signal = SIGINT, .signal_after_s = delay};
    rel_proc p;
    if (rel_spawn(argv, &o, &p) != 0) return 1;
    char what[64];
    int code = rel_exit_code(&p);
    int64_t size = tm_file_size(out);
    double dur = -1;
    long pkts = 0;
    bool playable = size > 0 && rel_playable(out, &dur, &pkts);
    const char *problem = NULL, *kind = "";
    if (p.timed_out)
      problem = "hang";
    else if (rel_sanitizer_report(&p))
      problem = "sanitizer report";
    else if (code == 0 || code == 130) {
      if (size > 0 && !(playable && dur > 0))
        problem = "the output does not play (or has no duration)";
      else if (size <= 0 && code == 0)
        problem = "exit 0 without an output";
      else if (size <= 0)
        kind = "interrupted before the output started", early++;
      else if (code == 130)
        kind = "interrupted, output finalized", finalized++;
      else
        kind = "finished before the signal", finished++;
    } else if (code == 1 || (WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGINT)) {
      /* Before the handler is installed the default action is legitimate,
       * as long as nothing was muxed. */
      if (size > 0)
        problem = "ended by the signal after output started";
      else
        kind = "stopped before the output started", early++;
    } else {
      problem = "unexpected exit";
    }
    if (problem) {
      failed++;
      printf("FAIL run %d (SIGINT after %.3f s, %s): %s: %s\n", i, delay, ext,
             rel_describe(&p, what, sizeof what), problem);
      fputs(p.err, stdout);
    } else {
      printf("ok   run %d: SIGINT after %.3f s -> %s in %.2f s, %s (%lld bytes, %.2f s, %ld "
             "packets)\n",
             i, delay, rel_describe(&p, what, sizeof what), p.wall_s, kind, (long long)size, dur,
             pkts);
    }
    fflush(stdout);
    unlink(out);
  }
  failed += second_signal(cli, in, dir, vcodec, span);
  tm_tmpdir_remove(dir);
  printf("sigint: %d runs (seed 0x%llx): %d finalized, %d before output, %d finished first, %d "
         "failures\n",
         SI_RUNS, (unsigned long long)seed, finalized, early, finished, failed);
  return failed ? 1 : 0;
}
