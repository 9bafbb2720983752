/* CLI end to end: --trace, --profile, --stats, stdin to stdout, and the effect of each
 * encoder/muxer option probed in the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_clip[700]; /* 320x240 mpeg4 + aac, 2 s at 30 fps */

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-e2e") < 0) return -1;
  return tm_gen_simple(g_clip, sizeof g_clip, g_dir, "in.mkv", "mpeg4", "aac", 320, 240, 2.0, 2,
                       48000) < 0
             ? -1
             : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static const char *out_path(const char *name) {
  return ch_path(g_dir, name);
}

/* Runs isopipe -y -nostats ARGS...; fails the test unless it exits 0. */
static void run_ok(ch_proc *p, const char *const *args) {
  const char *argv[CH_MAX_ARGS] = {"-y", "-nostats"};
  int n = 2;
  for (int i = 0; args[i] && n < CH_MAX_ARGS - 1; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  int rc = ch_run(p, argv, 120);
  if (rc != 0) fail_msg("isopipe exited %d: %s", rc, ch_str(&p->err));
}

/* Runs a shell command (python3, ffprobe) and returns its exit status;
 * its stdout goes to out (may be NULL). */
static int sh(char *out, size_t len, const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  size_t n = out ? fread(out, 1, len - 1, f) : 0;
  if (out) out[n] = '\0';
  char sink[4096];
  while (fread(sink, 1, sizeof sink, f) > 0) {
  }
  int st = pclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void need_tools(void) {
  TM_NEED(tm_have_program("python3", NULL, 0), "python3 (parses JSON)");
  TM_NEED(tm_have_program("ffprobe", NULL, 0), "ffprobe (probes the outputs)");
}

/* --trace FILE.json.gz: gzip, JSON, and every stage's thread has its own
 * work spans (read, decode, convert, encode, write); frames are linked by
 * flow events. --stats: the fields and the frame total. */
static void t_trace_and_stats(void **state) {
  (void)state;
  need_tools();
  const char *trace = out_path("t.json.gz");
  char stats[600];
  snprintf(stats, sizeof stats, "%s", out_path("s.json"));
  ch_proc p;
  const char *args[] = {"-i",  g_clip,    "-c:v", "mpeg4",           "--trace",
                        trace, "--stats", stats,  out_path("t.mkv"), NULL};
  run_ok(&p, args);
  ch_free(&p);
  char out[2048];
  int rc = sh(
      out, sizeof out,
      "python3 -c '"
      "import gzip,json,sys,collections\n"
      "ev=json.load(gzip.open(sys.argv[1]))[\"traceEvents\"]\n"
      "names={e[\"tid\"]:e[\"args\"][\"name\"] for e in ev if e.get(\"ph\")==\"M\" and "
      "e.get(\"name\")==\"thread_name\"}\n"
      "spans=collections.Counter(names.get(e.get(\"tid\")) for e in ev if "
      "e.get(\"ph\")==\"X\")\n"
      "want=[\"demux\",\"decode:v\",\"convert:v\",\"encode:v\",\"decode:a\",\"convert:a\","
      "\"encode:a\",\"mux\"]\n"
      "bad=[w for w in want if spans[w]<10]\n"
      "flows=sum(1 for e in ev if e.get(\"ph\")==\"s\")\n"
      "s=json.load(open(sys.argv[2]))\n"
      "keys=[\"stages\",\"totals\",\"verdict\",\"wall_s\",\"cpu_s\",\"status\",\"outputs\"]\n"
      "bad+=[k for k in keys if k not in s]\n"
      "bad+=[] if s[\"totals\"][\"frames\"]==60 else [\"frames %%s\"%%s[\"totals\"][\"frames\"]]\n"
      "bad+=[] if sorted(x[\"name\"] for x in s[\"stages\"])==sorted(want) else [\"stages\"]\n"
      "bad+=[] if flows>=60 else [\"flows %%d\"%%flows]\n"
      "print(bad); sys.exit(1 if bad else 0)' %s %s 2>&1",
      trace, stats);
  if (rc != 0) fail_msg("trace/stats: %s", out);
}

/* --profile: the per-stage table (a row per stage) and the verdict line. */
static void t_profile(void **state) {
  (void)state;
  ch_proc p;
  const char *args[] = {"-i", g_clip, "-c:v", "mpeg4", "--profile", out_path("p.mkv"), NULL};
  run_ok(&p, args);
  const char *err = ch_str(&p.err);
  const char *table = strstr(err, "busy %");
  if (!table) fail_msg("no profile table in: %s", err);
  const char *stages[] = {"demux", "decode:v", "convert:v", "encode:v", "encode:a", "mux"};
  for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
    char row[32];
    snprintf(row, sizeof row, "\n%s ", stages[i]);
    if (!strstr(table, row)) fail_msg("no row for %s in: %s", stages[i], table);
  }
  const char *v = strstr(table, "verdict: ");
  if (!v || !strstr(v, " is the bottleneck")) fail_msg("no verdict line in: %s", table);
  ch_free(&p);
}

/* cat in | isopipe -i - -f matroska - > out: every frame and sample gets
 * through, as many as the same job from and to files gives. */
static void t_stdin_to_stdout(void **state) {
  (void)state;
  char out[600], ref[600];
  snprintf(out, sizeof out, "%s", out_path("pipe.mkv"));
  snprintf(ref, sizeof ref, "%s", out_path("file.mkv"));
  ch_proc p;
  const char *args[] = {"-i", g_clip, "-c:v", "mpeg4", "-f", "matroska", ref, NULL};
  run_ok(&p, args);
  ch_free(&p);
  char res[256];
  int rc =
      sh(res, sizeof res, "cat '%s' | '%s' -nostats -v error -i - -c:v mpeg4 -f matroska - > '%s'",
         g_clip, ISOPIPE_BIN, out);
  assert_int_equal(rc, 0);
  tm_probe pr, pf;
  assert_int_equal(tm_probe_file(out, true, &pr), 0);
  assert_int_equal(tm_probe_file(ref, true, &pf), 0);
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->frames, 60);
  const tm_stream *a = tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO),
                  *b = tm_probe_stream(&pf, AVMEDIA_TYPE_AUDIO);
  assert_non_null(a);
  assert_non_null(b);
  if (a->samples != b->samples || a->samples < 96000)
    fail_msg("%lld audio samples through the pipe, %lld from the file", (long long)a->samples,
             (long long)b->samples);
}

