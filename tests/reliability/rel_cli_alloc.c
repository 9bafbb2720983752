/* Allocation failures anywhere in the CLI's process (FFmpeg's own included, through an LD_PRELOAD
 * injector): every run stops with a named error or writes every packet of a clean run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"
#include "test_need.h"

/*
 * Each case runs the real CLI once with the injector counting (ISO_FAULT_REPORT
 * gives the number of allocations made from main() on) and records the
 * packets of each output stream. Then the Nth allocation fails, N spread over
 * that count, once (the program must cope with one NULL) and from N on (as
 * when memory is really gone). A run passes when it exits 1 with an
 * "isopipe: STAGE (FILE): reason" line (or "isopipe: out of memory" when the
 * options could not even be read: no stage or file exists yet), or exits 0 with at least the clean
 * run's packets in every stream; never a signal, a hang or a sanitizer report.
 * An exit 0 with fewer packets is counted apart, not failed, when the
 * allocation that failed was a library's (FFmpeg's, a codec's) and the
 * library went on and reported success (see ac_failed_in: the injector's
 * report holds the stack of the first failed allocation).
 * ISO_ALLOC_POINTS (default 20) sets the points per mode.
 */

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
typedef struct ac_case {
  const char *title;
  const char *in;
  const char *args[16]; /* output options, then the output name last */
} ac_case;

static const char *g_cli, *g_preload;
static char g_dir[512], g_report[600];
static char g_stack[8192]; /* the injector's report of the last run: its failed allocation */
static int g_runs, g_bad, g_errors, g_complete, g_ffmpeg_crashes, g_lib_silent;

/* Crashes inside FFmpeg 5.1 itself when an allocation fails there, whoever
 * calls it: avcodec_alloc_context3 asserts (av_assert0, then abort()) that
 * each of a codec's own defaults could be set, and setting one allocates
 * (an expression is parsed); avio_open2 crashes (SIGSEGV) cleaning up after
 * a failed copy of a protocol list. The injector's crash report shows the
 * stack: from the signal out, only FFmpeg's libraries up to the program's
 * call of one of these functions. And the h264 decoder that
 * avformat_find_stream_info runs while probing goes on after an allocation
 * fails and crashes (SIGSEGV) in its hand-written assembly, which carries no
 * unwind information: the stack then ends at an unnamed libavcodec frame,
 * or before it, where the faulting instruction the injector reports is
 * libavcodec's (ffprobe on the same clip crashes there too under the
 * injector), or calls a function pointer left null by its init whose
 * allocation failed (avcodec_open2 from avformat_find_stream_info): the
 * injector names the null call's caller then. Any other crash fails the
 * test. */
static const char *ac_ffmpeg_crash(const rel_proc *p) {
  static const struct {
    int sig;
    const char *fn;
  } known[] = {{SIGABRT, "(avcodec_alloc_context3+"}, {SIGSEGV, "(avio_open2+"}};
  if (!WIFSIGNALED(p->status)) return NULL;
  char head[48];
  snprintf(head, sizeof head, "fault_preload: signal %d at:\n", WTERMSIG(p->status));
  const char *at = strstr(p->err, head);
  if (!at) return NULL;
  const char *last = NULL; /* the outermost FFmpeg frame so far */
  size_t last_n = 0;
  bool past = false; /* a frame outside FFmpeg followed it */
  for (const char *l = at + strlen(head); *l;) {
    const char *end = strchr(l, '\n');
    size_t n = end ? (size_t)(end - l) : strlen(l);
    bool ffmpeg = memmem(l, n, "/libav", 6) || memmem(l, n, "/libsw", 6);
    if (!ffmpeg && !memmem(l, n, "fault_preload", 13) && !memmem(l, n, "libc.so", 7)) {
      past = memmem(l, n, "[0x", 3) != NULL;
      break;
    }
    if (ffmpeg) {
      last = l;
      last_n = n;
    } else if (last) {
      return NULL; /* back out of FFmpeg into libc: not a plain call into it */
    }
    if (!end) break;
    l = end + 1;
  }
  for (size_t i = 0; last && i < sizeof known / sizeof known[0]; i++)
    if (WTERMSIG(p->status) == known[i].sig &&
        memmem(last, last_n, known[i].fn, strlen(known[i].fn)))
      return known[i].fn + 1;
  if (last && !past && WTERMSIG(p->status) == SIGSEGV && memmem(last, last_n, "/libavcodec", 11) &&
      memmem(last, last_n, "(+0x", 4))
    return "libavcodec's assembly (the stack ends there)";
  /* The stack may end before the assembly's own frame: the faulting
   * instruction names the library then. */
  const char *pc = strstr(at, "fault_preload: faulting instruction in ");
  const char *eol = pc ? strchr(pc, '\n') : NULL;
  if (!last && !past && eol && WTERMSIG(p->status) == SIGSEGV &&
      memmem(pc, (size_t)(eol - pc), "/libavcodec", 11))
    return "libavcodec's assembly (the stack ends there)";
  /* Or the decoder calls a function pointer its failed init left null:
   * the injector names the caller from the return address. */
  const char *nc = strstr(at, "fault_preload: null call from ");
  const char *nc_eol = nc ? strchr(nc, '\n') : NULL;
  if (!last && !past && nc_eol && WTERMSIG(p->status) == SIGSEGV &&
      memmem(nc, (size_t)(nc_eol - nc), "/libavcodec", 11))
    return "libavcodec's null function pointer (its failed init left it)";
  return NULL;
}

