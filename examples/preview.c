/* An export dialog's live preview: transcodes IN to OUT and keeps the latest preview picture (RGBA,
 * fitted into 320x180, at most 5 a second, on the main thread) as a GUI would paint it; at the end
 * it is saved as a PAM image: usage preview IN OUT PICTURE.pam. */
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct canvas {
  int width, height, pictures;
  double position_s;
  unsigned char *rgba;
} canvas;

/* On the main thread: copy the picture (it is valid during the call only). */
static void on_picture(iso_pipeline *p, const iso_preview_frame *f, void *ud) {
  (void)p;
  canvas *c = ud;
  unsigned char *px = realloc(c->rgba, (size_t)f->width * f->height * 4);
  if (!px) return;
  for (int y = 0; y < f->height; y++)
    memcpy(px + (size_t)y * f->width * 4, f->rgba + (size_t)y * f->stride, (size_t)f->width * 4);
  c->rgba = px;
  c->width = f->width;
  c->height = f->height;
  c->position_s = f->position_s;
  c->pictures++;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s IN OUT PICTURE.pam\n", argv[0]);
    return 2;
  }
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  iso_pipeline *p = iso_pipeline_new();
  iso_pipeline_set(p, "i", argv[1]);
  iso_pipeline_set(p, "o", argv[2]);
  canvas c = {0};
  iso_pipeline_set_preview(p, 320, 180, 5, on_picture, &c);
  int st = iso_pipeline_run(p);
  if (st != ISO_OK) fprintf(stderr, "%s\n", iso_pipeline_error(p));
  iso_pipeline_free(p);
  iso_runtime_shutdown();
  if (st == ISO_OK && c.pictures) {
    FILE *f = fopen(argv[3], "wb");
    if (f) {
      fprintf(f, "P7\nWIDTH %d\nHEIGHT %d\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n",
              c.width, c.height);
      fwrite(c.rgba, 4, (size_t)c.width * c.height, f);
      fclose(f);
    }
    printf("preview: %d pictures, the last %dx%d at %.2f s\n", c.pictures, c.width, c.height,
           c.position_s);
  }
  free(c.rgba);
  return st == ISO_OK ? 0 : 1;
}
