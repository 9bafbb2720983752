/* -map_channel as ffmpeg 5.1 applies it: a pan filter of the channels mapped, in order. */
#include "pipeline/pl_mapchan.h"

#include <libavutil/bprint.h>
#include <libavutil/channel_layout.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry: file, stream, channel (channel -1: a silent channel). */
static bool parse_one(const char *w, int *file, int *stream, int *ch) {
  char tail;
  if (!strcmp(w, "-1")) {
    *file = *stream = -1;
    *ch = -1;
    return true;
  }
  return sscanf(w, "%d.%d.%d%c", file, stream, ch, &tail) == 3 && *file >= 0 && *stream >= 0 &&
         *ch >= 0;
}

int pl_mapchan_add(char **list, const char *v, char *err, size_t n) {
  int f, s, c;
  if (strchr(v, ':'))
    return pl_fail(err, n,
                   "map_channel '%s': an output stream after ':' is not supported (give "
                   "-map_channel before the output it is for)",
                   v);
  if (strchr(v, ' ') || !parse_one(v, &f, &s, &c))
    return pl_fail(err, n, "map_channel '%s': want FILE.STREAM.CHANNEL (0.0.1) or -1", v);
  size_t old = *list ? strlen(*list) : 0;
  char *nl = realloc(*list, old + strlen(v) + 2);
  if (!nl) return ISO_ENOMEM;
  snprintf(nl + old, strlen(v) + 2, "%s%s", old ? " " : "", v);
  *list = nl;
  return ISO_OK;
}

int pl_mapchan_check(const char *list, const pl_input_info *info, char *err, size_t n) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list ? list : "");
  char *save = NULL;
  for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    int f, s, c;
    if (!parse_one(w, &f, &s, &c) || c < 0) continue;
    const pl_stream_info *st = NULL;
    for (int i = 0; i < info->nstreams && !st; i++)
      if (info->st[i].file == f && info->st[i].index == s) st = &info->st[i];
    if (!st) return pl_fail(err, n, "map_channel '%s': no stream %d of input #%d", w, s, f);
    if (st->type != AVMEDIA_TYPE_AUDIO)
      return pl_fail(err, n, "map_channel '%s': stream #%d:%d is not audio", w, f, s);
    if (c >= st->channels)
      return pl_fail(err, n, "map_channel '%s': stream #%d:%d has %d channel%s (0 to %d)", w, f, s,
                     st->channels, st->channels == 1 ? "" : "s", st->channels - 1);
  }
  return ISO_OK;
}

char *pl_mapchan_pan(const char *list, const pl_stream_info *in, bool *oom) {
  *oom = false;
  if (!list || !*list) return NULL;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list);
  int map[64], nmap = 0;
  char *save = NULL;
  for (char *w = strtok_r(buf, " ", &save); w && nmap < 64; w = strtok_r(NULL, " ", &save)) {
    int f, s, c;
    if (!parse_one(w, &f, &s, &c)) continue;
    /* As ffmpeg: an entry counts for the stream it names; -1 for any. */
    if (c < 0 || (f == in->file && s == in->index)) map[nmap++] = c;
  }
  if (!nmap) return NULL;
  AVBPrint bp;
  av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
  AVChannelLayout l = {0};
  av_channel_layout_default(&l, nmap);
  av_channel_layout_describe_bprint(&l, &bp);
  av_channel_layout_uninit(&l);
  for (int i = 0; i < nmap; i++)
    if (map[i] >= 0) av_bprintf(&bp, "|c%d=c%d", i, map[i]);
  char *out = av_bprint_is_complete(&bp) ? strdup(bp.str) : NULL;
  av_bprint_finalize(&bp, NULL);
  *oom = !out;
  return out;
}
