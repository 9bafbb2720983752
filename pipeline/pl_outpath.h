/* The output-path policy: which names isopipe and its muxers may write, and through which
 * protocols. */
#ifndef ISOPIPE_PL_OUTPATH_H
#define ISOPIPE_PL_OUTPATH_H

#include <stddef.h>

#include "pipeline/pl_limits.h"

/* Protocols an output may use unless output_protocol_whitelist says more. */
#define PL_OUTPUT_PROTOCOLS "file,pipe"
enum { PL_PATH_OK = 0, PL_PATH_FAIL = 1, PL_PATH_REFUSED = 2 };
typedef struct pl_outpath_ctx {
  const char *input;         /* never written, however named (NULL: none) */
  const char *whitelist;     /* protocols allowed (NULL: PL_OUTPUT_PROTOCOLS) */
  int overwrite;             /* 0: an existing regular file is refused */
  const char *const *others; /* names already written in this run */
  int nothers;
} pl_outpath_ctx;
/* Checks a name isopipe is about to write ("what" names it in err: "output",
 * "--stats"...): every local file it opens, through file:, tee:, md5:,
 * crypto:, links and symlinks, is neither the input nor another name of the
 * run, nor an existing file without overwrite; every protocol is
 * whitelisted. PL_PATH_OK, PL_PATH_FAIL (exists, directory) or
 * PL_PATH_REFUSED (a usage error), with err filled. */
int pl_outpath_check(const char *what, const char *url, const pl_outpath_ctx *c, char *err,
                     size_t errlen);

/* The further files a muxer opens (segments, playlists, numbered images,
 * tee slaves) under the same policy: never an input, never an existing file
 * without overwrite, but those the muxer itself created (it rewrites its
 * playlists). The strings c points to must outlive it. pl_pieces_check is a
 * cx_mux_open_check. */
typedef struct pl_pieces_cfg {
  const char *output;
  const char *inputs[PL_MAX_INPUTS]; /* NULL: no file (the caller's callbacks) */
  int ninputs;
  const char *protocols; /* NULL: PL_OUTPUT_PROTOCOLS */
  int overwrite;
} pl_pieces_cfg;
typedef struct pl_pieces pl_pieces;
pl_pieces *pl_pieces_new(const pl_pieces_cfg *c);
int pl_pieces_check(void *ud, const char *url, char *err, size_t errlen);
void pl_pieces_free(pl_pieces **ps);

#endif
