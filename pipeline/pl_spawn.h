/* What main hands a stage isolate at spawn: the settings every stage has, and its kind's own. */
#ifndef ISOPIPE_PL_SPAWN_H
#define ISOPIPE_PL_SPAWN_H

#include "pipeline/pl_fkf.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_meta.h"

/* A stage its links lead to: the name its link is reported under, and the
 * link's capacity. */
typedef struct pl_stage_down {
  char name[ISO_STAGE_NAME_MAX];
  uint32_t cap;
} pl_stage_down;

_Static_assert(PL_FC_MAX <= PL_MAX_FAN, "a filter_complex's outputs are a node's fan");

/* Every stage's part of the graph and of the run. */
typedef struct pl_stage_cfg {
  int self;     /* node id, the sender of its messages */
  pl_node node; /* its own node */
  /* The stages its output links lead to (pl_node_down's order). */
  int ndown;
  pl_stage_down down[PL_MAX_FAN];
  uint32_t in_cap;       /* capacity of the links into it */
  iso_sendport *main_sp; /* where its reports go (a reference) */
  pl_flag *flag;         /* the run's stop word (a reference) */
  bool trace;            /* --trace: profiling records its events */
  uint64_t log_id;       /* the pipeline's, for lines from codec threads */
  char *file;            /* the file its errors name: its input, else its output */
} pl_stage_cfg;

/* A demux's settings: how to open and read its input. */
typedef struct pl_demux_set {
  int input;                                         /* which input file (0 the first) */
  char *format, *protocol_whitelist, *allow_formats; /* NULL: not given */
  AVDictionary *opts; /* the demuxer's options (and its decoders', which it leaves) */
  iso_io io;          /* the caller's callbacks instead of opening the path; read NULL: none */
  AVRational rate;    /* -r before -i; {0,0} none */
  int64_t start_us;   /* where the read starts: input #0 the outputs' earliest -ss, else its own */
  int64_t ss_us, t_us, offset_us;      /* the input's own -ss, -t (-1 unset) and -itsoffset */
  pl_ts_scale scale[PL_MAX_TS_SCALES]; /* -itsscale[:SPEC], in the order given */
  int nscale;
  pl_discard discard[PL_MAX_DISCARDS]; /* -discard[:SPEC], in the order given */
  int ndiscard;
  pl_guess_layout guess[PL_MAX_DISCARDS]; /* -guess_layout_max[:SPEC], in the order given */
  int nguess;
  AVDictionary *dumps; /* -dump_attachment: stream specifier -> file ("" its filename tag) */
  char *inputs[PL_MAX_INPUTS]; /* every input's name, which a dump never writes */
  int ninputs, overwrite;
  int loop;         /* -stream_loop: passes after the first (-1 endless) */
  int64_t sseof_us; /* -sseof: < 0 from the input's end, added to start_us once opened; 0 none */
  bool copyts, start_at_zero, fail_fast;
  uint32_t link_cap;    /* capacity of its output links */
  int64_t dts_delta_us; /* a larger dts jump in a format with discontinuities is a restart */
} pl_demux_set;

/* A decoder's settings. */
typedef struct pl_dec_set {
  int in_index; /* the input stream it decodes (the run's numbering) */
  enum AVMediaType type;
  AVDictionary *opts; /* decoder options given before its input's -i ("dec", "dec:v" choose one) */
  int threads;
  bool fail_fast; /* a corrupt packet ends the run instead of being counted and skipped */
  /* Its input's window from the demux's start (end -1: none); cut: what
   * precedes start is dropped. */
  int64_t win_start_us, win_end_us;
  bool win_cut;
  AVRational cfr;             /* -r before -i: pictures counted at this rate; {0,0} none */
  AVRational sar;             /* the container's aspect ratio; {0,0} none */
  int turns;                  /* quarter turns to upright, for the preview */
  struct pl_preview *preview; /* a reference; NULL none */
  /* sub2video: -canvas_size (0 none), and the canvas when the decoder has
   * no size: the largest video of the input (0: 720x576) */
  int canvas_w, canvas_h, fallback_w, fallback_h;
  /* sub2video: the streams of its input (bit per index) that feed the
   * graph's other inputs; 0 none */
  uint64_t graph_streams;
} pl_dec_set;

