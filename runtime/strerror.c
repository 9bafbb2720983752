/* Human-readable text for the library's error codes. */
#include "isopipe/common.h"

const char *iso_strerror(int err) {
  switch (err) {
  case ISO_OK:
    return "success";
  case ISO_EINVAL:
    return "invalid argument";
  case ISO_ENOMEM:
    return "out of memory";
  case ISO_ECLOSED:
    return "port, link or worker closed";
  case ISO_EUNSENDABLE:
    return "message holds a value that cannot be sent";
  case ISO_ENOCREDIT:
    return "link has no credit";
  case ISO_EREMOTE:
    return "error raised in another isolate";
  case ISO_ENORESULT:
    return "isolate ended without a result";
  case ISO_ETIMEDOUT:
    return "timed out";
  case ISO_EKILLED:
    return "isolate was killed";
  case ISO_ESTATE:
    return "not allowed in this state";
  case ISO_EMEDIA:
    return "media library error";
  case ISO_ECANCELLED:
    return "cancelled";
  default:
    return "unknown error";
  }
}