/* Who made the allocation that failed, from the stack in the injector's
 * report:
 * the first frame past the injector, libc and libavutil (whose av_malloc,
 * av_buffer_alloc... serve isopipe and the other libraries alike, and
 * return their failures). NULL when that frame is
 * isopipe's own code (or the stack is missing); else the library's file
 * name, e.g. "libavformat.so.59". An FFmpeg call that goes on after its
 * own allocation failed and returns success leaves nothing for isopipe to
 * see but errno, which glibc also leaves behind on allocations it served
 * after all (a refused brk or mmap followed by a fallback): isopipe takes
 * a call that succeeded at its word, so a loss there is FFmpeg's, counted
 * apart. An allocation of isopipe's own that is lost is a failure. */
static const char *ac_failed_in(const char *report, char *lib, size_t len) {
  const char *head = "fault_preload: allocation ";
  const char *at = strstr(report, head);
  if (!at || !(at = strchr(at, '\n'))) return NULL;
  for (const char *l = at + 1; *l;) {
    const char *end = strchr(l, '\n');
    size_t n = end ? (size_t)(end - l) : strlen(l);
    if (!memmem(l, n, "fault_preload", 13) && !memmem(l, n, "libc.so", 7) &&
        !memmem(l, n, "/libavutil", 10)) {
      const char *paren = memchr(l, '(', n);
      size_t m = paren ? (size_t)(paren - l) : n;
      const char *slash = l;
      for (const char *c = l; c < l + m; c++)
        if (*c == '/') slash = c + 1;
      m -= (size_t)(slash - l);
      if (m >= 4 && strncmp(slash, "lib", 3) == 0 && memmem(slash, m, ".so", 3) &&
          !memmem(slash, m, "isopipe", 7)) {
        snprintf(lib, len, "%.*s", (int)m, slash);
        return lib;
      }
      return NULL;
    }
    if (!end) break;
    l = end + 1;
  }
  return NULL;
}

/* Output streams' packets, -1 when the file does not open. */
static int ac_packets(const char *path, int64_t *packets, int max) {
  tm_probe pr;
  if (tm_probe_file(path, false, &pr) != 0) return -1;
  int n = pr.nb_streams < max ? pr.nb_streams : max;
  for (int i = 0; i < n; i++)
    packets[i] = pr.st[i].packets;
  return n;
}