/* An encoder's settings: what pl_enc_open opens it with, and how its
 * stream is cut into segments. Read-only once built, and shared (refs) by
 * the stage and the workers that encode its segments. */
typedef struct pl_enc_set {
  atomic_int refs;
  int out_stream;
  enum AVMediaType type;
  char encoder[64];
  AVDictionary *opts; /* the pass-through options of its type */
  double q;           /* -q:v / -q:a; -1 unset */
  int threads;
  bool global_header;
  int64_t bit_rate;
  /* Audio: the output's recording time (its -t, not an input's), on the
   * clock of the frames given to the encoder; -1 none. As ffmpeg checks it
   * before each frame it encodes, a frame that starts at or past it ends
   * the stream: after re-chunking to the encoder's frame size, so the
   * frame that holds the end stays whole. */
  int64_t rec_end_us;
  double crf;   /* < 0 unset (video) */
  char *preset; /* NULL unset (video) */
  int gop;      /* video */
  /* Two-pass encoding (video): 1 writes the statistics to passlog, 2
   * reads them, 3 both; 0 none. */
  int pass;
  char *passlog;
  /* -force_key_frames (video; NULL none) and the output's chapters it may
   * name (nchapters -1: they could not be had). */
  char *force_kf;
  int nchapters;
  pl_chapter *chapters;
  pl_flag *flag; /* the run's stop word (a reference): segment encoders read it */
  /* Segments: encoders side by side (1 serial); why it runs serial when
   * asked for more ("" none); a cluster run's task (-1 none), tasks, join
   * and directory; its input's id and the duration the stream takes. */
  int nseg, segments;
  char serial_why[160];
  int seg_task, seg_tasks;
  bool seg_join;
  char *seg_dir;
  int64_t run_id, input_us;
  AVRational fps;           /* video: the output's frame rate */
  int64_t video_len;        /* video: frames a segment owns */
  int64_t task_lo, task_hi; /* video: a cluster task's segments [lo, hi) of the plan */
} pl_enc_set;

/* An output's -ss/-t window in its convert stage (stages/conv_window.h).
 * The decoders serve every output and cut only to the union of their
 * windows (pl_job_windows); the first stage of an output of its own cuts
 * to that output's, so one output ending never ends another. */
typedef struct conv_window {
  pl_trim w;
  bool on;   /* narrower than the input's: cut here */
  bool done; /* past its end: the converter drains, then the stage ends */
  /* The output's own -ss/-t on the filters' output (pl_job.cut_after). */
  pl_trim post;
  bool post_on, post_done;
} conv_window;

/* A convert stage's settings (video or audio). */
typedef struct pl_conv_set {
  enum AVMediaType type;
  char encoder[64];  /* what it converts for */
  bool fc;           /* fed by the -filter_complex graph, not a decoder */
  pl_stream_info in; /* its input stream */
  bool autorotate;
  bool no_reinit; /* -reinit_filter 0: a changed input goes into the graph as it is */
  char *chain;    /* -vf / -af; NULL none */
  /* Audio: apad's arguments when the output pads its audio (-apad with
   * -shortest and a video stream, as ffmpeg 5.1); NULL none. */
  char *apad;
  /* Audio: -map_channel's pan arguments (pl_mapchan.h); NULL none. */
  char *pan;
  int width, height; /* -s: 0 keep */
  char *aspect, *pix_fmt;
  char *ch_layout, *sample_fmt;
  int ac, ar, async;
  float adrift; /* -async's drift threshold (min_hard_comp) */
  int vol;      /* -vol, or 256 */
  int threads;
  char *sws_flags; /* NULL: ffmpeg's bicubic alone */
  char swr[512];   /* the resampler's options, "k=v:..." */
  /* Video: the frame rate (-r; {0,0} the graph's), the sync mode, whether
   * frames last their packet's duration, -t, -frames:v, and the rate when
   * nothing else gives one. */
  AVRational rate;
  int vsync;
  bool pkt_durations;
  int64_t t_us;
  int64_t fill_us; /* the longest timestamp jump the video sync fills */
  /* -copyts: added to every frame's pts before the graph, microseconds, so
   * filters, the video sync and the encoder see the input's own clock. */
  int64_t copyts_us;
  int max_vframes;
  AVRational out_fps;
  conv_window win; /* its output's window, before any frame */
} pl_conv_set;

