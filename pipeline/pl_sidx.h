/* Options for one output stream picked by its place in its file ("-b:v:1 1M", "-s:0 640x360"), as
 * ffmpeg's stream specifiers with an index pick them. */
#ifndef ISOPIPE_PL_SIDX_H
#define ISOPIPE_PL_SIDX_H

#include <libavutil/avutil.h>
#include <stdbool.h>
#include <stddef.h>

struct pl_job;

/* Where an output stream sits in its file: its type ('v', 'a', 's'), its
 * index among the file's streams, and among the file's streams of its type. */
typedef struct pl_spos {
  char type;
  int index, type_index;
} pl_spos;

/* The position of output stream out_i of the graph in j. */
pl_spos pl_sidx_pos(const struct pl_job *j, int out_i);

/* Does the specifier "v:1", "a:0", "s:2" or "3" pick the stream at pos?
 * -1 when spec is none of these. */
int pl_sidx_match(const char *spec, pl_spos pos);

/* Stores "KEY@SPEC" = value: the option KEY (as pl_job_set names it) for
 * the streams SPEC picks. The value is checked as KEY's would be. */
int pl_sidx_set(struct pl_job *j, const char *key, const char *value, char *err, size_t n);

/* A later KEY for every stream: the earlier stream-index ones of the same
 * option no longer apply (the last option matching a stream wins). */
void pl_sidx_forget(struct pl_job *j, const char *key);

/* The last value stored for key (or alias, may be NULL) that picks pos;
 * NULL none. */
const char *pl_sidx_get(const struct pl_job *j, pl_spos pos, const char *key, const char *alias);

/* Turns j (a copy for one stage) into the options of output stream out_i:
 * every stored option picking it applied in command-line order. On failure
 * err names the option ("option b:v@v:1='x': ..."). */
int pl_sidx_view(struct pl_job *j, int out_i, char *err, size_t n);

/* Before a run: filter chains given for one stream parse. */
int pl_sidx_check(const struct pl_job *j, char *err, size_t n);

#endif
