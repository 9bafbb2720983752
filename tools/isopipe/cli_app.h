/* One CLI run: checks the files, drives the pipeline from the main isolate, reports, exits. */
#ifndef ISOPIPE_CLI_APP_H
#define ISOPIPE_CLI_APP_H

#include "tools/isopipe/cli_args.h"

/* Exit codes (docs/cli.md). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* Runs the transcode described by o; returns the process exit code:
 * 0, 1, 2, or 128 + the signal number after an interrupted but finished
 * output. */
int cli_app_run(const cli_opts *o);

/* The output-file checks done before anything is opened: the output must
 * not be the input (2), and must not exist unless overwrite (1). Pipes and
 * URLs are not checked. Returns 0 or the exit code, with a line in err. */
int cli_check_output(const char *input, const char *output, int overwrite, char *err,
                     size_t errlen);

#endif
