/* CLI integration tests of several inputs in one run: merges, -map N:SPEC, per-input options,
 * errors naming the map or the file, compared with ffmpeg's output when it is installed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_vid[700];   /* 320x240 mpeg4, no audio, 2 s (no B-frames: exact framemd5) */
static char g_aud[700];   /* stereo AAC m4a, 3 s */
static char g_av[700];    /* 160x120 mpeg4 + mono AAC, 2 s */
static char g_short[700]; /* stereo AAC m4a, 0.5 s */
static char g_ffmpeg[600];
static bool g_have_ffmpeg;

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-inputs") < 0) return -1;
  if (tm_gen_simple(g_vid, sizeof g_vid, g_dir, "vid.mp4", "mpeg4", NULL, 320, 240, 2.0, 0, 0) < 0)
    return -1;
  if (tm_gen_simple(g_aud, sizeof g_aud, g_dir, "aud.m4a", NULL, "aac", 0, 0, 3.0, 2, 48000) < 0)
    return -1;
  if (tm_gen_simple(g_short, sizeof g_short, g_dir, "short.m4a", NULL, "aac", 0, 0, 0.5, 2, 48000) <
      0)
    return -1;
  if (tm_gen_simple(g_av, sizeof g_av, g_dir, "av.mp4", "mpeg4", "aac", 160, 120, 2.0, 1, 44100) <
      0)
    return -1;
  g_have_ffmpeg = tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static const char *out_path(const char *name) {
  return ch_path(g_dir, name);
}

/* isopipe args must exit 0 and write out, which decodes without error. */
static void run_ok(const char *const *args, const char *out, tm_probe *pr) {
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, args, 60), 0);
  ch_free(&p);
  assert_int_equal(tm_probe_file(out, true, pr), 0);
  assert_int_equal(pr->decode_errors, 0);
}

/* isopipe ARGS OUT must exit 0; with ffmpeg installed, ffmpeg ARGS REF too
 * and both outputs give the same framemd5 (of their packets when copy,
 * else of the decoded frames). */
static void run_and_compare(const char *const *args, const char *name, bool copy) {
  const char *argv[CH_MAX_ARGS], *fargv[CH_MAX_ARGS];
  int n = 0;
  for (; args[n]; n++)
    argv[n] = fargv[n] = args[n];
  char out[700], ref[700];
  snprintf(out, sizeof out, "%s", out_path(name));
  snprintf(ref, sizeof ref, "%s/ref_%s", g_dir, name);
  argv[n] = "-y", fargv[n] = "-y";
  argv[n + 1] = out, fargv[n + 1] = ref;
  argv[n + 2] = fargv[n + 2] = NULL;
  tm_probe pr;
  run_ok(argv, out, &pr);
  if (!g_have_ffmpeg) return;
  assert_int_equal(tm_run_ffmpeg(fargv), 0);
  char mo[760], mr[760], why[600];
  snprintf(mo, sizeof mo, "%s.md5", out);
  snprintf(mr, sizeof mr, "%s.md5", ref);
  const char *a1[] = {"-i", out, "-c", "copy", "-f", "framemd5", mo, NULL};
  const char *a2[] = {"-i", ref, "-c", "copy", "-f", "framemd5", mr, NULL};
  if (!copy) a1[2] = a2[2] = "-map", a1[3] = a2[3] = "0";
  assert_int_equal(tm_run_ffmpeg(a1), 0);
  assert_int_equal(tm_run_ffmpeg(a2), 0);
  int lines = 0;
  if (!tm_framemd5_equal(mo, mr, &lines, why, sizeof why))
    fail_msg("%s differs from ffmpeg's: %s", name, why);
  assert_true(lines > 50);
}

/* yt-dlp's merge: the video of one file, the audio of another, copied. */
static void test_merge_copy(void **state) {
  (void)state;
  const char *args[] = {"-v",   "error", "-i",    g_vid,  "-i",    g_aud, "-c",
                        "copy", "-map",  "0:v:0", "-map", "1:a:0", NULL};
  run_and_compare(args, "merge.mkv", true);
  tm_probe pr;
  assert_int_equal(tm_probe_file(out_path("merge.mkv"), false, &pr), 0);
  assert_int_equal(pr.nb_streams, 2);
  assert_non_null(tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO));
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO)->channels, 2);
}

