/* A real line's outputs, found and compared with ffmpeg's: files written, streams, sizes,
 * durations, frame counts, metadata (test_cli_lines.c). */
#ifndef ISOPIPE_CLI_LINES_RESULT_H
#define ISOPIPE_CLI_LINES_RESULT_H

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/display.h>

#include "test_media.h"

/* The first output file: OUT itself, or the first of an image pattern; the
 * number of files written in *count. */
static inline const char *cl_first_output(const char *out, char *buf, size_t len, int *count) {
  *count = 0;
  if (!strchr(out, '%')) {
    *count = tm_file_exists(out);
    return out;
  }
  char dir[700];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  *slash = 0;
  const char *base = slash + 1;
  size_t plen = strcspn(base, "%");
  DIR *d = opendir(dir);
  if (!d) return NULL;
  buf[0] = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, base, plen) && strcmp(e->d_name, base)) {
      (*count)++;
      char cand[1200];
      snprintf(cand, sizeof cand, "%s/%s", dir, e->d_name);
      if (!buf[0] || strcmp(cand, buf) < 0) snprintf(buf, len, "%s", cand);
    }
  closedir(d);
  return buf[0] ? buf : NULL;
}

/* Global, per-stream (by index) and chapter metadata as sorted text lines,
 * without the duration tags muxers write from the length. */
static inline void cl_meta_text(const char *path, char *out, size_t len) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  size_t n = 0;
  const AVDictionaryEntry *e = NULL;
  for (int s = -1; s < (int)ic->nb_streams; s++) {
    const AVDictionary *m = s < 0 ? ic->metadata : ic->streams[s]->metadata;
    while ((e = av_dict_get(m, "", e, AV_DICT_IGNORE_SUFFIX)))
      if (av_strcasecmp(e->key, "duration") && n < len)
        n += (size_t)snprintf(out + n, len - n, "%d:%s=%s\n", s, e->key, e->value);
    /* A display rotation, as a player turns the picture. */
    const int32_t *dm = s < 0 ? NULL
                              : (const int32_t *)av_stream_get_side_data(
                                    ic->streams[s], AV_PKT_DATA_DISPLAYMATRIX, NULL);
    double r = dm ? av_display_rotation_get(dm) : 0;
    if (dm && r == r && r != 0 && n < len)
      n += (size_t)snprintf(out + n, len - n, "%d:(rotation)=%.0f\n", s, r);
    /* The field order the container states (Matroska's, a MOV's 'fiel'). */
    if (s >= 0 && ic->streams[s]->codecpar->field_order != AV_FIELD_UNKNOWN && n < len)
      n += (size_t)snprintf(out + n, len - n, "%d:(field order)=%d\n", s,
                            (int)ic->streams[s]->codecpar->field_order);
  }
  for (unsigned c = 0; c < ic->nb_chapters && n < len; c++)
    n += (size_t)snprintf(out + n, len - n, "chapter %u\n", c);
  avformat_close_input(&ic);
}

/* path's directory joined with name (or name, when it is absolute). */
static inline void cl_beside(const char *path, const char *name, char *out, size_t n) {
  const char *slash = strrchr(path, '/');
  if (name[0] == '/' || !slash)
    snprintf(out, n, "%s", name);
  else
    snprintf(out, n, "%.*s/%s", (int)(slash - path), path, name);
}

/* An HLS playlist's segment count and its first segment's path (a live one,
 * without an end tag, would have the demuxer wait for more). fMP4 segments
 * read only after their init section: the two are joined into a file of
 * their own. */
