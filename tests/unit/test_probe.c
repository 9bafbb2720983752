/* iso_probe against ffprobe: streams, codecs, sizes, rates, duration, tags and chapters of the
 * bundled clips and the corpus, and its structured errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "isopipe/probe.h"
#include "media_gen.h"
#include "test_media.h"

static char g_dir[512];

/* What ffprobe says of a file, parsed from its "default" writer without wrappers. */
typedef struct ref_stream {
  char type[16], codec[32], rate[32];
  int width, height, sample_rate, channels;
} ref_stream;

typedef struct ref_probe {
  int nstreams, nchapters, ntags;
  ref_stream st[32];
  double ch_start[16], ch_end[16];
  char ch_title[16][64];
  char format[64], title[256];
  double duration;
} ref_probe;

static bool have_tool(const char *name) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
  return system(cmd) == 0;
}

static int ffprobe(const char *path, ref_probe *r) {
  memset(r, 0, sizeof *r);
  r->duration = -1;
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -show_entries "
           "format=nb_streams,format_name,duration:format_tags:stream=index,codec_type,codec_name,"
           "width,height,sample_rate,channels,avg_frame_rate:chapter=start_time,end_time:"
           "chapter_tags=title -of default=nw=1 '%s'",
           path);
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  char line[4096];
  bool in_format = false;
  ref_stream *s = NULL;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    const char *k = line, *v = eq + 1;
    if (!strcmp(k, "index")) {
      /* mpegts lists its streams again under their program: keep the first */
      static ref_stream again;
      int idx = atoi(v);
      s = idx == r->nstreams && r->nstreams < 32 ? &r->st[r->nstreams++] : &again;
    } else if (!strcmp(k, "nb_streams")) {
      in_format = true;
    } else if (in_format) {
      if (!strcmp(k, "format_name")) snprintf(r->format, sizeof r->format, "%s", v);
      if (!strcmp(k, "duration") && strcmp(v, "N/A")) r->duration = atof(v);
      if (!strncmp(k, "TAG:", 4)) r->ntags++;
      if (!strcmp(k, "TAG:title")) snprintf(r->title, sizeof r->title, "%s", v);
    } else if (!strcmp(k, "start_time") && r->nchapters < 16) {
      r->ch_start[r->nchapters++] = atof(v);
    } else if (!strcmp(k, "end_time") && r->nchapters > 0) {
      r->ch_end[r->nchapters - 1] = atof(v);
    } else if (!strcmp(k, "TAG:title") && r->nchapters > 0) {
      snprintf(r->ch_title[r->nchapters - 1], sizeof r->ch_title[0], "%s", v);
    } else if (s) {
      int n = strcmp(v, "N/A") ? atoi(v) : 0;
      if (!strcmp(k, "codec_type")) snprintf(s->type, sizeof s->type, "%s", v);
      if (!strcmp(k, "codec_name")) snprintf(s->codec, sizeof s->codec, "%s", v);
      if (!strcmp(k, "avg_frame_rate")) snprintf(s->rate, sizeof s->rate, "%s", v);
      if (!strcmp(k, "width")) s->width = n;
      if (!strcmp(k, "height")) s->height = n;
      if (!strcmp(k, "sample_rate")) s->sample_rate = n;
      if (!strcmp(k, "channels")) s->channels = n;
    }
  }
  return pclose(f);
}

static const char *tag_of(const iso_tag *t, int n, const char *key) {
  for (int i = 0; i < n; i++)
    if (!strcmp(t[i].key, key)) return t[i].value;
  return NULL;
}

