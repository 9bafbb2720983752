/* isopipe with inputs and no output: each input's description, then ffmpeg's refusal. */
#include "tools/isopipe/cli_describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isopipe/probe.h"
#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_help.h"

/* The -f given before input k's -i, NULL none. */
static const char *input_format(const cli_opts *o, int k) {
  const char *fmt = NULL;
  for (size_t i = 0; i < o->nkv; i++)
    if (o->kv[i].input == k && !strcmp(o->kv[i].key, "input_format")) fmt = o->kv[i].value;
  return fmt;
}

/* Bytes from input go to the terminal: control characters become '?', as
 * ffmpeg's log does. */
static void put_clean(const char *s) {
  for (; *s; s++)
    fputc(((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f ? '?' : *s, stderr);
}

int cli_describe(const cli_opts *o) {
  /* ffmpeg opens every input and prints what it found (programs read the
   * duration and streams from it: moviepy runs `ffmpeg -i FILE` alone),
   * then refuses a run without an output, exit 1. */
  if (!o->hide_banner && o->loglevel >= 32) {
    char banner[512];
    cli_fmt_banner(banner, sizeof banner);
    fprintf(stderr, "%s\n", banner);
  }
  for (int k = 0; k < o->ninputs; k++) {
    const char *url = k ? o->more_in[k] : o->input;
    iso_probe_opts po = {input_format(o, k), NULL, NULL};
    char *text = NULL;
    iso_error_info err;
    if (iso_probe_describe(url, &po, k, &text, &err) != ISO_OK) {
      if (o->loglevel >= 16) {
        fprintf(stderr, "isopipe: ");
        put_clean(err.message ? err.message : url); /* "probe (URL): why" */
        fprintf(stderr, "\n");
      }
      return CLI_EXIT_FAIL;
    }
    if (o->loglevel >= 32) put_clean(text);
    free(text);
  }
  if (o->loglevel >= 8) fprintf(stderr, "At least one output file must be specified\n");
  return CLI_EXIT_FAIL;
}
