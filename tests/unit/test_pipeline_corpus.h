/* Shared part of the corpus tests: transcode every corpus file of a folder and check the output. */
#ifndef ISOPIPE_TEST_PIPELINE_CORPUS_H
#define ISOPIPE_TEST_PIPELINE_CORPUS_H

#include "test_pipeline_util.h"

#include <dirent.h>
#include <stdio.h>

#include "test_need.h"

static char g_dir[512];

static inline int corpus_setup(void **state) {
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static inline int corpus_teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* Files the FFmpeg 5.1 decoders cannot read at all (see the corpus MANIFEST). */
static inline bool unreadable(const char *name) {
  return strstr(name, "xhe-aac") != NULL;
}

static inline void check_output(const char *in, const char *out, const char *vcodec,
                                const char *acodec) {
  tm_probe pin, pout;
  assert_int_equal(tm_probe_file(in, false, &pin), 0);
  if (tm_probe_file(out, true, &pout) != 0) fail_msg("%s: output not readable", in);
  const tm_stream *iv = tm_probe_stream(&pin, AVMEDIA_TYPE_VIDEO);
  const tm_stream *ia = tm_probe_stream(&pin, AVMEDIA_TYPE_AUDIO);
  const tm_stream *ov = tm_probe_stream(&pout, AVMEDIA_TYPE_VIDEO);
  const tm_stream *oa = tm_probe_stream(&pout, AVMEDIA_TYPE_AUDIO);
  if (iv && (!ov || strcmp(ov->codec, vcodec) || ov->frames <= 0))
    fail_msg("%s: no %s video in %s", in, vcodec, out);
  if (ia && (!oa || strcmp(oa->codec, acodec) || oa->samples <= 0))
    fail_msg("%s: no %s audio in %s", in, acodec, out);
  if (pout.decode_errors) fail_msg("%s: %d decode errors in %s", in, pout.decode_errors, out);
}

/* The same transcode by ffmpeg (options as its command line: "-key value"),
 * and the two outputs side by side: the same streams, every video frame
 * (ffmpeg's frame-rate handling is isopipe's too), the audio's length
 * within one encoder frame, the same sizes and rates. A stage that drops
 * or repeats frames fails here. */
static inline void compare_ffmpeg(const char *in, const char *out, const char *const *opts) {
  char ff[1100];
  snprintf(ff, sizeof ff, "%s.ffmpeg.%s", out, strrchr(out, '.') + 1);
  const char *args[40] = {"-i", in};
  int n = 2;
  char keys[16][40];
  for (int i = 0; opts[i] && opts[i + 1] && n < 36; i += 2) {
    snprintf(keys[i / 2], sizeof keys[0], "-%s", opts[i]);
    args[n++] = keys[i / 2];
    args[n++] = opts[i + 1];
  }
  args[n++] = ff;
  args[n] = NULL;
  if (tm_run_ffmpeg(args) != 0) {
    /* libx264 and libvpx refuse odd 4:2:0 sizes in ffmpeg; isopipe rounds
     * them down to even, which is this filter. */
    args[n - 1] = "-vf";
    args[n++] = "scale=trunc(iw/2)*2:trunc(ih/2)*2";
    args[n++] = ff;
    args[n] = NULL;
    if (tm_run_ffmpeg(args) != 0) fail_msg("%s: ffmpeg failed on the same transcode", in);
  }
  tm_probe pi, pf;
  if (tm_probe_file(out, true, &pi) != 0 || tm_probe_file(ff, true, &pf) != 0)
    fail_msg("%s: an output is not readable", in);
  /* Subtitles are compared by the subtitle tests; here audio and video. */
  int avi = 0, avf = 0, subf = 0;
  for (int k = 0; k < pi.nb_streams; k++)
    avi += pi.st[k].type == AVMEDIA_TYPE_VIDEO || pi.st[k].type == AVMEDIA_TYPE_AUDIO;
  for (int k = 0; k < pf.nb_streams; k++) {
    avf += pf.st[k].type == AVMEDIA_TYPE_VIDEO || pf.st[k].type == AVMEDIA_TYPE_AUDIO;
    subf += pf.st[k].type == AVMEDIA_TYPE_SUBTITLE;
  }
  if (avi != avf) fail_msg("%s: %d audio/video streams, ffmpeg's output %d", in, avi, avf);
  if (subf && pi.nb_streams != pf.nb_streams)
    print_message("%s: ffmpeg's output has %d subtitle stream(s), isopipe's %d\n",
                  strrchr(in, '/') + 1, subf, pi.nb_streams - avi);
  const tm_stream *iv = tm_probe_stream(&pi, AVMEDIA_TYPE_VIDEO);
  const tm_stream *fv = tm_probe_stream(&pf, AVMEDIA_TYPE_VIDEO);
  if (iv && fv) {
    if (iv->frames != fv->frames)
      fail_msg("%s: %lld video frames, ffmpeg's output %lld", in, (long long)iv->frames,
               (long long)fv->frames);
    if (iv->width != fv->width || iv->height != fv->height)
      fail_msg("%s: %dx%d, ffmpeg's output %dx%d", in, iv->width, iv->height, fv->width,
               fv->height);
  }
  const tm_stream *ia = tm_probe_stream(&pi, AVMEDIA_TYPE_AUDIO);
  const tm_stream *fa = tm_probe_stream(&pf, AVMEDIA_TYPE_AUDIO);
  if (ia && fa) {
    if (ia->sample_rate != fa->sample_rate || ia->channels != fa->channels)
      fail_msg("%s: audio %d Hz %d ch, ffmpeg's output %d Hz %d ch", in, ia->sample_rate,
               ia->channels, fa->sample_rate, fa->channels);
    long long d = (long long)(ia->samples - fa->samples);
    if (d < -1024 || d > 1024)
      fail_msg("%s: %lld audio samples, ffmpeg's output %lld", in, (long long)ia->samples,
               (long long)fa->samples);
  }
  print_message("%s: as ffmpeg (%lld frames, %lld samples)\n", strrchr(in, '/') + 1,
                iv ? (long long)iv->frames : 0LL, ia ? (long long)ia->samples : 0LL);
  remove(ff);
}

static inline void transcode_dir(const char *sub, const char *ext, const char *const *opts,
                                 const char *vcodec, const char *acodec, int *count) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", tm_corpus_dir(), sub);
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || unreadable(e->d_name)) continue;
    char in[1300], out[1024], name[300];
    snprintf(in, sizeof in, "%s/%s", dir, e->d_name);
    snprintf(name, sizeof name, "%s.%s", e->d_name, ext);
    tm_path(out, sizeof out, g_dir, name);
    const char *kv[32] = {"i", in, "o", out};
    int n = 4;
    for (int i = 0; opts[i]; i++)
      kv[n++] = opts[i];
    kv[n] = NULL;
    tp_run r;
    tp_init(&r);
    if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s -> %s: %s", e->d_name, ext, r.error);
    check_output(in, out, vcodec, acodec);
    compare_ffmpeg(in, out, opts);
    (*count)++;
  }
  closedir(d);
}

#endif
