/* Command-line parsing: ffmpeg-style options turned into pipeline settings and CLI choices. */
#include "tools/isopipe/cli_args.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isopipe/common.h"
#include "tools/isopipe/cli_units.h"

/* How an option's value is checked before it reaches the pipeline: the
 * pipeline checks again, but a usage error caught here names the option as
 * the user typed it. */
typedef enum {
  K_STR,     /* passed as is */
  K_FLAG,    /* no value; key = "1" */
  K_TIME,    /* normalised to seconds */
  K_BITRATE, /* normalised to bits/s */
  K_COUNT,   /* whole number in [min, max] */
  K_NUMBER,  /* non-negative decimal */
  K_RATE,    /* frame rate */
  K_WXH,     /* normalised to WxH */
  K_KV,      /* "key=value" */
  K_THREADS, /* whole number or "auto" */
  K_CODEC,   /* -c: sets both c:v and c:a */
  K_SPECIAL  /* handled by name in parse_one() */
} kind;

typedef struct optdef {
  const char *name; /* without the leading dash(es) */
  const char *key;  /* pipeline key; NULL for CLI-only options */
  kind k;
  long min, max;
} optdef;

static const optdef opts_table[] = {
    {"i", NULL, K_SPECIAL, 0, 0},
    {"y", NULL, K_SPECIAL, 0, 0},
    {"n", NULL, K_SPECIAL, 0, 0},
    {"f", NULL, K_SPECIAL, 0, 0},
    {"c", NULL, K_CODEC, 0, 0},
    {"codec", NULL, K_CODEC, 0, 0},
    {"c:v", "c:v", K_STR, 0, 0},
    {"codec:v", "c:v", K_STR, 0, 0},
    {"vcodec", "c:v", K_STR, 0, 0},
    {"c:a", "c:a", K_STR, 0, 0},
    {"codec:a", "c:a", K_STR, 0, 0},
    {"acodec", "c:a", K_STR, 0, 0},
    {"b:v", "b:v", K_BITRATE, 0, 0},
    {"b", "b:v", K_BITRATE, 0, 0},
    {"vb", "b:v", K_BITRATE, 0, 0},
    {"b:a", "b:a", K_BITRATE, 0, 0},
    {"ab", "b:a", K_BITRATE, 0, 0},
    {"crf", "crf", K_NUMBER, 0, 0},
    {"preset", "preset", K_STR, 0, 0},
    {"g", "g", K_COUNT, 0, 100000000},
    {"frames:v", "frames:v", K_COUNT, 1, 2147483647},
    {"vframes", "frames:v", K_COUNT, 1, 2147483647},
    {"threads", "threads", K_THREADS, 0, 1024},
    {"s", "s", K_WXH, 0, 0},
    {"vf", "vf", K_STR, 0, 0},
    {"filter:v", "vf", K_STR, 0, 0},
    {"r", "r", K_RATE, 0, 0},
    {"fps_mode", "fps_mode", K_STR, 0, 0},
    {"fps_mode:v", "fps_mode", K_STR, 0, 0},
    {"vsync", "vsync", K_STR, 0, 0},
    {"ar", "ar", K_COUNT, 1, 4000000},
    {"ac", "ac", K_COUNT, 1, 64},
    {"sample_fmt", "sample_fmt", K_STR, 0, 0},
    {"pix_fmt", "pix_fmt", K_STR, 0, 0},
    {"an", "an", K_FLAG, 0, 0},
    {"vn", "vn", K_FLAG, 0, 0},
    {"sn", "sn", K_FLAG, 0, 0},
    {"map", "map", K_STR, 0, 0},
    {"ss", "ss", K_TIME, 0, 0},
    {"t", "t", K_TIME, 0, 0},
    {"to", "to", K_TIME, 0, 0},
    {"metadata", "metadata", K_KV, 0, 0},
    {"progress", NULL, K_SPECIAL, 0, 0},
    {"stats_period", NULL, K_SPECIAL, 0, 0},
    {"loglevel", NULL, K_SPECIAL, 0, 0},
    {"v", NULL, K_SPECIAL, 0, 0},
    {"hide_banner", NULL, K_SPECIAL, 0, 0},
    {"nostdin", NULL, K_SPECIAL, 0, 0},
    {"stats", NULL, K_SPECIAL, 0, 0},
    {"nostats", NULL, K_SPECIAL, 0, 0},
    {"h", NULL, K_SPECIAL, 0, 0},
    {"help", NULL, K_SPECIAL, 0, 0},
    {"version", NULL, K_SPECIAL, 0, 0},
    {"fail_fast", "fail_fast", K_FLAG, 0, 0},
    /* Long options: ours, not ffmpeg's. */
    {"-queue", "queue", K_COUNT, 1, 256},
    {"-inline", NULL, K_SPECIAL, 0, 0},
    {"-version", NULL, K_SPECIAL, 0, 0},
    {"-help", NULL, K_SPECIAL, 0, 0},
    {"-stats", NULL, K_SPECIAL, 0, 0},
    {"-trace", NULL, K_SPECIAL, 0, 0},
    {"-profile", NULL, K_SPECIAL, 0, 0},
    {"-fail-fast", "fail_fast", K_FLAG, 0, 0},
};

