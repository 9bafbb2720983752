/* -dump_attachment: the demux writes the extradata of the streams a specifier matches (fonts,
 * cover files) to files once its input is open, as ffmpeg 5.1 does. */
#include "pipeline/stages/demux_dump.h"

#include <libavformat/avformat.h>
#include <string.h>

#include "pipeline/pl_outpath.h"

/* A name taken from the input's filename tag is the input's word, not the
 * user's: it may name no directory and no protocol, so a crafted file
 * writes nowhere but a plain file in the working directory. */
static bool tag_name_safe(const char *name) {
  return *name && !strchr(name, '/') && !strchr(name, ':') && strcmp(name, ".") &&
         strcmp(name, "..");
}

/* name through the output-path policy: never an input of the run, never an
 * existing file without -y, the file protocol (or pipe:) only. */
static int check_name(const pl_demux_set *set, const char *name, char *err, size_t n) {
  for (int k = 0; k < set->ninputs; k++) {
    pl_outpath_ctx c = {set->inputs[k], "file,pipe", set->overwrite, NULL, 0};
    if (pl_outpath_check("-dump_attachment", name, &c, err, n) != PL_PATH_OK) return -1;
  }
  return 0;
}

static int dump_one(pl_stage *st, const pl_demux_set *set, const AVStream *s, const char *file,
                    char *err, size_t n) {
  const AVCodecParameters *par = s->codecpar;
  if (par->extradata_size <= 0) {
    pl_stage_log(st, AV_LOG_WARNING, "-dump_attachment: no extradata to dump in stream #%d:%d",
                 set->input, s->index);
    return 0;
  }
  const char *name = file;
  if (!*name) {
    const AVDictionaryEntry *e = av_dict_get(s->metadata, "filename", NULL, 0);
    if (!e || !*e->value) {
      snprintf(err, n,
               "-dump_attachment: no file name given and no 'filename' tag in stream #%d:%d",
               set->input, s->index);
      return -1;
    }
    if (!tag_name_safe(e->value)) {
      snprintf(err, n,
               "-dump_attachment: stream #%d:%d's filename tag '%s' names a directory or a "
               "protocol; give the file's name with -dump_attachment:%d NAME",
               set->input, s->index, e->value, s->index);
      return -1;
    }
    name = e->value;
  }
  if (check_name(set, name, err, n) < 0) return -1;
  AVIOContext *out = NULL;
  AVDictionary *o = NULL;
  av_dict_set(&o, "protocol_whitelist", "file,pipe", 0);
  int r = avio_open2(&out, name, AVIO_FLAG_WRITE, NULL, &o);
  av_dict_free(&o);
  if (r >= 0) {
    avio_write(out, par->extradata, par->extradata_size);
    avio_flush(out);
    r = out->error;
    int rc = avio_closep(&out);
    if (r >= 0) r = rc;
  }
  if (r < 0) {
    snprintf(err, n, "-dump_attachment: cannot write '%s' (stream #%d:%d): %s", name, set->input,
             s->index, av_err2str(r));
    return -1;
  }
  pl_stage_log(st, AV_LOG_VERBOSE, "-dump_attachment: stream #%d:%d written to '%s' (%d bytes)",
               set->input, s->index, name, par->extradata_size);
  return 0;
}

int pl_demux_dumps(pl_stage *st, AVFormatContext *fmt, const pl_demux_set *set, char *err,
                   size_t n) {
  const AVDictionaryEntry *e = NULL;
  while ((e = av_dict_get(set->dumps, "", e, AV_DICT_IGNORE_SUFFIX))) {
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
      int r = avformat_match_stream_specifier(fmt, fmt->streams[i], e->key);
      if (r < 0) {
        snprintf(err, n, "option -dump_attachment:%s: invalid stream specifier '%s'", e->key,
                 e->key);
        return -1;
      }
      if (r > 0 && dump_one(st, set, fmt->streams[i], e->value, err, n) < 0) return -1;
    }
  }
  return 0;
}