static inline int cl_m3u8_first(const char *path, char *seg, size_t n) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[1024], init[1200] = "";
  int count = 0;
  seg[0] = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!strncmp(line, "#EXTINF", 7)) count++;
    const char *uri = strstr(line, "#EXT-X-MAP:URI=\"");
    if (uri && !init[0]) {
      uri += 16;
      char name[1024];
      snprintf(name, sizeof name, "%.*s", (int)strcspn(uri, "\""), uri);
      cl_beside(path, name, init, sizeof init);
    }
    if (line[0] && line[0] != '#' && !seg[0]) cl_beside(path, line, seg, n);
  }
  fclose(f);
  if (init[0] && seg[0] && strcmp(init, seg)) {
    char joined[1200];
    snprintf(joined, sizeof joined, "%.1180s.first.mp4", path);
    FILE *o = fopen(joined, "wb");
    const char *parts[2] = {init, seg};
    for (int i = 0; i < 2 && o; i++) {
      FILE *in = fopen(parts[i], "rb");
      char b[65536];
      size_t r;
      while (in && (r = fread(b, 1, sizeof b, in)) > 0)
        fwrite(b, 1, r, o);
      if (in) fclose(in);
    }
    if (o) fclose(o);
    snprintf(seg, n, "%s", joined);
  }
  return count;
}

/* Same streams, sizes within a quarter (and 4 KiB), durations within 0.1 s
 * (or 5 %), frame counts within 1, the same metadata. */
static inline bool cl_same_result(const char *a, int na, const char *b, int nb, char *why,
                                  size_t wn) {
  if (na != nb) return snprintf(why, wn, "%d files, ffmpeg %d", na, nb), false;
  size_t la = strlen(a);
  if (la > 5 && !strcmp(a + la - 5, ".m3u8")) {
    char sa[1200], sb[1200];
    int ca = cl_m3u8_first(a, sa, sizeof sa), cb = cl_m3u8_first(b, sb, sizeof sb);
    if (ca != cb || ca < 1)
      return snprintf(why, wn, "%d segments in the playlist, ffmpeg %d", ca, cb), false;
    return cl_same_result(sa, 1, sb, 1, why, wn);
  }
  tm_probe pa, pb;
  int ra = tm_probe_file(a, true, &pa), rb = tm_probe_file(b, true, &pb);
  if (ra < 0 && rb < 0) /* raw outputs (-f rawvideo): the bytes must be as many */
    return tm_file_size(a) == tm_file_size(b) && tm_file_size(a) > 0
               ? true
               : (snprintf(why, wn, "raw output: %lld bytes, ffmpeg %lld",
                           (long long)tm_file_size(a), (long long)tm_file_size(b)),
                  false);
  if (ra < 0 || rb < 0) return snprintf(why, wn, "cannot read the outputs"), false;
  if (pa.nb_streams != pb.nb_streams)
    return snprintf(why, wn, "%d streams, ffmpeg %d", pa.nb_streams, pb.nb_streams), false;
  for (int i = 0; i < pa.nb_streams; i++) {
    const tm_stream *x = &pa.st[i], *y = &pb.st[i];
    if (x->type != y->type || strcmp(x->codec, y->codec))
      return snprintf(why, wn, "stream %d is %s, ffmpeg %s", i, x->codec, y->codec), false;
    if (x->width != y->width || x->height != y->height || x->sample_rate != y->sample_rate ||
        x->channels != y->channels)
      return snprintf(why, wn, "stream %d: %dx%d %d Hz %d ch, ffmpeg %dx%d %d Hz %d ch", i,
                      x->width, x->height, x->sample_rate, x->channels, y->width, y->height,
                      y->sample_rate, y->channels),
             false;
    if (x->type == AVMEDIA_TYPE_VIDEO && llabs(x->frames - y->frames) > 1)
      return snprintf(why, wn, "stream %d: %lld frames, ffmpeg %lld", i, (long long)x->frames,
                      (long long)y->frames),
             false;
  }
  double dt = fabs(pa.duration - pb.duration);
  if (dt > 0.1 && dt > 0.05 * pb.duration)
    return snprintf(why, wn, "duration %.3f s, ffmpeg %.3f s", pa.duration, pb.duration), false;
  int64_t ds = llabs(pa.size - pb.size);
  if (ds > 4096 && ds * 4 > pb.size)
    return snprintf(why, wn, "%lld bytes, ffmpeg %lld", (long long)pa.size, (long long)pb.size),
           false;
  char ma[4096], mb[4096];
  cl_meta_text(a, ma, sizeof ma);
  cl_meta_text(b, mb, sizeof mb);
  if (strcmp(ma, mb)) return snprintf(why, wn, "metadata:\n%s-- ffmpeg:\n%s", ma, mb), false;
  return true;
}

#endif
