/* Planning a --cluster run: how many tasks, their command line and script, and with --batch the
 * list of inputs and outputs as one Slurm job array (longest input first) and where a task finds
 * its segment. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isopipe/probe.h"
#include "pipeline/pl_segments.h"
#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_cluster.h"

/* One task per segment of the plan (pl_seg_plan_make): segments own at
 * least min(10 s, duration / nseg) of the probed duration. Should the input
 * hold more than the probe said, the last task encodes the segments past it. */
int cli_cluster_task_count(double dur_s, int nseg) {
  double len = dur_s / nseg < 10 ? dur_s / nseg : 10;
  int n = (int)ceil(dur_s / len - 1e-6);
  if (n < 1) n = 1;
  return n > CLI_CLUSTER_MAX_TASKS ? CLI_CLUSTER_MAX_TASKS : n;
}

/* The encoder a stream of this type gets, when the command line names it. */
static const char *named_encoder(const cli_opts *o, char type) {
  const char *v = cli_opts_get(o, type == 'v' ? "c:v" : "c:a");
  return v ? v : cli_opts_get(o, "c");
}

/* The encoder the tasks will open: the one named (a codec's name means its
 * default encoder), else the output format's default; NULL none known. */
static const char *task_encoder(const cli_opts *o, const char *output, char type) {
  const char *name = named_encoder(o, type);
  if (name && !strcmp(name, "copy")) return name;
  const AVOutputFormat *of = av_guess_format(cli_opts_get(o, "f"), output, NULL);
  const AVCodec *c = NULL;
  char why[256];
  if (!of ||
      pl_resolve_encoder(of, output, name, type == 'v' ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO,
                         &c, why, sizeof why) != ISO_OK ||
      !c)
    return name;
  return c->name;
}

/* How the message names a stream's encoder: the option that chose it. */
static void encoder_said(const cli_opts *o, char type, const char *enc, char *buf, size_t n) {
  if (named_encoder(o, type))
    snprintf(buf, n, "-c:%c %s", type, enc);
  else
    snprintf(buf, n, "the output's default %s encoder %s (no -c:%c given)",
             type == 'v' ? "video" : "audio", enc, type);
}

/* Filters whose output frame depends on frames before it or that change
 * the frames' timing: a task starting mid-stream would make other frames. */
static const char *const stateful_filters[] = {
    "fps",      "framerate", "yadif",      "bwdif",      "w3fdif",    "minterpolate",
    "tmix",     "tblend",    "select",     "setpts",     "deflicker", "mpdecimate",
    "decimate", "telecine",  "fieldmatch", "detelecine", "trim",      "loop",
    "reverse",  "tpad",      "framestep",  "random"};

static const char *stateful_in(const char *graph) {
  for (size_t i = 0; graph && i < sizeof stateful_filters / sizeof stateful_filters[0]; i++) {
    size_t n = strlen(stateful_filters[i]);
    for (const char *p = strstr(graph, stateful_filters[i]); p;
         p = strstr(p + 1, stateful_filters[i]))
      if ((p == graph || strchr(",;] ", p[-1])) && strchr("=,;[ ", p[n] ? p[n] : ' '))
        return stateful_filters[i];
  }
  return NULL;
}

