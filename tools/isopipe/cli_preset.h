/* ffmpeg's preset files (-vpre, -apre, -spre, -fpre) written out as option words. */
#ifndef ISOPIPE_CLI_PRESET_H
#define ISOPIPE_CLI_PRESET_H

#include <stddef.h>

typedef struct cli_preset_out {
  char **argv; /* NULL when argv holds no preset option */
  int argc;
  char **owned; /* the words the files gave (argv's others are the caller's) */
  int nowned;
} cli_preset_out;

/* When argv holds -vpre/-apre/-spre NAME or -fpre FILE, out->argv becomes a
 * new argv with each written out where it stands: NAME.ffpreset or
 * CODEC-NAME.ffpreset (CODEC: the -c of that type given before it for the
 * same file) from $FFMPEG_DATADIR, ~/.ffmpeg or /usr/share/ffmpeg, as
 * ffmpeg looks; each "key=value" line becomes "-key:T value" (T: v, a or
 * s; no type for -fpre), its vcodec/acodec/scodec keys "-vcodec value".
 * Returns 0, or 2 (a usage error) with err set: a missing file, a line
 * that is not key=value, a key that is no option. Free with
 * cli_preset_free(out->argv, out->owned, out->nowned). */
int cli_preset_expand(int argc, char **argv, cli_preset_out *out, char *err, size_t en);
void cli_preset_free(char **argv, char **owned, int nowned);

#endif
