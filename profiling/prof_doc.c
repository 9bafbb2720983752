/* The --stats JSON document (schema: docs/stats-schema.md). */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "profiling/prof_internal.h"

#define PL_STATS_SCHEMA "isopipe-stats/1"

static double frac(double part, double wall) {
  return wall > 0 ? part / wall : 0;
}

static void lib_version(pl_json *j, const char *key, unsigned v) {
  char b[32];
  snprintf(b, sizeof b, "%u.%u.%u", v >> 16, (v >> 8) & 255, v & 255);
  pl_json_kstr(j, key, b);
}

static void versions(pl_json *j) {
  pl_json_kstr(j, "isopipe_version", iso_version());
  pl_json_key(j, "ffmpeg");
  pl_json_obj(j);
  pl_json_kstr(j, "version", av_version_info());
  lib_version(j, "libavformat", avformat_version());
  lib_version(j, "libavcodec", avcodec_version());
  lib_version(j, "libavutil", avutil_version());
  lib_version(j, "libswscale", swscale_version());
  lib_version(j, "libswresample", swresample_version());
  pl_json_obj_end(j);
}

static const char *kind_name(int kind) {
  static const char *const names[] = {
      [ISO_STAGE_OTHER] = "other",   [ISO_STAGE_INPUT] = "input",   [ISO_STAGE_DECODE] = "decode",
      [ISO_STAGE_FILTER] = "filter", [ISO_STAGE_ENCODE] = "encode", [ISO_STAGE_OUTPUT] = "output"};
  return kind >= 0 && kind <= ISO_STAGE_OUTPUT ? names[kind] : "other";
}

static void stage(pl_json *j, const iso_stage_stats *s) {
  pl_json_obj(j);
  pl_json_kstr(j, "name", s->name);
  pl_json_kstr(j, "kind", kind_name(s->kind));
  char media[2] = {s->media, 0};
  pl_json_kstr(j, "media", media);
  pl_json_kint(j, "output", s->output);
  pl_json_kuint(j, "items_in", s->items_in);
  pl_json_kuint(j, "items_out", s->items_out);
  pl_json_kuint(j, "samples_out", s->samples_out);
  pl_json_kuint(j, "bytes_in", s->bytes_in);
  pl_json_kuint(j, "bytes_out", s->bytes_out);
  pl_json_kuint(j, "bytes_copied", s->bytes_copied);
  pl_json_kuint(j, "transfers", s->transfers);
  pl_json_kuint(j, "errors_skipped", s->errors_skipped);
  pl_json_knum(j, "wall_s", s->wall_s);
  pl_json_knum(j, "busy_s", s->busy_s);
  pl_json_knum(j, "starved_s", s->starved_s);
  pl_json_knum(j, "blocked_s", s->blocked_s);
  pl_json_knum(j, "busy", frac(s->busy_s, s->wall_s));
  pl_json_knum(j, "starved", frac(s->starved_s, s->wall_s));
  pl_json_knum(j, "blocked", frac(s->blocked_s, s->wall_s));
  pl_json_knum(j, "cpu_s", s->cpu_s);
  pl_json_knum(j, "runq_s", s->runq_s);
  pl_json_knum(j, "fps", s->wall_s > 0 ? (double)s->items_out / s->wall_s : 0);
  pl_json_key(j, "in_depth");
  if (s->in_capacity) {
    pl_json_obj(j);
    pl_json_kuint(j, "capacity", s->in_capacity);
    pl_json_kuint(j, "last", s->in_depth);
    pl_json_kuint(j, "min", s->in_depth_min);
    pl_json_knum(j, "mean", s->in_depth_mean);
    pl_json_kuint(j, "max", s->in_depth_max);
    pl_json_obj_end(j);
  } else {
    pl_json_null(j);
  }
  pl_json_knum(j, "last_pts_s", s->last_pts_s);
  pl_json_key(j, "done");
  pl_json_bool(j, s->done != 0);
  pl_json_obj_end(j);
}