int cli_cluster_check(const cli_opts *o, const char *input, const char *output, double *dur,
                      bool *video, char *err, size_t n) {
  iso_probe_info *info = NULL;
  iso_error_info e;
  *video = false;
  if (iso_probe(input, NULL, &info, &e) != ISO_OK)
    return snprintf(err, n, "%.900s", e.message ? e.message : input), CLI_EXIT_FAIL;
  bool has_v = false, has_a = false;
  for (int i = 0; i < info->nstreams; i++) {
    const iso_probe_stream *st = &info->streams[i];
    if (st->type == ISO_MEDIA_VIDEO && !st->attached_pic) has_v = true;
    if (st->type == ISO_MEDIA_AUDIO) has_a = true;
  }
  *dur = info->duration_s;
  iso_probe_free(info);
  if (!(*dur > 0))
    return snprintf(err, n, "%.900s: the input's duration is unknown", input), CLI_EXIT_FAIL;
  const char *cv = task_encoder(o, output, 'v'), *ca = task_encoder(o, output, 'a');
  bool enc_v = has_v && !cli_opts_get(o, "vn") && !(cv && !strcmp(cv, "copy"));
  bool enc_a = has_a && !cli_opts_get(o, "an") && !(ca && !strcmp(ca, "copy"));
  const char *why;
  char said[300];
  if (enc_v && cv && (why = pl_seg_encoder_why(cv, AVMEDIA_TYPE_VIDEO))) {
    encoder_said(o, 'v', cv, said, sizeof said);
    return snprintf(err, n, "%s cannot be cut into segments: %s", said, why), CLI_EXIT_USAGE;
  }
  if (enc_a && ca && (why = pl_seg_encoder_why(ca, AVMEDIA_TYPE_AUDIO))) {
    encoder_said(o, 'a', ca, said, sizeof said);
    return snprintf(err, n, "%s cannot be cut into segments: %s", said, why), CLI_EXIT_USAGE;
  }
  if (enc_v) {
    const char *f;
    if (cli_opts_get(o, "force_key_frames"))
      return snprintf(err, n,
                      "-force_key_frames places keyframes over the whole stream; a "
                      "segment's encoder cannot"),
             CLI_EXIT_USAGE;
    if (cli_opts_get(o, "r"))
      return snprintf(err, n,
                      "-r: a task starting mid-stream cannot drop and repeat frames as "
                      "the whole stream would; give the input's rate"),
             CLI_EXIT_USAGE;
    const char *keys[] = {"vf", "filter", "filter_complex"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      if ((f = stateful_in(cli_opts_get(o, keys[i]))))
        return snprintf(err, n,
                        "-%s: filter '%s' depends on the frames before it or changes "
                        "their timing, and a task starts mid-stream",
                        keys[i], f),
               CLI_EXIT_USAGE;
    if (enc_a)
      return snprintf(err, n,
                      "a run that cuts video cuts only the video: give -c:a copy or "
                      "-an for the audio"),
             CLI_EXIT_USAGE;
  }
  *video = enc_v;
  return 0;
}

int cli_cluster_tasks_for(double dur_s, int nseg, bool video) {
  /* A video task encodes a run of the plan's segments, as many encoders
   * in turn as the in-process run has side by side. */
  return video ? nseg : cli_cluster_task_count(dur_s, nseg);
}

static bool is_cluster_opt(const char *a, int *takes_value) {
  static const char *const names[] = {"--cluster", "--partition", "--cluster-dir", "--batch"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    size_t n = strlen(names[i]);
    if (!strncmp(a, names[i], n) && (a[n] == 0 || a[n] == '=')) {
      *takes_value = a[n] == 0;
      return true;
    }
  }
  return false;
}

/* The command line for the tasks: the user's, without the cluster's own
 * options, with the segment count made explicit; a batch's file gets its
 * input first and its output last. */
int cli_cluster_write_args(const cli_opts *o, const char *dir, const cli_batch_job *job, int nseg,
                           bool add_segments) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/" CLI_CLUSTER_ARGS, dir);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  if (job) fprintf(f, "-i%c%s%c", 0, job->in, 0);
  for (int i = 1; i < o->argc; i++) {
    int takes;
    if (is_cluster_opt(o->argv[i], &takes)) {
      i += takes;
      continue;
    }
    fwrite(o->argv[i], 1, strlen(o->argv[i]) + 1, f);
  }
  if (add_segments) fprintf(f, "--segments%c%d%c", 0, nseg, 0);
  if (job) fwrite(job->out, 1, strlen(job->out) + 1, f);
  return fclose(f);
}

int cli_cluster_script(const char *dir, const char *name, const char *tail, char *path, size_t n) {
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return -1;
  exe[len] = 0;
  /* Single-quoted into the script: refused if they hold a quote. */
  if (strchr(exe, '\'') || strchr(dir, '\'')) return -1;
  snprintf(path, n, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "#!/bin/sh\nexec '%s' %s\n", exe, tail);
  return fclose(f);
}

int cli_cluster_write_script(const char *dir, int ntasks, char *path, size_t n) {
  char tail[PATH_MAX + 64];
  snprintf(tail, sizeof tail, "--segment-task '%s' \"$SLURM_ARRAY_TASK_ID\" %d", dir, ntasks);
  return cli_cluster_script(dir, "task.sh", tail, path, n);
}

