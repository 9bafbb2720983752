/* -filter_complex in the stage graph: its inputs bound to input streams, its outputs to -map. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/codecs.h"
#include "pipeline/pl_internal.h"

/* Does local stream si (the li-th of its file) match ffmpeg's stream
 * specifier spec ("", "v", "a:1", "V", "s:0", "2")? -1: a form isopipe does
 * not read. */
static int spec_matches(const pl_job *g, int file, int li, const char *spec) {
  if (!*spec) return 1;
  int lo = g->info.first[file];
  const pl_stream_info *si = &g->info.st[lo + li];
  if (isdigit((unsigned char)*spec)) {
    int k;
    if (pl_parse_int(spec, &k) < 0) return -1;
    return k == li;
  }
  char t = *spec;
  if (!strchr("vVas", t) || (spec[1] && spec[1] != ':')) return -1;
  int nth = -1;
  if (spec[1] && (pl_parse_int(spec + 2, &nth) < 0 || nth < 0)) return -1;
  enum AVMediaType want = t == 'a'   ? AVMEDIA_TYPE_AUDIO
                          : t == 's' ? AVMEDIA_TYPE_SUBTITLE
                                     : AVMEDIA_TYPE_VIDEO;
  if (si->type != want || (t == 'V' && si->attached_pic)) return 0;
  if (nth < 0) return 1;
  int k = 0;
  for (int i = 0; i < li; i++) {
    const pl_stream_info *o = &g->info.st[lo + i];
    if (o->type == want && !(t == 'V' && o->attached_pic)) k++;
  }
  return k == nth;
}

/* ffmpeg's init_input_filter: "[N:spec]" is the first stream of input N
 * of the pad's type that spec matches; an unlabelled pad takes the first
 * stream of its type that nothing has taken yet and no -vn or -discard all
 * left out. */
static int bind_input(pl_job *g, const cx_fcx_pad *pad, int i, uint64_t *used, char *err,
                      size_t n) {
  const char *desc = g->fcomplex;
  int nfiles = g->info.ninputs > 0 ? g->info.ninputs : 1;
  const char *tname =
      av_get_media_type_string(pad->type) ? av_get_media_type_string(pad->type) : "unknown";
  if (pad->type != AVMEDIA_TYPE_VIDEO && pad->type != AVMEDIA_TYPE_AUDIO)
    return pl_fail(err, n,
                   "filter_complex: input %d of filter '%s' takes %s; isopipe feeds "
                   "only video and audio",
                   i, pad->filter, tname);
  if (!*pad->label) {
    for (int s = 0; s < g->info.nstreams && s < 64; s++) {
      if (g->info.st[s].type != pad->type || (*used & (1ull << s)) || g->info.st[s].disabled)
        continue;
      *used |= 1ull << s;
      g->fc.in_stream[i] = s;
      return ISO_OK;
    }
    return pl_fail(err, n,
                   "filter_complex: cannot find a matching stream for unlabeled input pad %d on "
                   "filter %s (no unused %s stream)",
                   i, pad->filter, tname);
  }
  const char *label = pad->label;
  /* Without a file index the label is input 0's ("[v:0]"), as ffmpeg's
   * strtol reads it; a label that is no specifier at all is an error. */
  if (!isdigit((unsigned char)*label) && (!g->info.nstreams || spec_matches(g, 0, 0, label) < 0))
    return pl_fail(err, n,
                   "filter_complex: input label '[%s]' (filter %s) is no input stream ([N:v], "
                   "[N:a:K], [N:K]) and no output of an earlier filter (a label feeds one input; "
                   "split or asplit gives more)",
                   label, pad->filter);
  char *end;
  long file = strtol(label, &end, 10);
  if (file < 0 || file >= nfiles)
    return pl_fail(err, n, "filter_complex: invalid file index %ld in '[%s]' (%d input%s)", file,
                   label, nfiles, nfiles == 1 ? "" : "s");
  const char *spec = *end == ':' ? end + 1 : end;
  int lo = g->info.ninputs > 0 ? g->info.first[file] : 0;
  int hi = g->info.ninputs > 0 ? g->info.first[file + 1] : g->info.nstreams;
  for (int s = lo; s < hi; s++) {
    /* A video input takes a subtitle stream too: ffmpeg's sub2video. */
    enum AVMediaType st = g->info.st[s].type;
    bool s2v = st == AVMEDIA_TYPE_SUBTITLE && pad->type == AVMEDIA_TYPE_VIDEO;
    if (st != pad->type && !s2v) continue;
    int m = spec_matches(g, (int)file, s - lo, spec);
    if (m < 0)
      return pl_fail(err, n,
                     "filter_complex: stream specifier '%s' in '[%s]': only v, V, a, s, "
                     "v:K, a:K, s:K or K are read",
                     spec, label);
    /* As ffmpeg 5.1, which stops on the first match it finds left out
     * (-vn before -i, -discard all) rather than look further. */
    if (m && g->info.st[s].disabled)
      return pl_fail(err, n,
                     "filter_complex: stream specifier '%s' in filtergraph description %s matches "
                     "a disabled input stream (-vn/-an or -discard all before -i)",
                     spec, desc);
    if (m && s2v && !cx_s2v_bitmap(g->info.st[s].codec_id))
      return pl_fail(err, n,
                     "filter_complex: input '[%s]' of %s is stream #%ld:%d, %s subtitles: only "
                     "bitmap subtitles (dvd_subtitle, hdmv_pgs_subtitle, dvb_subtitle) are drawn "
                     "on video, as in ffmpeg; text subtitles burn in with the subtitles filter",
                     label, pad->filter, file, s - lo, avcodec_get_name(g->info.st[s].codec_id));
    if (m) {
      if (s < 64) *used |= 1ull << s;
      g->fc.in_stream[i] = s;
      return ISO_OK;
    }
  }
  return pl_fail(err, n,
                 "filter_complex: stream specifier '%s' in filtergraph description %s matches no "
                 "streams (input '[%s]' of %s wants %s%s)",
                 spec, desc, label, pad->filter, tname,
                 pad->type == AVMEDIA_TYPE_VIDEO ? " or bitmap subtitles" : "");
}

