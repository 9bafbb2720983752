/* libFuzzer target over the join of audio segments: hostile segment files through their reader,
 * the MP3 reservoir join and a whole join run, which must never end well with less audio. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"
#include "pipeline/pl_segments.h"
#include "pipeline/stages/encode_seg.h"

#include "fuzz_transcode.h"

/*
 * The first byte picks the path, the rest is a segment file (NUT, as a
 * cluster task writes it):
 *   byte % 16 < 14 -> the fast path: the file is read (pl_seg_file_read) as
 *       segment 1 of a two-segment MP3 run and joined with the run's real
 *       segment 0 before it and segment 1 after it (pl_seg_mp3_join, both
 *       ways, at a frame the byte picks): no pipeline, about a millisecond;
 *   else -> a whole join (iso_pipeline in the runtime's inline mode, with
 *       segment_join): the file replaces segment (byte & 1) of a real run
 *       of two, the other stays. A join that succeeds must have written
 *       every packet and sample of the undamaged join: anything less is
 *       the silent loss this target looks for, and it aborts.
 * FZ_SEGJOIN_PATH=fast or =join sends every input down one path: the
 * share of each in a campaign otherwise follows the corpus, and a whole
 * join costs about 200 fast ones.
 * At start the target makes its run: a 2.2 s 44.1 kHz sine WAV, its two
 * segments encoded by segment tasks, and the undamaged join's figures.
 */

/* Never linked with fuzz_transcode.c, which has its own. */
char fz_summary[256];

#define SJ_RATE 44100
#define SJ_SECONDS 2.2
#define SJ_FRAME 1152

static struct {
  int state; /* 0 not yet, 1 ready, -1 failed */
  char dir[PATH_MAX], wav[PATH_MAX + 16], out[PATH_MAX + 16], seg[2][PATH_MAX + 16];
  uint8_t *seg_data[2];
  size_t seg_size[2];
  pl_seg_req *valid[2];
  long want_packets;
  int64_t want_samples;
  int fd;
  char fd_path[64];
  unsigned long runs[2]; /* executions of each path */
} sj;

static void quiet(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {
  (void)p, (void)level, (void)stage, (void)line, (void)ud;
}

static void le(uint8_t *d, uint32_t v, int n) {
  for (int i = 0; i < n; i++)
    d[i] = (uint8_t)(v >> (8 * i));
}

/* A mono 16-bit WAV: a 440 Hz sine with a slow sweep, so no two frames are alike. */
static int write_wav(const char *path) {
  int n = (int)(SJ_RATE * SJ_SECONDS);
  size_t bytes = 44 + (size_t)n * 2;
  uint8_t *d = calloc(1, bytes);
  if (!d) return -1;
  memcpy(d, "RIFF", 4);
  le(d + 4, (uint32_t)(bytes - 8), 4);
  memcpy(d + 8, "WAVEfmt ", 8);
  le(d + 16, 16, 4);
  le(d + 20, 1, 2);
  le(d + 22, 1, 2);
  le(d + 24, SJ_RATE, 4);
  le(d + 28, SJ_RATE * 2, 4);
  le(d + 32, 2, 2);
  le(d + 34, 16, 2);
  memcpy(d + 36, "data", 4);
  le(d + 40, (uint32_t)n * 2, 4);
  uint32_t phase = 0;
  for (int i = 0; i < n; i++) {
    phase += 0x2000000u + (uint32_t)i * 64u;
    int v = (int)(phase >> 16) - 32768; /* a sawtooth sweep */
    le(d + 44 + 2 * i, (uint32_t)(int16_t)(v / 2), 2);
  }
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(d, 1, bytes, f) == bytes;
  if (f && fclose(f)) ok = 0;
  free(d);
  return ok ? 0 : -1;
}

/* One run of the pipeline on the WAV: a task ("K/2") or the join (NULL). */
static int run(const char *task, char *err, size_t n) {
  iso_pipeline *p = iso_pipeline_new();
  if (!p) return ISO_ENOMEM;
  iso_pipeline_callbacks cb = {.on_log = quiet};
  iso_pipeline_set_callbacks(p, &cb, NULL);
  const char *kv[][2] = {{"i", sj.wav},         {"o", sj.out},     {"f", "mp3"},
                         {"c:a", "libmp3lame"}, {"segments", "2"}, {"overwrite", "1"}};
  int rc = ISO_OK;
  for (size_t i = 0; i < sizeof kv / sizeof kv[0] && rc == ISO_OK; i++)
    rc = iso_pipeline_set(p, kv[i][0], kv[i][1]);
  if (rc == ISO_OK) rc = iso_pipeline_set_output(p, 0, "segment_dir", sj.dir);
  if (rc == ISO_OK)
    rc = task ? iso_pipeline_set_output(p, 0, "segment_task", task)
              : iso_pipeline_set_output(p, 0, "segment_join", "1");
  if (rc == ISO_OK) rc = iso_pipeline_run(p);
  if (err) snprintf(err, n, "%s", rc == ISO_OK ? "ok" : iso_pipeline_error(p));
  iso_pipeline_free(p);
  return rc;
}

/* Packets and samples (by duration) in the join's output. */
static int out_figures(long *packets, int64_t *samples) {
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, sj.out, NULL, NULL) < 0) return -1;
  AVPacket *p = av_packet_alloc();
  *packets = 0;
  *samples = 0;
  while (p && av_read_frame(ic, p) >= 0) {
    (*packets)++;
    *samples += av_rescale_q(p->duration, ic->streams[p->stream_index]->time_base,
                             (AVRational){1, SJ_RATE});
    av_packet_unref(p);
  }
  av_packet_free(&p);
  avformat_close_input(&ic);
  return 0;
}

