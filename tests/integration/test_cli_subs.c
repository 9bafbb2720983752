/* Subtitle streams on the CLI (copied, re-encoded, picked by default, refused), compared with
 * ffmpeg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libavformat/avformat.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];

static int setup(void **state) {
  (void)state;
  return ch_mkdtemp(g_dir, sizeof g_dir, "cli-subs") < 0 ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static bool have_ffmpeg(void) {
  char buf[600];
  return tm_have_program("ffmpeg", buf, sizeof buf);
}

/* "video:vp9 audio:vorbis subtitle:ass(12) ": each stream's type and codec,
 * and for subtitles the packet count. */
static void streams_of(const char *path, char *out, size_t n) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  int count[64] = {0};
  AVPacket *pkt = av_packet_alloc();
  while (av_read_frame(ic, pkt) >= 0) {
    if (pkt->stream_index < 64) count[pkt->stream_index]++;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  size_t len = 0;
  for (unsigned i = 0; i < ic->nb_streams && len < n; i++) {
    const AVCodecParameters *par = ic->streams[i]->codecpar;
    const char *t = av_get_media_type_string(par->codec_type);
    len +=
        (size_t)snprintf(out + len, n - len, "%s:%s", t ? t : "?", avcodec_get_name(par->codec_id));
    if (par->codec_type == AVMEDIA_TYPE_SUBTITLE && len < n)
      len += (size_t)snprintf(out + len, n - len, "(%d)", i < 64 ? count[i] : -1);
    if (len < n) len += (size_t)snprintf(out + len, n - len, " ");
  }
  avformat_close_input(&ic);
}

/* The text of out's first subtitle stream as SubRip, written by ffmpeg. */
static void srt_of(const char *out, const char *srt) {
  const char *f[] = {"-i", out, "-map", "0:s:0", "-f", "srt", srt, NULL};
  assert_int_equal(tm_run_ffmpeg(f), 0);
}

/* One line run by isopipe and by ffmpeg (extra args after the input), outputs
 * named NAME in g_dir: the stream lists must be equal, and the subtitle text
 * too when there is a subtitle stream. Returns the stream list. */
static void same_as_ffmpeg(const char *in, const char *const *extra, const char *name, char *list,
                           size_t n) {
  char out[800], ref[800], err[4096], *ia[CH_MAX_ARGS], *fa[CH_MAX_ARGS];
  snprintf(out, sizeof out, "%s/i_%s", g_dir, name);
  snprintf(ref, sizeof ref, "%s/f_%s", g_dir, name);
  int k = 0;
  ia[k] = "-y", fa[k++] = "-y";
  ia[k] = "-i", fa[k++] = "-i";
  ia[k] = (char *)in, fa[k++] = (char *)in;
  for (int i = 0; extra[i]; i++, k++)
    ia[k] = fa[k] = (char *)extra[i];
  ia[k] = out, fa[k++] = ref;
  ia[k] = fa[k] = NULL;
  if (ch_run_err((const char *const *)ia, err, sizeof err) != 0) fail_msg("isopipe: %s", err);
  assert_int_equal(tm_run_ffmpeg((const char *const *)fa), 0);
  char li[1024], lf[1024];
  streams_of(out, li, sizeof li);
  streams_of(ref, lf, sizeof lf);
  printf("%s: %s| ffmpeg %s\n", name, li, lf);
  assert_string_equal(li, lf);
  if (strstr(li, "subtitle:") && !strstr(li, "dvd_subtitle")) { /* text */
    char si[900], sf[900];
    snprintf(si, sizeof si, "%s.srt", out);
    snprintf(sf, sizeof sf, "%s.srt", ref);
    srt_of(out, si);
    srt_of(ref, sf);
    assert_true(tm_file_size(si) > 0);
    assert_true(tm_same_file(si, sf));
  }
  snprintf(list, n, "%s", li);
}

/* Without -map, ffmpeg picks the first subtitle stream the format's default
 * subtitle encoder can take (text for mkv's ass, mp4's mov_text, webm's
 * webvtt) and re-encodes it; -c:s copy keeps it as it is; -sn leaves it out. */
