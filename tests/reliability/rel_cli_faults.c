/* Faults and safe defaults through the CLI: full disk, unwritable output, file size limit, cut
 * pipe, bad encoder, vanishing input, refused inputs. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"
#include "test_need.h"

static const char *g_cli;
static char g_dir[512], g_clip[600], g_long[600];
static int g_failed, g_passed;

typedef enum {
  EXPECT_ERROR,      /* exit 1 with an "isopipe:" line naming 'names' */
  EXPECT_OK_OR_ERR,  /* exit 0 with a playable output, or as EXPECT_ERROR */
  EXPECT_REFUSED,    /* exit 1 or 2 (usage) with a line naming 'names' */
  EXPECT_INTERRUPTED /* exit 130 or 1, in time */
} fa_expect;

/* Runs the CLI with args (NULL-terminated, without the program) and checks
 * the verdict; out is the output path to check (or NULL). */
static void fa_case(const char *title, fa_expect expect, const char *names, const char *out,
                    const rel_spawn_opts *o, const char *const *args) {
  char *argv[40];
  int n = 0;
  argv[n++] = (char *)g_cli;
  argv[n++] = "-nostdin";
  argv[n++] = "-hide_banner";
  for (int i = 0; args[i] && n < 39; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  rel_proc p;
  rel_spawn_opts def = {.timeout_s = 20};
  if (rel_spawn(argv, o ? o : &def, &p) != 0) {
    printf("FAIL %s: cannot spawn\n", title);
    g_failed++;
    return;
  }
  char what[64], line[512];
  const char *err = rel_error_line(&p, line, sizeof line);
  int code = rel_exit_code(&p);
  const char *problem = NULL;
  if (p.timed_out)
    problem = "hang: killed after the timeout";
  else if (rel_sanitizer_report(&p))
    problem = "sanitizer report";
  else if (expect == EXPECT_INTERRUPTED) {
    if (code != 130 && code != 1) problem = "expected exit 130 (or 1) after SIGINT";
  } else if (code == 0 && expect == EXPECT_OK_OR_ERR) {
    if (out && !rel_playable(out, NULL, NULL)) problem = "exit 0 but the output does not play";
  } else if (code == 1 || (code == 2 && expect == EXPECT_REFUSED)) {
    if (!err)
      problem = "no 'isopipe:' error line";
    else if (names && !strstr(err, names))
      problem = "the error line does not name the file";
    else if (expect == EXPECT_ERROR && !rel_error_names_stage(err))
      problem = "the error line names no stage";
  } else {
    problem = "expected a clean error (exit 1)";
  }
  if (problem) {
    g_failed++;
    printf("FAIL %-40s %s after %.2f s: %s\n", title, rel_describe(&p, what, sizeof what), p.wall_s,
           problem);
    fputs(p.err, stdout);
  } else {
    g_passed++;
    printf("ok   %-40s %s after %.2f s: %s\n", title, rel_describe(&p, what, sizeof what), p.wall_s,
           err ? err : "(no error line)");
  }
  fflush(stdout);
}

static void fa_disk_full(void) {
  const char *mkv[] = {"-y",  "-i", g_clip,     "-c:v",      "mpeg4", "-c:a",
                       "aac", "-f", "matroska", "/dev/full", NULL};
  fa_case("output to /dev/full (mkv)", EXPECT_ERROR, "/dev/full", NULL, NULL, mkv);
  const char *mp4[] = {"-y",  "-i", g_clip, "-c:v",      "mpeg4", "-c:a",
                       "aac", "-f", "mp4",  "/dev/full", NULL};
  fa_case("output to /dev/full (mp4)", EXPECT_ERROR, "/dev/full", NULL, NULL, mp4);
}

/* A shell runs the CLI (cmd's %s: the CLI, the input, the output) and
 * exits with its status: for limits and pipes the spawner cannot set. */
static void fa_shell(const char *title, const char *cmd, const char *out, const char *want) {
  char line[4096];
  snprintf(line, sizeof line, cmd, g_cli, g_long, out);
  char *argv[] = {"/bin/bash", "-c", line, NULL};
  rel_proc p;
  rel_spawn_opts o = {.timeout_s = 20};
  if (rel_spawn(argv, &o, &p) != 0) {
    printf("FAIL %s: cannot spawn\n", title);
    g_failed++;
    return;
  }
  char what[64], eline[512];
  const char *err = rel_error_line(&p, eline, sizeof eline);
  const char *problem = NULL;
  if (p.timed_out || rel_sanitizer_report(&p))
    problem = "hang or sanitizer report";
  else if (rel_exit_code(&p) != 1)
    problem = "expected exit 1 (a signal ends it without a word, exit 0 hides the cut)";
  else if (!err || !rel_error_names_stage(err) || !strstr(err, want))
    problem = "the error line does not name the stage and the reason";
  printf("%s %s: %s: %s\n", problem ? "FAIL" : "ok  ", title, rel_describe(&p, what, sizeof what),
         err ? err : "(no error line)");
  if (problem) {
    printf("     %s\n%s", problem, p.err);
    g_failed++;
  } else {
    g_passed++;
  }
}

/* An output past `ulimit -f` (ffmpeg 5.1 dies by SIGXFSZ, exit 153, with
 * no message), and a pipe whose reader stops after 4 KB: both exit 1 naming
 * the output and the reason. */
static void fa_limits(void) {
  char out[700];
  tm_path(out, sizeof out, g_dir, "fsize.mkv");
  fa_shell("output past ulimit -f 16",
           "ulimit -f 16 && exec '%s' -nostdin -hide_banner -y -i '%s' -c:v mpeg4 -c:a aac '%s'",
           out, "File too large");
  fa_shell("output to a pipe cut by head -c 4096",
           "'%s' -nostdin -hide_banner -y -i '%s' -c:v mpeg4 -c:a aac -f matroska %s | "
           "head -c 4096 > /dev/null; exit ${PIPESTATUS[0]}",
           "-", "Broken pipe");
  unlink(out);
}

/* Under `ulimit -v` at several sizes: where the limit bites (a decoder's
 * threads cannot start), the run fails naming the stage; it never crashes
 * (a failed decoder open once handed its freed message back to the queue:
 * SIGSEGV at 256 MiB, a double free at 512) nor ends well with less. A
 * sanitizer build cannot start under an address-space limit. */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
/* One input under ulimit -v limits from lo to hi MiB (and none first):
 * each run exits 1 naming a stage, or 0 with every packet of the run
 * without a limit. FFmpeg 5.1 itself dies now and then where an allocation
 * fails inside it (an abort in avcodec_alloc_context3, a SIGSEGV closing a
 * half-opened URL in avio_open2, both inside the library, by chance of where
 * the limit bites): a run that dies by a signal is run once more at the same limit and fails the
 * test only if it dies again, so a crash of isopipe's own, which repeats, is still caught. */
static void fa_memory_sweep(const char *in, const char *args, int lo, int step, int hi) {
  char out[700];
  tm_path(out, sizeof out, g_dir, "vmem.mkv");
  long want = 0;
  for (int mib = 0; mib <= hi; mib = mib ? mib + step : lo) {
    char cmd[4200], lim[48] = "";
    if (mib) snprintf(lim, sizeof lim, "ulimit -v %d && ", mib * 1024);
    snprintf(cmd, sizeof cmd, "%sexec '%s' -nostdin -hide_banner -y -i '%s' %s -f matroska '%s'",
             lim, g_cli, in, args, out);
    char *argv[] = {"/bin/bash", "-c", cmd, NULL};
    rel_proc p;
    rel_spawn_opts o = {.timeout_s = 30};
    unlink(out);
    if (rel_spawn(argv, &o, &p) != 0) continue;
    if (mib && !p.timed_out && rel_exit_code(&p) < 0) {
      char first[64];
      printf("note ulimit -v %d MiB: %s (stderr: %.200s); once more\n", mib,
             rel_describe(&p, first, sizeof first), p.err);
      unlink(out);
      if (rel_spawn(argv, &o, &p) != 0) continue;
    }
    char what[64], eline[512];
    const char *err = rel_error_line(&p, eline, sizeof eline);
    long got = 0;
    int code = rel_exit_code(&p);
    if (code == 127 && strstr(p.err, "error while loading shared libraries")) {
      printf("skip ulimit -v %d MiB: the loader cannot map the libraries\n", mib);
      continue;
    }
    bool ok = code == 0 && rel_playable(out, NULL, &got);
    const char *problem = NULL;
    if (p.timed_out || code < 0)
      problem = "hang or signal";
    else if (!mib && !ok)
      problem = "the run without a limit failed";
    else if (code == 0 && got < want)
      problem = "exit 0 with fewer packets than without the limit";
    else if (code != 0 && (code != 1 || !err || !rel_error_names_stage(err)))
      problem = "a failure that names no stage";
    else if (code != 0 && strstr(err, "Operation not permitted"))
      problem = "EPERM's text (FFmpeg's bare -1) under a memory limit";
    if (!mib) want = got;
    printf("%s ulimit -v %d MiB: %s, %ld packets: %s\n", problem ? "FAIL" : "ok  ", mib,
           rel_describe(&p, what, sizeof what), got, err ? err : "");
    if (problem) {
      printf("     %s\n%s", problem, p.err);
      g_failed++;
    } else {
      g_passed++;
    }
  }
  unlink(out);
}

/* A healthy run under an address-space limit it fits in: glibc leaves
 * ENOMEM in errno after allocations that succeed there (a refused mmap
 * served from a heap), which must not be taken for out of memory (the AAC
 * decoder's open and the demux's were). At each limit where ffmpeg 5.1
 * decodes the same audio, isopipe must too, to ffmpeg's framemd5 (the
 * audio alone: isopipe's stage threads need more address space than
 * ffmpeg's, which a video's frame threads make tell). */
static void fa_memory_healthy(const char *in) {
  char ffmpeg[512], a[700], b[700];
  if (!tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg)) {
    tm_missing("ffmpeg: the healthy ulimit -v runs did not run");
    return;
  }
  tm_path(a, sizeof a, g_dir, "vmem-iso.framemd5");
  tm_path(b, sizeof b, g_dir, "vmem-ff.framemd5");
  static const int mibs[] = {320, 448, 576};
  for (size_t i = 0; i < sizeof mibs / sizeof mibs[0]; i++) {
    char cmd[2400];
    rel_proc p;
    rel_spawn_opts o = {.timeout_s = 30};
    char *argv[] = {"/bin/bash", "-c", cmd, NULL};
    snprintf(cmd, sizeof cmd,
             "ulimit -v %d && exec '%s' -nostdin -v error -y -i '%s' -vn -f framemd5 '%s'",
             mibs[i] * 1024, ffmpeg, in, b);
    if (rel_spawn(argv, &o, &p) != 0 || rel_exit_code(&p) != 0) {
      printf("skip healthy ulimit -v %d MiB: ffmpeg itself fails there\n", mibs[i]);
      continue;
    }
    snprintf(cmd, sizeof cmd,
             "ulimit -v %d && exec '%s' -nostdin -hide_banner -y -i '%s' -vn -f framemd5 '%s'",
             mibs[i] * 1024, g_cli, in, a);
    unlink(a);
    if (rel_spawn(argv, &o, &p) != 0) continue;
    size_t na = 0, nb = 0;
    uint8_t *da = rel_read_file(a, &na), *db = rel_read_file(b, &nb);
    /* framemd5's header names the muxer's writer: compare from the first frame line. */
    const char *fa = da ? strstr((const char *)da, "\n0,") : NULL;
    const char *fb = db ? strstr((const char *)db, "\n0,") : NULL;
    bool same = fa && fb &&
                na - (size_t)(fa - (const char *)da) == nb - (size_t)(fb - (const char *)db) &&
                memcmp(fa, fb, na - (size_t)(fa - (const char *)da)) == 0;
    char what[64];
    bool ok = rel_exit_code(&p) == 0 && same;
    printf("%s healthy ulimit -v %d MiB: %s, %s\n", ok ? "ok  " : "FAIL", mibs[i],
           rel_describe(&p, what, sizeof what), same ? "ffmpeg's frames" : "frames differ");
    if (!ok) {
      printf("%s", p.err);
      g_failed++;
    } else {
      g_passed++;
    }
    free(da);
    free(db);
  }
  unlink(a);
  unlink(b);
}
#endif