static const optdef *find_opt(const char *name) {
  for (size_t i = 0; i < sizeof opts_table / sizeof opts_table[0]; i++)
    if (strcmp(opts_table[i].name, name) == 0) return &opts_table[i];
  return NULL;
}

static int takes_value(const optdef *d) {
  if (d->k == K_FLAG) return 0;
  if (d->k != K_SPECIAL) return 1;
  static const char *with_value[] = {"i",        "f", "progress", "stats_period",
                                     "loglevel", "v", "-stats",   "-trace"};
  for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
    if (strcmp(d->name, with_value[i]) == 0) return 1;
  return 0;
}

static int fail(char *err, size_t n, const char *fmt, ...) ISO_PRINTF(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return 2;
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) {
    fputs("isopipe: out of memory\n", stderr);
    exit(1);
  }
  return d;
}

static void set_str(char **slot, const char *v) {
  free(*slot);
  *slot = xstrdup(v);
}

static void add_kv(cli_opts *o, const char *opt, const char *key, const char *value) {
  if (o->nkv == o->kv_cap) {
    size_t cap = o->kv_cap ? o->kv_cap * 2 : 16;
    cli_kv *kv = realloc(o->kv, cap * sizeof *kv);
    if (!kv) {
      fputs("isopipe: out of memory\n", stderr);
      exit(1);
    }
    o->kv = kv;
    o->kv_cap = cap;
  }
  cli_kv *e = &o->kv[o->nkv++];
  e->key = xstrdup(key);
  e->value = xstrdup(value);
  e->opt = xstrdup(opt);
  e->before_input = o->input == NULL;
}

int cli_parse_loglevel(const char *s, int *level) {
  static const struct {
    const char *name;
    int level;
  } names[] = {{"quiet", -8}, {"panic", 0},    {"fatal", 8},  {"error", 16}, {"warning", 24},
               {"info", 32},  {"verbose", 40}, {"debug", 48}, {"trace", 56}};
  /* ffmpeg's flag prefixes ("repeat+", "level+") change nothing here. */
  const char *plus = strrchr(s, '+');
  if (plus) s = plus + 1;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(s, names[i].name) == 0) {
      *level = names[i].level;
      return 0;
    }
  }
  long v;
  const char *why;
  if (cli_parse_int(s, -8, 64, &v, &why) == 0) {
    *level = (int)v;
    return 0;
  }
  return -1;
}

/* A passed-through AVOption name: letters, digits and _ - : only. */
static int plausible_avoption(const char *name) {
  if (!isalpha((unsigned char)name[0])) return 0;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != ':') return 0;
  return 1;
}

static int check_value(const optdef *d, const char *opt, const char *v, char *norm, size_t nn,
                       char *err, size_t en) {
  const char *why = NULL;
  snprintf(norm, nn, "%s", v);
  switch (d->k) {
  case K_TIME: {
    double t;
    if (cli_parse_time(v, &t, &why) < 0)
      return fail(err, en, "invalid time '%s' for %s: %s", v, opt, why);
    snprintf(norm, nn, "%.6f", t);
    return 0;
  }
  case K_BITRATE: {
    uint64_t b;
    if (cli_parse_size(v, &b, &why) < 0)
      return fail(err, en, "invalid bit rate '%s' for %s: %s", v, opt, why);
    if (b == 0) return fail(err, en, "invalid bit rate '%s' for %s: must be above 0", v, opt);
    snprintf(norm, nn, "%llu", (unsigned long long)b);
    return 0;
  }
  case K_COUNT: {
    long n;
    if (cli_parse_int(v, d->min, d->max, &n, &why) < 0)
      return fail(err, en, "invalid value '%s' for %s: %s (expected %ld..%ld)", v, opt, why, d->min,
                  d->max);
    return 0;
  }
  case K_THREADS: {
    long n;
    if (strcmp(v, "auto") == 0) {
      snprintf(norm, nn, "0");
      return 0;
    }
    if (cli_parse_int(v, d->min, d->max, &n, &why) < 0)
      return fail(err, en, "invalid value '%s' for %s: expected 'auto' or 0..%ld", v, opt, d->max);
    return 0;
  }
  case K_NUMBER: {
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= 0) || x > 1e9 || isspace((unsigned char)*v))
      return fail(err, en, "invalid value '%s' for %s: expected a non-negative number", v, opt);
    return 0;
  }
  case K_RATE: {
    double r;
    if (cli_parse_rate(v, &r, &why) < 0)
      return fail(err, en, "invalid rate '%s' for %s: %s", v, opt, why);
    if (isalpha((unsigned char)v[0])) snprintf(norm, nn, "%.6f", r);
    return 0;
  }
  case K_WXH: {
    int w, h;
    if (cli_parse_wxh(v, &w, &h, &why) < 0)
      return fail(err, en, "invalid size '%s' for %s: %s", v, opt, why);
    snprintf(norm, nn, "%dx%d", w, h);
    return 0;
  }
  case K_KV:
    if (!strchr(v, '=') || v[0] == '=')
      return fail(err, en, "invalid value '%s' for %s: expected key=value", v, opt);
    return 0;
  case K_STR:
  case K_CODEC:
    if (!*v) return fail(err, en, "empty value for %s", opt);
    return 0;
  default:
    return 0;
  }
}

