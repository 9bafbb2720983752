/* ffmpeg's -target (a VCD, SVCD, DVD or DV for PAL, NTSC or film): the option words it stands for.
 */
#include "tools/isopipe/cli_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/isopipe/cli_optdefs.h"

/*
 * ffmpeg sets two kinds of options for a target. The format, codecs, size,
 * rate, pixel format and audio rate are set where -target stands, so an
 * option given after it for the same stream wins. The encoder and muxer
 * settings (GOP, bit rates, VBV buffer, packet size, mux rate) only fill in
 * what the output's own options leave unset, wherever those stand: here
 * they are written at the start of the output's options, where any option
 * of the output comes after them and so wins.
 *
 * Without a "pal-", "ntsc-" or "film-" prefix ffmpeg guesses the norm from
 * the time base of the inputs' video streams, which a probe would have to
 * open; isopipe asks for the prefix, as ffmpeg does when its guess fails.
 */

typedef enum { NORM_PAL, NORM_NTSC, NORM_FILM } target_norm;

#define TARGET_MAX_WORDS 48

typedef struct target_words {
  const char *set[TARGET_MAX_WORDS]; /* where -target stands */
  int nset;
  const char *dflt[TARGET_MAX_WORDS]; /* at the start of the output's options */
  int ndflt;
} target_words;

static void put(const char **w, int *n, const char *opt, const char *val) {
  w[(*n)++] = opt;
  if (val) w[(*n)++] = val;
}

/* The words for target t ("dvd", "pal-vcd"...); 0, or 2 with err. */
static int target_words_for(const char *t, target_words *w, char *err, size_t en) {
  static const char *const rates[] = {"25", "30000/1001", "24000/1001"};
  target_norm norm;
  const char *kind = t;
  if (!strncmp(t, "pal-", 4))
    norm = NORM_PAL, kind = t + 4;
  else if (!strncmp(t, "ntsc-", 5))
    norm = NORM_NTSC, kind = t + 5;
  else if (!strncmp(t, "film-", 5))
    norm = NORM_FILM, kind = t + 5;
  else
    return cli_fail(err, en,
                    "option '-target %s': the norm cannot be told; write pal-%s, ntsc-%s or "
                    "film-%s",
                    t, t, t, t);
  bool pal = norm == NORM_PAL;
  const char *gop = pal ? "15" : "18";
  *w = (target_words){0};
  if (!strcmp(kind, "vcd")) {
    put(w->set, &w->nset, "-c:v", "mpeg1video");
    put(w->set, &w->nset, "-c:a", "mp2");
    put(w->set, &w->nset, "-f", "vcd");
    put(w->set, &w->nset, "-s", pal ? "352x288" : "352x240");
    put(w->set, &w->nset, "-r", rates[norm]);
    put(w->set, &w->nset, "-ar", "44100");
    put(w->set, &w->nset, "-ac", "2");
    /* The first packs hold padding: the data start after the SCR's
     * 36000 + 3 * 1200 ticks of 90 kHz. */
    put(w->set, &w->nset, "-muxpreload", "0.44");
    put(w->dflt, &w->ndflt, "-g", gop);
    put(w->dflt, &w->ndflt, "-b:v", "1150000");
    put(w->dflt, &w->ndflt, "-maxrate:v", "1150000");
    put(w->dflt, &w->ndflt, "-minrate:v", "1150000");
    put(w->dflt, &w->ndflt, "-bufsize:v", "327680");
    put(w->dflt, &w->ndflt, "-b:a", "224000");
    put(w->dflt, &w->ndflt, "-packetsize", "2324");
    put(w->dflt, &w->ndflt, "-muxrate", "1411200");
  } else if (!strcmp(kind, "svcd")) {
    put(w->set, &w->nset, "-c:v", "mpeg2video");
    put(w->set, &w->nset, "-c:a", "mp2");
    put(w->set, &w->nset, "-f", "svcd");
    put(w->set, &w->nset, "-s", pal ? "480x576" : "480x480");
    put(w->set, &w->nset, "-r", rates[norm]);
    put(w->set, &w->nset, "-pix_fmt", "yuv420p");
    put(w->set, &w->nset, "-ar", "44100");
    put(w->dflt, &w->ndflt, "-g", gop);
    put(w->dflt, &w->ndflt, "-b:v", "2040000");
    put(w->dflt, &w->ndflt, "-maxrate:v", "2516000");
    put(w->dflt, &w->ndflt, "-minrate:v", "0");
    put(w->dflt, &w->ndflt, "-bufsize:v", "1835008");
    put(w->dflt, &w->ndflt, "-scan_offset", "1");
    put(w->dflt, &w->ndflt, "-b:a", "224000");
    put(w->dflt, &w->ndflt, "-packetsize", "2324");
  } else if (!strcmp(kind, "dvd")) {
    put(w->set, &w->nset, "-c:v", "mpeg2video");
    put(w->set, &w->nset, "-c:a", "ac3");
    put(w->set, &w->nset, "-f", "dvd");
    put(w->set, &w->nset, "-s", pal ? "720x576" : "720x480");
    put(w->set, &w->nset, "-r", rates[norm]);
    put(w->set, &w->nset, "-pix_fmt", "yuv420p");
    put(w->set, &w->nset, "-ar", "48000");
    put(w->dflt, &w->ndflt, "-g", gop);
    put(w->dflt, &w->ndflt, "-b:v", "6000000");
    put(w->dflt, &w->ndflt, "-maxrate:v", "9000000");
    put(w->dflt, &w->ndflt, "-minrate:v", "0");
    put(w->dflt, &w->ndflt, "-bufsize:v", "1835008");
    /* A DVD sector holds one 2048-byte pack. */
    put(w->dflt, &w->ndflt, "-packetsize", "2048");
    put(w->dflt, &w->ndflt, "-muxrate", "10080000");
    put(w->dflt, &w->ndflt, "-b:a", "448000");
  } else if (!strncmp(kind, "dv", 2)) {
    /* "dv", "dv50" and whatever else starts so, as ffmpeg reads it. */
    put(w->set, &w->nset, "-f", "dv");
    put(w->set, &w->nset, "-s", pal ? "720x576" : "720x480");
    put(w->set, &w->nset, "-pix_fmt",
        !strncmp(kind, "dv50", 4) ? "yuv422p"
        : pal                     ? "yuv420p"
                                  : "yuv411p");
    put(w->set, &w->nset, "-r", rates[norm]);
    put(w->set, &w->nset, "-ar", "48000");
    put(w->set, &w->nset, "-ac", "2");
  } else {
    return cli_fail(err, en,
                    "option '-target %s': unknown target (vcd, svcd, dvd, dv or dv50, after pal-, "
                    "ntsc- or film-)",
                    t);
  }
  return 0;
}

