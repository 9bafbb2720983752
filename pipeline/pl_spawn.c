/* Main's side of a spawn: each stage gets its part of the graph and its kind's settings, read
 * from its output's job. */
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_preview.h"
#include "pipeline/pl_sidx.h"
#include "pipeline/pl_spawn.h"

#define PL_TAG_SPAWN 0x504c5350u /* "PLSP": a stage's spawn message */

bool pl_spawn_dup(char **dst, const char *src) {
  *dst = pl_dup_str(src);
  return !src || *dst;
}

bool pl_spawn_dict(AVDictionary **dst, const AVDictionary *src, int flags) {
  return av_dict_copy(dst, src, flags) >= 0 && av_dict_count(*dst) == av_dict_count(src);
}

int64_t pl_copyts_zero_us(int64_t fmt_start_us, int64_t used_start_us, bool discont,
                          int64_t itsoffset_us, bool start_at_zero) {
  int64_t zero = start_at_zero ? fmt_start_us : 0;
  if (discont && itsoffset_us - zero == -fmt_start_us && used_start_us != AV_NOPTS_VALUE &&
      used_start_us > fmt_start_us)
    zero = used_start_us;
  return zero;
}

int64_t pl_copyts_us(const pl_job *j, int file) {
  if (!j->copyts) return 0;
  const pl_input_info *info = &j->info;
  int k = file > 0 && file < info->ninputs ? file : 0;
  /* The streams its demux reads: the graph's links out of input k. */
  int64_t used = AV_NOPTS_VALUE;
  for (int d = 0; d < j->ndlinks; d++) {
    const pl_stream_info *si = &info->st[j->dlink[d].in_index];
    if (si->file != k || si->start_pts == AV_NOPTS_VALUE) continue;
    int64_t t = av_rescale_q(si->start_pts, si->tb, AV_TIME_BASE_Q);
    if (used == AV_NOPTS_VALUE || t < used) used = t;
  }
  const pl_file_clock *c = &info->clock[k];
  int64_t read_zero = cx_clock_zero_us(c->fmt_start_us, used, c->discont, c->skip_us);
  return read_zero -
         pl_copyts_zero_us(c->fmt_start_us, used, c->discont, j->in[k].offset_us, j->start_at_zero);
}

void pl_stage_cfg_clear(pl_stage_cfg *cfg) {
  iso_sendport_release(cfg->main_sp);
  cfg->main_sp = NULL;
  pl_flag_unref(cfg->flag);
  cfg->flag = NULL;
  free(cfg->file);
  cfg->file = NULL;
}

void pl_demux_set_free(pl_demux_set *d) {
  if (!d) return;
  free(d->format);
  free(d->protocol_whitelist);
  free(d->allow_formats);
  av_dict_free(&d->opts);
  av_dict_free(&d->dumps);
  for (int k = 0; k < d->ninputs; k++)
    free(d->inputs[k]);
  free(d);
}

void pl_dec_set_free(pl_dec_set *d) {
  if (!d) return;
  av_dict_free(&d->opts);
  pl_preview_unref(&d->preview);
  free(d);
}

void pl_lavfi_set_free(pl_lavfi_set *l) {
  if (!l) return;
  free(l->graph);
  free(l->sws_flags);
  free(l);
}

pl_enc_set *pl_enc_set_ref(pl_enc_set *e) {
  if (e) atomic_fetch_add(&e->refs, 1);
  return e;
}

void pl_enc_set_unref(pl_enc_set **pe) {
  pl_enc_set *e = *pe;
  *pe = NULL;
  if (!e || atomic_fetch_sub(&e->refs, 1) != 1) return;
  av_dict_free(&e->opts);
  free(e->preset);
  free(e->force_kf);
  free(e->passlog);
  free(e->chapters);
  free(e->seg_dir);
  pl_flag_unref(e->flag);
  free(e);
}

void pl_conv_set_free(pl_conv_set *c) {
  if (!c) return;
  char **strs[] = {&c->chain,      &c->aspect,    &c->pix_fmt, &c->ch_layout,
                   &c->sample_fmt, &c->sws_flags, &c->apad,    &c->pan};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    free(*strs[i]);
  free(c);
}

