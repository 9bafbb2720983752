/* Custom I/O: the caller's iso_io callbacks behind an AVIOContext, and iso_io over a file
 * descriptor. */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codecs/cx_internal.h"

#define CX_IO_BUF 65536

typedef struct cx_io_ctx {
  iso_io io;
  int (*interrupt)(void *);
  void *interrupt_opaque;
} cx_io_ctx;

/* EAGAIN from the caller: wait a moment, unless the run is being
 * cancelled. Returns true to call again. */
static bool again(cx_io_ctx *c, int r) {
  if (r != -EAGAIN && r != -EINTR && r != -EWOULDBLOCK) return false;
  if (c->interrupt && c->interrupt(c->interrupt_opaque)) return false;
  struct timespec ts = {0, 2000000};
  nanosleep(&ts, NULL);
  return true;
}

static int io_read(void *opaque, uint8_t *buf, int size) {
  cx_io_ctx *c = opaque;
  /* A cancelled reader does not call the source again: demuxers retry
   * after errors (matroska once per byte), and each retry would be one
   * more call of a possibly blocking callback between the cancel and the
   * end of the run. */
  if (c->interrupt && c->interrupt(c->interrupt_opaque)) return AVERROR_EXIT;
  for (;;) {
    int r = c->io.read(c->io.opaque, buf, size);
    if (r > 0) return r > size ? size : r;
    if (r == 0) return AVERROR_EOF;
    if (!again(c, r)) return r == -EAGAIN || r == -EINTR ? AVERROR_EXIT : r;
  }
}

/* libavformat hands over a buffer and expects all of it taken. */
/* FFmpeg 5.1 declares the buffer non-const. */
static int io_write(void *opaque, uint8_t *buf, int size) {
  cx_io_ctx *c = opaque;
  int done = 0;
  while (done < size) {
    int r = c->io.write(c->io.opaque, buf + done, size - done);
    if (r > 0) {
      done += r > size - done ? size - done : r;
      continue;
    }
    if (r == 0) r = -EIO; /* a sink that takes nothing and says no more */
    if (!again(c, r)) return r == -EAGAIN || r == -EINTR ? AVERROR_EXIT : r;
  }
  return size;
}

static int64_t io_seek(void *opaque, int64_t offset, int whence) {
  cx_io_ctx *c = opaque;
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return c->io.seek(c->io.opaque, 0, ISO_SEEK_SIZE);
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return AVERROR(EINVAL);
  return c->io.seek(c->io.opaque, offset, whence);
}

AVIOContext *cx_io_open(const iso_io *io, bool write, int (*interrupt)(void *), void *opaque) {
  if (!io || (write ? !io->write : !io->read)) return NULL;
  cx_io_ctx *c = av_mallocz(sizeof *c);
  uint8_t *buf = av_malloc(CX_IO_BUF);
  AVIOContext *pb = NULL;
  if (c && buf) {
    c->io = *io;
    c->interrupt = interrupt;
    c->interrupt_opaque = opaque;
    pb = avio_alloc_context(buf, CX_IO_BUF, write, c, write ? NULL : io_read,
                            write ? io_write : NULL, io->seek ? io_seek : NULL);
  }
  if (!pb) {
    av_free(buf);
    av_free(c);
    return NULL;
  }
  pb->seekable = io->seek ? AVIO_SEEKABLE_NORMAL : 0;
  return pb;
}

void cx_io_close(AVIOContext **pb) {
  if (!pb || !*pb) return;
  if ((*pb)->write_flag) avio_flush(*pb);
  av_freep(&(*pb)->opaque);
  av_freep(&(*pb)->buffer);
  avio_context_free(pb);
}

/* ---- iso_io over a file descriptor ---------------------------------------------- */

static int fd_read(void *opaque, uint8_t *buf, int size) {
  ssize_t r = read((int)(intptr_t)opaque, buf, (size_t)size);
  return r >= 0 ? (int)r : -errno;
}

static int fd_write(void *opaque, const uint8_t *buf, int size) {
  ssize_t r = write((int)(intptr_t)opaque, buf, (size_t)size);
  return r >= 0 ? (int)r : -errno;
}

static int64_t fd_seek(void *opaque, int64_t offset, int whence) {
  int fd = (int)(intptr_t)opaque;
  if (whence == ISO_SEEK_SIZE) {
    struct stat sb;
    return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -ENOSYS;
  }
  off_t r = lseek(fd, (off_t)offset, whence);
  return r >= 0 ? (int64_t)r : -errno;
}

int iso_io_from_fd(iso_io *io, int fd) {
  if (!io || fd < 0) return ISO_EINVAL;
  *io = (iso_io){fd_read, fd_write, NULL, (void *)(intptr_t)fd};
  struct stat sb;
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) io->seek = fd_seek;
  return ISO_OK;
}
