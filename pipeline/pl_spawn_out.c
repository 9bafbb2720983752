/* Main's side of a spawn for an output's stages: the settings of its convert, encode and mux
 * stages, read from the job (with the stream's own options applied for convert and encode). */
#include <libavutil/crc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codecs/codecs.h"
#include "pipeline/pl_mapchan.h"
#include "pipeline/pl_segments.h"
#include "pipeline/pl_sidx.h"
#include "pipeline/pl_sopts.h"
#include "pipeline/pl_spawn.h"
#include "pipeline/pl_vsync.h"

AVRational pl_out_fps(const pl_job *j, const pl_out_stream *o) {
  AVRational fps = j->rate;
  if (fps.num <= 0 || fps.den <= 0) fps = j->info.st[o->in_index].fps;
  if (fps.num <= 0 || fps.den <= 0) fps = (AVRational){25, 1};
  return fps;
}

/* With -frames:v, ffmpeg ends the whole output once its video has that
 * many frames: the output's other streams end where the last one does
 * (at the rate the video leaves its filters, -r's or fps='s, as convert:v
 * paces it), which keeps A/V in sync. Filters that pick frames by what
 * they show (select, thumbnail) give no such time: the other streams then
 * run to their end, as ffmpeg's do when the video has fewer frames. */
static int64_t frames_end_us(const pl_job *job, int os, int64_t start_us) {
  const pl_out_stream *me = &job->out[os];
  if (job->max_vframes < 1 || me->type == AVMEDIA_TYPE_VIDEO) return -1;
  for (int i = 0; i < job->nout; i++) {
    const pl_out_stream *o = &job->out[i];
    if (o->file != me->file || o->type != AVMEDIA_TYPE_VIDEO || o->copy) continue;
    AVRational fps = pl_out_fps(job, o);
    if (job->vf && o->fc_out < 0 && (job->rate.num <= 0 || job->rate.den <= 0)) {
      if (cx_fgraph_drops_frames(job->vf)) return -1;
      const pl_stream_info *si = &job->info.st[o->in_index];
      AVRational r = cx_fgraph_video_rate(job->vf, si->width, si->height, si->tb, fps);
      if (r.num > 0 && r.den > 0) fps = r;
    }
    return start_us + av_rescale_q(job->max_vframes, av_inv_q(fps), AV_TIME_BASE_Q);
  }
  return -1;
}

/*
 * ffmpeg cuts an output's -ss/-t after its filters, on their output's
 * clock, and an input's before them. Where the filters keep time the two
 * agree and the whole window is cut before them (nothing past the end is
 * filtered); where they move it (setpts, select, thumbnail, atempo...)
 * only the input's part is, and the output's own part is cut after them:
 * from its -ss (given after -i) for its -t, timestamps then counted from
 * that -ss.
 */
static void window_init(conv_window *cw, const pl_job *job, int os, unsigned kind_bit) {
  AVRational tb = job->info.st[job->out[os].in_index].tb;
  int64_t start = job->win_start_us > 0 ? job->win_start_us : 0, end = job->win_end_us;
  int64_t fend = frames_end_us(job, os, start);
  if (fend >= 0 && (end < 0 || fend < end)) end = fend;
  /* -copyts keeps the cut after the filters with -frames:v too: the end
   * the video's frames give is counted from the output's -ss there. */
  if ((job->cut_after & kind_bit) && (fend < 0 || job->copyts)) {
    int64_t own = job->ss_out_us > 0 ? job->ss_out_us : 0;
    int64_t pre_end = job->t_from_input ? end : -1;
    int64_t post_end = job->t_from_input || job->t_us < 0 ? -1 : own + job->t_us;
    if (fend >= 0 && (post_end < 0 || own + (fend - start) < post_end))
      post_end = own + (fend - start);
    cw->on = true;
    cw->w = pl_trim_make(tb, start - own, pre_end, start - own > 0);
    cw->post_on = true;
    cw->post = pl_trim_make(AV_TIME_BASE_Q, own, post_end, own > 0);
    /* -copyts: an -ss after -i puts the end at -ss + -t on the input's
     * clock, not counted from the first frame or sample kept (without it
     * the encoder's recording time ends the stream, pl_enc_set). */
    cw->post.abs_end = job->copyts && own > 0;
    return;
  }
  cw->on = pl_job_trims(job) || end != job->win_end_us;
  cw->w = pl_trim_make(tb, job->win_start_us, end, job->win_start_us > 0);
}