/* One run with the Nth allocation failing (0: none); the injector's count. */
static long ac_run(const ac_case *c, const char *out, long fail_at, bool persist, rel_proc *p) {
  char *argv[32];
  int n = 0;
  argv[n++] = (char *)g_cli;
  argv[n++] = "-nostdin";
  argv[n++] = "-hide_banner";
  argv[n++] = "-y";
  argv[n++] = "-i";
  argv[n++] = (char *)c->in;
  for (int i = 0; c->args[i] && n < 30; i++)
    argv[n++] = (char *)c->args[i];
  argv[n++] = (char *)out;
  argv[n] = NULL;
  char at[32];
  snprintf(at, sizeof at, "%ld", fail_at);
  setenv("ISO_FAULT_AT", at, 1);
  setenv("ISO_FAULT_PERSIST", persist ? "1" : "0", 1);
  setenv("ISO_FAULT_REPORT", g_report, 1);
  setenv("LD_PRELOAD", g_preload, 1);
  unlink(out);
  unlink(g_report);
  rel_spawn_opts o = {.timeout_s = 20};
  int rc = rel_spawn(argv, &o, p);
  unsetenv("LD_PRELOAD");
  unsetenv("ISO_FAULT_AT");
  unsetenv("ISO_FAULT_PERSIST");
  unsetenv("ISO_FAULT_REPORT");
  if (rc != 0) return -1;
  long counted = -1;
  g_stack[0] = '\0';
  FILE *f = fopen(g_report, "r");
  if (f) {
    if (fscanf(f, "%ld", &counted) != 1) counted = -1;
    size_t got = fread(g_stack, 1, sizeof g_stack - 1, f);
    g_stack[got] = '\0';
    fclose(f);
  }
  return counted;
}

static void ac_sweep(const ac_case *c, int points) {
  char out[700];
  /* The output's name is the case's last argument. */
  int last = 0;
  while (c->args[last])
    last++;
  tm_path(out, sizeof out, g_dir, c->args[last - 1]);
  ac_case run = *c;
  run.args[last - 1] = NULL;

  rel_proc p;
  long total = ac_run(&run, out, 0, false, &p);
  int64_t want[TM_MAX_STREAMS] = {0};
  int nwant = rel_exit_code(&p) == 0 ? ac_packets(out, want, TM_MAX_STREAMS) : -1;
  if (total <= 0 || nwant <= 0) {
    char what[64];
    printf("FAIL %s: the run without a failure: %s, %ld allocations, %d streams\n%s", c->title,
           rel_describe(&p, what, sizeof what), total, nwant, p.err);
    g_bad++;
    return;
  }
  printf("%s: %ld allocations, %d streams (", c->title, total, nwant);
  for (int s = 0; s < nwant; s++)
    printf("%s%lld", s ? " + " : "", (long long)want[s]);
  printf(" packets)\n");
  fflush(stdout);

  for (int mode = 0; mode < 2; mode++) {
    bool persist = mode == 1;
    for (int k = 1; k <= points; k++) {
      long at = 1 + (total - 1) * (k - 1) / (points > 1 ? points - 1 : 1);
      ac_run(&run, out, at, persist, &p);
      g_runs++;
      char what[64], line[512];
      const char *err = rel_error_line(&p, line, sizeof line);
      int code = rel_exit_code(&p);
      const char *problem = NULL, *known;
      int64_t got[TM_MAX_STREAMS] = {0};
      int ngot = 0;
      if (p.timed_out)
        problem = "hang: killed after the timeout";
      else if ((known = ac_ffmpeg_crash(&p))) {
        g_ffmpeg_crashes++;
        printf("note %s, allocation %ld%s: %s inside FFmpeg's %.*s\n", c->title, at,
               persist ? " and later" : "", rel_describe(&p, what, sizeof what),
               (int)strcspn(known, "+"), known);
        continue;
      } else if (WIFSIGNALED(p.status))
        problem = "killed by a signal";
      else if (rel_sanitizer_report(&p))
        problem = "sanitizer report";
      else if (code == 0) {
        ngot = ac_packets(out, got, TM_MAX_STREAMS);
        if (ngot < nwant) problem = "exit 0 with fewer streams than the clean run";
        for (int s = 0; !problem && s < nwant; s++)
          if (got[s] < want[s]) problem = "exit 0 with fewer packets than the clean run";
        char lib[64];
        if (problem && ac_failed_in(g_stack, lib, sizeof lib)) {
          g_lib_silent++;
          printf("note %s, allocation %ld%s: %s (the failed allocation was %s's, which went on "
                 "and reported success)\n",
                 c->title, at, persist ? " and later" : "", problem, lib);
          continue;
        }
        if (!problem) g_complete++;
      } else if (code != 1)
        problem = "an exit status other than 0 or 1";
      else if (!err || (!rel_error_names_stage(err) && strcmp(err, "isopipe: out of memory")))
        problem = "exit 1 without an 'isopipe: STAGE (FILE): reason' line";
      else
        g_errors++;
      if (!problem) continue;
      g_bad++;
      printf("FAIL %s, allocation %ld%s: %s: %s\n", c->title, at, persist ? " and later" : "",
             rel_describe(&p, what, sizeof what), problem);
      if (ngot > 0) {
        printf("     packets:");
        for (int s = 0; s < ngot; s++)
          printf(" %lld of %lld", (long long)got[s], (long long)(s < nwant ? want[s] : 0));
        printf("\n");
      }
      printf("     again: ISO_FAULT_AT=%ld ISO_FAULT_PERSIST=%d LD_PRELOAD=%s %s -nostdin "
             "-hide_banner -y -i %s",
             at, persist, g_preload, g_cli, c->in);
      for (int i = 0; run.args[i]; i++)
        printf(" %s", run.args[i]);
      printf(" %s\n%s", out, p.err);
      if (g_stack[0]) printf("     the injector's report:\n%s", g_stack);
      fflush(stdout);
    }
  }
  unlink(out);
}

