/* Regressions of the hostile-input campaign through the CLI: crafted inputs and names that once
 * lost data with exit 0, overwrote files, or reached the terminal raw. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "media_gen.h"
#include "rel_util.h"
#include "test_media.h"

static const char *g_cli;
static char g_dir[512], g_clip[600];
static int g_failed, g_passed;

/* Runs the CLI with args (NULL-terminated, without the program). */
static int run(rel_proc *p, const rel_spawn_opts *o, const char *const *args) {
  char *argv[48];
  int n = 0;
  argv[n++] = (char *)g_cli;
  argv[n++] = "-nostdin";
  argv[n++] = "-hide_banner";
  for (int i = 0; args[i] && n < 47; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  rel_spawn_opts def = {.timeout_s = 20};
  if (rel_spawn(argv, o ? o : &def, p) != 0) return -1;
  return 0;
}

/* Common verdict: no hang, no signal, no sanitizer report. */
static bool sane(const char *title, const rel_proc *p) {
  char what[64];
  const char *problem = NULL;
  if (p->timed_out)
    problem = "hang";
  else if (rel_sanitizer_report(p))
    problem = "sanitizer report";
  else if (rel_exit_code(p) < 0)
    problem = "died from a signal";
  if (!problem) return true;
  printf("FAIL %-44s %s: %s\n", title, rel_describe(p, what, sizeof what), problem);
  fputs(p->err, stdout);
  g_failed++;
  return false;
}

static void verdict(const char *title, const rel_proc *p, const char *problem) {
  if (problem) {
    char what[64];
    printf("FAIL %-44s %s: %s\n", title, rel_describe(p, what, sizeof what), problem);
    fputs(p->err, stdout);
    g_failed++;
  } else {
    printf("ok   %s\n", title);
    g_passed++;
  }
}

/* ---- a mostly undecodable input --------------------------------------------------- */

/* Copies src to dst packet by packet with every packet but the first n_keep
 * replaced by seeded noise of the same size: the container stays valid, the
 * codec data does not. */
static int corrupt_packets(const char *src, const char *dst, int n_keep, uint64_t seed) {
  AVFormatContext *in = NULL, *out = NULL;
  AVPacket *pkt = av_packet_alloc();
  int r = pkt ? avformat_open_input(&in, src, NULL, NULL) : AVERROR(ENOMEM);
  if (r >= 0) r = avformat_find_stream_info(in, NULL);
  if (r >= 0) r = avformat_alloc_output_context2(&out, NULL, NULL, dst);
  for (unsigned i = 0; r >= 0 && i < in->nb_streams; i++) {
    AVStream *os = avformat_new_stream(out, NULL);
    r = os ? avcodec_parameters_copy(os->codecpar, in->streams[i]->codecpar) : AVERROR(ENOMEM);
    if (os) os->time_base = in->streams[i]->time_base;
  }
  if (r >= 0) r = avio_open(&out->pb, dst, AVIO_FLAG_WRITE);
  if (r >= 0) r = avformat_write_header(out, NULL);
  int n = 0;
  while (r >= 0 && av_read_frame(in, pkt) >= 0) {
    if (n++ >= n_keep && av_packet_make_writable(pkt) >= 0)
      for (int i = 0; i < pkt->size; i++)
        pkt->data[i] = (uint8_t)rel_rand(&seed);
    av_packet_rescale_ts(pkt, in->streams[pkt->stream_index]->time_base,
                         out->streams[pkt->stream_index]->time_base);
    r = av_interleaved_write_frame(out, pkt);
  }
  if (r >= 0) r = av_write_trailer(out);
  if (out) avio_closep(&out->pb);
  avformat_free_context(out);
  avformat_close_input(&in);
  av_packet_free(&pkt);
  return r < 0 ? r : n;
}

static void case_error_rate(void) {
  const char *title = "mostly undecodable input fails (max_error_rate)";
  char bad[700], out[700], out2[700];
  snprintf(bad, sizeof bad, "%s/noise.mkv", g_dir);
  snprintf(out, sizeof out, "%s/noise-out.mkv", g_dir);
  snprintf(out2, sizeof out2, "%s/noise-out2.mkv", g_dir);
  char src[700];
  if (tm_gen_simple(src, sizeof src, g_dir, "rate-src.mkv", "mpeg4", NULL, 64, 48, 1.3, 0, 0) < 0 ||
      corrupt_packets(src, bad, 1, 0x1401) < 30) {
    printf("FAIL %s: cannot make the input\n", title);
    g_failed++;
    return;
  }
  rel_proc p;
  const char *args[] = {"-y", "-i", bad, "-c:v", "mpeg4", out, NULL};
  if (run(&p, NULL, args) < 0 || !sane(title, &p)) return;
  char line[512];
  const char *err = rel_error_line(&p, line, sizeof line);
  const char *problem = NULL;
  if (rel_exit_code(&p) == 0)
    problem = "exit 0 although almost nothing decoded";
  else if (!err || !strstr(err, "decode:v (noise.mkv)") || !strstr(err, "max_error_rate"))
    problem = "the error line does not name the decoder, the file and max_error_rate";
  else if (!rel_playable(out, NULL, NULL))
    problem = "what was decoded is not a playable output";
  verdict(title, &p, problem);

  /* ffmpeg, when installed, fails on the same input (exit 69). */
  if (access("/usr/bin/ffmpeg", X_OK) == 0) {
    char *fa[] = {"/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-y", "-i", bad, "-c:v",
                  "mpeg4",           out2,       NULL};
    rel_spawn_opts o = {.timeout_s = 20};
    if (rel_spawn(fa, &o, &p) == 0)
      verdict("ffmpeg fails on it too", &p,
              rel_exit_code(&p) == 0 ? "ffmpeg exits 0: the input is not mostly undecodable"
                                     : NULL);
  }

  /* The limit is an option: at 1 the same input passes, and the summary
   * counts what was skipped. */
  title = "max_error_rate 1 accepts it, the summary counts the errors";
  const char *args2[] = {"-y", "-max_error_rate", "1", "-i", bad, "-c:v", "mpeg4", out2, NULL};
  if (run(&p, NULL, args2) < 0 || !sane(title, &p)) return;
  problem = NULL;
  if (rel_exit_code(&p) != 0)
    problem = "expected exit 0";
  else if (!strstr(p.err, "decode errors skipped"))
    problem = "the summary does not count the decode errors";
  verdict(title, &p, problem);
}

int main(void) {
  g_cli = rel_cli();
  if (!g_cli) {
    printf("ISO_CLI not set: skipped\n");
    return 77;
  }
  rel_env_init();
  av_log_set_level(AV_LOG_QUIET);
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return 1;
  if (tm_gen_simple(g_clip, sizeof g_clip, g_dir, "clip.mkv", "mpeg4", "aac", 64, 48, 1.0, 1,
                    22050) < 0)
    return 1;
  case_error_rate();
  printf("%d passed, %d failed\n", g_passed, g_failed);
  tm_tmpdir_remove(g_dir);
  return g_failed ? 1 : 0;
}
