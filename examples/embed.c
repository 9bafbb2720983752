/* Embedding isopipe: transcode a file with progress on stderr, in about thirty lines. */
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <stdio.h>

static void on_progress(iso_pipeline *p, const iso_progress *g, void *ud) {
  (void)p, (void)ud;
  if (g->finished || g->ticks % 30 == 0)
    fprintf(stderr, "\r%6.2f s  %5.1f %%  %.1fx%s", g->position_s, g->percent, g->speed,
            g->finished ? "\n" : "");
}

static void on_error(iso_pipeline *p, const char *stage, const char *msg, void *ud) {
  (void)p, (void)stage, (void)ud;
  fprintf(stderr, "embed: %s\n", msg);
}

int main(int argc, char **argv) {
  if (argc < 3) return fprintf(stderr, "usage: embed IN OUT [c:v] [c:a]\n"), 2;
  iso_runtime_init(ISO_MODE_THREADS);
  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", argv[1]);
  iso_pipeline_set(p, "o", argv[2]);
  if (argc > 3) iso_pipeline_set(p, "c:v", argv[3]);
  if (argc > 4) iso_pipeline_set(p, "c:a", argv[4]);
  iso_pipeline_callbacks cb = {.on_progress = on_progress, .on_error = on_error};
  iso_pipeline_set_callbacks(p, &cb, NULL);
  int status = iso_pipeline_run(p);
  if (status != ISO_OK && iso_pipeline_error(p))
    fprintf(stderr, "embed: %s\n", iso_pipeline_error(p));
  iso_pipeline_free(p);
  iso_runtime_shutdown();
  return status == ISO_OK ? 0 : 1;
}