/* ffprobe's output for one query, as text. */
static void probe(char *out, size_t len, const char *what, const char *path) {
  if (sh(out, len, "ffprobe -v error %s -of csv=p=0 '%s'", what, path) != 0)
    fail_msg("ffprobe %s %s failed", what, path);
}

static int count_lines_with(const char *s, const char *needle) {
  int n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* -g N: a keyframe every N frames. */
static void t_gop(void **state) {
  (void)state;
  need_tools();
  ch_proc p;
  const char *args[] = {"-i", g_clip, "-an", "-c:v", "mpeg4", "-g", "10", out_path("g.mkv"), NULL};
  run_ok(&p, args);
  ch_free(&p);
  char out[8192];
  probe(out, sizeof out, "-select_streams v -show_entries packet=flags", out_path("g.mkv"));
  assert_int_equal(count_lines_with(out, "K"), 6);
}

/* -bf 2 gives B-frames, -bf 0 none; -tune zerolatency turns them off in
 * libx264 (its settings are written into the stream). */
static void t_bframes_and_tune(void **state) {
  (void)state;
  need_tools();
  TM_NEED(tm_have_encoder("libx264"), "libx264");
  const char *cases[][2] = {{"-bf", "2"}, {"-bf", "0"}, {"-tune", "zerolatency"}};
  int b[3];
  for (int k = 0; k < 3; k++) {
    char name[32];
    snprintf(name, sizeof name, "bf%d.mp4", k);
    ch_proc p;
    const char *args[] = {"-i",        g_clip,         "-an",       "-c:v",
                          "libx264",   "-preset",      "ultrafast", cases[k][0],
                          cases[k][1], out_path(name), NULL};
    run_ok(&p, args);
    ch_free(&p);
    char out[8192];
    probe(out, sizeof out, "-select_streams v -show_entries frame=pict_type", out_path(name));
    b[k] = count_lines_with(out, "B");
  }
  if (b[0] == 0 || b[1] != 0 || b[2] != 0)
    fail_msg("B-frames: -bf 2 gave %d, -bf 0 gave %d, -tune zerolatency gave %d", b[0], b[1], b[2]);
}

/* -movflags +faststart puts moov before mdat; without it, after. */
static void t_faststart(void **state) {
  (void)state;
  const char *names[] = {"fs.mp4", "nofs.mp4"};
  for (int k = 0; k < 2; k++) {
    ch_proc p;
    const char *with[] = {
        "-i", g_clip, "-c:v", "mpeg4", "-movflags", "+faststart", out_path(names[0]), NULL};
    const char *without[] = {"-i", g_clip, "-c:v", "mpeg4", out_path(names[1]), NULL};
    run_ok(&p, k ? without : with);
    ch_free(&p);
    FILE *f = fopen(out_path(names[k]), "rb");
    assert_non_null(f);
    /* The top-level boxes in order: 32-bit size, 4-character type. */
    long moov = -1, mdat = -1, pos = 0;
    unsigned char h[16];
    for (int i = 0; i < 16 && fread(h, 1, 8, f) == 8; i++) {
      uint64_t size = (uint64_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
      if (!memcmp(h + 4, "moov", 4)) moov = pos;
      if (!memcmp(h + 4, "mdat", 4)) mdat = pos;
      if (size == 1) {
        unsigned char l[8];
        if (fread(l, 1, 8, f) != 8) break;
        size = 0;
        for (int j = 0; j < 8; j++)
          size = size << 8 | l[j];
        if (fseek(f, (long)size - 16, SEEK_CUR) != 0) break;
      } else if (size < 8 || fseek(f, (long)size - 8, SEEK_CUR) != 0) {
        break;
      }
      pos += (long)size;
    }
    fclose(f);
    assert_true(moov >= 0 && mdat >= 0);
    if (k == 0 ? moov > mdat : moov < mdat)
      fail_msg("%s: moov at %ld, mdat at %ld", names[k], moov, mdat);
  }
}

/* -b:a sets the audio bit rate (AAC, as the stream states it). */
static void t_audio_bitrate(void **state) {
  (void)state;
  need_tools();
  long rate[2];
  const char *want[2] = {"64k", "192k"};
  for (int k = 0; k < 2; k++) {
    char name[32];
    snprintf(name, sizeof name, "ba%d.m4a", k);
    ch_proc p;
    const char *args[] = {"-i",   g_clip,  "-vn",          "-c:a", "aac",
                          "-b:a", want[k], out_path(name), NULL};
    run_ok(&p, args);
    ch_free(&p);
    char out[256];
    probe(out, sizeof out, "-select_streams a -show_entries stream=bit_rate", out_path(name));
    rate[k] = atol(out);
  }
  /* Within 25 % of what was asked (2 s of a generated tone). */
  if (rate[0] < 48000 || rate[0] > 80000 || rate[1] < 144000 || rate[1] > 240000)
    fail_msg("-b:a 64k gave %ld b/s, 192k gave %ld b/s", rate[0], rate[1]);
}

/* -sample_fmt picks the encoder's sample format (FLAC: s16 or s32). */
static void t_sample_fmt(void **state) {
  (void)state;
  need_tools();
  const char *fmts[] = {"s16", "s32"};
  for (int k = 0; k < 2; k++) {
    char name[32];
    snprintf(name, sizeof name, "sf%d.flac", k);
    ch_proc p;
    const char *args[] = {"-i", g_clip, "-sample_fmt", fmts[k], out_path(name), NULL};
    run_ok(&p, args);
    ch_free(&p);
    char out[256];
    probe(out, sizeof out, "-select_streams a -show_entries stream=sample_fmt", out_path(name));
    if (strncmp(out, fmts[k], 3) != 0) fail_msg("-sample_fmt %s gave %s", fmts[k], out);
  }
}

/* -q:a: LAME's VBR quality, 0 (best) gives a bigger file than 9. */
static void t_audio_quality(void **state) {
  (void)state;
  TM_NEED(tm_have_encoder("libmp3lame"), "libmp3lame");
  int64_t size[2];
  const char *q[2] = {"0", "9"};
  for (int k = 0; k < 2; k++) {
    char name[32];
    snprintf(name, sizeof name, "q%d.mp3", k);
    ch_proc p;
    const char *args[] = {"-i", g_clip, "-c:a", "libmp3lame", "-q:a", q[k], out_path(name), NULL};
    run_ok(&p, args);
    ch_free(&p);
    size[k] = tm_file_size(out_path(name));
  }
  if (size[0] < size[1] * 3 / 2)
    fail_msg("-q:a 0 gave %lld bytes, -q:a 9 %lld", (long long)size[0], (long long)size[1]);
}

/* libx264's settings line (its SEI, in the file as text): "NAME=VALUE"'s value
 * into out, "" when absent. */
static void x264_setting(const char *path, const char *name, char *out, size_t n) {
  out[0] = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return;
  static char buf[1 << 20];
  size_t len = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  char key[40];
  snprintf(key, sizeof key, " %s=", name);
  for (size_t i = 0; i + strlen(key) < len; i++)
    if (!memcmp(buf + i, key, strlen(key))) {
      const char *v = buf + i + strlen(key);
      size_t k = 0;
      while (k + 1 < n && v + k < buf + len && v[k] != ' ') {
        out[k] = v[k];
        k++;
      }
      out[k] = 0;
      return;
    }
}

/* -crf, -preset and -threads reach libx264: a lower CRF makes a bigger
 * file and is written as crf=; the preset changes its subpel refinement
 * (ultrafast subme=0, medium subme=7); -threads N is its thread count. */
static void t_crf_preset_threads(void **state) {
  (void)state;
  need_tools();
  TM_NEED(tm_have_encoder("libx264"), "libx264");
  const char *cases[][6] = {
      {"18", "ultrafast", "1"}, {"40", "ultrafast", "1"}, {"23", "medium", "3"}};
  int64_t size[3];
  char crf[3][16], subme[3][16], threads[3][16];
  for (int k = 0; k < 3; k++) {
    char name[32];
    snprintf(name, sizeof name, "x%d.mkv", k);
    ch_proc p;
    const char *args[] = {"-i",        g_clip,         "-an",     "-c:v",      "libx264",
                          "-crf",      cases[k][0],    "-preset", cases[k][1], "-threads",
                          cases[k][2], out_path(name), NULL};
    run_ok(&p, args);
    ch_free(&p);
    size[k] = tm_file_size(out_path(name));
    x264_setting(out_path(name), "crf", crf[k], sizeof crf[k]);
    x264_setting(out_path(name), "subme", subme[k], sizeof subme[k]);
    x264_setting(out_path(name), "threads", threads[k], sizeof threads[k]);
  }
  if (size[0] < size[1] * 2)
    fail_msg("-crf 18 gave %lld bytes, -crf 40 %lld", (long long)size[0], (long long)size[1]);
  assert_string_equal(crf[0], "18.0");
  assert_string_equal(crf[1], "40.0");
  assert_string_equal(subme[0], "0");
  assert_string_equal(subme[2], "7");
  assert_string_equal(threads[0], "1");
  assert_string_equal(threads[2], "3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_trace_and_stats),  cmocka_unit_test(t_profile),
      cmocka_unit_test(t_stdin_to_stdout),  cmocka_unit_test(t_gop),
      cmocka_unit_test(t_bframes_and_tune), cmocka_unit_test(t_faststart),
      cmocka_unit_test(t_audio_bitrate),    cmocka_unit_test(t_sample_fmt),
      cmocka_unit_test(t_audio_quality),    cmocka_unit_test(t_crf_preset_threads),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
