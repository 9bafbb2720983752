/* Structured errors: a failure's category from its code, FFmpeg's AVERROR and the stage it hit. */
#include <errno.h>
#include <string.h>

#include "pipeline/pl_main.h"

const char *iso_error_category_name(iso_error_category c) {
  switch (c) {
  case ISO_ERRCAT_NONE:
    return "none";
  case ISO_ERRCAT_INPUT_NOT_FOUND:
    return "input not found";
  case ISO_ERRCAT_INPUT_ACCESS:
    return "input not accessible";
  case ISO_ERRCAT_INPUT_READ:
    return "input read error";
  case ISO_ERRCAT_UNSUPPORTED:
    return "unsupported";
  case ISO_ERRCAT_CORRUPT:
    return "corrupt input";
  case ISO_ERRCAT_NO_DATA:
    return "no data";
  case ISO_ERRCAT_OUTPUT_EXISTS:
    return "output exists";
  case ISO_ERRCAT_OUTPUT_WRITE:
    return "output write error";
  case ISO_ERRCAT_INVALID_OPTION:
    return "invalid option";
  case ISO_ERRCAT_CANCELLED:
    return "cancelled";
  case ISO_ERRCAT_TIMEOUT:
    return "timed out";
  case ISO_ERRCAT_RESOURCE:
    return "out of resources";
  case ISO_ERRCAT_INTERNAL:
    return "internal error";
  }
  return "unknown";
}

static bool is_unsupported(int averr) {
  return averr == AVERROR_DEMUXER_NOT_FOUND || averr == AVERROR_DECODER_NOT_FOUND ||
         averr == AVERROR_ENCODER_NOT_FOUND || averr == AVERROR_MUXER_NOT_FOUND ||
         averr == AVERROR_PROTOCOL_NOT_FOUND || averr == AVERROR_FILTER_NOT_FOUND ||
         averr == AVERROR_BSF_NOT_FOUND || averr == AVERROR_STREAM_NOT_FOUND ||
         averr == AVERROR_PATCHWELCOME || averr == AVERROR(ENOSYS);
}

/* kind: the stage's node kind, -1 for the pipeline itself. */
iso_error_category pl_error_classify(int code, int averr, int kind) {
  if (code == ISO_OK) return ISO_ERRCAT_NONE;
  if (code == ISO_ECANCELLED) return ISO_ERRCAT_CANCELLED;
  if (code == ISO_ETIMEDOUT) return ISO_ERRCAT_TIMEOUT;
  if (code == ISO_ENOMEM || averr == AVERROR(ENOMEM)) return ISO_ERRCAT_RESOURCE;
  if (code == ISO_EINVAL && averr == 0) return ISO_ERRCAT_INVALID_OPTION;
  if (averr == AVERROR_OPTION_NOT_FOUND) return ISO_ERRCAT_INVALID_OPTION;
  if (is_unsupported(averr)) return ISO_ERRCAT_UNSUPPORTED;
  bool input = kind == PL_N_DEMUX || kind == PL_N_DECODE;
  if (kind == PL_N_MUX) {
    if (averr == AVERROR(EEXIST)) return ISO_ERRCAT_OUTPUT_EXISTS;
    if (averr == AVERROR(EINVAL)) return ISO_ERRCAT_INVALID_OPTION;
    return averr ? ISO_ERRCAT_OUTPUT_WRITE : ISO_ERRCAT_INTERNAL;
  }
  if (input) {
    if (averr == AVERROR(ENOENT) || averr == AVERROR(ENOTDIR) || averr == AVERROR_HTTP_NOT_FOUND)
      return ISO_ERRCAT_INPUT_NOT_FOUND;
    if (averr == AVERROR(EACCES) || averr == AVERROR(EPERM) || averr == AVERROR(EISDIR) ||
        averr == AVERROR_HTTP_UNAUTHORIZED || averr == AVERROR_HTTP_FORBIDDEN)
      return ISO_ERRCAT_INPUT_ACCESS;
    if (averr == AVERROR_INVALIDDATA || averr == AVERROR_EOF || averr == AVERROR_BUG ||
        averr == AVERROR(EINVAL))
      return ISO_ERRCAT_CORRUPT;
    if (averr == AVERROR(EIO) || averr == AVERROR(ETIMEDOUT) || averr == AVERROR(ECONNREFUSED) ||
        averr == AVERROR(ECONNRESET) || averr == AVERROR(EPIPE) || averr == AVERROR_EXIT ||
        averr == AVERROR_HTTP_BAD_REQUEST || averr == AVERROR_HTTP_OTHER_4XX ||
        averr == AVERROR_HTTP_SERVER_ERROR)
      return ISO_ERRCAT_INPUT_READ;
  }
  /* An encoder or converter refusing its parameters: an option the caller chose. */
  if ((kind == PL_N_ENCODE || kind == PL_N_VCONV || kind == PL_N_ACONV) &&
      (averr == AVERROR(EINVAL) || averr == AVERROR(ERANGE)))
    return ISO_ERRCAT_INVALID_OPTION;
  if (code == ISO_EINVAL) return ISO_ERRCAT_INVALID_OPTION;
  return ISO_ERRCAT_INTERNAL;
}

int iso_pipeline_error_info(const iso_pipeline *p, iso_error_info *out) {
  if (!p || !out) return ISO_EINVAL;
  memset(out, 0, sizeof *out);
  out->code = p->status;
  out->category = p->status == ISO_OK ? ISO_ERRCAT_NONE : (iso_error_category)p->err_cat;
  if (p->status != ISO_OK && !p->err_cat) /* refused before any stage ran */
    out->category = pl_error_classify(p->status, 0, -1);
  out->av_error = p->err_averr;
  out->stage = p->err_stage[0] ? p->err_stage : "pipeline";
  out->file = p->err_file ? p->err_file : "";
  out->message = p->error;
  return p->status;
}
