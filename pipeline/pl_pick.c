/* Which input streams each output file gets: its -map (ffmpeg's grammar), else ffmpeg's choice. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_internal.h"
#include "pipeline/pl_meta.h"

static bool picked(const pl_job *g, int file, int idx) {
  for (int i = 0; i < g->nout; i++)
    if (g->out[i].file == file && g->out[i].in_index == idx) return true;
  return false;
}

/* Output stream idx for output file `file`, whose options are fj's; the
 * graph (and the input's description) is g's. A map adds a stream each
 * time it names it (again: "-map 0:v -map 0:v", two renditions), as
 * ffmpeg's; the automatic choice adds it once. */
static int add_out(pl_job *g, const pl_job *fj, int file, int idx, bool again, char *err,
                   size_t n) {
  const pl_stream_info *si = &g->info.st[idx];
  if (si->type == AVMEDIA_TYPE_ATTACHMENT && idx < 64 && strstr(fj->out_format, "matroska")) {
    g->attach_in[file] |= 1ull << idx; /* copied by the muxer (they have no packets) */
    return ISO_OK;
  }
  if (si->type == AVMEDIA_TYPE_DATA || si->type == AVMEDIA_TYPE_ATTACHMENT ||
      si->type == AVMEDIA_TYPE_UNKNOWN) {
    if (!(si->type == AVMEDIA_TYPE_DATA && fj->dn) && idx < 64) g->unwritten[file] |= 1ull << idx;
    return ISO_OK;
  }
  if (si->type == AVMEDIA_TYPE_VIDEO && fj->vn) return ISO_OK;
  if (si->type == AVMEDIA_TYPE_AUDIO && fj->an) return ISO_OK;
  if (si->type == AVMEDIA_TYPE_SUBTITLE && fj->sn) return ISO_OK;
  if (!again && picked(g, file, idx)) return ISO_OK;
  if (g->nout >= PL_MAX_OUT) return pl_fail(err, n, "too many output streams (max %d)", PL_MAX_OUT);
  pl_out_stream *o = &g->out[g->nout++];
  memset(o, 0, sizeof *o);
  o->in_index = idx;
  o->file = file;
  o->type = si->type;
  o->dec_node = o->conv_node = o->enc_node = -1;
  o->fc_out = -1;
  return ISO_OK;
}

/* Drops every output stream of output file `file` that input stream idx
 * feeds (a negative map). */
static void drop_out(pl_job *g, int file, int idx) {
  if (idx < 64) g->unwritten[file] &= ~(1ull << idx);
  if (idx < 64) g->attach_in[file] &= ~(1ull << idx);
  for (int i = 0; i < g->nout;)
    if (g->out[i].file == file && g->out[i].in_index == idx && g->out[i].fc_out < 0) {
      memmove(&g->out[i], &g->out[i + 1], (size_t)(g->nout - i - 1) * sizeof g->out[0]);
      g->nout--;
    } else {
      i++;
    }
}

/* Does stream si match type letter t (ffmpeg's v, V, a, s, d, t)? Cover
 * art counts as no video: isopipe does not write it. */
static bool type_matches(const pl_stream_info *si, char t) {
  switch (t) {
  case 'v':
    return si->type == AVMEDIA_TYPE_VIDEO;
  case 'V':
    return si->type == AVMEDIA_TYPE_VIDEO && !si->attached_pic;
  case 'a':
    return si->type == AVMEDIA_TYPE_AUDIO;
  case 's':
    return si->type == AVMEDIA_TYPE_SUBTITLE;
  case 'd':
    return si->type == AVMEDIA_TYPE_DATA;
  default:
    return si->type == AVMEDIA_TYPE_ATTACHMENT;
  }
}

/* ffmpeg's map grammar: [-]N[:SPEC][?], N an input's index, SPEC being
 * v|V|a|s|d|t[:N] or N; '-' removes what earlier maps added, '?' makes a
 * map that matches nothing no error. A bare type ("v") is read as input
 * 0's, as ffmpeg reads it. */
