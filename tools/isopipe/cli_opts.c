/* The parsed command line's storage: its option entries in command-line order, its notes, and
 * their release. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/isopipe/cli_args.h"
#include "tools/isopipe/cli_opts.h"

#include "tools/isopipe/cli_preset.h"

char *cli_xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) {
    fputs("isopipe: out of memory\n", stderr);
    exit(1);
  }
  return d;
}

void *cli_xrealloc(void *p, size_t n) {
  void *d = realloc(p, n);
  if (!d) {
    fputs("isopipe: out of memory\n", stderr);
    exit(1);
  }
  return d;
}

void cli_set_str(char **slot, const char *v) {
  free(*slot);
  *slot = cli_xstrdup(v);
}

void cli_add_kv(cli_opts *o, const char *opt, const char *key, const char *value) {
  if (o->nkv == o->kv_cap) {
    size_t cap = o->kv_cap ? o->kv_cap * 2 : 16;
    cli_kv *kv = realloc(o->kv, cap * sizeof *kv);
    if (!kv) {
      fputs("isopipe: out of memory\n", stderr);
      exit(1);
    }
    o->kv = kv;
    o->kv_cap = cap;
  }
  cli_kv *e = &o->kv[o->nkv++];
  e->key = cli_xstrdup(key);
  e->value = cli_xstrdup(value);
  e->opt = cli_xstrdup(opt);
  e->before_input = o->input == NULL;
  e->input = 0;
  e->avoption = 0;
}

void cli_opts_init(cli_opts *o) {
  memset(o, 0, sizeof *o);
  o->stats_period = 1.0;
  o->timelimit = -1;
  o->loglevel = 32;
  o->stats = -1;
  o->seg_task = -1;
}

/* Appends a copy of line to the list *v of *n lines. */
static void add_line(char ***v, size_t *n, const char *line) {
  char **grown = realloc(*v, (*n + 1) * sizeof *grown);
  if (!grown) {
    fputs("isopipe: out of memory\n", stderr);
    exit(1);
  }
  *v = grown;
  grown[(*n)++] = cli_xstrdup(line);
}

void cli_add_note(cli_opts *o, const char *opt, const char *why) {
  char line[320];
  snprintf(line, sizeof line, "option '%s' changes nothing in isopipe: %s", opt, why);
  add_line(&o->notes, &o->nnotes, line);
}

void cli_add_warning(cli_opts *o, const char *text) {
  add_line(&o->warnings, &o->nwarnings, text);
}

void cli_opts_free(cli_opts *o) {
  for (size_t i = 0; i < o->nkv; i++) {
    free(o->kv[i].key);
    free(o->kv[i].value);
    free(o->kv[i].opt);
  }
  free(o->kv);
  for (size_t i = 0; i < o->nnotes; i++)
    free(o->notes[i]);
  free(o->notes);
  for (size_t i = 0; i < o->nwarnings; i++)
    free(o->warnings[i]);
  free(o->warnings);
  free(o->trailing);
  free(o->topic);
  free(o->input);
  for (int k = 0; k < CLI_MAX_INPUTS; k++)
    free(o->more_in[k]);
  free(o->output);
  free(o->stats_path);
  free(o->trace_path);
  free(o->cluster);
  free(o->partition);
  free(o->cluster_dir);
  free(o->batch);
  free(o->seg_dir);
  free(o->progress_url);
  free(o->target_argv);
  cli_preset_free(o->preset_argv, o->preset_owned, o->npreset_owned);
  free(o->value_buf);
  memset(o, 0, sizeof *o);
}

const char *cli_opts_get(const cli_opts *o, const char *key) {
  for (size_t i = o->nkv; i-- > 0;)
    if (strcmp(o->kv[i].key, key) == 0) return o->kv[i].value;
  return NULL;
}
