/* Smallest consumer of an installed isopipe: links, starts the runtime, makes a pipeline. */
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <stdio.h>
int main(void) {
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  iso_pipeline *p = iso_pipeline_new();
  printf("isopipe %s, pipeline %p\n", iso_version(), (void *)p);
  iso_pipeline_free(p);
  iso_runtime_shutdown();
  return 0;
}