static void fa_memory(void) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  printf("skip ulimit -v: a sanitizer build cannot run under it\n");
#else
  char in[700];
  if (!tm_source_file("media/clip-5.1-flac.mkv", in, sizeof in))
    printf("skip ulimit -v: media/clip-5.1-flac.mkv absent\n");
  else
    fa_memory_sweep(in, "-c:v mpeg4 -s 160x120 -c:a aac -ac 1", 256, 128, 1024);
  if (!tm_source_file("media/clip-h264-aac.mp4", in, sizeof in))
    printf("skip healthy ulimit -v: media/clip-h264-aac.mp4 absent\n");
  else
    fa_memory_healthy(in);
  /* h264 reports a picture it could not allocate as invalid data: near the
   * limit where decoding starts to fail, that must not be a skipped packet. */
  if (!tm_corpus_file("video/iibbibb_editlist_videoonly.mp4", in, sizeof in))
    tm_missing("the media corpus: the h264 ulimit -v sweep did not run");
  else
    fa_memory_sweep(in, "-c:v mpeg4 -s 160x120", 384, 24, 720);
#endif
}

static void fa_unwritable(void) {
  /* Root ignores permission bits, so use places nobody can create files. */
  const char *proc[] = {"-y", "-i", g_clip, "-c:v", "mpeg4", "/proc/isopipe-nowrite/out.mkv", NULL};
  fa_case("output under /proc", EXPECT_ERROR, "out.mkv", NULL, NULL, proc);
  const char *notdir[] = {"-y", "-i", g_clip, "-c:v", "mpeg4", "/etc/passwd/out.mkv", NULL};
  fa_case("output below a regular file", EXPECT_ERROR, "out.mkv", NULL, NULL, notdir);
  if (geteuid() == 0) {
    printf("skip read-only directory: running as root, permission bits do not apply\n");
    return;
  }
  char ro[700], out[800];
  tm_path(ro, sizeof ro, g_dir, "readonly");
  mkdir(ro, 0500);
  snprintf(out, sizeof out, "%s/out.mkv", ro);
  const char *args[] = {"-y", "-i", g_clip, "-c:v", "mpeg4", out, NULL};
  fa_case("output in a read-only directory", EXPECT_ERROR, "out.mkv", NULL, NULL, args);
  chmod(ro, 0700);
}

