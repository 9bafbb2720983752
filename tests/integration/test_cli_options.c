/* Every option --help lists as supported has its effect probed: against ffmpeg's result on the
 * same line and against the same line without it, or by a named test that does so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

/*
 * How an option is probed:
 *  MD5    the line writes framemd5 (raw frames): isopipe's equals ffmpeg's, and
 *         differs from isopipe's run of `base` (the line without the option);
 *  SIG    the output's stream signature (codecs, tags, sizes, aspect, formats,
 *         packet and keyframe counts; packet bytes for copies) equals ffmpeg's
 *         and differs from base's;
 *  SIZE   an encode's size is within 10 % of ffmpeg's and a third away from base's;
 *  FAIL   the line fails in both programs where base succeeds in both;
 *  OWN    isopipe's own behaviour, checked by a function below;
 *  ELSE   another test probes it: `out` names that source file, which must
 *         use the option;
 *  TODO   listed but without an effect yet (`out` says why): printed and
 *         counted, so the list of them stays in sight.
 * Lines use IN (176x144 H.264 + stereo AAC, 1 s), ROT (a clip whose display
 * matrix turns it 90 degrees), BAD (IN with every fourth packet from the
 * tenth on replaced by noise), SUB (IN with a SubRip track, in Matroska)
 * and OUT.
 */
typedef enum { MD5, SIG, SIZE, FAIL, OWN, ELSE, TODO } probe_kind;

typedef struct opt_probe {
  const char *opt;
  probe_kind kind;
  const char *line;
  const char *base;
  const char *out;
  void (*own)(void);
} opt_probe;

static void own_help(void);
static void own_version(void);
static void own_banner(void);
static void own_nostdin(void);
static void own_queue(void);
static void own_whitelist(void);
static void own_hwaccel(void);
static void own_loglevel(void);

#define RAWV "-an -c:v rawvideo -f framemd5 OUT"
#define RAWA "-vn -c:a pcm_s16le -f framemd5 OUT"

