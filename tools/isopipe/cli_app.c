/* One CLI run: checks the files, drives the pipeline from the main isolate, reports, exits. */
#include "tools/isopipe/cli_app.h"

#include <errno.h>
#include <libavutil/cpu.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/textfit.h"
#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"
#include "pipeline/pl_internal.h"
#include "profiling/prof.h"
#include "tools/isopipe/cli_cluster.h"
#include "tools/isopipe/cli_help.h"
#include "tools/isopipe/cli_report.h"
#include "tools/isopipe/cli_sched.h"
#include "tools/isopipe/cli_signal.h"
#include "tools/isopipe/cli_status.h"
#include "tools/isopipe/cli_term.h"

#define REDRAW_NS (100ull * 1000 * 1000) /* a terminal cannot show 60 Hz usefully */
#define POLL_NS (20ull * 1000 * 1000)

typedef struct app {
  const cli_opts *o;
  iso_pipeline *p;
  cli_term term;
  cli_report report;
  cli_rates rates;
  iso_progress last;
  int have_last;
  int show_stats, verbose;
  uint64_t last_draw_ns, last_line_ns, last_report_ns;
  int done, status;
  int cancels;  /* cancel requests sent: 0, 1 (graceful), 2 (now) */
  bool main_rt; /* the main thread runs realtime: workers need no nice of their own */
  char first_error[512];
} app;

/* A local file path, or NULL for pipes and URLs (which are not checked). */
static const char *local_path(const char *name) {
  if (strncmp(name, "file:", 5) == 0) return name + 5;
  if (strcmp(name, "-") == 0 || strncmp(name, "pipe:", 5) == 0 || strstr(name, "://")) return NULL;
  return name;
}

int cli_check_output(const char *input, const char *output, int overwrite, char *err,
                     size_t errlen) {
  pl_outpath_ctx c = {input, NULL, overwrite, NULL, 0};
  return pl_outpath_check("output", output, &c, err, errlen);
}

/* Output protocols: -protocol_whitelist written after -i is the outputs'
 * (an output option in ffmpeg), as is output_protocol_whitelist. */
static bool is_output_whitelist(const cli_kv *kv) {
  return !strcmp(kv->key, "output_protocol_whitelist") ||
         (!strcmp(kv->key, "protocol_whitelist") && !kv->before_input);
}

/* Every file the run writes, through the pipeline's one policy, before
 * anything is opened: outputs, -progress, --stats, --trace. */
static int check_writes(const cli_opts *o, char *err, size_t errlen) {
  const char *names[CLI_MAX_OUTPUTS + 3];
  int n = 0;
  const char *wl = NULL;
  for (size_t i = 0; i < o->nkv; i++)
    if (is_output_whitelist(&o->kv[i])) wl = o->kv[i].value;
  pl_outpath_ctx c = {o->input, wl, o->overwrite, names, 0};
  /* No output may be a further input either. */
  for (int k = 1; k < o->ninputs; k++) {
    pl_outpath_ctx ck = {o->more_in[k], wl, 1, NULL, 0};
    int r = pl_outpath_check("output", o->output, &ck, err, errlen);
    for (size_t i = 0; !r && i < o->nkv; i++)
      if (!strcmp(o->kv[i].key, CLI_OUTPUT_KEY))
        r = pl_outpath_check("output", o->kv[i].value, &ck, err, errlen);
    if (r) return r;
  }
  int rc = pl_outpath_check("output", o->output, &c, err, errlen);
  names[n++] = o->output;
  for (size_t i = 0; !rc && i < o->nkv; i++)
    if (!strcmp(o->kv[i].key, CLI_OUTPUT_KEY) && n < CLI_MAX_OUTPUTS) {
      c.nothers = n;
      rc = pl_outpath_check("output", o->kv[i].value, &c, err, errlen);
      names[n++] = o->kv[i].value;
    }
  c.whitelist = "file";
  /* -progress URLs (pipe:N, network) are cli_report_open's to refuse. */
  const char *prog = o->progress_url;
  if (prog && !strncmp(prog, "file:", 5)) prog += 5;
  if (prog && (!strcmp(prog, "-") || !strncmp(prog, "pipe:", 5) || strstr(prog, "://")))
    prog = NULL;
  const struct {
    const char *what, *path;
  } side[] = {{"-progress", prog}, {"--stats", o->stats_path}, {"--trace", o->trace_path}};
  for (size_t i = 0; !rc && i < sizeof side / sizeof side[0]; i++) {
    if (!side[i].path) continue;
    c.nothers = n;
    rc = pl_outpath_check(side[i].what, side[i].path, &c, err, errlen);
    names[n++] = side[i].path;
  }
  return rc;
}

