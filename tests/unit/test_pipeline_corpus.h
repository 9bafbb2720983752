/* Shared part of the corpus tests: transcode every corpus file of a folder and check the output. */
#ifndef ISOPIPE_TEST_PIPELINE_CORPUS_H
#define ISOPIPE_TEST_PIPELINE_CORPUS_H

#include "test_pipeline_util.h"

#include <dirent.h>

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
    (*count)++;
  }
  closedir(d);
}

#endif
