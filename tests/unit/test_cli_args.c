/* Unit tests of the CLI option parser: ffmpeg-style options, pass-through, usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libavutil/cpu.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_args.h"

#define ARGV(...)                                                                                  \
  char *argv[] = {"isopipe", __VA_ARGS__};                                                         \
  int argc = (int)(sizeof argv / sizeof argv[0])
#define ARGV2(...)                                                                                 \
  char *argv2[] = {"isopipe", __VA_ARGS__};                                                        \
  int argc2 = (int)(sizeof argv2 / sizeof argv2[0])

static char err[512];

/* The value of the n-th setting for key (0 = first), or NULL. */
static const char *nth(const cli_opts *o, const char *key, int n) {
  for (size_t i = 0; i < o->nkv; i++)
    if (strcmp(o->kv[i].key, key) == 0 && n-- == 0) return o->kv[i].value;
  return NULL;
}

static void test_basic_transcode(void **state) {
  (void)state;
  ARGV("-y", "-i", "in.mkv", "-c:v", "libx264", "-crf", "23", "-preset", "veryfast", "-c:a", "aac",
       "-b:a", "128k", "-s", "hd720", "-ss", "1:02.5", "-t", "10", "out.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_int_equal(o.action, CLI_RUN);
  assert_string_equal(o.input, "in.mkv");
  assert_string_equal(o.output, "out.mp4");
  assert_int_equal(o.overwrite, 1);
  assert_string_equal(cli_opts_get(&o, "c:v"), "libx264");
  assert_string_equal(cli_opts_get(&o, "crf"), "23");
  assert_string_equal(cli_opts_get(&o, "preset"), "veryfast");
  assert_string_equal(cli_opts_get(&o, "c:a"), "aac");
  assert_string_equal(cli_opts_get(&o, "b:a"), "128000"); /* normalised */
  assert_string_equal(cli_opts_get(&o, "s"), "1280x720");
  assert_string_equal(cli_opts_get(&o, "ss"), "62.500000");
  assert_string_equal(cli_opts_get(&o, "t"), "10.000000");
  assert_int_equal(o.loglevel, 32);
  assert_int_equal(o.stats, -1);
  assert_float_equal(o.stats_period, 1.0, 1e-9);
  cli_opts_free(&o);
}

/* Several outputs: the options before each path are that output's, marked
 * in the one ordered list by a CLI_OUTPUT_KEY entry in front of them; one
 * after the last output is nobody's (ffmpeg ignores it). */
static void test_several_outputs(void **state) {
  (void)state;
  ARGV("-y", "-ss", "1", "-i", "in.mkv", "-s", "1280x720", "-c:v", "libx264", "a.mp4", "-s",
       "854x480", "b.mp4", "-c", "copy", "c.mkv", "-an");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(o.output, "a.mp4");
  const char *want[][2] = {
      {"ss", "1.000000"}, {"s", "1280x720"},         {"c:v", "libx264"}, {CLI_OUTPUT_KEY, "b.mp4"},
      {"s", "854x480"},   {CLI_OUTPUT_KEY, "c.mkv"}, {"c", "copy"}};
  assert_int_equal(o.nkv, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < o.nkv; i++) {
    assert_string_equal(o.kv[i].key, want[i][0]);
    assert_string_equal(o.kv[i].value, want[i][1]);
  }
  assert_string_equal(o.trailing, "-an");
  cli_opts_free(&o);
}

static void test_aliases_and_flags(void **state) {
  (void)state;
  ARGV("-f", "matroska", "-i", "-", "-c", "copy", "-vcodec", "mpeg4", "-an", "-vn", "-sn", "-map",
       "0:v:0", "-map", "0:a:1", "-metadata", "title=Hello", "-f", "mp4", "-r", "ntsc", "-g", "48",
       "-threads", "auto", "-vf", "scale=640:-2,fps=25", "-pix_fmt", "yuv420p", "-ar", "44100",
       "-ac", "2", "-sample_fmt", "fltp", "-b:v", "2M", "-to", "5", "-");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(o.input, "-");
  assert_string_equal(o.output, "-");
  assert_int_equal(o.overwrite, 0);
  assert_string_equal(nth(&o, "input_format", 0), "matroska"); /* -f before -i */
  assert_string_equal(nth(&o, "f", 0), "mp4");                 /* -f after -i */
  assert_string_equal(nth(&o, "c", 0), "copy");                /* -c: every stream's */
  assert_string_equal(nth(&o, "c:v", 0), "mpeg4"); /* later one wins, applied in order */
  assert_string_equal(cli_opts_get(&o, "c:v"), "mpeg4");
  assert_string_equal(cli_opts_get(&o, "an"), "1");
  assert_string_equal(cli_opts_get(&o, "vn"), "1");
  assert_string_equal(cli_opts_get(&o, "sn"), "1");
  assert_string_equal(nth(&o, "map", 0), "0:v:0");
  assert_string_equal(nth(&o, "map", 1), "0:a:1");
  assert_string_equal(cli_opts_get(&o, "metadata"), "title=Hello");
  assert_string_equal(cli_opts_get(&o, "r"), "30000/1001"); /* a named rate stays exact */
  assert_string_equal(cli_opts_get(&o, "g"), "48");
  assert_string_equal(cli_opts_get(&o, "threads"), "0");
  assert_string_equal(cli_opts_get(&o, "vf"), "scale=640:-2,fps=25");
  assert_string_equal(cli_opts_get(&o, "b:v"), "2000000");
  assert_string_equal(cli_opts_get(&o, "to"), "5.000000");
  cli_opts_free(&o);
}

static void test_cli_own_options(void **state) {
  (void)state;
  ARGV("-hide_banner", "-nostdin", "-loglevel", "repeat+verbose", "-stats_period", "0.5",
       "-progress", "pipe:1", "--queue", "4", "--inline", "--stats", "s.json", "--trace=t.json.gz",
       "--profile", "-nostats", "-y", "-n", "-i", "a.wav", "b.flac");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_int_equal(o.hide_banner, 1);
  assert_int_equal(o.nostdin, 1);
  assert_int_equal(o.loglevel, 40);
  assert_float_equal(o.stats_period, 0.5, 1e-9);
  assert_string_equal(o.progress_url, "pipe:1");
  assert_string_equal(cli_opts_get(&o, "queue"), "4");
  assert_int_equal(o.inline_mode, 1);
  assert_string_equal(o.stats_path, "s.json");
  assert_string_equal(o.trace_path, "t.json.gz");
  assert_int_equal(o.profile, 1);
  assert_int_equal(o.stats, 0);
  assert_int_equal(o.overwrite, 0); /* the last of -y / -n wins */
  cli_opts_free(&o);
}

static void test_passthrough(void **state) {
  (void)state;
  ARGV("-i", "in.mp4", "-tune", "film", "-x264-params", "keyint=60:bframes=2", "-movflags",
       "+faststart", "-bf", "-1", "out.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "tune"), "film");
  assert_string_equal(cli_opts_get(&o, "x264-params"), "keyint=60:bframes=2");
  assert_string_equal(cli_opts_get(&o, "movflags"), "+faststart");
  assert_string_equal(cli_opts_get(&o, "bf"), "-1"); /* a negative value is not an option */
  assert_string_equal(o.output, "out.mp4");
  cli_opts_free(&o);
}

static void test_help_version(void **state) {
  (void)state;
  {
    ARGV("--help");
    cli_opts o;
    assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
    assert_int_equal(o.action, CLI_HELP);
    cli_opts_free(&o);
  }
  {
    ARGV("-version");
    cli_opts o;
    assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
    assert_int_equal(o.action, CLI_VERSION);
    cli_opts_free(&o);
  }
}

/* ffmpeg's arity: flags never take the next argument, specifiers in full,
 * maps with a leading '-' or a trailing '?' are values. */
/* The kv of key written before input #k, or NULL. */
static const cli_kv *input_kv(const cli_opts *o, const char *key, int k) {
  for (size_t i = 0; i < o->nkv; i++)
    if (o->kv[i].input == k && !strcmp(o->kv[i].key, key)) return &o->kv[i];
  return NULL;
}

/* Several -i, as ffmpeg reads them: the options before each -i are that
 * input's (-f its format, an AVOption its demuxer's), those after the last
 * one the output's. */
static void test_several_inputs(void **state) {
  (void)state;
  ARGV("-ss", "1", "-i", "v.mp4", "-itsoffset", "0.5", "-f", "mp3", "-probesize", "32k", "-t", "2",
       "-i", "a.bin", "-c", "copy", "-map", "0:v:0", "-map", "1:a:0", "-shortest", "-f", "matroska",
       "out.mkv");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(o.input, "v.mp4");
  assert_int_equal(o.ninputs, 2);
  assert_string_equal(o.more_in[1], "a.bin");
  assert_true(input_kv(&o, "ss", 0) && input_kv(&o, "ss", 0)->before_input);
  assert_string_equal(input_kv(&o, "itsoffset", 1)->value, "0.500000");
  assert_string_equal(input_kv(&o, "input_format", 1)->value, "mp3");
  assert_string_equal(input_kv(&o, "in:probesize", 1)->value, "32k");
  assert_string_equal(input_kv(&o, "t", 1)->value, "2.000000");
  assert_false(input_kv(&o, "t", 1)->before_input);
  assert_string_equal(input_kv(&o, "f", 0)->value, "matroska"); /* the output's */
  assert_false(input_kv(&o, "f", 0)->before_input);
  assert_string_equal(nth(&o, "map", 1), "1:a:0");
  assert_string_equal(cli_opts_get(&o, "shortest"), "1");
  cli_opts_free(&o);
}

/* Before -i, -s, -pix_fmt, -ar and -ac describe a raw input to its demuxer
 * (ch_layout only where the -f format has it), for the first input and a
 * further one; after -i they stay the output's. */
static void test_raw_input_options(void **state) {
  (void)state;
  ARGV("-f", "rawvideo", "-s", "320x240", "-pix_fmt", "rgb24", "-i", "frames.raw", "-f", "s16le",
       "-ar", "22050", "-ac", "2", "-i", "pcm.raw", "-s", "160x120", "-ar", "8000", "out.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(input_kv(&o, "in:video_size", 0)->value, "320x240");
  assert_string_equal(input_kv(&o, "in:pixel_format", 0)->value, "rgb24");
  assert_string_equal(input_kv(&o, "in:sample_rate", 1)->value, "22050");
  assert_string_equal(input_kv(&o, "in:ch_layout", 1)->value, "2C");
  assert_string_equal(cli_opts_get(&o, "s"), "160x120");
  assert_string_equal(cli_opts_get(&o, "ar"), "8000");
  cli_opts_free(&o);
}

/* Per-file options after the last output belong to no file: left out with
 * their words kept for the warning, as ffmpeg; global ones still count. */
static void test_trailing(void **state) {
  (void)state;
  ARGV("-i", "in.mp4", "-c:v", "libx264", "a.mp4", "-b:v", "1M", "b.mp4", "-var_stream_map", "v:0",
       "-s", "64x48", "-copyts");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "b:v"), "1000000"); /* b.mp4's */
  assert_null(cli_opts_get(&o, "var_stream_map"));
  assert_null(cli_opts_get(&o, "s"));
  assert_string_equal(cli_opts_get(&o, "copyts"), "1");
  assert_string_equal(o.trailing, "-var_stream_map v:0 -s 64x48");
  cli_opts_free(&o);
  ARGV2("-i", "in.mp4", "out.mp4");
  assert_int_equal(cli_args_parse(argc2, argv2, &o, err, sizeof err), 0);
  assert_null(o.trailing);
  cli_opts_free(&o);
}

/* -autorotate takes a value as ffmpeg 5.1's (HAS_ARG | OPT_BOOL): a number,
 * true unless 0; -noautorotate takes none. */
static void test_autorotate_value(void **state) {
  (void)state;
  const struct {
    const char *a, *b, *want;
  } cases[] = {{"-autorotate", "0", "0"}, {"-autorotate", "7", "1"}, {"-noautorotate", NULL, "0"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *argv[7] = {"isopipe", (char *)cases[i].a};
    int argc = 2;
    if (cases[i].b) argv[argc++] = (char *)cases[i].b;
    argv[argc++] = "-i";
    argv[argc++] = "in.mp4";
    argv[argc++] = "out.mp4";
    cli_opts o;
    assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
    assert_string_equal(cli_opts_get(&o, "autorotate"), cases[i].want);
    assert_null(o.trailing);
    cli_opts_free(&o);
  }
  ARGV("-autorotate", "-i", "in.mp4", "out.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 2);
  assert_non_null(strstr(err, "-autorotate"));
  cli_opts_free(&o);
}

/* A muxer option with :s and no index reaches every subtitle stream. */
static void test_subtitle_muxer_opts(void **state) {
  (void)state;
  ARGV("-i", "in.mkv", "-tag:s", "text", "-disposition:s", "forced", "out.mov");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "tag:s"), "text");
  assert_string_equal(cli_opts_get(&o, "disposition:s"), "forced");
  cli_opts_free(&o);
}

/* Values of any length are kept whole: a long graph or tag is never cut. */
static void test_long_values(void **state) {
  (void)state;
  static char graph[5000], tag[1200];
  size_t n = (size_t)snprintf(graph, sizeof graph, "scale=160:120");
  while (n + 6 < sizeof graph)
    n += (size_t)snprintf(graph + n, sizeof graph - n, ",null");
  memset(tag, 'x', sizeof tag - 1);
  memcpy(tag, "comment=", 8);
  ARGV("-i", "in.mp4", "-vf", graph, "-metadata", tag, "out.mkv");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "vf"), graph);
  assert_string_equal(cli_opts_get(&o, "metadata"), tag);
  cli_opts_free(&o);
}

