/* isopipe -i FILE with no output: ffmpeg's description of each input, then exit 1. */
#ifndef ISOPIPE_CLI_DESCRIBE_H
#define ISOPIPE_CLI_DESCRIBE_H

#include "tools/isopipe/cli_args.h"

/* Prints each input's description (at -v info and above) and ffmpeg's
 * "At least one output file must be specified"; returns the exit code (1). */
int cli_describe(const cli_opts *o);

#endif
