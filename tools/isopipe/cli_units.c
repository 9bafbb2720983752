/* Printing of the CLI's units: times, ETAs, byte counts, bit rates. */
#include "tools/isopipe/cli_units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_fmt_time(double s, char *buf, size_t n) {
  if (!(s >= 0) || s > 3.6e8) {
    snprintf(buf, n, "--:--:--.--");
    return buf;
  }
  long long cs = llround(s * 100.0);
  snprintf(buf, n, "%02lld:%02lld:%02lld.%02lld", cs / 360000, cs / 6000 % 60, cs / 100 % 60,
           cs % 100);
  return buf;
}

char *cli_fmt_eta(double s, char *buf, size_t n) {
  if (!(s >= 0) || s > 3.6e8) {
    snprintf(buf, n, "--:--");
    return buf;
  }
  long long t = llround(s);
  if (t >= 3600)
    snprintf(buf, n, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, n, "%lld:%02lld", t / 60, t % 60);
  return buf;
}

char *cli_fmt_bytes(uint64_t b, char *buf, size_t n) {
  static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (b < 1024) {
    snprintf(buf, n, "%uB", (unsigned)b);
    return buf;
  }
  double v = (double)b / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 3) {
    v /= 1024.0;
    u++;
  }
  snprintf(buf, n, v < 100 ? "%.1f%s" : "%.0f%s", v, units[u]);
  return buf;
}

char *cli_fmt_kbps(double kbps, char *buf, size_t n) {
  if (!(kbps >= 0) || isinf(kbps))
    snprintf(buf, n, "N/A");
  else if (kbps >= 10000)
    snprintf(buf, n, "%.2fMbit/s", kbps / 1000.0);
  else
    snprintf(buf, n, "%.1fkbit/s", kbps);
  return buf;
}
