/* Pipeline internals shared by the main-isolate side and the stage isolates. */
#ifndef ISOPIPE_PL_INTERNAL_H
#define ISOPIPE_PL_INTERNAL_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ring.h"
#include "isopipe/isolate.h"
#include "isopipe/pipeline.h"
#include "pipeline/pl_limits.h"
#include "pipeline/pl_msg.h"
#include "pipeline/pl_outpath.h"
#include "profiling/prof.h"

#define PL_ERRLEN 512
/* Workers run below the main isolate (worker_nice, this by default; the
 * CLI uses 0 when its main thread got a realtime policy, which keeps it
 * above any worker), and the stages feeding the encoders below those
 * (pl_prio.c): upstream stages only fill bounded links, so when the
 * encoder is the bottleneck the cores go to it first; when decoding is the
 * bottleneck the encoder mostly waits, so its priority costs nothing. */
#define PL_WORKER_NICE 5
#define PL_PREHEADER_MAX 4096 /* packets the muxer acks before its header */

/* Stage priorities (pl_prio.c). */
typedef enum pl_prio_kind {
  PL_PRIO_OTHER,        /* demux, mux, video encoders: worker_nice */
  PL_PRIO_DECODE,       /* decoders */
  PL_PRIO_CONVERT,      /* scalers and resamplers */
  PL_PRIO_AUDIO_ENCODE, /* cheap next to video: it can wait */
  PL_PRIO_KINDS
} pl_prio_kind;
#define PL_PRIO_PERIOD_NS 250000000ull
#define PL_PRIO_ALONE_BELOW 0.15 /* CPUs used by other programs */
#define PL_PRIO_SHARED_AT 0.30
typedef enum pl_sched {
  PL_SCHED_AUTO,  /* the stages feeding the encoders: they fill, they need not preempt */
  PL_SCHED_BATCH, /* every stage */
  PL_SCHED_NORMAL /* none */
} pl_sched;
typedef struct pl_prio {
  bool off, alone;
  uint64_t at_ns, busy, total, mine; /* last sample (clock ticks) */
  double others_cpus;                /* other programs' load over the last period */
} pl_prio;
int pl_prio_nice(int worker_nice, pl_prio_kind kind, bool alone);
/* The level for the load others put on the machine, with hysteresis. */
bool pl_prio_decide(bool alone, double others_cpus);
/* Samples /proc every PL_PRIO_PERIOD_NS; true when the level changed. */
bool pl_prio_sample(pl_prio *s, uint64_t now_ns);

/* ---- the stop word ------------------------------------------------------ */

/* The one word a pipeline's isolates share: FFmpeg's interrupt callback in
 * the demux reads it, so a cancel also ends a read or an open blocked on a
 * silent network peer, where no message can reach the isolate. Main writes
 * it, like the runtime's own kill flag. */
typedef struct pl_flag {
  atomic_int refs;
  atomic_int state; /* PL_RUN, PL_STOP (graceful), PL_ABORT */
} pl_flag;
enum { PL_RUN = 0, PL_STOP = 1, PL_ABORT = 2 };
pl_flag *pl_flag_new(void);
pl_flag *pl_flag_ref(pl_flag *f);
void pl_flag_unref(pl_flag *f);
/* FFmpeg's AVIOInterruptCB: non-zero once main asked to stop. */
int pl_flag_interrupt(void *opaque);

/* ---- the job: options resolved by main, which reads each stage's settings from it ---- */

typedef enum pl_node_kind {
  PL_N_DEMUX,
  PL_N_DECODE,
  PL_N_VCONV,
  PL_N_ACONV,
  PL_N_ENCODE,
  PL_N_MUX,
  PL_N_LAVFI /* the -filter_complex graph: several input links, one output link per output pad */
} pl_node_kind;

typedef struct pl_out_stream {
  int in_index;          /* input stream */
  int file;              /* output file (0 = the first) */
  enum AVMediaType type; /* video / audio */
  bool copy;
  char encoder[64];                  /* resolved encoder name */
  int dec_node, conv_node, enc_node; /* -1 when absent */
  /* Fed by output pad fc_out of the -filter_complex graph (-1: by a
   * decoder); in_index is then the stream of the graph's first input. */
  int fc_out;
  int mux_port; /* index of its file's muxer's input link */
} pl_out_stream;

