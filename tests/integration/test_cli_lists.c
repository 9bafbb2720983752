/* ffmpeg's list and help options (-formats, -encoders, -filters, -h encoder=NAME, -version ...)
 * print what ffmpeg prints for the same libraries: programs read them to choose their command
 * lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "test_need.h"

static bool g_have_ffmpeg;

static int setup(void **state) {
  (void)state;
  g_have_ffmpeg = tm_have_program("ffmpeg", NULL, 0);
  return 0;
}

/* isopipe's stdout for args (exit status into *rc), or NULL; free it. */
static char *iso_out(const char *const *args, int *rc, char **err) {
  ch_proc p;
  *rc = ch_run(&p, args, 60);
  char *s = strdup(ch_str(&p.out));
  if (err) *err = strdup(ch_str(&p.err));
  ch_free(&p);
  return s;
}

/* ffmpeg's stdout for "ffmpeg -hide_banner WORDS", or NULL; free it. */
static char *ff_out(const char *words) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "ffmpeg -hide_banner %s 2>/dev/null", words);
  FILE *f = popen(cmd, "r");
  if (!f) return NULL;
  ch_buf b = {0};
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    ch_buf_add(&b, chunk, n);
  pclose(f);
  char *s = strdup(ch_str(&b));
  free(b.data);
  return s;
}

/* Drops the lines of s that start with prefix, or (with a names list) the
 * format rows whose name is in names (" DE name ..."). */
static void drop_lines(char *s, const char *prefix, const char *names) {
  char *w = s, *r = s;
  while (*r) {
    char *e = strchr(r, '\n');
    size_t len = e ? (size_t)(e - r + 1) : strlen(r);
    bool drop = false;
    if (prefix && !strncmp(r, prefix, strlen(prefix))) drop = true;
    if (names && len > 4 && r[0] == ' ' && r[3] == ' ') {
      char name[96];
      if (sscanf(r + 4, "%95s", name) == 1) {
        char key[100];
        snprintf(key, sizeof key, " %s ", name);
        drop = strstr(names, key) != NULL;
      }
    }
    if (!drop) {
      memmove(w, r, len);
      w += len;
    }
    r += len;
  }
  *w = 0;
}

static void same_text(const char *what, const char *iso, const char *ff) {
  if (!strcmp(iso, ff)) return;
  size_t i = 0, line = 1;
  while (iso[i] && iso[i] == ff[i]) {
    if (iso[i] == '\n') line++;
    i++;
  }
  fail_msg(
      "%s: isopipe's output differs from ffmpeg's at line %zu:\nisopipe: %.120s\nffmpeg:  %.120s",
      what, line, iso + i, ff + i);
}

/* The lists that come from the same libraries, byte for byte. */
static void t_lists_as_ffmpeg(void **state) {
  (void)state;
  TM_NEED(g_have_ffmpeg, "ffmpeg (to compare its lists)");
  static const char *const lists[] = {"-codecs",      "-decoders",     "-encoders", "-bsfs",
                                      "-protocols",   "-filters",      "-pix_fmts", "-layouts",
                                      "-sample_fmts", "-dispositions", "-colors",   "-buildconf"};
  for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
    const char *opt = lists[k];
    int rc;
    const char *args[] = {"-hide_banner", opt, NULL};
    char *iso = iso_out(args, &rc, NULL), *ff = ff_out(opt);
    assert_int_equal(rc, 0);
    assert_true(strlen(ff) > 20);
    same_text(opt, iso, ff);
    free(iso);
    free(ff);
  }
}

/* Formats: ffmpeg's rows without its capture and playback devices, which
 * isopipe does not use. */
static void t_formats_as_ffmpeg(void **state) {
  (void)state;
  TM_NEED(g_have_ffmpeg, "ffmpeg (to compare its lists)");
  char *dev = ff_out("-devices");
  /* " name1 name2 ... " from the device rows. */
  char names[4096] = " ";
  drop_lines(dev, "Devices:", NULL);
  for (char *l = strtok(dev, "\n"); l; l = strtok(NULL, "\n")) {
    char name[96];
    if (strlen(l) > 4 && l[0] == ' ' && l[3] == ' ' && sscanf(l + 4, "%95s", name) == 1 &&
        strcmp(name, "="))
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s ", name);
  }
  free(dev);
  assert_true(strlen(names) > 3);
  static const char *const lists[] = {"-formats", "-muxers", "-demuxers"};
  for (int k = 0; k < 3; k++) {
    int rc;
    const char *args[] = {"-hide_banner", lists[k], NULL};
    char *iso = iso_out(args, &rc, NULL), *ff = ff_out(lists[k]);
    assert_int_equal(rc, 0);
    drop_lines(ff, NULL, names);
    same_text(lists[k], iso, ff);
    free(iso);
    free(ff);
  }
}

/* Without ffmpeg too: the lists hold what isopipe itself uses, and it
 * names no devices and no hardware acceleration. */