static int stage_rank(const pl_stats *s, const char *name) {
  const pl_stage_agg *g = pl_stats_stage(s, name);
  return g ? g->rank : pl_stage_rank(ISO_STAGE_OTHER, 0, -1);
}

static int link_rank(const pl_stats *s, const pl_link_agg *l) {
  return stage_rank(s, l->from) * 100 + stage_rank(s, l->to);
}

static void link_(pl_json *j, const pl_link_agg *l) {
  pl_json_obj(j);
  char name[2 * ISO_STAGE_NAME_MAX + 4];
  snprintf(name, sizeof name, "%s->%s", l->from, l->to);
  pl_json_kstr(j, "name", name);
  pl_json_kstr(j, "from", l->from);
  pl_json_kstr(j, "to", l->to);
  pl_json_kuint(j, "capacity", l->fig.capacity);
  pl_json_kuint(j, "min", l->fig.min);
  pl_json_knum(j, "mean", l->fig.mean);
  pl_json_kuint(j, "max", l->fig.max);
  pl_json_knum(j, "full", frac(l->fig.full_s, l->fig.span_s));
  pl_json_knum(j, "series_period_s", (double)l->period_ns * 1e-9);
  pl_json_key(j, "series");
  pl_json_arr(j);
  for (int i = 0; i < l->nseries; i++) {
    const pl_series_pt *p = &l->series[i];
    if (!p->n) continue;
    /* [t_s, min, mean, max]: compact, one point per line. */
    pl_json_arr(j);
    bool pretty = j->pretty;
    j->pretty = false;
    pl_json_fixed(j, p->t_s, 3);
    pl_json_num(j, p->min);
    pl_json_num(j, p->sum / p->n);
    pl_json_num(j, p->max);
    pl_json_arr_end(j);
    j->pretty = pretty;
  }
  pl_json_arr_end(j);
  pl_json_obj_end(j);
}

int pl_stats_write_json(const pl_stats *s, const char *path, const iso_progress *prog,
                        const pl_run_info *info) {
  return pl_stats_write_json_outputs(s, path, prog, info, NULL, 0);
}