/* Stage names: one output keeps demux, decode:v, convert:v, encode:v, mux...
 * With several, output #k (k >= 1, ffmpeg's numbering from 0) has its
 * convert, encode and mux stages named with "#k" ("encode:v#2", "mux#1");
 * demux and the decoders serve every output and keep their names. */
typedef struct pl_node {
  pl_node_kind kind;
  int input;     /* demux and decoders: the input file they read */
  int in_stream; /* decoders: the input stream they decode */
  char name[ISO_STAGE_NAME_MAX];
  int out_stream;           /* the output stream it serves (-1 demux, mux) */
  int file;                 /* output file whose options it reads (0 for demux, decode) */
  int down_node;            /* next stage (-1 for mux) */
  int down_port;            /* which input link of down_node */
  int nfan;                 /* a decoder's next stages, one per output using it */
  int fan_node[PL_MAX_FAN]; /* (fan_node[0] is down_node) */
  int fan_port[PL_MAX_FAN];
  int nin; /* input links it owns */
} pl_node;

/* The stages a node feeds: down_node, or a decoder's fan. */
static inline int pl_node_ndown(const pl_node *nd) {
  return nd->nfan ? nd->nfan : nd->down_node >= 0 ? 1 : 0;
}
static inline int pl_node_down(const pl_node *nd, int i, int *port) {
  if (port) *port = nd->nfan ? nd->fan_port[i] : nd->down_port;
  return nd->nfan ? nd->fan_node[i] : nd->down_node;
}

/* A link out of the demux: one input stream to one consumer (a decoder, or
 * a muxer for a copied stream). A stream read by several has several. */
typedef struct pl_dlink {
  int in_index;
  int node, port; /* consumer and its input link */
  bool copy;      /* into a muxer: starts on a keyframe, ends at -t */
  /* A copy's own window (its output's -ss/-t) after the demux's start, in
   * microseconds; start > 0 shifts its timestamps back to 0; end -1 none. */
  int64_t start_us, end_us;
  /* An output -ss (pl_job.ss_out_us, 0 none): the copy starts at a keyframe
   * at or after start_us, never the one before it. */
  int64_t out_ss_us;
  bool copyinkf; /* a copy keeps the packets before its first keyframe */
  /* end_us is its output's own -t/-to (not an input -t): with -copyts it
   * counts on the output's clock, as ffmpeg's recording time does. */
  bool end_own;
} pl_dlink;

/* Input #k (k >= 1) of several: its own -i, -f, demuxer options, -ss/-t/-to
 * (input options: it is read from ss for t) and -itsoffset. Input #0's
 * path, format and demuxer options are the job's own fields (input,
 * input_format, in_opts); its -ss/-t/-to are composed into every output's
 * window at start (pl_window_compose), its offset is in[0].offset_us. */
/* -itsscale[:SPEC]: the timestamps of the streams SPEC matches (ffmpeg's
 * stream specifier, read by libavformat; empty: every stream) are
 * multiplied by scale once the input's start is taken off; the last one
 * that matches a stream wins, as in ffmpeg. */
#define PL_MAX_TS_SCALES 8
typedef struct pl_ts_scale {
  char spec[48];
  double scale;
} pl_ts_scale;

/* -discard[:SPEC]: the AVStream.discard (an AVDiscard) of the streams SPEC
 * matches, the last match winning, as ffmpeg 5.1 sets it on the streams it
 * reads: the demuxer leaves those packets out (-discard nokey: keyframes
 * only, where the demuxer honours it). */
#define PL_MAX_DISCARDS 8
typedef struct pl_discard {
  char spec[48];
  int level;
} pl_discard;

/* -guess_layout_max[:SPEC] N: an audio stream whose channel order the
 * input leaves unspecified is given its count's default layout only when
 * it has at most N channels (the last matching specifier wins; none: no
 * limit), as ffmpeg 5.1 guesses it once the input is open. */
typedef struct pl_guess_layout {
  char spec[48];
  int max;
} pl_guess_layout;