static void compare(const char *path) {
  ref_probe ref;
  assert_int_equal(ffprobe(path, &ref), 0);
  iso_probe_info *info = NULL;
  iso_error_info err;
  int r = iso_probe(path, NULL, &info, &err);
  if (r != ISO_OK) fail_msg("%s: %s", path, err.message);
  assert_non_null(info);
  assert_string_equal(info->url, path);
  assert_string_equal(info->format, ref.format);
  if (ref.duration >= 0)
    assert_true(info->duration_s > ref.duration - 0.001 && info->duration_s < ref.duration + 0.001);
  else
    assert_true(info->duration_s < 0);
  assert_int_equal(info->size, tm_file_size(path));
  assert_int_equal(info->nstreams, ref.nstreams);
  for (int i = 0; i < ref.nstreams; i++) {
    const iso_probe_stream *s = &info->streams[i];
    const ref_stream *e = &ref.st[i];
    assert_int_equal(s->index, i);
    assert_string_equal(s->type_name, e->type);
    if (e->codec[0]) assert_string_equal(s->codec, e->codec);
    assert_int_equal(s->width, e->width);
    assert_int_equal(s->height, e->height);
    assert_int_equal(s->sample_rate, e->sample_rate);
    assert_int_equal(s->channels, e->channels);
    if (s->type == ISO_MEDIA_VIDEO) {
      char rate[32];
      snprintf(rate, sizeof rate, "%d/%d", s->frame_rate_num, s->frame_rate_den);
      assert_string_equal(rate, e->rate);
      assert_non_null(s->pix_fmt);
    }
  }
  assert_int_equal(info->nmetadata, ref.ntags);
  if (ref.title[0])
    assert_string_equal(tag_of(info->metadata, info->nmetadata, "title"), ref.title);
  assert_int_equal(info->nchapters, ref.nchapters);
  for (int i = 0; i < ref.nchapters; i++) {
    assert_true(info->chapters[i].start_s > ref.ch_start[i] - 0.001 &&
                info->chapters[i].start_s < ref.ch_start[i] + 0.001);
    assert_true(info->chapters[i].end_s > ref.ch_end[i] - 0.001 &&
                info->chapters[i].end_s < ref.ch_end[i] + 0.001);
    if (ref.ch_title[i][0]) assert_string_equal(info->chapters[i].title, ref.ch_title[i]);
  }
  iso_probe_free(info);
}

static void t_bundled_clips(void **state) {
  (void)state;
  if (!have_tool("ffprobe")) skip();
  const char *clips[] = {"clip-h264-aac.mp4",    "clip-vp9-opus.webm", "clip-5.1-flac.mkv",
                         "clip-44k1-mono.mp3",   "clip-rotate90.mp4",  "clip-hevc-10bit.mkv",
                         "clip-161x121-vp9.webm"};
  for (size_t i = 0; i < sizeof clips / sizeof *clips; i++) {
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "media/%s", clips[i]);
    compare(tm_source_file(rel, path, sizeof path));
  }
}

static void t_corpus(void **state) {
  (void)state;
  if (!have_tool("ffprobe") || !tm_corpus_dir()) skip();
  const char *files[] = {"video/big_buck_bunny_metadata.m4v",
                         "video/no_cluster_position.mkv",
                         "video/bt601-525_480_telecined_hard.ts",
                         "video/multiplex.ogg",
                         "video/subtitles_vobsub.mkv",
                         "audio/bear.flac",
                         "audio/bear.opus",
                         "video/sample_scte35.ts"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char path[1024];
    if (tm_corpus_file(files[i], path, sizeof path)) compare(path);
  }
}

/* Attached picture, rotation, language, best streams: fields ffprobe's
 * default writer does not list per stream. */
static void t_stream_details(void **state) {
  (void)state;
  char path[1024];
  iso_probe_info *info = NULL;
  assert_int_equal(
      iso_probe(tm_source_file("media/clip-rotate90.mp4", path, sizeof path), NULL, &info, NULL),
      ISO_OK);
  assert_int_equal(info->best_video, 0);
  double rot = info->streams[info->best_video].rotation;
  assert_true(rot == 90 || rot == -90 || rot == 270);
  iso_probe_free(info);
  if (!tm_corpus_file("video/big_buck_bunny_metadata.m4v", path, sizeof path)) return;
  assert_int_equal(iso_probe(path, NULL, &info, NULL), ISO_OK);
  assert_true(info->streams[2].attached_pic);
  assert_false(info->streams[0].attached_pic);
  assert_int_equal(info->best_video, 0);
  assert_int_equal(info->best_audio, 1);
  assert_string_equal(info->streams[1].channel_layout, "stereo");
  assert_string_equal(info->streams[1].sample_fmt, "fltp");
  iso_probe_free(info);
}

