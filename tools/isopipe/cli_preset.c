/* ffmpeg's preset files (-vpre, -apre, -spre NAME and -fpre FILE): their key=value lines written
 * out as the options they stand for. */
#include "tools/isopipe/cli_preset.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/isopipe/cli_optdefs.h"

/* Where ffmpeg looks for NAME.ffpreset and CODEC-NAME.ffpreset, in order:
 * $FFMPEG_DATADIR, ~/.ffmpeg, then its build's data directory (Debian's
 * holds the libvpx presets). */
#define PRESET_SYSTEM_DIR "/usr/share/ffmpeg"
#define PRESET_MAX_BYTES (64 * 1024)
#define PRESET_LINE_MAX 1000

typedef struct words {
  char **w;
  int n, cap;
  char **own; /* the strings this expansion made */
  int nown, capown;
} words;

/* Room for one more word in *arr (capacity *cap, *n used). */
static int grow(char ***arr, int *cap, int n) {
  if (n + 2 <= *cap) return 0;
  int c = *cap ? *cap * 2 : 64;
  char **a = realloc(*arr, (size_t)c * sizeof *a);
  if (!a) return -1;
  *arr = a;
  *cap = c;
  return 0;
}

static int push(words *ws, char *s, bool owned) {
  if (grow(&ws->w, &ws->cap, ws->n) < 0) return -1;
  if (owned) {
    if (grow(&ws->own, &ws->capown, ws->nown) < 0) return -1;
    ws->own[ws->nown++] = s;
  }
  ws->w[ws->n++] = s;
  return 0;
}

static int push_copy(words *ws, const char *s, size_t len) {
  char *c = malloc(len + 1);
  if (!c) return -1;
  memcpy(c, s, len);
  c[len] = 0;
  if (push(ws, c, true) < 0) {
    free(c);
    return -1;
  }
  return 0;
}

static FILE *open_preset(const char *name, bool is_path, const char *codec, char *path, size_t n) {
  if (is_path) {
    snprintf(path, n, "%s", name);
    return fopen(path, "r");
  }
  const char *env = getenv("FFMPEG_DATADIR"), *home = getenv("HOME");
  const char *base[3] = {env, home, PRESET_SYSTEM_DIR};
  for (int i = 0; i < 3; i++) {
    if (!base[i]) continue;
    const char *sub = i == 1 ? "/.ffmpeg" : "";
    snprintf(path, n, "%s%s/%s.ffpreset", base[i], sub, name);
    FILE *f = fopen(path, "r");
    if (!f && codec) {
      snprintf(path, n, "%s%s/%s-%s.ffpreset", base[i], sub, codec, name);
      f = fopen(path, "r");
    }
    if (f) return f;
  }
  return NULL;
}

/* One line's option words: the codec keys are -vcodec and its kin; any other
 * key is an option of the preset's stream type (-b:v 2M), or of every
 * stream for -fpre, as ffmpeg applies a preset's keys. */
static int line_words(words *ws, const char *file, char *line, char type, char *err, size_t en) {
  line[strcspn(line, "\r\n")] = 0;
  if (!line[0] || line[0] == '#') return 0;
  char *eq = strchr(line, '=');
  if (!eq || eq == line || !eq[1]) return cli_fail(err, en, "%s: invalid syntax: '%s'", file, line);
  *eq = 0;
  const char *key = line, *value = eq + 1;
  char opt[160];
  const cli_optdef *d = cli_optdef_find(key);
  bool av = !d && cli_is_avoption(key);
  /* "vprofile": an option of one stream type, which the parser reads so. */
  if (!d && !av && !cli_typed_avoption(key))
    return cli_fail(err, en, "%s: invalid option '%s' (line '%s=%s')", file, key, key, value);
  if (type && ((d && (d->flags & CO_SPEC)) || av))
    snprintf(opt, sizeof opt, "-%s:%c", key, type);
  else
    snprintf(opt, sizeof opt, "-%s", key);
  if (push_copy(ws, opt, strlen(opt)) < 0 || push_copy(ws, value, strlen(value)) < 0)
    return cli_fail(err, en, "out of memory");
  return 0;
}

