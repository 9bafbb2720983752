/* av_log forwarding: stage threads send their lines to main as messages; only main prints. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/bprint.h>

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"

/* Lines from threads that are no isolate (FFmpeg's codec worker threads)
 * cannot send: they wait in this queue until main's next tick. */
typedef struct pl_log_line {
  struct pl_log_line *next;
  uint64_t id; /* the pipeline it belongs to; 0 unknown */
  int level;
  char text[];
} pl_log_line;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_refs;
static iso_pipeline *g_pipes[64];
static uint64_t g_ids[64]; /* each live pipeline's log id */
static int g_npipes;
static uint64_t g_next_id;
static pl_log_line *g_head, *g_tail;
static int g_queued;

static _Thread_local pl_stage *tl_stage;
static _Thread_local AVBPrint *tl_capture;
/* Main is running a pipeline's own code (start, its messages, its tick):
 * FFmpeg lines on main are that pipeline's, any others the host's. */
static _Thread_local iso_pipeline *tl_main_pipe;
/* The host's own callback (iso_set_ffmpeg_log_callback): FFmpeg has no call
 * that returns the one installed, so the host says which it is. */
static void (*g_host)(void *, int, const char *, va_list);
static _Thread_local char tl_buf[2048];
static _Thread_local size_t tl_len;
static _Thread_local int tl_prefix = 1;
static _Thread_local char tl_err[512];
/* pl_log_hold's count on this thread: a pipeline starting, whose lines go
 * to the host's callback until it takes its own (pl_log_acquire). */
static _Thread_local int tl_hold;

void pl_log_error_clear(void) {
  tl_err[0] = 0;
}

const char *pl_log_error_first(void) {
  return tl_err;
}

/* Keeps this thread's first error line since the last clear, prefixed with the reporting
 * context's name (libavfilter's "Parsed_crop_1") but not its address. */
static void keep_error(void *avcl, int level, const char *fmt, va_list vl) {
  char line[sizeof tl_err];
  int prefix = 1;
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &prefix);
  va_end(copy);
  char *at = strstr(line, " @ 0x");
  if (at) {
    char *end = strchr(at, ']');
    if (end) memmove(at, end, strlen(end) + 1);
  }
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = 0;
  /* The first line is the cause; later ones say what failed because of it. */
  if (n && !tl_err[0]) memcpy(tl_err, line, n + 1);
}

void pl_log_capture(AVBPrint *bp) {
  tl_capture = bp;
}

void pl_log_set_stage(pl_stage *st) {
  tl_stage = st;
  /* Codecs opened now carry the pipeline's id to their worker threads. */
  cx_log_tag_set(st ? (void *)(uintptr_t)st->cfg.log_id : NULL);
}

/* The pipeline a line from a thread that is no isolate belongs to: FFmpeg's
 * codec worker threads log with (a copy of) a codec context whose opaque
 * holds the id its stage gave it; 0 when unknown. */
static uint64_t line_owner(void *avcl) {
  if (!avcl) return 0;
  const AVClass *cls = *(const AVClass **)avcl;
  if (cls != avcodec_get_class()) return 0;
  return (uint64_t)(uintptr_t)cx_codec_log_tag((const AVCodecContext *)avcl);
}

iso_pipeline *pl_log_main_enter(iso_pipeline *p) {
  iso_pipeline *prev = tl_main_pipe;
  tl_main_pipe = p;
  return prev;
}

void iso_set_ffmpeg_log_callback(void (*cb)(void *avcl, int level, const char *fmt, va_list vl)) {
  pthread_mutex_lock(&g_lock);
  g_host = cb;
  /* Not forwarding now: the host's goes in at once. */
  if (g_refs == 0) av_log_set_callback(cb ? cb : av_log_default_callback);
  pthread_mutex_unlock(&g_lock);
}

static void host_log(void *avcl, int level, const char *fmt, va_list vl) {
  pthread_mutex_lock(&g_lock);
  void (*cb)(void *, int, const char *, va_list) = g_host;
  pthread_mutex_unlock(&g_lock);
  if (cb)
    cb(avcl, level, fmt, vl);
  else
    av_log_default_callback(avcl, level, fmt, vl);
}

/* The pipeline main-thread lines go to: the most recent one still alive. */
static iso_pipeline *main_target(void) {
  iso_pipeline *p = NULL;
  pthread_mutex_lock(&g_lock);
  if (g_npipes) p = g_pipes[g_npipes - 1];
  pthread_mutex_unlock(&g_lock);
  return p;
}

static void emit(void *avcl, int level, const char *line) {
  pl_stage *st = tl_stage;
  if (st && st->cfg.main_sp) {
    pl_msg *m = pl_msg_new(PL_M_LOG);
    if (!m) return;
    m->text = strdup(line);
    m->level = level;
    m->stage = st->cfg.self;
    pl_msg_send(st->cfg.main_sp, m);
    return;
  }
  if (iso_is_main()) {
    iso_pipeline *p = tl_main_pipe ? tl_main_pipe : main_target();
    if (p) pl_pipeline_deliver_log(p, level, "main", line);
    return;
  }
  size_t n = strlen(line);
  pl_log_line *l = malloc(sizeof *l + n + 1);
  if (!l) return;
  l->next = NULL;
  l->id = line_owner(avcl);
  l->level = level;
  memcpy(l->text, line, n + 1);
  pthread_mutex_lock(&g_lock);
  if (g_queued < 1000) {
    if (g_tail)
      g_tail->next = l;
    else
      g_head = l;
    g_tail = l;
    g_queued++;
    l = NULL;
  }
  pthread_mutex_unlock(&g_lock);
  free(l);
}

