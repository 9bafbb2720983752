/* Pipeline tests: custom I/O, input and output through the caller's callbacks (memory, fds). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_need.h"
#include "test_pipeline_util.h"

/* A byte buffer read or written at a position, as a file would be. */
typedef struct mem {
  uint8_t *data;
  int64_t size, cap, pos;
  int fail_read_at;            /* > 0: -EIO once pos reaches it */
  int fail_write_at;           /* > 0: -ENOSPC once size would pass it */
  int stall_after;             /* > 0: -EAGAIN for ever once pos reaches it */
  int stall_ms;                /* each stalled call blocks this long before its -EAGAIN */
  int stalls, post_at;         /* stalled is posted at stall post_at (default 20) */
  iso_pipeline *cancel;        /* cancelled from the callback after a few stalls */
  sem_t *stalled;              /* posted at the 20th stall (a canceller thread waits) */
  atomic_int reads_after_done; /* calls made once the run had returned */
  atomic_int active;           /* calls in progress */
  atomic_bool done;
  int calls;
} mem;

static int mem_read_at(mem *m, uint8_t *buf, int n);

static int mem_read(void *o, uint8_t *buf, int n) {
  mem *m = o;
  atomic_fetch_add(&m->active, 1);
  int r = mem_read_at(m, buf, n);
  atomic_fetch_sub(&m->active, 1);
  return r;
}

