/* Custom I/O: a pipeline reads its input or writes an output through the caller's callbacks. */
#ifndef ISOPIPE_IO_H
#define ISOPIPE_IO_H

#include <stdint.h>

#include "isopipe/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* iso_io.seek's whence asking for the total size instead of moving
 * (FFmpeg's AVSEEK_SIZE). */
#define ISO_SEEK_SIZE 0x10000

/*
 * Bytes from memory, a socket, an upload or a database blob instead of a
 * URL. The pipeline calls these from one of its worker isolates (the demux
 * for the input, that output's mux), never two at once for one iso_io, and
 * not after its done callback; opaque must stay valid until then.
 *
 * Return values are counts or negative errno values (-EIO, -ENOSPC ...),
 * which become the run's error (category input read / output write).
 * A callback must not block for long: a cancel cannot interrupt it. A source
 * or sink with nothing to give or take right now returns -EAGAIN: the
 * pipeline waits a moment and calls again, unless the run was cancelled
 * meanwhile, so a stalled peer never holds a cancel.
 */
typedef struct iso_io {
  /* Input: up to size bytes into buf; the count (> 0), 0 at the end. */
  int (*read)(void *opaque, uint8_t *buf, int size);
  /* Output: the first n <= size bytes of buf taken (> 0). */
  int (*write)(void *opaque, const uint8_t *buf, int size);
  /* Optional, NULL when the bytes cannot be revisited: as lseek (SEEK_SET,
   * SEEK_CUR, SEEK_END) returning the new position, or with ISO_SEEK_SIZE
   * the total size (negative when unknown). An output without it cannot be
   * MP4 unless fragmented (movflags frag_keyframe+empty_moov); MKV, WebM,
   * MPEG-TS, Ogg, FLAC, MP3 and NUT need none. An input without it cannot
   * be an MP4 whose index is at the end. */
  int64_t (*seek)(void *opaque, int64_t offset, int whence);
  void *opaque;
} iso_io;

/* Fills io to use fd (read, write, lseek when fd is seekable; a
 * non-blocking fd's EAGAIN waits as above). The caller keeps and closes
 * fd. Returns ISO_OK or ISO_EINVAL for a negative fd. */
ISO_API int iso_io_from_fd(iso_io *io, int fd);

#ifdef __cplusplus
}
#endif

#endif
