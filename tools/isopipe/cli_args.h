/* Command-line parsing: ffmpeg-style options turned into pipeline settings and CLI choices. */
#ifndef ISOPIPE_CLI_ARGS_H
#define ISOPIPE_CLI_ARGS_H

#include <stddef.h>

/* CLI_DESCRIBE: inputs and no output (ffmpeg describes them and exits 1). */
typedef enum { CLI_RUN = 0, CLI_HELP, CLI_VERSION, CLI_LIST, CLI_DESCRIBE } cli_action;

/* One iso_pipeline_set() call, in command-line order. 'opt' is the option
 * as typed, for error messages. An entry with key CLI_OUTPUT_KEY starts a
 * further output (value: its path): the entries after it, up to the next
 * such entry, are that output's options (docs/cli.md, "Several outputs"). */
#define CLI_OUTPUT_KEY "+output"
#define CLI_MAX_OUTPUTS 8
#define CLI_MAX_INPUTS 8
typedef struct cli_kv {
  char *key, *value;
  char *opt;
  int before_input; /* written before the first -i: -ss/-t/-to are then the input's */
  int input;        /* written before -i #k (k >= 1): input k's option; else 0 */
  int avoption;     /* a codec/format AVOption (input k's: its demuxer's) */
} cli_kv;

typedef struct cli_opts {
  cli_action action;
  char *topic;          /* CLI_HELP: -h TOPIC (or NULL); CLI_LIST: the list (-formats ...) */
  char *input, *output; /* "-" = stdin / stdout */
  char *more_in[CLI_MAX_INPUTS]; /* input #k (k >= 1) of several -i; [0] unused */
  int ninputs;
  size_t in_group; /* where the options of the next input start in kv */
  int overwrite;   /* 1 after -y, 0 otherwise (-n is the default) */
  cli_kv *kv;      /* pipeline settings, applied in order */
  size_t nkv, kv_cap;
  int inline_mode;               /* --inline */
  char *stats_path, *trace_path; /* --stats, --trace */
  int profile;                   /* --profile */
  char *progress_url;            /* -progress */
  double stats_period;           /* -stats_period, seconds (default 1) */
  int loglevel;                  /* AV_LOG_* number; default 32 (info) */
  int stats;                     /* -stats 1, -nostats 0, neither -1 (shown from -v info up) */
  int hide_banner, nostdin;
  long timelimit; /* -timelimit: seconds of CPU time (RLIMIT_CPU), or -1 */
  /* -max_alloc: av_max_alloc's limit on one block; has_max_alloc when given */
  size_t max_alloc;
  int has_max_alloc;
  /* -cpuflags: what av_force_cpu_flags gets; has_cpuflags when given */
  unsigned cpuflags;
  int has_cpuflags;
  char **notes; /* options accepted that change nothing here, with the reason */
  size_t nnotes;
  char *
      *warnings; /* what ffmpeg warns about on the line (deprecated options), printed as it does */
  size_t nwarnings;
  /* Per-file options after the last output, left out as ffmpeg leaves them
   * out ("Trailing option(s) found in the command"): their words, or NULL. */
  char *trailing;
  /* --cluster slurm, --partition, --cluster-dir; the command line as given
   * (not owned), which the cluster's tasks run again */
  char *cluster, *partition, *cluster_dir;
  char *batch; /* --batch LIST: the inputs and outputs of a cluster run */
  int argc;
  char **argv;
  char **target_argv;  /* argv with -target written out (owned), or NULL */
  char **preset_argv;  /* argv with -vpre/-fpre... written out (owned), or NULL */
  char **preset_owned; /* the words the preset files gave */
  int npreset_owned;
  /* A cluster run's share, set by cli_cluster.c: this process encodes
   * segment seg_task only, or joins (seg_join) what the tasks left in seg_dir. */
  char *seg_dir;
  int seg_task, seg_tasks, seg_join;
  /* The parser's room for the value at hand, normalised: as long as the
   * longest value given (a graph, a tag), never cut to a fixed size. */
  char *value_buf;
  size_t value_cap;
} cli_opts;

/* Parses argv[1..argc-1] into o (which it initialises). Returns 0, or 2 on
 * a usage error with one line (no "isopipe: " prefix, no newline) in err.
 * cli_opts_free() must be called in both cases. */
int cli_args_parse(int argc, char **argv, cli_opts *o, char *err, size_t errlen);
void cli_opts_free(cli_opts *o);

/* Reads a -loglevel value ("info", "verbose", "repeat+debug", "40").
 * Returns 0 or -1. */
int cli_parse_loglevel(const char *s, int *level);

/* The value set for key (the last one), or NULL. */
const char *cli_opts_get(const cli_opts *o, const char *key);

#endif
