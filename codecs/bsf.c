/* Bitstream filter chains (ffmpeg's -bsf "name[=opts][,name2...]") over one stream's packets. */
#include <libavcodec/bsf.h>

#include "codecs/cx_internal.h"

struct cx_bsf {
  AVBSFContext *ctx;
  char *chain;
};

/* The first filter of chain that libavcodec does not have, copied into
 * name; false when every one exists. */
static bool unknown_name(const char *chain, char *name, size_t n) {
  const char *p = chain;
  while (*p) {
    size_t len = strcspn(p, ",");
    size_t nlen = strcspn(p, "=,");
    snprintf(name, n, "%.*s", (int)nlen, p);
    if (!av_bsf_get_by_name(name)) return true;
    p += len;
    if (*p == ',') p++;
  }
  return false;
}

int cx_bsf_check(const char *chain, char *err) {
  char name[128];
  if (!chain || !*chain) return cx_fail(err, AVERROR(EINVAL), "empty bitstream filter list");
  if (unknown_name(chain, name, sizeof name))
    return cx_fail(err, AVERROR_BSF_NOT_FOUND, "unknown bitstream filter '%s'", name);
  AVBSFContext *ctx = NULL;
  int ret = av_bsf_list_parse_str(chain, &ctx);
  av_bsf_free(&ctx);
  if (ret < 0) return cx_fail(err, ret, "bitstream filters '%s'", chain);
  return 0;
}

int cx_bsf_open(cx_bsf **out, const char *chain, const AVCodecParameters *par, AVRational tb,
                char *err) {
  *out = NULL;
  cx_bsf *b = av_mallocz(sizeof *b);
  if (!b || !(b->chain = av_strdup(chain))) {
    av_free(b);
    return cx_fail(err, AVERROR(ENOMEM), "bitstream filters");
  }
  int ret = av_bsf_list_parse_str(chain, &b->ctx);
  if (ret >= 0) ret = avcodec_parameters_copy(b->ctx->par_in, par);
  if (ret >= 0) {
    b->ctx->time_base_in = tb;
    ret = av_bsf_init(b->ctx);
  }
  if (ret < 0) {
    const AVCodecDescriptor *d = avcodec_descriptor_get(par->codec_id);
    cx_fail(err, ret, "bitstream filter '%s' cannot filter %s", chain, d ? d->name : "this codec");
    cx_bsf_free(&b);
    return ret;
  }
  *out = b;
  return 0;
}

const AVCodecParameters *cx_bsf_par(const cx_bsf *b) {
  return b->ctx->par_out;
}

AVRational cx_bsf_tb(const cx_bsf *b) {
  return b->ctx->time_base_out;
}

int cx_bsf_send(cx_bsf *b, AVPacket *pkt, char *err) {
  int ret = av_bsf_send_packet(b->ctx, pkt);
  if (ret < 0) {
    if (pkt) av_packet_unref(pkt);
    return cx_fail(err, ret, "bitstream filter '%s'", b->chain);
  }
  return 0;
}

int cx_bsf_receive(cx_bsf *b, AVPacket *pkt, char *err) {
  int ret = av_bsf_receive_packet(b->ctx, pkt);
  if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF)
    return cx_fail(err, ret, "bitstream filter '%s'", b->chain);
  return ret;
}

void cx_bsf_free(cx_bsf **pb) {
  cx_bsf *b = pb ? *pb : NULL;
  if (!b) return;
  av_bsf_free(&b->ctx);
  av_free(b->chain);
  av_free(b);
  *pb = NULL;
}