void pl_mux_set_free(pl_mux_set *m) {
  if (!m) return;
  for (int k = 0; k < m->n; k++)
    free(m->st[k].bsf);
  free(m->output);
  free(m->format);
  for (int i = 0; i <= PL_MAX_INPUTS; i++)
    free(m->pieces_str[i]);
  av_dict_free(&m->opts);
  av_dict_free(&m->sopts);
  av_dict_free(&m->metadata);
  pl_meta_unref(&m->in_meta);
  free(m);
}

pl_out_meta pl_mux_set_meta(const pl_mux_set *m) {
  return (pl_out_meta){m->metadata, m->in_meta,  m->win_start_us, m->win_end_us, m->in_start_us,
                       m->t_us,     m->bitexact, m->bitexact_v,   m->bitexact_a};
}

void pl_spawn_free(pl_spawn *s) {
  if (!s) return;
  pl_stage_cfg_clear(&s->cfg);
  pl_demux_set_free(s->demux);
  pl_dec_set_free(s->dec);
  pl_conv_set_free(s->conv);
  pl_enc_set_unref(&s->enc);
  pl_lavfi_set_free(s->lavfi);
  pl_mux_set_free(s->mux);
  free(s);
}

static void spawn_dtor(void *p) {
  pl_spawn_free(p);
}

iso_value *pl_spawn_value(pl_spawn *s) {
  /* On failure iso_transfer runs the destructor itself. */
  return iso_transfer(s, spawn_dtor, PL_TAG_SPAWN);
}

pl_spawn *pl_spawn_take(iso_value *msg) {
  pl_spawn *s = NULL;
  if (msg && iso_type(msg) == ISO_V_TRANSFER && iso_transfer_tag(msg) == PL_TAG_SPAWN) {
    uint32_t tag;
    s = iso_transfer_take(msg, &tag);
  }
  iso_value_free(msg);
  return s;
}

static bool cfg_fill(pl_stage_cfg *c, const pl_job *j, int id, iso_sendport *main_sp) {
  const pl_node *nd = &j->node[id];
  c->self = id;
  c->node = *nd;
  c->ndown = pl_node_ndown(nd);
  for (int i = 0; i < c->ndown; i++) {
    int down = pl_node_down(nd, i, NULL);
    snprintf(c->down[i].name, sizeof c->down[i].name, "%s", j->node[down].name);
    c->down[i].cap = pl_link_capacity(j, down);
  }
  c->in_cap = pl_link_capacity(j, id);
  c->main_sp = main_sp ? iso_sendport_ref(main_sp) : NULL;
  c->flag = pl_flag_ref(j->flag);
  c->trace = j->trace;
  c->log_id = j->log_id;
  bool in = nd->kind == PL_N_DEMUX || nd->kind == PL_N_DECODE;
  c->file = pl_dup_str(in ? pl_input_path(j, nd->input) : j->output ? j->output : "");
  return c->file && (!main_sp || c->main_sp);
}

static pl_demux_set *demux_set(const pl_job *j, int id) {
  pl_demux_set *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  int k = id >= 0 && id < j->ninputs ? id : 0;
  const pl_input *in = &j->in[k];
  d->input = k;
  const char *format = k ? in->format : j->input_format;
  const AVDictionary *opts = k ? in->opts : j->in_opts;
  bool ok = pl_spawn_dup(&d->format, format) &&
            pl_spawn_dup(&d->protocol_whitelist, j->protocol_whitelist) &&
            pl_spawn_dup(&d->allow_formats, j->allow_formats) && pl_spawn_dict(&d->opts, opts, 0);
  if (k == 0) d->io = j->in_io; /* the caller's callbacks read input #0 only */
  d->rate = in->rate;
  /* Input #0: the earliest output's -ss; a further input: its own. */
  d->start_us = k ? (in->ss_us > 0 ? in->ss_us : 0) : j->in_ss_us;
  d->ss_us = in->ss_us;
  d->t_us = in->t_us;
  d->offset_us = in->offset_us;
  memcpy(d->scale, in->scale, sizeof d->scale);
  d->nscale = in->nscale;
  memcpy(d->discard, in->discard, sizeof d->discard);
  d->ndiscard = in->ndiscard;
  memcpy(d->guess, in->guess, sizeof d->guess);
  d->nguess = in->nguess;
  if (in->dumps) {
    ok = ok && av_dict_copy(&d->dumps, in->dumps, AV_DICT_MULTIKEY) >= 0;
    for (int i = 0; i < j->ninputs && ok; i++)
      ok = pl_spawn_dup(&d->inputs[d->ninputs++], pl_input_path(j, i));
    d->overwrite = j->overwrite;
  }
  d->loop = in->loop;
  d->sseof_us = in->sseof_us;
  d->copyts = j->copyts;
  d->start_at_zero = j->start_at_zero;
  d->fail_fast = j->fail_fast;
  d->link_cap = (uint32_t)j->queue_pkts;
  d->dts_delta_us = j->dts_delta_us;
  if (!ok) {
    pl_demux_set_free(d);
    return NULL;
  }
  return d;
}