static const opt_probe probes[] = {
    {"-i", ELSE, NULL, NULL, "tests/integration/test_cli_lines.c", NULL},
    {"-f", ELSE, NULL, NULL, "tests/integration/test_cli_lines.c", NULL},
    {"-y", ELSE, NULL, NULL, "tests/integration/test_cli_usage.c", NULL},
    {"-n", ELSE, NULL, NULL, "tests/integration/test_cli_usage.c", NULL},
    {"-c", ELSE, NULL, NULL, "tests/integration/test_cli_lines.c", NULL},
    {"-codec", ELSE, NULL, NULL, "tests/integration/test_cli_lines.c", NULL},
    {"-scodec", SIG, "-i SUB -c:v copy -c:a copy -scodec srt OUT", "-i SUB -c:v copy -c:a copy OUT",
     "scodec.mkv", NULL},
    /* Data streams are left out of every output (named in a warning). */
    {"-dcodec", TODO, NULL, NULL, "no data stream is written yet", NULL},
    {"-filter_complex", ELSE, NULL, NULL, "tests/integration/test_cli_fcomplex.c", NULL},
    {"-lavfi", ELSE, NULL, NULL, "tests/integration/test_cli_fcomplex.c", NULL},
    {"-sn", SIG, "-i SUB -c copy -sn OUT", "-i SUB -c copy OUT", "sn.mkv", NULL},
    {"-dn", ELSE, NULL, NULL, "tests/integration/test_cli_lines.c", NULL},
    {"-vcodec", SIG, "-i IN -vcodec mpeg4 OUT", "-i IN OUT", "vcodec.mkv", NULL},
    {"-acodec", SIG, "-i IN -acodec libmp3lame OUT", "-i IN OUT", "acodec.mkv", NULL},
    {"-b", SIZE, "-i IN -an -c:v mpeg4 -b 60k OUT", "-i IN -an -c:v mpeg4 -b 600k OUT", "b.mkv",
     NULL},
    {"-vb", SIZE, "-i IN -an -c:v mpeg4 -vb 60k OUT", "-i IN -an -c:v mpeg4 -vb 600k OUT", "vb.mkv",
     NULL},
    {"-ab", SIZE, "-i IN -vn -c:a libmp3lame -ab 32k OUT", "-i IN -vn -c:a libmp3lame -ab 192k OUT",
     "ab.mp3", NULL},
    {"-crf", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"-q", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"-qscale", SIZE, "-i IN -an -c:v mpeg4 -qscale:v 20 OUT",
     "-i IN -an -c:v mpeg4 -qscale:v 2 OUT", "qscale.mkv", NULL},
    {"-aq", SIZE, "-i IN -vn -c:a libmp3lame -aq 9 OUT", "-i IN -vn -c:a libmp3lame -aq 0 OUT",
     "aq.mp3", NULL},
    {"-preset", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"-g", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"-threads", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"-frames", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-vframes", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-s", MD5, "-i IN -s 96x72 " RAWV, "-i IN " RAWV, "s.framemd5", NULL},
    {"-r", SIG, "-i IN -c:v mpeg4 -r 12 OUT", "-i IN -c:v mpeg4 OUT", "r.mp4", NULL},
    {"-aspect", SIG, "-i IN -c:v mpeg4 -aspect 4:3 OUT", "-i IN -c:v mpeg4 OUT", "aspect.mp4",
     NULL},
    {"-pix_fmt", MD5, "-i IN -pix_fmt gray " RAWV, "-i IN " RAWV, "pix.framemd5", NULL},
    {"-ar", MD5, "-i IN -ar 22050 " RAWA, "-i IN " RAWA, "ar.framemd5", NULL},
    {"-ac", MD5, "-i IN -ac 1 " RAWA, "-i IN " RAWA, "ac.framemd5", NULL},
    {"-sample_fmt", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"-an", SIG, "-i IN -an OUT", "-i IN OUT", "an.mkv", NULL},
    {"-vn", SIG, "-i IN -vn OUT", "-i IN OUT", "vn.mkv", NULL},
    {"-map", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c", NULL},
    {"-map_metadata", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c", NULL},
    {"-map_chapters", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c", NULL},
    {"-metadata", ELSE, NULL, NULL, "tests/integration/test_cli_lines.c", NULL},
    {"-disposition", ELSE, NULL, NULL, "tests/integration/test_cli_bsf.c", NULL},
    {"-tag", ELSE, NULL, NULL, "tests/integration/test_cli_bsf.c", NULL},
    {"-vtag", SIG, "-i IN -c:v mpeg4 -vtag XVID OUT", "-i IN -c:v mpeg4 OUT", "vtag.avi", NULL},
    {"-atag", SIG, "-i IN -c:v copy -c:a libmp3lame -atag 0x6D730055 OUT",
     "-i IN -c:v copy -c:a libmp3lame OUT", "atag.mov", NULL},
    {"-bsf", ELSE, NULL, NULL, "tests/integration/test_cli_bsf.c", NULL},
    {"-absf", SIG, "-i IN -c copy -absf noise=dropamount=3 OUT", "-i IN -c copy OUT", "absf.mkv",
     NULL},
    {"-vbsf", SIG, "-i IN -c copy -vbsf noise=dropamount=4 OUT", "-i IN -c copy OUT", "vbsf.mkv",
     NULL},
    {"-force_key_frames", ELSE, NULL, NULL, "tests/integration/test_cli_keyframes.c", NULL},
    {"-vf", MD5, "-i IN -vf crop=100:80:8:4,hflip " RAWV, "-i IN " RAWV, "vf.framemd5", NULL},
    {"-af", MD5, "-i IN -af volume=0.5 " RAWA, "-i IN " RAWA, "af.framemd5", NULL},
    {"-filter", MD5, "-i IN -filter:a atempo=2 " RAWA, "-i IN " RAWA, "filter.framemd5", NULL},
    {"-autorotate", MD5, "-noautorotate -i ROT " RAWV, "-i ROT " RAWV, "rot.framemd5", NULL},
    {"-vsync", SIG, "-i IN -an -c:v mpeg4 -r 60 -vsync passthrough OUT",
     "-i IN -an -c:v mpeg4 -r 60 OUT", "vsync.mp4", NULL},
    {"-fps_mode", SIG, "-i IN -an -c:v mpeg4 -r 60 -fps_mode vfr OUT",
     "-i IN -an -c:v mpeg4 -r 60 OUT", "fpsmode.mp4", NULL},
    {"-ss", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-t", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-to", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-protocol_whitelist", OWN, NULL, NULL, NULL, own_whitelist},
    {"-hwaccel", OWN, NULL, NULL, NULL, own_hwaccel},
    {"-loglevel", OWN, NULL, NULL, NULL, own_loglevel},
    {"-v", OWN, NULL, NULL, NULL, own_loglevel},
    {"-progress", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-stats_period", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-stats", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"-stdin", OWN, NULL, NULL, NULL, own_nostdin},
    {"-hide_banner", OWN, NULL, NULL, NULL, own_banner},
    {"-xerror", FAIL, "-xerror -i BAD -f null -", "-i BAD -f null -", NULL, NULL},
    {"-max_error_rate", FAIL, "-max_error_rate 0.01 -i BAD -f null -", "-i BAD -f null -", NULL,
     NULL},
    {"-h", OWN, NULL, NULL, NULL, own_help},
    {"-help", OWN, NULL, NULL, NULL, own_help},
    {"-version", OWN, NULL, NULL, NULL, own_version},
    {"-start_at_zero", ELSE, NULL, NULL, "tests/integration/test_cli_copyts.c", NULL},
    {"-shortest", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c", NULL},
    {"-sws_flags", ELSE, NULL, NULL, "tests/integration/test_cli_swsflags.c", NULL},
    {"-copyts", ELSE, NULL, NULL, "tests/integration/test_cli_copyts.c", NULL},
    {"-itsoffset", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c", NULL},
    {"--queue", OWN, NULL, NULL, NULL, own_queue},
    {"--segments", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c", NULL},
    {"--inline", ELSE, NULL, NULL, "tests/integration/test_cli_run.c", NULL},
    {"--cluster", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c", NULL},
    {"--partition", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c", NULL},
    {"--cluster-dir", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c", NULL},
    {"--fail-fast", ELSE, NULL, NULL, "tests/integration/test_cli_options.c", NULL},
    {"--stats", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"--trace", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"--profile", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c", NULL},
    {"--version", OWN, NULL, NULL, NULL, own_version},
    {"--help", OWN, NULL, NULL, NULL, own_help},
};

static char g_dir[512];
static char g_in[700], g_rot[700], g_bad[700], g_sub[700];
static char g_ffmpeg[600];
static bool g_have_ffmpeg;

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-options") < 0) return -1;
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", "aac", 176, 144, 1.0, 2, 48000) <
      0)
    return -1;
  snprintf(g_bad, sizeof g_bad, "%s/bad.mp4", g_dir);
  if (tm_damage_packets(g_in, g_bad, 10, 4, 0, 7) < 0) return -1;
  tm_source_file("media/clip-rotate90.mp4", g_rot, sizeof g_rot);
  char srt[800];
  snprintf(srt, sizeof srt, "%s/in.srt", g_dir);
  FILE *f = fopen(srt, "w");
  if (!f) return -1;
  fputs("1\n00:00:00,100 --> 00:00:00,600\nHello\n\n2\n00:00:00,700 --> 00:00:00,950\nWorld\n", f);
  fclose(f);
  snprintf(g_sub, sizeof g_sub, "%s/sub.mkv", g_dir);
  const char *mk[] = {"-y",   "-v", "error", "-i",   g_in,   "-i",  srt,   "-map", "0",
                      "-map", "1",  "-c",    "copy", "-c:s", "srt", g_sub, NULL};
  if (ch_run_err(mk, NULL, 0) != 0) return -1;
  g_have_ffmpeg = tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Splits a line into argv with IN, ROT, BAD, SUB and OUT replaced; -y and -v error
 * first for isopipe (ffmpeg's runner adds its own). */
static int split(const char *line, const char *out, bool iso, char *buf, size_t len,
                 const char **argv) {
  snprintf(buf, len, "%s", line);
  int n = 0;
  if (iso) {
    argv[n++] = "-y";
    argv[n++] = "-v";
    argv[n++] = "error";
  }
  char *save = NULL;
  for (char *t = strtok_r(buf, " ", &save); t && n < CH_MAX_ARGS - 2;
       t = strtok_r(NULL, " ", &save)) {
    const char *rep = !strcmp(t, "IN")    ? g_in
                      : !strcmp(t, "ROT") ? g_rot
                      : !strcmp(t, "BAD") ? g_bad
                      : !strcmp(t, "SUB") ? g_sub
                      : !strcmp(t, "OUT") ? out
                                          : t;
    argv[n++] = rep;
  }
  argv[n] = NULL;
  return n;
}

/* Runs a table line with isopipe (iso) or ffmpeg into dir/<tag>_<out>; the
 * exit status; path gets the output's path. */
static int run_line(const char *line, const char *out, const char *tag, bool iso, char *path,
                    size_t plen, char *err, size_t elen) {
  snprintf(path, plen, "%s/%s_%s", g_dir, tag, out ? out : "none");
  char buf[2048];
  const char *argv[CH_MAX_ARGS];
  split(line, path, iso, buf, sizeof buf, argv);
  if (!iso) return tm_run_ffmpeg(argv);
  return ch_run_err(argv, err, elen);
}

/* Streams as text: type, codec, tag, size, aspect, format, rate, channels,
 * packet and keyframe counts (and their bytes when bytes). */
static int signature(const char *path, bool bytes, char *out, size_t len) {
  AVFormatContext *ic = NULL;
  out[0] = 0;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return -1;
  if (avformat_find_stream_info(ic, NULL) < 0) {
    avformat_close_input(&ic);
    return -1;
  }
  int64_t pk[16] = {0}, key[16] = {0}, sz[16] = {0};
  AVPacket *p = av_packet_alloc();
  while (av_read_frame(ic, p) >= 0) {
    if (p->stream_index < 16) {
      pk[p->stream_index]++;
      key[p->stream_index] += !!(p->flags & AV_PKT_FLAG_KEY);
      sz[p->stream_index] += p->size;
    }
    av_packet_unref(p);
  }
  av_packet_free(&p);
  size_t n = 0;
  for (unsigned i = 0; i < ic->nb_streams && i < 16 && n < len; i++) {
    const AVCodecParameters *c = ic->streams[i]->codecpar;
    AVRational sar = av_guess_sample_aspect_ratio(ic, ic->streams[i], NULL);
    char tag[AV_FOURCC_MAX_STRING_SIZE] = "";
    av_fourcc_make_string(tag, c->codec_tag);
    n += (size_t)snprintf(out + n, len - n,
                          "%s %s tag=%s %dx%d sar=%d:%d fmt=%d %d Hz %d ch packets=%lld keys=%lld",
                          av_get_media_type_string(c->codec_type), avcodec_get_name(c->codec_id),
                          tag, c->width, c->height, sar.num, sar.den, c->format, c->sample_rate,
                          c->ch_layout.nb_channels, (long long)pk[i], (long long)key[i]);
    if (bytes && n < len) n += (size_t)snprintf(out + n, len - n, " bytes=%lld", (long long)sz[i]);
    if (n < len) n += (size_t)snprintf(out + n, len - n, "\n");
  }
  avformat_close_input(&ic);
  return 0;
}

/* One table probe of kind MD5, SIG, SIZE or FAIL; false with why on failure. */
static bool probe_line(const opt_probe *pr, char *why, size_t wn) {
  char ip[800], fp[800], bp[800], err[8192];
  int ri = run_line(pr->line, pr->out, "i", true, ip, sizeof ip, err, sizeof err);
  int rf = run_line(pr->line, pr->out, "f", false, fp, sizeof fp, NULL, 0);
  int rb = run_line(pr->base, pr->out, "b", true, bp, sizeof bp, NULL, 0);
  if (pr->kind == FAIL) {
    char fb[800];
    int rfb = run_line(pr->base, pr->out, "fb", false, fb, sizeof fb, NULL, 0);
    if (ri == 0 || rf == 0 || rb != 0 || rfb != 0)
      return snprintf(why, wn, "exit with it %d (ffmpeg %d), without %d (ffmpeg %d): %s", ri, rf,
                      rb, rfb, err),
             false;
    return true;
  }
  if (ri != 0) return snprintf(why, wn, "exit %d: %s", ri, err), false;
  if (rf != 0 || rb != 0)
    return snprintf(why, wn, "ffmpeg exit %d, isopipe without it %d", rf, rb), false;
  if (pr->kind == MD5) {
    int lines = 0;
    if (!tm_framemd5_equal(ip, fp, &lines, why, wn)) return false;
    if (tm_framemd5_equal(ip, bp, NULL, why, wn))
      return snprintf(why, wn, "the same frames without the option"), false;
    return lines > 0 || (snprintf(why, wn, "no frames"), false);
  }
  if (pr->kind == SIZE) {
    double si = (double)tm_file_size(ip), sf = (double)tm_file_size(fp),
           sb = (double)tm_file_size(bp);
    if (si < 0.9 * sf || si > 1.1 * sf)
      return snprintf(why, wn, "%.0f bytes, ffmpeg %.0f", si, sf), false;
    if (si > sb / 1.5 && si < sb * 1.5)
      return snprintf(why, wn, "%.0f bytes, %.0f without the option", si, sb), false;
    return true;
  }
  /* Copies keep the packets' bytes: those must be ffmpeg's too. */
  bool bytes = strstr(pr->line, "-c copy") != NULL;
  char si[2048], sf[2048], sb[2048];
  if (signature(ip, bytes, si, sizeof si) < 0 || signature(fp, bytes, sf, sizeof sf) < 0 ||
      signature(bp, bytes, sb, sizeof sb) < 0)
    return snprintf(why, wn, "an output is unreadable"), false;
  if (strcmp(si, sf)) return snprintf(why, wn, "isopipe:\n%sffmpeg:\n%s", si, sf), false;
  if (!strcmp(si, sb)) return snprintf(why, wn, "the same without the option:\n%s", si), false;
  return true;
}

/* The source file uses the option as a word of a string: "-opt", "-opt x",
 * or the "-noopt" form of a flag. */
static bool source_uses(const char *rel, const char *opt) {
  char path[1200];
  tm_source_file(rel, path, sizeof path);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  char line[4096], no[128];
  snprintf(no, sizeof no, "-no%s", opt + 1);
  bool hit = false;
  while (!hit && fgets(line, sizeof line, f)) {
    for (int k = 0; k < 2 && !hit; k++) {
      const char *w = k ? no : opt;
      for (const char *s = strstr(line, w); s && !hit; s = strstr(s + 1, w)) {
        char before = s > line ? s[-1] : ' ', after = s[strlen(w)];
        hit = strchr("\" ", before) && strchr("\" :=", after) && after;
      }
    }
  }
  fclose(f);
  return hit;
}

static const opt_probe *find_probe(const char *opt) {
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
    if (!strcmp(probes[i].opt, opt)) return &probes[i];
  return NULL;
}

/* Every option in --help's "Options supported" list has a probe. */
static void t_help_is_covered(void **state) {
  (void)state;
  ch_proc p;
  const char *args[] = {"--help", NULL};
  assert_int_equal(ch_run(&p, args, 30), 0);
  const char *s = strstr(ch_str(&p.out), "\nOptions supported:\n");
  assert_non_null(s);
  int listed = 0, missing = 0;
  /* One option a line, up to the blank line that ends the list. */
  for (const char *l = strchr(s + 1, '\n') + 1; *l && *l != '\n'; l += strcspn(l, "\n") + 1) {
    char opt[64];
    if (sscanf(l, " %63[^ [\n]", opt) == 1 && opt[0] == '-') {
      listed++;
      if (!find_probe(opt)) {
        printf("no probe for %s (listed by --help)\n", opt);
        missing++;
      }
    }
    if (!l[strcspn(l, "\n")]) break;
  }
  ch_free(&p);
  int todo = 0;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
    if (probes[i].kind == TODO) {
      printf("not probed yet: %s (%s)\n", probes[i].opt, probes[i].out);
      todo++;
    }
  printf("--help lists %d supported options; %d without a probe, %d not probed yet\n", listed,
         missing, todo);
  assert_true(listed > 50);
  assert_int_equal(missing, 0);
}

/* The ELSE probes: the named test uses the option. */
static void t_probed_elsewhere(void **state) {
  (void)state;
  int bad = 0;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    const opt_probe *pr = &probes[i];
    if (pr->kind == ELSE && !source_uses(pr->out, pr->opt)) {
      printf("%s: %s does not use it\n", pr->opt, pr->out);
      bad++;
    }
  }
  assert_int_equal(bad, 0);
}

/* The MD5, SIG, SIZE and FAIL probes against ffmpeg. */
static void t_effects_as_ffmpeg(void **state) {
  (void)state;
  TM_NEED(g_have_ffmpeg, "ffmpeg (the reference for each option's effect)");
  int bad = 0, n = 0;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    const opt_probe *pr = &probes[i];
    if (pr->kind == OWN || pr->kind == ELSE || pr->kind == TODO) continue;
    char why[9000] = "";
    n++;
    if (!probe_line(pr, why, sizeof why)) {
      printf("%s: %s\n  %s\n", pr->opt, pr->line, why);
      bad++;
    }
  }
  printf("%d options probed against ffmpeg, %d differ\n", n, bad);
  assert_int_equal(bad, 0);
}

static void t_own(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
    if (probes[i].kind == OWN) {
      printf("%s\n", probes[i].opt);
      probes[i].own();
    }
}

/* Runs isopipe with args; exit status, stdout and stderr into the buffers. */
static int run_cap(const char *const *args, char *out, size_t on, char *err, size_t en) {
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  if (out) snprintf(out, on, "%s", ch_str(&p.out));
  if (err) snprintf(err, en, "%s", ch_str(&p.err));
  ch_free(&p);
  return rc;
}

static void own_help(void) {
  static const char *const forms[] = {"--help", "-h", "-help"};
  static char first[65536];
  for (int k = 0; k < 3; k++) {
    char out[65536];
    const char *args[] = {forms[k], NULL};
    assert_int_equal(run_cap(args, out, sizeof out, NULL, 0), 0);
    assert_non_null(strstr(out, "usage: isopipe"));
    assert_non_null(strstr(out, "Options supported:"));
    if (k == 0) snprintf(first, sizeof first, "%s", out);
    assert_string_equal(out, first);
  }
}

static void own_version(void) {
  static const char *const forms[] = {"--version", "-version"};
  for (int k = 0; k < 2; k++) {
    char out[4096];
    const char *args[] = {forms[k], NULL};
    assert_int_equal(run_cap(args, out, sizeof out, NULL, 0), 0);
    assert_int_equal(strncmp(out, "isopipe ", 8), 0);
    assert_non_null(strstr(out, "(FFmpeg "));
    assert_non_null(strstr(out, av_version_info()));
  }
}

/* The version banner opens the log at the default level; -hide_banner hides it. */
static void own_banner(void) {
  for (int k = 0; k < 2; k++) {
    char err[16384];
    const char *args[] = {"-y", k ? "-hide_banner" : "-y", "-i", g_in, "-f", "null", "-", NULL};
    assert_int_equal(run_cap(args, NULL, 0, err, sizeof err), 0);
    bool banner = strncmp(err, "isopipe ", 8) == 0 && strstr(err, "(FFmpeg ");
    if (banner == (k == 1))
      fail_msg("banner %s with%s -hide_banner:\n%s", banner ? "shown" : "absent", k ? "" : "out",
               err);
  }
}

/* isopipe never reads its standard input as a keyboard (ffmpeg stops at a
 * 'q' there unless -nostdin): with 'q' lines on stdin, with and without
 * -nostdin, every frame is written. */
static void own_nostdin(void) {
  char q[800];
  snprintf(q, sizeof q, "%s/q.txt", g_dir);
  FILE *f = fopen(q, "w");
  assert_non_null(f);
  for (int i = 0; i < 100; i++)
    fputs("q\n", f);
  fclose(f);
  for (int k = 0; k < 2; k++) {
    char out[800], cmd[4096];
    snprintf(out, sizeof out, "%s/stdin%d.mkv", g_dir, k);
    snprintf(cmd, sizeof cmd, "'%s' -v error -y %s -i '%s' -c:v mpeg4 '%s' < '%s'", ISOPIPE_BIN,
             k ? "-nostdin" : "", g_in, out, q);
    assert_int_equal(system(cmd), 0);
    tm_probe pr;
    assert_int_equal(tm_probe_file(out, true, &pr), 0);
    const tm_stream *v = tm_probe_stream(&pr, AVMEDIA_TYPE_VIDEO);
    assert_non_null(v);
    assert_int_equal(v->frames, 30);
  }
}

/* --queue N is the depth of every packet link: --stats reports it as the
 * demux -> decode link's capacity. */
static void own_queue(void) {
  for (int k = 0; k < 2; k++) {
    char stats[800], out[800], *json = NULL;
    snprintf(stats, sizeof stats, "%s/queue%d.json", g_dir, k);
    snprintf(out, sizeof out, "%s/queue%d.mkv", g_dir, k);
    const char *args[] = {"-y", "-v", "error", "-i", g_in, "--stats", stats, k ? "--queue" : "-y",
                          "2",  out,  NULL};
    if (!k) args[8] = out, args[9] = NULL;
    assert_int_equal(run_cap(args, NULL, 0, NULL, 0), 0);
    FILE *f = fopen(stats, "r");
    assert_non_null(f);
    json = calloc(1, 1 << 20);
    fread(json, 1, (1 << 20) - 1, f);
    fclose(f);
    const char *l = strstr(json, "\"name\": \"demux->decode:v\"");
    assert_non_null(l);
    const char *c = strstr(l, "\"capacity\": ");
    assert_non_null(c);
    int cap = atoi(c + 12);
    if ((cap == 2) != (k == 1)) fail_msg("capacity %d with%s --queue 2", cap, k ? "" : "out");
    free(json);
  }
}

/* -protocol_whitelist limits what the input may be read through, as ffmpeg's. */
static void own_whitelist(void) {
  char err[8192], out[800];
  snprintf(out, sizeof out, "%s/wl.mkv", g_dir);
  const char *no[] = {"-y", "-protocol_whitelist", "pipe", "-i", g_in, out, NULL};
  assert_int_equal(run_cap(no, NULL, 0, err, sizeof err), 1);
  assert_non_null(strstr(err, "protocol 'file' not allowed"));
  assert_false(tm_file_exists(out));
  const char *yes[] = {"-y", "-v", "error", "-protocol_whitelist", "file", "-i", g_in, out, NULL};
  assert_int_equal(run_cap(yes, NULL, 0, err, sizeof err), 0);
  if (g_have_ffmpeg) {
    const char *f[] = {"-protocol_whitelist", "pipe", "-i", g_in, "-f", "null", "-", NULL};
    assert_int_not_equal(tm_run_ffmpeg(f), 0);
  }
}

/* -hwaccel none and auto decode in software (the same frames as without);
 * a device API is refused naming it. */
static void own_hwaccel(void) {
  char a[800], b[800], err[8192], why[512];
  for (int k = 0; k < 2; k++) {
    snprintf(k ? b : a, 800, "%s/hw%d.framemd5", g_dir, k);
    const char *args[] = {"-y",      "-v",       "error", k ? "-hwaccel" : "-y",
                          "auto",    "-i",       g_in,    "-an",
                          "-c:v",    "rawvideo", "-f",    "framemd5",
                          k ? b : a, NULL};
    const char *plain[] = {"-y",   "-v",       "error", "-i",       g_in, "-an",
                           "-c:v", "rawvideo", "-f",    "framemd5", a,    NULL};
    assert_int_equal(run_cap(k ? args : plain, NULL, 0, NULL, 0), 0);
  }
  assert_true(tm_framemd5_equal(a, b, NULL, why, sizeof why));
  const char *cuda[] = {"-y", "-hwaccel", "cuda", "-i", g_in, "-f", "null", "-", NULL};
  assert_int_equal(run_cap(cuda, NULL, 0, err, sizeof err), 2);
  assert_non_null(strstr(err, "-hwaccel cuda"));
}

/* -loglevel quiet silences a run and its errors; error shows an error but
 * not the banner; fatal still prints option errors, as ffmpeg's. */
static void own_loglevel(void) {
  static const char *const forms[] = {"-loglevel", "-v"};
  for (int k = 0; k < 2; k++) {
    char err[16384], out[800], missing[800];
    snprintf(out, sizeof out, "%s/ll.mkv", g_dir);
    snprintf(missing, sizeof missing, "%s/nosuch.mp4", g_dir);
    const char *ok[] = {"-y", forms[k], "quiet", "-i", g_in, out, NULL};
    assert_int_equal(run_cap(ok, NULL, 0, err, sizeof err), 0);
    assert_string_equal(err, "");
    const char *bad[] = {"-y", forms[k], "quiet", "-i", missing, out, NULL};
    assert_int_equal(run_cap(bad, NULL, 0, err, sizeof err), 1);
    assert_string_equal(err, "");
    bad[2] = "error";
    assert_int_equal(run_cap(bad, NULL, 0, err, sizeof err), 1);
    assert_non_null(strstr(err, "nosuch.mp4"));
    assert_null(strstr(err, "(FFmpeg "));
    const char *usage[] = {"-y", forms[k], "fatal", "-i", g_in, "-nosuchopt", "1", out, NULL};
    assert_int_equal(run_cap(usage, NULL, 0, err, sizeof err), 2);
    assert_non_null(strstr(err, "-nosuchopt"));
  }
}

/* --fail-fast stops at the first packet that fails to decode (exit 1 naming
 * the decoder); without it the damaged packets are skipped and counted. */
static void t_fail_fast(void **state) {
  (void)state;
  char err[16384], stats[800];
  snprintf(stats, sizeof stats, "%s/ff.json", g_dir);
  const char *ff[] = {"-y", "--fail-fast", "-i", g_bad, "-f", "null", "-", NULL};
  int rc = run_cap(ff, NULL, 0, err, sizeof err);
  if (rc != 1) fail_msg("--fail-fast: exit %d\n%s", rc, err);
  assert_non_null(strstr(err, "decode"));
  const char *plain[] = {"-y",  "-v", "error", "-i", g_bad, "--stats",
                         stats, "-f", "null",  "-",  NULL};
  assert_int_equal(run_cap(plain, NULL, 0, err, sizeof err), 0);
  FILE *f = fopen(stats, "r");
  assert_non_null(f);
  char *json = calloc(1, 1 << 20);
  fread(json, 1, (1 << 20) - 1, f);
  fclose(f);
  const char *e = strstr(json, "\"errors_skipped\": ");
  assert_non_null(e);
  int skipped = atoi(e + 18);
  free(json);
  if (skipped < 1) fail_msg("damaged packets skipped without a count");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_help_is_covered),   cmocka_unit_test(t_probed_elsewhere),
      cmocka_unit_test(t_effects_as_ffmpeg), cmocka_unit_test(t_own),
      cmocka_unit_test(t_fail_fast),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
