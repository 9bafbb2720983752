/* The job: options as the user set them, resolved by main into a stage graph; each stage gets a
 * copy. This file: its lifetime, the copy each stage gets, and what every output inherits. */
#include <ctype.h>
#include <errno.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_preview.h"
#include "pipeline/pl_vsync.h"

char *pl_dup_str(const char *s) {
  return s ? strdup(s) : NULL;
}

void pl_set_str(char **dst, const char *v) {
  free(*dst);
  *dst = pl_dup_str(v);
}

int pl_fail(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return ISO_EINVAL;
}

pl_flag *pl_flag_new(void) {
  pl_flag *f = malloc(sizeof *f);
  if (f) {
    atomic_init(&f->refs, 1);
    atomic_init(&f->state, PL_RUN);
  }
  return f;
}

pl_flag *pl_flag_ref(pl_flag *f) {
  if (f) atomic_fetch_add(&f->refs, 1);
  return f;
}

void pl_flag_unref(pl_flag *f) {
  if (f && atomic_fetch_sub(&f->refs, 1) == 1) free(f);
}

int pl_flag_interrupt(void *opaque) {
  pl_flag *f = opaque;
  return f && atomic_load_explicit(&f->state, memory_order_relaxed) != PL_RUN;
}

const char *pl_basename(const char *path) {
  if (!path) return "?";
  if (!strcmp(path, "-")) return "pipe";
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

pl_job *pl_job_new(void) {
  pl_job *j = calloc(1, sizeof *j);
  if (!j) return NULL;
  j->crf = -1;
  j->gop = -1;
  j->max_vframes = -1;
  j->max_aframes = -1;
  j->vsync = PL_VSYNC_AUTO;
  j->qv = j->qa = -1;
  j->ss_us = j->t_us = j->to_us = -1;
  j->ss_out_us = -1;
  j->in_ss_us = j->win_start_us = 0;
  j->in_t_us = j->win_end_us = -1;
  j->queue_pkts = 8;
  j->segments = 0; /* auto */
  j->seg_task = -1;
  /* A decoded 1080p frame is 3 MB: two in flight per link keep every stage
   * fed, and each further one would only hold another picture in memory. */
  j->queue_frames = 2;
  j->worker_nice = PL_WORKER_NICE;
  j->worker_sched = PL_SCHED_AUTO;
  j->adapt_nice = true;
  j->overwrite = 0; /* as the CLI: an existing file is kept unless the caller allows it */
  j->max_error_rate = 2.0 / 3;
  j->dts_delta_us = 10 * AV_TIME_BASE;
  j->autorotate = true;
  j->flag = pl_flag_new();
  if (!j->flag) {
    free(j);
    return NULL;
  }
  pl_inputs_init(j);
  return j;
}

void pl_job_free(pl_job *j) {
  if (!j) return;
  char **strs[] = {&j->input,
                   &j->output,
                   &j->format,
                   &j->input_format,
                   &j->protocol_whitelist,
                   &j->allow_formats,
                   &j->cv,
                   &j->ca,
                   &j->cs,
                   &j->preset,
                   &j->pix_fmt,
                   &j->sample_fmt,
                   &j->ch_layout,
                   &j->out_protocols,
                   &j->vf,
                   &j->af,
                   &j->apad,
                   &j->map_channel,
                   &j->fcomplex,
                   &j->aspect,
                   &j->seg_dir,
                   &j->force_kf,
                   &j->sws_flags,
                   &j->passlog};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    free(*strs[i]);
  for (int i = 0; i < j->nmaps; i++)
    free(j->maps[i]);
  av_dict_free(&j->metadata);
  av_dict_free(&j->extra);
  av_dict_free(&j->sopts);
  av_dict_free(&j->sidx);
  av_dict_free(&j->in_opts);
  pl_inputs_free(j);
  pl_meta_unref(&j->in_meta);
  pl_preview_unref(&j->preview);
  pl_flag_unref(j->flag);
  free(j);
}

pl_job *pl_job_clone(const pl_job *src) {
  pl_job *j = malloc(sizeof *j);
  if (!j) return NULL;
  *j = *src;
  j->input = pl_dup_str(src->input);
  j->output = pl_dup_str(src->output);
  j->format = pl_dup_str(src->format);
  j->input_format = pl_dup_str(src->input_format);
  j->protocol_whitelist = pl_dup_str(src->protocol_whitelist);
  j->allow_formats = pl_dup_str(src->allow_formats);
  j->out_protocols = pl_dup_str(src->out_protocols);
  j->cv = pl_dup_str(src->cv);
  j->ca = pl_dup_str(src->ca);
  j->cs = pl_dup_str(src->cs);
  j->preset = pl_dup_str(src->preset);
  j->pix_fmt = pl_dup_str(src->pix_fmt);
  j->sample_fmt = pl_dup_str(src->sample_fmt);
  j->ch_layout = pl_dup_str(src->ch_layout);
  j->vf = pl_dup_str(src->vf);
  j->af = pl_dup_str(src->af);
  j->apad = pl_dup_str(src->apad);
  j->map_channel = pl_dup_str(src->map_channel);
  j->fcomplex = pl_dup_str(src->fcomplex);
  j->aspect = pl_dup_str(src->aspect);
  j->seg_dir = pl_dup_str(src->seg_dir);
  j->force_kf = pl_dup_str(src->force_kf);
  j->sws_flags = pl_dup_str(src->sws_flags);
  j->passlog = pl_dup_str(src->passlog);
  for (int i = 0; i < src->nmaps; i++)
    j->maps[i] = pl_dup_str(src->maps[i]);
  j->metadata = NULL;
  j->extra = NULL;
  av_dict_copy(&j->metadata, src->metadata, AV_DICT_MULTIKEY);
  j->in_meta = pl_meta_ref(src->in_meta);
  j->preview = pl_preview_ref(src->preview);
  av_dict_copy(&j->extra, src->extra, 0);
  j->sopts = NULL;
  av_dict_copy(&j->sopts, src->sopts, AV_DICT_MULTIKEY);
  j->sidx = NULL;
  av_dict_copy(&j->sidx, src->sidx, AV_DICT_MULTIKEY);
  j->in_opts = NULL;
  av_dict_copy(&j->in_opts, src->in_opts, 0);
  j->flag = pl_flag_ref(src->flag);
  /* A copy missing a string (out of memory) would be a different job. */
  bool ok = (!src->input || j->input) && (!src->output || j->output) &&
            (!src->format || j->format) && (!src->input_format || j->input_format) &&
            (!src->protocol_whitelist || j->protocol_whitelist) &&
            (!src->allow_formats || j->allow_formats) && (!src->cv || j->cv) &&
            (!src->out_protocols || j->out_protocols) && (!src->ca || j->ca) &&
            (!src->cs || j->cs) && (!src->preset || j->preset) && (!src->pix_fmt || j->pix_fmt) &&
            (!src->sample_fmt || j->sample_fmt) && (!src->ch_layout || j->ch_layout) &&
            (!src->vf || j->vf) && (!src->af || j->af) && (!src->apad || j->apad) &&
            (!src->map_channel || j->map_channel) && (!src->fcomplex || j->fcomplex) &&
            (!src->aspect || j->aspect) && (!src->seg_dir || j->seg_dir) &&
            (!src->force_kf || j->force_kf) && (!src->sws_flags || j->sws_flags) &&
            (!src->passlog || j->passlog) &&
            av_dict_count(j->metadata) == av_dict_count(src->metadata) &&
            av_dict_count(j->extra) == av_dict_count(src->extra) &&
            av_dict_count(j->sopts) == av_dict_count(src->sopts) &&
            av_dict_count(j->sidx) == av_dict_count(src->sidx) &&
            av_dict_count(j->in_opts) == av_dict_count(src->in_opts);
  for (int i = 0; i < src->nmaps; i++)
    ok = ok && j->maps[i];
  if (!pl_inputs_copy(j, src, true)) ok = false;
  if (!ok) {
    pl_job_free(j);
    return NULL;
  }
  return j;
}

bool pl_job_is_input_key(const char *key) {
  static const char *const keys[] = {"i",
                                     "input_format",
                                     "input_r",
                                     "protocol_whitelist",
                                     "allow_formats",
                                     "queue",
                                     "worker_nice",
                                     "fail_fast",
                                     "xerror",
                                     "untrusted_filters",
                                     "max_error_rate",
                                     "dts_delta_threshold",
                                     "trace",
                                     "progress_period",
                                     "stats_period",
                                     "worker_sched",
                                     "adapt_nice",
                                     "copyts",
                                     "reinit_filter",
                                     "start_at_zero",
                                     "autorotate",
                                     "noautorotate",
                                     "filter_complex"};
  for (size_t i = 0; key && i < sizeof keys / sizeof keys[0]; i++)
    if (!strcmp(key, keys[i])) return true;
  return key && !strncmp(key, "in:", 3);
}

int pl_job_inherit_input(pl_job *dst, const pl_job *src) {
  dst->in_io = src->in_io;
  pl_set_str(&dst->input, src->input);
  pl_set_str(&dst->input_format, src->input_format);
  pl_set_str(&dst->protocol_whitelist, src->protocol_whitelist);
  pl_set_str(&dst->allow_formats, src->allow_formats);
  if ((src->input && !dst->input) || (src->input_format && !dst->input_format) ||
      (src->protocol_whitelist && !dst->protocol_whitelist) ||
      (src->allow_formats && !dst->allow_formats))
    return ISO_ENOMEM;
  dst->queue_pkts = src->queue_pkts;
  dst->queue_frames = src->queue_frames;
  dst->worker_nice = src->worker_nice;
  dst->worker_sched = src->worker_sched;
  dst->adapt_nice = src->adapt_nice;
  dst->fail_fast = src->fail_fast;
  dst->untrusted_filters = src->untrusted_filters;
  dst->copyts = src->copyts;
  dst->no_reinit = src->no_reinit;
  dst->start_at_zero = src->start_at_zero;
  dst->max_error_rate = src->max_error_rate;
  dst->dts_delta_us = src->dts_delta_us;
  dst->trace = src->trace;
  dst->autorotate = src->autorotate;
  if (!pl_inputs_copy(dst, src, false)) return ISO_ENOMEM;
  /* One stop word for the whole run: a cancel reaches every output. */
  pl_flag_unref(dst->flag);
  dst->flag = pl_flag_ref(src->flag);
  return ISO_OK;
}
