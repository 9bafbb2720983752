/* The option value grammar the library and the CLI share: times, bit rates and sizes, whole
 * numbers, frame rates and frame sizes, each refused with a short reason. */
#ifndef ISOPIPE_PL_UNITS_H
#define ISOPIPE_PL_UNITS_H

#include <stdint.h>

/* "90", "1:02.5", "01:02:03.25", "1.5s", "1500ms", "250000us" -> seconds.
 * 0, or -1 with a short reason in *why. Negative values are refused. */
int pl_units_time(const char *s, double *out, const char **why);
/* The same in microseconds, rounded. */
int pl_units_time_us(const char *s, int64_t *us, const char **why);

/* "128000", "128k", "2M", "1.5M", "1G", "64Ki", "1MB" -> units (SI k = 1000,
 * binary Ki = 1024, B = bytes as 8 bits, like ffmpeg). 0 or -1 with *why. */
int pl_units_size(const char *s, uint64_t *out, const char **why);

/* A whole number in [min, max], "2.0" as 2. 0 or -1 with *why. */
int pl_units_int(const char *s, long min, long max, long *out, const char **why);

/* A positive frame rate as libavutil reads it: "30", "29.97", "30000/1001",
 * "ntsc", "pal", "film"... 0 or -1 with *why. */
int pl_units_rate(const char *s, int *num, int *den, const char **why);

/* "1280x720" or libavutil's abbreviations ("hd720", "vga"...), each side
 * 1..32768. 0 or -1 with *why. */
int pl_units_wxh(const char *s, int *w, int *h, const char **why);

#endif