static void poll_signals(app *a) {
  int n = cli_signals_count();
  if (n >= 1 && a->cancels < 1) {
    a->cancels = 1;
    if (a->o->loglevel >= 24)
      cli_term_log(
          &a->term, 24, NULL,
          cli_signals_first() == SIGXCPU
              ? "isopipe: CPU time limit reached: finishing the output"
              : "isopipe: interrupted: finishing the output (interrupt again to stop now)");
    iso_pipeline_cancel(a->p, ISO_CANCEL_GRACEFUL);
  }
  if (n >= 2 && a->cancels < 2) {
    a->cancels = 2;
    if (a->o->loglevel >= 24)
      cli_term_log(&a->term, 24, NULL, "isopipe: interrupted again: stopping now");
    iso_pipeline_cancel(a->p, ISO_CANCEL_NOW);
  }
}

/* Redraws the block (tty), writes the status line (not a tty) and the
 * -progress block, each at its own pace. */
static void flush_display(app *a) {
  uint64_t now = iso_now_ns();
  uint64_t period = (uint64_t)(a->o->stats_period * 1e9);
  if (a->term.tty) {
    if (a->show_stats && a->have_last) {
      if (a->term.plen > 0 || now - a->last_draw_ns >= REDRAW_NS) {
        char block[8192];
        int lines =
            cli_fmt_block(&a->last, &a->rates, cli_term_width(&a->term), block, sizeof block);
        cli_term_draw(&a->term, block, lines);
        a->last_draw_ns = now;
      }
    } else {
      cli_term_draw(&a->term, NULL, 0);
    }
  } else if (a->show_stats && a->have_last && now - a->last_line_ns >= period) {
    char line[512];
    cli_fmt_status_line(&a->last, &a->rates, line, sizeof line);
    cli_term_line(&a->term, line);
    a->last_line_ns = now;
  }
  if (a->report.fd >= 0 && a->have_last && now - a->last_report_ns >= period) {
    cli_report_write(&a->report, &a->last, cli_percent(&a->last), cli_eta(&a->rates, &a->last), 0);
    a->last_report_ns = now;
  }
}

static void on_progress(iso_pipeline *p, const iso_progress *prog, void *ud) {
  app *a = ud;
  a->last = *prog;
  if (!a->have_last) {
    /* The first status line and -progress block wait one period, as
     * ffmpeg's do, instead of reporting an empty start. */
    a->last_line_ns = a->last_report_ns = iso_now_ns();
  }
  a->have_last = 1;
  cli_rates_update(&a->rates, prog);
  poll_signals(a);
  flush_display(a);
}

static void on_log(iso_pipeline *p, int level, const char *stage, const char *line, void *ud) {
  app *a = ud;
  if (level > a->o->loglevel) return;
  cli_term_log(&a->term, level, stage, line);
}

static void on_error(iso_pipeline *p, const char *stage, const char *message, void *ud) {
  app *a = ud;
  if (!a->first_error[0])
    snprintf(a->first_error, sizeof a->first_error, "%s: %s", stage ? stage : "pipeline",
             message ? message : "error");
}

static void on_done(iso_pipeline *p, int status, void *ud) {
  app *a = ud;
  a->done = 1;
  a->status = status;
}

/* Usage errors and refusals are printed down to -loglevel fatal, as ffmpeg
 * prints its option errors. */
static void print_error(app *a, const char *what) {
  if (a->o->loglevel < 8) return;
  char line[1280] = "isopipe: ";
  textfit(line + 9, sizeof line - 9, what);
  cli_term_line(&a->term, line);
}

static const char *pipeline_reason(app *a, int rc) {
  const char *e = iso_pipeline_error(a->p);
  if (e && *e) return e;
  if (a->first_error[0]) return a->first_error;
  return iso_strerror(rc);
}