/* Chapters and tags written by ffmpeg from an ffmetadata file. */
static void t_chapters(void **state) {
  (void)state;
  if (!have_tool("ffmpeg") || !have_tool("ffprobe")) skip();
  char meta[1024], out[1024], in[1024], cmd[4096];
  tm_path(meta, sizeof meta, g_dir, "chapters.txt");
  tm_path(out, sizeof out, g_dir, "chapters.mkv");
  FILE *f = fopen(meta, "w");
  assert_non_null(f);
  fputs(";FFMETADATA1\ntitle=Probe test\nartist=isopipe\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\n"
        "END=500\ntitle=Opening\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Close\n",
        f);
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "ffmpeg -nostdin -v error -y -i '%s' -i '%s' -map 0 -map_metadata 1 -map_chapters 1 "
           "-c copy '%s'",
           tm_source_file("media/clip-h264-aac.mp4", in, sizeof in), meta, out);
  assert_int_equal(system(cmd), 0);
  compare(out);
  iso_probe_info *info = NULL;
  assert_int_equal(iso_probe(out, NULL, &info, NULL), ISO_OK);
  assert_int_equal(info->nchapters, 2);
  assert_string_equal(info->chapters[1].title, "Close");
  const char *title = tag_of(info->metadata, info->nmetadata, "title");
  assert_non_null(title);
  assert_string_equal(title, "Probe test");
  iso_probe_free(info);
}

static void t_errors(void **state) {
  (void)state;
  iso_probe_info *info = (iso_probe_info *)1;
  iso_error_info err;
  assert_int_equal(iso_probe("/nonexistent/x.mp4", NULL, &info, &err), ISO_EMEDIA);
  assert_null(info);
  assert_int_equal(err.category, ISO_ERRCAT_INPUT_NOT_FOUND);
  assert_int_equal(err.av_error, AVERROR(ENOENT));
  assert_string_equal(err.stage, "probe");
  assert_string_equal(err.file, "/nonexistent/x.mp4");
  assert_non_null(strstr(err.message, "No such file"));

  char garbage[1024];
  tm_path(garbage, sizeof garbage, g_dir, "garbage.mp4");
  FILE *f = fopen(garbage, "w");
  assert_non_null(f);
  for (int i = 0; i < 4096; i++)
    fputc("not media at all\n"[i % 17], f);
  fclose(f);
  assert_int_equal(iso_probe(garbage, NULL, &info, &err), ISO_EMEDIA);
  assert_int_equal(err.category, ISO_ERRCAT_CORRUPT);
  assert_string_equal(iso_error_category_name(err.category), "corrupt input");

  iso_probe_opts o = {.format = "no-such-format"};
  char path[1024];
  tm_source_file("media/clip-h264-aac.mp4", path, sizeof path);
  assert_int_equal(iso_probe(path, &o, &info, &err), ISO_EMEDIA);
  assert_int_equal(err.category, ISO_ERRCAT_UNSUPPORTED);

  /* The output side's protocols are not the input's: tcp is refused. */
  assert_int_equal(iso_probe("tcp://127.0.0.1:9/x", NULL, &info, &err), ISO_EMEDIA);
  assert_int_equal(err.category, ISO_ERRCAT_INPUT_ACCESS);
  assert_non_null(strstr(err.message, "not allowed"));

  char empty[1024];
  if (tm_corpus_file("broken/emptyfile.mp3", empty, sizeof empty)) {
    assert_int_not_equal(iso_probe(empty, NULL, &info, &err), ISO_OK);
    assert_int_equal(err.category, ISO_ERRCAT_CORRUPT);
  }
  assert_int_equal(iso_probe(NULL, NULL, &info, &err), ISO_EINVAL);
  iso_probe_free(NULL);
}

static int setup(void **state) {
  (void)state;
  return tm_tmpdir_make(g_dir, sizeof g_dir);
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_bundled_clips),  cmocka_unit_test(t_corpus),
      cmocka_unit_test(t_stream_details), cmocka_unit_test(t_chapters),
      cmocka_unit_test(t_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