/* The same with the audio encoded: decoded frames as ffmpeg's. */
static void test_merge_encode_audio(void **state) {
  (void)state;
  const char *args[] = {"-v",   "error", "-i",   g_vid,   "-i",   g_aud,   "-c:v", "copy",
                        "-c:a", "aac",   "-map", "0:v:0", "-map", "1:a:0", NULL};
  run_and_compare(args, "merge_aac.mkv", false);
}

/* Input options before the second -i: its offset, its window (input -ss
 * and -t), in copies and in encodes: ffmpeg's framemd5. */
static void test_input_options(void **state) {
  (void)state;
  const char *offset[] = {"-v",   "error", "-i",   g_vid, "-itsoffset", "0.5",  "-i", g_aud,
                          "-map", "0:v",   "-map", "1:a", "-c",         "copy", NULL};
  run_and_compare(offset, "offset.mkv", true);
  const char *window[] = {"-v",   "error", "-i",   g_vid,  "-ss", "1",    "-t",
                          "1.5",  "-i",    g_aud,  "-map", "0:v", "-map", "1:a",
                          "-c:v", "copy",  "-c:a", "aac",  NULL};
  run_and_compare(window, "window.mkv", false);
  const char *seek_copy[] = {"-v",   "error", "-i",   g_vid, "-ss", "1",    "-i", g_aud,
                             "-map", "0:v",   "-map", "1:a", "-c",  "copy", NULL};
  run_and_compare(seek_copy, "seek.mkv", true);
  /* An output -ss is no seek for a decoded stream: an HLS segment whose
   * only keyframe is at 0 keeps its video (a seek lost it whole, exit 0). */
  char seg[700];
  if (tm_corpus_file("video/sd-hls0000000000.ts", seg, sizeof seg)) {
    const char *oss[] = {"-v", "error", "-y",    "-i", seg,     "-ss",  "0.3", "-t",
                         "1",  "-c:v",  "mpeg4", "-s", "64x48", "-c:a", "aac", out_path("oss.mkv"),
                         NULL};
    tm_probe po;
    run_ok(oss, out_path("oss.mkv"), &po);
    const tm_stream *v = tm_probe_stream(&po, AVMEDIA_TYPE_VIDEO);
    if (!v || v->packets < 20)
      fail_msg("-ss 0.3 -t 1 of the HLS segment: %lld video packets (ffmpeg 23)",
               v ? (long long)v->packets : 0LL);
  } else {
    printf("skipped: no corpus (video/sd-hls0000000000.ts) for the output -ss case\n");
  }
  /* -c before -i names the input's decoder, not the output's codec. */
  const char *dec[] = {"-v", "error", "-y", "-acodec", "aac", "-i", g_aud, out_path("dec.wav"),
                       NULL};
  tm_probe pr;
  run_ok(dec, out_path("dec.wav"), &pr);
  const tm_stream *a = tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO);
  assert_non_null(a);
  if (strcmp(a->codec, "pcm_s16le")) fail_msg("-acodec aac -i x.m4a out.wav wrote %s", a->codec);
  const char *wrong[] = {"-v", "error", "-y", "-c:a", "mp3", "-i", g_aud, out_path("dec2.wav"),
                         NULL};
  ch_proc p;
  CH_EXPECT_EXIT(&p, ch_run(&p, wrong, 60), 1);
  assert_non_null(strstr(ch_str(&p.err), "decoder 'mp3' cannot decode aac"));
  ch_free(&p);
}

/* -shortest: the 3 s audio ends with the 2 s video, as ffmpeg's output. */
static void test_shortest(void **state) {
  (void)state;
  const char *modes[2][4] = {{"-c", "copy", NULL, NULL}, {"-c:v", "copy", "-c:a", "aac"}};
  for (int i = 0; i < 2; i++) {
    const char *out = out_path(i ? "short_aac.mkv" : "short.mkv");
    const char *args[CH_MAX_ARGS] = {"-v",   "error", "-y",   "-i",  g_vid,       "-i", g_aud,
                                     "-map", "0:v",   "-map", "1:a", "-shortest", NULL};
    int n = 12;
    for (int k = 0; k < 4 && modes[i][k]; k++)
      args[n++] = modes[i][k];
    args[n++] = out;
    args[n] = NULL;
    tm_probe pr;
    run_ok(args, out, &pr);
    if (pr.duration > 2.2) fail_msg("%s: %.3f s, wanted the video's 2 s", out, pr.duration);
    if (!g_have_ffmpeg) continue;
    char ref[700];
    snprintf(ref, sizeof ref, "%s/ref_%s", g_dir, i ? "short_aac.mkv" : "short.mkv");
    args[n - 1] = ref;
    assert_int_equal(tm_run_ffmpeg(args), 0);
    tm_probe fr;
    assert_int_equal(tm_probe_file(ref, true, &fr), 0);
    const tm_stream *a = tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO);
    const tm_stream *b = tm_probe_stream(&fr, AVMEDIA_TYPE_AUDIO);
    if (fabs(pr.duration - fr.duration) > 0.05 || llabs(a->frames - b->frames) > 2)
      fail_msg("%s: %.3f s, %lld audio packets; ffmpeg %.3f s, %lld", out, pr.duration,
               (long long)a->frames, fr.duration, (long long)b->frames);
  }
}

