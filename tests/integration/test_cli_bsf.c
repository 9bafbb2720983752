/* Bitstream filters, codec tags and dispositions on the CLI, compared with ffmpeg's outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libavformat/avformat.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/md5.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

static char g_dir[512];
static char g_mp4[700], g_ts[700], g_mp3[700];

static int setup(void **state) {
  (void)state;
  char gen[700];
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-bsf") < 0) return -1;
  if (tm_gen_simple(gen, sizeof gen, g_dir, "gen.mp4", "libx264", "aac", 160, 120, 1.0, 2, 48000) <
      0)
    return -1;
  if (tm_gen_simple(g_mp3, sizeof g_mp3, g_dir, "mp3.mkv", NULL, "libmp3lame", 0, 0, 1.0, 2,
                    44100) < 0)
    return -1;
  snprintf(g_mp4, sizeof g_mp4, "%s/in.mp4", g_dir);
  snprintf(g_ts, sizeof g_ts, "%s/in.ts", g_dir);
  const char *a1[] = {"-v", "error", "-y", "-i", gen, "-c", "copy", g_mp4, NULL};
  const char *a2[] = {"-v", "error", "-y", "-i", gen, "-c", "copy", g_ts, NULL};
  return ch_run_err(a1, NULL, 0) == 0 && ch_run_err(a2, NULL, 0) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

/* The md5 of a stream's packets (data and timestamps) and extradata, and
 * the packet count: equal when the bytes the muxer got are equal. */
static int stream_digest(const char *path, enum AVMediaType type, char *out, size_t n,
                         int *packets) {
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return -1;
  int si = avformat_find_stream_info(ic, NULL) >= 0 ? av_find_best_stream(ic, type, -1, -1, NULL, 0)
                                                    : -1;
  if (si < 0) {
    avformat_close_input(&ic);
    return -1;
  }
  struct AVMD5 *md5 = av_md5_alloc();
  av_md5_init(md5);
  const AVCodecParameters *par = ic->streams[si]->codecpar;
  av_md5_update(md5, par->extradata, (size_t)par->extradata_size);
  AVPacket *pkt = av_packet_alloc();
  *packets = 0;
  while (av_read_frame(ic, pkt) >= 0) {
    if (pkt->stream_index == si) {
      av_md5_update(md5, pkt->data, (size_t)pkt->size);
      av_md5_update(md5, (const uint8_t *)&pkt->pts, sizeof pkt->pts);
      (*packets)++;
    }
    av_packet_unref(pkt);
  }
  uint8_t d[16];
  av_md5_final(md5, d);
  for (int i = 0; i < 16 && n > 2 * (size_t)i + 2; i++)
    snprintf(out + 2 * i, n - 2 * (size_t)i, "%02x", d[i]);
  av_free(md5);
  av_packet_free(&pkt);
  avformat_close_input(&ic);
  return 0;
}

static bool have_ffmpeg(void) {
  char buf[600];
  return tm_have_program("ffmpeg", buf, sizeof buf);
}

/* ADTS AAC from MPEG-TS into fragmented mp4: mp4's empty_moov turns
 * libavformat's own aac_adtstoasc off (ffmpeg fails with "Malformed AAC
 * bitstream", EPERM); isopipe puts the filter in itself, and the audio is
 * what ffmpeg writes when told -bsf:a aac_adtstoasc. */
