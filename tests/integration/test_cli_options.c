/* Every option --help lists as supported has its effect probed: against ffmpeg's result on the
 * same line and against the same line without it, or by a named test that does so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

/*
 * How an option is probed:
 *  MD5    the line writes framemd5 (raw frames): isopipe's equals ffmpeg's, and
 *         differs from isopipe's run of `base` (the line without the option);
 *  SIG    the output's stream signature (codecs, tags, sizes, aspect, formats,
 *         packet and keyframe counts; packet bytes for copies) equals ffmpeg's
 *         and differs from base's;
 *  SIZE   an encode's size is within 10 % of ffmpeg's and a third away from base's;
 *  FAIL   the line fails in both programs where base succeeds in both;
 *  ELSE   another test probes it: `out` names that source file, which must
 *         use the option;
 *  TODO   listed but without an effect yet (`out` says why): printed and
 *         counted, so the list of them stays in sight.
 * Lines use IN (176x144 H.264 + stereo AAC, 1 s), ROT (a clip whose display
 * matrix turns it 90 degrees), BAD (IN with every fourth packet from the
 * tenth on replaced by noise), SUB (IN with a SubRip track, in Matroska),
 * VFS and FCS (files holding a -vf chain and a -filter_complex graph over
 * lines) and OUT.
 */
typedef enum { MD5, SIG, SIZE, FAIL, ELSE, TODO } probe_kind;

typedef struct opt_probe {
  const char *opt;
  probe_kind kind;
  const char *line;
  const char *base;
  const char *out;
} opt_probe;

#define RAWV "-an -c:v rawvideo -f framemd5 OUT"
#define RAWA "-vn -c:a pcm_s16le -f framemd5 OUT"