/* The output path and its overwrite permission for output k. */
static int set_output_file(app *a, int k, const char *path) {
  const cli_opts *o = a->o;
  char err[1024];
  struct {
    const char *key, *value, *opt;
  } base[] = {{"o", path, "output"}, {"overwrite", "0", "-y"}};
  /* Our own check already ran; a special file (e.g. /dev/null) that
   * exists is allowed, so tell the pipeline it may open it. */
  struct stat st;
  const char *out = local_path(path);
  if (o->overwrite || (out && stat(out, &st) == 0 && !S_ISREG(st.st_mode))) base[1].value = "1";
  for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
    if (iso_pipeline_set_output(a->p, k, base[i].key, base[i].value) != ISO_OK) {
      snprintf(err, sizeof err, "invalid %s '%s': %s", base[i].opt, base[i].value,
               pipeline_reason(a, ISO_EINVAL));
      print_error(a, err);
      return CLI_EXIT_USAGE;
    }
  }
  return 0;
}

/* -ss, -t and -to written before -i are input #0's (the library composes
 * them with each output's own, as ffmpeg reads input options). */
static bool is_input_trim(const cli_kv *kv) {
  return kv->before_input &&
         (!strcmp(kv->key, "ss") || !strcmp(kv->key, "t") || !strcmp(kv->key, "to"));
}

/* -vn, -an, -sn, -dn before the first -i are input #0's: they leave its
 * streams of the kind out (other inputs' stay), as ffmpeg reads them; so are
 * -[no]accurate_seek and -fix_sub_duration. */
static bool is_input_kind_off(const cli_kv *kv) {
  return kv->before_input &&
         ((strlen(kv->key) == 2 && kv->key[1] == 'n' && strchr("vasd", kv->key[0])) ||
          !strcmp(kv->key, "accurate_seek") || !strcmp(kv->key, "fix_sub_duration"));
}

/* A numbered (%d, %03d) or globbed name that is not itself a file. */
static bool is_sequence(const char *path) {
  if (!path || access(path, F_OK) == 0) return false;
  for (const char *p = strchr(path, '%'); p; p = strchr(p + 1, '%')) {
    const char *q = p + 1;
    while (*q >= '0' && *q <= '9')
      q++;
    if (*q == 'd') return true;
  }
  return strpbrk(path, "*?[") != NULL;
}