typedef struct pl_input {
  char *path, *format;
  AVDictionary *opts;
  int64_t ss_us, t_us, to_us; /* -1 unset; to folds into t at start */
  int64_t offset_us;          /* -itsoffset: added to every timestamp */
  unsigned off_types;         /* -vn/-an/-sn/-dn before -i: bit 1 << AVMediaType left out */
  bool no_accurate_seek;      /* -noaccurate_seek: frames before its -ss are kept (ffmpeg) */
  bool fix_sub_duration;      /* -fix_sub_duration: re-encoded subtitles end at the next one */
  int canvas_w, canvas_h;     /* -canvas_size: sub2video's canvas; 0 none */
  AVRational rate;            /* -r before -i: frames counted at this rate; {0,0} none */
  pl_ts_scale scale[PL_MAX_TS_SCALES];
  int nscale;
  pl_discard discard[PL_MAX_DISCARDS];
  int ndiscard;
  pl_guess_layout guess[PL_MAX_DISCARDS];
  int nguess;
  /* -dump_attachment[:SPEC] FILE, in the order given: key the stream
   * specifier, value the file ("" the stream's filename tag) */
  AVDictionary *dumps;
  int loop; /* -stream_loop: passes after the first (-1 endless) */
  /* -sseof: < 0, the read starts this long before the input's end (its
   * -ss once the demux knows the duration); 0 none */
  int64_t sseof_us;
} pl_input;