static pl_seg_req *read_seg(const char *path) {
  pl_seg_req *r = calloc(1, sizeof *r);
  char err[512];
  if (!r) return NULL;
  r->pkt_tb = r->tb = (AVRational){1, SJ_RATE};
  if (pl_seg_file_read(r, path, err, sizeof err) < 0) {
    fprintf(stderr, "fuzz_segjoin: %s\n", err);
    pl_seg_req_free(r);
    return NULL;
  }
  return r;
}

/* At exit: the count of each path (the campaign reports them) and the run's files removed. */
static void at_exit(void) {
  fprintf(stderr, "fuzz_segjoin: %lu fast-path and %lu whole-join executions\n", sj.runs[0],
          sj.runs[1]);
  const char *files[] = {sj.wav, sj.out, sj.seg[0], sj.seg[1]};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    unlink(files[i]);
  rmdir(sj.dir);
}

static int put_file(const char *path, const uint8_t *d, size_t n);

/* The seeds of tests/fuzz/corpus-segjoin: the run's own segments on each
 * path, and on the whole join one cut short, one flipped, one swapped. */
static void write_seeds(const char *dir) {
  if (!dir) return;
  static const struct {
    const char *name;
    uint8_t pick;
    int seg;
    int damage; /* 0 none, 1 half, 2 a byte flipped in the middle */
  } seeds[] = {{"fast-seg0", 0x00, 0, 0},        {"fast-seg1", 0x10, 1, 0},
               {"fast-seg1-mid", 0x80, 1, 0},    {"fast-seg1-end", 0xf0, 1, 0},
               {"join-seg0", 0x0e, 0, 0},        {"join-seg1", 0x0f, 1, 0},
               {"join-seg1-half", 0x0f, 1, 1},   {"join-seg1-flip", 0x0f, 1, 2},
               {"join-seg0-as-seg1", 0x0f, 0, 0}};
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    size_t n = sj.seg_size[seeds[i].seg];
    uint8_t *d = malloc(n + 1);
    if (!d) return;
    d[0] = seeds[i].pick;
    memcpy(d + 1, sj.seg_data[seeds[i].seg], n);
    if (seeds[i].damage == 1) n /= 2;
    if (seeds[i].damage == 2) d[1 + n / 2] ^= 0x40;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, seeds[i].name);
    put_file(path, d, n + 1);
    free(d);
  }
}