static void fa_bad_encoder(void) {
  char out[700];
  tm_path(out, sizeof out, g_dir, "enc.mkv");
  if (avcodec_find_encoder_by_name("libx264")) {
    const char *x264[] = {"-y",   "-i",  g_clip, "-c:v", "libx264", "-preset", "no-such-preset",
                          "-c:a", "aac", out,    NULL};
    fa_case("libx264 with a bad preset", EXPECT_ERROR, NULL, NULL, NULL, x264);
  } else {
    printf("skip libx264 case: encoder not built in\n");
  }
  if (avcodec_find_encoder_by_name("libopus")) {
    const char *opus[] = {"-y",      "-i",           g_clip,         "-c:v", "mpeg4", "-c:a",
                          "libopus", "-application", "no-such-mode", out,    NULL};
    fa_case("libopus with a bad option value", EXPECT_REFUSED, NULL, NULL, NULL, opus);
  }
  unlink(out);
}

/* Writes the first part of src into path (a FIFO) and closes it, or keeps
 * it open without writing more when stall. Returns the writer's pid. */
static pid_t fa_fifo_writer(const char *path, const char *src, double fraction, bool stall) {
  size_t n = 0;
  uint8_t *data = rel_read_file(src, &n);
  pid_t pid = fork();
  if (pid != 0) {
    free(data);
    return pid;
  }
  int fd = open(path, O_WRONLY);
  if (fd >= 0 && data) {
    size_t want = (size_t)((double)n * fraction), done = 0;
    while (done < want) {
      ssize_t w = write(fd, data + done, want - done);
      if (w <= 0) break;
      done += (size_t)w;
    }
    if (stall) sleep(30); /* the reader is killed or gives up long before */
    close(fd);
  }
  _exit(0);
}