static int apply_map(pl_job *g, const pl_job *fj, int file, const char *spec, char *err, size_t n) {
  if (*spec == '[') return pl_fc_map(g, fj, file, spec, err, n);
  char buf[128];
  const char *s = spec;
  bool neg = *s == '-';
  snprintf(buf, sizeof buf, "%s", s + neg);
  size_t len = strlen(buf);
  bool optional = len && buf[len - 1] == '?';
  if (optional) buf[--len] = 0;
  const char *p = buf;
  int input = 0;
  if (isdigit((unsigned char)p[0])) {
    char *end;
    long v = strtol(p, &end, 10);
    if (*end && *end != ':')
      return pl_fail(err, n, "map '%s': want [-]N[:v|a|s|d|t[:N]|:N][?]", spec);
    int nin = g->info.ninputs > 0 ? g->info.ninputs : 1;
    if (v >= nin)
      return pl_fail(err, n, "map '%s': no input #%ld (there %s %d input%s)", spec, v,
                     nin == 1 ? "is" : "are", nin, nin == 1 ? "" : "s");
    input = (int)v;
    p = *end ? end + 1 : end;
  }
  /* A type may be followed by m:KEY[:VALUE] (streams with that tag, as
   * ffmpeg's specifier: the key in any case, the value as written). */
  char type = 0;
  char mkey[128] = "";
  const char *mval = NULL;
  if (*p && strchr("vVasdt", *p) && !strncmp(p + 1, ":m:", 3)) {
    type = *p;
    p += 2;
  }
  if (!strncmp(p, "m:", 2)) {
    snprintf(mkey, sizeof mkey, "%s", p + 2);
    char *colon = strchr(mkey, ':');
    if (colon) *colon = 0, mval = p + 2 + (colon - mkey) + 1;
    if (!mkey[0]) return pl_fail(err, n, "map '%s': no key after m:", spec);
    p += strlen(p);
  }
  if (!strncmp(p, "p:", 2) || !strncmp(p, "i:", 2) || !strcmp(p, "u") || !strncmp(p, "[", 1))
    return pl_fail(err, n,
                   "map '%s': only [-]N[:v|a|s|d|t[:N]|:N|[:TYPE]:m:KEY[:VALUE]][?] "
                   "is supported",
                   spec);
  int nth = -1;
  bool absolute = false;
  if (*p && strchr("vVasdt", *p) && (p[1] == 0 || p[1] == ':')) {
    type = *p;
    if (p[1] && (pl_parse_int(p + 2, &nth) < 0 || nth < 0))
      return pl_fail(err, n, "map '%s': bad index", spec);
  } else if (*p) {
    if (pl_parse_int(p, &nth) < 0 || nth < 0)
      return pl_fail(err, n, "map '%s': want [-]N[:v|a|s|d|t[:N]|:N][?]", spec);
    absolute = true;
  }
  int k = 0, found = 0, off = 0;
  int lo = g->info.ninputs > 0 ? g->info.first[input] : 0;
  int hi = g->info.ninputs > 0 ? g->info.first[input + 1] : g->info.nstreams;
  for (int i = lo; i < hi; i++) {
    const pl_stream_info *si = &g->info.st[i];
    if (mkey[0]) {
      const char *tag = pl_meta_stream_tag(g->in_meta, i, mkey);
      if (!tag || (mval && strcmp(tag, mval))) continue;
    }
    if (absolute) {
      if (i - lo != nth) continue;
    } else if (type) {
      if (!type_matches(si, type)) continue;
      if (nth >= 0 && k++ != nth) continue;
    }
    if (si->disabled) { /* as ffmpeg, which never maps a discarded stream */
      off++;
      continue;
    }
    found++;
    if (neg) {
      drop_out(g, file, i);
      continue;
    }
    /* A stream asked for by type or index is never left out silently. */
    if ((type || absolute || mkey[0]) &&
        (si->type == AVMEDIA_TYPE_DATA || si->type == AVMEDIA_TYPE_ATTACHMENT ||
         si->type == AVMEDIA_TYPE_UNKNOWN)) {
      if (optional) continue;
      return pl_fail(
          err, n, "map '%s': stream %d:%d is %s; isopipe writes only audio, video and subtitles",
          spec, input, i - lo,
          av_get_media_type_string(si->type) ? av_get_media_type_string(si->type) : "unknown");
    }
    if (add_out(g, fj, file, i, true, err, n)) return ISO_EINVAL;
  }
  if (!found && off && !neg && !optional)
    return pl_fail(err, n,
                   "map '%s' matches only streams of %s that its -vn/-an/-sn/-dn or -discard "
                   "all before -i left out (a trailing '?' would ignore it)",
                   spec, pl_basename(pl_input_path(g, input)));
  if (!found && !neg && !optional)
    return pl_fail(err, n, "map '%s' matches no stream in %s (a trailing '?' would ignore it)",
                   spec, pl_basename(pl_input_path(g, input)));
  return ISO_OK;
}

/* ffmpeg's pick of a subtitle stream without -map: the first of the input
 * whose kind (text or bitmap) the format's default subtitle encoder
 * writes, or simply the first once -c:s names an encoder. -1: none. */