static int setup(void) {
  if (sj.state) return sj.state;
  sj.state = -1;
  char err[1024] = "";
  const char *tmp = getenv("TMPDIR");
  snprintf(sj.dir, sizeof sj.dir, "%s/fuzz-segjoin-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (iso_runtime_init(ISO_MODE_INLINE) != ISO_OK || !mkdtemp(sj.dir)) return -1;
  atexit(at_exit);
  snprintf(sj.wav, sizeof sj.wav, "%s/in.wav", sj.dir);
  snprintf(sj.out, sizeof sj.out, "%s/out.mp3", sj.dir);
  for (int k = 0; k < 2; k++)
    snprintf(sj.seg[k], sizeof sj.seg[k], "%s/seg-%d.nut", sj.dir, k);
  /* A fixed time on the WAV: the segments' run id (its size and time) is
   * then the same in every campaign, and the seeds stay joinable. */
  const struct timespec fixed[2] = {{1767225600, 0}, {1767225600, 0}};
  if (write_wav(sj.wav) < 0 || utimensat(AT_FDCWD, sj.wav, fixed, 0) < 0 ||
      run("0/2", err, sizeof err) != ISO_OK || run("1/2", err, sizeof err) != ISO_OK ||
      run(NULL, err, sizeof err) != ISO_OK || out_figures(&sj.want_packets, &sj.want_samples) < 0) {
    fprintf(stderr, "fuzz_segjoin: cannot make the run in %s: %s\n", sj.dir, err);
    return -1;
  }
  for (int k = 0; k < 2; k++) {
    FILE *f = fopen(sj.seg[k], "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    sj.seg_data[k] = malloc(n > 0 ? (size_t)n : 1);
    sj.seg_size[k] = n > 0 && sj.seg_data[k] ? fread(sj.seg_data[k], 1, (size_t)n, f) : 0;
    fclose(f);
    if (!sj.seg_size[k] || !(sj.valid[k] = read_seg(sj.seg[k]))) return -1;
  }
  write_seeds(getenv("FZ_SEGJOIN_SEEDS"));
  sj.fd = memfd_create("fuzz-segment", 0);
  if (sj.fd < 0) return -1;
  snprintf(sj.fd_path, sizeof sj.fd_path, "/proc/self/fd/%d", sj.fd);
  return sj.state = 1;
}

static int put_file(const char *path, const uint8_t *d, size_t n) {
  FILE *f = fopen(path, "wb");
  int ok = f && (n == 0 || fwrite(d, 1, n, f) == n);
  if (f && fclose(f)) ok = 0;
  return ok ? 0 : -1;
}

/* A part holding new references to src's packets (the join writes into
 * prev's, so each input gets its own; av_packet_make_writable copies). */
static pl_seg_req *part_copy(const pl_seg_req *src) {
  pl_seg_req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->pkt_tb = src->pkt_tb;
  r->tb = src->tb;
  for (int i = 0; i < src->npkt; i++) {
    AVPacket *p = av_packet_clone(src->pkt[i]);
    if (!p || pl_seg_add_packet(r, p, src->at[i]) < 0) {
      pl_seg_req_free(r);
      return NULL;
    }
  }
  return r;
}

static void join_pair(pl_seg_req *prev, pl_seg_req *next, int64_t nominal, int *cuts) {
  pl_seg_part a = {prev->pkt, prev->at, prev->npkt}, b = {next->pkt, next->at, next->npkt};
  int deficit = 0;
  if (pl_seg_mp3_join(&a, &b, nominal, SJ_FRAME, pl_seg_join_range("libmp3lame"), &deficit) !=
      INT64_MIN)
    (*cuts)++;
}

static void fast_path(uint8_t pick, const uint8_t *d, size_t n) {
  if (ftruncate(sj.fd, 0) < 0 || pwrite(sj.fd, d, n, 0) != (ssize_t)n) return;
  pl_seg_req *r = calloc(1, sizeof *r);
  if (!r) return;
  r->pkt_tb = r->tb = (AVRational){1, SJ_RATE};
  char err[512] = "";
  int ret = pl_seg_file_read(r, sj.fd_path, err, sizeof err);
  int cuts = 0;
  if (ret >= 0 && r->npkt > 0) {
    /* A nominal cut at one of its frames, or at the real run's boundary. */
    int64_t nominal = r->at[(pick >> 4) * (r->npkt - 1) / 15];
    pl_seg_req *before = part_copy(sj.valid[0]), *after = part_copy(sj.valid[1]);
    if (before) join_pair(before, r, nominal, &cuts);
    if (after) join_pair(r, after, nominal, &cuts);
    pl_seg_req_free(before);
    pl_seg_req_free(after);
  }
  snprintf(fz_summary, sizeof fz_summary, "segment file: %s, %d packets, %d cuts",
           ret >= 0 ? "read" : err, r->npkt, cuts);
  pl_seg_req_free(r);
}

static void whole_join(uint8_t pick, const uint8_t *d, size_t n) {
  int k = pick & 1;
  if (put_file(sj.seg[k], d, n) < 0 || put_file(sj.seg[!k], sj.seg_data[!k], sj.seg_size[!k]) < 0)
    return;
  char err[1024] = "";
  int rc = run(NULL, err, sizeof err);
  long packets = -1;
  int64_t samples = -1;
  if (rc == ISO_OK && (out_figures(&packets, &samples) < 0 || packets < sj.want_packets ||
                       samples < sj.want_samples)) {
    fprintf(stderr,
            "fuzz_segjoin: the join of a damaged segment %d succeeded with less: %ld packets, "
            "%lld samples (whole: %ld, %lld)\n",
            k, packets, (long long)samples, sj.want_packets, (long long)sj.want_samples);
    abort();
  }
  snprintf(fz_summary, sizeof fz_summary, "join with segment %d replaced: %s", k,
           rc == ISO_OK ? "ok, whole" : err);
}

int fz_segjoin_one(const uint8_t *data, size_t size) {
  snprintf(fz_summary, sizeof fz_summary, "not run");
  if (size < 1 || setup() < 0) return 0;
  static const char *force;
  if (!force) force = getenv("FZ_SEGJOIN_PATH") ? getenv("FZ_SEGJOIN_PATH") : "";
  bool fast = !strcmp(force, "fast") || (strcmp(force, "join") && data[0] % 16 < 14);
  sj.runs[fast ? 0 : 1]++;
  if (fast)
    fast_path(data[0], data + 1, size - 1);
  else
    whole_join(data[0], data + 1, size - 1);
  return 0;
}

#ifdef FZ_SEGJOIN_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  av_log_set_level(AV_LOG_QUIET);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fz_segjoin_one(data, size);
}
#endif