/* Whether p takes lines: between its pl_log_acquire and pl_log_release. */
static bool registered(const iso_pipeline *p) {
  bool found = false;
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < g_npipes && !found; i++)
    found = g_pipes[i] == p;
  pthread_mutex_unlock(&g_lock);
  return found;
}

static void log_cb(void *avcl, int level, const char *fmt, va_list vl) {
  int sys_errno = errno; /* what FFmpeg's last call on this thread left, before ours */
  if (level <= AV_LOG_ERROR) cx_log_error_seen(sys_errno);
  /* A checking graph's filters closing: ffmpeg builds no such graph, and a
   * program reading their lines (LibreTime takes the first track_gain)
   * would read the wrong ones. */
  if (level > AV_LOG_WARNING && cx_log_quiet()) return;
  if (tl_capture && level == AV_LOG_INFO) {
    av_vbprintf(tl_capture, fmt, vl);
    return;
  }
  if (!tl_stage && iso_is_main() && (!tl_main_pipe || (tl_hold && !registered(tl_main_pipe)))) {
    /* The host's own FFmpeg calls on main, between pipeline events. */
    host_log(avcl, level, fmt, vl);
    return;
  }
  if (level <= AV_LOG_ERROR) {
    keep_error(avcl, level, fmt, vl);
    cx_dec_log_note(avcl, fmt, sys_errno);
  }
  if (level > av_log_get_level()) return;
  char part[1024];
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, part, sizeof part, &tl_prefix);
  va_end(copy);
  size_t n = strlen(part);
  if (tl_len + n >= sizeof tl_buf) n = sizeof tl_buf - 1 - tl_len;
  memcpy(tl_buf + tl_len, part, n);
  tl_len += n;
  tl_buf[tl_len] = 0;
  if (tl_len == 0 || (tl_buf[tl_len - 1] != '\n' && tl_len < sizeof tl_buf - 1)) return;
  while (tl_len && (tl_buf[tl_len - 1] == '\n' || tl_buf[tl_len - 1] == '\r'))
    tl_buf[--tl_len] = 0;
  if (tl_len) emit(avcl, level, tl_buf);
  tl_len = 0;
  tl_buf[0] = 0;
}

uint64_t pl_log_acquire(iso_pipeline *p) {
  pthread_mutex_lock(&g_lock);
  if (g_refs++ == 0) {
    av_log_set_callback(log_cb);
  }
  uint64_t id = ++g_next_id;
  if (g_npipes < (int)(sizeof g_pipes / sizeof g_pipes[0])) {
    g_ids[g_npipes] = id;
    g_pipes[g_npipes++] = p;
  }
  pthread_mutex_unlock(&g_lock);
  return id;
}

static void unref(void);

void pl_log_hold(void) {
  tl_hold++;
  pthread_mutex_lock(&g_lock);
  if (g_refs++ == 0) av_log_set_callback(log_cb);
  pthread_mutex_unlock(&g_lock);
}

void pl_log_release(iso_pipeline *p) {
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < g_npipes; i++)
    if (g_pipes[i] == p) {
      memmove(&g_pipes[i], &g_pipes[i + 1], (size_t)(g_npipes - i - 1) * sizeof g_pipes[0]);
      memmove(&g_ids[i], &g_ids[i + 1], (size_t)(g_npipes - i - 1) * sizeof g_ids[0]);
      g_npipes--;
      break;
    }
  pthread_mutex_unlock(&g_lock);
  unref();
}

void pl_log_unhold(void) {
  if (tl_hold) tl_hold--;
  unref();
}

/* One user fewer: the last puts the host's callback back. */
static void unref(void) {
  pthread_mutex_lock(&g_lock);
  pl_log_line *drop = NULL;
  if (--g_refs == 0) {
    av_log_set_callback(g_host ? g_host : av_log_default_callback);
    drop = g_head;
    g_head = g_tail = NULL;
    g_queued = 0;
  }
  pthread_mutex_unlock(&g_lock);
  while (drop) {
    pl_log_line *n = drop->next;
    free(drop);
    drop = n;
  }
}

static bool live_id(uint64_t id) {
  for (int i = 0; i < g_npipes; i++)
    if (g_ids[i] == id) return true;
  return false;
}

void pl_log_drain(iso_pipeline *p, uint64_t id) {
  /* p takes its own lines; those of no live pipeline go to the newest, as
   * lines logged on main do. Other pipelines' lines wait for their tick. */
  pl_log_line *mine = NULL, **tail = &mine;
  pthread_mutex_lock(&g_lock);
  bool newest = g_npipes && g_pipes[g_npipes - 1] == p;
  pl_log_line **at = &g_head, *last = NULL;
  while (*at) {
    pl_log_line *l = *at;
    if (l->id == id || (newest && !live_id(l->id))) {
      *at = l->next;
      g_queued--;
      l->next = NULL;
      *tail = l;
      tail = &l->next;
    } else {
      last = l;
      at = &l->next;
    }
  }
  g_tail = last;
  pthread_mutex_unlock(&g_lock);
  while (mine) {
    pl_log_line *n = mine->next;
    pl_pipeline_deliver_log(p, mine->level, "codec", mine->text);
    free(mine);
    mine = n;
  }
}