/* Input #0 is cut to the outputs' union window; a further input also to
 * its own -ss/-t (input options), placed at its -itsoffset. */
static void dec_window(const pl_job *j, int k, pl_dec_set *d) {
  int64_t start = 0, end = j->in_t_us;
  bool cut = j->in_ss_us > 0;
  if (k > 0 && k < j->ninputs) {
    const pl_input *in = &j->in[k];
    /* -itsscale scales the offset too: it is added before the product. */
    double sc = j->info.st[d->in_index].ts_scale;
    int64_t off = sc > 0 ? (int64_t)(in->offset_us * sc) : in->offset_us;
    if (in->ss_us > 0) cut = true, start = off > 0 ? off : 0;
    int64_t e = in->t_us >= 0 ? off + in->t_us : -1;
    if (e >= 0 && (end < 0 || e < end)) end = e;
  }
  d->win_start_us = start;
  d->win_end_us = end;
  d->win_cut = cut;
}

/* sub2video's canvas when its decoder has no size, as ffmpeg: the largest
 * size among the input's video streams (0x0 none: 720x576). */
static void s2v_fallback(const pl_job *j, const pl_stream_info *si, int *w, int *h) {
  *w = *h = 0;
  for (int k = 0; k < j->info.nstreams; k++) {
    const pl_stream_info *v = &j->info.st[k];
    if (v->file != si->file || v->type != AVMEDIA_TYPE_VIDEO) continue;
    if (v->width > *w) *w = v->width;
    if (v->height > *h) *h = v->height;
  }
  if (!*w || !*h) *w = *h = 0;
}

static pl_dec_set *dec_set(const pl_job *j, const pl_node *nd) {
  pl_dec_set *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  const pl_stream_info *si = &j->info.st[nd->in_stream];
  d->in_index = nd->in_stream;
  d->type = si->type;
  /* Decoder options given before -i (-skip_frame nokey) reach this input's
   * decoders, as in ffmpeg. */
  int file = si->file > 0 && si->file < j->ninputs ? si->file : 0;
  const AVDictionary *opts = file ? j->in[file].opts : j->in_opts;
  d->threads = j->threads;
  d->fail_fast = j->fail_fast;
  dec_window(j, nd->input, d);
  /* -noaccurate_seek: frames before the input's -ss go on, with their
   * negative times, as ffmpeg's (its video sync keeps the last of them). */
  if (j->in[file].no_accurate_seek) d->win_cut = false;
  if (si->type == AVMEDIA_TYPE_VIDEO && si->file >= 0 && si->file < j->ninputs)
    d->cfr = j->in[si->file].rate;
  d->sar = si->stream_sar;
  if (si->type == AVMEDIA_TYPE_SUBTITLE) {
    d->canvas_w = j->in[file].canvas_w;
    d->canvas_h = j->in[file].canvas_h;
    s2v_fallback(j, si, &d->fallback_w, &d->fallback_h);
    for (int f = 0; f < j->fc.nin; f++) {
      const pl_stream_info *o = &j->info.st[j->fc.in_stream[f]];
      if (o->file == si->file && o->type != AVMEDIA_TYPE_SUBTITLE && o->index < 64)
        d->graph_streams |= 1ull << o->index;
    }
  }
  d->turns = pl_preview_turns(j, d->in_index);
  d->preview = pl_preview_ref(j->preview);
  if (!pl_spawn_dict(&d->opts, opts, 0)) {
    pl_dec_set_free(d);
    return NULL;
  }
  return d;
}