static void t_default_selection(void **state) {
  (void)state;
  char in[800], ssa[800], list[1024];
  TM_NEED(tm_corpus_file("video/no_cluster_position.mkv", in, sizeof in), "media corpus");
  TM_NEED(tm_corpus_file("video/sample_with_ssa_subtitles.mkv", ssa, sizeof ssa), "media corpus");
  TM_NEED(have_ffmpeg(), "ffmpeg");
  const char *copy_av[] = {"-c:v", "copy", "-c:a", "copy", NULL};
  same_as_ffmpeg(in, copy_av, "def.mkv", list, sizeof list);
  assert_non_null(strstr(list, "subtitle:ass(1)"));
  same_as_ffmpeg(in, copy_av, "def.webm", list, sizeof list);
  assert_non_null(strstr(list, "subtitle:webvtt(1)"));
  same_as_ffmpeg(ssa, copy_av, "ssa.mkv", list, sizeof list);
  assert_non_null(strstr(list, "subtitle:ass(1)"));
  const char *copy_all[] = {"-c", "copy", NULL};
  same_as_ffmpeg(in, copy_all, "copy.mkv", list, sizeof list);
  assert_non_null(strstr(list, "subtitle:subrip(1)"));
  const char *sn[] = {"-c", "copy", "-sn", NULL};
  same_as_ffmpeg(in, sn, "sn.mkv", list, sizeof list);
  assert_null(strstr(list, "subtitle"));
  /* -c:s given: the first subtitle stream is taken whatever its kind. */
  const char *to_srt[] = {"-c:v", "copy", "-c:a", "copy", "-c:s", "srt", NULL};
  same_as_ffmpeg(in, to_srt, "srt.mkv", list, sizeof list);
  assert_non_null(strstr(list, "subtitle:subrip(1)"));
}

/* -map 0 copies every subtitle stream (text and bitmap) into mkv; -map 0:s
 * takes only them. */
static void t_map_all(void **state) {
  (void)state;
  char in[800], vob[800], list[1024];
  TM_NEED(tm_corpus_file("video/no_cluster_position.mkv", in, sizeof in), "media corpus");
  TM_NEED(tm_corpus_file("video/subtitles_vobsub.mkv", vob, sizeof vob), "media corpus");
  TM_NEED(have_ffmpeg(), "ffmpeg");
  const char *all[] = {"-map", "0", "-c", "copy", NULL};
  same_as_ffmpeg(in, all, "all.mkv", list, sizeof list);
  int subs = 0;
  for (const char *p = list; (p = strstr(p, "subtitle:subrip(")); p++)
    subs++;
  assert_int_equal(subs, 6);
  same_as_ffmpeg(vob, all, "vob.mkv", list, sizeof list);
  assert_non_null(strstr(list, "subtitle:dvd_subtitle"));
  const char *only[] = {"-map", "0:s:1", "-c:s", "webvtt", NULL};
  same_as_ffmpeg(in, only, "one.webm", list, sizeof list);
  assert_string_equal(list, "subtitle:webvtt(1) ");
}

/* Each subtitle stream's codec tag and disposition, "tx3g/1 ". */
static void sub_marks(const char *path, char *out, size_t n) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  size_t len = 0;
  for (unsigned i = 0; i < ic->nb_streams && len < n; i++) {
    const AVStream *st = ic->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_SUBTITLE) continue;
    char tag[AV_FOURCC_MAX_STRING_SIZE];
    av_fourcc_make_string(tag, st->codecpar->codec_tag);
    len += (size_t)snprintf(out + len, n - len, "%s/%d ", tag, st->disposition);
  }
  avformat_close_input(&ic);
}

/* -disposition:s without an index reaches every subtitle stream, as in
 * ffmpeg (options with :s were once taken for streams isopipe did not
 * write, and ignored): both SubRip tracks come out forced, not default. */