int pl_fc_bind(pl_job *g, char *err, size_t n) {
  memset(&g->fc, 0, sizeof g->fc);
  g->fc.node = -1;
  if (!g->fcomplex) return ISO_OK;
  cx_fcx_pad in[CX_FCX_MAX], out[CX_FCX_MAX];
  int nin = 0, nout = 0;
  char why[CX_ERRLEN] = "";
  pl_log_error_clear();
  if (cx_fcx_pads(g->fcomplex, in, &nin, out, &nout, why) < 0) {
    const char *detail = pl_log_error_first();
    return pl_fail(err, n, "filter_complex: %s%s%s", why, *detail ? ": " : "", detail);
  }
  /* A graph of sources alone (testsrc, sine) still needs a stream of the
   * input for the defaults its outputs read (a time base). */
  if (!nin && g->info.nstreams < 1)
    return pl_fail(err, n, "filter_complex '%s': no input stream to run it beside", g->fcomplex);
  g->fc.nin = nin;
  g->fc.nout = nout;
  uint64_t used = 0;
  for (int i = 0; i < nin; i++) {
    g->fc.in_type[i] = in[i].type;
    if (bind_input(g, &in[i], i, &used, err, n)) return ISO_EINVAL;
  }
  for (int k = 0; k < nout; k++) {
    g->fc.out_type[k] = out[k].type;
    g->fc.out_stream[k] = -1;
    snprintf(g->fc.out_label[k], sizeof g->fc.out_label[k], "%.63s", out[k].label);
    if (out[k].type != AVMEDIA_TYPE_VIDEO && out[k].type != AVMEDIA_TYPE_AUDIO)
      return pl_fail(err, n, "filter_complex: output %d of filter '%s' is neither video nor audio",
                     k, out[k].filter);
    for (int j = 0; j < k; j++)
      if (*out[k].label && !strcmp(out[k].label, out[j].label))
        return pl_fail(err, n, "filter_complex: output label '[%s]' is used twice", out[k].label);
  }
  return ISO_OK;
}