static pl_lavfi_set *lavfi_set(const pl_job *j) {
  pl_lavfi_set *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  bool ok = pl_spawn_dup(&l->graph, j->fcomplex ? j->fcomplex : "") &&
            pl_spawn_dup(&l->sws_flags, j->sws_flags);
  l->threads = j->threads;
  l->autorotate = j->autorotate;
  l->no_reinit = j->no_reinit;
  l->async = j->async;
  l->adrift = j->has_adrift ? j->adrift : 0.1f;
  l->vol = j->has_vol ? j->vol : 256;
  l->nin = j->fc.nin;
  l->nout = j->fc.nout;
  for (int i = 0; i < l->nin; i++) {
    l->in[i] = j->info.st[j->fc.in_stream[i]];
    pl_stream_info *si = &l->in[i];
    if (si->type == AVMEDIA_TYPE_SUBTITLE) {
      /* sub2video: the canvas its source is built for when no canvas came
       * yet (-canvas_size, the decoder's size, the input's video's). */
      const pl_input *in = &j->in[si->file > 0 && si->file < j->ninputs ? si->file : 0];
      int fw, fh;
      s2v_fallback(j, si, &fw, &fh);
      si->width = in->canvas_w ? in->canvas_w : si->width > 0 ? si->width : fw ? fw : 720;
      si->height = in->canvas_h ? in->canvas_h : si->height > 0 ? si->height : fh ? fh : 576;
      si->format = AV_PIX_FMT_RGB32;
      si->fps = (AVRational){0, 0};
    }
    l->copyts_us[i] = pl_copyts_us(j, l->in[i].file);
    bool video = j->fc.in_type[i] == AVMEDIA_TYPE_VIDEO;
    l->in_type[i] = j->fc.in_type[i];
    l->in_cap[i] = (uint32_t)(video ? j->queue_frames : j->queue_pkts);
  }
  for (int k = 0; k < l->nout; k++)
    snprintf(l->out_label[k], sizeof l->out_label[k], "%s", j->fc.out_label[k]);
  if (!ok) {
    pl_lavfi_set_free(l);
    return NULL;
  }
  return l;
}

int pl_spawn_new(const pl_job *fj, int id, iso_sendport *main_sp, pl_spawn **out, char *err,
                 size_t n) {
  *out = NULL;
  pl_spawn *s = calloc(1, sizeof *s);
  if (!s) return ISO_ENOMEM;
  bool ok = cfg_fill(&s->cfg, fj, id, main_sp);
  const pl_node *nd = &fj->node[id];
  switch (nd->kind) {
  case PL_N_DEMUX:
    ok = ok && (s->demux = demux_set(fj, id)) != NULL;
    break;
  case PL_N_DECODE:
    ok = ok && (s->dec = dec_set(fj, nd)) != NULL;
    break;
  case PL_N_LAVFI:
    ok = ok && (s->lavfi = lavfi_set(fj)) != NULL;
    break;
  case PL_N_MUX:
    ok = ok && (s->mux = pl_spawn_mux(fj, nd)) != NULL;
    break;
  case PL_N_VCONV:
  case PL_N_ACONV:
  case PL_N_ENCODE:
    break; /* from the stream's own options, below */
  }
  if (!ok) {
    pl_spawn_free(s);
    return ISO_ENOMEM;
  }
  /* A stream's own stages read its options: the file's, then those given
   * for it by index (-b:v:1, -s:0, -filter:v:1), applied to a copy. */
  int r = ISO_OK;
  if (nd->kind == PL_N_VCONV || nd->kind == PL_N_ACONV || nd->kind == PL_N_ENCODE) {
    pl_job *view = fj->sidx ? pl_job_clone(fj) : NULL;
    if (fj->sidx) r = view ? pl_sidx_view(view, nd->out_stream, err, n) : ISO_ENOMEM;
    const pl_job *sj = view ? view : fj;
    if (r == ISO_OK && nd->kind == PL_N_ENCODE) r = pl_spawn_enc(sj, nd->out_stream, &s->enc);
    if (r == ISO_OK && nd->kind != PL_N_ENCODE) r = pl_spawn_conv(sj, nd->out_stream, &s->conv);
    pl_job_free(view);
  }
  if (r != ISO_OK) {
    pl_spawn_free(s);
    return r;
  }
  *out = s;
  return ISO_OK;
}
