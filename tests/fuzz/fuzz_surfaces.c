/* libFuzzer target over the text and callback surfaces: filtergraph strings, CLI option lines,
 * custom-I/O callbacks that give short reads, errors and EAGAIN. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs/codecs.h"
#include "isopipe/io.h"
#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"
#include "tools/isopipe/cli_args.h"

#include "fuzz_transcode.h"

/*
 * The first byte picks the surface, the rest is its input:
 *   0 -> a -vf chain run on three 64x48 frames (cx_fgraph), its output
 *        bounded (a loop filter must not make the input endless);
 *   1 -> a -af chain on three 1024-sample frames;
 *   2 -> an option line: NUL- or newline-separated words into the CLI's
 *        parser (nothing runs);
 *   3 -> a custom input: the next 16 bytes script the read callback (short
 *        reads, -EIO, -EAGAIN, a 0 end), the rest is the file; stream-copied
 *        (or, for one length in eight, transcoded) by a real pipeline
 *        (inline mode) to /dev/null.
 * FZ_SURFACES_ONLY=0..3 sends every input to one surface: a custom input
 * runs a whole pipeline and costs about a hundred option lines, so a
 * campaign of the cheap surfaces runs them apart.
 */

char fz_summary[256];

#define FZ_TEXT_MAX 512
#define FZ_LINE_MAX 4096
#define FZ_MAX_OUT_FRAMES 64

/* The first n bytes (at most max) as a string. */
static char *text_of(const uint8_t *d, size_t n, size_t max) {
  if (n > max) n = max;
  char *s = malloc(n + 1);
  if (!s) return NULL;
  memcpy(s, d, n);
  s[n] = 0;
  return s;
}

static AVFrame *test_frame(enum AVMediaType type, int64_t pts) {
  AVFrame *f = av_frame_alloc();
  if (!f) return NULL;
  if (type == AVMEDIA_TYPE_VIDEO) {
    f->format = AV_PIX_FMT_YUV420P;
    f->width = 64;
    f->height = 48;
  } else {
    f->format = AV_SAMPLE_FMT_FLTP;
    f->sample_rate = 48000;
    f->nb_samples = 1024;
    av_channel_layout_default(&f->ch_layout, 2);
  }
  if (av_frame_get_buffer(f, 0) < 0) {
    av_frame_free(&f);
    return NULL;
  }
  for (int p = 0; p < AV_NUM_DATA_POINTERS && f->buf[p]; p++)
    memset(f->buf[p]->data, (int)(pts * 37 + p) & 0xff, f->buf[p]->size);
  f->pts = pts * (type == AVMEDIA_TYPE_VIDEO ? 1 : 1024);
  return f;
}

static int count_fx(void *ud, const cx_fx *fx) {
  (void)fx;
  (*(int *)ud)++;
  return 0;
}

static void one_graph(enum AVMediaType type, const uint8_t *d, size_t n) {
  char *chain = text_of(d, n, FZ_TEXT_MAX);
  char err[CX_ERRLEN] = "";
  if (!chain || cx_fgraph_check(type, chain, err) < 0) {
    snprintf(fz_summary, sizeof fz_summary, "graph refused: %s", err);
    free(chain);
    return;
  }
  /* Fuzzed text is untrusted: a filter that would load code, open a socket
   * or touch a file named by the fuzzer is refused, as untrusted_filters
   * does, instead of built. */
  int fx = 0;
  if (cx_fgraph_effects(chain, count_fx, &fx) < 0 || fx > 0) {
    snprintf(fz_summary, sizeof fz_summary, "graph refused: %d filters act outside", fx);
    free(chain);
    return;
  }
  cx_fgraph_opts o = {0};
  o.type = type;
  o.desc = chain;
  o.in_tb = type == AVMEDIA_TYPE_VIDEO ? (AVRational){1, 25} : (AVRational){1, 48000};
  o.frame_rate = (AVRational){25, 1};
  o.threads = 1;
  AVFrame *in = test_frame(type, 0), *out = av_frame_alloc();
  cx_fgraph *g = NULL;
  int got = 0, r = in && out ? cx_fgraph_open(&g, &o, in, err) : AVERROR(ENOMEM);
  for (int i = 0; r >= 0 && i <= 3 && got < FZ_MAX_OUT_FRAMES; i++) {
    if (i > 0) {
      av_frame_free(&in);
      if (i < 3) in = test_frame(type, i);
    }
    r = cx_fgraph_send(g, in);
    while (r >= 0 && got < FZ_MAX_OUT_FRAMES && (r = cx_fgraph_receive(g, out)) >= 0) {
      got++;
      av_frame_unref(out);
    }
    if (r == AVERROR(EAGAIN)) r = 0;
  }
  snprintf(fz_summary, sizeof fz_summary, "graph: %d frames out, %s", got,
           r >= 0 || r == AVERROR_EOF ? "ok" : "error");
  cx_fgraph_close(&g);
  av_frame_free(&in);
  av_frame_free(&out);
  free(chain);
}

