/* The --help and --version texts. */
#include "tools/isopipe/cli_help.h"
#include "tools/isopipe/cli_optdefs.h"

#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#include "isopipe/common.h"

static const char help_text[] =
    "usage: isopipe [options] -i INPUT [options] OUTPUT [[options] OUTPUT]...\n"
    "\n"
    "Transcodes audio and video; every stage (demux, decode, convert, encode, mux)\n"
    "runs in its own isolate. Options follow ffmpeg's spelling.\n"
    "\n"
    "Files:\n"
    "  -i FILE              input file ('-' = stdin; img%03d.png an image\n"
    "                       sequence); up to 8, each taking the input options\n"
    "                       written before it (-f -r -framerate -ss -sseof -t\n"
    "                       -itsoffset -itsscale)\n"
    "  OUTPUT               output file ('-' = stdout, give -f); up to 8, each\n"
    "                       taking the options written before it (one input is\n"
    "                       read and decoded once)\n"
    "  -f FMT               output format (before -i: the input's format)\n"
    "  -y                   overwrite the outputs if they exist\n"
    "  -n                   never overwrite (the default); exit 1 if OUTPUT exists\n"
    "\n"
    "Streams and codecs:\n"
    "  -c:v CODEC, -c:a CODEC   encoder (libx264, aac, ...) or 'copy'; -c sets both\n"
    "  -b:v RATE, -b:a RATE     bit rate in bits/s ('2M', '128k')\n"
    "  -crf N  -preset P  -g N  -threads N|auto\n"
    "  -s WxH                   frame size (hd720, vga, ... also accepted)\n"
    "  -vf GRAPH  -af GRAPH     libavfilter graphs (scale, crop, fps, volume, ...)\n"
    "  -r FPS  -pix_fmt FMT     frame rate, pixel format (-r before -i: the input's\n"
    "                           pictures are counted at FPS, their timestamps ignored)\n"
    "  -fps_mode M  -vsync M    auto (default: cfr for mp4 and other constant-rate\n"
    "                           formats, vfr for mkv/webm/avi), cfr, vfr,\n"
    "                           passthrough or drop, as ffmpeg\n"
    "  -ar HZ  -ac N  -sample_fmt FMT   audio rate, channels, sample format\n"
    "  -an  -vn  -sn  -dn       drop audio / video / subtitles / data\n"
    "  -c:s C|copy              subtitle encoder (mov_text, srt, ass, webvtt...)\n"
    "  -map [-]N[:SPEC][?]      pick streams of input N (0:v:0, 1:a); '-' removes,\n"
    "                           '?' optional\n"
    "  -metadata[:SPEC] K=V     output metadata (K= removes K); input metadata and\n"
    "                           chapters are carried over as ffmpeg does\n"
    "  -map_metadata -1|N[:S]   -map_chapters N|-1  (N: an input's index)\n"
    "  -KEY VALUE               any other codec/format AVOption (-tune film,\n"
    "                           -x264-params ..., -movflags +faststart); one no\n"
    "                           stream of the output uses is ignored with a warning\n"
    "\n"
    "Trimming:\n"
    "  -ss TIME  -t DURATION  -to TIME   seconds or [HH:]MM:SS[.frac]; each output\n"
    "                       its own (written before its path); before -i: the\n"
    "                       input's, for every output (an output's own count\n"
    "                       from there, as in ffmpeg)\n"
    "  -frames:v N  -vframes N    at most N video frames; the output's other\n"
    "                       streams end with them\n"
    "\n"
    "Progress and logs:\n"
    "  -progress URL        key=value progress blocks to pipe:1, pipe:2 or a file\n"
    "  -stats_period TIME   status line period when stderr is not a terminal (1 s)\n"
    "  -nostats, -stats     hide the status display / show it even below -v info\n"
    "  -loglevel L, -v L    quiet, panic, fatal, error, warning, info (default),\n"
    "                       verbose (adds tick lateness to the summary), debug, trace\n"
    "  -hide_banner  -nostdin   accepted for ffmpeg compatibility\n"
    "\n"
    "isopipe's own:\n"
    "  --queue N            items in flight per link (flow-control depth)\n"
    "  --segments N|auto    encode audio and video as segments, N encoders side by\n"
    "                       side, joined gaplessly and frame-exactly (auto: one per\n"
    "                       CPU for audio-only outputs >= 30 s and VP8/VP9/AV1 >= 8 s;\n"
    "                       1 off)\n"
    "  --cluster slurm      encode the segments as a Slurm job array (docs/cluster.md)\n"
    "  --partition P        the Slurm partition for --cluster\n"
    "  --cluster-dir DIR    shared directory for the segments (default: next to the output)\n"
    "  --batch LIST         with --cluster: every \"INPUT<TAB>OUTPUT\" line of LIST, one job "
    "array\n"
    "  --inline             run every isolate on one thread (debugging)\n"
    "  --fail-fast          stop at the first corrupt packet instead of skipping it\n"
    "  --stats FILE.json    write per-stage statistics\n"
    "  --trace FILE.json[.gz]   write a Chrome/Perfetto trace\n"
    "  --profile            print the per-stage table and bottleneck verdict\n"
    "  --version, --help\n"
    "\n"
    "Signals: the first Ctrl-C (SIGINT/SIGTERM) stops reading input and finishes\n"
    "the output so it stays playable; the second stops at once, still closing the\n"
    "file; the third ends the process immediately.\n"
    "\n"
    "Differences from ffmpeg: inputs are opened through protocol and format\n"
    "whitelists (local files and pipes; no network unless allowed), -n (never\n"
    "overwrite) is the default, and only audio and video streams are\n"
    "written. Option errors print at -loglevel fatal and above, as ffmpeg's.\n"
    "An output -ss seeks the input as an input -ss does (ffmpeg decodes from\n"
    "the start): audio codecs that need the frames before (MP3, Opus) may\n"
    "give other samples in their first frames.\n"
    "\n"
    "Exit status: 0 success, 1 runtime error (a stage failed, output exists),\n"
    "2 usage error, 130/143 interrupted by SIGINT/SIGTERM (output finalized).\n";