static int preset_words(words *ws, const char *opt, const char *name, const char *codec, char *err,
                        size_t en) {
  bool is_path = opt[1] == 'f';
  char type = is_path ? 0 : opt[1];
  char path[4096];
  FILE *f = open_preset(name, is_path, codec, path, sizeof path);
  if (!f) {
    if (is_path) return cli_fail(err, en, "option '%s %s': cannot read the file", opt, name);
    return cli_fail(err, en,
                    "option '%s %s': no preset file %s.ffpreset%s%s%s%s%s in $FFMPEG_DATADIR, "
                    "~/.ffmpeg or " PRESET_SYSTEM_DIR,
                    opt, name, name, codec ? " or " : "", codec ? codec : "", codec ? "-" : "",
                    codec ? name : "", codec ? ".ffpreset" : "");
  }
  char line[PRESET_LINE_MAX];
  size_t total = 0;
  int rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    total += strlen(line);
    if (total > PRESET_MAX_BYTES)
      rc = cli_fail(err, en, "%s: larger than %d bytes", path, PRESET_MAX_BYTES);
    else
      rc = line_words(ws, path, line, type, err, en);
  }
  fclose(f);
  return rc;
}

static bool is_preset_opt(const char *a) {
  return !strcmp(a, "-vpre") || !strcmp(a, "-apre") || !strcmp(a, "-spre") || !strcmp(a, "-fpre");
}

/* The stream type a codec option names: "-c:v", "-vcodec", "-codec:a"... 'c'
 * for every type ("-c", "-codec"); 0 for none. */
static char codec_type(const char *a) {
  if (!strcmp(a, "-vcodec")) return 'v';
  if (!strcmp(a, "-acodec")) return 'a';
  if (!strcmp(a, "-scodec")) return 's';
  const char *rest = !strncmp(a, "-codec", 6) ? a + 6 : !strncmp(a, "-c", 2) ? a + 2 : NULL;
  if (!rest) return 0;
  if (!*rest) return 'c';
  if (rest[0] == ':' && strchr("vas", rest[1]) && !rest[2]) return rest[1];
  return 0;
}

void cli_preset_free(char **argv, char **owned, int nowned) {
  for (int i = 0; i < nowned; i++)
    free(owned[i]);
  free(owned);
  free(argv);
}

int cli_preset_expand(int argc, char **argv, cli_preset_out *out, char *err, size_t en) {
  memset(out, 0, sizeof *out);
  out->argc = argc;
  bool any = false;
  for (int i = 1; i + 1 < argc && !any; i++)
    any = is_preset_opt(argv[i]);
  if (!any) return 0;
  words ws = {0};
  const char *codec[3] = {NULL, NULL, NULL}; /* v, a, s of the current file */
  int rc = push(&ws, argv[0], false) < 0 ? cli_fail(err, en, "out of memory") : 0;
  for (int i = 1; !rc && i < argc; i++) {
    const char *a = argv[i];
    if (is_preset_opt(a) && i + 1 < argc) {
      int t = a[1] == 'v' ? 0 : a[1] == 'a' ? 1 : a[1] == 's' ? 2 : -1;
      rc = preset_words(&ws, a, argv[++i], t >= 0 ? codec[t] : NULL, err, en);
      continue;
    }
    char ct = codec_type(a);
    if (ct && i + 1 < argc) {
      for (int t = 0; t < 3; t++)
        if (ct == 'c' || ct == "vas"[t]) codec[t] = argv[i + 1];
    }
    int vals = cli_value_words(a);
    if (push(&ws, argv[i], false) < 0) rc = cli_fail(err, en, "out of memory");
    for (int k = 0; !rc && k < vals && i + 1 < argc; k++)
      if (push(&ws, argv[++i], false) < 0) rc = cli_fail(err, en, "out of memory");
    /* A file name ends an output's options; -i's value an input's. */
    if (a[0] != '-' || a[1] == '\0' || !strcmp(a, "-i")) codec[0] = codec[1] = codec[2] = NULL;
  }
  if (rc) {
    cli_preset_free(ws.w, ws.own, ws.nown);
    return rc;
  }
  ws.w[ws.n] = NULL;
  out->argv = ws.w;
  out->argc = ws.n;
  out->owned = ws.own;
  out->nowned = ws.nown;
  return 0;
}