static void t_disposition_all(void **state) {
  (void)state;
  char in[800], list[1024], a[1600], b[1600];
  TM_NEED(tm_corpus_file("video/no_cluster_position.mkv", in, sizeof in), "media corpus");
  TM_NEED(have_ffmpeg(), "ffmpeg");
  const char *line[] = {"-map", "0:s:0",          "-map",   "0:s:1", "-c:s",
                        "copy", "-disposition:s", "forced", NULL};
  same_as_ffmpeg(in, line, "forced.mkv", list, sizeof list);
  char out[800], ref[800];
  snprintf(out, sizeof out, "%s/i_forced.mkv", g_dir);
  snprintf(ref, sizeof ref, "%s/f_forced.mkv", g_dir);
  sub_marks(out, a, sizeof a);
  sub_marks(ref, b, sizeof b);
  printf("subtitle tags/dispositions: %s| ffmpeg %s\n", a, b);
  assert_string_equal(a, b);
  char forced[16];
  snprintf(forced, sizeof forced, "/%d ", AV_DISPOSITION_FORCED);
  assert_non_null(strstr(a, forced));
}

/* What ffmpeg cannot write either is refused before anything is written,
 * naming the stream, the codec and the way out. */
static void t_refusals(void **state) {
  (void)state;
  char in[800], vob[800], out[800], mkv[800], err[4096];
  TM_NEED(tm_corpus_file("video/no_cluster_position.mkv", in, sizeof in), "media corpus");
  TM_NEED(tm_corpus_file("video/subtitles_vobsub.mkv", vob, sizeof vob), "media corpus");
  snprintf(out, sizeof out, "%s/refused.mp4", g_dir);
  snprintf(mkv, sizeof mkv, "%s/refused.mkv", g_dir);
  const char *a[] = {"-y", "-i", in, "-map", "0", "-c", "copy", out, NULL};
  assert_int_not_equal(ch_run_err(a, err, sizeof err), 0);
  assert_non_null(strstr(err, "subrip subtitles (stream #0:2) cannot be copied into mp4"));
  assert_non_null(strstr(err, "-c:s mov_text"));
  assert_false(tm_file_exists(out));
  const char *b[] = {"-y", "-i", vob, "-map", "0", "-c:v", "copy", mkv, NULL};
  assert_int_not_equal(ch_run_err(b, err, sizeof err), 0);
  assert_non_null(strstr(err, "stream #0:1"));
  assert_non_null(strstr(err, "only text to text or bitmap to bitmap"));
  assert_false(tm_file_exists(mkv));
  const char *c[] = {"-y", "-i", vob, "-map", "0", "-c:v", "copy", out, NULL};
  assert_int_not_equal(ch_run_err(c, err, sizeof err), 0);
  assert_non_null(strstr(err, "format mp4 has no default subtitle encoder for stream #0:1"));
  assert_false(tm_file_exists(out));
  if (have_ffmpeg()) { /* ffmpeg fails on both too */
    const char *fa[] = {"-y", "-i", in, "-map", "0", "-c", "copy", out, NULL};
    assert_int_not_equal(tm_run_ffmpeg(fa), 0);
    const char *fb[] = {"-y", "-i", vob, "-map", "0", "-c:v", "copy", mkv, NULL};
    assert_int_not_equal(tm_run_ffmpeg(fb), 0);
    const char *fc[] = {"-y", "-i", vob, "-map", "0", "-c:v", "copy", out, NULL};
    assert_int_not_equal(tm_run_ffmpeg(fc), 0);
  }
}

/* Whether the file at path holds exactly n bytes equal to want. */
static bool file_is(const char *path, const char *want, size_t n) {
  char buf[256];
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  size_t got = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return got == n && !memcmp(buf, want, n);
}

/* -dump_attachment as Jellyfin extracts fonts ("-dump_attachment:t '' -i
 * in.mkv -t 0 -f null null", run in the fonts' folder): each attachment's
 * bytes under its filename tag, exit 0, as ffmpeg. An existing name without
 * -y, the input itself and a filename tag that leaves the folder are
 * refused, naming them, and nothing is written. */