/* The output stream of pad k in output file `file`: its in_index is a
 * stream of the graph's inputs (of the same type when there is one), whose
 * time base and rate serve as defaults. */
static int add_fc_out(pl_job *g, int file, int k, char *err, size_t n) {
  if (g->nout >= PL_MAX_OUT) return pl_fail(err, n, "too many output streams (max %d)", PL_MAX_OUT);
  pl_out_stream *o = &g->out[g->nout];
  memset(o, 0, sizeof *o);
  o->type = g->fc.out_type[k];
  o->in_index = g->fc.nin ? g->fc.in_stream[0] : 0;
  for (int i = g->fc.nin - 1; i >= 0; i--)
    if (g->fc.in_type[i] == o->type) o->in_index = g->fc.in_stream[i];
  o->file = file;
  o->dec_node = o->conv_node = o->enc_node = -1;
  o->fc_out = k;
  g->fc.out_stream[k] = g->nout++;
  return ISO_OK;
}

int pl_fc_map(pl_job *g, const pl_job *fj, int file, const char *spec, char *err, size_t n) {
  (void)fj;
  char label[96];
  size_t len = strlen(spec);
  if (len < 3 || spec[len - 1] != ']' || len - 2 >= sizeof label)
    return pl_fail(err, n, "map '%s': want [label] of a -filter_complex output", spec);
  snprintf(label, sizeof label, "%.*s", (int)(len - 2), spec + 1);
  for (int k = 0; k < g->fc.nout; k++)
    if (g->fc.out_stream[k] < 0 && !strcmp(g->fc.out_label[k], label))
      return add_fc_out(g, file, k, err, n);
  return pl_fail(err, n,
                 "map '%s': output with label '%s' does not exist in any defined filter graph, or "
                 "was already used elsewhere",
                 spec, label);
}

int pl_fc_unlabelled(pl_job *g, const pl_job *fj, bool *took_v, bool *took_a, char *err, size_t n) {
  (void)fj;
  *took_v = *took_a = false;
  for (int k = 0; k < g->fc.nout; k++) {
    if (*g->fc.out_label[k] || g->fc.out_stream[k] >= 0) continue;
    if (add_fc_out(g, 0, k, err, n)) return ISO_EINVAL;
    if (g->fc.out_type[k] == AVMEDIA_TYPE_VIDEO) *took_v = true;
    if (g->fc.out_type[k] == AVMEDIA_TYPE_AUDIO) *took_a = true;
  }
  return ISO_OK;
}

int pl_fc_check(const pl_job *g, pl_job *const *files, char *err, size_t n) {
  for (int k = 0; k < g->fc.nout; k++)
    if (g->fc.out_stream[k] < 0)
      return pl_fail(err, n,
                     "filter_complex: output '[%s]' is not used: give it to an output with "
                     "-map \"[%s]\"",
                     g->fc.out_label[k], g->fc.out_label[k]);
  for (int i = 0; i < g->nout; i++) {
    const pl_out_stream *o = &g->out[i];
    if (o->fc_out < 0) continue;
    const pl_job *fj = files[o->file];
    bool video = o->type == AVMEDIA_TYPE_VIDEO;
    const char *c = video ? fj->cv : fj->ca;
    if (c && !strcmp(c, "copy"))
      return pl_fail(err, n,
                     "%s: streamcopy requested for an output stream fed from a complex "
                     "filtergraph ('[%s]'); filtering and streamcopy cannot be used together",
                     pl_basename(fj->output), g->fc.out_label[o->fc_out]);
    const char *chain = video ? fj->vf : fj->af;
    if (chain)
      return pl_fail(err, n,
                     "filtergraph '%s' was specified through the -%s option for an output stream "
                     "of %s, which is fed from a complex filtergraph; -vf/-af/-filter and "
                     "-filter_complex cannot be used together for the same stream",
                     chain, video ? "vf" : "af", pl_basename(fj->output));
  }
  return ISO_OK;
}