/* -apad: with -shortest (before it: "-apad -shortest" makes -shortest
 * apad's argument, in ffmpeg too) the 0.5 s audio is padded to the 2 s
 * video's end; without -shortest it is left as it is. */
static void test_apad(void **state) {
  (void)state;
  static const char *const tails[3][4] = {{"-shortest", "-apad", "", "padded"},
                                          {"-apad", "-shortest", NULL, "apad eats -shortest"},
                                          {"-apad", "", NULL, "no -shortest"}};
  for (int i = 0; i < 3; i++) {
    char name[32];
    snprintf(name, sizeof name, "apad%d.mkv", i);
    const char *out = out_path(name);
    const char *args[CH_MAX_ARGS] = {"-v",  "error", "-y",  "-i",   g_vid,  "-i",   g_short, "-map",
                                     "0:v", "-map",  "1:a", "-c:v", "copy", "-c:a", "aac"};
    int n = 15;
    for (int k = 0; k < 3 && tails[i][k]; k++)
      args[n++] = tails[i][k];
    args[n++] = out;
    args[n] = NULL;
    tm_probe pr;
    run_ok(args, out, &pr);
    const tm_stream *a = tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO);
    assert_non_null(a);
    /* 48 kHz AAC: 1024 samples a frame. */
    double secs = a->frames * 1024 / 48000.0;
    if (i == 0 ? secs < 1.9 : secs > 0.7)
      fail_msg("%s: audio %.3f s (%lld frames)", tails[i][3], secs, (long long)a->frames);
    if (!g_have_ffmpeg) continue;
    char ref[700];
    snprintf(ref, sizeof ref, "%s/ref_%s", g_dir, name);
    args[n - 1] = ref;
    assert_int_equal(tm_run_ffmpeg(args), 0);
    tm_probe fr;
    assert_int_equal(tm_probe_file(ref, true, &fr), 0);
    const tm_stream *b = tm_probe_stream(&fr, AVMEDIA_TYPE_AUDIO);
    if (llabs(a->frames - b->frames) > 3)
      fail_msg("%s: %lld audio frames; ffmpeg %lld", tails[i][3], (long long)a->frames,
               (long long)b->frames);
  }
}

/* A concat list of pictures of three sizes (a slideshow maker's line):
 * with -reinit_filter 0 the frames go into one graph as they are, and its
 * fps filter keeps its state across them (30 frames, as ffmpeg); by
 * default the graph is rebuilt at each size and fps starts again (10). */
