/* Test helpers for media: corpus and source paths, and probing a file with libavformat. */
#ifndef ISOPIPE_TEST_MEDIA_H
#define ISOPIPE_TEST_MEDIA_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TM_MAX_STREAMS 16

typedef struct tm_stream {
  enum AVMediaType type;
  char codec[32];
  double duration; /* seconds from the stream (or the container), -1 unknown */
  double start;    /* seconds of the first packet's pts, -1 unknown */
  int64_t packets;
  int64_t frames;          /* decoded frames (only with decode) */
  int64_t samples;         /* decoded audio samples (only with decode) */
  double decoded_duration; /* last frame end - first frame start, seconds (decode) */
  int width, height;
  AVRational sar; /* sample aspect ratio as the container and codec agree on it */
  AVRational avg_frame_rate;
  enum AVPixelFormat pix_fmt;
  int sample_rate, channels;
  enum AVSampleFormat sample_fmt;
  double rotation; /* display matrix, degrees (counter-clockwise); 0 none */
  bool has_rotation;
} tm_stream;

typedef struct tm_probe {
  char format[64];
  int64_t size; /* bytes on disk */
  double duration;
  int nb_streams;
  tm_stream st[TM_MAX_STREAMS];
  int decode_errors;
} tm_probe;

/* Opens path with libavformat (not with isopipe's code), counts packets per
 * stream and, with decode, decodes every frame. 0 or a negative AVERROR. */
int tm_probe_file(const char *path, bool decode, tm_probe *out);
/* First stream of a type in a probe, or NULL. */
const tm_stream *tm_probe_stream(const tm_probe *p, enum AVMediaType type);

/* The media corpus directory (ISO_MEDIA_CORPUS, else ISO_SOURCE_DIR/../shared/
 * media-corpus) or NULL when it is absent: callers skip() then. */
const char *tm_corpus_dir(void);
/* rel inside the corpus, or NULL when the corpus or the file is missing. */
const char *tm_corpus_file(const char *rel, char *buf, size_t len);
/* rel inside the source tree (e.g. "media/clip-h264-aac.mp4"). */
const char *tm_source_file(const char *rel, char *buf, size_t len);
bool tm_file_exists(const char *path);
int64_t tm_file_size(const char *path);
bool tm_same_file(const char *a, const char *b); /* byte for byte; false if either is missing */
/* Remuxes src to dst (the container stays valid) damaging the codec data:
 * from packet n_keep on, every 'every'-th packet has its bytes replaced by
 * seeded noise (flip 0: all of them; else that many in its middle).
 * Returns the packets copied or a negative AVERROR. */
int tm_damage_packets(const char *src, const char *dst, int n_keep, int every, int flip,
                      uint64_t seed);

#endif