static void fa_reap(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

static void fa_vanishing_input(void) {
  char fifo[700], out[700];
  tm_path(fifo, sizeof fifo, g_dir, "fifo.mkv");
  tm_path(out, sizeof out, g_dir, "fifo-out.mkv");
  mkfifo(fifo, 0600);
  /* The writer closes after 40%: the input ends mid-stream. */
  pid_t w = fa_fifo_writer(fifo, g_long, 0.4, false);
  const char *args[] = {"-y", "-i", fifo, "-c:v", "mpeg4", "-c:a", "aac", out, NULL};
  fa_case("FIFO input closed after 40%", EXPECT_OK_OR_ERR, "fifo.mkv", out, NULL, args);
  fa_reap(w);
  unlink(out);

  /* The same through stdin (pipe:0). */
  w = fa_fifo_writer(fifo, g_long, 0.4, false);
  rel_spawn_opts o = {.timeout_s = 20, .stdin_path = fifo};
  const char *stdin_args[] = {"-y", "-i", "-", "-c:v", "mpeg4", "-c:a", "aac", out, NULL};
  /* -nostdin is about key presses; the input itself is stdin here. */
  fa_case("stdin closed after 40%", EXPECT_OK_OR_ERR, NULL, out, &o, stdin_args);
  fa_reap(w);
  unlink(out);

  /* The writer stalls forever: Ctrl-C (repeated as a user would) must end
   * the process even while the demuxer waits in read(). */
  w = fa_fifo_writer(fifo, g_long, 0.4, true);
  rel_spawn_opts stall = {
      .timeout_s = 20, .signal = SIGINT, .signal_after_s = 1.5, .signal_count = 3};
  char *argv[] = {(char *)g_cli, "-nostdin", "-hide_banner", "-y",  "-i", fifo,
                  "-c:v",        "mpeg4",    "-c:a",         "aac", out,  NULL};
  rel_proc p;
  rel_spawn(argv, &stall, &p);
  char what[64];
  int code = rel_exit_code(&p);
  bool ok = !p.timed_out && !rel_sanitizer_report(&p) &&
            (code == 130 || code == 1 || code == 0 ||
             (WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGINT));
  printf("%s stalled FIFO input + SIGINT x3           %s after %.2f s\n", ok ? "ok  " : "FAIL",
         rel_describe(&p, what, sizeof what), p.wall_s);
  fflush(stdout); /* before the next fork copies the buffer */
  if (!ok) {
    fputs(p.err, stdout);
    g_failed++;
  } else {
    g_passed++;
  }
  fa_reap(w);
  unlink(out);
  unlink(fifo);

  /* A regular file cut short while it is being read: 10 s of input, cut to
   * a third once the output has its first bytes (the run is under way; the
   * demuxer reads only a bounded queue ahead). The output then holds fewer
   * frames than the input: the cut really happened mid-read. */
  char cut[700];
  if (tm_gen_simple(cut, sizeof cut, g_dir, "shrinking.mkv", "mpeg4", "aac", 320, 240, 10.0, 2,
                    48000) == 0) {
    struct stat st;
    off_t n = stat(cut, &st) == 0 ? st.st_size : 0;
    unlink(out);
    pid_t t = fork();
    if (t == 0) {
      struct timespec d = {0, 2000000};
      for (int i = 0; i < 10000 && (stat(out, &st) != 0 || st.st_size == 0); i++)
        nanosleep(&d, NULL);
      if (truncate(cut, n / 3) != 0) _exit(1);
      _exit(0);
    }
    const char *targs[] = {"-y", "-i", cut, "-c:v", "mpeg4", "-c:a", "aac", out, NULL};
    fa_case("input truncated while read", EXPECT_OK_OR_ERR, "shrinking.mkv", out, NULL, targs);
    int ts = 0;
    waitpid(t, &ts, 0);
    tm_probe pr;
    const tm_stream *v =
        tm_probe_file(out, true, &pr) == 0 ? tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO) : NULL;
    if (!WIFEXITED(ts) || WEXITSTATUS(ts) != 0 || !v || v->frames >= 200) {
      printf("FAIL input truncated while read: the cut came after the run (%lld of 300 frames)\n",
             v ? (long long)v->frames : -1LL);
      g_failed++;
    } else {
      printf("ok   input truncated while read: %lld of 300 frames written\n", (long long)v->frames);
    }
  }
  unlink(cut);
  unlink(out);
}

