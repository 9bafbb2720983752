/* A host application's own poll() loop drives isopipe through iso_loop_fd and iso_loop_timeout_ms
 * (as a GLib GSource, a Qt QSocketNotifier or a libuv poll handle would), with a second thread
 * that may cancel: usage poll_loop IN OUT [cancel-after-seconds]. */
#define _POSIX_C_SOURCE 200809L
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void on_progress(iso_pipeline *p, const iso_progress *g, void *ud) {
  (void)p, (void)ud;
  printf("progress %.2f s of %.2f s (%.0f %%)\n", g->position_s, g->duration_s, g->percent);
}

static void *canceller(void *arg) {
  iso_pipeline *p = arg;
  const char *after = getenv("POLL_LOOP_CANCEL_AFTER");
  double s = after ? atof(after) : 0;
  struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
  iso_pipeline_cancel(p, ISO_CANCEL_GRACEFUL); /* safe from any thread */
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
    return 2;
  }
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", argv[1]);
  iso_pipeline_set(p, "o", argv[2]);
  iso_pipeline_set(p, "progress_period", "0.5");
  iso_pipeline_callbacks cb = {.on_progress = on_progress};
  iso_pipeline_set_callbacks(p, &cb, NULL);
  if (iso_pipeline_start(p) != ISO_OK) {
    fprintf(stderr, "%s\n", iso_pipeline_error(p));
    return 1;
  }
  pthread_t th;
  int cancelling = getenv("POLL_LOOP_CANCEL_AFTER") != NULL;
  if (cancelling) pthread_create(&th, NULL, canceller, p);
  struct pollfd pfd = {iso_loop_fd(), POLLIN, 0};
  int wakes = 0;
  while (!iso_pipeline_done(p)) {
    /* ... the application's own descriptors would be polled here too ... */
    if (poll(&pfd, 1, iso_loop_timeout_ms()) > 0) wakes++;
    iso_loop_dispatch();
  }
  if (cancelling) pthread_join(th, NULL);
  iso_error_info e;
  int st = iso_pipeline_error_info(p, &e);
  printf("done: %s (%s) after %d fd wakes\n", st == ISO_OK ? "ok" : e.message,
         iso_error_category_name(e.category), wakes);
  iso_pipeline_free(p);
  iso_runtime_shutdown();
  return st == ISO_OK || st == ISO_ECANCELLED ? 0 : 1;
}
