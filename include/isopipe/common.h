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
  ISO_EKILLED = -9,    /* the isolate was killed */
  ISO_ESTATE = -10,    /* call not allowed in this state / on this isolate */
  ISO_EMEDIA = -11,    /* FFmpeg reported an error (see the message) */
  ISO_ECANCELLED = -12 /* the caller cancelled the pipeline */
};

ISO_API const char *iso_strerror(int err);

/* What kind of failure, for a caller that reacts differently to each (ask
 * the user for another file, retry later, report a bug...). */
typedef enum iso_error_category {
  ISO_ERRCAT_NONE = 0,        /* no error */
  ISO_ERRCAT_INPUT_NOT_FOUND, /* the input does not exist (or its directory) */
  ISO_ERRCAT_INPUT_ACCESS,    /* the input exists but cannot be opened (permission, protocol) */
  ISO_ERRCAT_INPUT_READ,      /* reading the input failed (I/O error, network) */
  ISO_ERRCAT_UNSUPPORTED,     /* no demuxer, decoder, encoder or muxer for it */
  ISO_ERRCAT_CORRUPT,         /* the input's data is invalid or truncated */
  ISO_ERRCAT_NO_DATA,         /* the input holds nothing to transcode */
  ISO_ERRCAT_OUTPUT_EXISTS,   /* the output exists and overwriting was not allowed */
  ISO_ERRCAT_OUTPUT_WRITE,    /* creating or writing the output failed (disk full, permission) */
  ISO_ERRCAT_INVALID_OPTION,  /* an option or its value was refused */
  ISO_ERRCAT_CANCELLED,       /* the caller cancelled */
  ISO_ERRCAT_TIMEOUT,         /* stages did not stop in time after an abort */
  ISO_ERRCAT_RESOURCE,        /* out of memory or threads */
  ISO_ERRCAT_INTERNAL         /* anything else (a bug: please report it) */
} iso_error_category;

/* A failure in structured form. Strings point into the object that failed
 * (a pipeline, or the error filled by iso_probe) and live as long as it. */
typedef struct iso_error_info {
  iso_error_category category;
  int code;            /* ISO_* */
  int av_error;        /* FFmpeg's AVERROR (negative), 0 when none applies */
  const char *stage;   /* "demux", "encode:v", "mux#1", "pipeline", "probe" */
  const char *file;    /* the input or output the stage works on; "" none */
  const char *message; /* one line: "demux (in.mp4): No such file or directory" */
} iso_error_info;

/* "input not found", "unsupported", ... */
ISO_API const char *iso_error_category_name(iso_error_category c);
ISO_API const char *iso_version(void);

#ifdef __cplusplus
}
#endif
#endif