/* One stream of a muxer's file, by its input link. */
typedef struct pl_mux_stream {
  enum AVMediaType type;
  bool copy;
  bool fc; /* a -filter_complex output: no input stream of its own */
  char encoder[64];
  int in_index; /* its input stream (fc: the graph's first input's) */
  int input;    /* the input file it comes from (a cluster join's segments: nfiles) */
  /* The file carries the input's display matrix (the pictures were not
   * turned upright): has_matrix, matrix. */
  bool keep_matrix;
  pl_stream_info in;
  char *bsf;         /* -bsf chain; NULL none */
  int64_t max_pkts;  /* -frames of a stream not encoded as video: the file ends at it; -1 none */
  bool may_drop_all; /* encoded behind filters, or decoded with a -skip_frame, that may rightly
                      * keep no frame (fps=1/10, -skip_frame nokey...) */
  bool fix_sub_duration; /* its input's -fix_sub_duration (re-encoded subtitles) */
} pl_mux_stream;

/* A muxer's settings: its file, its streams and what its header is made of. */
typedef struct pl_mux_set {
  int n; /* input links */
  pl_mux_stream st[PL_MAX_OUT];
  char *output, *format; /* format NULL: from the name */
  char out_format[64];   /* the muxer's name */
  iso_io io;             /* the caller's callbacks instead of a file; write NULL: none */
  int overwrite;
  pl_pieces_cfg pieces; /* its strings are this struct's (pieces_str) */
  char *pieces_str[PL_MAX_INPUTS + 1];
  int64_t t_us; /* -t: its announced duration unless t_from_input */
  bool t_from_input;
  bool shortest, ordered, one_file; /* ordered: earliest packet first (mux_order.h) */
  int64_t limit_fs; /* -fs: every stream ends once the file holds this many bytes; 0 none */
  bool task;        /* a cluster task's: its packets go to segment files */
  bool first_pass;  /* -pass 1: the encoders analyse; some (libvpx) give no packet */
  uint32_t link_cap;
  AVDictionary *opts;     /* the muxer's pass-through options */
  AVDictionary *sopts;    /* -tag, -disposition (pl_sopt_apply) */
  AVDictionary *metadata; /* -metadata, -map_metadata, -map_chapters, -attach */
  pl_meta *in_meta;       /* the inputs' (a reference) */
  int nin;                /* input streams */
  int disposition[PL_MAX_IN];
  uint64_t attach; /* input attachment streams it copies (bit i: stream i) */
  int64_t win_start_us, win_end_us, in_start_us;
  int64_t seek_us;   /* the input -ss and this output's -ss together (0 none): for the error
                      * when nothing is left after it */
  int64_t in_dur_us; /* the input's duration (AV_NOPTS_VALUE unknown): is an -ss past its end? */
  /* -copyts with an output -t/-to: where it ends on the input's own clock,
   * and where the read starts there (microseconds; end -1 none) */
  int64_t copyts_end_us, copyts_read_us;
  bool bitexact, bitexact_v, bitexact_a; /* pl_out_meta_bitexact */
} pl_mux_set;

