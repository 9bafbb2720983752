/* The option table: every ffmpeg option isopipe knows, with ffmpeg's arity and kinds. */
#ifndef ISOPIPE_CLI_OPTDEFS_H
#define ISOPIPE_CLI_OPTDEFS_H

#include <stddef.h>
#include <stdio.h>

#include "isopipe/common.h"

/* Flags, as ffmpeg's OptionDef has them. */
enum {
  CO_ARG = 1 << 0,    /* HAS_ARG: the next argument is the value */
  CO_BOOL = 1 << 1,   /* OPT_BOOL: no value; "-noNAME" turns it off */
  CO_SPEC = 1 << 2,   /* OPT_SPEC: takes a stream specifier, "-NAME:v:0" */
  CO_INPUT = 1 << 3,  /* OPT_INPUT: an input file's option (before -i) */
  CO_OUTPUT = 1 << 4, /* OPT_OUTPUT: an output file's option */
  CO_EXPERT = 1 << 5, /* OPT_EXPERT: not in the short help */
  CO_OURS = 1 << 6    /* isopipe's own, not ffmpeg's */
};

/* What the parser does with the value. */
typedef enum {
  K_STR,     /* passed to the pipeline as is */
  K_FLAG,    /* no value; key = "1" (or "0" for -noNAME) */
  K_TIME,    /* normalised to seconds */
  K_BITRATE, /* normalised to bits/s */
  K_COUNT,   /* whole number in [min, max] */
  K_NUMBER,  /* non-negative decimal */
  K_RATE,    /* frame rate */
  K_WXH,     /* normalised to WxH */
  K_KV,      /* "key=value" (value may be empty) */
  K_THREADS, /* whole number or "auto" */
  K_CODEC,   /* -c / -codec: by stream type */
  K_SCRIPT,  /* a file whose text is the value (-filter_script) */
  K_SPECIAL, /* handled by name in the parser */
  K_IGNORE,  /* accepted, changes nothing in isopipe (note says why) */
  K_REFUSE   /* known to ffmpeg, refused by isopipe (note says why) */
} cli_kind;

typedef struct cli_optdef {
  const char *name; /* without the leading dash and stream specifier */
  unsigned flags;
  cli_kind k;
  const char *key; /* pipeline key (without specifier); NULL for CLI-only options */
  long min, max;
  const char *note; /* K_IGNORE / K_REFUSE: the reason; else the help line */
} cli_optdef;

/* Formats a usage error into err; returns 2, the CLI's usage exit. */
int cli_fail(char *err, size_t n, const char *fmt, ...) ISO_PRINTF(3, 4);

/* Checks v as a value of d's kind for option opt (as typed) and writes it
 * normalised into norm (seconds, bits/s, WxH...). 0, or 2 (a usage error)
 * with the reason in err. */
int cli_check_value(const cli_optdef *d, const char *opt, const char *v, char *norm, size_t nn,
                    char *err, size_t en);

/* The text of file path, the value of script option opt (-filter_script:v),
 * into the growable buffer *buf of *cap bytes. 0, or 2 (a usage error)
 * naming the option and the file. */
int cli_read_script(const char *opt, const char *path, char **buf, size_t *cap, char *err,
                    size_t en);

/* The table entry for name (no dash, no specifier), or NULL. */
const cli_optdef *cli_optdef_find(const char *name);

/* The nearest table name to name (for "did you mean"), or NULL when none
 * is close. */
const char *cli_optdef_suggest(const char *name);

/* 1 when name (no dash) is an AVOption of the codecs, formats, scaler or
 * resampler, which ffmpeg passes on as they are. */
int cli_is_avoption(const char *name);
/* How many value words follow option word tok ("-b:v" 1, "-y" 0, a file
 * name 0), by the table or as an AVOption. */
int cli_value_words(const char *tok);
/* ffmpeg reads a v, a or s before an AVOption's name as that stream type's
 * option ("vprofile" is profile:v): the option's own name, or NULL when
 * name is no such word (a table option or an AVOption itself). */
const char *cli_typed_avoption(const char *name);
/* Whether that AVOption is a set of flags ("-fflags", "-movflags"): ffmpeg
 * adds a value written "+x" or "-x" to what the same file's earlier one
 * holds. */
int cli_avoption_is_flags(const char *name);

/* Stream specifier "spec" (text after the option's first ':') reduced to
 * what the pipeline applies: *type = 0 (all streams), 'v', 'a', 's', 'd';
 * *index = -1 or the stream index. Returns 0, or -1 with a reason in why. */
int cli_spec_parse(const char *spec, char *type, int *index, char *why, size_t wn);

/* Writes the supported options, grouped, for --help. */
void cli_optdefs_print(FILE *f);

#endif
