/* Test helpers that make media: temporary directories and clips generated with the codec layer. */
#define _XOPEN_SOURCE 700
#include "media_gen.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int tm_tmpdir_make(char *buf, size_t len) {
  const char *base = getenv("TMPDIR");
  snprintf(buf, len, "%s/isopipe-test-XXXXXX", base && *base ? base : "/tmp");
  return mkdtemp(buf) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

void tm_tmpdir_remove(const char *dir) {
  if (dir && *dir) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tm_path(char *buf, size_t len, const char *dir, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
  return buf;
}

int tm_gen_clip(char *buf, size_t len, const char *dir, const char *name, const cx_clip_opts *o) {
  cx_clip_opts c = *o;
  c.path = tm_path(buf, len, dir, name);
  char err[CX_ERRLEN] = "";
  int ret = cx_clip_make(&c, err);
  if (ret < 0) fprintf(stderr, "tm_gen_clip %s: %s\n", name, err);
  return ret;
}

int tm_gen_simple(char *buf, size_t len, const char *dir, const char *name, const char *vcodec,
                  const char *acodec, int w, int h, double seconds, int channels, int rate) {
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.vcodec = vcodec;
  o.acodec = acodec;
  if (vcodec || acodec) {
    o.no_video = !vcodec;
    o.no_audio = !acodec;
  }
  if (w > 0) o.width = w;
  if (h > 0) o.height = h;
  if (seconds > 0) o.duration = seconds;
  if (channels > 0) o.channels = channels;
  if (rate > 0) o.sample_rate = rate;
  return tm_gen_clip(buf, len, dir, name, &o);
}

int tm_gen_one_keyframe(char *buf, size_t len, const char *dir, const char *name) {
  cx_clip_opts o;
  cx_clip_defaults(&o);
  o.vcodec = "libx264";
  o.acodec = "aac";
  o.width = 160;
  o.height = 120;
  o.gop = 1000;
  return tm_gen_clip(buf, len, dir, name, &o);
}