static void test_reinit_filter(void **state) {
  (void)state;
  static const char *const sizes[] = {"320x240", "200x300", "640x360"};
  char list[700], pic[3][700];
  for (int i = 0; i < 3; i++) {
    char name[16];
    snprintf(name, sizeof name, "pic%d.png", i);
    snprintf(pic[i], sizeof pic[i], "%s", out_path(name));
    const char *a[] = {"-v", "error", "-y",     "-i",   g_vid, "-frames:v",
                       "1",  "-s",    sizes[i], pic[i], NULL};
    tm_probe pr;
    run_ok(a, pic[i], &pr);
  }
  snprintf(list, sizeof list, "%s", out_path("pics.txt"));
  FILE *f = fopen(list, "w");
  assert_non_null(f);
  fprintf(f, "file '%s'\nduration 1\nfile '%s'\nduration 1\nfile '%s'\nduration 1\nfile '%s'\n",
          pic[0], pic[1], pic[2], pic[2]);
  fclose(f);
  int64_t got[2];
  for (int r = 0; r < 2; r++) {
    char name[32];
    snprintf(name, sizeof name, "reinit%d.mp4", r);
    const char *out = out_path(name);
    const char *args[] = {"-v",
                          "error",
                          "-y",
                          "-reinit_filter",
                          r ? "1" : "0",
                          "-f",
                          "concat",
                          "-safe",
                          "0",
                          "-i",
                          list,
                          "-vf",
                          "fps=10,scale=320:240:force_original_aspect_ratio=decrease,pad=320:240:"
                          "(ow-iw)/2:(oh-ih)/2,format=yuv420p",
                          "-c:v",
                          "mpeg4",
                          out,
                          NULL};
    tm_probe pr;
    run_ok(args, out, &pr);
    got[r] = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->frames;
    if (!g_have_ffmpeg) continue;
    char ref[700];
    snprintf(ref, sizeof ref, "%s/ref_%s", g_dir, name);
    const char *fargs[CH_MAX_ARGS];
    int n = 0;
    for (; args[n]; n++)
      fargs[n] = args[n];
    fargs[n - 1] = ref;
    fargs[n] = NULL;
    assert_int_equal(tm_run_ffmpeg(fargs), 0);
    tm_probe fr;
    assert_int_equal(tm_probe_file(ref, true, &fr), 0);
    if (got[r] != tm_probe_stream(&fr, AVMEDIA_TYPE_VIDEO)->frames)
      fail_msg("-reinit_filter %d: %lld frames, ffmpeg %lld", r, (long long)got[r],
               (long long)tm_probe_stream(&fr, AVMEDIA_TYPE_VIDEO)->frames);
  }
  if (got[0] <= got[1])
    fail_msg("-reinit_filter 0: %lld frames, default: %lld", (long long)got[0], (long long)got[1]);
}

/* One line on stderr naming what is wrong, a failing exit, no output. */
static void expect_error(const char *const *args, const char *out, const char *w1, const char *w2) {
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  const char *err = ch_str(&p.err);
  if (rc == 0 || !strstr(err, w1) || (w2 && !strstr(err, w2)))
    fail_msg("exit %d, stderr '%s' (wanted an error with '%s'%s%s)", rc, err, w1, w2 ? ", " : "",
             w2 ? w2 : "");
  ch_free(&p);
  assert_false(tm_file_exists(out));
}

/* Global tags and chapters (with their titles) as text. */
static void meta_text(const char *path, char *out, size_t len) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  size_t n = 0;
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(ic->metadata, "", e, AV_DICT_IGNORE_SUFFIX)) && n < len)
    n += (size_t)snprintf(out + n, len - n, "%s=%s\n", e->key, e->value);
  for (unsigned c = 0; c < ic->nb_chapters && n < len; c++) {
    const AVDictionaryEntry *t = av_dict_get(ic->chapters[c]->metadata, "title", NULL, 0);
    n += (size_t)snprintf(out + n, len - n, "chapter %u %s\n", c, t ? t->value : "");
  }
  avformat_close_input(&ic);
}

/* -map_metadata N and -map_chapters N take another input's tags and
 * chapters (an FFMETADATA file, as in the FFmpeg wiki); an index past the
 * inputs is an error naming the option. */
static void test_map_metadata(void **state) {
  (void)state;
  char meta[700];
  snprintf(meta, sizeof meta, "%s/meta.txt", g_dir);
  FILE *fp = fopen(meta, "w");
  assert_non_null(fp);
  fputs(";FFMETADATA1\ntitle=From Meta\nartist=Someone\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\n"
        "END=1000\ntitle=One\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=Two\n",
        fp);
  fclose(fp);
  const char *out = out_path("meta.mkv"), *ref = out_path("ref_meta.mkv");
  const char *args[] = {
      "-v",   "error", "-y",   "-i",  g_vid,           "-i", g_aud,           "-i", meta,
      "-map", "0:v",   "-map", "1:a", "-map_metadata", "2",  "-map_chapters", "2",  "-c",
      "copy", out,     NULL};
  tm_probe pr;
  run_ok(args, out, &pr);
  char a[2048], b[2048];
  meta_text(out, a, sizeof a);
  if (!strstr(a, "title=From Meta") || !strstr(a, "chapter 1 Two"))
    fail_msg("tags and chapters of input #2 missing:\n%s", a);
  if (g_have_ffmpeg) {
    args[19] = ref;
    assert_int_equal(tm_run_ffmpeg(args), 0);
    meta_text(ref, b, sizeof b);
    if (strcmp(a, b)) fail_msg("metadata:\n%s-- ffmpeg:\n%s", a, b);
  }
  const char *bad[] = {"-v", "error", "-y", "-i", g_vid, "-map_metadata", "1", out_path("m2.mkv"),
                       NULL};
  expect_error(bad, out_path("m2.mkv"), "map_metadata '1'", "no input #1");
}

