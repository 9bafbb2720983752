/* Printing of the CLI's units: times, ETAs, byte counts, bit rates (their parsing is the
 * library's grammar, pipeline/pl_units.h). */
#ifndef ISOPIPE_CLI_UNITS_H
#define ISOPIPE_CLI_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "HH:MM:SS.cc" (negative or unknown -> "--:--:--.--"). Returns buf. */
char *cli_fmt_time(double s, char *buf, size_t n);
/* Whole seconds for an ETA: "1:05", "1:02:03". Returns buf. */
char *cli_fmt_eta(double s, char *buf, size_t n);
/* Bytes with a binary unit: "512B", "1.2KiB", "34.5MiB". Returns buf. */
char *cli_fmt_bytes(uint64_t b, char *buf, size_t n);
/* Bit rate in kbit/s: "950.3kbit/s", "2.35Mbit/s"; unknown -> "N/A". */
char *cli_fmt_kbps(double kbps, char *buf, size_t n);

#endif
