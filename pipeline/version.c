/* The library's version string. */
#include "isopipe/common.h"

const char *iso_version(void) { return ISO_VERSION_STRING; }