static void opts_init(cli_opts *o) {
  memset(o, 0, sizeof *o);
  o->stats_period = 1.0;
  o->loglevel = 32;
  o->stats = -1;
}

static int handle_special(cli_opts *o, const optdef *d, const char *opt, const char *v, char *err,
                          size_t en) {
  const char *n = d->name;
  const char *why;
  if (strcmp(n, "i") == 0) {
    if (o->input) return fail(err, en, "only one input (-i) is supported");
    if (!*v) return fail(err, en, "empty input file name for -i");
    set_str(&o->input, v);
  } else if (strcmp(n, "y") == 0) {
    o->overwrite = 1;
  } else if (strcmp(n, "n") == 0) {
    o->overwrite = 0;
  } else if (strcmp(n, "f") == 0) {
    /* Before -i it names the input's format, after it the output's. */
    add_kv(o, opt, o->input ? "f" : "input_format", v);
  } else if (strcmp(n, "progress") == 0) {
    if (!*v) return fail(err, en, "empty value for -progress");
    set_str(&o->progress_url, v);
  } else if (strcmp(n, "stats_period") == 0) {
    double t;
    if (cli_parse_time(v, &t, &why) < 0)
      return fail(err, en, "invalid time '%s' for %s: %s", v, opt, why);
    if (t < 0.01) return fail(err, en, "invalid time '%s' for %s: must be at least 0.01 s", v, opt);
    o->stats_period = t;
  } else if (strcmp(n, "loglevel") == 0 || strcmp(n, "v") == 0) {
    if (cli_parse_loglevel(v, &o->loglevel) < 0)
      return fail(err, en,
                  "invalid log level '%s' for %s: use quiet, panic, fatal, error, warning, "
                  "info, verbose, debug or trace",
                  v, opt);
  } else if (strcmp(n, "hide_banner") == 0) {
    o->hide_banner = 1;
  } else if (strcmp(n, "nostdin") == 0) {
    o->nostdin = 1;
  } else if (strcmp(n, "stats") == 0) {
    o->stats = 1;
  } else if (strcmp(n, "nostats") == 0) {
    o->stats = 0;
  } else if (strcmp(n, "h") == 0 || strcmp(n, "help") == 0 || strcmp(n, "-help") == 0) {
    o->action = CLI_HELP;
  } else if (strcmp(n, "version") == 0 || strcmp(n, "-version") == 0) {
    if (o->action != CLI_HELP) o->action = CLI_VERSION;
  } else if (strcmp(n, "-inline") == 0) {
    o->inline_mode = 1;
  } else if (strcmp(n, "-stats") == 0) {
    if (!*v) return fail(err, en, "empty file name for --stats");
    set_str(&o->stats_path, v);
  } else if (strcmp(n, "-trace") == 0) {
    if (!*v) return fail(err, en, "empty file name for --trace");
    set_str(&o->trace_path, v);
  } else if (strcmp(n, "-profile") == 0) {
    o->profile = 1;
  }
  return 0;
}

/* A further output, as ffmpeg reads one: the options given since the
 * previous output path are this one's. A CLI_OUTPUT_KEY entry (value: the
 * path) goes in front of them, so o->kv stays one list in command-line
 * order and o->output stays the first output. */
