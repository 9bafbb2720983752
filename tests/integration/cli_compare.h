/* One command line through isopipe and ffmpeg into framemd5 files, compared (cmocka tests). */
#ifndef ISOPIPE_CLI_COMPARE_H
#define ISOPIPE_CLI_COMPARE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "test_need.h"

/* Runs args (the line without its output) through isopipe (-y -v error)
 * and ffmpeg, each into its own framemd5 file in dir; fails naming what
 * and the first difference, isopipe's failure, or fewer than min_lines
 * frames. */
static inline void ch_same_frames(const char *dir, const char *what, const char *const *args,
                                  int min_lines) {
  char a[800], b[800], why[512], err[4096];
  snprintf(a, sizeof a, "%s/i.framemd5", dir);
  snprintf(b, sizeof b, "%s/f.framemd5", dir);
  const char *iso[CH_MAX_ARGS] = {"-y", "-v", "error"}, *ff[CH_MAX_ARGS];
  int ni = 3, nf = 0;
  for (int i = 0; args[i] && ni < CH_MAX_ARGS - 2; i++)
    iso[ni++] = ff[nf++] = args[i];
  iso[ni++] = ff[nf++] = a;
  iso[ni] = ff[nf] = NULL;
  ff[nf - 1] = b;
  int rc = ch_run_err(iso, err, sizeof err);
  if (rc != 0) fail_msg("%s: exit %d\n%s", what, rc, err);
  if (tm_run_ffmpeg(ff) != 0) fail_msg("%s: ffmpeg failed", what);
  int lines = 0;
  if (!tm_framemd5_equal(a, b, &lines, why, sizeof why)) fail_msg("%s: %s", what, why);
  if (lines < min_lines) fail_msg("%s: %d frames, expected at least %d", what, lines, min_lines);
}

#endif
