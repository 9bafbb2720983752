/* Options of a job by name, with the value parsers the library and the CLI share. */
#include <ctype.h>
#include <errno.h>
#include <libavutil/eval.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_fkf.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_mapchan.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_sidx.h"
#include "pipeline/pl_sopts.h"
#include "pipeline/pl_units.h"
#include "pipeline/pl_vsync.h"

static int parse_bool(const char *v) {
  if (!v || !*v) return 1;
  return !(strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0);
}

/* A bit rate in the shared grammar ("128k", "2M", "64Ki", "1MB"). */
static int parse_rate(const char *v, int64_t *out) {
  uint64_t u;
  const char *why = "";
  if (pl_units_size(v, &u, &why) < 0 || u > INT64_MAX) return -1;
  *out = (int64_t)u;
  return 0;
}

int pl_parse_int(const char *v, int *out) {
  long l;
  const char *why = "";
  if (pl_units_int(v, -1000000000L, 1000000000L, &l, &why) < 0) return -1;
  *out = (int)l;
  return 0;
}

/* A non-negative number; x264 and x265 take fractions (23.5). */
static int parse_crf(const char *v, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || errno || !(d >= 0) || d > 1e6) return -1;
  *out = d;
  return 0;
}

static int parse_time(const char *v, int64_t *out) {
  const char *why = "";
  return pl_units_time_us(v, out, &why);
}

static int parse_size(const char *v, int *w, int *h) {
  if (av_parse_video_size(w, h, v) >= 0) return 0;
  char *end;
  long a = strtol(v, &end, 10);
  if (end == v || (*end != 'x' && *end != ':')) return -1;
  const char *s = end + 1;
  long b = strtol(s, &end, 10);
  if (end == s || *end) return -1;
  if (a == 0 || b == 0 || a < -2 || b < -2 || (a < 0 && b < 0) || a > 65536 || b > 65536) return -1;
  *w = (int)a;
  *h = (int)b;
  return 0;
}

static int parse_fps(const char *v, AVRational *r) {
  const char *why = "";
  return pl_units_rate(v, &r->num, &r->den, &why);
}