typedef struct pl_job {
  /* options */
  int ninputs; /* input files: 1 + those added */
  pl_input in[PL_MAX_INPUTS];
  bool shortest; /* -shortest: the output ends with its shortest stream */
  /* -fs: the output ends once its file holds this many bytes; 0 none */
  int64_t limit_fs;
  char *input, *output, *format, *input_format, *protocol_whitelist, *allow_formats;
  char *out_protocols;        /* output_protocol_whitelist; NULL: PL_OUTPUT_PROTOCOLS */
  struct pl_preview *preview; /* live preview pictures (a reference); NULL none */
  iso_io in_io, out_io;       /* the caller's callbacks instead of opening input / output; read /
                                 write NULL when unset */
  char *cv, *ca, *cs, *preset, *pix_fmt, *sample_fmt;
  char *ch_layout;   /* -channel_layout: the audio's layout (its count is ac) */
  char *vf, *af;     /* libavfilter chains for video / audio; NULL none */
  char *apad;        /* -apad: apad's arguments (may be empty); NULL none */
  char *map_channel; /* -map_channel: "F.S.C" words joined by spaces (pl_mapchan.h); NULL none */
  char *fcomplex;    /* -filter_complex: one graph for every output (job #0 holds it) */
  char *aspect;      /* -aspect: display aspect, a setdar after the chain */
  char *force_kf;    /* -force_key_frames (pl_fkf.c); NULL none */
  char *sws_flags;   /* -sws_flags: every scale filter's, after ffmpeg's bicubic */
  char *passlog;     /* -passlogfile: the two-pass statistics' prefix; NULL ffmpeg's */
  bool autorotate;   /* turn pictures by the input's display matrix (default) */
  int64_t bv, ba;
  double crf; /* < 0 unset */
  int gop, threads;
  int pass;            /* -pass: 1 writes the video's statistics, 2 reads them, 3 both; 0 none */
  int max_vframes;     /* -frames:v: video frames this output encodes (or copies) at most; -1 all */
  int max_aframes;     /* -frames:a: audio packets this output writes at most; -1 all */
  double qv, qa;       /* -q:v / -q:a (fixed quantizer / VBR quality); -1 unset */
  int width, height;   /* 0 keep, -1/-2 keep aspect */
  AVRational rate;     /* -r or vf fps; {0,0} keep */
  int vsync;           /* -fps_mode: a pl_vsync_mode; auto is resolved by the convert stage */
  bool vf_set;         /* -vf given: frames last 1/fps, not their packet's duration */
  unsigned filter_any; /* bit 0: vf, bit 1: af came from -filter without a type */
  unsigned codec_any;  /* bit 0: cv, bit 1: ca came from -c without a type */
  int ar, ac;
  int async; /* -async: > 0 puts aresample=async=N in front of the audio chain */
  /* -adrift_threshold: that aresample's min_hard_comp, set by has_adrift
   * (else ffmpeg's 0.1); a float, as ffmpeg keeps it */
  float adrift;
  bool has_adrift;
  /* -vol: volume=vol/256 in front of the audio chain, unless 256; set by
   * has_vol (-vol 0 is silence) */
  int vol;
  bool has_vol;
  bool vn, an, sn, dn, fail_fast;
  /* The chains come from someone untrusted: filters that load code, open
   * sockets or read or write files are refused. */
  bool untrusted_filters;
  bool cs_named; /* c:s itself was given (not only c): ffmpeg then picks any subtitle */
  /* -copyts: copied streams keep the input's timestamps (-start_at_zero:
   * less the input's start time), as ffmpeg's; encoded streams refuse it. */
  bool copyts, start_at_zero;
  /* -copyinkf: a copied stream also keeps the packets before its first
   * keyframe (ffmpeg drops them by default). */
  bool copyinkf;
  bool bitexact; /* -bitexact: no version strings in what is written */
  /* -reinit_filter 0: a filter graph is not rebuilt when its video input
   * changes size or format; the frames go into the graph as they are. */
  bool no_reinit;
  /* Decode errors a stream may have, as a fraction of its decode attempts
   * (ffmpeg's -max_error_rate): above it the run fails once finished. */
  double max_error_rate;
  /* A dts jump larger than this (microseconds) in a format that declares
   * discontinuities is a restart, absorbed (ffmpeg's -dts_delta_threshold). */
  int64_t dts_delta_us;
  int overwrite;              /* 0 (the default) refuses an existing file, 1 allows it */
  int64_t ss_us, t_us, to_us; /* -1 unset; this output's (to folds into t at prepare) */
  /* The part of ss given after -i (ffmpeg's output -ss; -1 none): a copy
   * starts at the first keyframe at or after it, and -copyts takes it off. */
  int64_t ss_out_us;
  bool t_from_input; /* the end is an input -t/-to's: audio ends as ffmpeg's input trim */
  int queue_pkts, queue_frames;
  /* Encoders run side by side on this many segments of a stream (audio
   * streams whose codec allows it, pl_seg_count); 1 off, 0 auto. */
  int segments;
  /* A cluster run's share of it (--cluster): seg_task >= 0 encodes only
   * that segment into seg_dir, and the last of seg_tasks tasks every segment
   * after it too; seg_join joins the segments the tasks left in seg_dir. */
  char *seg_dir;
  int seg_task, seg_tasks;
  bool seg_join;
  int worker_nice;       /* encode, demux, mux; convert and decode run below them */
  pl_sched worker_sched; /* which stages (and their codec threads) run SCHED_BATCH */
  bool adapt_nice;       /* upstream stages yield more while the machine is ours */
  char *maps[PL_MAX_OUT];
  int nmaps;
  /* -metadata, -map_metadata, -map_chapters in command-line order (option
   * key -> value, several of a key), applied by pl_meta_apply */
  AVDictionary *metadata;
  AVDictionary *extra; /* pass-through AVOptions (keys may carry :v / :a) */
  /* -bsf, -tag, -disposition in command-line order (keys NAME, NAME:v,
   * NAME:a, several of a key): the last one matching a stream wins */
  AVDictionary *sopts;
  /* Options for the streams a specifier with an index picks ("KEY@v:1",
   * "KEY@0"), in command-line order (pl_sidx.c) */
  AVDictionary *sidx;
  AVDictionary *in_opts; /* the input demuxer's AVOptions (keys "in:NAME") */
  bool trace;
  uint64_t progress_period_ns; /* on_progress at most this often; 0 every tick */
  /* resolved at start (main) */
  char out_format[64];
  char ignored[256]; /* pass-through options no stream of this output uses */
  bool global_header;
  /* resolved at start (main, pl_job_windows): the input's window is the
   * union of every output's, the same in each output's job: the demux
   * seeks to in_ss_us, the decoders keep in_t_us after it (-1 all). */
  int64_t in_ss_us, in_t_us;
  /* This output's window after in_ss_us (-1: to the end); its convert
   * stages cut to it when it is narrower than the input's (pl_job_trims). */
  int64_t win_start_us, win_end_us;
  /* Bit 1 video, bit 2 audio: this output's own -ss/-t are cut after its
   * filters (they move time), on their output's clock, as ffmpeg's output
   * trim; the input's part of the window stays before them. */
  unsigned cut_after;
  /* resolved once the input is known (main) */
  pl_input_info info;
  struct pl_meta *in_meta; /* the input's metadata and chapters (shared) */
  int nout;
  pl_out_stream out[PL_MAX_OUT];
  int nnodes;
  pl_node node[PL_MAX_NODES];
  int ndlinks;
  pl_dlink dlink[PL_MAX_DLINKS];
  /* The -filter_complex graph: the input stream on each open input, the
   * type and label of each open output and the output stream it feeds. */
  struct {
    int nin, nout, node; /* node -1: none */
    int in_stream[PL_FC_MAX];
    enum AVMediaType in_type[PL_FC_MAX], out_type[PL_FC_MAX];
    char out_label[PL_FC_MAX][64];
    int out_stream[PL_FC_MAX]; /* -1 not used yet */
  } fc;
  int nfiles; /* output files in the graph */
  /* Per output file, input streams a map asked for that isopipe cannot
   * write (subtitles, data, attachments): said as a warning, not dropped
   * silently. Bit i = input stream i. */
  /* Per output file: the cover art (an input stream index) its format
   * would take only as a re-encoded video the muxer refuses; -1 none. */
  int cover_left[PL_MAX_FILES];
  uint64_t unwritten[PL_MAX_FILES];
  /* Per output file, input attachment streams (fonts) it copies: the muxer
   * adds them after the other streams. Bit i = input stream i. */
  uint64_t attach_in[PL_MAX_FILES];
  pl_flag *flag;   /* shared stop word (referenced by every copy) */
  uint64_t log_id; /* the pipeline's, for lines from codec worker threads */
} pl_job;

