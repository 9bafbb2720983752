/* Probing a media file without running a pipeline: its streams, codecs, sizes, rates, duration,
 * metadata and chapters. */
#ifndef ISOPIPE_PROBE_H
#define ISOPIPE_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "isopipe/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iso_tag {
  const char *key, *value;
} iso_tag;

typedef enum iso_media_type {
  ISO_MEDIA_UNKNOWN = 0,
  ISO_MEDIA_VIDEO,
  ISO_MEDIA_AUDIO,
  ISO_MEDIA_SUBTITLE,
  ISO_MEDIA_DATA,
  ISO_MEDIA_ATTACHMENT
} iso_media_type;

/* Unknown numbers are 0 (sizes, rates) or -1 (durations, start times). */
typedef struct iso_probe_stream {
  int index; /* in the file, as ffmpeg's -map 0:N */
  iso_media_type type;
  const char *type_name; /* "video", "audio", "subtitle", "data", "attachment", "unknown" */
  const char *codec;     /* FFmpeg's codec name ("h264", "aac"), "none" unknown */
  const char *profile;   /* "High", "LC"; NULL when none */
  int64_t bit_rate;      /* bits/s, 0 unknown */
  double start_s, duration_s;
  int64_t frames; /* as the container states it, 0 unknown */
  /* video (width and height also for bitmap subtitles) */
  int width, height;
  int sar_num, sar_den;               /* sample aspect ratio, 0:1 unknown */
  int frame_rate_num, frame_rate_den; /* average frame rate, 0/0 unknown */
  const char *pix_fmt;                /* "yuv420p"; NULL unknown */
  double rotation;                    /* display rotation, degrees counter-clockwise */
  bool attached_pic;                  /* cover art, not a video track */
  /* audio */
  int sample_rate, channels;
  const char *channel_layout; /* "stereo", "5.1(side)"; NULL unknown */
  const char *sample_fmt;     /* "fltp"; NULL unknown */
  /* all */
  bool is_default;
  const char *language; /* the "language" tag, NULL none */
  int nmetadata;
  const iso_tag *metadata;
} iso_probe_stream;

typedef struct iso_probe_chapter {
  int64_t id;
  double start_s, end_s;
  const char *title; /* the "title" tag, NULL none */
  int nmetadata;
  const iso_tag *metadata;
} iso_probe_chapter;

/* Owned by the caller: free it with iso_probe_free. */
typedef struct iso_probe_info {
  const char *url;
  const char *format;      /* "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm" */
  const char *format_long; /* "QuickTime / MOV" */
  double start_s, duration_s;
  int64_t bit_rate; /* bits/s, 0 unknown */
  int64_t size;     /* bytes, -1 unknown (a pipe) */
  int nstreams;
  const iso_probe_stream *streams;
  int nchapters;
  const iso_probe_chapter *chapters;
  int nmetadata;
  const iso_tag *metadata;
  /* the streams a pipeline picks by default (ffmpeg's choice), -1 none */
  int best_video, best_audio;
} iso_probe_info;

/*
 * Opens url (a path, or a URL whose protocol is in protocol_whitelist,
 * default "file,pipe"), reads its header and enough packets to know every
 * stream's parameters, and returns what it found in *out. Formats that open
 * further files (hls, concat...) are refused unless allow_formats lists them
 * ("hls,concat"), as for a pipeline. opts may be NULL; format forces the
 * input format. Thread-safe, synchronous, needs no iso_runtime_init. On
 * failure *out is NULL and, if err is not NULL, it is filled (its strings
 * live until the next iso_probe on this thread).
 */
typedef struct iso_probe_opts {
  const char *format;
  const char *protocol_whitelist;
  const char *allow_formats;
} iso_probe_opts;

ISO_API int iso_probe(const char *url, const iso_probe_opts *opts, iso_probe_info **out,
                      iso_error_info *err);
ISO_API void iso_probe_free(iso_probe_info *info);

/* ffmpeg's description of url as its input #index ("Input #0, mov,mp4,...,
 * from 'url':", metadata, duration, one line per stream: av_dump_format's
 * text), opened as iso_probe opens it. *text is the caller's (free()); on
 * failure it is NULL and err is filled as by iso_probe. */
ISO_API int iso_probe_describe(const char *url, const iso_probe_opts *opts, int index, char **text,
                               iso_error_info *err);

#ifdef __cplusplus
}
#endif
#endif