static int job_set(pl_job *j, const char *key, const char *value, char *err, size_t n) {
  const char *v = value ? value : "";
#define IS(k) (strcmp(key, (k)) == 0)
  if (IS("i"))
    pl_set_str(&j->input, v);
  else if (IS("o"))
    pl_set_str(&j->output, v);
  else if (IS("f"))
    pl_set_str(&j->format, v);
  else if (IS("input_format"))
    pl_set_str(&j->input_format, v);
  else if (IS("c:v") || IS("vcodec") || IS("codec:v")) {
    pl_set_str(&j->cv, v);
    j->codec_any &= ~1u;
  } else if (IS("c:a") || IS("acodec") || IS("codec:a")) {
    pl_set_str(&j->ca, v);
    j->codec_any &= ~2u;
  } else if (IS("c:s") || IS("scodec") || IS("codec:s")) {
    pl_set_str(&j->cs, v);
    j->cs_named = true;
  } else if (IS("c") || IS("codec")) {
    /* Every stream's encoder, as ffmpeg's -c without a type: one of the
     * other type fails only on a stream of that type (pl_graph.c). */
    j->codec_any = 3u;
    pl_set_str(&j->cv, v);
    pl_set_str(&j->ca, v);
    pl_set_str(&j->cs, v);
  } else if (IS("b:v") || IS("b")) {
    if (parse_rate(v, &j->bv) < 0) return pl_fail(err, n, "%s: bad bit rate '%s'", key, v);
  } else if (IS("b:a")) {
    if (parse_rate(v, &j->ba) < 0) return pl_fail(err, n, "%s: bad bit rate '%s'", key, v);
  } else if (IS("crf")) {
    if (parse_crf(v, &j->crf) < 0) return pl_fail(err, n, "crf: bad value '%s'", v);
  } else if (IS("q:v") || IS("qscale:v") || IS("q") || IS("qscale") || IS("q:a") ||
             IS("qscale:a")) {
    char *end;
    double q = strtod(v, &end);
    if (end == v || *end || q < 0) return pl_fail(err, n, "%s: bad quality '%s'", key, v);
    if (IS("q"))
      j->qv = j->qa = q; /* every stream's, as ffmpeg's -q without a type */
    else if (strchr(key, ':') && strchr(key, ':')[1] == 'a')
      j->qa = q;
    else
      j->qv = q;
  } else if (IS("preset"))
    pl_set_str(&j->preset, v);
  else if (IS("frames:v") || IS("frames:a") || IS("frames")) {
    /* Without a type, ffmpeg gives the count to every stream. */
    int c;
    if (pl_parse_int(v, &c) < 0 || c < 1)
      return pl_fail(err, n, "%s: want a count of at least 1, got '%s'", key, v);
    if (!IS("frames:a")) j->max_vframes = c;
    if (!IS("frames:v")) j->max_aframes = c;
  } else if (IS("g")) {
    if (pl_parse_int(v, &j->gop) < 0 || j->gop < 0) return pl_fail(err, n, "g: bad value '%s'", v);
  } else if (IS("threads")) {
    if (pl_parse_int(v, &j->threads) < 0 || j->threads < 0)
      return pl_fail(err, n, "threads: bad value '%s'", v);
  } else if (IS("s")) {
    if (parse_size(v, &j->width, &j->height) < 0) return pl_fail(err, n, "s: bad size '%s'", v);
  } else if (IS("vf") || IS("filter:v")) {
    j->vf_set = true;
    j->filter_any &= ~1u;
    pl_set_str(&j->vf, v);
  } else if (IS("af") || IS("filter:a")) {
    j->filter_any &= ~2u;
    pl_set_str(&j->af, v);
  } else if (IS("filter")) {
    /* Every output stream's chain, as ffmpeg's -filter without a type: one
     * of the other type fails on that stream only. */
    j->vf_set = true;
    j->filter_any = 3u;
    pl_set_str(&j->vf, v);
    pl_set_str(&j->af, v);
  } else if (IS("apad")) {
    pl_set_str(&j->apad, v);
  } else if (IS("map_channel")) {
    int r = pl_mapchan_add(&j->map_channel, v, err, n);
    if (r != ISO_OK) return r;
  } else if (IS("filter_complex") || IS("lavfi")) {
    /* ffmpeg runs several graphs; one graph can hold several chains. */
    if (j->fcomplex)
      return pl_fail(err, n,
                     "filter_complex: only one graph is supported; join the chains of '%s' and "
                     "'%s' with ';'",
                     j->fcomplex, v);
    pl_set_str(&j->fcomplex, v);
  } else if (IS("aspect")) {
    AVRational dar;
    if (av_parse_ratio(&dar, v, 100000, 0, NULL) < 0 || dar.num <= 0 || dar.den <= 0)
      return pl_fail(err, n, "aspect: bad ratio '%s' (want W:H or a number)", v);
    pl_set_str(&j->aspect, v);
  } else if (IS("autorotate")) {
    j->autorotate = parse_bool(v);
  } else if (IS("noautorotate")) {
    j->autorotate = !parse_bool(v);
  } else if (IS("fps_mode") || IS("fps_mode:v") || IS("vsync")) {
    int m = pl_vsync_parse(v);
    if (m < PL_VSYNC_AUTO)
      return pl_fail(err, n, "%s: bad method '%s' (want auto, passthrough, cfr, vfr or drop)", key,
                     v);
    j->vsync = m;
  } else if (IS("r")) {
    if (parse_fps(v, &j->rate) < 0) return pl_fail(err, n, "r: bad frame rate '%s'", v);
  } else if (IS("ar")) {
    if (pl_parse_int(v, &j->ar) < 0 || j->ar <= 0) return pl_fail(err, n, "ar: bad rate '%s'", v);
  } else if (IS("async")) {
    if (pl_parse_int(v, &j->async) < 0) return pl_fail(err, n, "async: bad value '%s'", v);
  } else if (IS("adrift_threshold")) {
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0) || d > 1e6)
      return pl_fail(err, n, "adrift_threshold: want seconds >= 0, got '%s'", v);
    j->adrift = (float)d;
    j->has_adrift = true;
  } else if (IS("vol")) {
    if (pl_parse_int(v, &j->vol) < 0) return pl_fail(err, n, "vol: bad value '%s'", v);
    j->has_vol = true;
  } else if (IS("ac")) {
    /* 0 keeps the input's channels, as in ffmpeg. */
    if (pl_parse_int(v, &j->ac) < 0 || j->ac < 0 || j->ac > 64)
      return pl_fail(err, n, "ac: bad channel count '%s'", v);
  } else if (IS("channel_layout") || IS("ch_layout")) {
    /* As ffmpeg 5.1's opt_channel_layout: the layout, and its count as -ac. */
    AVChannelLayout l = {0};
    if (av_channel_layout_from_string(&l, v) < 0 || l.nb_channels < 1 || l.nb_channels > 64) {
      av_channel_layout_uninit(&l);
      return pl_fail(err, n, "%s: unknown layout '%s' (want mono, stereo, 5.1...)", key, v);
    }
    j->ac = l.nb_channels;
    av_channel_layout_uninit(&l);
    pl_set_str(&j->ch_layout, v);
  } else if (IS("sample_fmt")) {
    if (av_get_sample_fmt(v) == AV_SAMPLE_FMT_NONE)
      return pl_fail(err, n, "sample_fmt: unknown '%s'", v);
    pl_set_str(&j->sample_fmt, v);
  } else if (IS("pix_fmt")) {
    if (av_get_pix_fmt(v) == AV_PIX_FMT_NONE) return pl_fail(err, n, "pix_fmt: unknown '%s'", v);
    pl_set_str(&j->pix_fmt, v);
  } else if (IS("vn"))
    j->vn = parse_bool(v);
  else if (IS("an"))
    j->an = parse_bool(v);
  else if (IS("sn"))
    j->sn = parse_bool(v);
  else if (IS("dn"))
    j->dn = parse_bool(v);
  else if (IS("shortest"))
    j->shortest = parse_bool(v);
  else if (IS("fs")) {
    char *end;
    double b = av_strtod(v, &end);
    if (end == v || *end || !(b >= 1 && b < 9e18))
      return pl_fail(err, n, "fs: want a size in bytes (1000000, 10M), got '%s'", v);
    j->limit_fs = (int64_t)b;
  } else if (IS("map")) {
    if (j->nmaps >= PL_MAX_OUT) return pl_fail(err, n, "map: at most %d", PL_MAX_OUT);
    j->maps[j->nmaps++] = strdup(v);
  } else if (IS("ss")) {
    if (parse_time(v, &j->ss_us) < 0) return pl_fail(err, n, "ss: bad time '%s'", v);
  } else if (IS("t")) {
    if (parse_time(v, &j->t_us) < 0) return pl_fail(err, n, "t: bad duration '%s'", v);
  } else if (IS("input_r")) {
    if (pl_input_rate(&j->in[0], v, err, n) != ISO_OK) return ISO_EINVAL;
  } else if (IS("t_from")) {
    if (strcmp(v, "input") && strcmp(v, "output"))
      return pl_fail(err, n, "t_from: want input or output, got '%s'", v);
    j->t_from_input = !strcmp(v, "input");
  } else if (IS("to")) {
    if (parse_time(v, &j->to_us) < 0) return pl_fail(err, n, "to: bad time '%s'", v);
  } else if (IS("muxdelay") || IS("muxpreload")) {
    /* ffmpeg's seconds for the format's max_delay and the muxer's preload,
     * which count in microseconds; a zero preload is not passed on. */
    char *end = NULL;
    double s = strtod(v, &end);
    if (end == v || *end || !(s >= 0) || s > 3600)
      return pl_fail(err, n, "%s: want seconds >= 0, got '%s'", key, v);
    char us[32];
    snprintf(us, sizeof us, "%lld", (long long)(s * 1e6));
    if (IS("muxdelay") || s > 0)
      av_dict_set(&j->extra, IS("muxdelay") ? "max_delay" : "preload", us, 0);
  } else if (IS("attach")) {
    /* A file added to the output as an attachment stream (Matroska). */
    if (!*v) return pl_fail(err, n, "attach: empty file name");
    if (av_dict_set(&j->metadata, "attach", v, AV_DICT_MULTIKEY) < 0) return ISO_ENOMEM;
  } else if (IS("metadata") || !strncmp(key, "metadata:", 9) || IS("map_chapters") ||
             !strncmp(key, "map_metadata", 12)) {
    if (pl_meta_check(key, v, err, n) < 0) return ISO_EINVAL;
    if (av_dict_set(&j->metadata, key, v, AV_DICT_MULTIKEY) < 0) return ISO_ENOMEM;
  } else if (IS("worker_sched")) {
    if (!strcmp(v, "auto"))
      j->worker_sched = PL_SCHED_AUTO;
    else if (!strcmp(v, "batch"))
      j->worker_sched = PL_SCHED_BATCH;
    else if (!strcmp(v, "normal"))
      j->worker_sched = PL_SCHED_NORMAL;
    else
      return pl_fail(err, n, "worker_sched: want auto, batch or normal, got '%s'", v);
  } else if (IS("adapt_nice")) {
    if (strcmp(v, "0") && strcmp(v, "1")) return pl_fail(err, n, "adapt_nice: want 0 or 1");
    j->adapt_nice = !strcmp(v, "1");
  } else if (IS("worker_nice")) {
    int nv;
    if (pl_parse_int(v, &nv) < 0 || nv < 0 || nv > 19)
      return pl_fail(err, n, "worker_nice: want 0..19");
    j->worker_nice = nv;
  } else if (IS("segments")) {
    int s;
    if (!strcmp(v, "auto"))
      j->segments = 0;
    else if (pl_parse_int(v, &s) < 0 || s < 1 || s > PL_SEG_MAX)
      return pl_fail(err, n, "segments: want auto or 1..%d, got '%s'", PL_SEG_MAX, v);
    else
      j->segments = s;
  } else if (IS("segment_task")) {
    char extra;
    if (sscanf(v, "%d/%d%c", &j->seg_task, &j->seg_tasks, &extra) != 2 || j->seg_task < 0 ||
        j->seg_task >= j->seg_tasks)
      return pl_fail(err, n, "segment_task: want K/N (task K of N), got '%s'", v);
  } else if (IS("segment_join")) {
    if (strcmp(v, "0") && strcmp(v, "1")) return pl_fail(err, n, "segment_join: want 0 or 1");
    j->seg_join = !strcmp(v, "1");
  } else if (IS("segment_dir")) {
    pl_set_str(&j->seg_dir, v);
    if (!j->seg_dir) return pl_fail(err, n, "out of memory");
  } else if (IS("queue")) {
    int q;
    if (pl_parse_int(v, &q) < 0 || q < 1 || q > 256) return pl_fail(err, n, "queue: want 1..256");
    j->queue_pkts = q;
    j->queue_frames = (q + 3) / 4;
  } else if (IS("max_error_rate")) {
    char *end;
    double r = strtod(v, &end);
    if (end == v || *end || !(r >= 0 && r <= 1))
      return pl_fail(err, n, "max_error_rate: want a fraction between 0 and 1, got '%s'", v);
    j->max_error_rate = r;
  } else if (IS("dts_delta_threshold")) {
    char *end;
    double t = strtod(v, &end);
    if (end == v || *end || !(t >= 0 && t <= 1e6))
      return pl_fail(err, n, "dts_delta_threshold: want seconds (0 to 1000000), got '%s'", v);
    j->dts_delta_us = (int64_t)(t * AV_TIME_BASE);
  } else if (IS("sws_flags")) {
    if (cx_sws_flags_check(v) < 0)
      return pl_fail(err, n, "sws_flags: bad flags '%s' (want bicubic, lanczos, +accurate_rnd...)",
                     v);
    pl_set_str(&j->sws_flags, v);
  } else if (IS("pass")) {
    if (strcmp(v, "1") && strcmp(v, "2") && strcmp(v, "3"))
      return pl_fail(err, n, "pass: want 1, 2 or 3, got '%s'", v);
    j->pass = v[0] - '0';
  } else if (IS("passlogfile")) {
    if (!*v) return pl_fail(err, n, "passlogfile: want a file name prefix");
    pl_set_str(&j->passlog, v);
  } else if (IS("rc_override")) {
    /* ffmpeg's per-stream video settings that are no AVOptions: the video
     * encoder reads them from its options (cx_enc_own_option). */
    char why[96];
    if (cx_enc_rc_override(v, NULL, why, sizeof why) < 0)
      return pl_fail(err, n, "rc_override: %s (want START,END,Q/START,END,Q...)", why);
    if (av_dict_set(&j->extra, "rc_override:v", v, 0) < 0) return ISO_ENOMEM;
  } else if (IS("top")) {
    int t;
    if (pl_parse_int(v, &t) < 0 || t < -1 || t > 1)
      return pl_fail(err, n, "top: want 1 (top field first), 0 (bottom) or -1 (auto), got '%s'", v);
    if (av_dict_set(&j->extra, "top:v", v, 0) < 0) return ISO_ENOMEM;
  } else if (IS("force_key_frames")) {
    if (pl_fkf_check(v, err, n) < 0) return ISO_EINVAL;
    pl_set_str(&j->force_kf, v);
  } else if (pl_sopt_is(key)) {
    if (pl_sopt_check(key, v, err, n) < 0) return ISO_EINVAL;
    if (av_dict_set(&j->sopts, key, v, AV_DICT_MULTIKEY) < 0) return ISO_ENOMEM;
  } else if (!strncmp(key, "in:", 3)) {
    if (!key[3]) return pl_fail(err, n, "in: an input option needs a name");
    if (av_dict_set(&j->in_opts, key + 3, v, 0) < 0) return ISO_ENOMEM;
  } else if (IS("copyts"))
    j->copyts = parse_bool(v);
  else if (IS("copyinkf"))
    j->copyinkf = parse_bool(v);
  else if (IS("reinit_filter"))
    j->no_reinit = !parse_bool(v);
  else if (IS("bitexact")) {
    j->bitexact = parse_bool(v);
    /* ffmpeg's bitexact mode: the muxer's and each encoder's flag, added
     * to what -fflags / -flags already hold. */
    if (parse_bool(v) && (av_dict_set(&j->extra, "fflags", "+bitexact", AV_DICT_APPEND) < 0 ||
                          av_dict_set(&j->extra, "flags:v", "+bitexact", AV_DICT_APPEND) < 0 ||
                          av_dict_set(&j->extra, "flags:a", "+bitexact", AV_DICT_APPEND) < 0))
      return ISO_ENOMEM;
  } else if (IS("start_at_zero"))
    j->start_at_zero = parse_bool(v);
  else if (IS("fail_fast") || IS("xerror"))
    j->fail_fast = parse_bool(v);
  else if (IS("untrusted_filters"))
    j->untrusted_filters = parse_bool(v);
  else if (IS("protocol_whitelist"))
    pl_set_str(&j->protocol_whitelist, v);
  else if (IS("output_protocol_whitelist"))
    pl_set_str(&j->out_protocols, v);
  else if (IS("allow_formats"))
    pl_set_str(&j->allow_formats, v);
  else if (IS("overwrite") || IS("y"))
    j->overwrite = parse_bool(v);
  else if (IS("progress_period") || IS("stats_period")) {
    char *end = NULL;
    double s = strtod(v, &end);
    if (end == v || *end || !(s >= 0) || s > 86400)
      return pl_fail(err, n, "%s: want seconds >= 0, got '%s'", key, v);
    /* Main still ticks at 60 Hz; only the callbacks are paced. */
    j->progress_period_ns = (uint64_t)(s * 1e9);
  } else if (IS("trace"))
    j->trace = parse_bool(v);
  else {
    if (!*key) return pl_fail(err, n, "empty option name");
    /* A resampler option (-min_comp, -dither_method) goes to every
     * resampler of the output's audio, as in ffmpeg. */
    char swr[160];
    if (!strchr(key, ':') && cx_swr_option(key) && strlen(key) < 120) {
      snprintf(swr, sizeof swr, "%s%s", PL_SWR_PREFIX, key);
      key = swr;
    }
    av_dict_set(&j->extra, key, v, 0);
  }
#undef IS
  return ISO_OK;
}

int pl_job_set(pl_job *j, const char *key, const char *value, char *err, size_t n) {
  if (!key) return pl_fail(err, n, "option without a name");
  if (strchr(key, '@')) return pl_sidx_set(j, key, value ? value : "", err, n);
  int r = job_set(j, key, value, err, n);
  /* The last option that picks a stream wins, as in ffmpeg. */
  if (r == ISO_OK) pl_sidx_forget(j, key);
  return r;
}
