/* Command-line parsing: ffmpeg-style options turned into pipeline settings and CLI choices. */
#include "tools/isopipe/cli_args.h"
#include "tools/isopipe/cli_lists.h"

#include <ctype.h>
#include <errno.h>
#include <libavformat/avformat.h>
#include <libavutil/cpu.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libavutil/parseutils.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isopipe/common.h"
#include "pipeline/pl_units.h"
#include "tools/isopipe/cli_keys.h"
#include "tools/isopipe/cli_optdefs.h"
#include "tools/isopipe/cli_opts.h"
#include "tools/isopipe/cli_preset.h"
#include "tools/isopipe/cli_target.h"
#include "tools/isopipe/cli_units.h"

/* Before -i, -c names the input's decoder (-c:v libdav1d), as in ffmpeg:
 * kv becomes the input's "dec[:TYPE]". */
static bool input_codec(cli_kv *kv) {
  /* -bitexact before -i is its decoders' flag, as ffmpeg sets it. */
  if (!strcmp(kv->key, "bitexact")) {
    bool on = strcmp(kv->value, "0") != 0;
    cli_set_str(&kv->key, "in:flags");
    cli_set_str(&kv->value, on ? "+bitexact" : "-bitexact");
    return true;
  }
  if (strcmp(kv->key, "c") && strncmp(kv->key, "c:", 2) && strncmp(kv->key, "c@", 2)) return false;
  char key[64];
  snprintf(key, sizeof key, "in:dec%.*s", (int)strcspn(kv->key + 1, "@"), kv->key + 1);
  cli_set_str(&kv->key, key);
  return true;
}

/* The named format's own option name, if its demuxer has it. */
static bool format_has(const char *fmt, const char *name) {
  const AVInputFormat *f = fmt ? av_find_input_format(fmt) : NULL;
  const AVClass *pc = f ? f->priv_class : NULL;
  return pc && av_opt_find(&pc, name, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ);
}

/* Before -i, -s, -pix_fmt, -ar and -ac describe the input to its demuxer
 * (raw video and PCM carry no such header), as ffmpeg sets them:
 * video_size, pixel_format, sample_rate always (a demuxer without them
 * refuses them), ch_layout when the -f format has it (else -ac stays the
 * channel count isopipe gives the input's audio, as ffmpeg's result). */
static void input_format_opts(cli_opts *o, size_t from) {
  const char *fmt = NULL;
  for (size_t i = from; i < o->nkv; i++)
    if (!strcmp(o->kv[i].key, "f") || !strcmp(o->kv[i].key, "input_format")) fmt = o->kv[i].value;
  for (size_t i = from; i < o->nkv; i++) {
    cli_kv *kv = &o->kv[i];
    char key[64], value[64];
    const char *k = kv->key;
    key[0] = 0;
    snprintf(value, sizeof value, "%s", kv->value);
    if (!strcmp(k, "s") || !strcmp(k, "s:v"))
      snprintf(key, sizeof key, "in:video_size");
    else if (!strcmp(k, "pix_fmt") || !strcmp(k, "pix_fmt:v"))
      snprintf(key, sizeof key, "in:pixel_format");
    else if (!strcmp(k, "ar") || !strcmp(k, "ar:a"))
      snprintf(key, sizeof key, "in:sample_rate");
    else if ((!strcmp(k, "ac") || !strcmp(k, "ac:a")) && format_has(fmt, "ch_layout")) {
      snprintf(key, sizeof key, "in:ch_layout");
      snprintf(value, sizeof value, "%sC", kv->value);
    }
    if (key[0]) {
      cli_set_str(&kv->key, key);
      cli_set_str(&kv->value, value);
    }
  }
}

/* A further -i: the options written since the previous -i (or output) are
 * this input's, as ffmpeg reads them: -f names its format, AVOptions go to
 * its demuxer. */
