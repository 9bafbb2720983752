/* isopipe inside a GLib main loop (GTK's): a GSource watches iso_loop_fd and wakes by
 * iso_loop_deadline, so progress and the end arrive as the loop's own events: glib_loop IN OUT. */
#include <glib.h>
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <stdio.h>

typedef struct iso_source {
  GSource base;
  gpointer tag; /* iso_loop_fd's watch */
} iso_source;

/* Ready now, or the timeout GLib should sleep at most. */
static gboolean prepare(GSource *s, gint *timeout) {
  (void)s;
  *timeout = iso_loop_timeout_ms();
  return *timeout == 0;
}

static gboolean check(GSource *s) {
  iso_source *is = (iso_source *)s;
  return (g_source_query_unix_fd(s, is->tag) & G_IO_IN) || iso_loop_timeout_ms() == 0;
}

static gboolean dispatch(GSource *s, GSourceFunc cb, gpointer ud) {
  (void)s, (void)cb, (void)ud;
  iso_loop_dispatch();
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs iso_funcs = {prepare, check, dispatch, NULL, NULL, NULL};

static GMainLoop *loop;

static void on_progress(iso_pipeline *p, const iso_progress *g, void *ud) {
  (void)p, (void)ud;
  printf("progress %.2f s (%.0f %%)\n", g->position_s, g->percent);
}

static void on_done(iso_pipeline *p, int status, void *ud) {
  (void)ud;
  printf("done: %s\n", status == ISO_OK ? "ok" : iso_pipeline_error(p));
  g_main_loop_quit(loop);
}

/* A timer of the application's own, running alongside the transcode. */
static gboolean heartbeat(gpointer ud) {
  (*(int *)ud)++;
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
    return 2;
  }
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  loop = g_main_loop_new(NULL, FALSE);
  GSource *src = g_source_new(&iso_funcs, sizeof(iso_source));
  ((iso_source *)src)->tag = g_source_add_unix_fd(src, iso_loop_fd(), G_IO_IN);
  g_source_attach(src, NULL);
  int beats = 0;
  g_timeout_add(50, heartbeat, &beats);

  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", argv[1]);
  iso_pipeline_set(p, "o", argv[2]);
  iso_pipeline_set(p, "progress_period", "0.25");
  iso_pipeline_callbacks cb = {.on_progress = on_progress, .on_done = on_done};
  iso_pipeline_set_callbacks(p, &cb, NULL);
  if (iso_pipeline_start(p) != ISO_OK) {
    fprintf(stderr, "%s\n", iso_pipeline_error(p));
    return 1;
  }
  g_main_loop_run(loop);
  int st = iso_pipeline_status(p);
  printf("application timer ran %d times meanwhile\n", beats);
  iso_pipeline_free(p);
  g_source_destroy(src);
  g_source_unref(src);
  g_main_loop_unref(loop);
  iso_runtime_shutdown();
  return st == ISO_OK ? 0 : 1;
}
