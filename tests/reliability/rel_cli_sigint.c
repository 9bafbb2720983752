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
  tm_tmpdir_remove(dir);
  printf("sigint: %d runs (seed 0x%llx): %d finalized, %d before output, %d finished first, %d "
         "failures\n",
         SI_RUNS, (unsigned long long)seed, finalized, early, finished, failed);
  return failed ? 1 : 0;
}