void cli_print_help(FILE *f) {
  fputs(help_text, f);
  cli_optdefs_print(f);
}

static void fmt_ver(char *buf, size_t n, unsigned v) {
  snprintf(buf, n, "%u.%u.%u", AV_VERSION_MAJOR(v), AV_VERSION_MINOR(v), AV_VERSION_MICRO(v));
}

void cli_fmt_banner(char *buf, size_t n) {
  char f[24], c[24], u[24], s[24], r[24];
  fmt_ver(f, sizeof f, avformat_version());
  fmt_ver(c, sizeof c, avcodec_version());
  fmt_ver(u, sizeof u, avutil_version());
  fmt_ver(s, sizeof s, swscale_version());
  fmt_ver(r, sizeof r, swresample_version());
  snprintf(buf, n,
           "isopipe version %s (FFmpeg %s: libavformat %s, libavcodec %s, libavutil %s, "
           "libswscale %s, libswresample %s)",
           iso_version(), av_version_info(), f, c, u, s, r);
}

/* ffmpeg's -version layout: programs read the library lines. */
void cli_print_version(FILE *f) {
  static const struct {
    const char *name;
    unsigned built;
    unsigned (*run)(void);
  } libs[] = {{"avutil", LIBAVUTIL_VERSION_INT, avutil_version},
              {"avcodec", LIBAVCODEC_VERSION_INT, avcodec_version},
              {"avformat", LIBAVFORMAT_VERSION_INT, avformat_version},
              {"avfilter", LIBAVFILTER_VERSION_INT, avfilter_version},
              {"swscale", LIBSWSCALE_VERSION_INT, swscale_version},
              {"swresample", LIBSWRESAMPLE_VERSION_INT, swresample_version}};
  fprintf(f, "isopipe version %s (FFmpeg %s)\n", iso_version(), av_version_info());
  for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
    unsigned b = libs[i].built, r = libs[i].run();
    fprintf(f, "lib%-11s %2u.%3u.%3u / %2u.%3u.%3u\n", libs[i].name, AV_VERSION_MAJOR(b),
            AV_VERSION_MINOR(b), AV_VERSION_MICRO(b), AV_VERSION_MAJOR(r), AV_VERSION_MINOR(r),
            AV_VERSION_MICRO(r));
  }
}