static int add_input(cli_opts *o, const char *path, char *err, size_t en) {
  if (o->ninputs >= CLI_MAX_INPUTS)
    return cli_fail(err, en, "too many inputs (at most %d)", CLI_MAX_INPUTS);
  int k = o->ninputs++;
  cli_set_str(&o->more_in[k], path);
  input_format_opts(o, o->in_group);
  for (size_t i = o->in_group; i < o->nkv; i++) {
    cli_kv *kv = &o->kv[i];
    if (!strcmp(kv->key, CLI_OUTPUT_KEY)) continue;
    kv->input = k;
    if (!strcmp(kv->key, "f")) {
      cli_set_str(&kv->key, "input_format");
    } else if (input_codec(kv)) {
    } else if (kv->avoption && strncmp(kv->key, "in:", 3)) {
      char key[200];
      snprintf(key, sizeof key, "in:%s", kv->key);
      char *colon = strchr(key + 3, ':');
      if (colon) *colon = 0;
      cli_set_str(&kv->key, key);
    }
  }
  o->in_group = o->nkv;
  return 0;
}

static int handle_special(cli_opts *o, const cli_optdef *d, const char *opt, const char *v, int neg,
                          char *err, size_t en) {
  const char *n = d->name;
  const char *why;
  if (strcmp(n, "i") == 0) {
    if (!*v) return cli_fail(err, en, "empty input file name for -i");
    if (o->input) return add_input(o, v, err, en);
    input_format_opts(o, o->in_group);
    for (size_t i = o->in_group; i < o->nkv; i++)
      input_codec(&o->kv[i]);
    cli_set_str(&o->input, v);
    o->ninputs = 1;
    o->in_group = o->nkv;
  } else if (strcmp(n, "y") == 0) {
    o->overwrite = 1;
  } else if (strcmp(n, "n") == 0) {
    o->overwrite = 0;
  } else if (strcmp(n, "f") == 0) {
    /* Before -i it names the input's format, after it the output's. */
    cli_add_kv(o, opt, o->input ? "f" : "input_format", v);
  } else if (strcmp(n, "progress") == 0) {
    if (!*v) return cli_fail(err, en, "empty value for -progress");
    cli_set_str(&o->progress_url, v);
  } else if (strcmp(n, "stats_period") == 0) {
    double t;
    if (pl_units_time(v, &t, &why) < 0)
      return cli_fail(err, en, "invalid time '%s' for %s: %s", v, opt, why);
    if (t < 0.01)
      return cli_fail(err, en, "invalid time '%s' for %s: must be at least 0.01 s", v, opt);
    o->stats_period = t;
  } else if (strcmp(n, "loglevel") == 0 || strcmp(n, "v") == 0) {
    if (cli_parse_loglevel(v, &o->loglevel) < 0)
      return cli_fail(err, en,
                      "invalid log level '%s' for %s: use quiet, panic, fatal, error, warning, "
                      "info, verbose, debug or trace",
                      v, opt);
  } else if (strcmp(n, "hide_banner") == 0) {
    o->hide_banner = 1;
  } else if (strcmp(n, "timelimit") == 0) {
    char *end;
    errno = 0;
    long lim = strtol(v, &end, 10);
    if (!*v || *end || errno || lim < 0 || lim > INT_MAX)
      return cli_fail(err, en, "invalid value '%s' for %s: want seconds from 0 to %d", v, opt,
                      INT_MAX);
    o->timelimit = lim;
  } else if (strcmp(n, "max_alloc") == 0) {
    /* ffmpeg 5.1 reads it with strtol into a size_t: -1 is no limit. */
    char *end;
    errno = 0;
    long long max = strtoll(v, &end, 10);
    if (!*v || *end || errno)
      return cli_fail(err, en, "invalid value '%s' for %s: want a size in bytes", v, opt);
    o->max_alloc = (size_t)max;
    o->has_max_alloc = 1;
  } else if (strcmp(n, "cpuflags") == 0) {
    /* As ffmpeg 5.1: "+x" and "-x" change what the CPU has, a bare list
     * replaces it. */
    unsigned flags = (unsigned)av_get_cpu_flags();
    /* Its parser logs its own lines; the usage error says it all. */
    int level = av_log_get_level();
    av_log_set_level(AV_LOG_QUIET);
    int r = av_parse_cpu_caps(&flags, v);
    av_log_set_level(level);
    if (r < 0)
      return cli_fail(err, en, "invalid value '%s' for %s: not a list of CPU flags", v, opt);
    o->cpuflags = flags;
    o->has_cpuflags = 1;
  } else if (strcmp(n, "stdin") == 0) {
    o->nostdin = neg;
  } else if (strcmp(n, "stats") == 0) {
    o->stats = !neg;
  } else if (strcmp(n, "hwaccel") == 0) {
    /* "auto" falls back to software in ffmpeg when no device answers. */
    if (strcmp(v, "none") && strcmp(v, "auto"))
      return cli_fail(err, en,
                      "option '%s %s' is not supported: isopipe decodes in software only (-hwaccel "
                      "none or auto)",
                      opt, v);
  } else if (strcmp(n, "h") == 0 || strcmp(n, "help") == 0 || strcmp(n, "-help") == 0 ||
             strcmp(n, "?") == 0) {
    o->action = CLI_HELP;
    if (*v) cli_set_str(&o->topic, v);
  } else if (strcmp(n, "version") == 0 || strcmp(n, "-version") == 0) {
    if (o->action != CLI_HELP) o->action = CLI_VERSION;
  } else if (strcmp(n, "apad") == 0) {
    cli_add_kv(o, opt, "apad", v); /* empty: apad's defaults */
  } else if (strcmp(n, "map_channel") == 0) {
    cli_add_kv(o, opt, "map_channel", v);
  } else if (strcmp(n, "timestamp") == 0) {
    /* ffmpeg 5.1's deprecated spelling of the creation_time tag: a date
     * ("now", "2024-05-01 10:00:00"), written in UTC. */
    int64_t us;
    char kv[200], w[200];
    if (av_parse_time(&us, v, 0) < 0)
      return cli_fail(err, en, "option '%s': '%s' is not a date (YYYY-MM-DD hh:mm:ss or now)", opt,
                      v);
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(kv, sizeof kv, "creation_time=%Y-%m-%dT%H:%M:%S%z", &tm))
      return cli_fail(err, en, "option '%s': '%s' is out of range", opt, v);
    cli_add_kv(o, opt, "metadata", kv);
    snprintf(w, sizeof w, "%s is deprecated, set the 'creation_time' metadata tag instead", opt);
    cli_add_warning(o, w);
  } else if (strcmp(n, "timecode") == 0) {
    /* As ffmpeg: the file's "timecode" tag (from which the MOV/MP4 muxers
     * write a tmcd track) and MPEG-2's GOP timecode. */
    char kv[200];
    if (!*v) return cli_fail(err, en, "empty timecode for %s (use hh:mm:ss:ff)", opt);
    snprintf(kv, sizeof kv, "timecode=%s", v);
    cli_add_kv(o, opt, "metadata", kv);
    return cli_add_avoption(o, opt, "gop_timecode", "v", v, err, en);
  } else if (cli_list_known(n)) {
    /* The first of ffmpeg's exit options on the line wins, as in ffmpeg. */
    if (o->action == CLI_RUN) {
      o->action = CLI_LIST;
      cli_set_str(&o->topic, n);
    }
  } else if (strcmp(n, "-inline") == 0) {
    o->inline_mode = 1;
  } else if (strcmp(n, "-stats") == 0) {
    if (!*v) return cli_fail(err, en, "empty file name for --stats");
    cli_set_str(&o->stats_path, v);
  } else if (strcmp(n, "-cluster") == 0) {
    if (strcmp(v, "slurm"))
      return cli_fail(err, en, "invalid value '%s' for --cluster: only slurm is supported", v);
    cli_set_str(&o->cluster, v);
  } else if (strcmp(n, "-partition") == 0) {
    if (!*v) return cli_fail(err, en, "empty partition name for --partition");
    cli_set_str(&o->partition, v);
  } else if (strcmp(n, "-cluster-dir") == 0) {
    if (!*v) return cli_fail(err, en, "empty directory name for --cluster-dir");
    cli_set_str(&o->cluster_dir, v);
  } else if (strcmp(n, "-batch") == 0) {
    if (!*v) return cli_fail(err, en, "empty file name for --batch");
    cli_set_str(&o->batch, v);
  } else if (strcmp(n, "-trace") == 0) {
    if (!*v) return cli_fail(err, en, "empty file name for --trace");
    cli_set_str(&o->trace_path, v);
  } else if (strcmp(n, "-profile") == 0) {
    o->profile = 1;
  } else if ((strcmp(n, "find_stream_info") == 0 || strcmp(n, "auto_conversion_filters") == 0) &&
             neg) {
    /* The stages size their buffers, pick encoders and build graphs from
     * the probed parameters and formats the filters agree on. */
    return cli_fail(err, en,
                    "option '%s' is not supported by isopipe: it always %s, ffmpeg's default", opt,
                    n[0] == 'f' ? "reads the input's streams to fill in their parameters"
                                : "converts formats between filters");
  } else if (strcmp(n, "cpucount") == 0) {
    /* The CPU count the codecs size their automatic thread pools by (0:
     * the machine's), as ffmpeg's; for the whole process. */
    char *end = NULL;
    long c = strtol(v, &end, 10);
    if (end == v || *end || c < 0 || c > 1024)
      return cli_fail(err, en, "option '%s': want a CPU count 0..1024, got '%s'", opt, v);
    av_cpu_force_count((int)c);
  }
  return 0;
}