static int default_subtitle(const pl_job *g, const pl_job *fj, const AVOutputFormat *of) {
  if (fj->sn || !of) return -1;
  bool named = fj->cs_named;
  const AVCodec *enc = avcodec_find_encoder(of->subtitle_codec);
  if (!named && !enc) return -1;
  const AVCodecDescriptor *od = enc ? avcodec_descriptor_get(enc->id) : NULL;
  int mask = AV_CODEC_PROP_TEXT_SUB | AV_CODEC_PROP_BITMAP_SUB;
  for (int i = 0; i < g->info.nstreams; i++) {
    const pl_stream_info *si = &g->info.st[i];
    if (si->type != AVMEDIA_TYPE_SUBTITLE || si->disabled) continue;
    const AVCodecDescriptor *id = avcodec_descriptor_get(si->codec_id);
    int ip = id ? id->props & mask : 0, op = od ? od->props & mask : 0;
    if (named || (ip & op) || (id && od && (!id->props || !od->props))) return i;
  }
  return -1;
}

/*
 * ffmpeg's choice of a video stream for an output without -map: a format
 * that holds pictures only as cover art (its codec query answers 'APIC':
 * mp3, flac) takes the largest cover art and never a video; any other
 * takes the best video, else cover art (re-encoded as one picture).
 */
static int default_video(const pl_job *g, const AVOutputFormat *of, enum AVCodecID vid) {
  if (!of || vid == AV_CODEC_ID_NONE) return g->info.best_v;
  int lo = g->info.ninputs > 0 ? g->info.first[0] : 0;
  int hi = g->info.ninputs > 0 ? g->info.first[1] : g->info.nstreams;
  int cover = -1;
  int64_t area = -1;
  for (int i = lo; i < hi; i++) {
    const pl_stream_info *si = &g->info.st[i];
    if (si->type != AVMEDIA_TYPE_VIDEO || !si->attached_pic || si->disabled) continue;
    int64_t a = (int64_t)si->width * si->height;
    if (a > area) area = a, cover = i;
  }
  if (avformat_query_codec(of, vid, FF_COMPLIANCE_NORMAL) == (int)MKTAG('A', 'P', 'I', 'C'))
    return cover;
  return g->info.best_v >= 0 ? g->info.best_v : cover;
}

/* The streams output file `file` gets, by its own -map / -vn / -an / format. */
int pl_pick_streams(pl_job *g, const pl_job *fj, int file, char *err, size_t n) {
  const AVOutputFormat *of = av_guess_format(fj->out_format, NULL, NULL);
  int first = g->nout;
  bool fc_v = false, fc_a = false;
  if (!file && pl_fc_unlabelled(g, fj, &fc_v, &fc_a, err, n)) return ISO_EINVAL;
  if (pl_inputs_check_meta(fj, g->info.ninputs > 0 ? g->info.ninputs : 1, err, n))
    return ISO_EINVAL;
  /* A format of tags and chapters alone (ffmetadata) takes no stream. */
  if (of && (of->flags & AVFMT_NOSTREAMS)) return ISO_OK;
  if (fj->nmaps) {
    for (int i = 0; i < fj->nmaps; i++)
      if (apply_map(g, fj, file, fj->maps[i], err, n)) return ISO_EINVAL;
  } else {
    enum AVCodecID vid =
        of ? av_guess_codec(of, NULL, fj->output, NULL, AVMEDIA_TYPE_VIDEO) : AV_CODEC_ID_NONE;
    bool want_v = fj->cv || vid != AV_CODEC_ID_NONE;
    int best_v = default_video(g, of, vid);
    if (want_v && best_v >= 0 && best_v != g->info.best_v && !fj->cv && of &&
        strstr(",mp4,mov,ipod,3gp,3g2,psp,ismv,f4v,", of->name) && !strchr(of->name, ',')) {
      /* ffmpeg encodes the cover to H.264 there and the muxer refuses it:
       * the audio is written, the cover named as left out. */
      g->cover_left[file] = best_v;
      best_v = -1;
    }
    /* As ffmpeg: audio when the format has an audio codec (an image
     * format takes none, whatever -c says). */
    bool want_a =
        of && av_guess_codec(of, NULL, fj->output, NULL, AVMEDIA_TYPE_AUDIO) != AV_CODEC_ID_NONE;
    /* Unlabelled -filter_complex outputs took the first file's choice of their type. */
    want_v = want_v && !fc_v;
    want_a = want_a && !fc_a;
    if (want_v && best_v >= 0 && add_out(g, fj, file, best_v, false, err, n)) return ISO_EINVAL;
    if (want_a && g->info.best_a >= 0 && add_out(g, fj, file, g->info.best_a, false, err, n))
      return ISO_EINVAL;
    int s = default_subtitle(g, fj, of);
    if (s >= 0 && add_out(g, fj, file, s, false, err, n)) return ISO_EINVAL;
  }
  if (g->nout == first)
    return pl_fail(err, n, "%s: no stream to write (input has %s)", pl_basename(fj->output),
                   g->info.nstreams ? "no usable audio/video" : "no streams");
  return ISO_OK;
}
