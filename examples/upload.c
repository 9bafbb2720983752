/* An upload processor's worker: bytes in memory in, bytes in memory out, through iso_io callbacks
 * (no temporary file, pipe or memfd): usage upload IN OUT.mp4 reads IN as the request body would
 * arrive and writes the MP4 it built in memory to OUT as a response or a storage put would. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <isopipe/isolate.h>
#include <isopipe/pipeline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A byte buffer with a position: the body of the request, or the answer. */
typedef struct buffer {
  uint8_t *data;
  int64_t size, cap, pos;
} buffer;

static int body_read(void *opaque, uint8_t *buf, int size) {
  buffer *b = opaque;
  int64_t left = b->size - b->pos;
  if (left <= 0) return 0; /* the end of the body */
  int n = size < left ? size : (int)left;
  memcpy(buf, b->data + b->pos, (size_t)n);
  b->pos += n;
  return n;
}

static int answer_write(void *opaque, const uint8_t *buf, int size) {
  buffer *b = opaque;
  if (b->pos + size > b->cap) {
    int64_t cap = (b->pos + size) * 2;
    uint8_t *d = realloc(b->data, (size_t)cap);
    if (!d) return -ENOMEM;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->pos, buf, (size_t)size);
  b->pos += size;
  if (b->pos > b->size) b->size = b->pos;
  return size;
}

/* MP4 writes its index at the end and goes back to fix sizes: it needs a
 * seekable output. */
static int64_t buffer_seek(void *opaque, int64_t offset, int whence) {
  buffer *b = opaque;
  if (whence == ISO_SEEK_SIZE) return b->size;
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? b->pos : b->size;
  if (base + offset < 0) return -EINVAL;
  b->pos = base + offset;
  return b->pos;
}

static int load(const char *path, buffer *b) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  b->size = b->cap = ftell(f);
  fseek(f, 0, SEEK_SET);
  b->data = malloc(b->size ? (size_t)b->size : 1);
  size_t got = b->data ? fread(b->data, 1, (size_t)b->size, f) : 0;
  fclose(f);
  return got == (size_t)b->size ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s IN OUT.mp4\n", argv[0]);
    return 2;
  }
  buffer body = {0}, answer = {0};
  if (load(argv[1], &body) != 0) {
    fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 1;
  }
  if (iso_runtime_init(ISO_MODE_THREADS) != ISO_OK) return 1;
  iso_pipeline *p = iso_pipeline_new();
  iso_io in = {.read = body_read, .seek = buffer_seek, .opaque = &body};
  iso_io out = {.write = answer_write, .seek = buffer_seek, .opaque = &answer};
  iso_pipeline_set_input_io(p, &in);
  iso_pipeline_set_output_io(p, 0, &out);
  /* The names only label messages and pick the output format. */
  iso_pipeline_set(p, "i", "upload");
  iso_pipeline_set(p, "o", "answer.mp4");
  iso_pipeline_set(p, "c:v", "libx264");
  iso_pipeline_set(p, "preset", "veryfast");
  iso_pipeline_set(p, "c:a", "aac");
  int st = iso_pipeline_run(p);
  if (st != ISO_OK) {
    iso_error_info e;
    iso_pipeline_error_info(p, &e);
    fprintf(stderr, "%s [%s]\n", e.message, iso_error_category_name(e.category));
  } else {
    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(answer.data, 1, (size_t)answer.size, f) != (size_t)answer.size) st = -1;
    if (f) fclose(f);
    printf("done: %lld bytes in, %lld bytes out\n", (long long)body.size, (long long)answer.size);
  }
  iso_pipeline_free(p);
  iso_runtime_shutdown();
  free(body.data);
  free(answer.data);
  return st == ISO_OK ? 0 : 1;
}