/* A further output, as ffmpeg reads one: the options given since the
 * previous output path are this one's. A CLI_OUTPUT_KEY entry (value: the
 * path) goes in front of them, so o->kv stays one list in command-line
 * order and o->output stays the first output. */
static int add_output(cli_opts *o, const char *path, size_t *group, int *nout, char *err,
                      size_t en) {
  if (!*path) return cli_fail(err, en, "empty output file name");
  if (!o->output) {
    cli_set_str(&o->output, path);
  } else {
    if (*nout >= CLI_MAX_OUTPUTS)
      return cli_fail(err, en, "too many outputs (at most %d)", CLI_MAX_OUTPUTS);
    cli_add_kv(o, path, CLI_OUTPUT_KEY, path);
    cli_kv marker = o->kv[o->nkv - 1];
    memmove(&o->kv[*group + 1], &o->kv[*group], (o->nkv - 1 - *group) * sizeof o->kv[0]);
    o->kv[*group] = marker;
  }
  (*nout)++;
  *group = o->nkv;
  o->in_group = o->nkv;
  return 0;
}

/* Options of an input or output written after the last output belong to
 * no file: ffmpeg warns and ignores them; so does isopipe (global ones such
 * as -filter_complex or -copyts still apply). */
static void drop_trailing(cli_opts *o, size_t from) {
  size_t keep = from;
  char words[512] = "";
  for (size_t i = from; i < o->nkv; i++) {
    cli_kv *kv = &o->kv[i];
    char name[128];
    snprintf(name, sizeof name, "%s", kv->opt + (kv->opt[0] == '-'));
    name[strcspn(name, ":")] = 0;
    const cli_optdef *d = cli_optdef_find(name);
    if (!d && !strncmp(name, "no", 2)) d = cli_optdef_find(name + 2);
    bool per_file = kv->avoption || (d && (d->flags & (CO_INPUT | CO_OUTPUT)));
    if (!per_file) {
      o->kv[keep++] = *kv;
      continue;
    }
    size_t used = strlen(words);
    bool flag = d && !(d->flags & CO_ARG);
    snprintf(words + used, sizeof words - used, "%s%s%s%s", used ? " " : "", kv->opt,
             flag ? "" : " ", flag ? "" : kv->value);
    free(kv->key);
    free(kv->value);
    free(kv->opt);
  }
  o->nkv = keep;
  if (words[0]) cli_set_str(&o->trailing, words);
}

