/* Attachments of an output (fonts, pictures): streams with no packets, their data in the header. */
#include "pipeline/stages/mux_attach.h"

#include <libavutil/file.h>
#include <string.h>

/* Matroska keeps an attachment whole in its header: a file larger than
 * this is a mistake, not a font or a cover. */
#define ATTACH_MAX_BYTES (256 << 20)

static int add_par(cx_mux *mux, const AVCodecParameters *par, char *err) {
  char why[CX_ERRLEN] = "";
  int idx = cx_mux_add_stream(mux, par, (AVRational){1, 1000}, why);
  if (idx < 0) snprintf(err, CX_ERRLEN, "%s", why);
  return idx;
}

/* One -attach file as an attachment stream; its file name as "filename". */
static int add_file(cx_mux *mux, const char *path, char *err, size_t n) {
  if (!strncmp(path, "file:", 5)) path += 5;
  uint8_t *data = NULL;
  size_t size = 0;
  int r = av_file_map(path, &data, &size, 0, NULL);
  if (r < 0) return pl_fail(err, n, "attach: cannot read '%s': %s", path, av_err2str(r)), -1;
  AVCodecParameters *par = avcodec_parameters_alloc();
  if (size > ATTACH_MAX_BYTES || !par ||
      !(par->extradata = av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE))) {
    av_file_unmap(data, size);
    avcodec_parameters_free(&par);
    return pl_fail(err, n, "attach: '%s' is %s", path,
                   size > ATTACH_MAX_BYTES ? "larger than 256 MiB" : "out of memory"),
           -1;
  }
  memcpy(par->extradata, data, size);
  par->extradata_size = (int)size;
  par->codec_type = AVMEDIA_TYPE_ATTACHMENT;
  av_file_unmap(data, size);
  char why[CX_ERRLEN] = "";
  int idx = add_par(mux, par, why);
  avcodec_parameters_free(&par);
  if (idx < 0) return pl_fail(err, n, "attach '%s': %s", path, why), -1;
  const char *base = strrchr(path, '/');
  av_dict_set(&cx_mux_ctx(mux)->streams[idx]->metadata, "filename", base ? base + 1 : path,
              AV_DICT_DONT_OVERWRITE);
  return idx;
}

int pl_mux_attachments(const pl_mux_set *m, cx_mux *mux, pl_meta_stream *ms, int *nms, int max,
                       char *err, size_t n) {
  uint64_t mask = m->attach;
  for (int i = 0; i < 64 && i < m->nin && mask; i++) {
    if (!(mask & (1ull << i))) continue;
    const AVCodecParameters *par = pl_meta_attachment(m->in_meta, i);
    if (!par || *nms >= max) continue;
    char why[CX_ERRLEN] = "";
    if (add_par(mux, par, why) < 0) return pl_fail(err, n, "attachment #%d: %s", i, why), -1;
    ms[(*nms)++] = (pl_meta_stream){i, NULL, AVMEDIA_TYPE_ATTACHMENT};
  }
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(m->metadata, "attach", e, 0))) {
    if (*nms >= max) return pl_fail(err, n, "attach: too many streams (max %d)", max), -1;
    if (add_file(mux, e->value, err, n) < 0) return -1;
    ms[(*nms)++] = (pl_meta_stream){-1, NULL, AVMEDIA_TYPE_ATTACHMENT};
  }
  return 0;
}
