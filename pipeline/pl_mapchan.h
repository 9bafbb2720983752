/* -map_channel: an output audio stream made of chosen channels of its input, as ffmpeg 5.1's pan.
 */
#ifndef ISOPIPE_PL_MAPCHAN_H
#define ISOPIPE_PL_MAPCHAN_H

#include <stddef.h>

#include "pipeline/pl_internal.h"

/* Appends one -map_channel value (FILE.STREAM.CHANNEL or -1) to *list
 * ("F.S.C" words joined by spaces); ISO_EINVAL with err for any other form. */
int pl_mapchan_add(char **list, const char *v, char *err, size_t n);
/* Each entry of list against the inputs: an audio stream and one of its channels. */
int pl_mapchan_check(const char *list, const pl_input_info *info, char *err, size_t n);
/* The pan filter ffmpeg 5.1 puts after the chain of an output audio stream
 * made from in (its entries naming another stream are not its own), or
 * NULL when none applies; *oom when out of memory. */
char *pl_mapchan_pan(const char *list, const pl_stream_info *in, bool *oom);

#endif