/* How many words after tok belong to it: a table option's value, an
 * AVOption's, none for a flag or a file name. */
int cli_target_expand(int argc, char **argv, char ***out, int *outc, char *err, size_t en) {
  *out = NULL;
  *outc = argc;
  int targets = 0;
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "-target")) targets++;
  if (!targets) return 0;
  size_t cap = (size_t)argc + (size_t)targets * 2 * TARGET_MAX_WORDS + 1;
  char **w = calloc(cap, sizeof *w);
  if (!w) return cli_fail(err, en, "out of memory");
  int n = 0, group = 1; /* where the current output's options start in w */
  w[n++] = argv[0];
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-target") && i + 1 < argc) {
      target_words tw;
      int rc = target_words_for(argv[i + 1], &tw, err, en);
      if (rc) {
        free(w);
        return rc;
      }
      memmove(w + group + tw.ndflt, w + group, (size_t)(n - group) * sizeof *w);
      for (int k = 0; k < tw.ndflt; k++)
        w[group + k] = (char *)tw.dflt[k];
      n += tw.ndflt;
      for (int k = 0; k < tw.nset; k++)
        w[n++] = (char *)tw.set[k];
      i++;
      continue;
    }
    int vals = cli_value_words(a);
    w[n++] = argv[i];
    for (int k = 0; k < vals && i + 1 < argc; k++)
      w[n++] = argv[++i];
    /* A file name ends an output's options; -i's value an input's. */
    if (a[0] != '-' || a[1] == '\0' || !strcmp(a, "-i")) group = n;
  }
  w[n] = NULL;
  *out = w;
  *outc = n;
  return 0;
}
