/* What the demux tells main of its input: each stream's description, the input's length and
 * format, and each stream's -itsscale. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/stages/demux_copy.h"
#include "pipeline/stages/demux_info.h"

void pl_demux_describe(pl_stage *st, cx_demux *d, const pl_demux_set *set, const double *scale,
                       pl_input_info *info) {
  AVFormatContext *fmt = cx_demux_ctx(d);
  memset(info, 0, sizeof *info);
  info->nstreams = (int)(fmt->nb_streams < PL_MAX_IN ? fmt->nb_streams : PL_MAX_IN);
  info->best_v = cx_demux_best_stream(d, AVMEDIA_TYPE_VIDEO);
  info->best_a = cx_demux_best_stream(d, AVMEDIA_TYPE_AUDIO);
  if (info->best_v >= PL_MAX_IN) info->best_v = -1;
  if (info->best_a >= PL_MAX_IN) info->best_a = -1;
  info->duration_us = cx_demux_duration_us(d);
  info->start_us = cx_demux_start_us(d);
  info->clock[0] = (pl_file_clock){fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0,
                                   cx_demux_skip_us(d), cx_demux_discont(d)};
  int64_t eof = cx_demux_eof_us(d);
  info->sseof_ss_us = eof >= 0 ? eof : -1;
  int seek_err = cx_demux_seek_error(d);
  if (seek_err < 0) {
    char why[128];
    pl_stage_log(st, AV_LOG_WARNING,
                 "cannot seek to %.3f s (-ss): %s; the input is read from its start and cut at "
                 "-ss, as ffmpeg does",
                 set->start_us / 1e6, cx_errstr(seek_err, why, sizeof why));
  }
  if (eof == CX_EOF_UNKNOWN)
    pl_stage_log(st, AV_LOG_WARNING,
                 "cannot use -sseof: the input's duration is not known; it is read from its "
                 "start, as ffmpeg does");
  else if (eof == CX_EOF_BEFORE)
    pl_stage_log(st, AV_LOG_WARNING,
                 "-sseof %.3f seeks to before the input's start; ignored, as ffmpeg does",
                 set->sseof_us / 1e6);
  /* -itsscale stretches the input: its length is the longest stream's. */
  double most = 0;
  for (int i = 0; i < info->nstreams; i++)
    if (scale[i] > most) most = scale[i];
  if (most > 0 && most != 1.0 && info->duration_us != AV_NOPTS_VALUE)
    info->duration_us = dcopy_scaled(info->duration_us, most);
  /* -stream_loop: read that many times; endless has no length. */
  if (set->loop && info->duration_us != AV_NOPTS_VALUE)
    info->duration_us = set->loop < 0 || info->duration_us > INT64_MAX / (set->loop + 1)
                            ? AV_NOPTS_VALUE
                            : info->duration_us * (set->loop + 1);
  /* A further input's length on the output's clock: read from its -ss for
   * its -t, shifted by its -itsoffset (progress takes the longest). */
  const pl_demux_set *in = set;
  if (in->input > 0 && info->duration_us != AV_NOPTS_VALUE) {
    int64_t d = info->duration_us - (in->ss_us > 0 ? in->ss_us : eof > 0 ? eof : 0);
    if (in->t_us >= 0 && in->t_us < d) d = in->t_us;
    info->duration_us = (d > 0 ? d : 0) + in->offset_us;
  }
  snprintf(info->format, sizeof info->format, "%s", fmt->iformat->name);
  for (int i = 0; i < info->nstreams; i++) {
    AVStream *s = fmt->streams[i];
    pl_stream_info *si = &info->st[i];
    si->file = set->input;
    si->index = i;
    si->type = s->codecpar->codec_type;
    si->codec_id = s->codecpar->codec_id;
    si->tb = s->time_base;
    si->fps = av_guess_frame_rate(fmt, s, NULL);
    if (in->rate.num > 0 && si->type == AVMEDIA_TYPE_VIDEO) si->fps = in->rate;
    si->avg_rate = s->avg_frame_rate;
    si->r_rate = s->r_frame_rate;
    si->sar = s->codecpar->sample_aspect_ratio;
    si->stream_sar = s->sample_aspect_ratio;
    si->width = s->codecpar->width;
    si->height = s->codecpar->height;
    si->sample_rate = s->codecpar->sample_rate;
    si->channels = s->codecpar->ch_layout.nb_channels;
    si->format = s->codecpar->format;
    si->ch_mask =
        s->codecpar->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? s->codecpar->ch_layout.u.mask : 0;
    si->layout_unknown = si->type == AVMEDIA_TYPE_AUDIO && si->channels > 0 &&
                         s->codecpar->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC;
    si->start_pts = s->start_time;
    si->ts_scale = scale[i];
    si->attached_pic = (s->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
    si->disposition = s->disposition;
    si->discarded = s->discard >= AVDISCARD_ALL;
    si->probed_packets = (s->event_flags & AVSTREAM_EVENT_FLAG_NEW_PACKETS) != 0;
    size_t size = 0;
    const uint8_t *dm = av_stream_get_side_data(s, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (dm && size >= sizeof si->matrix) {
      memcpy(si->matrix, dm, sizeof si->matrix);
      si->has_matrix = true;
    }
  }
}

/* Each stream's -itsscale: the last one whose specifier matches it, as
 * ffmpeg's per-stream options; 1 when none does. */
int pl_demux_scales(cx_demux *d, const pl_demux_set *set, int nstreams, double *scale, char *err,
                    size_t n) {
  AVFormatContext *fmt = cx_demux_ctx(d);
  for (int i = 0; i < nstreams; i++) {
    scale[i] = 1.0;
    for (int k = 0; k < set->nscale; k++) {
      const pl_ts_scale *sc = &set->scale[k];
      int r = avformat_match_stream_specifier(fmt, fmt->streams[i], sc->spec);
      if (r < 0) {
        snprintf(err, n, "option -itsscale:%s: invalid stream specifier '%s'", sc->spec, sc->spec);
        return r;
      }
      if (r > 0) scale[i] = sc->scale;
    }
  }
  return 0;
}

/* ffmpeg 5.1 sets each read stream's AVStream.discard once the input is
 * open and probed (so the probe saw every packet): the last -discard whose
 * specifier matches the stream, AVDISCARD_DEFAULT when none does. */
int pl_demux_discards(cx_demux *d, const pl_demux_set *set, int nstreams, char *err, size_t n) {
  AVFormatContext *fmt = cx_demux_ctx(d);
  for (int i = 0; i < nstreams; i++) {
    for (int k = 0; k < set->ndiscard; k++) {
      const pl_discard *dc = &set->discard[k];
      int r = avformat_match_stream_specifier(fmt, fmt->streams[i], dc->spec);
      if (r < 0) {
        snprintf(err, n, "option -discard:%s: invalid stream specifier '%s'", dc->spec, dc->spec);
        return r;
      }
      if (r > 0) fmt->streams[i]->discard = (enum AVDiscard)dc->level;
    }
  }
  return 0;
}

int pl_demux_guess_layouts(pl_stage *st, cx_demux *d, const pl_demux_set *set, int nstreams,
                           char *err, size_t n) {
  AVFormatContext *fmt = cx_demux_ctx(d);
  for (int i = 0; i < nstreams; i++) {
    AVCodecParameters *par = fmt->streams[i]->codecpar;
    if (par->codec_type != AVMEDIA_TYPE_AUDIO || par->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
      continue;
    int max = INT_MAX;
    for (int k = 0; k < set->nguess; k++) {
      const pl_guess_layout *g = &set->guess[k];
      int r = avformat_match_stream_specifier(fmt, fmt->streams[i], g->spec);
      if (r < 0) {
        snprintf(err, n, "option -guess_layout_max:%s: invalid stream specifier '%s'", g->spec,
                 g->spec);
        return r;
      }
      if (r > 0) max = g->max;
    }
    int count = par->ch_layout.nb_channels;
    AVChannelLayout l = {0};
    if (count <= 0 || count > max) continue;
    av_channel_layout_default(&l, count);
    if (l.order == AV_CHANNEL_ORDER_UNSPEC) continue;
    char name[128] = "";
    av_channel_layout_describe(&l, name, sizeof name);
    av_channel_layout_uninit(&par->ch_layout);
    par->ch_layout = l;
    pl_stage_log(st, AV_LOG_WARNING, "Guessed Channel Layout for Input Stream #%d.%d : %s",
                 set->input, i, name);
  }
  return 0;
}
