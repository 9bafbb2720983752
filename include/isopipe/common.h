/* Shared definitions of the public API: export macro, error codes, version. */
#ifndef ISOPIPE_COMMON_H
#define ISOPIPE_COMMON_H

#if defined(ISOPIPE_BUILD) && defined(__GNUC__)
#define ISO_API __attribute__((visibility("default")))
#else
#define ISO_API
#endif

#if defined(__GNUC__)
#define ISO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ISO_PRINTF(f, a)
#endif

#define ISO_VERSION_MAJOR 0
#define ISO_VERSION_MINOR 1
#define ISO_VERSION_PATCH 0
#define ISO_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  ISO_OK = 0,
  ISO_EINVAL = -1,      /* bad argument or option */
  ISO_ENOMEM = -2,      /* allocation failed */
  ISO_ECLOSED = -3,     /* port, link or worker closed */
  ISO_EUNSENDABLE = -4, /* message holds something that cannot travel */
  ISO_ENOCREDIT = -5,   /* link has no credit: wait for on_writable */
  ISO_EREMOTE = -6,     /* an error raised in another isolate */
  ISO_ENORESULT = -7,   /* an isolate ended without a result */
  ISO_ETIMEDOUT = -8,
  ISO_EKILLED = -9,     /* the isolate was killed */
  ISO_ESTATE = -10,     /* call not allowed in this state / on this isolate */
  ISO_EMEDIA = -11      /* FFmpeg reported an error (see the message) */
};

ISO_API const char *iso_strerror(int err);
ISO_API const char *iso_version(void);

#ifdef __cplusplus
}
#endif
#endif