int cli_read_file(const char *path, char **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, n = 0;
  char *b = malloc(cap + 1);
  for (size_t r; b && (r = fread(b + n, 1, cap - n, f)) > 0;) {
    n += r;
    if (n == cap) {
      char *nb = realloc(b, cap * 2 + 1);
      if (!nb) {
        free(b);
        b = NULL;
        break;
      }
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!b) return -1;
  b[n] = 0;
  *buf = b;
  *len = n;
  return 0;
}

void cli_file_last_line(const char *path, char *out, size_t n) {
  char *buf;
  size_t len;
  out[0] = 0;
  if (cli_read_file(path, &buf, &len) < 0) return;
  while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = 0;
  char *line = strrchr(buf, '\n');
  snprintf(out, n, "%s", line ? line + 1 : buf);
  free(buf);
}

void cli_batch_free(cli_batch_job *jobs, int n) {
  for (int j = 0; jobs && j < n; j++) {
    free(jobs[j].in);
    free(jobs[j].out);
  }
  free(jobs);
}

static int longest_first(const void *a, const void *b) {
  const cli_batch_job *x = a, *y = b;
  return (x->dur < y->dur) - (x->dur > y->dur);
}

/* "INPUT<TAB>OUTPUT", or the two names split at white space when the line
 * has no tab; blank lines and '#' lines are skipped. 1 a pair, 0 none, -1 bad. */
static int split_line(char *line, char **in, char **out) {
  size_t len = strlen(line);
  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = 0;
  char *s = line + strspn(line, " \t");
  if (!*s || *s == '#') return 0;
  char *sep = strchr(s, '\t');
  if (!sep) sep = strpbrk(s, " ");
  if (!sep) return -1;
  *sep = 0;
  char *o = sep + 1 + strspn(sep + 1, " \t");
  size_t olen = strlen(o);
  while (olen && (o[olen - 1] == ' ' || o[olen - 1] == '\t'))
    o[--olen] = 0;
  if (!*o || strchr(o, '\t')) return -1;
  *in = s;
  *out = o;
  return 1;
}

int cli_batch_read(const cli_opts *o, cli_batch_job **jobs, int *njobs, char *err, size_t n) {
  const char *list = o->batch;
  int overwrite = o->overwrite;
  char *buf = NULL;
  size_t len = 0;
  *jobs = NULL;
  *njobs = 0;
  if (cli_read_file(list, &buf, &len) < 0)
    return snprintf(err, n, "--batch %.900s: %s", list, strerror(errno)), CLI_EXIT_USAGE;
  cli_batch_job *js = calloc(CLI_CLUSTER_MAX_JOBS, sizeof *js);
  int nj = 0, rc = 0, lineno = 0;
  for (char *line = buf, *next; js && line && *line && !rc; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    lineno++;
    char *in, *out;
    int r = split_line(line, &in, &out);
    if (r == 0) continue;
    if (r < 0) {
      rc = CLI_EXIT_USAGE;
      snprintf(err, n, "--batch %.600s line %d: expected INPUT<TAB>OUTPUT", list, lineno);
    } else if (nj == CLI_CLUSTER_MAX_JOBS) {
      rc = CLI_EXIT_USAGE;
      snprintf(err, n, "--batch %.600s: more than %d files", list, CLI_CLUSTER_MAX_JOBS);
    } else if (!strcmp(in, "-") || !strcmp(out, "-") || strstr(in, "://") || strstr(out, "://")) {
      rc = CLI_EXIT_USAGE;
      snprintf(err, n, "--batch %.600s line %d: inputs and outputs must be files every node sees",
               list, lineno);
    } else {
      for (int j = 0; j < nj && !rc; j++)
        if (!strcmp(js[j].out, out)) {
          rc = CLI_EXIT_USAGE;
          snprintf(err, n, "--batch %.600s line %d: output %.600s is written twice", list, lineno,
                   out);
        }
      if (!rc) rc = cli_check_output(in, out, overwrite, err, n);
      if (!rc) {
        js[nj].in = strdup(in);
        js[nj].out = strdup(out);
        if (!js[nj].in || !js[nj].out) rc = CLI_EXIT_FAIL, snprintf(err, n, "out of memory");
        nj++;
      }
    }
  }
  free(buf);
  if (!js) return snprintf(err, n, "out of memory"), CLI_EXIT_FAIL;
  if (!rc && !nj) rc = CLI_EXIT_USAGE, snprintf(err, n, "--batch %.900s: no files listed", list);
  /* Each input's length plans its segments and orders the array; what its
   * tasks could not cut is refused before anything is submitted. */
  for (int j = 0; j < nj && !rc; j++)
    rc = cli_cluster_check(o, js[j].in, js[j].out, &js[j].dur, &js[j].video, err, n);
  if (rc) {
    cli_batch_free(js, nj);
    return rc;
  }
  qsort(js, (size_t)nj, sizeof *js, longest_first);
  *jobs = js;
  *njobs = nj;
  return 0;
}

int cli_batch_write_tasks(const char *top, const cli_batch_job *jobs, int njobs) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/" CLI_CLUSTER_TASKS, top);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  for (int j = 0; j < njobs; j++)
    for (int k = 0; k < jobs[j].n; k++)
      fprintf(f, "%d %d %d\n", j, k, jobs[j].n);
  return fclose(f);
}

int cli_batch_task(const char *top, long g, char *dir, size_t dn, long *k, long *n) {
  char path[PATH_MAX + 16], *buf = NULL;
  size_t len = 0;
  snprintf(path, sizeof path, "%s/" CLI_CLUSTER_TASKS, top);
  if (cli_read_file(path, &buf, &len) < 0) return errno == ENOENT ? 0 : -1;
  int found = -1;
  long line = 0;
  for (char *s = buf; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL, line++) {
    int j, kk, nn;
    if (line == g && sscanf(s, "%d %d %d", &j, &kk, &nn) == 3 && j >= 0 && kk >= 0 && kk < nn) {
      snprintf(dir, dn, "%s/job-%d", top, j);
      *k = kk;
      *n = nn;
      found = 1;
      break;
    }
  }
  free(buf);
  return found;
}