/* -filter_script[:SPEC] and -filter_complex_script: a file's text is the
 * graph, under -filter's and -filter_complex's keys; a missing or empty
 * file is a usage error naming the option and the file. */
static void test_filter_scripts(void **state) {
  (void)state;
  char dir[] = "/tmp/cli-args-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char vf[64], fc[64], empty[64], none[64];
  snprintf(vf, sizeof vf, "%s/vf.txt", dir);
  snprintf(fc, sizeof fc, "%s/fc.txt", dir);
  snprintf(empty, sizeof empty, "%s/empty.txt", dir);
  snprintf(none, sizeof none, "%s/none.txt", dir);
  static char big[9000];
  size_t n = (size_t)snprintf(big, sizeof big, "scale=96:64");
  while (n + 6 < sizeof big)
    n += (size_t)snprintf(big + n, sizeof big - n, ",null");
  FILE *f = fopen(vf, "w");
  assert_non_null(f);
  fprintf(f, "%s\n", big);
  fclose(f);
  f = fopen(fc, "w");
  assert_non_null(f);
  fputs("[0:v]hflip[v];\n[0:a]volume=0.5[a]\n", f);
  fclose(f);
  f = fopen(empty, "w");
  assert_non_null(f);
  fputs(" \n", f);
  fclose(f);
  ARGV("-i", "in.mp4", "-filter_script:v", vf, "-filter_script", fc, "out.mkv");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  char want[9100];
  snprintf(want, sizeof want, "%s\n", big);
  assert_string_equal(cli_opts_get(&o, "vf"), want);
  assert_string_equal(cli_opts_get(&o, "filter"), "[0:v]hflip[v];\n[0:a]volume=0.5[a]\n");
  cli_opts_free(&o);
  ARGV2("-i", "in.mp4", "-filter_complex_script", fc, "-map", "[v]", "out.mkv");
  assert_int_equal(cli_args_parse(argc2, argv2, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "filter_complex"), "[0:v]hflip[v];\n[0:a]volume=0.5[a]\n");
  cli_opts_free(&o);
  const char *bad[] = {none, empty};
  for (int i = 0; i < 2; i++) {
    char *argv3[] = {"isopipe", "-i", "in.mp4", "-filter_complex_script", (char *)bad[i], "o.mkv"};
    assert_int_equal(cli_args_parse(6, argv3, &o, err, sizeof err), 2);
    assert_non_null(strstr(err, "-filter_complex_script"));
    assert_non_null(strstr(err, bad[i]));
    assert_non_null(strstr(err, i ? "holds no filter graph" : "No such file"));
    cli_opts_free(&o);
  }
  /* -filter (-vf, -af) and -filter_script on one output's chain: ffmpeg
   * stops; on two outputs each has its own. */
  char *both[] = {"isopipe", "-i", "in.mp4", "-af", "volume=2", "-filter_script", fc, "o.mkv"};
  assert_int_equal(cli_args_parse(8, both, &o, err, sizeof err), 2);
  assert_non_null(strstr(err, "options '-af' and '-filter_script' both set the audio chain"));
  cli_opts_free(&o);
  char *two[] = {"isopipe",          "-i", "in.mp4", "-vf", "hflip", "a.mkv",
                 "-filter_script:v", vf,   "b.mkv"};
  assert_int_equal(cli_args_parse(9, two, &o, err, sizeof err), 0);
  cli_opts_free(&o);
  unlink(vf);
  unlink(fc);
  unlink(empty);
  rmdir(dir);
}