/* The output must not hold /etc/passwd's text. */
static void fa_no_leak_of(const char *out, const char *title) {
  size_t n = 0;
  uint8_t *data = rel_read_file(out, &n);
  if (data && n > 0 && memmem(data, n, "root:", 5)) {
    printf("FAIL %s: the output contains /etc/passwd\n", title);
    g_failed++;
  }
  free(data);
  unlink(out);
}

static void fa_safe_defaults(void) {
  char m3u8[700], concat[700], out[700];
  tm_path(m3u8, sizeof m3u8, g_dir, "evil.m3u8");
  tm_path(concat, sizeof concat, g_dir, "evil.ffconcat");
  tm_path(out, sizeof out, g_dir, "safe-out.mkv");
  const char *playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n"
                         "#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n/etc/passwd\n"
                         "#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n";
  rel_write_file(m3u8, playlist, strlen(playlist));
  const char *list = "ffconcat version 1.0\nfile /etc/passwd\n";
  rel_write_file(concat, list, strlen(list));

  const char *hls[] = {"-y", "-i", m3u8, "-c:v", "mpeg4", "-c:a", "aac", out, NULL};
  fa_case("m3u8 pointing at /etc/passwd", EXPECT_ERROR, "evil.m3u8", NULL, NULL, hls);
  fa_no_leak_of(out, "m3u8");
  const char *cat[] = {"-y", "-i", concat, "-c:v", "mpeg4", "-c:a", "aac", out, NULL};
  fa_case("ffconcat list naming /etc/passwd", EXPECT_ERROR, "evil.ffconcat", NULL, NULL, cat);
  fa_no_leak_of(out, "ffconcat");
  const char *proto[] = {"-y", "-i", "concat:/etc/passwd|/etc/passwd", "-c:a", "aac", out, NULL};
  fa_case("concat: protocol", EXPECT_ERROR, "concat:", NULL, NULL, proto);
  fa_no_leak_of(out, "concat protocol");

  /* A network URL must be refused before any connection is made. */
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0 &&
      getsockname(s, (struct sockaddr *)&a, &alen) == 0) {
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/clip.ts", ntohs(a.sin_port));
    const char *http[] = {"-y", "-i", url, "-c:v", "mpeg4", out, NULL};
    rel_spawn_opts o = {.timeout_s = 10};
    fa_case("http:// input (network protocol)", EXPECT_ERROR, "127.0.0.1", NULL, &o, http);
    int c = accept(s, NULL, NULL);
    if (c >= 0) {
      printf("FAIL http:// input: the CLI connected to the network\n");
      g_failed++;
      close(c);
    }
    unlink(out);

    /* Widened explicitly, the same URL is used; the server never answers,
     * and SIGINT must still end the wait (network reads poll the
     * interrupt callback). */
    const char *wide[] = {
        "-y", "-protocol_whitelist", "file,pipe,http,tcp", "-i", url, "-c:v", "mpeg4", out, NULL};
    /* The signal waits long enough for a loaded machine (or a sanitizer
     * build) to have connected and installed its handlers. */
    rel_spawn_opts so = {.timeout_s = 20, .signal = SIGINT, .signal_after_s = 4.0};
    fa_case("http allowed, server silent, SIGINT", EXPECT_INTERRUPTED, NULL, NULL, &so, wide);
    c = accept(s, NULL, NULL);
    if (c < 0) {
      printf("FAIL -protocol_whitelist http: no connection was made\n");
      g_failed++;
    } else {
      close(c);
    }
    unlink(out);
  }
  if (s >= 0) close(s);

  /* -n is the default: an existing output is never replaced. */
  const char *keep = "keep me";
  rel_write_file(out, keep, strlen(keep));
  const char *nooverwrite[] = {"-i", g_clip, "-c:v", "mpeg4", out, NULL};
  fa_case("existing output without -y", EXPECT_REFUSED, "safe-out.mkv", NULL, NULL, nooverwrite);
  size_t n = 0;
  uint8_t *data = rel_read_file(out, &n);
  if (!data || n != strlen(keep) || memcmp(data, keep, n) != 0) {
    printf("FAIL existing output without -y: the file was changed\n");
    g_failed++;
  }
  free(data);
  unlink(out);
}

int main(void) {
  rel_env_init();
  g_cli = rel_cli();
  if (!g_cli) {
    return tm_missing_exit("the CLI (ISO_CLI unset or not built)");
  }
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return 1;
  if (tm_gen_simple(g_clip, sizeof g_clip, g_dir, "clip.mkv", "mpeg4", "aac", 160, 120, 1.0, 2,
                    48000) < 0 ||
      tm_gen_simple(g_long, sizeof g_long, g_dir, "long.mkv", "mpeg4", "aac", 320, 240, 3.0, 2,
                    48000) < 0) {
    tm_tmpdir_remove(g_dir);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN); /* FIFO writers may outlive their reader */
  fa_disk_full();
  fa_unwritable();
  fa_limits();
  fa_memory();
  fa_bad_encoder();
  fa_vanishing_input();
  fa_safe_defaults();
  tm_tmpdir_remove(g_dir);
  printf("faults: %d cases passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
