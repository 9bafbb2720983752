/* Test fixtures for the profiler: a stage's place in the graph written as its usual name. */
#ifndef ISOPIPE_PROF_FIXTURE_H
#define ISOPIPE_PROF_FIXTURE_H

#include "isopipe/stats.h"
#include "profiling/prof.h"

/* "demux", "decode:v", "convert:a#1", "encode:v#2", "mux#1": the kind,
 * media and output the pipeline would declare for a stage of that name. */
void tf_place(const char *name, int *kind, char *media, int *output);
/* Sets s->kind, media and output from s->name. */
void tf_place_stats(iso_stage_stats *s);
/* pl_stats_declare for a stage of that name. */
void tf_declare(pl_stats *s, const char *name);

#endif