#endif

int main(void) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  /* ASan and TSan replace malloc themselves and must be the first library
   * loaded: an injector preloaded before them is refused, after them never
   * called. The plain build runs the sweep. */
  printf("n/a in a sanitizer build: the sanitizer owns malloc, so the preloaded injector cannot "
         "wrap it; the plain build runs this sweep\n");
  return 0;
#else
  rel_env_init();
  g_cli = rel_cli();
  if (!g_cli) return tm_missing_exit("the CLI (ISO_CLI unset or not built)");
  g_preload = getenv("ISO_FAULT_PRELOAD");
  if (!g_preload || access(g_preload, R_OK) != 0) {
    printf("FAIL: ISO_FAULT_PRELOAD does not name the injector library\n");
    return 1;
  }
  const char *pts = getenv("ISO_ALLOC_POINTS");
  int points = pts && atoi(pts) > 0 ? atoi(pts) : 20;
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return 1;
  tm_path(g_report, sizeof g_report, g_dir, "count");
  char flac[700], h264[700], ts[700];
  if (!tm_source_file("media/clip-5.1-flac.mkv", flac, sizeof flac) ||
      !tm_source_file("media/clip-h264-aac.mp4", h264, sizeof h264) ||
      tm_gen_simple(ts, sizeof ts, g_dir, "in.ts", "mpeg2video", "mp2", 160, 120, 1.0, 2, 48000) <
          0) {
    printf("FAIL: the inputs are missing\n");
    tm_tmpdir_remove(g_dir);
    return 1;
  }
  const ac_case cases[] = {
      {"5.1 FLAC + h264 to mpeg4/aac mono",
       flac,
       {"-c:v", "mpeg4", "-s", "160x120", "-c:a", "aac", "-ac", "1", "-f", "matroska", "o.mkv"}},
      {"h264 + aac mp4 to mpeg4/aac", h264, {"-c:v", "mpeg4", "-c:a", "aac", "o.mkv"}},
      {"mpeg2 + mp2 TS to mp4", ts, {"-c:v", "mpeg4", "-c:a", "aac", "o.mp4"}},
      {"filters (-vf scale,hflip -af volume)",
       h264,
       {"-vf", "scale=96:72,hflip", "-af", "volume=0.5", "-c:v", "mpeg4", "-c:a", "aac", "o.mkv"}},
      {"stream copy mp4 to mkv", h264, {"-c", "copy", "o.mkv"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    ac_sweep(&cases[i], points);
  tm_tmpdir_remove(g_dir);
  printf("alloc sweep: %d runs (%d points once and from then on, per case): %d named errors, %d "
         "complete outputs, %d crashes inside FFmpeg (known), %d losses after a library's own "
         "allocation failed and it reported success, %d failures\n",
         g_runs, points, g_errors, g_complete, g_ffmpeg_crashes, g_lib_silent, g_bad);
  return g_bad ? 1 : 0;
#endif
}
