/* Regressions of the hostile-input campaign through the CLI: crafted inputs and names that once
 * lost data with exit 0, overwrote files (outputs and the pieces muxers write), or reached the
 * terminal raw. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"

static const char *g_cli;
static char g_dir[512], g_clip[600];
static int g_failed, g_passed;

/* Runs the CLI with args (NULL-terminated, without the program). */
static int run(rel_proc *p, const rel_spawn_opts *o, const char *const *args) {
  char *argv[48];
  int n = 0;
  argv[n++] = (char *)g_cli;
  argv[n++] = "-nostdin";
  argv[n++] = "-hide_banner";
  for (int i = 0; args[i] && n < 47; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  rel_spawn_opts def = {.timeout_s = 20};
  if (rel_spawn(argv, o ? o : &def, p) != 0) return -1;
  return 0;
}

/* Common verdict: no hang, no signal, no sanitizer report. */
static bool sane(const char *title, const rel_proc *p) {
  char what[64];
  const char *problem = NULL;
  if (p->timed_out)
    problem = "hang";
  else if (rel_sanitizer_report(p))
    problem = "sanitizer report";
  else if (rel_exit_code(p) < 0)
    problem = "died from a signal";
  if (!problem) return true;
  printf("FAIL %-44s %s: %s\n", title, rel_describe(p, what, sizeof what), problem);
  fputs(p->err, stdout);
  g_failed++;
  return false;
}

static void verdict(const char *title, const rel_proc *p, const char *problem) {
  if (problem) {
    char what[64];
    printf("FAIL %-44s %s: %s\n", title, rel_describe(p, what, sizeof what), problem);
    fputs(p->err, stdout);
    g_failed++;
  } else {
    printf("ok   %s\n", title);
    g_passed++;
  }
}

/* ---- a mostly undecodable input --------------------------------------------------- */

static void case_error_rate(void) {
  const char *title = "mostly undecodable input fails (max_error_rate)";
  char bad[700], out[700], out2[700];
  snprintf(bad, sizeof bad, "%s/noise.mkv", g_dir);
  snprintf(out, sizeof out, "%s/noise-out.mkv", g_dir);
  snprintf(out2, sizeof out2, "%s/noise-out2.mkv", g_dir);
  char src[700];
  if (tm_gen_simple(src, sizeof src, g_dir, "rate-src.mkv", "mpeg4", NULL, 64, 48, 1.3, 0, 0) < 0 ||
      tm_damage_packets(src, bad, 1, 1, 0, 0x1401) < 30) {
    printf("FAIL %s: cannot make the input\n", title);
    g_failed++;
    return;
  }
  rel_proc p;
  const char *args[] = {"-y", "-i", bad, "-c:v", "mpeg4", out, NULL};
  if (run(&p, NULL, args) < 0 || !sane(title, &p)) return;
  char line[512];
  const char *err = rel_error_line(&p, line, sizeof line);
  const char *problem = NULL;
  if (rel_exit_code(&p) == 0)
    problem = "exit 0 although almost nothing decoded";
  else if (!err || !strstr(err, "decode:v (noise.mkv)") || !strstr(err, "max_error_rate"))
    problem = "the error line does not name the decoder, the file and max_error_rate";
  else if (!rel_playable(out, NULL, NULL))
    problem = "what was decoded is not a playable output";
  verdict(title, &p, problem);

  /* ffmpeg, when installed, fails on the same input (exit 69). */
  if (access("/usr/bin/ffmpeg", X_OK) == 0) {
    char *fa[] = {"/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-y", "-i", bad, "-c:v",
                  "mpeg4",           out2,       NULL};
    rel_spawn_opts o = {.timeout_s = 20};
    if (rel_spawn(fa, &o, &p) == 0)
      verdict("ffmpeg fails on it too", &p,
              rel_exit_code(&p) == 0 ? "ffmpeg exits 0: the input is not mostly undecodable"
                                     : NULL);
  }

  /* The limit is an option: at 1 the same input passes, and the summary
   * counts what was skipped. */
  title = "max_error_rate 1 accepts it, the summary counts the errors";
  const char *args2[] = {"-y", "-max_error_rate", "1", "-i", bad, "-c:v", "mpeg4", out2, NULL};
  if (run(&p, NULL, args2) < 0 || !sane(title, &p)) return;
  problem = NULL;
  if (rel_exit_code(&p) != 0)
    problem = "expected exit 0";
  else if (!strstr(p.err, "decode errors skipped"))
    problem = "the summary does not count the decode errors";
  verdict(title, &p, problem);
}

/* ---- every file isopipe writes goes through one policy ----------------------------- */

/* Runs args and expects a refusal (exit 1 or 2, an error line holding
 * 'says') that left 'keep' exactly as 'copy' holds it. */
static void expect_refused(const char *title, const char *const *args, const char *says,
                           const char *keep, const char *copy) {
  rel_proc p;
  if (run(&p, NULL, args) < 0 || !sane(title, &p)) return;
  char line[1024];
  const char *err = rel_error_line(&p, line, sizeof line);
  int code = rel_exit_code(&p);
  const char *problem = NULL;
  if (code != 1 && code != 2)
    problem = "expected a refusal (exit 1 or 2)";
  else if (!err || (says && !strstr(err, says)))
    problem = "the error line does not say why";
  else if (keep && !tm_same_file(keep, copy))
    problem = "the protected file was changed";
  verdict(title, &p, problem);
}

static int copy_file(const char *src, const char *dst) {
  size_t n;
  uint8_t *d = rel_read_file(src, &n);
  int r = d ? rel_write_file(dst, d, n) : -1;
  free(d);
  return r;
}

static void case_output_policy(void) {
  char in[700], keep[700], victim[700], vkeep[700], md5[800], tee[800], lnk[700], hard[700];
  char a[700], a2[700], stats[700];
  snprintf(in, sizeof in, "%s/in.mkv", g_dir);
  snprintf(keep, sizeof keep, "%s/in.keep", g_dir);
  snprintf(victim, sizeof victim, "%s/victim.mkv", g_dir);
  snprintf(vkeep, sizeof vkeep, "%s/victim.keep", g_dir);
  snprintf(md5, sizeof md5, "md5:%s", in);
  snprintf(tee, sizeof tee, "tee:%s", in);
  snprintf(lnk, sizeof lnk, "%s/link.mkv", g_dir);
  snprintf(hard, sizeof hard, "%s/hard.mkv", g_dir);
  snprintf(a, sizeof a, "%s/a.mkv", g_dir);
  snprintf(a2, sizeof a2, "%s/./a.mkv", g_dir);
  snprintf(stats, sizeof stats, "%s/s.json", g_dir);
  if (copy_file(g_clip, in) || copy_file(in, keep) || copy_file(in, victim) ||
      copy_file(in, vkeep) || symlink(in, lnk) || link(in, hard)) {
    printf("FAIL output policy: cannot make the files\n");
    g_failed++;
    return;
  }
  const char *md5_in[] = {"-y", "-i", in, "-c", "copy", "-f", "matroska", md5, NULL};
  expect_refused("md5: over the input is refused", md5_in, "md5", in, keep);
  const char *tee_in[] = {"-y", "-i", in, "-c", "copy", "-f", "matroska", tee, NULL};
  expect_refused("tee: over the input is refused", tee_in, "tee", in, keep);
  char tee_v[800];
  snprintf(tee_v, sizeof tee_v, "tee:%s", victim);
  const char *tee_ny[] = {"-i", in, "-t", "0.5", "-c", "copy", "-f", "matroska", tee_v, NULL};
  expect_refused("tee: to an existing file without -y is refused", tee_ny, NULL, victim, vkeep);
  /* Whitelisted, tee: is used, and its targets still get every check. */
  const char *tee_wl[] = {
      "-i",  in,  "-protocol_whitelist", "file,tee", "-t", "0.5", "-c", "copy", "-f", "matroska",
      tee_v, NULL};
  expect_refused("whitelisted tee: still needs -y", tee_wl, "already exists", victim, vkeep);
  const char *sym[] = {"-y", "-i", in, "-c", "copy", lnk, NULL};
  expect_refused("a symlink to the input is refused", sym, "input", in, keep);
  const char *hl[] = {"-y", "-i", in, "-c", "copy", hard, NULL};
  expect_refused("a hard link to the input is refused", hl, "input", in, keep);
  const char *st[] = {"-y", "-i", in, "-c", "copy", a, "--stats", in, NULL};
  expect_refused("--stats over the input is refused", st, "--stats", in, keep);
  const char *tr[] = {"-y", "-i", in, "-c", "copy", a, "--trace", lnk, NULL};
  expect_refused("--trace over the input (via a symlink) is refused", tr, "--trace", in, keep);
  char prog[800];
  snprintf(prog, sizeof prog, "file:%s", in);
  const char *pg[] = {"-y", "-progress", prog, "-i", in, "-c", "copy", a, NULL};
  expect_refused("-progress over the input is refused", pg, "-progress", in, keep);
  const char *vs[] = {"-i", in, "-c", "copy", a, "--stats", victim, NULL};
  expect_refused("--stats over an existing file without -y is refused", vs, "already exists",
                 victim, vkeep);
  const char *two[] = {"-y", "-i", in, "-c", "copy", a, "-c", "copy", a2, NULL};
  expect_refused("two outputs with one path are refused", two, "also written", NULL, NULL);
  const char *so[] = {"-y", "-i", in, "-c", "copy", a, "--stats", a2, NULL};
  expect_refused("--stats onto the output is refused", so, "also written", NULL, NULL);
  const char *tcp[] = {"-y", "-i", in, "-c", "copy", "-f", "matroska", "tcp://127.0.0.1:9", NULL};
  expect_refused("tcp:// output without a whitelist is refused", tcp, "not allowed", NULL, NULL);

  /* A full disk under the stats or the trace: exit 1 naming the file. */
  const char *full[][10] = {
      {"-y", "-i", in, "-c", "copy", a, "--stats", "/dev/full", NULL},
      {"-y", "-i", in, "-c", "copy", a, "--trace", "/dev/full", NULL},
  };
  const char *what[] = {"--stats on a full disk fails", "--trace on a full disk fails"};
  for (int i = 0; i < 2; i++) {
    rel_proc p;
    if (run(&p, NULL, full[i]) < 0 || !sane(what[i], &p)) continue;
    char line[1024];
    const char *err = rel_error_line(&p, line, sizeof line);
    verdict(what[i], &p,
            rel_exit_code(&p) != 1 ? "expected exit 1"
            : !err || !strstr(err, "/dev/full") || !strstr(err, "No space left")
                ? "the error line does not name the file and the reason"
                : NULL);
  }
  (void)stats;
}

/* ---- the further files a muxer writes: segments, playlists, numbered images ----------- */

/* Runs args and expects exit 0 with 'made' written. */
static bool expect_made(const char *title, const char *const *args, const char *made) {
  rel_proc p;
  if (run(&p, NULL, args) < 0 || !sane(title, &p)) return false;
  struct stat sb;
  bool ok = rel_exit_code(&p) == 0 && stat(made, &sb) == 0 && sb.st_size > 0;
  verdict(title, &p, ok ? NULL : "expected exit 0 and the piece written");
  return ok;
}

static void case_output_pieces(void) {
  char in[700], keep[700], seg[700], seg0[700], seg0k[700], img[700], img1[700], img1k[700];
  char pl[700], pl0[700], pl0k[700], v0[700], v0k[700], vpat[700], tee[1500];
  snprintf(in, sizeof in, "%s/pin.mkv", g_dir);
  snprintf(keep, sizeof keep, "%s/pin.keep", g_dir);
  snprintf(seg, sizeof seg, "%s/seg%%03d.mkv", g_dir);
  snprintf(seg0, sizeof seg0, "%s/seg000.mkv", g_dir);
  snprintf(seg0k, sizeof seg0k, "%s/seg000.keep", g_dir);
  snprintf(img, sizeof img, "%s/img%%02d.png", g_dir);
  snprintf(img1, sizeof img1, "%s/img01.png", g_dir);
  snprintf(img1k, sizeof img1k, "%s/img01.keep", g_dir);
  snprintf(pl, sizeof pl, "%s/pl.m3u8", g_dir);
  snprintf(pl0, sizeof pl0, "%s/pl0.ts", g_dir);
  snprintf(pl0k, sizeof pl0k, "%s/pl0.keep", g_dir);
  snprintf(v0, sizeof v0, "%s/v0.mkv", g_dir);
  snprintf(v0k, sizeof v0k, "%s/v0.keep", g_dir);
  snprintf(vpat, sizeof vpat, "%s/v%%d.mkv", g_dir);
  snprintf(tee, sizeof tee, "%s/tee-a.mkv|[f=matroska]%s", g_dir, in);
  if (copy_file(g_clip, in) || copy_file(in, keep) || copy_file(in, v0) || copy_file(in, v0k)) {
    printf("FAIL output pieces: cannot make the files\n");
    g_failed++;
    return;
  }
  /* A rerun of a segment, image or HLS job finds its pieces: without -y
   * they are refused (ffmpeg checks only the pattern's own name). */
  const char *sg[] = {"-i",       in,  "-c", "copy", "-f", "segment", "-segment_format",
                      "matroska", seg, NULL};
  if (expect_made("-f segment writes its pieces", sg, seg0) && !copy_file(seg0, seg0k))
    expect_refused("-f segment over its existing pieces without -y is refused", sg,
                   "already exists", seg0, seg0k);
  const char *sgy[] = {"-y",       "-i", in,  "-c", "copy", "-f", "segment", "-segment_format",
                       "matroska", seg,  NULL};
  expect_made("-f segment with -y replaces its pieces", sgy, seg0);
  const char *im[] = {"-i", in, "-frames:v", "2", img, NULL};
  if (expect_made("an image pattern writes its pictures", im, img1) && !copy_file(img1, img1k))
    expect_refused("an image pattern over existing pictures without -y is refused", im,
                   "already exists", img1, img1k);
  const char *hl[] = {"-i", in, "-c:v", "copy", "-c:a", "aac", "-f", "hls", pl, NULL};
  if (expect_made("-f hls writes its playlist and segment", hl, pl0) && !copy_file(pl0, pl0k) &&
      unlink(pl) == 0)
    /* hls itself logs the failed open and goes on: exit 0 before. */
    expect_refused("-f hls over an existing segment without -y is refused", hl, "already exists",
                   pl0, pl0k);
  /* A pattern whose piece is the input, even with -y. */
  const char *vi[] = {"-y",       "-i", v0,  "-c", "copy", "-f", "segment", "-segment_format",
                      "matroska", vpat, NULL};
  expect_refused("a segment pattern that names the input is refused", vi, "input", v0, v0k);
  const char *ti[] = {"-y", "-i", in, "-c", "copy", "-map", "0", "-f", "tee", tee, NULL};
  expect_refused("a tee muxer slave that is the input is refused", ti, "input", in, keep);
  const char *hn[] = {"-y",
                      "-i",
                      in,
                      "-c:v",
                      "copy",
                      "-c:a",
                      "aac",
                      "-f",
                      "hls",
                      "-hls_segment_filename",
                      "tcp://127.0.0.1:9/s%d.ts",
                      pl,
                      NULL};
  expect_refused("an HLS segment through tcp:// without a whitelist is refused", hn, "not allowed",
                 NULL, NULL);
}

/* ---- error lines: long names, encoder refusals ------------------------------------- */

/* The error line of args holds each of the needles (NULL-terminated). */
static void expect_line(const char *title, const char *const *args, const char *const *needles) {
  rel_proc p;
  if (run(&p, NULL, args) < 0 || !sane(title, &p)) return;
  char line[2048];
  const char *err = rel_error_line(&p, line, sizeof line);
  const char *problem = rel_exit_code(&p) == 0 ? "expected a failure" : NULL;
  for (int i = 0; !problem && needles[i]; i++)
    if (!err || !strstr(err, needles[i])) problem = "the error line lost part of its reason";
  if (problem && err) printf("     line: %s\n", err);
  verdict(title, &p, problem);
}

static void case_messages(void) {
  /* A 1,500-character directory: every line still names the stage and
   * ends with the reason; the file names lose their middle, not their end. */
  char deep[2100], in[2200], missing[2200], out[2200];
  int n = snprintf(deep, sizeof deep, "%s", g_dir);
  for (int i = 0; i < 6 && n > 0 && (size_t)n < sizeof deep; i++) {
    n += snprintf(deep + n, sizeof deep - (size_t)n, "/%0250d", i);
    mkdir(deep, 0755);
  }
  snprintf(in, sizeof in, "%s/in.mkv", deep);
  snprintf(missing, sizeof missing, "%s/missing.mkv", deep);
  snprintf(out, sizeof out, "%s/out.mkv", deep);
  if (copy_file(g_clip, in)) {
    printf("FAIL messages: cannot make the files\n");
    g_failed++;
    return;
  }
  const char *mi[] = {"-i", missing, "-c", "copy", out, NULL};
  const char *mi_says[] = {"demux (", "/missing.mkv): ", "No such file or directory", NULL};
  expect_line("long path: a missing input names the stage and the reason", mi, mi_says);
  char nodir[2300];
  snprintf(nodir, sizeof nodir, "%s/nodir/out.mkv", deep);
  const char *nd[] = {"-i", in, "-c", "copy", nodir, NULL};
  const char *nd_says[] = {"mux (", "/nodir/out.mkv): ", "No such file or directory", NULL};
  expect_line("long path: an output that cannot be opened names the stage and the reason", nd,
              nd_says);
  /* h263 takes only its five sizes: the clip is 64x48. The line names the
   * encoder, the values it was given and libavcodec's own reason. */
  const char *h263[] = {"-y", "-i", in, "-c:v", "h263", "-b:v", "300k", "-an", out, NULL};
  const char *h263_says[] = {"encode:v (",
                             "/out.mkv): cannot open encoder h263 (64x48 yuv420p",
                             "b 300000",
                             "Invalid argument",
                             "picture size of 64x48 is not valid",
                             NULL};
  expect_line("long path: an encoder refusal names encoder, values and reason", h263, h263_says);
}

/* ---- terminal safety ---------------------------------------------------------------- */

#define ESCAPES "\x1b]2;pwned\x07\x1b[2J"

/* stderr held no control character but line breaks and tabs. */
static const char *raw_controls(const rel_proc *p) {
  for (const char *s = p->err; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return "a control character reached stderr";
  }
  return NULL;
}

/* Replaces the first occurrence of from by to (same length) in path. */
static int patch_file(const char *path, const char *from, const char *to) {
  size_t n, k = strlen(from);
  uint8_t *d = rel_read_file(path, &n);
  int r = -1;
  for (size_t i = 0; d && i + k <= n; i++)
    if (!memcmp(d + i, from, k)) {
      memcpy(d + i, to, k);
      r = rel_write_file(path, d, n);
      break;
    }
  free(d);
  return r;
}

static void case_terminal(void) {
  /* A crafted file name in the error line. */
  char name[700], out[700];
  snprintf(name, sizeof name, "%s/evil" ESCAPES ".mkv", g_dir);
  snprintf(out, sizeof out, "%s/term-out.mkv", g_dir);
  uint8_t noise[4096];
  uint64_t seed = 0x1403;
  for (size_t i = 0; i < sizeof noise; i++)
    noise[i] = (uint8_t)rel_rand(&seed);
  rel_write_file(name, noise, sizeof noise);
  rel_proc p;
  const char *args[] = {"-y", "-i", name, "-c:v", "mpeg4", out, NULL};
  const char *title = "escape sequences in a file name are neutralised";
  if (run(&p, NULL, args) == 0 && sane(title, &p))
    verdict(title, &p,
            raw_controls(&p)                   ? raw_controls(&p)
            : !strstr(p.err, "?]2;pwned??[2J") ? "the name is not shown with '?' in place"
                                               : NULL);

  /* A codec id holding them, which FFmpeg's demuxer logs. */
  char tag[700], tagout[700];
  snprintf(tag, sizeof tag, "%s/evil-tag.mkv", g_dir);
  snprintf(tagout, sizeof tagout, "%s/evil-tag-out.mkv", g_dir);
  title = "escape sequences in a codec id are neutralised";
  if (copy_file(g_clip, tag) || patch_file(tag, "V_MPEG4/ISO/ASP", "V_" ESCAPES "X") < 0) {
    printf("FAIL %s: cannot make the input\n", title);
    g_failed++;
    return;
  }
  const char *targs[] = {"-y", "-v", "debug", "-i", tag, "-c:v", "mpeg4", tagout, NULL};
  if (run(&p, NULL, targs) == 0 && sane(title, &p))
    verdict(title, &p,
            raw_controls(&p)              ? raw_controls(&p)
            : !strstr(p.err, "?]2;pwned") ? "FFmpeg's line about the codec id is missing"
                                          : NULL);
}

/* ---- a soft CPU-time limit ---------------------------------------------------------- */

/* Under `ulimit -S -t 1 -H -t 30` a job that needs more CPU than that is
 * stopped at the soft limit and its output finished (as ffmpeg does on
 * SIGXCPU), long before the hard limit would kill it. */
static void case_cpu_limit(void) {
  const char *title = "soft RLIMIT_CPU: graceful stop, playable output";
  char src[700], out[700], cmd[2400];
  snprintf(out, sizeof out, "%s/xcpu-out.mkv", g_dir);
  if (tm_gen_simple(src, sizeof src, g_dir, "xcpu-src.mkv", "mpeg4", "aac", 640, 360, 12.0, 2,
                    44100) < 0) {
    printf("FAIL %s: cannot make the input\n", title);
    g_failed++;
    return;
  }
  const char *venc = avcodec_find_encoder_by_name("libx264") ? "libx264" : "mpeg4";
  snprintf(cmd, sizeof cmd,
           "ulimit -S -t 1 && ulimit -H -t 30 && exec '%s' -nostdin -hide_banner -y -i '%s' "
           "-c:v %s -s 1280x720 -c:a aac '%s'",
           g_cli, src, venc, out);
  char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  rel_spawn_opts o = {.timeout_s = 60};
  rel_proc p;
  if (rel_spawn(argv, &o, &p) != 0 || !sane(title, &p)) return;
  double dur = -1;
  const char *problem = NULL;
  if (rel_exit_code(&p) != 128 + SIGXCPU)
    problem = "expected the exit code of an interrupted run (152)";
  else if (!rel_playable(out, &dur, NULL) || dur <= 0)
    problem = "the output is not a finished, playable file";
  else if (!strstr(p.err, "CPU time limit"))
    problem = "no line says the CPU time limit stopped the run";
  verdict(title, &p, problem);
}

int main(void) {
  g_cli = rel_cli();
  if (!g_cli) {
    printf("ISO_CLI not set: skipped\n");
    return 77;
  }
  rel_env_init();
  av_log_set_level(AV_LOG_QUIET);
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return 1;
  if (tm_gen_simple(g_clip, sizeof g_clip, g_dir, "clip.mkv", "mpeg4", "aac", 64, 48, 1.0, 1,
                    22050) < 0)
    return 1;
  case_error_rate();
  case_output_policy();
  case_output_pieces();
  case_messages();
  case_terminal();
  case_cpu_limit();
  printf("%d passed, %d failed\n", g_passed, g_failed);
  tm_tmpdir_remove(g_dir);
  return g_failed ? 1 : 0;
}