static void t_lists_hold_what_isopipe_uses(void **state) {
  (void)state;
  static const struct {
    const char *opt, *row;
  } rows[] = {{"-encoders", " mpeg4 "},    {"-decoders", " h264 "},
              {"-filters", " scale "},     {"-muxers", " matroska "},
              {"-demuxers", " mov,mp4"},   {"-bsfs", "\naac_adtstoasc\n"},
              {"-protocols", "\n  file\n"}};
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    int rc;
    const char *args[] = {rows[k].opt, NULL};
    char *iso = iso_out(args, &rc, NULL);
    assert_int_equal(rc, 0);
    if (!strstr(iso, rows[k].row)) fail_msg("%s lacks '%s'", rows[k].opt, rows[k].row);
    free(iso);
  }
  int rc;
  char *err;
  const char *bs[] = {"-bsfs", NULL};
  char *out = iso_out(bs, &rc, &err);
  /* The banner on stderr, as ffmpeg's: yt-dlp reads the version there. */
  assert_int_equal(strncmp(err, "isopipe version ", 16), 0);
  free(out);
  free(err);
  const char *hw[] = {"-hwaccels", NULL}, *dv[] = {"-devices", NULL};
  char *s = iso_out(hw, &rc, NULL);
  assert_string_equal(s, "Hardware acceleration methods:\n\n");
  free(s);
  s = iso_out(dv, &rc, NULL);
  assert_string_equal(s, "Devices:\n D. = Demuxing supported\n .E = Muxing supported\n --\n");
  free(s);
}

/* -h TOPIC=NAME: ffmpeg's text, less the hardware devices isopipe never
 * opens; an unknown name is said as ffmpeg says it. */
static void t_help_topics(void **state) {
  (void)state;
  TM_NEED(g_have_ffmpeg, "ffmpeg (to compare its help)");
  static const char *const topics[] = {"encoder=aac", "decoder=h264",         "encoder=h264",
                                       "muxer=mp4",   "demuxer=mov",          "filter=scale",
                                       "filter=amix", "bsf=h264_mp4toannexb", "protocol=file"};
  for (size_t k = 0; k < sizeof topics / sizeof topics[0]; k++) {
    int rc;
    char words[128];
    snprintf(words, sizeof words, "-h %s", topics[k]);
    const char *args[] = {"-h", topics[k], NULL};
    char *iso = iso_out(args, &rc, NULL), *ff = ff_out(words);
    assert_int_equal(rc, 0);
    drop_lines(ff, "    Supported hardware devices:", NULL);
    assert_true(strlen(iso) > 40);
    same_text(topics[k], iso, ff);
    free(iso);
    free(ff);
  }
  int rc;
  char *err;
  const char *args[] = {"-h", "encoder=nosuchcodec", NULL};
  char *iso = iso_out(args, &rc, &err);
  assert_int_equal(rc, 0);
  assert_string_equal(iso, "");
  assert_non_null(strstr(err, "Codec 'nosuchcodec' is not recognized"));
  free(iso);
  free(err);
}

/* -? is -h; -L names FFmpeg's license (isopipe's own is its source's). */
static void t_help_and_license(void **state) {
  (void)state;
  int rc;
  const char *q[] = {"-?", NULL}, *h[] = {"-h", NULL}, *l[] = {"-L", NULL};
  char *a = iso_out(q, &rc, NULL);
  assert_int_equal(rc, 0);
  char *b = iso_out(h, &rc, NULL);
  assert_non_null(strstr(a, "usage: isopipe"));
  assert_string_equal(a, b);
  free(a);
  free(b);
  a = iso_out(l, &rc, NULL);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(a, "FFmpeg's libraries, whose license is: "));
  free(a);
}

/* -version: ffmpeg's layout, whose library lines programs parse. */
static void t_version_libs(void **state) {
  (void)state;
  int rc;
  const char *args[] = {"-version", NULL};
  char *iso = iso_out(args, &rc, NULL);
  assert_int_equal(rc, 0);
  assert_int_equal(strncmp(iso, "isopipe version ", 16), 0);
  assert_non_null(strstr(iso, "\nlibavcodec     "));
  if (g_have_ffmpeg) {
    char *ff = ff_out("-version");
    static const char *const libs[] = {"libavutil ",   "libavcodec ", "libavformat ",
                                       "libavfilter ", "libswscale ", "libswresample "};
    for (int k = 0; k < 6; k++) {
      const char *a = strstr(iso, libs[k]), *b = strstr(ff, libs[k]);
      assert_non_null(a);
      assert_non_null(b);
      size_t n = strcspn(b, "\n");
      if (strncmp(a, b, n)) fail_msg("isopipe: %.*s\nffmpeg:  %.*s", (int)n, a, (int)n, b);
    }
    free(ff);
  }
  free(iso);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_lists_as_ffmpeg),
      cmocka_unit_test(t_formats_as_ffmpeg),
      cmocka_unit_test(t_lists_hold_what_isopipe_uses),
      cmocka_unit_test(t_help_topics),
      cmocka_unit_test(t_help_and_license),
      cmocka_unit_test(t_version_libs),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, NULL));
}
