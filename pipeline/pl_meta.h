/* The input's metadata and chapters, carried to each output as ffmpeg carries them. */
#ifndef ISOPIPE_PL_META_H
#define ISOPIPE_PL_META_H

#include <libavformat/avformat.h>
#include <stdbool.h>

struct pl_job;

/* Immutable once made; shared by reference between the jobs of a run. */
typedef struct pl_meta pl_meta;

/* A copy of ic's global, per-stream and chapter metadata (NULL: out of memory). */
pl_meta *pl_meta_from_input(const AVFormatContext *ic);
pl_meta *pl_meta_ref(pl_meta *m);
/* Input stream i's tag key (any case), NULL when it has none. */
const char *pl_meta_stream_tag(const pl_meta *m, int i, const char *key);
/* Several inputs' as one: input k's streams numbered from first[k]. */
pl_meta *pl_meta_merge(pl_meta *const *in, int n, const int *first);
void pl_meta_unref(pl_meta **m);
/* Input stream i's parameters when it is an attachment (its data in
 * extradata), else NULL. */
const AVCodecParameters *pl_meta_attachment(const pl_meta *m, int i);

/* Checks a -map_metadata / -map_chapters / -metadata:SPEC value (key as set,
 * "map_metadata:s:a"...). 0 or -1 with a reason in err. */
int pl_meta_check(const char *key, const char *value, char *err, size_t n);

/* One stream of the output file: its input stream, and the encoder when it
 * is not a copy. */
typedef struct pl_meta_stream {
  int in_index;
  const char *encoder; /* NULL: copied */
  enum AVMediaType type;
} pl_meta_stream;

/* What an output's metadata is made from. */
typedef struct pl_out_meta {
  /* -metadata, -map_metadata, -map_chapters (and -attach) in command-line
   * order (pl_job.metadata) */
  const AVDictionary *opts;
  const pl_meta *in; /* the inputs' */
  /* The output's window after the demux's start (end -1: none), the
   * instant the demux starts at, and -t (-1 unset). */
  int64_t win_start_us, win_end_us, in_start_us, t_us;
  /* bitexact flags: the muxer's or every encoder's (-fflags, -bitexact),
   * the video encoders', the audio encoders' (-flags:v, -flags:a) */
  bool bitexact, bitexact_v, bitexact_a;
} pl_out_meta;

/* Fills m's bitexact flags from j's options. */
void pl_out_meta_bitexact(const struct pl_job *j, bool *all, bool *v, bool *a);

/* Output j's (borrowed: j must outlive it). */
pl_out_meta pl_out_meta_of(const struct pl_job *j);

/* Fills oc's metadata, its streams' and its chapters from the input's and
 * the output's options, in ffmpeg's order: -map_metadata, the defaults,
 * -metadata. */
int pl_meta_apply(const pl_out_meta *m, AVFormatContext *oc, const pl_meta_stream *st, int nst,
                  char *err, size_t n);

#endif