pl_job *pl_job_new(void);
void pl_job_free(pl_job *j);
/* A copy (main: per-stream options are applied to one, pl_sidx_view). */
pl_job *pl_job_clone(const pl_job *j);
/* Capacity of the links into a node. */
uint32_t pl_link_capacity(const pl_job *j, int node);
/* The frame rate a video output gets: -r, else the input stream's, else 25. */
AVRational pl_out_fps(const pl_job *j, const pl_out_stream *o);
/* Stores one option; ISO_OK or ISO_EINVAL with err filled. */
int pl_job_set(pl_job *j, const char *key, const char *value, char *err, size_t errlen);
/* Checks what can be checked before the input opens: output format,
 * encoders, pass-through options. */
int pl_job_prepare(pl_job *j, char *err, size_t errlen);
/* Picks streams and builds the graph once the input's streams are known.
 * files[0] is the job that receives the graph (and the first output's
 * options); files[1..] hold the options of further outputs. */
int pl_job_build_graph(pl_job *const *files, int nfiles, char *err, size_t errlen);
/* The streams output file `file` (options fj) gets, added to g's output
 * streams (pl_pick.c): its -map, else ffmpeg's choice by its format. */
int pl_pick_streams(pl_job *g, const pl_job *fj, int file, char *err, size_t n);
/* Each output's -ss/-t window, and their union for the input: after
 * pl_job_prepare of every output, before the demux spawns. */
void pl_job_windows(pl_job *const *files, int nfiles);
/* True when this output's window is narrower than the input's: its first
 * stages (convert, a copy's demux link) cut and shift to it. */
bool pl_job_trims(const pl_job *j);
/* True for options of the input and the run (i, queue, fail_fast...), which
 * the first job holds for every output. */
bool pl_job_is_input_key(const char *key);
/* A further output's job takes the input options and the stop word of
 * the first (before pl_job_prepare), then its graph (after the build). */
int pl_job_inherit_input(pl_job *dst, const pl_job *src);
void pl_job_copy_graph(pl_job *dst, const pl_job *src);
/* -filter_complex (pl_fcomplex.c): its open inputs bound to input streams
 * and its outputs listed, before streams are picked (g: the graph's job). */
int pl_fc_bind(pl_job *g, char *err, size_t n);
/* -map "[label]" of output file `file` (options fj): the output stream. */
int pl_fc_map(pl_job *g, const pl_job *fj, int file, const char *spec, char *err, size_t n);
/* Unlabelled outputs go to the first output file, as ffmpeg's; true for a
 * type they take there (that file then picks no stream of it itself). */
