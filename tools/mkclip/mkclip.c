/* isopipe-mkclip: writes a deterministic test clip (pattern + tones) with isopipe's codec layer. */
#include "tools/mkclip/clip.h"

#include <libavutil/log.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *to) {
  fprintf(to, "usage: isopipe-mkclip -o OUT [-f FMT] [-s WxH] [-r FPS] [-t SEC]\n"
              "         [-c:v CODEC] [-c:a CODEC] [-pix_fmt FMT] [-b:v RATE] [-b:a RATE]\n"
              "         [-crf N] [-preset P] [-g GOP] [-ar HZ] [-ac N] [-threads N]\n"
              "         [-rotate DEG] [-vn] [-an] [-v]\n"
              "Video: colour bars, a moving box and a binary frame counter.\n"
              "Audio: a chirp per channel starting at 300*(c+1) Hz.\n"
              "Defaults: 320x240, 30 fps, 2 s, 48000 Hz stereo, the container's codecs.\n");
}

static int64_t parse_rate(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (*end == 'k' || *end == 'K') v *= 1e3;
  if (*end == 'M' || *end == 'm') v *= 1e6;
  return (int64_t)v;
}

int main(int argc, char **argv) {
  cx_clip_opts o;
  cx_clip_defaults(&o);
  bool verbose = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = true;
#define IS(x) (strcmp(a, x) == 0)
    if (IS("-vn"))
      o.no_video = true, takes = false;
    else if (IS("-an"))
      o.no_audio = true, takes = false;
    else if (IS("-v"))
      verbose = true, takes = false;
    else if (IS("-h") || IS("--help")) {
      usage(stdout);
      return 0;
    } else if (!v) {
      fprintf(stderr, "isopipe-mkclip: %s: missing value or unknown option\n", a);
      usage(stderr);
      return 2;
    } else if (IS("-o"))
      o.path = v;
    else if (IS("-f"))
      o.format = v;
    else if (IS("-s")) {
      if (av_parse_video_size(&o.width, &o.height, v) < 0) {
        fprintf(stderr, "isopipe-mkclip: bad size '%s'\n", v);
        return 2;
      }
    } else if (IS("-r")) {
      if (av_parse_video_rate(&o.fps, v) < 0) {
        fprintf(stderr, "isopipe-mkclip: bad rate '%s'\n", v);
        return 2;
      }
    } else if (IS("-t"))
      o.duration = atof(v);
    else if (IS("-c:v"))
      o.vcodec = v;
    else if (IS("-c:a"))
      o.acodec = v;
    else if (IS("-pix_fmt")) {
      o.pix_fmt = av_get_pix_fmt(v);
      if (o.pix_fmt == AV_PIX_FMT_NONE) {
        fprintf(stderr, "isopipe-mkclip: unknown pixel format '%s'\n", v);
        return 2;
      }
    } else if (IS("-b:v"))
      o.vbit_rate = parse_rate(v);
    else if (IS("-b:a"))
      o.abit_rate = parse_rate(v);
    else if (IS("-crf"))
      o.crf = atoi(v);
    else if (IS("-preset"))
      o.preset = v;
    else if (IS("-g"))
      o.gop = atoi(v);
    else if (IS("-ar"))
      o.sample_rate = atoi(v);
    else if (IS("-ac"))
      o.channels = atoi(v);
    else if (IS("-threads"))
      o.threads = atoi(v);
    else if (IS("-rotate"))
      o.rotate = atoi(v);
    else {
      fprintf(stderr, "isopipe-mkclip: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
#undef IS
    if (takes) i++;
  }
  if (!o.path) {
    usage(stderr);
    return 2;
  }
  /* Only this process's own terminal output: FFmpeg's chatter only on -v. */
  av_log_set_level(verbose ? AV_LOG_INFO : AV_LOG_ERROR);
  char err[CX_ERRLEN] = "";
  int ret = cx_clip_make(&o, err);
  if (ret < 0) {
    fprintf(stderr, "isopipe-mkclip: %s\n", err[0] ? err : "failed");
    return 1;
  }
  return 0;
}