/* No -map: the biggest video and the audio with the most channels of all
 * inputs (stereo from the second file over the first's mono). */
static void test_auto_selection(void **state) {
  (void)state;
  const char *out = out_path("auto.mkv");
  const char *args[] = {"-v", "error", "-y", "-i", g_av, "-i", g_vid, "-i", g_aud, out, NULL};
  tm_probe pr;
  run_ok(args, out, &pr);
  assert_int_equal(pr.nb_streams, 2);
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO)->width, 320);
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO)->channels, 2);
}

/* -an/-vn before an -i leave that input's streams of the kind out, not
 * other inputs': the automatic choice takes the others' (ffmpeg's result,
 * framemd5), and a -map of a left-out stream fails naming the map. */
static void test_input_kind_off(void **state) {
  (void)state;
  const char *a1[] = {"-an", "-i", g_av, "-i", g_aud, "-t", "1", NULL};
  run_and_compare(a1, "an0.mkv", false);
  const char *a2[] = {"-i", g_av, "-vn", "-i", g_vid, "-t", "1", NULL};
  run_and_compare(a2, "vn1.mkv", false);
  tm_probe pr;
  const char *out = out_path("an0.mkv");
  assert_int_equal(tm_probe_file(out, true, &pr), 0);
  assert_int_equal(tm_probe_stream(&pr, AVMEDIA_TYPE_AUDIO)->channels, 2); /* g_aud's */
  out = out_path("vnmap.mkv");
  const char *bad[] = {"-v", "error", "-y", "-vn", "-i", g_av, "-map", "0:v", out, NULL};
  expect_error(bad, out, "map '0:v'", "left out");
}

static void test_errors(void **state) {
  (void)state;
  const char *out = out_path("err.mkv");
  const char *bad_index[] = {"-v",   "error", "-y",   "-i",  g_vid, "-i", g_aud,
                             "-map", "0:v",   "-map", "2:a", out,   NULL};
  expect_error(bad_index, out, "map '2:a'", "no input #2");
  char missing[700];
  snprintf(missing, sizeof missing, "%s/absent.m4a", g_dir);
  const char *no_file[] = {"-v", "error", "-y", "-i", g_vid, "-i", missing, out, NULL};
  expect_error(no_file, out, missing, "demux#1");
  const char *no_match[] = {"-v",   "error", "-y",   "-i",  g_vid, "-i", g_aud,
                            "-map", "0:v",   "-map", "1:v", out,   NULL};
  expect_error(no_match, out, "map '1:v'", "aud.m4a");
  /* The output may be no input, whichever -i names it. */
  const char *overwrite_input[] = {"-v", "error", "-y", "-i", g_vid, "-i", g_aud, g_aud, NULL};
  ch_proc p;
  int rc = ch_run(&p, overwrite_input, 60);
  if (rc != 2) fail_msg("writing over input #1: exit %d, %s", rc, ch_str(&p.err));
  ch_free(&p);
  tm_probe pr;
  assert_int_equal(tm_probe_file(g_aud, true, &pr), 0);
}

/* '?' on a map of a further input that matches nothing: no error; every
 * demux is a stage of its own in --stats. */
static void test_optional_map_and_stats(void **state) {
  (void)state;
  const char *out = out_path("opt.mkv"), *stats = out_path("opt.json");
  const char *args[] = {"-v",   "error", "-y",      "-i",   g_vid,  "-i",  g_aud,
                        "-map", "0:v",   "-map",    "1:v?", "-map", "1:a", "-c",
                        "copy", out,     "--stats", stats,  NULL};
  tm_probe pr;
  run_ok(args, out, &pr);
  assert_int_equal(pr.nb_streams, 2);
  FILE *f = fopen(stats, "r");
  assert_non_null(f);
  char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  assert_non_null(strstr(buf, "\"demux\""));
  assert_non_null(strstr(buf, "\"demux#1\""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_merge_copy),     cmocka_unit_test(test_merge_encode_audio),
      cmocka_unit_test(test_input_options),  cmocka_unit_test(test_shortest),
      cmocka_unit_test(test_apad),           cmocka_unit_test(test_reinit_filter),
      cmocka_unit_test(test_auto_selection), cmocka_unit_test(test_map_metadata),
      cmocka_unit_test(test_errors),         cmocka_unit_test(test_optional_map_and_stats),
      cmocka_unit_test(test_input_kind_off),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