static int mem_read_at(mem *m, uint8_t *buf, int n) {
  m->calls++;
  if (atomic_load(&m->done)) atomic_fetch_add(&m->reads_after_done, 1);
  if (m->fail_read_at > 0 && m->pos >= m->fail_read_at) return -EIO;
  if (m->stall_after > 0 && m->pos >= m->stall_after) {
    /* A peer that went silent: the run is cancelled from another thread
     * than main (this one, the demux's, or a third) while the read keeps
     * waiting. */
    ++m->stalls;
    if (m->stalls == 20 && m->cancel) iso_pipeline_cancel(m->cancel, ISO_CANCEL_NOW);
    if (m->stalled && m->stalls == (m->post_at ? m->post_at : 20)) sem_post(m->stalled);
    if (m->stall_ms > 0) {
      struct timespec ts = {m->stall_ms / 1000, (m->stall_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
    return -EAGAIN;
  }
  int64_t left = m->size - m->pos;
  if (left <= 0) return 0;
  if (n > left) n = (int)left;
  /* Short reads, as a socket gives them. */
  if (n > 3000) n = 3000;
  memcpy(buf, m->data + m->pos, (size_t)n);
  m->pos += n;
  return n;
}

static int mem_write(void *o, const uint8_t *buf, int n) {
  mem *m = o;
  m->calls++;
  if (m->fail_write_at > 0 && m->pos + n > m->fail_write_at) return -ENOSPC;
  if (m->pos + n > m->cap) {
    int64_t cap = (m->pos + n) * 2;
    uint8_t *d = realloc(m->data, (size_t)cap);
    if (!d) return -ENOMEM;
    m->data = d;
    m->cap = cap;
  }
  memcpy(m->data + m->pos, buf, (size_t)n);
  m->pos += n;
  if (m->pos > m->size) m->size = m->pos;
  return n;
}

static int64_t mem_seek(void *o, int64_t off, int whence) {
  mem *m = o;
  if (whence == ISO_SEEK_SIZE) return m->size;
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  if (base + off < 0) return -EINVAL;
  m->pos = base + off;
  return m->pos;
}

static void mem_load(mem *m, const char *path) {
  memset(m, 0, sizeof *m);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  m->size = m->cap = ftell(f);
  fseek(f, 0, SEEK_SET);
  m->data = malloc((size_t)m->size);
  assert_non_null(m->data);
  assert_int_equal(fread(m->data, 1, (size_t)m->size, f), (size_t)m->size);
  fclose(f);
}

static void mem_save(const mem *m, const char *path) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(m->data, 1, (size_t)m->size, f), (size_t)m->size);
  fclose(f);
}

static bool files_equal(const char *a, const char *b) {
  mem x, y;
  mem_load(&x, a);
  mem_load(&y, b);
  bool eq = x.size == y.size && memcmp(x.data, y.data, (size_t)x.size) == 0;
  free(x.data);
  free(y.data);
  return eq;
}

/* Runs kv with the given custom input / output (either may be NULL). */
static int run_io(tp_run *r, const char *const *kv, const iso_io *in, const iso_io *out,
                  mem *stall) {
  tp_init(r);
  iso_pipeline *p = tp_make(r, kv);
  assert_non_null(p);
  if (in) assert_int_equal(iso_pipeline_set_input_io(p, in), ISO_OK);
  if (out) assert_int_equal(iso_pipeline_set_output_io(p, 0, out), ISO_OK);
  if (stall) stall->cancel = p;
  int st = iso_pipeline_run(p);
  if (st != ISO_OK && !r->error[0] && iso_pipeline_error(p))
    snprintf(r->error, sizeof r->error, "%s", iso_pipeline_error(p));
  iso_error_info ei;
  iso_pipeline_error_info(p, &ei);
  r->category = ei.category;
  iso_pipeline_free(p);
  return st;
}

/* Memory in, memory out (both seekable): the MP4 is byte for byte the one
 * written to a file by the same run from the file. */
static void t_memory_roundtrip_equals_file(void **state) {
  (void)state;
  char in[1024], fout[1024], mout[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(fout, sizeof fout, tp_dir(), "file.mp4");
  tm_path(mout, sizeof mout, tp_dir(), "mem.mp4");
  tp_run r;
  const char *kf[] = {"i", in, "o", fout, "c", "copy", NULL};
  assert_int_equal(run_io(&r, kf, NULL, NULL, NULL), ISO_OK);

  mem src, dst = {0};
  mem_load(&src, in);
  iso_io ii = {mem_read, NULL, mem_seek, &src}, oo = {NULL, mem_write, mem_seek, &dst};
  const char *km[] = {"o", "upload.mp4", "c", "copy", NULL};
  if (run_io(&r, km, &ii, &oo, NULL) != ISO_OK) fail_msg("%s", r.error);
  assert_true(dst.size > 0);
  mem_save(&dst, mout);
  assert_true(files_equal(fout, mout));
  free(src.data);
  free(dst.data);
}

/* A pipe-like input (no seek) transcoded into a write-only sink: MKV needs
 * no seek; every frame arrives. */
static void t_unseekable_transcode(void **state) {
  (void)state;
  char in[1024], out[1024];
  tp_media("clip-vp9-opus.webm", in, sizeof in);
  mem src, dst = {0};
  mem_load(&src, in);
  iso_io ii = {mem_read, NULL, NULL, &src}, oo = {NULL, mem_write, NULL, &dst};
  const char *kv[] = {"f", "matroska", "c:v", "mpeg4", "c:a", "flac", NULL};
  tp_run r;
  if (run_io(&r, kv, &ii, &oo, NULL) != ISO_OK) fail_msg("%s", r.error);
  tm_path(out, sizeof out, tp_dir(), "sink.mkv");
  mem_save(&dst, out);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 60);
  assert_true(tm_probe_stream(&p, AVMEDIA_TYPE_AUDIO)->samples > 0);
  free(src.data);
  free(dst.data);
}

/* MP4 into a sink that cannot seek: refused with the reason and the way
 * out; fragmented MP4 then works. */
static void t_mp4_needs_seek(void **state) {
  (void)state;
  char in[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  mem dst = {0};
  iso_io oo = {NULL, mem_write, NULL, &dst};
  const char *kv[] = {"i", in, "o", "out.mp4", "c", "copy", NULL};
  tp_run r;
  assert_int_not_equal(run_io(&r, kv, NULL, &oo, NULL), ISO_OK);
  if (!strstr(r.error, "seek") || !strstr(r.error, "frag_keyframe"))
    fail_msg("unclear error: %s", r.error);
  const char *kf[] = {"i", in, "o", "out.mp4", "c", "copy", "movflags", "frag_keyframe+empty_moov",
                      NULL};
  dst.size = dst.pos = 0;
  if (run_io(&r, kf, NULL, &oo, NULL) != ISO_OK) fail_msg("%s", r.error);
  assert_true(dst.size > 1000);
  /* faststart rereads the file by name: refused for a custom output, with
   * the reason, even a seekable one. */
  iso_io os = {NULL, mem_write, mem_seek, &dst};
  const char *kq[] = {"i", in, "o", "out.mp4", "c", "copy", "movflags", "+faststart", NULL};
  dst.size = dst.pos = 0;
  assert_int_not_equal(run_io(&r, kq, NULL, &os, NULL), ISO_OK);
  if (!strstr(r.error, "faststart")) fail_msg("unclear error: %s", r.error);
  free(dst.data);
}

/* Errors of the callbacks: an input that fails at once is the input's
 * read error; a full sink is the output's write error, naming mux. */
static void t_callback_errors(void **state) {
  (void)state;
  char in[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  mem src, dst = {0};
  mem_load(&src, in);
  src.fail_read_at = 1;
  iso_io ii = {mem_read, NULL, mem_seek, &src};
  const char *kv[] = {"o", "x.mkv", "c", "copy", NULL};
  tp_run r;
  iso_io sink = {NULL, mem_write, NULL, &dst};
  assert_int_not_equal(run_io(&r, kv, &ii, &sink, NULL), ISO_OK);
  if (!strstr(r.error, "demux")) fail_msg("error names no stage: %s", r.error);

  src.fail_read_at = 0;
  src.pos = 0;
  dst.fail_write_at = 20000;
  iso_io oo = {NULL, mem_write, NULL, &dst};
  const char *kt[] = {"o", "x.mkv", "c:v", "mpeg4", "c:a", "aac", NULL};
  assert_int_not_equal(run_io(&r, kt, &ii, &oo, NULL), ISO_OK);
  assert_int_equal(r.category, ISO_ERRCAT_OUTPUT_WRITE);
  if (!strstr(r.error, "mux")) fail_msg("error names no mux: %s", r.error);
  free(src.data);
  free(dst.data);
}

/* A source that stalls (EAGAIN for ever) after part of the file: a cancel
 * from another thread ends the run at once, without waiting for data. */
static void t_stalled_input_cancel(void **state) {
  (void)state;
  char in[1024];
  tp_media("clip-vp9-opus.webm", in, sizeof in);
  mem src, dst = {0};
  mem_load(&src, in);
  src.stall_after = (int)(src.size / 2);
  iso_io ii = {mem_read, NULL, NULL, &src}, oo = {NULL, mem_write, NULL, &dst};
  const char *kv[] = {"f", "matroska", "c", "copy", NULL};
  tp_run r;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  run_io(&r, kv, &ii, &oo, &src);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  assert_true(src.stalls >= 20);
  assert_int_equal(r.category, ISO_ERRCAT_CANCELLED);
  /* Bounded by the cancel, not by a data timeout (none exists). */
  if (s > 10) fail_msg("the stalled run took %.1f s to end", s);
  free(src.data);
  free(dst.data);
}

/* A third thread, neither main nor the demux, cancels once the source has
 * stalled 20 times. */
typedef struct canceller {
  sem_t stalled;
  iso_pipeline *p;
  iso_cancel_mode how;
} canceller;

static void *cancel_when_stalled(void *arg) {
  canceller *c = arg;
  while (sem_wait(&c->stalled) != 0 && errno == EINTR) {
  }
  if (c->p) iso_pipeline_cancel(c->p, c->how);
  return NULL;
}

/* The same stall while the demux is still opening the input (probing its
 * first bytes), cancelled from a third thread: the run ends cancelled, and
 * only once the demux has let go of the callbacks (none is called after
 * iso_pipeline_run returns, nothing is freed twice). A blocking callback
 * (stall_ms) delays the end by at most one call. */
static void stalled_open(int stall_ms, int post_at, iso_cancel_mode how) {
  char in[1024];
  tp_media("clip-vp9-opus.webm", in, sizeof in);
  mem src, dst = {0};
  mem_load(&src, in);
  src.stall_after = 1; /* the first read gives 3000 bytes, then nothing */
  src.stall_ms = stall_ms;
  src.post_at = post_at;
  canceller c = {.how = how};
  assert_int_equal(sem_init(&c.stalled, 0, 0), 0);
  src.stalled = &c.stalled;
  iso_io ii = {mem_read, NULL, NULL, &src}, oo = {NULL, mem_write, NULL, &dst};
  const char *kv[] = {"f", "matroska", "c", "copy", NULL};
  tp_run r;
  tp_init(&r);
  iso_pipeline *p = tp_make(&r, kv);
  assert_non_null(p);
  assert_int_equal(iso_pipeline_set_input_io(p, &ii), ISO_OK);
  assert_int_equal(iso_pipeline_set_output_io(p, 0, &oo), ISO_OK);
  c.p = p;
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, cancel_when_stalled, &c), 0);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  int st = iso_pipeline_run(p);
  clock_gettime(CLOCK_MONOTONIC, &b);
  atomic_store(&src.done, true);
  int active = atomic_load(&src.active);
  pthread_join(th, NULL);
  iso_error_info ei;
  iso_pipeline_error_info(p, &ei);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  iso_pipeline_free(p);
  assert_int_equal(st, ISO_ECANCELLED);
  assert_int_equal(ei.category, ISO_ERRCAT_CANCELLED);
  assert_true(src.stalls >= (post_at ? post_at : 20));
  /* Not while the demux was still inside the callback either. */
  assert_int_equal(active, 0);
  assert_int_equal(r.done_calls, 1);
  assert_int_equal(dst.size, 0); /* nothing was opened, nothing written */
  if (getenv("TP_VERBOSE"))
    fprintf(stderr, "stall_ms %d: %.2f s, %d stalls\n", stall_ms, s, src.stalls);
  /* At most the call in progress: the demuxer's retries call no more. */
  if (s > 3 + stall_ms / 1000.0) fail_msg("the stalled open took %.1f s to end", s);
  /* The demux isolate is gone, not left behind in the callback: the
   * caller may free the source now. */
  struct timespec ts = {0, 50000000};
  nanosleep(&ts, NULL);
  assert_int_equal(atomic_load(&src.reads_after_done), 0);
  sem_destroy(&c.stalled);
  free(src.data);
  free(dst.data);
}

static void t_stalled_open_cancel_other_thread(void **state) {
  (void)state;
  stalled_open(0, 0, ISO_CANCEL_NOW);
  stalled_open(0, 0, ISO_CANCEL_GRACEFUL);
}

/* Callbacks that block: 30 ms each (the run ends after the one in
 * progress, not after each retry of the demuxer), and one that blocks
 * beyond the pipeline's give-up (4 s after the abort): the run ends after
 * it returns, never while it is still inside it. */
static void t_blocking_open_cancel_other_thread(void **state) {
  (void)state;
  stalled_open(30, 0, ISO_CANCEL_NOW);
  stalled_open(4300, 1, ISO_CANCEL_NOW);
}

/* Writes a file into a pipe, as another process would, then closes it. */
typedef struct feeder {
  int fd;
  const char *path;
} feeder;

static void *feed(void *arg) {
  feeder *f = arg;
  FILE *in = fopen(f->path, "rb");
  char buf[8192];
  size_t n;
  while (in && (n = fread(buf, 1, sizeof buf, in)) > 0)
    if (write(f->fd, buf, n) != (ssize_t)n) break;
  if (in) fclose(in);
  close(f->fd);
  return NULL;
}

/* iso_io_from_fd: a pipe (no seek) in, a regular file (seek) out. */
static void t_fd(void **state) {
  (void)state;
  char in[1024], out[1024];
  tp_media("clip-vp9-opus.webm", in, sizeof in);
  tm_path(out, sizeof out, tp_dir(), "fd.mp4");
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  feeder f = {fds[1], in};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, feed, &f), 0);
  int ofd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
  assert_true(ofd >= 0);
  iso_io ii, oo;
  assert_int_equal(iso_io_from_fd(&ii, fds[0]), ISO_OK);
  assert_int_equal(iso_io_from_fd(&oo, ofd), ISO_OK);
  assert_null(ii.seek);
  assert_non_null(oo.seek);
  assert_int_equal(iso_io_from_fd(&ii, -1), ISO_EINVAL);
  assert_int_equal(iso_io_from_fd(&ii, fds[0]), ISO_OK);
  const char *kv[] = {"o", "fd.mp4", "c:v", "mpeg4", "c:a", "aac", NULL};
  tp_run r;
  if (run_io(&r, kv, &ii, &oo, NULL) != ISO_OK) fail_msg("%s", r.error);
  pthread_join(th, NULL);
  close(fds[0]);
  close(ofd);
  tm_probe p;
  assert_int_equal(tm_probe_file(out, true, &p), 0);
  assert_int_equal(tm_probe_stream(&p, AVMEDIA_TYPE_VIDEO)->frames, 60);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t_memory_roundtrip_equals_file),
      cmocka_unit_test(t_unseekable_transcode),
      cmocka_unit_test(t_mp4_needs_seek),
      cmocka_unit_test(t_callback_errors),
      cmocka_unit_test(t_stalled_input_cancel),
      cmocka_unit_test(t_stalled_open_cancel_other_thread),
      cmocka_unit_test(t_blocking_open_cancel_other_thread),
      cmocka_unit_test(t_fd),
  };
  return tm_exit(cmocka_run_group_tests(tests, tp_setup_dir, tp_teardown_dir));
}
