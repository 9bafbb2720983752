/* Before a run: each output's encoders, filters and pass-through options resolved and checked
 * against what FFmpeg has, so a typo is a usage error before anything is read. */
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_meta.h"
#include "pipeline/pl_sidx.h"

static bool class_has(const AVClass *cls, const char *key) {
  if (!cls) return false;
  const AVClass *c = cls;
  return av_opt_find(&c, key, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ | AV_OPT_SEARCH_CHILDREN) != NULL;
}

static bool codec_has(const AVCodec *c, const char *key) {
  if (!c) return false;
  return class_has(c->priv_class, key) || class_has(avcodec_get_class(), key);
}

static const AVCodec *default_encoder(const AVOutputFormat *of, const char *out,
                                      enum AVMediaType type) {
  enum AVCodecID id = av_guess_codec(of, NULL, out, NULL, type);
  return id == AV_CODEC_ID_NONE ? NULL : avcodec_find_encoder(id);
}

/* An encoder whose every input format is a hardware surface (VAAPI,
 * VideoToolbox...) cannot take the frames a software decoder and filters
 * give it; without this, the failure surfaces later as a filter graph that
 * cannot convert, which names neither the encoder nor the reason. The name of
 * the hardware format is returned, NULL when software frames are accepted. */
static const char *hw_only_format(const AVCodec *c) {
  if (c->type != AVMEDIA_TYPE_VIDEO || !c->pix_fmts || c->pix_fmts[0] == AV_PIX_FMT_NONE)
    return NULL;
  for (const enum AVPixelFormat *f = c->pix_fmts; *f != AV_PIX_FMT_NONE; f++) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(*f);
    if (!d || !(d->flags & AV_PIX_FMT_FLAG_HWACCEL)) return NULL;
  }
  return av_get_pix_fmt_name(c->pix_fmts[0]);
}

int pl_resolve_encoder(const AVOutputFormat *of, const char *out, const char *name,
                       enum AVMediaType type, const AVCodec **res, char *err, size_t n) {
  *res = NULL;
  if (name && !strcmp(name, "copy")) return ISO_OK;
  const AVCodec *c = name ? avcodec_find_encoder_by_name(name) : default_encoder(of, out, type);
  /* A codec name ("h264") means its default encoder, as ffmpeg reads it. */
  const AVCodecDescriptor *desc = name && !c ? avcodec_descriptor_get_by_name(name) : NULL;
  if (desc) c = avcodec_find_encoder(desc->id);
  if (name && !c) return pl_fail(err, n, "unknown encoder '%s'", name);
  if (c && c->type != type)
    return pl_fail(err, n, "'%s' is not a%s encoder", c->name,
                   type == AVMEDIA_TYPE_VIDEO ? " video" : "n audio");
  const char *hw = c ? hw_only_format(c) : NULL;
  if (hw)
    return pl_fail(err, n,
                   "encoder '%s' takes %s hardware frames only: isopipe encodes in software "
                   "(a software encoder such as libx264, libx265 or libvpx-vp9 does the job)",
                   c->name, hw);
  *res = c;
  return ISO_OK;
}

/* -c without a type naming an encoder of the other type (-c flac on an
 * output with audio only): ffmpeg fails only when the output gets a stream
 * of this type, which the graph's build checks stream by stream. */
static bool other_type(const pl_job *j, int bit, enum AVMediaType type) {
  const char *name = bit ? j->ca : j->cv;
  if (!(j->codec_any & (1u << bit)) || !name) return false;
  const AVCodec *c = avcodec_find_encoder_by_name(name);
  const AVCodecDescriptor *desc = c ? NULL : avcodec_descriptor_get_by_name(name);
  if (desc) c = avcodec_find_encoder(desc->id);
  return c && c->type != type;
}

/* -vf / -af: parsed now (names, options, one input and one output), so a
 * typo is a usage error before anything is read; sizes and expressions
 * are checked on the first frame. */
static int check_filters(const pl_job *j, char *err, size_t n) {
  const char *chains[2] = {j->vf, j->af};
  const char *names[2] = {"vf", "af"};
  for (int i = 0; i < 2; i++) {
    if (!chains[i]) continue;
    const char *copy = i ? j->ca : j->cv;
    if (copy && !strcmp(copy, "copy"))
      return pl_fail(err, n, "%s: filters need decoding; not with c:%c copy", names[i],
                     i ? 'a' : 'v');
    char why[CX_ERRLEN] = "";
    pl_log_error_clear();
    if (cx_fgraph_check(i ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO, chains[i], why) < 0) {
      const char *detail = pl_log_error_first();
      /* -filter's chain of the other type: ffmpeg fails only when a stream
       * of this type is filtered (the convert stage says so then). */
      if ((j->filter_any & (1u << i)) &&
          cx_fgraph_check(i ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO, chains[i], why) >= 0)
        continue;
      return pl_fail(err, n, "%s: %s%s%s", names[i], why, *detail ? ": " : "", detail);
    }
  }
  if (j->fcomplex) {
    cx_fcx_pad in[CX_FCX_MAX], out[CX_FCX_MAX];
    int nin, nout;
    char why[CX_ERRLEN] = "";
    pl_log_error_clear();
    if (cx_fcx_pads(j->fcomplex, in, &nin, out, &nout, why) < 0) {
      const char *detail = pl_log_error_first();
      return pl_fail(err, n, "filter_complex: %s%s%s", why, *detail ? ": " : "", detail);
    }
  }
  return ISO_OK;
}

