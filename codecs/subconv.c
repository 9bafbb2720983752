/* Re-encodes one subtitle stream packet by packet (decode to AVSubtitle, encode), as ffmpeg does.
 */
#include "codecs/cx_internal.h"

struct cx_subconv {
  AVCodecContext *dec, *enc;
  AVCodecParameters *par;
  uint8_t *buf;
  int bufsize;
  bool fix_dur, have_prev;
  AVSubtitle prev; /* fix_dur: the subtitle waiting for the next one */
};

static int sub_props(enum AVCodecID id) {
  const AVCodecDescriptor *d = avcodec_descriptor_get(id);
  return d ? d->props & (AV_CODEC_PROP_TEXT_SUB | AV_CODEC_PROP_BITMAP_SUB) : 0;
}

int cx_subconv_check(enum AVCodecID in, const AVCodec *enc, char *err) {
  if (!enc || enc->type != AVMEDIA_TYPE_SUBTITLE)
    return cx_fail(err, AVERROR(EINVAL), "'%s' is not a subtitle encoder",
                   enc ? enc->name : "(none)");
  if (!avcodec_find_decoder(in))
    return cx_fail(err, AVERROR_DECODER_NOT_FOUND, "no decoder for %s subtitles",
                   avcodec_get_name(in));
  int ip = sub_props(in), op = sub_props(enc->id);
  /* ffmpeg's rule: text to text, bitmap to bitmap (a stream with neither
   * property, as DVB teletext, may go to any subtitle encoder). */
  if (ip && op && !(ip & op))
    return cx_fail(err, AVERROR(EINVAL),
                   "%s subtitles are %s and %s writes %s: only text to text or bitmap to bitmap "
                   "can be re-encoded",
                   avcodec_get_name(in), ip & AV_CODEC_PROP_TEXT_SUB ? "text" : "bitmaps",
                   enc->name, op & AV_CODEC_PROP_TEXT_SUB ? "text" : "bitmaps");
  return 0;
}

int cx_subconv_open(cx_subconv **out, const AVCodecParameters *in, AVRational in_tb,
                    const char *encoder, bool fix_dur, char *err) {
  *out = NULL;
  const AVCodec *ec = avcodec_find_encoder_by_name(encoder);
  int ret = cx_subconv_check(in->codec_id, ec, err);
  if (ret < 0) return ret;
  cx_subconv *s = av_mallocz(sizeof *s);
  const AVCodec *dc = avcodec_find_decoder(in->codec_id);
  if (!s || !(s->dec = avcodec_alloc_context3(dc)) || !(s->enc = avcodec_alloc_context3(ec)) ||
      !(s->par = avcodec_parameters_alloc())) {
    cx_subconv_free(&s);
    return cx_fail(err, AVERROR(ENOMEM), "subtitles");
  }
  ret = avcodec_parameters_to_context(s->dec, in);
  s->dec->pkt_timebase = in_tb;
  if (ret >= 0) ret = avcodec_open2(s->dec, dc, NULL);
  if (ret < 0) {
    cx_subconv_free(&s);
    return cx_fail(err, ret, "cannot open the %s subtitle decoder", dc->name);
  }
  /* As ffmpeg: microsecond timestamps, the input's canvas, and the
   * decoder's ASS header (styles) handed to the encoder. */
  s->enc->time_base = AV_TIME_BASE_Q;
  s->enc->width = in->width;
  s->enc->height = in->height;
  if (s->dec->subtitle_header) {
    s->enc->subtitle_header = av_mallocz((size_t)s->dec->subtitle_header_size + 1);
    if (!s->enc->subtitle_header) {
      cx_subconv_free(&s);
      return cx_fail(err, AVERROR(ENOMEM), "subtitles");
    }
    memcpy(s->enc->subtitle_header, s->dec->subtitle_header, (size_t)s->dec->subtitle_header_size);
    s->enc->subtitle_header_size = s->dec->subtitle_header_size;
  }
  ret = avcodec_open2(s->enc, ec, NULL);
  if (ret >= 0) ret = avcodec_parameters_from_context(s->par, s->enc);
  if (ret < 0) {
    cx_subconv_free(&s);
    return cx_fail(err, ret, "cannot open the %s subtitle encoder", ec->name);
  }
  s->fix_dur = fix_dur;
  *out = s;
  return 0;
}

const AVCodecParameters *cx_subconv_par(const cx_subconv *s) {
  return s->par;
}

int cx_subconv_convert(cx_subconv *s, const AVPacket *in, AVRational in_tb, AVPacket *out,
                       char *err) {
  AVSubtitle sub;
  int got = 0;
  int ret = avcodec_decode_subtitle2(s->dec, &sub, &got, (AVPacket *)in);
  if (ret < 0) { /* as ffmpeg: the packet is lost, the stream goes on */
    cx_fail(err, ret, "a %s subtitle packet could not be decoded", s->dec->codec->name);
    return 0;
  }
  if (!got) return 0;
  if (sub.pts == AV_NOPTS_VALUE && in->pts != AV_NOPTS_VALUE)
    sub.pts = av_rescale_q(in->pts, in_tb, AV_TIME_BASE_Q);
  if (s->fix_dur) {
    /* As ffmpeg 5.1's transcode_subtitles: the one before ends where this
     * one starts, and is dropped when this one starts no later than it. An
     * empty subtitle (a clear) counts as a next one too. */
    int64_t end = 1;
    if (s->have_prev) {
      end = av_rescale(sub.pts - s->prev.pts, 1000, AV_TIME_BASE);
      if (end > 0 && end < s->prev.end_display_time) s->prev.end_display_time = (uint32_t)end;
    }
    AVSubtitle next = sub;
    bool had = s->have_prev;
    sub = s->prev;
    s->prev = next;
    s->have_prev = true;
    if (!had) return 0;
    if (end <= 0) {
      avsubtitle_free(&sub);
      return 0;
    }
  }
  if (!sub.num_rects) {
    avsubtitle_free(&sub);
    return 0;
  }
  /* The encoder wants the display to start at pts itself. */
  sub.pts += av_rescale_q(sub.start_display_time, (AVRational){1, 1000}, AV_TIME_BASE_Q);
  sub.end_display_time -= sub.start_display_time;
  sub.start_display_time = 0;
  if (!s->buf) {
    s->bufsize = 1 << 20;
    if (!(s->buf = av_malloc((size_t)s->bufsize))) {
      avsubtitle_free(&sub);
      return cx_fail(err, AVERROR(ENOMEM), "subtitles");
    }
  }
  int size = avcodec_encode_subtitle(s->enc, s->buf, s->bufsize, &sub);
  int64_t pts = sub.pts;
  uint32_t dur = sub.end_display_time;
  avsubtitle_free(&sub);
  if (size < 0) return cx_fail(err, size, "encoding %s subtitles", s->enc->codec->name);
  av_packet_unref(out);
  if ((ret = av_new_packet(out, size)) < 0) return cx_fail(err, ret, "subtitles");
  memcpy(out->data, s->buf, (size_t)size);
  out->pts = out->dts = pts;
  out->duration = av_rescale_q(dur, (AVRational){1, 1000}, AV_TIME_BASE_Q);
  out->flags |= AV_PKT_FLAG_KEY;
  return 1;
}

void cx_subconv_free(cx_subconv **s) {
  if (!s || !*s) return;
  if ((*s)->have_prev) avsubtitle_free(&(*s)->prev);
  avcodec_free_context(&(*s)->dec);
  avcodec_free_context(&(*s)->enc);
  avcodec_parameters_free(&(*s)->par);
  av_free((*s)->buf);
  av_freep(s);
}