/* The -filter_complex stage's settings. */
typedef struct pl_lavfi_set {
  char *graph;     /* the description */
  char *sws_flags; /* NULL: ffmpeg's bicubic alone */
  int threads;
  bool autorotate;
  bool no_reinit; /* -reinit_filter 0 */
  /* -async (0 none) and -vol (256 none): an aresample and a volume in
   * front of each audio input, as ffmpeg's. */
  int async, vol;
  float adrift; /* -async's drift threshold (min_hard_comp) */
  int nin, nout;
  pl_stream_info in[PL_FC_MAX]; /* the input stream on each open input */
  /* -copyts: added to each input's frames before the graph, microseconds,
   * so its filters see that input file's own clock, as ffmpeg's do. */
  int64_t copyts_us[PL_FC_MAX];
  enum AVMediaType in_type[PL_FC_MAX];
  uint32_t in_cap[PL_FC_MAX]; /* its link's capacity */
  char out_label[PL_FC_MAX][64];
} pl_lavfi_set;

/* The spawn message: cfg, and the settings of its kind. */
typedef struct pl_spawn {
  pl_stage_cfg cfg;
  pl_demux_set *demux;
  pl_dec_set *dec;
  pl_conv_set *conv;
  pl_enc_set *enc;
  pl_mux_set *mux;
  pl_lavfi_set *lavfi;
} pl_spawn;

/* Main: the spawn message of node id of file job fj (which holds the graph
 * and that output's options); main_sp gets the stage's reports. ISO_OK,
 * ISO_ENOMEM, or ISO_EINVAL with err naming a per-stream option that does
 * not apply. */
int pl_spawn_new(const pl_job *fj, int id, iso_sendport *main_sp, pl_spawn **out, char *err,
                 size_t n);
void pl_spawn_free(pl_spawn *s);
/* Wraps s as a TRANSFER value (consumes it); NULL when out of memory. */
iso_value *pl_spawn_value(pl_spawn *s);
/* Takes the spawn message out of an entry's value (freed); NULL none. */
pl_spawn *pl_spawn_take(iso_value *msg);
/* Main: the settings of output stream os's encode, convert stage (j: its
 * own options applied, pl_sidx_view), of the muxer of node nd. */
int pl_spawn_enc(const pl_job *j, int os, pl_enc_set **out);
/* The two-pass statistics file of output stream os, named as ffmpeg names it
 * (PREFIX-N.log, N the stream's index over every output); false when the
 * stream keeps no statistics (not an encoded video stream, no -pass). */
bool pl_pass_log_name(const pl_job *j, const pl_out_stream *o, int os, char *buf, size_t n);
int pl_spawn_conv(const pl_job *j, int os, pl_conv_set **out);
pl_mux_set *pl_spawn_mux(const pl_job *j, const pl_node *nd);
/* *dst = a copy of src (NULL stays NULL), a copy of every entry of src:
 * false when out of memory. */
bool pl_spawn_dup(char **dst, const char *src);
bool pl_spawn_dict(AVDictionary **dst, const AVDictionary *src, int flags);
/* -copyts: what puts a decoded frame of input file `file` back on that
 * file's own clock (its start; -start_at_zero: less the container's
 * start), microseconds; 0 without -copyts. */
int64_t pl_copyts_us(const pl_job *j, int file);
/* ffmpeg 5.1's -copyts origin of an input, microseconds: 0, or the
 * container's start with -start_at_zero; for a format with timestamp
 * discontinuities whose offset is then its start alone, the earliest start
 * of the streams in use when later (ffmpeg corrects it once it knows them). */
int64_t pl_copyts_zero_us(int64_t fmt_start_us, int64_t used_start_us, bool discont,
                          int64_t itsoffset_us, bool start_at_zero);
/* Frees what cfg owns. */
void pl_stage_cfg_clear(pl_stage_cfg *cfg);
void pl_demux_set_free(pl_demux_set *d);
void pl_dec_set_free(pl_dec_set *d);
void pl_lavfi_set_free(pl_lavfi_set *l);
void pl_conv_set_free(pl_conv_set *c);
void pl_mux_set_free(pl_mux_set *m);
/* What m's header metadata is made of (borrowed from m). */
pl_out_meta pl_mux_set_meta(const pl_mux_set *m);
pl_enc_set *pl_enc_set_ref(pl_enc_set *e);
void pl_enc_set_unref(pl_enc_set **e);

#endif