static void t_dump_attachment(void **state) {
  (void)state;
  static const char bytes[] = "\0\1\2FONT\377data";
  char font[700], in[700], mkv[700], evil[700], fonts[700], cwd[1024], err[1024];
  snprintf(font, sizeof font, "%s/font.ttf", g_dir);
  FILE *f = fopen(font, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, sizeof bytes, f), sizeof bytes);
  fclose(f);
  tm_source_file("media/clip-h264-aac.mp4", in, sizeof in);
  snprintf(mkv, sizeof mkv, "%s/att.mkv", g_dir);
  snprintf(evil, sizeof evil, "%s/evil.mkv", g_dir);
  /* The same input twice: its attachment named by its file, then by a
   * filename tag that leaves the folder. */
  const char *lines[] = {"-i IN -t 0.3 -c copy -attach FONT -metadata:s:t mimetype=font/ttf OUT",
                         "-i IN -t 0.3 -c copy -attach FONT -metadata:s:t mimetype=font/ttf "
                         "-metadata:s:t:0 filename=../gone.ttf OUT"};
  for (int k = 0; k < 2; k++) {
    char buf[512];
    const char *argv[CH_MAX_ARGS];
    const char *names[] = {"IN", "FONT", "OUT", NULL}, *values[] = {in, font, k ? evil : mkv};
    ch_split_line(lines[k], true, names, values, buf, sizeof buf, argv);
    assert_int_equal(ch_run_err(argv, err, sizeof err), 0);
  }
  snprintf(fonts, sizeof fonts, "%s/fonts", g_dir);
  assert_int_equal(mkdir(fonts, 0777), 0);
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(fonts), 0);
  const char *a[] = {"-v",   "error", "-dump_attachment:t", "", "-i", mkv, "-t", "0", "-f", "null",
                     "null", NULL};
  int rc = ch_run_err(a, err, sizeof err);
  bool dumped = file_is("font.ttf", bytes, sizeof bytes);
  int again = ch_run_err(a, err, sizeof err);
  bool exists_named = strstr(err, "'font.ttf' already exists") != NULL;
  const char *b[] = {"-v",   "error", "-dump_attachment:t", "", "-i", evil, "-t", "0", "-f", "null",
                     "null", NULL};
  int bad = ch_run_err(b, err, sizeof err);
  bool evil_named = strstr(err, "filename tag '../gone.ttf' names a directory") != NULL;
  const char *c[] = {
      "-v",   "error", "-dump_attachment:t", mkv, "-y", "-i", mkv, "-t", "0", "-f", "null",
      "null", NULL};
  int self = ch_run_err(c, err, sizeof err);
  bool self_named = strstr(err, "is the input file") != NULL;
  assert_int_equal(chdir(cwd), 0);
  assert_int_equal(rc, 0);
  assert_true(dumped);
  assert_int_equal(again, 1);
  assert_true(exists_named);
  assert_int_equal(bad, 1);
  assert_true(evil_named);
  assert_false(tm_file_exists(ch_path(g_dir, "gone.ttf")));
  assert_int_equal(self, 1);
  assert_true(self_named);
  assert_true(tm_file_exists(mkv));
  if (have_ffmpeg()) { /* ffmpeg writes the same bytes */
    const char *fa[] = {"-dump_attachment:t",
                        ch_path(g_dir, "ff.ttf"),
                        "-y",
                        "-i",
                        mkv,
                        "-t",
                        "0",
                        "-f",
                        "null",
                        "-",
                        NULL};
    assert_int_equal(tm_run_ffmpeg(fa), 0);
    assert_true(file_is(ch_path(g_dir, "ff.ttf"), bytes, sizeof bytes));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_default_selection), cmocka_unit_test(t_map_all),
      cmocka_unit_test(t_refusals),          cmocka_unit_test(t_disposition_all),
      cmocka_unit_test(t_dump_attachment),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
