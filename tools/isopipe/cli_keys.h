/* What an option with a stream specifier becomes: the pipeline key ffmpeg's reading of it gives. */
#ifndef ISOPIPE_CLI_KEYS_H
#define ISOPIPE_CLI_KEYS_H

#include <stddef.h>

#include "tools/isopipe/cli_args.h"
#include "tools/isopipe/cli_optdefs.h"

/* What a stream specifier becomes for a table option: the pipeline key in
 * key (empty: ignore the option, *ignored says why): 0, or 2 (a usage
 * error, cli_fail) with err set. */
int cli_spec_key(const cli_optdef *d, const char *opt, const char *spec, char *key, size_t kn,
                 const char **ignored, char *err, size_t en);
/* An AVOption of a codec or format (base, its stream specifier spec),
 * passed on as ffmpeg passes it; the pipeline refuses to start when nothing
 * uses it. 0, or 2 (a usage error, cli_fail) with err set. */
int cli_add_avoption(cli_opts *o, const char *opt, const char *base, const char *spec,
                     const char *v, char *err, size_t en);

#endif