int pl_stats_write_json_outputs(const pl_stats *s, const char *path, const iso_progress *prog,
                                const pl_run_info *info, const char *const *outputs, int noutputs) {
  pl_json *j = pl_json_open(path, true);
  if (!j) return ISO_EINVAL;
  pl_run_info none = {0};
  if (!info) info = &none;
  pl_json_obj(j);
  pl_json_kstr(j, "schema", PL_STATS_SCHEMA);
  versions(j);
  pl_json_kstr(j, "input", info->input);
  pl_json_kstr(j, "output", info->output); /* output #0: what readers of one output know */
  pl_json_key(j, "outputs");
  pl_json_arr(j);
  if (outputs && noutputs > 0)
    for (int i = 0; i < noutputs; i++)
      pl_json_str(j, outputs[i]);
  else if (info->output)
    pl_json_str(j, info->output);
  pl_json_arr_end(j);
  pl_json_kstr(j, "status", info->status == ISO_OK ? "ok" : iso_strerror(info->status));
  pl_json_kint(j, "status_code", info->status);
  pl_json_kstr(j, "error", info->error);

  double cpu_stages = 0;
  uint64_t copied = 0, transfers = 0, skipped = 0;
  for (int i = 0; i < prog->nstages; i++) {
    cpu_stages += prog->stages[i].cpu_s;
    copied += prog->stages[i].bytes_copied;
    transfers += prog->stages[i].transfers;
    skipped += prog->stages[i].errors_skipped;
  }
  double cpu = s->ended ? s->cpu_s : pl_process_cpu_s() - s->cpu0_s;
  pl_json_knum(j, "wall_s", prog->elapsed_s);
  pl_json_knum(j, "cpu_s", cpu);
  pl_json_knum(j, "cpu_stages_s", cpu_stages);

  pl_json_key(j, "totals");
  pl_json_obj(j);
  pl_json_kuint(j, "frames", prog->frames);
  pl_json_kuint(j, "out_bytes", prog->out_bytes);
  pl_json_knum(j, "position_s", prog->position_s);
  pl_json_knum(j, "duration_s", prog->duration_s);
  pl_json_knum(j, "speed", prog->speed);
  pl_json_knum(j, "fps", prog->elapsed_s > 0 ? (double)prog->frames / prog->elapsed_s : 0);
  pl_json_knum(j, "bitrate_kbps", prog->bitrate_kbps);
  pl_json_kuint(j, "bytes_copied", copied);
  pl_json_kuint(j, "transfers", transfers);
  pl_json_kuint(j, "errors_skipped", skipped);
  if (info->max_error_rate > 0) pl_json_knum(j, "max_error_rate", info->max_error_rate);
  pl_json_obj_end(j);

  pl_json_key(j, "tick");
  pl_json_obj(j);
  pl_json_knum(j, "period_ms", 1000.0 / 60);
  pl_json_kuint(j, "ticks", s->ticks);
  pl_json_kuint(j, "missed", s->missed);
  pl_json_knum(j, "late_p50_us", (double)pl_hist_quantile(&s->tick_late_us, 0.5));
  pl_json_knum(j, "late_p99_us", (double)pl_hist_quantile(&s->tick_late_us, 0.99));
  pl_json_knum(j, "late_max_us", (double)pl_hist_quantile(&s->tick_late_us, 1));
  pl_json_obj_end(j);

  pl_json_key(j, "latency_ms");
  pl_json_obj(j);
  pl_json_kuint(j, "count", s->lat_us.count);
  pl_json_knum(j, "p50", pl_hist_quantile(&s->lat_us, 0.5) / 1000.0);
  pl_json_knum(j, "p99", pl_hist_quantile(&s->lat_us, 0.99) / 1000.0);
  pl_json_knum(j, "max", pl_hist_quantile(&s->lat_us, 1) / 1000.0);
  pl_json_knum(j, "mean", pl_hist_mean(&s->lat_us) / 1000.0);
  pl_json_obj_end(j);

  pl_json_key(j, "stages");
  pl_json_arr(j);
  for (int i = 0; i < prog->nstages; i++)
    stage(j, &prog->stages[i]);
  pl_json_arr_end(j);

  /* Links in pipeline order (they were met in arrival order). */
  int order[PL_LINKS_MAX];
  for (int i = 0; i < s->nlinks; i++) {
    int at = i;
    while (at > 0 && link_rank(s, &s->links[order[at - 1]]) > link_rank(s, &s->links[i])) {
      order[at] = order[at - 1];
      at--;
    }
    order[at] = i;
  }
  pl_json_key(j, "links");
  pl_json_arr(j);
  for (int i = 0; i < s->nlinks; i++)
    link_(j, &s->links[order[i]]);
  pl_json_arr_end(j);

  pl_verdict v;
  pl_verdict_pick(prog->stages, prog->nstages, &v);
  pl_json_key(j, "verdict");
  pl_json_obj(j);
  pl_json_kstr(j, "stage", v.stage >= 0 ? v.name : NULL);
  pl_json_kstr(j, "reason", v.stage >= 0 ? v.reason : NULL);
  pl_json_kstr(j, "hint", v.stage >= 0 ? v.hint : NULL);
  pl_json_kstr(j, "line", v.line);
  pl_json_obj_end(j);

  pl_json_key(j, "trace");
  if (info->trace_path) {
    pl_json_obj(j);
    pl_json_kstr(j, "path", info->trace_path);
    uint64_t ev = s->trace ? pl_trace_events(s->trace) : s->trace_events;
    uint64_t dr = s->trace ? pl_trace_dropped(s->trace) : s->trace_dropped;
    pl_json_kuint(j, "events", ev);
    pl_json_kuint(j, "slices_sampled_out", dr);
    pl_json_kuint(j, "slices_dropped_by_stages", s->stage_slices_dropped);
    pl_json_obj_end(j);
  } else {
    pl_json_null(j);
  }
  pl_json_obj_end(j);
  pl_json_newline(j);
  return pl_json_close(j);
}