int pl_fc_unlabelled(pl_job *g, const pl_job *fj, bool *took_v, bool *took_a, char *err, size_t n);
/* Every output pad used once, nothing copied or filtered twice. */
int pl_fc_check(const pl_job *g, pl_job *const *files, char *err, size_t n);
/* base for k 0, "base#k" for the k-th further input or output. */
void pl_numbered_name(char *buf, size_t len, const char *base, int k);

/* ---- several inputs (pl_inputs.c) ---------------------------------------- */

void pl_inputs_init(pl_job *j);
void pl_inputs_free(pl_job *j);
/* dst's inputs #1.. become copies of src's (fresh: dst's are raw bytes of
 * src's, from a struct copy, and are not freed first). False: out of memory. */
bool pl_inputs_copy(pl_job *dst, const pl_job *src, bool fresh);
/* Input #k's option (k >= 1: "i", "f" or "input_format", "ss", "t",
 * "itsoffset", "in:NAME"; k 0: "itsoffset"). */
int pl_input_set(pl_job *j, int k, const char *key, const char *value, char *err, size_t n);
/* -r before -i: the input's video frames are counted at this rate, their
 * own timestamps ignored (and a demuxer with a framerate option gets it). */
int pl_input_rate(pl_input *in, const char *value, char *err, size_t n);
/* Input #k's path, format, demuxer options and seek point. */
const char *pl_input_path(const pl_job *j, int k);
/* Merges the descriptions (and metadata) of every input into one, streams
 * numbered in sequence; best video / audio picked across inputs as ffmpeg
 * does. */
void pl_inputs_merge(pl_input_info *out, pl_input_info *const *in, int n);
/* Marks the streams the inputs' own -vn/-an/-sn/-dn leave out and chooses
 * the best video and audio again without them. */
void pl_inputs_disable(pl_input_info *m, const pl_job *j);
/* -map_metadata N / -map_chapters N of output job j name an input that exists. */
int pl_inputs_check_meta(const pl_job *j, int ninputs, char *err, size_t n);
/* Pass-through options for a media type ('v', 'a') or the muxer ('f'). */
AVDictionary *pl_job_opts_for(const pl_job *j, char which);
/* Resampler options are kept among the pass-through ones under this prefix. */
#define PL_SWR_PREFIX "swr/"
/* "k=v:k2=v2" of the resampler options (PL_SWR_PREFIX); "" none. */
void pl_job_swr_opts(const pl_job *j, char *buf, size_t n);
const char *pl_basename(const char *path);
/* Small helpers the job's files share. pl_fail formats into err and returns ISO_EINVAL. */
char *pl_dup_str(const char *s);
void pl_set_str(char **dst, const char *v);
int pl_fail(char *err, size_t n, const char *fmt, ...) ISO_PRINTF(3, 4);
/* A whole decimal number within +-1e9; -1 when v is anything else. */
int pl_parse_int(const char *v, int *out);

/* Segment-parallel encoding: the most encoders one stream runs side by side. */
#define PL_SEG_MAX 64
/* Encoders side by side for this output stream: 1 when it stays serial
 * (the option, the codec, the input). */
int pl_seg_count(const pl_job *j, int out_stream);
/* Why output stream out_stream stays serial whatever `segments` says (NULL: it can be cut). */
const char *pl_seg_serial_why(const pl_job *j, int out_stream);

/* ---- spawning stages: what main hands each stage isolate ---------------- */

typedef struct pl_stage pl_stage;
/* Stage entries (iso_entry); msg holds a pl_spawn (pl_spawn.h). */
void pl_demux_entry(iso_value *msg);
void pl_decode_entry(iso_value *msg);
void pl_vconv_entry(iso_value *msg);
void pl_aconv_entry(iso_value *msg);
void pl_encode_entry(iso_value *msg);
void pl_mux_entry(iso_value *msg);
void pl_lavfi_entry(iso_value *msg);
/* The encoder named (a codec name means its default encoder, as ffmpeg
 * reads it) or, name NULL, the format's default for type; *res NULL for
 * "copy". An unknown name or one of another type is an error. */
int pl_resolve_encoder(const AVOutputFormat *of, const char *out, const char *name,
                       enum AVMediaType type, const AVCodec **res, char *err, size_t n);

/* ---- trimming (-ss / -t) ------------------------------------------------- */