static int add_output(cli_opts *o, const char *path, size_t *group, int *nout, char *err,
                      size_t en) {
  if (!*path) return fail(err, en, "empty output file name");
  if (!o->output) {
    set_str(&o->output, path);
  } else {
    if (*nout >= CLI_MAX_OUTPUTS)
      return fail(err, en, "too many outputs (at most %d)", CLI_MAX_OUTPUTS);
    add_kv(o, path, CLI_OUTPUT_KEY, path);
    cli_kv marker = o->kv[o->nkv - 1];
    memmove(&o->kv[*group + 1], &o->kv[*group], (o->nkv - 1 - *group) * sizeof o->kv[0]);
    o->kv[*group] = marker;
  }
  (*nout)++;
  *group = o->nkv;
  return 0;
}

int cli_args_parse(int argc, char **argv, cli_opts *o, char *err, size_t errlen) {
  opts_init(o);
  err[0] = '\0';
  char norm[256];
  size_t group = 0; /* where the options of the next output start in o->kv */
  int nout = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0') {
      int rc = add_output(o, a, &group, &nout, err, errlen);
      if (rc) return rc;
      continue;
    }
    /* "--opt=value" is accepted for our long options. */
    char name[128];
    const char *inline_val = NULL;
    snprintf(name, sizeof name, "%s", a + 1);
    if (a[1] == '-') {
      char *eq = strchr(name, '=');
      if (eq) {
        *eq = '\0';
        inline_val = a + 1 + (eq - name) + 1;
      }
    }
    const optdef *d = find_opt(name);
    if (!d) {
      if (a[1] == '-') return fail(err, errlen, "unknown option '%s' (see --help)", a);
      /* ffmpeg's per-codec and per-muxer AVOptions travel as they are;
       * the pipeline refuses to start when nothing used one. */
      if (!plausible_avoption(name))
        return fail(err, errlen, "unknown option '%s' (see --help)", a);
      if (i + 1 >= argc)
        return fail(err, errlen, "unknown option '%s' (and no value follows it)", a);
      const char *v = argv[i + 1];
      if (v[0] == '-' && v[1] && find_opt(v + 1))
        return fail(err, errlen, "unknown option '%s' (see --help)", a);
      add_kv(o, a, name, v);
      i++;
      continue;
    }
    const char *v = "";
    if (takes_value(d)) {
      if (inline_val)
        v = inline_val;
      else if (i + 1 < argc)
        v = argv[++i];
      else
        return fail(err, errlen, "option '%s' needs a value", a);
    } else if (inline_val) {
      return fail(err, errlen, "option '-%s' takes no value", name);
    }
    int rc = check_value(d, a, v, norm, sizeof norm, err, errlen);
    if (rc) return rc;
    switch (d->k) {
    case K_SPECIAL:
      rc = handle_special(o, d, a, v, err, errlen);
      if (rc) return rc;
      break;
    case K_FLAG:
      add_kv(o, a, d->key, "1");
      break;
    case K_CODEC:
      add_kv(o, a, "c:v", norm);
      add_kv(o, a, "c:a", norm);
      break;
    default:
      add_kv(o, a, d->key, norm);
      break;
    }
  }
  if (o->action != CLI_RUN) return 0;
  if (!o->input) return fail(err, errlen, "no input file (use -i FILE; see --help)");
  if (!o->output) return fail(err, errlen, "no output file given (see --help)");
  int to_stdout = strcmp(o->output, "-") == 0;
  for (size_t i = 0; i < o->nkv; i++)
    if (!strcmp(o->kv[i].key, CLI_OUTPUT_KEY) && !strcmp(o->kv[i].value, "-")) to_stdout = 1;
  if (o->progress_url && to_stdout &&
      (!strcmp(o->progress_url, "pipe:1") || !strcmp(o->progress_url, "pipe:") ||
       !strcmp(o->progress_url, "-")))
    return fail(err, errlen, "-progress %s and the output would both go to stdout",
                o->progress_url);
  return 0;
}

void cli_opts_free(cli_opts *o) {
  for (size_t i = 0; i < o->nkv; i++) {
    free(o->kv[i].key);
    free(o->kv[i].value);
    free(o->kv[i].opt);
  }
  free(o->kv);
  free(o->input);
  free(o->output);
  free(o->stats_path);
  free(o->trace_path);
  free(o->progress_url);
  memset(o, 0, sizeof *o);
}

const char *cli_opts_get(const cli_opts *o, const char *key) {
  for (size_t i = o->nkv; i-- > 0;)
    if (strcmp(o->kv[i].key, key) == 0) return o->kv[i].value;
  return NULL;
}
