/* isopipe with inputs and no output: each input's description, then ffmpeg's refusal. */
#include "tools/isopipe/cli_describe.h"

#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isopipe/probe.h"
#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_help.h"
#include "tools/isopipe/cli_term.h"

/* The -f given before input k's -i, NULL none. */
static const char *input_format(const cli_opts *o, int k) {
  const char *fmt = NULL;
  for (size_t i = 0; i < o->nkv; i++)
    if (o->kv[i].input == k && !strcmp(o->kv[i].key, "input_format")) fmt = o->kv[i].value;
  return fmt;
}

/* Each line of text at level through the terminal writer, which replaces
 * the control characters that come from input (C1 ones too), as ffmpeg's
 * log does. */
static void put_lines(cli_term *t, int level, char *text) {
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    cli_term_log(t, level, "", line);
  }
}

int cli_describe(const cli_opts *o) {
  /* ffmpeg opens every input and prints what it found (programs read the
   * duration and streams from it: moviepy runs `ffmpeg -i FILE` alone),
   * then refuses a run without an output, exit 1. */
  cli_term t;
  cli_term_init(&t, 2, 0); /* no status block here: every line written at once */
  if (!o->hide_banner && o->loglevel >= 32) {
    char banner[512];
    cli_fmt_banner(banner, sizeof banner);
    cli_term_log(&t, AV_LOG_INFO, "", banner);
  }
  int rc = CLI_EXIT_FAIL;
  for (int k = 0; k < o->ninputs; k++) {
    const char *url = k ? o->more_in[k] : o->input;
    iso_probe_opts po = {input_format(o, k), NULL, NULL};
    char *text = NULL;
    iso_error_info err;
    if (iso_probe_describe(url, &po, k, &text, &err) != ISO_OK) {
      if (o->loglevel >= 16) {
        char line[1280];
        snprintf(line, sizeof line, "isopipe: %s", err.message ? err.message : url);
        cli_term_log(&t, AV_LOG_ERROR, "", line); /* "probe (URL): why" */
      }
      cli_term_free(&t);
      return rc;
    }
    if (o->loglevel >= 32) put_lines(&t, AV_LOG_INFO, text);
    free(text);
  }
  if (o->loglevel >= 8)
    cli_term_log(&t, AV_LOG_FATAL, "", "At least one output file must be specified");
  cli_term_free(&t);
  return rc;
}