/* True when the output's pictures are turned here (the muxer then leaves the
 * display matrix out, as ffmpeg does). */
static bool conv_rotates(const pl_job *j, int in_index) {
  return j->autorotate && j->info.st[in_index].has_matrix;
}

/* A cluster run's input: its size and modification time, so the join takes
 * no segment a run on another input left (or on this one before it
 * changed). The tasks and the join see the input on shared storage, where
 * device numbers differ between nodes: they are not part of it. */
static int64_t seg_run_id(const pl_job *j) {
  struct stat sb;
  if (!j->input || stat(j->input, &sb) < 0) return 0;
  char key[64];
  int n = snprintf(key, sizeof key, "%lld|%lld.%09ld", (long long)sb.st_size,
                   (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
  if (n < 0 || (size_t)n >= sizeof key) return 0;
  uint32_t crc = av_crc(av_crc_get_table(AV_CRC_32_IEEE), 0, (const uint8_t *)key, (size_t)n);
  return crc ? crc : 1;
}

bool pl_pass_log_name(const pl_job *j, const pl_out_stream *o, int os, char *buf, size_t n) {
  if (!j->pass || o->copy || o->type != AVMEDIA_TYPE_VIDEO) return false;
  int r = snprintf(buf, n, "%s-%d.log", j->passlog ? j->passlog : "ffmpeg2pass", os);
  return r > 0 && (size_t)r < n;
}

/* j: the job of the stream's own options (pl_sidx_view). */
int pl_spawn_enc(const pl_job *j, int os, pl_enc_set **out) {
  pl_enc_set *e = *out = calloc(1, sizeof *e);
  if (!e) return ISO_ENOMEM;
  atomic_init(&e->refs, 1);
  const pl_out_stream *o = &j->out[os];
  bool video = o->type == AVMEDIA_TYPE_VIDEO;
  e->out_stream = os;
  e->type = o->type;
  snprintf(e->encoder, sizeof e->encoder, "%s", o->encoder);
  e->opts = pl_job_opts_for(j, video ? 'v' : 'a');
  e->q = video ? j->qv : j->qa;
  e->threads = j->threads;
  e->global_header = j->global_header;
  e->bit_rate = video ? j->bv : j->ba;
  e->rec_end_us = !video && j->t_us >= 0 && !j->t_from_input ? j->t_us : -1;
  e->crf = video ? j->crf : -1;
  bool ok = !video || pl_spawn_dup(&e->preset, j->preset);
  e->gop = video ? j->gop : -1;
  char log[4096];
  if (pl_pass_log_name(j, o, os, log, sizeof log)) {
    e->pass = j->pass;
    ok = ok && pl_spawn_dup(&e->passlog, log);
  }
  ok = ok && (!video || pl_spawn_dup(&e->force_kf, j->force_kf));
  e->nchapters = e->force_kf ? pl_fkf_chapters(j, e->force_kf, &e->chapters) : 0;
  e->flag = pl_flag_ref(j->flag);
  e->nseg = pl_seg_count(j, os);
  e->segments = j->segments;
  e->seg_task = j->seg_task;
  e->seg_tasks = j->seg_tasks;
  e->seg_join = j->seg_join;
  ok = ok && pl_spawn_dup(&e->seg_dir, j->seg_dir);
  const char *why = pl_seg_serial_why(j, os);
  snprintf(e->serial_why, sizeof e->serial_why, "%s", why ? why : "");
  bool cluster = j->seg_task >= 0 || j->seg_join;
  if (e->nseg > 1 || cluster) {
    if (cluster) e->run_id = seg_run_id(j);
    e->input_us = pl_seg_input_us(j);
    if (video) {
      e->fps = pl_out_fps(j, o);
      e->video_len = pl_seg_video_len(j, os, e->fps);
      if (j->seg_task >= 0) pl_seg_task_range(j, e->video_len, e->fps, &e->task_lo, &e->task_hi);
    }
  }
  return ok && e->nchapters != AVERROR(ENOMEM) ? ISO_OK : ISO_ENOMEM;
}

/* j: the job of the stream's own options (pl_sidx_view). */
int pl_spawn_conv(const pl_job *j, int os, pl_conv_set **out) {
  pl_conv_set *c = *out = calloc(1, sizeof *c);
  if (!c) return ISO_ENOMEM;
  const pl_out_stream *o = &j->out[os];
  bool video = o->type == AVMEDIA_TYPE_VIDEO;
  c->type = o->type;
  snprintf(c->encoder, sizeof c->encoder, "%s", o->encoder);
  c->fc = o->fc_out >= 0;
  c->in = j->info.st[o->in_index];
  c->autorotate = j->autorotate;
  c->no_reinit = j->no_reinit;
  const char *chain = video ? j->vf : j->af;
  const char *strs[] = {chain, j->aspect, j->pix_fmt, j->ch_layout, j->sample_fmt, j->sws_flags};
  char **dst[] = {&c->chain, &c->aspect, &c->pix_fmt, &c->ch_layout, &c->sample_fmt, &c->sws_flags};
  bool ok = true;
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    ok = pl_spawn_dup(dst[i], strs[i]) && ok;
  /* As ffmpeg 5.1: -apad pads only an output that ends with its shortest
   * stream and has a video stream to end it. */
  bool has_video = false;
  for (int k = 0; k < j->nout; k++)
    has_video = has_video || j->out[k].type == AVMEDIA_TYPE_VIDEO;
  if (!video && j->apad && j->shortest && has_video) ok = pl_spawn_dup(&c->apad, j->apad) && ok;
  /* ffmpeg 5.1 maps channels of an output's own input stream only. */
  bool oom = false;
  if (!video && !c->fc) c->pan = pl_mapchan_pan(j->map_channel, &c->in, &oom);
  ok = !oom && ok;
  c->width = j->width;
  c->height = j->height;
  c->ac = j->ac;
  c->ar = j->ar;
  c->async = j->async;
  c->adrift = j->has_adrift ? j->adrift : 0.1f;
  c->vol = j->has_vol ? j->vol : 256;
  c->threads = j->threads;
  pl_job_swr_opts(j, c->swr, sizeof c->swr);
  c->rate = j->rate;
  c->vsync = pl_vsync_resolve(j->vsync, j->out_format, j->info.nstreams);
  /* ffmpeg 5.1's auto sync with -copyts: a late first frame sets the
   * output's clock, the time before it is not filled (its vscfr). */
  if (j->copyts && j->vsync == PL_VSYNC_AUTO && c->vsync == PL_VSYNC_CFR) c->vsync = PL_VSYNC_VSCFR;
  /* -copyts: frames go on with the input's own clock, as ffmpeg's encoders
   * see them; a -filter_complex output is on it already (its graph's
   * inputs were put there). The graph refuses the cases where windows differ. */
  if (!c->fc) c->copyts_us = pl_copyts_us(j, c->in.file);
  /* As ffmpeg: frames last their packet's duration only without any filter graph given. */
  c->pkt_durations = !j->vf_set && !j->fc.nout;
  /* The output's -t ends its video at that instant of its clock, as
   * ffmpeg's recording-time check before encoding; an input's -t is a trim
   * of the decoded frames, counted from the first one kept (pl_trim_frame). */
  c->t_us = j->t_from_input ? -1 : j->t_us;
  c->fill_us = pl_vsync_fill_us(j->info.duration_us);
  c->max_vframes = j->max_vframes;
  c->out_fps = pl_out_fps(j, o);
  window_init(&c->win, j, os, video ? 1 : 2);
  return ok ? ISO_OK : ISO_ENOMEM;
}

/* j: the job of the muxer's file. */
pl_mux_set *pl_spawn_mux(const pl_job *j, const pl_node *nd) {
  pl_mux_set *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  int out_of[PL_MAX_OUT] = {0};
  for (int i = 0; i < j->nout; i++)
    if (j->out[i].file == nd->file && j->out[i].mux_port >= 0 && j->out[i].mux_port < PL_MAX_OUT) {
      out_of[j->out[i].mux_port] = i;
      if (j->out[i].mux_port + 1 > m->n) m->n = j->out[i].mux_port + 1;
    }
  bool ok = true;
  for (int k = 0; k < m->n; k++) {
    const pl_out_stream *o = &j->out[out_of[k]];
    pl_mux_stream *ms = &m->st[k];
    ms->type = o->type;
    ms->copy = o->copy;
    ms->fc = o->fc_out >= 0;
    snprintf(ms->encoder, sizeof ms->encoder, "%s", o->encoder);
    ms->in_index = o->in_index;
    ms->in = j->info.st[o->in_index];
    ms->input = ms->in.file;
    ms->fix_sub_duration =
        ms->input >= 0 && ms->input < j->ninputs && j->in[ms->input].fix_sub_duration;
    /* A cluster join's segmented stream comes from the tasks' files, a
     * source of its own that no demux holds up. */
    if (j->seg_join && !o->copy && pl_seg_count(j, out_of[k]) > 1) ms->input = j->nfiles;
    ms->keep_matrix = !ms->fc && (o->copy || !conv_rotates(j, o->in_index));
    const char *chain = ms->fc ? j->fcomplex : o->type == AVMEDIA_TYPE_VIDEO ? j->vf : j->af;
    /* A decoder told to keep keyframes only (-skip_frame nokey) may rightly
     * give nothing of a clip, or of what follows an -ss in it. */
    int file = ms->in.file > 0 && ms->in.file < j->ninputs ? ms->in.file : 0;
    const AVDictionary *dec_opts = file ? j->in[file].opts : j->in_opts;
    bool skips = o->type == AVMEDIA_TYPE_VIDEO && cx_dec_opts_skip_most(dec_opts);
    ms->may_drop_all = !o->copy && (skips || cx_fgraph_may_drop_all(chain));
    ms->max_pkts = o->type == AVMEDIA_TYPE_AUDIO              ? j->max_aframes
                   : o->type == AVMEDIA_TYPE_VIDEO && o->copy ? j->max_vframes
                                                              : -1;
    ok = ok && pl_spawn_dup(&ms->bsf, pl_sopt_get(j->sopts, "bsf", pl_sidx_pos(j, out_of[k])));
  }
  ok = ok && pl_spawn_dup(&m->output, j->output ? j->output : "") &&
       pl_spawn_dup(&m->format, j->format);
  snprintf(m->out_format, sizeof m->out_format, "%s", j->out_format);
  m->io = j->out_io;
  m->overwrite = j->overwrite;
  m->pieces.output = m->output;
  m->pieces.ninputs = j->ninputs > 0 ? j->ninputs : 1;
  for (int k = 0; k < m->pieces.ninputs && k < PL_MAX_INPUTS; k++) {
    /* Every input, however named; a custom input is no file. */
    if (k == 0 && j->in_io.read) continue;
    ok = ok && pl_spawn_dup(&m->pieces_str[k], pl_input_path(j, k));
    m->pieces.inputs[k] = m->pieces_str[k];
  }
  ok = ok && pl_spawn_dup(&m->pieces_str[PL_MAX_INPUTS], j->out_protocols);
  m->pieces.protocols = m->pieces_str[PL_MAX_INPUTS];
  m->pieces.overwrite = j->overwrite;
  m->t_us = j->t_us;
  m->t_from_input = j->t_from_input;
  m->shortest = j->shortest;
  m->limit_fs = j->limit_fs;
  /* A cluster join reads the segments' packets from files far faster than
   * the copied streams come from the input: it writes them in order as the
   * in-process run's libavformat interleaving does. */
  m->ordered = j->ninputs > 1 || j->shortest || j->seg_join;
  m->one_file = j->nfiles <= 1;
  m->task = j->seg_task >= 0;
  m->first_pass = j->pass == 1;
  m->link_cap = (uint32_t)j->queue_pkts;
  m->opts = pl_job_opts_for(j, 'f');
  ok = ok && pl_spawn_dict(&m->sopts, j->sopts, AV_DICT_MULTIKEY) &&
       pl_spawn_dict(&m->metadata, j->metadata, AV_DICT_MULTIKEY);
  m->in_meta = pl_meta_ref(j->in_meta);
  m->nin = j->info.nstreams;
  for (int i = 0; i < m->nin && i < PL_MAX_IN; i++)
    m->disposition[i] = j->info.st[i].disposition;
  m->attach = nd->file >= 0 && nd->file < PL_MAX_FILES ? j->attach_in[nd->file] : 0;
  m->win_start_us = j->win_start_us;
  m->win_end_us = j->win_end_us;
  bool own_end = j->t_us >= 0 && !j->t_from_input;
  m->copyts_end_us = j->copyts && own_end ? (j->ss_out_us > 0 ? j->ss_out_us : 0) + j->t_us : -1;
  m->copyts_read_us = pl_copyts_us(j, 0);
  m->in_start_us = j->info.start_us;
  m->seek_us = (j->in_ss_us > 0 ? j->in_ss_us : 0) + (j->win_start_us > 0 ? j->win_start_us : 0);
  m->in_dur_us = j->info.duration_us;
  pl_out_meta_bitexact(j, &m->bitexact, &m->bitexact_v, &m->bitexact_a);
  if (!ok) {
    pl_mux_set_free(m);
    return NULL;
  }
  return m;
}
