/* Damaged inputs ffmpeg salvages: isopipe writes at least what ffmpeg writes from them, or fails
 * clearly; never exit 0 with less (noisy TS, truncated audiobook, iPhone-style HEVC .MOV, a TS
 * cut before its audio's first frame). */
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
static char g_dir[512];
static int g_failed, g_passed;
static bool g_ffmpeg;

static int run_argv(const char *prog, const char *const *args, rel_proc *p) {
  char *argv[40];
  int n = 0;
  argv[n++] = (char *)prog;
  argv[n++] = "-nostdin";
  argv[n++] = "-hide_banner";
  argv[n++] = "-y";
  for (int i = 0; args[i] && n < 39; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  rel_spawn_opts o = {.timeout_s = 60};
  return rel_spawn(argv, &o, p);
}

/* Runs args through isopipe into out (the last argument) and, when
 * installed, ffmpeg into its own copy, then judges: a crash, hang or
 * sanitizer report fails; exit 0 must come with a playable file holding
 * at least ffmpeg's packets and duration; a failure must name a stage. */
static void compare(const char *title, const char *const *args, const char *out) {
  rel_proc p;
  if (run_argv(g_cli, args, &p) != 0) return;
  char what[64], line[1024];
  int code = rel_exit_code(&p);
  double dur = -1, fdur = -1;
  long pkts = 0, fpkts = 0;
  bool ok = code == 0 && rel_playable(out, &dur, &pkts);
  int fcode = -1;
  if (g_ffmpeg) {
    const char *fa[32];
    char fout[800];
    snprintf(fout, sizeof fout, "%s.ffmpeg%s", out, strrchr(out, '.'));
    int n = 0;
    for (int i = 0; args[i] && n < 30; i++)
      fa[n++] = args[i] == out ? fout : args[i];
    fa[n] = NULL;
    rel_proc fp;
    if (run_argv("/usr/bin/ffmpeg", fa, &fp) == 0) {
      fcode = rel_exit_code(&fp);
      if (fcode == 0 && !rel_playable(fout, &fdur, &fpkts)) fcode = -2;
    }
    unlink(fout);
  }
  const char *problem = NULL;
  const char *err = rel_error_line(&p, line, sizeof line);
  if (p.timed_out || rel_sanitizer_report(&p) || code < 0)
    problem = "crash, hang or sanitizer report";
  else if (code == 0 && !ok)
    problem = "exit 0 without a playable output";
  else if (code == 0 && fcode == 0 && (pkts < fpkts || dur < fdur - 0.05))
    problem = "exit 0 with less than ffmpeg writes";
  else if (code != 0 && fcode == 0)
    problem = "fails where ffmpeg salvages the input";
  else if (code != 0 && (!err || !rel_error_names_stage(err)))
    problem = "the failure names no stage";
  printf("%s %-52s isopipe %s: %ld packets %.2f s; ffmpeg exit %d: %ld packets %.2f s\n",
         problem ? "FAIL" : "ok  ", title, rel_describe(&p, what, sizeof what), pkts, dur, fcode,
         fpkts, fdur);
  if (problem) {
    printf("     %s\n", problem);
    fputs(p.err, stdout);
    g_failed++;
  } else {
    g_passed++;
  }
  unlink(out);
}

/* Overwrites n seeded runs of 50-400 bytes with noise, past the first 2 KB. */
static int add_noise(const char *src, const char *dst, int runs, uint64_t seed) {
  size_t n;
  uint8_t *d = rel_read_file(src, &n);
  if (!d || n < 4096) {
    free(d);
    return -1;
  }
  for (int i = 0; i < runs; i++) {
    size_t at = 2048 + rel_rand(&seed) % (n - 2048 - 400), len = 50 + rel_rand(&seed) % 350;
    for (size_t k = 0; k < len; k++)
      d[at + k] = (uint8_t)rel_rand(&seed);
  }
  int r = rel_write_file(dst, d, n);
  free(d);
  return r;
}

static int truncate_copy(const char *src, const char *dst, double keep) {
  size_t n;
  uint8_t *d = rel_read_file(src, &n);
  int r = d ? rel_write_file(dst, d, (size_t)(n * keep)) : -1;
  free(d);
  return r;
}

static void case_noisy_ts(void) {
  char src[700], noisy[700], out[700];
  if (tm_gen_simple(src, sizeof src, g_dir, "src.ts", "mpeg4", "aac", 320, 240, 3.0, 2, 48000) <
          0 ||
      add_noise(src, tm_path(noisy, sizeof noisy, g_dir, "noisy.ts"), 30, 7) != 0) {
    printf("FAIL noisy TS: cannot make the input\n");
    g_failed++;
    return;
  }
  tm_path(out, sizeof out, g_dir, "noisy-out.mkv");
  const char *tr[] = {"-i", noisy, "-c:v", "mpeg4", "-c:a", "aac", out, NULL};
  compare("noisy TS, transcoded", tr, out);
  const char *cp[] = {"-i", noisy, "-c", "copy", out, NULL};
  compare("noisy TS, copied", cp, out);
}

static void case_truncated_audiobook(void) {
  char src[700], book[700], cut[700], out[700];
  tm_path(book, sizeof book, g_dir, "book.m4b");
  if (tm_gen_simple(src, sizeof src, g_dir, "book-src.mkv", NULL, "aac", 0, 0, 40.0, 1, 22050) <
      0) {
    printf("FAIL truncated audiobook: cannot make the input\n");
    g_failed++;
    return;
  }
  /* The index first (as audiobooks come), so the cut file still
   * describes all 40 s while it holds about 14. */
  const char *mk[] = {"-i", src, "-c", "copy", "-movflags", "+faststart", book, NULL};
  rel_proc p;
  if (run_argv(g_cli, mk, &p) != 0 || rel_exit_code(&p) != 0 ||
      truncate_copy(book, tm_path(cut, sizeof cut, g_dir, "cut.m4b"), 0.35) != 0) {
    printf("FAIL truncated audiobook: cannot make the input\n%s", p.err);
    g_failed++;
    return;
  }
  tm_path(out, sizeof out, g_dir, "book-out.mka");
  const char *tr[] = {"-i", cut, "-c:a", "flac", out, NULL};
  compare("truncated .m4b (index of 40 s), transcoded", tr, out);
  const char *cp[] = {"-i", cut, "-c", "copy", out, NULL};
  compare("truncated .m4b (index of 40 s), copied", cp, out);
}

static void case_hevc_negative_cts(void) {
  char hevc[700], mov[700], out[700];
  if (!tm_corpus_file("video/h265_bframes.mp4", hevc, sizeof hevc)) {
    printf("skip HEVC .MOV: media corpus absent\n");
    return;
  }
  /* As iPhones write it: hvc1 in QuickTime, B-frames with negative
   * composition offsets (the first dts before 0). */
  tm_path(mov, sizeof mov, g_dir, "iphone.MOV");
  const char *mk[] = {"-i",     hevc,   "-c", "copy", "-movflags", "+negative_cts_offsets",
                      "-tag:v", "hvc1", mov,  NULL};
  rel_proc p;
  if (run_argv(g_cli, mk, &p) != 0 || rel_exit_code(&p) != 0) {
    printf("FAIL HEVC .MOV: cannot make the input\n%s", p.err);
    g_failed++;
    return;
  }
  const char *exts[] = {"mp4", "mov", "mkv", "ts"};
  for (int i = 0; i < 4; i++) {
    char name[32], title[64];
    snprintf(name, sizeof name, "hevc-out.%s", exts[i]);
    snprintf(title, sizeof title, "HEVC .MOV, negative cts offsets, copied to %s", exts[i]);
    tm_path(out, sizeof out, g_dir, name);
    const char *cp[] = {"-i", mov, "-c", "copy", out, NULL};
    compare(title, cp, out);
  }
}

static void case_ts_audio_unknown(void) {
  char ts[700], cut[700], out[700];
  if (!tm_corpus_file("video/sample_scte35.ts", ts, sizeof ts)) {
    printf("skip TS cut before its audio: media corpus absent\n");
    return;
  }
  /* Cut where the PMT has named an MP3 stream but none of its frames came:
   * no sample rate or channels, which no muxer can write. ffmpeg's default
   * choice passes over such a stream and writes the video alone. */
  size_t n;
  uint8_t *d = rel_read_file(ts, &n);
  int r = d && n > 20000 ? rel_write_file(tm_path(cut, sizeof cut, g_dir, "cut.ts"), d, 20000) : -1;
  free(d);
  if (r != 0) {
    printf("FAIL TS cut before its audio: cannot make the input\n");
    g_failed++;
    return;
  }
  tm_path(out, sizeof out, g_dir, "cut-out.mkv");
  const char *cp[] = {"-i", cut, "-c", "copy", "-f", "matroska", out, NULL};
  compare("TS cut before its audio's first frame, copied", cp, out);
}

int main(void) {
  g_cli = rel_cli();
  if (!g_cli) {
    printf("ISO_CLI not set: skipped\n");
    return 77;
  }
  rel_env_init();
  av_log_set_level(AV_LOG_QUIET);
  g_ffmpeg = access("/usr/bin/ffmpeg", X_OK) == 0;
  if (!g_ffmpeg) printf("ffmpeg not installed: judged without its figures\n");
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return 1;
  case_noisy_ts();
  case_truncated_audiobook();
  case_hevc_negative_cts();
  case_ts_audio_unknown();
  printf("%d passed, %d failed\n", g_passed, g_failed);
  tm_tmpdir_remove(g_dir);
  return g_failed ? 1 : 0;
}