static void test_grammar(void **state) {
  (void)state;
  ARGV("-y", "-hide_banner", "-nostdin", "-loglevel", "fatal", "-hwaccel", "none", "-framerate",
       "20", "-i", "in.mkv", "-c", "copy", "-map", "0", "-dn", "-sn", "-map", "-0:s", "-map",
       "0:a:0?", "-noautorotate", "-shortest", "-start_at_zero", "-ignore_unknown",
       "-codec:", "copy", "-codec:v:0", "libx264", "-profile:v:0", "high", "-x264opts:0",
       "keyint=50", "-c:s", "mov_text", "-metadata:s:a:0", "language=eng", "-metadata",
       "title=", "-ar", "16k", "-ac", "0", "-b:v", "0", "-crf", "30", "-aq", "2", "-vb", "1M",
       "-frames", "1", "-tag:v", "hvc1", "-bsf:a", "aac_adtstoasc", "-filter:v", "scale=2:2",
       "-map_metadata", "-1", "-max_muxing_queue_size", "1024", "-movflags", "+faststart",
       "-filter", "anull", "out.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_int_equal(o.loglevel, 8);
  assert_int_equal(o.overwrite, 1);
  assert_int_equal(o.nostdin, 1);
  assert_string_equal(cli_opts_get(&o, "in:framerate"), "20"); /* before -i: the input's */
  assert_string_equal(cli_opts_get(&o, "dn"), "1");
  assert_string_equal(cli_opts_get(&o, "sn"), "1");
  assert_string_equal(nth(&o, "map", 0), "0");
  assert_string_equal(nth(&o, "map", 1), "-0:s");
  assert_string_equal(nth(&o, "map", 2), "0:a:0?");
  assert_string_equal(nth(&o, "c", 1), "copy"); /* -codec: is -c */
  /* An index picks the file's stream at that place: "KEY@SPEC". */
  assert_null(cli_opts_get(&o, "c:v"));
  assert_string_equal(cli_opts_get(&o, "c:v@v:0"), "libx264");
  assert_null(cli_opts_get(&o, "c:a")); /* -c:s touches neither */
  assert_string_equal(cli_opts_get(&o, "c:s"), "mov_text");
  assert_string_equal(cli_opts_get(&o, "profile:v@v:0"), "high");
  assert_string_equal(cli_opts_get(&o, "x264opts@0"), "keyint=50");
  assert_string_equal(cli_opts_get(&o, "metadata:s:a:0"), "language=eng");
  assert_string_equal(cli_opts_get(&o, "metadata"), "title=");
  assert_string_equal(cli_opts_get(&o, "ar"), "16000");
  assert_string_equal(cli_opts_get(&o, "ac"), "0");
  assert_string_equal(nth(&o, "b:v", 0), "0");
  assert_string_equal(cli_opts_get(&o, "b:v"), "1000000");
  assert_string_equal(cli_opts_get(&o, "q:a"), "2");
  /* Without a type, every stream's: the pipeline reads "frames". */
  assert_string_equal(cli_opts_get(&o, "frames"), "1");
  assert_string_equal(cli_opts_get(&o, "tag:v"), "hvc1");
  assert_string_equal(cli_opts_get(&o, "bsf:a"), "aac_adtstoasc");
  assert_string_equal(cli_opts_get(&o, "vf"), "scale=2:2");
  /* -filter alone is every stream's chain: the pipeline's "filter". */
  assert_string_equal(cli_opts_get(&o, "filter"), "anull");
  assert_string_equal(cli_opts_get(&o, "map_metadata"), "-1");
  assert_string_equal(cli_opts_get(&o, "movflags"), "+faststart");
  assert_string_equal(cli_opts_get(&o, "shortest"), "1");
  assert_string_equal(cli_opts_get(&o, "start_at_zero"), "1");
  assert_true(o.nnotes >= 2); /* -ignore_unknown ...: said at -v verbose */
  assert_string_equal(o.output, "out.mp4");
  cli_opts_free(&o);
}

/* -loglevel is read first, wherever it is written. */
static void test_loglevel_first(void **state) {
  (void)state;
  ARGV("-bogus_opt", "1", "-v", "quiet", "-i", "a", "o.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 2);
  assert_int_equal(o.loglevel, -8);
  cli_opts_free(&o);
}

/* Parses argv expecting a usage error whose message contains want. */
static void expect_usage(int argc, char **argv, const char *want) {
  cli_opts o;
  err[0] = '\0';
  int rc = cli_args_parse(argc, argv, &o, err, sizeof err);
  if (rc != 2 || !strstr(err, want))
    fail_msg("expected exit 2 with '%s', got %d '%s'", want, rc, err);
  assert_null(strchr(err, '\n')); /* one line */
  cli_opts_free(&o);
}

#define USAGE(want, ...)                                                                           \
  do {                                                                                             \
    ARGV(__VA_ARGS__);                                                                             \
    expect_usage(argc, argv, want);                                                                \
  } while (0)

static void test_usage_errors(void **state) {
  (void)state;
  USAGE("no input file", "out.mp4");
  {
    /* Inputs and no output: ffmpeg describes the inputs and exits 1. */
    ARGV("-i", "in.mp4", "-i", "b.ts");
    cli_opts o;
    assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
    assert_int_equal(o.action, CLI_DESCRIBE);
    assert_int_equal(o.ninputs, 2);
    cli_opts_free(&o);
  }
  USAGE("too many inputs (at most 8)", "-i", "1", "-i", "2", "-i", "3", "-i", "4", "-i", "5", "-i",
        "6", "-i", "7", "-i", "8", "-i", "9", "o.mp4");
  USAGE("too many outputs (at most 8)", "-i", "a.mp4", "1.mp4", "2.mp4", "3.mp4", "4.mp4", "5.mp4",
        "6.mp4", "7.mp4", "8.mp4", "9.mp4");
  USAGE("'-i' needs a value", "-i");
  USAGE("'-crf' needs a value", "-i", "a.mp4", "o.mp4", "-crf");
  USAGE("invalid time '1:75' for -ss", "-i", "a", "-ss", "1:75", "o.mp4");
  USAGE("invalid time 'abc' for -t", "-i", "a", "-t", "abc", "o.mp4");
  USAGE("must not be negative", "-i", "a", "-to", "-3", "o.mp4");
  USAGE("invalid bit rate '2X' for -b:v", "-i", "a", "-b:v", "2X", "o.mp4");
  USAGE("invalid bit rate '-1' for -b:a", "-i", "a", "-b:a", "-1", "o.mp4");
  USAGE("invalid value 'fast' for -crf", "-i", "a", "-crf", "fast", "o.mp4");
  USAGE("invalid value '65' for -ac", "-i", "a", "-ac", "65", "o.mp4");
  USAGE("invalid value '0' for -ar", "-i", "a", "-ar", "0", "o.mp4");
  USAGE("invalid value 'x' for -g", "-i", "a", "-g", "x", "o.mp4");
  USAGE("invalid value 'many' for -threads", "-i", "a", "-threads", "many", "o.mp4");
  USAGE("invalid size '1280x' for -s", "-i", "a", "-s", "1280x", "o.mp4");
  USAGE("invalid rate '0' for -r", "-i", "a", "-r", "0", "o.mp4");
  USAGE("expected key=value", "-i", "a", "-metadata", "title", "o.mp4");
  USAGE("invalid log level 'loud'", "-loglevel", "loud", "-i", "a", "o.mp4");
  USAGE("invalid value '0' for --queue", "--queue", "0", "-i", "a", "o.mp4");
  USAGE("unknown option '--frobnicate'", "--frobnicate", "-i", "a", "o.mp4");
  USAGE("unknown option '-frobnicate'", "-i", "a", "o.mp4", "-frobnicate");
  USAGE("option '-movflags' needs a value", "-i", "a", "o.mp4", "-movflags");
  USAGE("unknown option '-mapp' (did you mean -map?)", "-i", "a", "-mapp", "0", "o.mp4");
  USAGE("unknown option '-map_metdata' (did you mean -map_metadata?)", "-i", "a", "-map_metdata",
        "-1", "o.mp4");
  USAGE("option '-copytb' is not supported by isopipe", "-i", "a", "-copytb", "1", "o.mp4");
  USAGE("option '-hwaccel cuda' is not supported", "-hwaccel", "cuda", "-i", "a", "o.mp4");
  USAGE("option '-an' takes no stream specifier", "-i", "a", "-an:v", "o.mp4");
  USAGE("option '-c:v:x'", "-i", "a", "-c:v:x", "copy", "o.mp4");
  USAGE("option '-b:p:1'", "-i", "a", "-b:p:1", "1M", "o.mp4");
  USAGE("option '-filter:0': give -filter:v or -filter:a", "-i", "a", "-filter:0", "null", "o.mp4");
  USAGE("unknown option '-frobnicate'", "-frobnicate", "-y", "-i", "a", "o.mp4");
  USAGE("unknown option '-%%'", "-%%", "1", "-i", "a", "o.mp4");
  USAGE("'--inline' takes no value", "--inline=1", "-i", "a", "o.mp4");
  USAGE("would both go to stdout", "-progress", "pipe:1", "-i", "a", "-f", "nut", "-");
  USAGE("invalid value '300' for --queue", "--queue", "300", "-i", "a", "o.mp4");
  USAGE("invalid time '0' for -stats_period", "-stats_period", "0", "-i", "a", "o.mp4");
}

static void test_loglevel_names(void **state) {
  (void)state;
  int l;
  assert_int_equal(cli_parse_loglevel("quiet", &l), 0);
  assert_int_equal(l, -8);
  assert_int_equal(cli_parse_loglevel("error", &l), 0);
  assert_int_equal(l, 16);
  assert_int_equal(cli_parse_loglevel("level+debug", &l), 0);
  assert_int_equal(l, 48);
  assert_int_equal(cli_parse_loglevel("24", &l), 0);
  assert_int_equal(l, 24);
  assert_int_equal(cli_parse_loglevel("99", &l), -1);
}

/* The checks made before anything is opened. */
static void test_output_checks(void **state) {
  (void)state;
  char dir[] = "/tmp/isopipe-cli-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char in[64], out[64], other[64];
  snprintf(in, sizeof in, "%s/in.mp4", dir);
  snprintf(out, sizeof out, "%s/out.mp4", dir);
  snprintf(other, sizeof other, "%s/./in.mp4", dir);
  FILE *f = fopen(in, "w");
  assert_non_null(f);
  fclose(f);
  char e[256];
  assert_int_equal(cli_check_output(in, out, 0, e, sizeof e), 0); /* does not exist yet */
  assert_int_equal(cli_check_output(in, in, 1, e, sizeof e), 2);  /* never over the input */
  assert_non_null(strstr(e, "is the input file"));
  assert_int_equal(cli_check_output(in, other, 1, e, sizeof e), 2);
  char url[80];
  snprintf(url, sizeof url, "file:%s", in);
  assert_int_equal(cli_check_output(in, url, 1, e, sizeof e), 2); /* file: URLs are paths */
  f = fopen(out, "w");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(cli_check_output(in, out, 0, e, sizeof e), 1); /* -n is the default */
  assert_non_null(strstr(e, "already exists (use -y to overwrite)"));
  assert_int_equal(cli_check_output(in, out, 1, e, sizeof e), 0);
  assert_int_equal(cli_check_output(in, dir, 1, e, sizeof e), 1);         /* a directory */
  assert_int_equal(cli_check_output(in, "/dev/null", 0, e, sizeof e), 0); /* no data to lose */
  assert_int_equal(cli_check_output("-", "-", 0, e, sizeof e), 0);        /* pipes */
  assert_int_equal(cli_check_output(in, "pipe:1", 0, e, sizeof e), 0);
  unlink(in);
  unlink(out);
  rmdir(dir);
}

/* ffmpeg 5.1's options isopipe cannot honour are refused with the reason,
 * never "unknown" (a program's line then says what to change); those that
 * only print diagnostics are accepted with a note. Each value is taken
 * with ffmpeg's arity: the word after a valued one is not the output. */
static void test_expert_refusals(void **state) {
  (void)state;
  USAGE("option '-autoscale' is not supported by isopipe: isopipe scales", "-i", "a", "-autoscale",
        "0", "o.mp4");
  USAGE("option '-enc_time_base:v' is not supported by isopipe", "-i", "a", "-enc_time_base:v",
        "-1", "o.mp4");
  USAGE("option '-time_base' is not supported by isopipe: isopipe's encoders", "-i", "a",
        "-time_base", "1:1000", "o.mp4");
  USAGE("option '-top' before -i", "-top", "1", "-i", "a", "o.mp4");
  USAGE("invalid value '0,10,2/20,29' for -rc_override: range 2", "-i", "a", "-rc_override",
        "0,10,2/20,29", "o.mp4");
  USAGE("invalid value 'x' for -rc_override:v", "-i", "a", "-rc_override:v", "x", "o.mp4");
  USAGE("invalid value '2' for -top", "-i", "a", "-top", "2", "o.mp4");
  USAGE("option '-dts_error_threshold' is not supported", "-dts_error_threshold", "1", "-i", "a",
        "o.mp4");
  USAGE("option '-fpsmax' is not supported", "-i", "a", "-fpsmax", "30", "o.mp4");
  USAGE("option '-force_fps' is not supported", "-i", "a", "-force_fps", "o.mp4");
  USAGE("option '-frame_drop_threshold' is not supported", "-frame_drop_threshold", "1", "-i", "a",
        "o.mp4");
  USAGE("option '-seek_timestamp' is not supported", "-seek_timestamp", "1", "-i", "a", "o.mp4");
  USAGE("option '-copypriorss' is not supported", "-i", "a", "-copypriorss", "1", "o.mp4");
  USAGE("option '-recast_media' is not supported", "-recast_media", "-i", "a", "o.mp4");
  USAGE("option '-psnr' is not supported", "-i", "a", "-psnr", "o.mp4");
  USAGE("option '-vstats' is not supported", "-i", "a", "-vstats", "o.mp4");
  USAGE("option '-vstats_file' is not supported", "-vstats_file", "v.log", "-i", "a", "o.mp4");
  USAGE("option '-sdp_file' is not supported", "-i", "a", "-sdp_file", "s.sdp", "o.mp4");
  USAGE("option '-stag' is not supported by isopipe: give -tag:s:N", "-i", "a", "-stag", "tx3g",
        "o.mp4");
  USAGE("option '-intra_matrix' is not supported", "-i", "a", "-intra_matrix", "8,8", "o.mp4");
  USAGE("option '-inter_matrix' is not supported", "-i", "a", "-inter_matrix", "8,8", "o.mp4");
  USAGE("option '-chroma_intra_matrix' is not supported", "-i", "a", "-chroma_intra_matrix", "8,8",
        "o.mp4");
  USAGE("option '-pre' is not supported", "-i", "a", "-pre", "x", "o.mp4");
  USAGE("option '-isync' is not supported", "-isync", "0", "-i", "a", "o.mp4");
  USAGE("option '-sources' is not supported", "-sources", "alsa", "-i", "a", "o.mp4");
  USAGE("option '-nofind_stream_info' is not supported", "-nofind_stream_info", "-i", "a", "o.mp4");
  USAGE("option '-noauto_conversion_filters' is not supported", "-noauto_conversion_filters", "-i",
        "a", "o.mp4");
  ARGV("-benchmark_all", "-qphist", "-dump", "-hex", "-find_stream_info",
       "-auto_conversion_filters", "-i", "a", "o.mp4");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_int_equal(o.nnotes, 4); /* said at -v verbose */
  assert_string_equal(o.output, "o.mp4");
  cli_opts_free(&o);
}

/* -vpre/-apre/-spre NAME and -fpre FILE: a preset file's key=value lines
 * become the options they name, of the preset's stream type, found as
 * ffmpeg finds them (NAME.ffpreset, then CODEC-NAME.ffpreset with the -c
 * given before); a missing file or a bad line is a usage error naming it.
 * -cpucount sets the count the codecs size their threads by. */
static void test_presets(void **state) {
  (void)state;
  char dir[] = "/tmp/cli-pre-XXXXXX";
  assert_non_null(mkdtemp(dir));
  const char *files[][2] = {{"libx264-mine", "# comment\n\ncrf=35\nvprofile=high\n"},
                            {"aud", "b=64k\nac=1\n"},
                            {"sub", "scodec=srt\n"},
                            {"bad", "no equals sign\n"}};
  char path[4][128];
  for (int i = 0; i < 4; i++) {
    snprintf(path[i], sizeof path[i], "%s/%s.ffpreset", dir, files[i][0]);
    FILE *f = fopen(path[i], "w");
    assert_non_null(f);
    fputs(files[i][1], f);
    fclose(f);
  }
  setenv("FFMPEG_DATADIR", dir, 1);
  ARGV("-i", "in.mkv", "-c:v", "libx264", "-vpre", "mine", "-apre", "aud", "-spre", "sub",
       "-cpucount", "1", "out.mkv");
  cli_opts o;
  assert_int_equal(cli_args_parse(argc, argv, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "crf"), "35");
  assert_string_equal(cli_opts_get(&o, "profile:v"), "high");
  assert_string_equal(cli_opts_get(&o, "b:a"), "64000");
  assert_string_equal(cli_opts_get(&o, "c:s"), "srt");
  assert_int_equal(av_cpu_count(), 1);
  cli_opts_free(&o);
  av_cpu_force_count(0);
  /* -fpre: every stream's (-b without a type is the video's). */
  ARGV2("-i", "in.mkv", "-fpre", path[1], "out.mkv");
  assert_int_equal(cli_args_parse(argc2, argv2, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "b:v"), "64000");
  cli_opts_free(&o);
  /* A typed codec option's value is no file name: the -c:v before it still
   * names the preset (libx264-mine). */
  char *typed[] = {"isopipe",   "-i",   "in.mkv", "-c:v", "libx264",
                   "-vprofile", "main", "-vpre",  "mine", "o.mkv"};
  assert_int_equal(cli_args_parse(10, typed, &o, err, sizeof err), 0);
  assert_string_equal(cli_opts_get(&o, "crf"), "35");
  cli_opts_free(&o);
  char *missing[] = {"isopipe", "-i", "in.mkv", "-c:v", "libx264", "-vpre", "none", "o.mkv"};
  assert_int_equal(cli_args_parse(8, missing, &o, err, sizeof err), 2);
  assert_non_null(strstr(err, "none.ffpreset or libx264-none.ffpreset"));
  cli_opts_free(&o);
  char *bad[] = {"isopipe", "-i", "in.mkv", "-vpre", "bad", "o.mkv"};
  assert_int_equal(cli_args_parse(6, bad, &o, err, sizeof err), 2);
  assert_non_null(strstr(err, "bad.ffpreset: invalid syntax: 'no equals sign'"));
  cli_opts_free(&o);
  unsetenv("FFMPEG_DATADIR");
  for (int i = 0; i < 4; i++)
    unlink(path[i]);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_transcode),   cmocka_unit_test(test_several_outputs),
      cmocka_unit_test(test_aliases_and_flags), cmocka_unit_test(test_cli_own_options),
      cmocka_unit_test(test_passthrough),       cmocka_unit_test(test_help_version),
      cmocka_unit_test(test_usage_errors),      cmocka_unit_test(test_loglevel_names),
      cmocka_unit_test(test_output_checks),     cmocka_unit_test(test_grammar),
      cmocka_unit_test(test_autorotate_value),  cmocka_unit_test(test_subtitle_muxer_opts),
      cmocka_unit_test(test_several_inputs),    cmocka_unit_test(test_loglevel_first),
      cmocka_unit_test(test_trailing),          cmocka_unit_test(test_raw_input_options),
      cmocka_unit_test(test_expert_refusals),   cmocka_unit_test(test_long_values),
      cmocka_unit_test(test_filter_scripts),    cmocka_unit_test(test_presets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