static const opt_probe probes[] = {
    {"-i", ELSE, NULL, NULL, "tests/integration/cli_lines_first.h"},
    {"-f", ELSE, NULL, NULL, "tests/integration/cli_lines_first.h"},
    {"-y", ELSE, NULL, NULL, "tests/integration/test_cli_usage.c"},
    {"-n", ELSE, NULL, NULL, "tests/integration/test_cli_usage.c"},
    {"-c", ELSE, NULL, NULL, "tests/integration/cli_lines_first.h"},
    {"-codec", ELSE, NULL, NULL, "tests/integration/cli_lines_first.h"},
    {"-scodec", SIG, "-i SUB -c:v copy -c:a copy -scodec srt OUT", "-i SUB -c:v copy -c:a copy OUT",
     "scodec.mkv"},
    {"-filter_complex", ELSE, NULL, NULL, "tests/integration/test_cli_fcomplex.c"},
    {"-lavfi", ELSE, NULL, NULL, "tests/integration/test_cli_fcomplex.c"},
    {"-dump_attachment", ELSE, NULL, NULL, "tests/integration/test_cli_subs.c"},
    {"-filter_script", MD5, "-i IN -filter_script:v VFS " RAWV, "-i IN " RAWV,
     "filter_script.framemd5"},
    {"-filter_complex_script", MD5, "-i IN -filter_complex_script FCS -map [v] " RAWV,
     "-i IN " RAWV, "filter_complex_script.framemd5"},
    {"-vpre", SIZE, "-i IN -an -c:v libvpx -vpre libvpx-360p OUT", "-i IN -an -c:v libvpx OUT",
     "vpre.webm"},
    {"-apre", ELSE, NULL, NULL, "tests/unit/test_cli_args.c"},
    {"-spre", ELSE, NULL, NULL, "tests/unit/test_cli_args.c"},
    {"-fpre", ELSE, NULL, NULL, "tests/unit/test_cli_args.c"},
    {"-cpucount", ELSE, NULL, NULL, "tests/unit/test_cli_args.c"},
    {"-find_stream_info", ELSE, NULL, NULL, "tests/unit/test_cli_args.c"},
    {"-auto_conversion_filters", ELSE, NULL, NULL, "tests/unit/test_cli_args.c"},
    {"-sn", SIG, "-i SUB -c copy -sn OUT", "-i SUB -c copy OUT", "sn.mkv"},
    {"-dn", ELSE, NULL, NULL, "tests/integration/cli_lines_first.h"},
    {"-vcodec", SIG, "-i IN -vcodec mpeg4 OUT", "-i IN OUT", "vcodec.mkv"},
    {"-acodec", SIG, "-i IN -acodec libmp3lame OUT", "-i IN OUT", "acodec.mkv"},
    {"-b", SIZE, "-i IN -an -c:v mpeg4 -b 60k OUT", "-i IN -an -c:v mpeg4 -b 600k OUT", "b.mkv"},
    {"-vb", SIZE, "-i IN -an -c:v mpeg4 -vb 60k OUT", "-i IN -an -c:v mpeg4 -vb 600k OUT",
     "vb.mkv"},
    {"-ab", SIZE, "-i IN -vn -c:a libmp3lame -ab 32k OUT", "-i IN -vn -c:a libmp3lame -ab 192k OUT",
     "ab.mp3"},
    {"-crf", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"-pass", ELSE, NULL, NULL, "tests/integration/test_cli_twopass.c"},
    {"-target", ELSE, NULL, NULL, "tests/integration/test_cli_target.c"},
    {"-stream_loop", ELSE, NULL, NULL, "tests/integration/test_cli_streamloop.c"},
    {"-passlogfile", ELSE, NULL, NULL, "tests/integration/test_cli_twopass.c"},
    /* Without a type, every stream's: LAME's VBR quality too. */
    {"-q", SIZE, "-i IN -vn -c:a libmp3lame -q 9 OUT", "-i IN -vn -c:a libmp3lame OUT", "q.mp3"},
    {"-qscale", SIZE, "-i IN -an -c:v mpeg4 -qscale:v 20 OUT",
     "-i IN -an -c:v mpeg4 -qscale:v 2 OUT", "qscale.mkv"},
    {"-aq", SIZE, "-i IN -vn -c:a libmp3lame -aq 9 OUT", "-i IN -vn -c:a libmp3lame -aq 0 OUT",
     "aq.mp3"},
    {"-preset", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"-g", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"-threads", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"-frames", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-vframes", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-aframes", ELSE, NULL, NULL, "tests/integration/test_cli_frames_limit.c"},
    {"-timestamp", ELSE, NULL, NULL, "tests/integration/test_cli_ffmetadata.c"},
    {"-s", MD5, "-i IN -s 96x72 " RAWV, "-i IN " RAWV, "s.framemd5"},
    {"-r", SIG, "-i IN -c:v mpeg4 -r 12 OUT", "-i IN -c:v mpeg4 OUT", "r.mp4"},
    {"-aspect", SIG, "-i IN -c:v mpeg4 -aspect 4:3 OUT", "-i IN -c:v mpeg4 OUT", "aspect.mp4"},
    {"-pix_fmt", MD5, "-i IN -pix_fmt gray " RAWV, "-i IN " RAWV, "pix.framemd5"},
    {"-ar", MD5, "-i IN -ar 22050 " RAWA, "-i IN " RAWA, "ar.framemd5"},
    {"-ac", MD5, "-i IN -ac 1 " RAWA, "-i IN " RAWA, "ac.framemd5"},
    {"-sample_fmt", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"-channel_layout", MD5, "-i IN -channel_layout mono " RAWA, "-i IN " RAWA, "chl.framemd5"},
    {"-async", ELSE, NULL, NULL, "tests/integration/test_cli_async.c"},
    {"-adrift_threshold", ELSE, NULL, NULL, "tests/integration/test_cli_async.c"},
    {"-vol", ELSE, NULL, NULL, "tests/integration/test_cli_vol.c"},
    {"-timelimit", ELSE, NULL, NULL, "tests/integration/test_cli_timelimit.c"},
    {"-fix_sub_duration", ELSE, NULL, NULL, "tests/integration/test_cli_fix_sub.c"},
    {"-canvas_size", ELSE, NULL, NULL, "tests/integration/test_cli_sub2video.c"},
    {"-an", SIG, "-i IN -an OUT", "-i IN OUT", "an.mkv"},
    {"-vn", SIG, "-i IN -vn OUT", "-i IN OUT", "vn.mkv"},
    {"-map", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-map_metadata", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-map_chapters", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-metadata", ELSE, NULL, NULL, "tests/integration/cli_lines_first.h"},
    {"-apad", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-map_channel", ELSE, NULL, NULL, "tests/integration/test_cli_mapchan.c"},
    {"-reinit_filter", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-fs", SIG, "-i IN -c copy -fs 12000 OUT", "-i IN -c copy OUT", "fs.mp4"},
    /* Its effect on a TS with a hole: unit.test_pipeline_discont. */
    {"-dts_delta_threshold", FAIL, "-dts_delta_threshold x -i IN -f null -", "-i IN -f null -",
     NULL},
    {"-timecode", SIG, "-i IN -c:v mpeg4 -timecode 01:00:00:00 OUT", "-i IN -c:v mpeg4 OUT",
     "timecode.mov"},
    {"-attach", ELSE, NULL, NULL, "tests/integration/cli_lines_fourth.h"},
    {"-muxdelay", ELSE, NULL, NULL, "tests/integration/cli_lines_fourth.h"},
    {"-muxpreload", ELSE, NULL, NULL, "tests/integration/cli_lines_fourth.h"},
    {"-bitexact", ELSE, NULL, NULL, "tests/integration/cli_lines_fourth.h"},
    {"-copyinkf", ELSE, NULL, NULL, "tests/integration/test_cli_keyframes.c"},
    {"-disposition", ELSE, NULL, NULL, "tests/integration/test_cli_bsf.c"},
    {"-tag", ELSE, NULL, NULL, "tests/integration/test_cli_bsf.c"},
    {"-vtag", SIG, "-i IN -c:v mpeg4 -vtag XVID OUT", "-i IN -c:v mpeg4 OUT", "vtag.avi"},
    {"-atag", SIG, "-i IN -c:v copy -c:a libmp3lame -atag 0x6D730055 OUT",
     "-i IN -c:v copy -c:a libmp3lame OUT", "atag.mov"},
    {"-bsf", ELSE, NULL, NULL, "tests/integration/test_cli_bsf.c"},
    {"-absf", SIG, "-i IN -c copy -absf noise=dropamount=3 OUT", "-i IN -c copy OUT", "absf.mkv"},
    {"-vbsf", SIG, "-i IN -c copy -vbsf noise=dropamount=4 OUT", "-i IN -c copy OUT", "vbsf.mkv"},
    {"-force_key_frames", ELSE, NULL, NULL, "tests/integration/test_cli_keyframes.c"},
    {"-rc_override", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"-top", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"-bits_per_raw_sample", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"-vf", MD5, "-i IN -vf crop=100:80:8:4,hflip " RAWV, "-i IN " RAWV, "vf.framemd5"},
    {"-af", MD5, "-i IN -af volume=0.5 " RAWA, "-i IN " RAWA, "af.framemd5"},
    {"-filter", MD5, "-i IN -filter:a atempo=2 " RAWA, "-i IN " RAWA, "filter.framemd5"},
    {"-autorotate", MD5, "-autorotate 0 -i ROT " RAWV, "-i ROT " RAWV, "rot.framemd5"},
    {"-vsync", SIG, "-i IN -an -c:v mpeg4 -r 60 -vsync passthrough OUT",
     "-i IN -an -c:v mpeg4 -r 60 OUT", "vsync.mp4"},
    {"-fps_mode", SIG, "-i IN -an -c:v mpeg4 -r 60 -fps_mode vfr OUT",
     "-i IN -an -c:v mpeg4 -r 60 OUT", "fpsmode.mp4"},
    {"-ss", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-t", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-to", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-protocol_whitelist", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-hwaccel", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-loglevel", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-v", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-progress", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-stats_period", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-stats", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"-stdin", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-hide_banner", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-xerror", FAIL, "-xerror -i BAD -f null -", "-i BAD -f null -", NULL},
    {"-max_error_rate", FAIL, "-max_error_rate 0.01 -i BAD -f null -", "-i BAD -f null -", NULL},
    {"-h", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-help", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-version", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"-?", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-L", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-buildconf", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-formats", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-muxers", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-demuxers", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-devices", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-codecs", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-decoders", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-encoders", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-bsfs", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-protocols", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-filters", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-pix_fmts", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-layouts", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-sample_fmts", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-dispositions", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-colors", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-hwaccels", ELSE, NULL, NULL, "tests/integration/test_cli_lists.c"},
    {"-start_at_zero", ELSE, NULL, NULL, "tests/integration/test_cli_copyts.c"},
    {"-shortest", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-sws_flags", ELSE, NULL, NULL, "tests/integration/test_cli_swsflags.c"},
    {"-copyts", ELSE, NULL, NULL, "tests/integration/test_cli_copyts.c"},
    {"-accurate_seek", ELSE, NULL, NULL, "tests/integration/test_cli_copyts.c"},
    {"-itsoffset", ELSE, NULL, NULL, "tests/integration/test_cli_inputs.c"},
    {"-sseof", ELSE, NULL, NULL, "tests/integration/test_cli_seek.c"},
    {"-itsscale", ELSE, NULL, NULL, "tests/integration/test_cli_tsscale.c"},
    {"-discard", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"-guess_layout_max", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"-max_alloc", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"-cpuflags", ELSE, NULL, NULL, "tests/integration/test_cli_expert_opts.c"},
    {"--queue", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"--segments", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c"},
    {"--inline", ELSE, NULL, NULL, "tests/integration/test_cli_run.c"},
    {"--cluster", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c"},
    {"--partition", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c"},
    {"--cluster-dir", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c"},
    {"--batch", ELSE, NULL, NULL, "tests/integration/test_cli_cluster.c"},
    {"--fail-fast", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"--untrusted-filters", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"--stats", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"--trace", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"--profile", ELSE, NULL, NULL, "tests/integration/test_cli_e2e.c"},
    {"--version", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
    {"--help", ELSE, NULL, NULL, "tests/integration/test_cli_own_options.c"},
};

static char g_dir[512];
static char g_in[700], g_rot[700], g_bad[700], g_sub[700], g_vfs[700], g_fcs[700];
static char g_ffmpeg[600];
static bool g_have_ffmpeg;

static int setup(void **state) {
  (void)state;
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-options") < 0) return -1;
  if (tm_gen_simple(g_in, sizeof g_in, g_dir, "in.mp4", "libx264", "aac", 176, 144, 1.0, 2, 48000) <
      0)
    return -1;
  snprintf(g_bad, sizeof g_bad, "%s/bad.mp4", g_dir);
  if (tm_damage_packets(g_in, g_bad, 10, 4, 0, 7) < 0) return -1;
  tm_source_file("media/clip-rotate90.mp4", g_rot, sizeof g_rot);
  char *script_path[] = {g_vfs, g_fcs};
  const char *script_name[] = {"chain.txt", "graph.txt"};
  const char *script_text[] = {"crop=100:80:8:4,\nhflip\n", "[0:v] vflip,\n scale=88:72 [v]\n"};
  for (int i = 0; i < 2; i++) {
    snprintf(script_path[i], sizeof g_vfs, "%s/%s", g_dir, script_name[i]);
    FILE *sf = fopen(script_path[i], "w");
    if (!sf) return -1;
    fputs(script_text[i], sf);
    fclose(sf);
  }
  char srt[800];
  snprintf(srt, sizeof srt, "%s/in.srt", g_dir);
  FILE *f = fopen(srt, "w");
  if (!f) return -1;
  fputs("1\n00:00:00,100 --> 00:00:00,600\nHello\n\n2\n00:00:00,700 --> 00:00:00,950\nWorld\n", f);
  fclose(f);
  snprintf(g_sub, sizeof g_sub, "%s/sub.mkv", g_dir);
  const char *mk[] = {"-y",   "-v", "error", "-i",   g_in,   "-i",  srt,   "-map", "0",
                      "-map", "1",  "-c",    "copy", "-c:s", "srt", g_sub, NULL};
  if (ch_run_err(mk, NULL, 0) != 0) return -1;
  g_have_ffmpeg = tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* Runs a table line with isopipe (iso) or ffmpeg into dir/<tag>_<out>; the
 * exit status; path gets the output's path. */
static int run_line(const char *line, const char *out, const char *tag, bool iso, char *path,
                    size_t plen, char *err, size_t elen) {
  snprintf(path, plen, "%s/%s_%s", g_dir, tag, out ? out : "none");
  char buf[2048];
  const char *argv[CH_MAX_ARGS];
  const char *names[] = {"IN", "ROT", "BAD", "SUB", "VFS", "FCS", "OUT", NULL};
  const char *values[] = {g_in, g_rot, g_bad, g_sub, g_vfs, g_fcs, path};
  ch_split_line(line, iso, names, values, buf, sizeof buf, argv);
  if (!iso) return tm_run_ffmpeg(argv);
  return ch_run_err(argv, err, elen);
}

/* Streams as text: type, codec, tag, size, aspect, format, rate, channels,
 * packet and keyframe counts (and their bytes when bytes). */
static int signature(const char *path, bool bytes, char *out, size_t len) {
  AVFormatContext *ic = NULL;
  out[0] = 0;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return -1;
  if (avformat_find_stream_info(ic, NULL) < 0) {
    avformat_close_input(&ic);
    return -1;
  }
  int64_t pk[16] = {0}, key[16] = {0}, sz[16] = {0};
  AVPacket *p = av_packet_alloc();
  while (av_read_frame(ic, p) >= 0) {
    if (p->stream_index < 16) {
      pk[p->stream_index]++;
      key[p->stream_index] += !!(p->flags & AV_PKT_FLAG_KEY);
      sz[p->stream_index] += p->size;
    }
    av_packet_unref(p);
  }
  av_packet_free(&p);
  size_t n = 0;
  for (unsigned i = 0; i < ic->nb_streams && i < 16 && n < len; i++) {
    const AVCodecParameters *c = ic->streams[i]->codecpar;
    AVRational sar = av_guess_sample_aspect_ratio(ic, ic->streams[i], NULL);
    char tag[AV_FOURCC_MAX_STRING_SIZE] = "";
    av_fourcc_make_string(tag, c->codec_tag);
    n += (size_t)snprintf(out + n, len - n,
                          "%s %s tag=%s %dx%d sar=%d:%d fmt=%d %d Hz %d ch packets=%lld keys=%lld",
                          av_get_media_type_string(c->codec_type), avcodec_get_name(c->codec_id),
                          tag, c->width, c->height, sar.num, sar.den, c->format, c->sample_rate,
                          c->ch_layout.nb_channels, (long long)pk[i], (long long)key[i]);
    if (bytes && n < len) n += (size_t)snprintf(out + n, len - n, " bytes=%lld", (long long)sz[i]);
    if (n < len) n += (size_t)snprintf(out + n, len - n, "\n");
  }
  avformat_close_input(&ic);
  return 0;
}

/* One table probe of kind MD5, SIG, SIZE or FAIL; false with why on failure. */
static bool probe_line(const opt_probe *pr, char *why, size_t wn) {
  char ip[800], fp[800], bp[800], err[8192];
  int ri = run_line(pr->line, pr->out, "i", true, ip, sizeof ip, err, sizeof err);
  int rf = run_line(pr->line, pr->out, "f", false, fp, sizeof fp, NULL, 0);
  int rb = run_line(pr->base, pr->out, "b", true, bp, sizeof bp, NULL, 0);
  if (pr->kind == FAIL) {
    char fb[800];
    int rfb = run_line(pr->base, pr->out, "fb", false, fb, sizeof fb, NULL, 0);
    if (ri == 0 || rf == 0 || rb != 0 || rfb != 0)
      return snprintf(why, wn, "exit with it %d (ffmpeg %d), without %d (ffmpeg %d): %s", ri, rf,
                      rb, rfb, err),
             false;
    return true;
  }
  if (ri != 0) return snprintf(why, wn, "exit %d: %s", ri, err), false;
  if (rf != 0 || rb != 0)
    return snprintf(why, wn, "ffmpeg exit %d, isopipe without it %d", rf, rb), false;
  if (pr->kind == MD5) {
    int lines = 0;
    if (!tm_framemd5_equal(ip, fp, &lines, why, wn)) return false;
    if (tm_framemd5_equal(ip, bp, NULL, why, wn))
      return snprintf(why, wn, "the same frames without the option"), false;
    return lines > 0 || (snprintf(why, wn, "no frames"), false);
  }
  if (pr->kind == SIZE) {
    double si = (double)tm_file_size(ip), sf = (double)tm_file_size(fp),
           sb = (double)tm_file_size(bp);
    if (si < 0.9 * sf || si > 1.1 * sf)
      return snprintf(why, wn, "%.0f bytes, ffmpeg %.0f", si, sf), false;
    if (si > sb / 1.5 && si < sb * 1.5)
      return snprintf(why, wn, "%.0f bytes, %.0f without the option", si, sb), false;
    return true;
  }
  /* Copies keep the packets' bytes: those must be ffmpeg's too. */
  bool bytes = strstr(pr->line, "-c copy") != NULL;
  char si[2048], sf[2048], sb[2048];
  if (signature(ip, bytes, si, sizeof si) < 0 || signature(fp, bytes, sf, sizeof sf) < 0 ||
      signature(bp, bytes, sb, sizeof sb) < 0)
    return snprintf(why, wn, "an output is unreadable"), false;
  if (strcmp(si, sf)) return snprintf(why, wn, "isopipe:\n%sffmpeg:\n%s", si, sf), false;
  if (!strcmp(si, sb)) return snprintf(why, wn, "the same without the option:\n%s", si), false;
  return true;
}

/* The source file uses the option as a word of a string: "-opt", "-opt x",
 * or the "-noopt" form of a flag. */
static bool source_uses(const char *rel, const char *opt) {
  char path[1200];
  tm_source_file(rel, path, sizeof path);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  char line[4096], no[128];
  snprintf(no, sizeof no, "-no%s", opt + 1);
  bool hit = false;
  while (!hit && fgets(line, sizeof line, f)) {
    for (int k = 0; k < 2 && !hit; k++) {
      const char *w = k ? no : opt;
      for (const char *s = strstr(line, w); s && !hit; s = strstr(s + 1, w)) {
        char before = s > line ? s[-1] : ' ', after = s[strlen(w)];
        hit = strchr("\" ", before) && strchr("\" :=", after) && after;
      }
    }
  }
  fclose(f);
  return hit;
}

static const opt_probe *find_probe(const char *opt) {
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
    if (!strcmp(probes[i].opt, opt)) return &probes[i];
  return NULL;
}

/* Every option in --help's "Options supported" list has a probe. */
static void t_help_is_covered(void **state) {
  (void)state;
  ch_proc p;
  const char *args[] = {"--help", NULL};
  assert_int_equal(ch_run(&p, args, 30), 0);
  const char *s = strstr(ch_str(&p.out), "\nOptions supported:\n");
  assert_non_null(s);
  int listed = 0, missing = 0;
  /* One option a line, up to the blank line that ends the list. */
  for (const char *l = strchr(s + 1, '\n') + 1; *l && *l != '\n'; l += strcspn(l, "\n") + 1) {
    char opt[64];
    if (sscanf(l, " %63[^ [\n]", opt) == 1 && opt[0] == '-') {
      listed++;
      if (!find_probe(opt)) {
        printf("no probe for %s (listed by --help)\n", opt);
        missing++;
      }
    }
    if (!l[strcspn(l, "\n")]) break;
  }
  ch_free(&p);
  int todo = 0;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
    if (probes[i].kind == TODO) {
      printf("not probed yet: %s (%s)\n", probes[i].opt, probes[i].out);
      todo++;
    }
  printf("--help lists %d supported options; %d without a probe, %d not probed yet\n", listed,
         missing, todo);
  assert_true(listed > 50);
  assert_int_equal(missing, 0);
}

/* The ELSE probes: the named test uses the option. */
static void t_probed_elsewhere(void **state) {
  (void)state;
  int bad = 0;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    const opt_probe *pr = &probes[i];
    if (pr->kind == ELSE && !source_uses(pr->out, pr->opt)) {
      printf("%s: %s does not use it\n", pr->opt, pr->out);
      bad++;
    }
  }
  assert_int_equal(bad, 0);
}

/* The MD5, SIG, SIZE and FAIL probes against ffmpeg. */
static void t_effects_as_ffmpeg(void **state) {
  (void)state;
  TM_NEED(g_have_ffmpeg, "ffmpeg (the reference for each option's effect)");
  int bad = 0, n = 0;
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    const opt_probe *pr = &probes[i];
    if (pr->kind == ELSE || pr->kind == TODO) continue;
    char why[9000] = "";
    n++;
    if (!probe_line(pr, why, sizeof why)) {
      printf("%s: %s\n  %s\n", pr->opt, pr->line, why);
      bad++;
    }
  }
  printf("%d options probed against ffmpeg, %d differ\n", n, bad);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_help_is_covered),
      cmocka_unit_test(t_probed_elsewhere),
      cmocka_unit_test(t_effects_as_ffmpeg),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