/* ffmpeg reads -loglevel before anything else, so that its errors obey it. */
/* ffmpeg 5.1 stops when -filter (-vf, -af) and -filter_script both set one
 * output stream's chain ("Both -filter and -filter_script set"), where
 * isopipe would take the later one. */
static int check_filter_scripts(const cli_opts *o, char *err, size_t en) {
  unsigned plain = 0, script = 0; /* 1 video, 2 audio */
  const char *popt = NULL, *sopt = NULL;
  for (size_t i = 0; i <= o->nkv; i++) {
    if (i == o->nkv || !strcmp(o->kv[i].key, CLI_OUTPUT_KEY)) {
      if (plain & script)
        return cli_fail(err, en,
                        "options '%s' and '%s' both set the %s chain of one output: give one", popt,
                        sopt, plain & script & 1 ? "video" : "audio");
      plain = script = 0;
      continue;
    }
    const cli_kv *kv = &o->kv[i];
    unsigned t = !strcmp(kv->key, "vf")       ? 1
                 : !strcmp(kv->key, "af")     ? 2
                 : !strcmp(kv->key, "filter") ? 3
                                              : 0;
    if (!t) continue;
    if (strstr(kv->opt, "filter_script")) {
      script |= t;
      sopt = kv->opt;
    } else {
      plain |= t;
      popt = kv->opt;
    }
  }
  return 0;
}