int pl_job_prepare(pl_job *j, char *err, size_t n) {
  int ret;
  if (!j->input || !*j->input) return pl_fail(err, n, "no input (option i)");
  if (!j->output || !*j->output) return pl_fail(err, n, "no output (option o)");
  bool is_stdout = !strcmp(j->output, "-");
  if (is_stdout && !j->format) return pl_fail(err, n, "output to stdout needs a format (f)");
  const AVOutputFormat *of = av_guess_format(j->format, is_stdout ? NULL : j->output, NULL);
  if (!of) {
    if (j->format) return pl_fail(err, n, "unknown output format '%s'", j->format);
    return pl_fail(err, n, "%s: cannot guess the output format from the name", j->output);
  }
  /* A file of the input's tags and chapters alone (ffmetadata) holds no
   * stream: what would go to one has no meaning there. */
  if ((of->flags & AVFMT_NOSTREAMS) && (j->nmaps || j->fcomplex))
    return pl_fail(err, n, "f %s: holds no streams (tags and chapters alone): leave out %s",
                   of->name, j->nmaps ? "-map" : "-filter_complex");
  snprintf(j->out_format, sizeof j->out_format, "%s", of->name);
  j->global_header = (of->flags & AVFMT_GLOBALHEADER) != 0;
  if (j->to_us >= 0) {
    int64_t from = j->ss_us > 0 ? j->ss_us : 0;
    if (j->to_us <= from) return pl_fail(err, n, "to (%.3f s) is not after ss", j->to_us / 1e6);
    int64_t t = j->to_us - from;
    if (j->t_us < 0 || t < j->t_us) j->t_us = t;
  }
  if ((ret = check_filters(j, err, n)) != ISO_OK) return ret;
  if ((ret = pl_sidx_check(j, err, n)) != ISO_OK) return ret;
  const AVCodec *vc = NULL, *ac = NULL;
  if (!j->vn && !other_type(j, 0, AVMEDIA_TYPE_VIDEO) &&
      (ret = pl_resolve_encoder(of, j->output, j->cv, AVMEDIA_TYPE_VIDEO, &vc, err, n)))
    return ret;
  /* An image format gets no audio stream unless one is mapped: -codec
   * mjpeg then names no audio encoder. */
  bool audio =
      j->nmaps || av_guess_codec(of, NULL, j->output, NULL, AVMEDIA_TYPE_AUDIO) != AV_CODEC_ID_NONE;
  if (!j->an && audio && !other_type(j, 1, AVMEDIA_TYPE_AUDIO) &&
      (ret = pl_resolve_encoder(of, j->output, j->ca, AVMEDIA_TYPE_AUDIO, &ac, err, n)))
    return ret;
  /* Every pass-through option must be known to something that will read it. */
  j->ignored[0] = 0;
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->extra, "", e, AV_DICT_IGNORE_SUFFIX))) {
    if (!strncmp(e->key, PL_SWR_PREFIX, strlen(PL_SWR_PREFIX))) continue;
    char k[128];
    snprintf(k, sizeof k, "%s", e->key);
    char *colon = strchr(k, ':');
    char which = 0;
    if (colon) {
      which = colon[1];
      *colon = 0;
      if ((which != 'v' && which != 'a') || colon[2])
        return pl_fail(err, n, "option '%s': stream suffix must be :v or :a", e->key);
    }
    /* Read by the encoder itself, whichever it is (ffmpeg's too). */
    bool known = cx_enc_own_option(k);
    if (which != 'a' && codec_has(vc, k)) known = true;
    if (which != 'v' && codec_has(ac, k)) known = true;
    if (!which && (class_has(of->priv_class, k) || class_has(avformat_get_class(), k)))
      known = true;
    /* ffmpeg ignores an option some codec or format has but this output's
     * do not (-tune next to -c:v copy, -write_id3v1 into mp4): so does
     * isopipe, saying so (pl_job.ignored). */
    const AVClass *cc = avcodec_get_class(), *fc = avformat_get_class();
    if (!known && (class_has(cc, k) || class_has(fc, k))) {
      size_t used = strlen(j->ignored);
      snprintf(j->ignored + used, sizeof j->ignored - used, "%s-%s", used ? ", " : "", e->key);
      known = true;
    }
    if (!known) {
      if (which)
        return pl_fail(err, n, "option '%s': the %s encoder has no such option", e->key,
                       which == 'v' ? "video" : "audio");
      return pl_fail(err, n, "unknown option '%s' (not an option of the encoders or the %s muxer)",
                     e->key, of->name);
    }
  }
  return ISO_OK;
}

void pl_job_swr_opts(const pl_job *j, char *buf, size_t n) {
  size_t used = 0, pre = strlen(PL_SWR_PREFIX);
  buf[0] = 0;
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->extra, PL_SWR_PREFIX, e, AV_DICT_IGNORE_SUFFIX)) && used < n)
    used +=
        (size_t)snprintf(buf + used, n - used, "%s%s=%s", used ? ":" : "", e->key + pre, e->value);
}

AVDictionary *pl_job_opts_for(const pl_job *j, char which) {
  AVDictionary *d = NULL;
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(j->extra, "", e, AV_DICT_IGNORE_SUFFIX))) {
    const char *colon = strchr(e->key, ':');
    if (!strncmp(e->key, PL_SWR_PREFIX, strlen(PL_SWR_PREFIX))) continue;
    if (!colon) {
      av_dict_set(&d, e->key, e->value, 0);
    } else if (colon[1] == which) {
      char k[128];
      snprintf(k, sizeof k, "%.*s", (int)(colon - e->key), e->key);
      av_dict_set(&d, k, e->value, 0);
    }
  }
  return d;
}
