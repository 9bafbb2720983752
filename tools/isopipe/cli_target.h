/* ffmpeg's -target: a disc or tape format written out as the options it stands for. */
#ifndef ISOPIPE_CLI_TARGET_H
#define ISOPIPE_CLI_TARGET_H

#include <stdbool.h>
#include <stddef.h>

/* When argv holds "-target T", *out becomes a new argv (NULL-terminated,
 * *outc words, to be freed with free(); its words are argv's or static)
 * with each -target written out as ffmpeg applies it: "pal-dvd",
 * "ntsc-vcd", "film-svcd", "pal-dv", "ntsc-dv50"... Otherwise *out is
 * NULL. Returns 0, or 2 (a usage error) with the reason in err. */
int cli_target_expand(int argc, char **argv, char ***out, int *outc, char *err, size_t en);

#endif
