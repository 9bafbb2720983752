/* The input read again from its start (-stream_loop): each pass's length and where the next one
 * starts. */
#include "pipeline/stages/demux_loop.h"

#include <libavutil/intreadwrite.h>
#include <string.h>

void dloop_init(dloop *l, int loops) {
  memset(l, 0, sizeof *l);
  l->left = loops;
}

/* The samples a decoder gives for this packet: a whole frame of a codec
 * with a fixed frame size, less what the container says to discard at the
 * end (the padding of a gapless MP3). */
static int decoded_samples(const AVPacket *pkt, const AVStream *st) {
  const AVCodecParameters *p = st->codecpar;
  int64_t n = p->frame_size > 0 ? p->frame_size
              : p->sample_rate > 0 && pkt->duration > 0
                  ? av_rescale_q(pkt->duration, st->time_base, (AVRational){1, p->sample_rate})
                  : 0;
  size_t size = 0;
  const uint8_t *skip = av_packet_get_side_data(pkt, AV_PKT_DATA_SKIP_SAMPLES, &size);
  if (skip && size >= 8) n -= AV_RL32(skip + 4);
  return n > 0 && n < INT32_MAX ? (int)n : 0;
}

void dloop_packet(dloop *l, AVPacket *pkt, const AVStream *st, bool decoded) {
  int s = st->index;
  if (s < 0 || s >= PL_MAX_IN) return;
  int64_t add = l->add_tb.num ? av_rescale_q(l->add, l->add_tb, st->time_base) : 0;
  if (pkt->pts != AV_NOPTS_VALUE) pkt->pts += add;
  if (pkt->dts != AV_NOPTS_VALUE) pkt->dts += add;
  l->packets++;
  if (pkt->pts == AV_NOPTS_VALUE) return;
  if (!l->seen[s] || pkt->pts < l->lo[s]) l->lo[s] = pkt->pts;
  if (!l->seen[s] || pkt->pts >= l->hi[s]) {
    l->hi[s] = pkt->pts;
    if (decoded && st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
      l->last_samples[s] = decoded_samples(pkt, st);
  }
  l->seen[s] = true;
}

bool dloop_next(dloop *l, const AVFormatContext *fmt, const bool *decoded, AVRational rate) {
  if (!l->left || !l->packets) return false;
  int n = fmt->nb_streams < PL_MAX_IN ? (int)fmt->nb_streams : PL_MAX_IN;
  bool audio = false;
  for (int s = 0; s < n; s++)
    audio = audio || (decoded[s] && l->last_samples[s] > 0 &&
                      fmt->streams[s]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO);
  int64_t best = 0;
  AVRational best_tb = {0, 1};
  for (int s = 0; s < n; s++) {
    const AVStream *st = fmt->streams[s];
    int64_t d;
    if (audio) {
      if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO || !decoded[s] || !l->last_samples[s] ||
          st->codecpar->sample_rate <= 0)
        continue;
      d = av_rescale_q(l->last_samples[s], (AVRational){1, st->codecpar->sample_rate},
                       st->time_base);
    } else {
      AVRational fps = rate.num > 0 ? rate : st->avg_frame_rate;
      d = fps.num > 0 && fps.den > 0 ? av_rescale_q(1, av_inv_q(fps), st->time_base) : 1;
    }
    if (l->seen[s] && l->hi[s] > l->lo[s]) d += l->hi[s] - l->lo[s];
    if (!best || av_compare_ts(best, best_tb, d, st->time_base) < 0) {
      best = d;
      best_tb = st->time_base;
    }
  }
  if (best <= 0) return false;
  /* Never back: a pass shorter than the lengths before keeps the offset. */
  if (!l->add_tb.num || av_compare_ts(l->add, l->add_tb, best, best_tb) < 0) {
    l->add = best;
    l->add_tb = best_tb;
  }
  l->packets = 0;
  if (l->left > 0) l->left--;
  return true;
}