static void one_line(const uint8_t *d, size_t n) {
  size_t len = n > FZ_LINE_MAX ? FZ_LINE_MAX : n;
  char *text = text_of(d, len, FZ_LINE_MAX);
  if (!text) return;
  char *argv[65] = {"isopipe"};
  int argc = 1;
  for (char *s = text; argc < 64 && s < text + len;) {
    size_t k = strcspn(s, "\n");
    s[k] = 0;
    argv[argc++] = s;
    s += k + 1;
  }
  argv[argc] = NULL;
  cli_opts o;
  char err[1024] = "";
  int r = cli_args_parse(argc, argv, &o, err, sizeof err);
  snprintf(fz_summary, sizeof fz_summary, "line of %d words: %s", argc - 1, r ? err : "parsed");
  cli_opts_free(&o);
  free(text);
}

/* The scripted source: each call takes the next script byte's action. */
typedef struct fz_src {
  const uint8_t *script, *data;
  size_t nscript, size, pos, step;
  int again;
} fz_src;

static int src_read(void *opaque, uint8_t *buf, int n) {
  fz_src *s = opaque;
  uint8_t act = s->step < s->nscript ? s->script[s->step] : 0xff;
  s->step++;
  switch (act >> 6) {
  case 0: /* a short read of 1..64 bytes */
    if ((act & 63) + 1 < n) n = (act & 63) + 1;
    break;
  case 1:
    /* not now: the wait retries, a bounded number of times in all */
    if (s->again++ < 8) return -EAGAIN;
    break;
  case 2:
    if (act == 0x80) return -EIO;
    if (act == 0x81) return 0; /* an early end */
    break;
  default:
    break;
  }
  size_t left = s->size - s->pos;
  if (!left) return 0;
  if ((size_t)n > left) n = (int)left;
  memcpy(buf, s->data + s->pos, (size_t)n);
  s->pos += (size_t)n;
  return n;
}

static void quiet(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {
  (void)p, (void)level, (void)stage, (void)line, (void)ud;
}

static void one_io(const uint8_t *d, size_t n) {
  static int state;
  if (state == 0) state = iso_runtime_init(ISO_MODE_INLINE) == ISO_OK ? 1 : -1;
  if (state < 0) return;
  fz_src s = {.script = d, .nscript = n < 16 ? n : 16};
  s.data = d + s.nscript;
  s.size = n - s.nscript;
  iso_pipeline *p = iso_pipeline_new();
  if (!p) return;
  iso_pipeline_callbacks cb = {.on_log = quiet};
  iso_pipeline_set_callbacks(p, &cb, NULL);
  iso_io io = {src_read, NULL, NULL, &s};
  /* What is under test is the callback's path (short reads, retries, errors,
   * an early end) into the demuxer and on to a mux; the codecs behind it
   * have their own targets. So most inputs are stream-copied, which costs a
   * fraction of a transcode, and one in eight (by length) is transcoded so
   * the decoders still meet what a scripted source delivers. */
  const char *transcode[][2] = {{"c:v", "mpeg4"}, {"s", "64x48"}, {"c:a", "aac"}, {"ac", "1"}};
  const char *copy[][2] = {{"c", "copy"}};
  const char *kv[][2] = {{"o", "/dev/null"}, {"f", "matroska"}, {"t", "1"}, {"overwrite", "1"}};
  int tc = n % 8 == 0;
  int rc = iso_pipeline_set_input_io(p, &io);
  for (size_t i = 0; i < sizeof kv / sizeof kv[0] && rc == ISO_OK; i++)
    rc = iso_pipeline_set(p, kv[i][0], kv[i][1]);
  for (size_t i = 0; i < (tc ? 4 : 1) && rc == ISO_OK; i++)
    rc = iso_pipeline_set(p, tc ? transcode[i][0] : copy[i][0], tc ? transcode[i][1] : copy[i][1]);
  if (rc == ISO_OK) rc = iso_pipeline_run(p);
  snprintf(fz_summary, sizeof fz_summary, "custom input (%s), %zu calls: %s",
           tc ? "transcoded" : "copied", s.step, iso_strerror(rc));
  iso_pipeline_free(p);
}

int fz_surfaces_one(const uint8_t *data, size_t size) {
  snprintf(fz_summary, sizeof fz_summary, "empty");
  if (size < 1) return 0;
  static int only = -2;
  if (only == -2) {
    const char *v = getenv("FZ_SURFACES_ONLY");
    only = v && *v >= '0' && *v <= '3' && !v[1] ? *v - '0' : -1;
  }
  switch (only >= 0 ? only : data[0] % 4) {
  case 0:
    one_graph(AVMEDIA_TYPE_VIDEO, data + 1, size - 1);
    break;
  case 1:
    one_graph(AVMEDIA_TYPE_AUDIO, data + 1, size - 1);
    break;
  case 2:
    one_line(data + 1, size - 1);
    break;
  default:
    one_io(data + 1, size - 1);
    break;
  }
  return 0;
}

#ifdef FZ_SURFACES_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  av_log_set_level(AV_LOG_QUIET);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fz_surfaces_one(data, size);
}
#endif