static void t_adts_into_fragmented_mp4(void **state) {
  (void)state;
  TM_NEED(have_ffmpeg(), "ffmpeg");
  char out[800], ref[800], err[4096], da[40], db[40];
  snprintf(out, sizeof out, "%s/frag.mp4", g_dir);
  snprintf(ref, sizeof ref, "%s/frag_ff.mp4", g_dir);
  const char *a[] = {"-v",
                     "error",
                     "-y",
                     "-i",
                     g_ts,
                     "-c",
                     "copy",
                     "-f",
                     "mp4",
                     "-movflags",
                     "frag_keyframe+empty_moov+default_base_moof",
                     out,
                     NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  const char *f[] = {"-i",        g_ts,
                     "-c",        "copy",
                     "-bsf:a",    "aac_adtstoasc",
                     "-f",        "mp4",
                     "-movflags", "frag_keyframe+empty_moov+default_base_moof",
                     ref,         NULL};
  assert_int_equal(tm_run_ffmpeg(f), 0);
  int na = 0, nb = 0;
  assert_int_equal(stream_digest(out, AVMEDIA_TYPE_AUDIO, da, sizeof da, &na), 0);
  assert_int_equal(stream_digest(ref, AVMEDIA_TYPE_AUDIO, db, sizeof db, &nb), 0);
  assert_true(na > 40);
  assert_int_equal(na, nb);
  assert_string_equal(da, db);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(p.decode_errors, 0);
}

/* -bsf on copied and on encoded streams: the same packets as ffmpeg's. */
static void t_explicit_chains(void **state) {
  (void)state;
  TM_NEED(have_ffmpeg(), "ffmpeg");
  char out[800], ref[800], err[4096], da[40], db[40];
  int na = 0, nb = 0;
  snprintf(out, sizeof out, "%s/annexb.ts", g_dir);
  snprintf(ref, sizeof ref, "%s/annexb_ff.ts", g_dir);
  const char *a[] = {
      "-v", "error", "-y", "-i", g_mp4, "-map", "0:v", "-c", "copy", "-bsf:v", "h264_mp4toannexb",
      out,  NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  const char *f[] = {"-i", g_mp4, "-map", "0:v", "-c", "copy", "-bsf:v", "h264_mp4toannexb",
                     ref,  NULL};
  assert_int_equal(tm_run_ffmpeg(f), 0);
  assert_int_equal(stream_digest(out, AVMEDIA_TYPE_VIDEO, da, sizeof da, &na), 0);
  assert_int_equal(stream_digest(ref, AVMEDIA_TYPE_VIDEO, db, sizeof db, &nb), 0);
  assert_int_equal(na, nb);
  assert_string_equal(da, db);

  /* An encoded stream: every packet out of x264 gets an access unit
   * delimiter first (nal type 9 after mp4's 4-byte length). */
  snprintf(out, sizeof out, "%s/aud.mp4", g_dir);
  const char *e[] = {"-v",      "error",     "-y",     "-i",
                     g_mp4,     "-an",       "-c:v",   "libx264",
                     "-preset", "ultrafast", "-bsf:v", "h264_metadata=aud=insert,null",
                     out,       NULL};
  assert_int_equal(ch_run_err(e, err, sizeof err), 0);
  AVFormatContext *ic = NULL;
  assert_int_equal(avformat_open_input(&ic, out, NULL, NULL), 0);
  AVPacket *pkt = av_packet_alloc();
  int n = 0, aud = 0;
  while (av_read_frame(ic, pkt) >= 0) {
    n++;
    aud += pkt->size > 5 && (pkt->data[4] & 0x1f) == 9;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  avformat_close_input(&ic);
  assert_true(n >= 25);
  assert_int_equal(aud, n);
}

/* A filter that does not exist, or refuses the stream's codec: exit
 * non-zero naming the filter and the option or stream, no file written. */
static void t_bad_chains(void **state) {
  (void)state;
  char out[800], err[4096];
  snprintf(out, sizeof out, "%s/bad.mp4", g_dir);
  const char *a[] = {"-y", "-i", g_mp4, "-c", "copy", "-bsf:v", "h264_mp4toannexb,nosuch_bsf",
                     out,  NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 2);
  assert_non_null(strstr(err, "'nosuch_bsf'"));
  assert_non_null(strstr(err, "-bsf:v"));
  assert_false(tm_file_exists(out));

  snprintf(out, sizeof out, "%s/bad.mka", g_dir);
  const char *b[] = {"-y", "-i", g_mp3, "-c", "copy", "-bsf:a", "aac_adtstoasc", out, NULL};
  assert_int_equal(ch_run_err(b, err, sizeof err), 1);
  assert_non_null(strstr(err, "aac_adtstoasc"));
  assert_non_null(strstr(err, "audio stream"));
  assert_non_null(strstr(err, "mp3"));
  assert_false(tm_file_exists(out));

  const char *c[] = {"-y", "-i", g_mp4, "-c", "copy", "-bsf:a", "h264_metadata=nosuch=1",
                     out,  NULL};
  assert_int_equal(ch_run_err(c, err, sizeof err), 2);
  assert_non_null(strstr(err, "h264_metadata=nosuch=1"));
}

/* Each stream's disposition and codec tag as ffprobe reads them. */
static void stream_flags(const char *path, char *out, size_t n) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  size_t len = 0;
  for (unsigned i = 0; i < ic->nb_streams && len < n; i++) {
    char tag[AV_FOURCC_MAX_STRING_SIZE];
    av_fourcc_make_string(tag, ic->streams[i]->codecpar->codec_tag);
    len += (size_t)snprintf(out + len, n - len, "%u:0x%x:%s ", i, ic->streams[i]->disposition, tag);
  }
  avformat_close_input(&ic);
}

/* -disposition (replace, add, clear, a type) and -tag against ffmpeg's. */
static void t_disposition_and_tag(void **state) {
  (void)state;
  TM_NEED(have_ffmpeg(), "ffmpeg");
  static const char *const cases[][6] = {
      {"d0.mkv", NULL},
      {"d1.mkv", "-disposition:a", "0", NULL},
      {"d2.mkv", "-disposition:v", "default+forced", NULL},
      {"d3.mkv", "-disposition:a", "+forced", "-disposition:v", "0"},
      {"t0.mp4", "-tag:v", "avc3", NULL},
      {"t1.mov", "-tag:a", "mp4a", "-tag:v", "0x33637661"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char out[800], ref[800], err[4096], fa[512], fb[512];
    snprintf(out, sizeof out, "%s/i_%s", g_dir, cases[c][0]);
    snprintf(ref, sizeof ref, "%s/f_%s", g_dir, cases[c][0]);
    const char *a[16] = {"-v", "error", "-y", "-i", g_mp4, "-map", "0", "-c", "copy"};
    const char *f[16] = {"-i", g_mp4, "-map", "0", "-c", "copy"};
    int na = 9, nf = 6;
    for (int k = 1; k < 6 && cases[c][k]; k++) {
      a[na++] = cases[c][k];
      f[nf++] = cases[c][k];
    }
    a[na] = out;
    f[nf] = ref;
    assert_int_equal(ch_run_err(a, err, sizeof err), 0);
    assert_int_equal(tm_run_ffmpeg(f), 0);
    stream_flags(out, fa, sizeof fa);
    stream_flags(ref, fb, sizeof fb);
    printf("%s: %s| ffmpeg %s\n", cases[c][0], fa, fb);
    assert_string_equal(fa, fb);
  }
}

/* A map that takes a data stream isopipe cannot write says so, naming it;
 * -dn and a negative map leave it out quietly. */
static void t_unwritten_streams_named(void **state) {
  (void)state;
  char in[800], out[800], err[4096];
  TM_NEED(tm_corpus_file("video/sample_scte35.ts", in, sizeof in), "media corpus");
  snprintf(out, sizeof out, "%s/data.ts", g_dir);
  const char *a[] = {"-y", "-i", in, "-map", "0", "-c", "copy", out, NULL};
  assert_int_equal(ch_run_err(a, err, sizeof err), 0);
  assert_non_null(strstr(err, "not written"));
  assert_non_null(strstr(err, "#0:2 (data scte_35)"));
  const char *b[] = {"-y", "-i", in, "-map", "0", "-dn", "-c", "copy", out, NULL};
  assert_int_equal(ch_run_err(b, err, sizeof err), 0);
  assert_null(strstr(err, "not written"));
  const char *c[] = {"-y", "-i", in, "-map", "0", "-map", "-0:d", "-c", "copy", out, NULL};
  assert_int_equal(ch_run_err(c, err, sizeof err), 0);
  assert_null(strstr(err, "not written"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_adts_into_fragmented_mp4),
      cmocka_unit_test(t_explicit_chains),
      cmocka_unit_test(t_bad_chains),
      cmocka_unit_test(t_disposition_and_tag),
      cmocka_unit_test(t_unwritten_streams_named),
  };
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
