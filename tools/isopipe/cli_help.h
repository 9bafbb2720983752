/* The --help and --version texts. */
#ifndef ISOPIPE_CLI_HELP_H
#define ISOPIPE_CLI_HELP_H

#include <stdio.h>

void cli_print_help(FILE *f);
void cli_print_version(FILE *f);
/* "isopipe 0.1.0 (libavformat 59.27.100, libavcodec 59.37.100, ...)" */
void cli_fmt_banner(char *buf, size_t n);

#endif
