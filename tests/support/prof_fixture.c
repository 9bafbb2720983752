/* Test fixtures for the profiler: a stage's place in the graph written as its usual name. */
#include "prof_fixture.h"

#include <stdlib.h>
#include <string.h>

void tf_place(const char *name, int *kind, char *media, int *output) {
  static const struct {
    const char *prefix;
    int kind;
  } kinds[] = {{"demux", ISO_STAGE_INPUT},    {"decode", ISO_STAGE_DECODE},
               {"convert", ISO_STAGE_FILTER}, {"filter", ISO_STAGE_FILTER},
               {"encode", ISO_STAGE_ENCODE},  {"mux", ISO_STAGE_OUTPUT}};
  *kind = ISO_STAGE_OTHER;
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (!strncmp(name, kinds[k].prefix, strlen(kinds[k].prefix))) *kind = kinds[k].kind;
  const char *colon = strchr(name, ':');
  *media = colon && (colon[1] == 'v' || colon[1] == 'a') ? colon[1] : 0;
  const char *hash = strchr(name, '#');
  *output = *kind == ISO_STAGE_INPUT || *kind == ISO_STAGE_DECODE ? -1 : hash ? atoi(hash + 1) : 0;
}

void tf_place_stats(iso_stage_stats *s) {
  tf_place(s->name, &s->kind, &s->media, &s->output);
}

void tf_declare(pl_stats *s, const char *name) {
  int kind, output;
  char media;
  tf_place(name, &kind, &media, &output);
  pl_stats_declare(s, name, kind, media, output);
}