static int configure(app *a) {
  const cli_opts *o = a->o;
  char err[1024];
  /* Realtime already puts the tick above every worker: niced workers
   * would only lose the cores to other programs. */
  if (a->main_rt && iso_pipeline_set(a->p, "worker_nice", "0") != ISO_OK) return CLI_EXIT_FAIL;
  /* An image sequence the user names (img%03d.png) is read as ffmpeg reads
   * it; the library leaves image2 patterns off unless asked, since inside a
   * playlist a pattern names files its author never chose. */
  bool sequence = is_sequence(o->input);
  for (int k = 1; k < o->ninputs; k++)
    sequence = sequence || is_sequence(o->more_in[k]);
  /* So is a format the user names for an input with -f: a filtergraph
   * (-f lavfi -i anullsrc), a list of files (-f concat -safe 0 -i list.txt),
   * a playlist (-f hls). Only a format guessed from the input's own bytes
   * stays refused. */
  char allow[256] = "";
  if (sequence) snprintf(allow, sizeof allow, "image2");
  static const char *const named[] = {"lavfi", "concat", "hls", "dash", NULL};
  for (size_t i = 0; i < o->nkv; i++) {
    if (strcmp(o->kv[i].key, "input_format")) continue;
    for (int k = 0; named[k]; k++)
      if (!strcmp(o->kv[i].value, named[k]) && !strstr(allow, named[k])) {
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s", n ? "," : "", named[k]);
      }
  }
  if (*allow && iso_pipeline_set(a->p, "allow_formats", allow) != ISO_OK) return CLI_EXIT_FAIL;
  /* So is concat:a|b typed as the input: its parts are files (or pipes),
   * read under the same list as any other input's. */
  bool own_list = false;
  for (size_t i = 0; i < o->nkv; i++)
    own_list = own_list || !strcmp(o->kv[i].key, "protocol_whitelist");
  if (!own_list && !strncmp(o->input, "concat:", 7) &&
      iso_pipeline_set(a->p, "protocol_whitelist", "concat,file,pipe") != ISO_OK)
    return CLI_EXIT_FAIL;
  if (iso_pipeline_set(a->p, "i", o->input) != ISO_OK) {
    snprintf(err, sizeof err, "invalid -i '%s': %s", o->input, pipeline_reason(a, ISO_EINVAL));
    print_error(a, err);
    return CLI_EXIT_USAGE;
  }
  for (int k = 1; k < o->ninputs; k++)
    if (iso_pipeline_add_input(a->p) != k ||
        iso_pipeline_set_input(a->p, k, "i", o->more_in[k]) != ISO_OK) {
      snprintf(err, sizeof err, "invalid -i '%s': %s", o->more_in[k],
               pipeline_reason(a, ISO_EINVAL));
      print_error(a, err);
      return CLI_EXIT_USAGE;
    }
  int rc = set_output_file(a, 0, o->output);
  if (rc) return rc;
  int cur = 0; /* the output the options apply to */
  for (size_t i = 0; i < o->nkv; i++) {
    const cli_kv *kv = &o->kv[i];
    bool input_only =
        (!strncmp(kv->key, "discard", 7) && (!kv->key[7] || kv->key[7] == ':')) ||
        (!strncmp(kv->key, "dump_attachment", 15) && (!kv->key[15] || kv->key[15] == ':')) ||
        (!strncmp(kv->key, "guess_layout_max", 16) && (!kv->key[16] || kv->key[16] == ':')) ||
        !strcmp(kv->key, "canvas_size");
    if (input_only && kv->input == 0 && !kv->before_input) {
      snprintf(err, sizeof err,
               "option %s cannot be applied to an output file: it is an input option, give it "
               "before the -i it belongs to",
               kv->opt);
      print_error(a, err);
      return CLI_EXIT_USAGE;
    }
    /* Options of a further input, any input's -itsoffset, -discard, -dump_attachment and window. */
    if (kv->input > 0 || !strcmp(kv->key, "itsoffset") || !strncmp(kv->key, "itsscale", 8) ||
        !strcmp(kv->key, "stream_loop") || !strcmp(kv->key, "sseof") || input_only ||
        is_input_trim(kv) || is_input_kind_off(kv)) {
      if (iso_pipeline_set_input(a->p, kv->input, kv->key, kv->value) != ISO_OK) {
        snprintf(err, sizeof err, "option '%s %s' for input #%d (%s): %s", kv->opt, kv->value,
                 kv->input, kv->input ? o->more_in[kv->input] : o->input,
                 pipeline_reason(a, ISO_EINVAL));
        print_error(a, err);
        return CLI_EXIT_USAGE;
      }
      continue;
    }
    if (!strcmp(kv->key, CLI_OUTPUT_KEY)) {
      cur = iso_pipeline_add_output(a->p);
      if (cur < 0) {
        snprintf(err, sizeof err, "output '%s': %s", kv->value, pipeline_reason(a, cur));
        print_error(a, err);
        return CLI_EXIT_USAGE;
      }
      rc = set_output_file(a, cur, kv->value);
      if (rc) return rc;
      continue;
    }
    /* -r before -i counts the input's pictures at that rate. */
    if (kv->before_input && (!strcmp(kv->key, "r") || !strcmp(kv->key, "r:v"))) {
      if (iso_pipeline_set(a->p, "input_r", kv->value) != ISO_OK) {
        snprintf(err, sizeof err, "option '%s %s' for input #0 (%s): %s", kv->opt, kv->value,
                 o->input, pipeline_reason(a, ISO_EINVAL));
        print_error(a, err);
        return CLI_EXIT_USAGE;
      }
      continue;
    }
    const char *key = is_output_whitelist(kv) ? "output_protocol_whitelist" : kv->key;
    if (iso_pipeline_set_output(a->p, cur, key, kv->value) != ISO_OK) {
      /* The pipeline's reason may repeat the key ("crf: bad value"). */
      const char *why = pipeline_reason(a, ISO_EINVAL);
      size_t klen = strlen(kv->key);
      if (strncmp(why, kv->key, klen) == 0 && why[klen] == ':' && why[klen + 1] == ' ')
        why += klen + 2;
      if (strstr(why, "not implemented"))
        snprintf(err, sizeof err, "option '%s %s': %s", kv->opt, kv->value, why);
      else
        snprintf(err, sizeof err, "invalid value '%s' for %s: %s", kv->value, kv->opt, why);
      print_error(a, err);
      return CLI_EXIT_USAGE;
    }
  }
  /* A cluster run's share: one segment, or the join of all. */
  if (o->seg_dir) {
    char k[32];
    snprintf(k, sizeof k, "%d/%d", o->seg_task, o->seg_tasks);
    if (iso_pipeline_set_output(a->p, 0, "segment_dir", o->seg_dir) != ISO_OK ||
        (o->seg_task >= 0 && iso_pipeline_set_output(a->p, 0, "segment_task", k) != ISO_OK) ||
        (o->seg_join && iso_pipeline_set_output(a->p, 0, "segment_join", "1") != ISO_OK)) {
      print_error(a, pipeline_reason(a, ISO_EINVAL));
      return CLI_EXIT_FAIL;
    }
  }
  if (o->stats_path && iso_pipeline_set_stats_path(a->p, o->stats_path) != ISO_OK) {
    snprintf(err, sizeof err, "--stats %s: %s", o->stats_path, pipeline_reason(a, ISO_EINVAL));
    print_error(a, err);
    return CLI_EXIT_USAGE;
  }
  if (o->trace_path && iso_pipeline_set_trace_path(a->p, o->trace_path) != ISO_OK) {
    snprintf(err, sizeof err, "--trace %s: %s", o->trace_path, pipeline_reason(a, ISO_EINVAL));
    print_error(a, err);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

static void finish_report(app *a, int interrupted, int failed) {
  const cli_opts *o = a->o;
  const iso_progress *fin = iso_pipeline_progress(a->p);
  if (fin) {
    a->last = *fin;
    a->have_last = 1;
  }
  cli_term_draw(&a->term, NULL, 0); /* erase the block, flush the last logs */
  if (failed) print_error(a, pipeline_reason(a, a->status));
  /* A failure ends with its one error line; the figures would only bury it. */
  if (a->have_last && o->loglevel >= 32 && !failed) {
    char line[1024], sum[900];
    cli_fmt_summary(&a->last, interrupted ? "interrupted" : "done", a->verbose, sum, sizeof sum);
    snprintf(line, sizeof line, "isopipe: %s", sum);
    cli_term_line(&a->term, line);
  }
  if (o->profile && a->have_last) {
    size_t need = pl_stats_table(&a->last, NULL, 0);
    char *buf = malloc(need + 1);
    if (buf) {
      pl_stats_table(&a->last, buf, need + 1);
      cli_write_all(a->term.fd, buf, strlen(buf));
      if (need > 0 && buf[need - 1] != '\n') cli_write_all(a->term.fd, "\n", 1);
      free(buf);
    }
  }
  if (a->have_last) {
    a->last.finished = 1;
    cli_report_write(&a->report, &a->last, cli_percent(&a->last), interrupted ? -1 : 0, 1);
  }
}

static int run_pipeline(app *a) {
  int rc = configure(a);
  if (rc) return rc;
  iso_pipeline_callbacks cb = {on_progress, on_log, on_error, on_done};
  iso_pipeline_set_callbacks(a->p, &cb, a);
  int st = iso_pipeline_start(a->p);
  if (st != ISO_OK) {
    cli_term_draw(&a->term, NULL, 0);
    print_error(a, pipeline_reason(a, st));
    return st == ISO_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
  }
  /* Only once the options were all accepted (the pipeline checks the
   * pass-through ones at start): a usage error stays one line. */
  if (!a->o->hide_banner && a->o->loglevel >= 32) {
    char banner[512];
    cli_fmt_banner(banner, sizeof banner);
    cli_term_line(&a->term, banner);
  }
  /* The pipeline's 60 Hz timer on this isolate renders; this loop only
   * makes sure a signal is acted on even between ticks. The stages'
   * reports wait for the next tick instead of waking this thread each. */
  iso_set_mail_latency(1000000000ull / 60);
  int grace = 0;
  while (!a->done) {
    if (iso_pipeline_done(a->p) && ++grace > 50) break;
    iso_loop_poll(POLL_NS);
    poll_signals(a);
  }
  if (!a->done) a->status = iso_pipeline_status(a->p);
  int interrupted = cli_signals_count() > 0;
  /* A cancelled pipeline ends "cancelled"; anything else after a signal
   * means the output could not be finished, which 130/143 would hide. */
  int failed = a->status != ISO_OK && !(interrupted && a->status == ISO_ECANCELLED);
  finish_report(a, interrupted && !failed, failed);
  if (failed) return CLI_EXIT_FAIL;
  return interrupted ? 128 + cli_signals_first() : CLI_EXIT_OK;
}

int cli_app_run(const cli_opts *o) {
  /* -timelimit as ffmpeg 5.1 sets it: the kernel ends the process
   * (SIGXCPU) once it has used that much CPU time. */
  if (o->timelimit >= 0) {
    struct rlimit rl = {(rlim_t)o->timelimit, (rlim_t)o->timelimit + 1};
    if (setrlimit(RLIMIT_CPU, &rl) < 0) perror("setrlimit");
  }
  /* Process-wide, as ffmpeg sets them while parsing: every isolate is a
   * thread of this process and opens its codecs after this. */
  if (o->has_max_alloc) av_max_alloc(o->max_alloc);
  if (o->has_cpuflags) av_force_cpu_flags((int)o->cpuflags);
  if (o->cluster) return cli_cluster_run(o);
  app a;
  memset(&a, 0, sizeof a);
  a.o = o;
  a.verbose = o->loglevel >= 40;
  /* As in ffmpeg: -stats shows the display even at -v warning (a common
   * way to see progress and nothing else); by default it follows -v. */
  a.show_stats = o->stats == 1 || (o->stats < 0 && o->loglevel >= 32);
  cli_rates_init(&a.rates);
  cli_term_init(&a.term, 2, -1);
  char err[1024];

  int rc = check_writes(o, err, sizeof err);
  if (rc) {
    print_error(&a, err);
    cli_term_free(&a.term);
    return rc;
  }
  rc = cli_report_open(&a.report, o->progress_url, err, sizeof err);
  if (rc) {
    print_error(&a, err);
    cli_term_free(&a.term);
    return rc;
  }
  if (cli_signals_install() < 0) {
    snprintf(err, sizeof err, "cannot install signal handlers: %s", strerror(errno));
    print_error(&a, err);
    cli_report_close(&a.report);
    cli_term_free(&a.term);
    return CLI_EXIT_FAIL;
  }
  /* Workers' av_log callbacks read this level, so debug chatter is not
   * formatted and shipped only to be dropped here. */
  av_log_set_level(o->loglevel);
  if (o->trailing && o->loglevel >= 24) {
    char line[700];
    snprintf(line, sizeof line,
             "isopipe: trailing option(s) after the last output ignored, as ffmpeg ignores "
             "them: %s",
             o->trailing);
    cli_term_line(&a.term, line);
  }
  for (size_t i = 0; o->loglevel >= 24 && i < o->nwarnings; i++) {
    char line[400];
    snprintf(line, sizeof line, "isopipe: %s", o->warnings[i]);
    cli_term_line(&a.term, line);
  }
  for (size_t i = 0; o->loglevel >= 40 && i < o->nnotes; i++) {
    char line[400];
    snprintf(line, sizeof line, "isopipe: %s", o->notes[i]);
    cli_term_line(&a.term, line);
  }

  /* Before the runtime starts threads: they must not inherit it. Inline
   * mode does the media work on this thread: it gets no priority over
   * others. A refusal only costs tick accuracy. */
  uint64_t slice = cli_sched_slice_from_env();
  cli_sched_result sched =
      cli_sched_main_thread(o->inline_mode ? CLI_SCHED_OFF : cli_sched_mode_from_env(), slice);
  a.main_rt = sched.got == CLI_SCHED_GOT_RT;
  if (a.verbose) {
    char line[192];
    cli_sched_describe(sched, slice, line, sizeof line);
    av_log(NULL, AV_LOG_VERBOSE, "%s\n", line);
  }
  rc = iso_runtime_init(o->inline_mode ? ISO_MODE_INLINE : ISO_MODE_THREADS);
  if (rc != ISO_OK) {
    snprintf(err, sizeof err, "cannot start the runtime: %s", iso_strerror(rc));
    print_error(&a, err);
    cli_report_close(&a.report);
    cli_term_free(&a.term);
    return CLI_EXIT_FAIL;
  }
  a.p = iso_pipeline_new();
  if (!a.p) {
    print_error(&a, "out of memory");
    rc = CLI_EXIT_FAIL;
  } else {
    rc = run_pipeline(&a);
    iso_pipeline_free(a.p);
  }
  iso_runtime_shutdown();
  cli_report_close(&a.report);
  cli_term_free(&a.term);
  return rc;
}
