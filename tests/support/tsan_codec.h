/* TSan suppressions for tests that drive the codec layer from a single thread. */
#ifndef ISOPIPE_TSAN_CODEC_H
#define ISOPIPE_TSAN_CODEC_H

/* ThreadSanitizer cannot see the atomics inside the (uninstrumented) FFmpeg
 * libraries, so frame-threaded decoding and encoding look racy to it. A test
 * that drives the codec layer from one thread only would see nothing but
 * FFmpeg-internal reports. A macro, not a helper in the shared library:
 * pipeline tests, where isolates share frames, must still get every report,
 * and only the tests that expand it define the hook. */
#define TM_TSAN_CODEC_ONLY()                                                                       \
  const char *__tsan_default_suppressions(void);                                                   \
  const char *__tsan_default_suppressions(void) {                                                  \
    return "race:libavcodec.so\nrace:libavutil.so\nrace:libswresample.so\n"                        \
           "race:libswscale.so\nrace:libx264.so\nrace:libx265.so\nrace:libvpx.so\n"                \
           "race:libdav1d.so\n";                                                                   \
  }

#endif