/* A window [start, end) in tb, an input stream's time base (end INT64_MAX:
 * none). cut: what precedes start is dropped (else only counted from). */
typedef struct pl_trim {
  AVRational tb;
  int64_t start, end;
  bool cut;
  int64_t first; /* audio: the first sample kept, in 1/first_rate */
  int first_rate;
  int64_t vfirst; /* video: the first frame's pts kept, in the frames' time base */
  /* The end is where it says, not counted from the first frame or sample
   * kept (as ffmpeg's output trim under -copyts with an -ss after -i). */
  bool abs_end;
} pl_trim;
/* Input #0's -ss/-t/-to composed with output j's own, as ffmpeg reads
 * input and output options: j's ss, t and t_from end up describing the
 * composed window from the input's start. ISO_OK, or ISO_EINVAL naming the
 * output when nothing is left of the input. */
int pl_window_compose(pl_job *j, const pl_input *in0, char *err, size_t n);
/* Input k's -sseof became -ss ss_us once its demux knew the duration (the
 * demux already reads from there): each output's windows move with it, as
 * if -ss ss_us had been given; input #0's are composed into the outputs'. */
void pl_inputs_sseof(pl_job *const *files, int nfiles, int k, int64_t ss_us);
/* A further input's -to folds into its -t (the earlier end wins). */
int pl_input_fold_to(pl_input *in, int k, char *err, size_t n);
/* The window of [start_us, end_us) (end_us < 0: none) in tb. */
pl_trim pl_trim_make(AVRational tb, int64_t start_us, int64_t end_us, bool cut);
/* -1 drop the frame, 0 keep it (audio cut to the sample at both ends, its
 * first sample kept at the start of its planes), 1 it starts at or past the
 * end, AVERROR(ENOMEM) (below -1; the frame is left whole) out of memory.
 * Audio is counted in 1/sample_rate from the window's bounds in tb. */
int pl_trim_frame(pl_trim *w, AVFrame *fr, AVRational frame_tb);
/* The window's start in frame_tb (audio: in samples, as pl_trim_frame). */
int64_t pl_trim_start_in(const pl_trim *w, const AVFrame *fr, AVRational frame_tb);

/* ---- logs ------------------------------------------------------------------ */

/* Installs the av_log forwarder (refcounted across pipelines). */
/* Returns the pipeline's log id (the jobs carry it to their stages). */
uint64_t pl_log_acquire(iso_pipeline *p);
/* Marks main as running p's own code (NULL: the host's); returns the previous. */
iso_pipeline *pl_log_main_enter(iso_pipeline *p);
void pl_log_release(iso_pipeline *p);
/* FFmpeg's lines go through isopipe's callback while a pipeline starts (its
 * lines then go where they went before: to the host's callback), so a
 * checking graph's closing lines are left out (cx_graph_free_quiet). */
void pl_log_hold(void);
void pl_log_unhold(void);
/* The stage whose handler runs on this thread (NULL: none). */
void pl_log_set_stage(pl_stage *st);
struct AVBPrint;
/* FFmpeg's info lines of this thread go into bp (NULL: back to the log),
 * as they are: av_dump_format's description of an input, for main to
 * print in the inputs' order. */
void pl_log_capture(struct AVBPrint *bp);
/* The filters that turn si's pictures upright ("transpose=clock," ...; "" none). */
void pl_conv_rotation(const pl_stream_info *si, struct AVBPrint *bp);
/* The filters ffmpeg 5.1 puts ahead of an audio input's chain: -async's
 * aresample, then -vol's volume, each followed by a comma; rebuild: the
 * graph is built again for changed input. */
void pl_conv_audio_pre(int async, float drift, int vol, bool rebuild, struct AVBPrint *bp);
/* The first FFmpeg error line logged on this thread since pl_log_error_clear
 * ("" none), so a failure can say which filter refused and why. */
void pl_log_error_clear(void);
const char *pl_log_error_first(void);
/* Delivers lines logged by threads that are not isolates (codec threads). */
void pl_log_drain(iso_pipeline *p, uint64_t id);
/* Main side: delivers a line to p's on_log. */
void pl_pipeline_deliver_log(iso_pipeline *p, int level, const char *stage, const char *line);

#endif
