/* Parsing and printing of the CLI's units: times, bit rates, sizes, counts, frame sizes. */
#ifndef ISOPIPE_CLI_UNITS_H
#define ISOPIPE_CLI_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "90", "1:02.5", "01:02:03.25", "1.5s", "1500ms", "250000us" -> seconds.
 * Returns 0, or -1 with a short reason in *why. Negative values are refused. */
int cli_parse_time(const char *s, double *out, const char **why);

/* "128000", "128k", "2M", "1.5M", "1G", "64Ki" -> units (SI k = 1000,
 * binary Ki = 1024, like ffmpeg). Returns 0 or -1 with *why. */
int cli_parse_size(const char *s, uint64_t *out, const char **why);

/* A whole number in [min, max]. Returns 0 or -1 with *why. */
int cli_parse_int(const char *s, long min, long max, long *out, const char **why);

/* A positive number: "30", "29.97", "30000/1001", or "ntsc"/"pal"/"film". */
int cli_parse_rate(const char *s, double *out, const char **why);

/* "1280x720" or an abbreviation ("hd720", "vga"...). Returns 0 or -1. */
int cli_parse_wxh(const char *s, int *w, int *h, const char **why);

/* "HH:MM:SS.cc" (negative or unknown -> "--:--:--.--"). Returns buf. */
char *cli_fmt_time(double s, char *buf, size_t n);
/* Whole seconds for an ETA: "1:05", "1:02:03". Returns buf. */
char *cli_fmt_eta(double s, char *buf, size_t n);
/* Bytes with a binary unit: "512B", "1.2KiB", "34.5MiB". Returns buf. */
char *cli_fmt_bytes(uint64_t b, char *buf, size_t n);
/* Bit rate in kbit/s: "950.3kbit/s", "2.35Mbit/s"; unknown -> "N/A". */
char *cli_fmt_kbps(double kbps, char *buf, size_t n);

#endif