static void prescan_loglevel(int argc, char **argv, cli_opts *o) {
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "-loglevel") || !strcmp(argv[i], "-v")) {
      int l;
      if (cli_parse_loglevel(argv[i + 1], &l) == 0) o->loglevel = l;
      i++;
    }
}

static int unknown_option(const char *a, const char *base, char *err, size_t en) {
  const char *near = cli_optdef_suggest(base);
  if (near) return cli_fail(err, en, "unknown option '%s' (did you mean -%s?)", a, near);
  return cli_fail(err, en, "unknown option '%s' (see --help)", a);
}

int cli_args_parse(int argc, char **argv, cli_opts *o, char *err, size_t errlen) {
  cli_opts_init(o);
  int rc0 = cli_target_expand(argc, argv, &o->target_argv, &argc, err, errlen);
  if (rc0) return rc0;
  if (o->target_argv) argv = o->target_argv;
  cli_preset_out po;
  rc0 = cli_preset_expand(argc, argv, &po, err, errlen);
  if (rc0) return rc0;
  if (po.argv) {
    o->preset_argv = argv = po.argv;
    o->preset_owned = po.owned;
    o->npreset_owned = po.nowned;
    argc = po.argc;
  }
  o->argc = argc;
  o->argv = argv;
  prescan_loglevel(argc, argv, o);
  err[0] = '\0';
  size_t group = 0; /* where the options of the next output start in o->kv */
  int nout = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0') {
      int rc = add_output(o, a, &group, &nout, err, errlen);
      if (rc) return rc;
      continue;
    }
    /* "--opt=value" for our long options; "-opt:spec" for ffmpeg's. */
    char name[128];
    const char *inline_val = NULL, *spec = NULL;
    snprintf(name, sizeof name, "%s", a + 1);
    if (a[1] == '-') {
      char *eq = strchr(name, '=');
      if (eq) {
        *eq = '\0';
        inline_val = a + 1 + (eq - name) + 1;
      }
    } else {
      char *colon = strchr(name, ':');
      if (colon) {
        *colon = '\0';
        spec = colon + 1;
      }
    }
    const cli_optdef *d = cli_optdef_find(name);
    int neg = 0;
    if (!d && !strncmp(name, "no", 2)) { /* ffmpeg's "-noNAME" for a boolean NAME */
      const cli_optdef *b = cli_optdef_find(name + 2);
      if (b && (b->flags & CO_BOOL)) d = b, neg = 1;
    }
    if (!d || (d->flags & CO_OURS && a[1] != '-') || (!(d->flags & CO_OURS) && a[1] == '-')) {
      /* "-vprofile": a codec option for one stream type. */
      char tspec[2] = {name[0], 0};
      const char *typed = a[1] != '-' && !spec ? cli_typed_avoption(name) : NULL;
      if (a[1] == '-' || (!typed && !cli_is_avoption(name)))
        return unknown_option(a, name, err, errlen);
      if (i + 1 >= argc) return cli_fail(err, errlen, "option '%s' needs a value", a);
      int rc = typed ? cli_add_avoption(o, a, typed, tspec, argv[++i], err, errlen)
                     : cli_add_avoption(o, a, name, spec, argv[++i], err, errlen);
      if (rc) return rc;
      continue;
    }
    if (spec && !(d->flags & CO_SPEC))
      return cli_fail(err, errlen, "option '-%s' takes no stream specifier (got '%s')", d->name, a);
    const char *v = "";
    /* -h takes the next word as its topic when there is one, as ffmpeg's
     * help does. */
    if (d->k == K_SPECIAL && (!strcmp(d->name, "h") || !strcmp(d->name, "help") ||
                              !strcmp(d->name, "-help") || !strcmp(d->name, "?"))) {
      if (inline_val)
        v = inline_val;
      else if (i + 1 < argc)
        v = argv[++i];
    } else if ((d->flags & CO_ARG) && !neg) { /* -noNAME takes no value */
      if (inline_val)
        v = inline_val;
      else if (i + 1 < argc)
        v = argv[++i];
      else
        return cli_fail(err, errlen, "option '%s' needs a value", a);
    } else if (inline_val) {
      return cli_fail(err, errlen, "option '-%s' takes no value", name);
    }
    if (d->k == K_REFUSE)
      return cli_fail(err, errlen, "option '%s' is not supported by isopipe: %s", a, d->note);
    /* Before -i, ffmpeg's -top sets the decoded frames' field order. */
    if (!strcmp(d->name, "top") && !o->input)
      return cli_fail(err, errlen,
                      "option '%s' before -i (the decoded frames' field order) is not supported by "
                      "isopipe: give it after -i, for the encoder",
                      a);
    if (d->k == K_IGNORE) {
      cli_add_note(o, a, d->note);
      continue;
    }
    /* A normalised number is short; any other value is copied whole. */
    size_t nn = strlen(v) + 64;
    if (nn > o->value_cap) {
      o->value_buf = cli_xrealloc(o->value_buf, nn);
      o->value_cap = nn;
    }
    char *norm = o->value_buf;
    int rc = 0;
    if (d->k == K_SCRIPT) {
      rc = cli_read_script(a, v, &o->value_buf, &o->value_cap, err, errlen);
      norm = o->value_buf;
    } else if (neg) {
      norm[0] = 0; /* -noNAME has no value to check */
    } else {
      rc = cli_check_value(d, a, v, norm, nn, err, errlen);
    }
    if (rc) return rc;
    if (d->k == K_SPECIAL) {
      rc = handle_special(o, d, a, v, neg, err, errlen);
      if (rc) return rc;
      continue;
    }
    if (d->k == K_FLAG) {
      cli_add_kv(o, a, d->key, neg ? "0" : (d->flags & CO_ARG) ? norm : "1");
      continue;
    }
    char key[160];
    const char *ignored = NULL;
    if (d->k == K_CODEC) {
      char type = 0, why[160];
      int index = -1;
      if (strchr(d->key, ':'))
        type = strchr(d->key, ':')[1];
      else if (cli_spec_parse(spec ? spec : "", &type, &index, why, sizeof why) < 0)
        return cli_fail(err, errlen, "option '%s': %s", a, why);
      if (type == 'd' || type == 't') {
        cli_add_note(o, a, "isopipe writes no data or attachment streams");
        continue;
      }
      /* "c" is every stream's codec; "c:s" also makes ffmpeg pick a subtitle;
       * an index picks one stream ("-c:v:1", "-c:0"). */
      const char *ck = type == 'v' ? "c:v" : type == 'a' ? "c:a" : type == 's' ? "c:s" : "c";
      if (index >= 0 && type)
        snprintf(key, sizeof key, "%s@%c:%d", ck, type, index);
      else if (index >= 0)
        snprintf(key, sizeof key, "c@%d", index);
      else
        snprintf(key, sizeof key, "%s", ck);
      cli_add_kv(o, a, key, norm);
      continue;
    }
    /* -filter without a specifier is every output stream's chain, as ffmpeg
     * applies it: the pipeline's "filter" (the video's and the audio's). */
    if (!strcmp(d->key, "filter") && (!spec || !*spec)) {
      cli_add_kv(o, a, "filter", norm);
      continue;
    }
    if (d->flags & CO_SPEC) {
      rc = cli_spec_key(d, a, spec, key, sizeof key, &ignored, err, errlen);
      if (rc) return rc;
      if (ignored) {
        cli_add_note(o, a, ignored);
        continue;
      }
    } else {
      snprintf(key, sizeof key, "%s", d->key);
    }
    cli_add_kv(o, a, key, norm);
  }
  drop_trailing(o, group > o->in_group ? group : o->in_group);
  if (o->action != CLI_RUN) return 0;
  int rc = check_filter_scripts(o, err, errlen);
  if (rc) return rc;
  /* A batch names its inputs and outputs in its list; the command line
   * holds the options every one of them gets. */
  if (o->batch) {
    if (!o->cluster) return cli_fail(err, errlen, "--batch goes with --cluster slurm");
    if (o->input || o->output)
      return cli_fail(err, errlen, "--batch: the inputs and outputs come from %s, not -i or a name",
                      o->batch);
    return 0;
  }
  if (!o->input) return cli_fail(err, errlen, "no input file (use -i FILE; see --help)");
  /* The demux writes the dumps when the run opens its input: a run with
   * no output (a description) or one split over a cluster's tasks would
   * write none or each its own. */
  const char *dump = NULL;
  for (size_t i = 0; i < o->nkv && !dump; i++)
    if (!strncmp(o->kv[i].key, "dump_attachment", 15)) dump = o->kv[i].opt;
  if (dump && !o->output)
    return cli_fail(err, errlen,
                    "%s needs an output file: add '-t 0 -f null -' to write the attachments alone",
                    dump);
  if (dump && o->cluster)
    return cli_fail(err, errlen, "%s does not go with --cluster: dump the attachments first", dump);
  if (!o->output) {
    o->action = CLI_DESCRIBE;
    return 0;
  }
  int to_stdout = strcmp(o->output, "-") == 0;
  for (size_t i = 0; i < o->nkv; i++)
    if (!strcmp(o->kv[i].key, CLI_OUTPUT_KEY) && !strcmp(o->kv[i].value, "-")) to_stdout = 1;
  if (o->progress_url && to_stdout &&
      (!strcmp(o->progress_url, "pipe:1") || !strcmp(o->progress_url, "pipe:") ||
       !strcmp(o->progress_url, "-")))
    return cli_fail(err, errlen, "-progress %s and the output would both go to stdout",
                    o->progress_url);
  return 0;
}
