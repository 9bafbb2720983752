/* Test helpers that make media: temporary directories and generated clips. */
#ifndef ISOPIPE_MEDIA_GEN_H
#define ISOPIPE_MEDIA_GEN_H

#include "tools/mkclip/clip.h"

#include <stddef.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); buf receives its path. */
int tm_tmpdir_make(char *buf, size_t len);
/* Removes the directory and everything in it. */
void tm_tmpdir_remove(const char *dir);
/* dir/name into buf. */
const char *tm_path(char *buf, size_t len, const char *dir, const char *name);

/* Writes dir/name with o (o->path is ignored); buf receives the path.
 * Returns 0 or a negative AVERROR and prints the reason to stderr. */
int tm_gen_clip(char *buf, size_t len, const char *dir, const char *name, const cx_clip_opts *o);
/* The common case: w x h at 30 fps for seconds, vcodec/acodec NULL = none
 * of that type (unless both NULL: the container's defaults). */
int tm_gen_simple(char *buf, size_t len, const char *dir, const char *name, const char *vcodec,
                  const char *acodec, int w, int h, double seconds, int channels, int rate);
/* H.264 + AAC in MP4, 160x120, the clip's default length, whose first frame
 * is the only keyframe (what -skip_frame nokey and seeks past it meet). */
int tm_gen_one_keyframe(char *buf, size_t len, const char *dir, const char *name);

#endif
