/* The parsed command line's storage: adding option entries and notes to a cli_opts. */
#ifndef ISOPIPE_CLI_OPTS_H
#define ISOPIPE_CLI_OPTS_H

#include "tools/isopipe/cli_args.h"

/* strdup that ends the program on out of memory, as every allocation of the parser. */
char *cli_xstrdup(const char *s);
/* realloc, or "out of memory" and exit 1, as every allocation of the parser. */
void *cli_xrealloc(void *p, size_t n);
/* Replaces *slot with a copy of v. */
void cli_set_str(char **slot, const char *v);
/* Appends the entry key = value, typed as opt, to o->kv. */
void cli_add_kv(cli_opts *o, const char *opt, const char *key, const char *value);
/* o empty, with the defaults the command line starts from. */
void cli_opts_init(cli_opts *o);
/* Notes that option opt is accepted but changes nothing, and why. */
void cli_add_note(cli_opts *o, const char *opt, const char *why);
/* A warning about the line, printed at -v warning and above. */
void cli_add_warning(cli_opts *o, const char *text);

#endif
