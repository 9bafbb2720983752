/* Internal codec layer: synchronous FFmpeg wrappers the stage isolates drive. */
#ifndef ISOPIPE_CODECS_H
#define ISOPIPE_CODECS_H

/*
 * Every object here is single-threaded and knows nothing of isolates: a stage
 * isolate owns one and feeds it. They share FFmpeg's idiom: send(NULL) means
 * EOF, receive() returns 0, AVERROR(EAGAIN) (needs input) or AVERROR_EOF
 * (drained). Errors fill err (ERRLEN bytes) with FFmpeg's reason.
 * Internal prefix: cx_.
 */

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <stdbool.h>
#include <stdint.h>

#include "isopipe/io.h"

#define CX_ERRLEN 256

/* av_err2str that works in C11 without compound-literal tricks. */
const char *cx_errstr(int averr, char *buf, size_t len);

/* A codec call's generic failure (FFmpeg's bare -1, which av_strerror reads
 * as EPERM's "Operation not permitted") that followed no allocation failure:
 * FFmpeg gave no reason. */
#define CX_ERR_NO_REASON FFERRTAG('C', 'X', 'N', 'R')
/* What a codec call's result means, errno as the call left it (clear errno
 * before the call, on the calling thread): a bare -1 after an allocation the
 * system refused is AVERROR(ENOMEM), any other bare -1 CX_ERR_NO_REASON;
 * every other result is returned as it is. */
int cx_codec_result(int ret, int err_no);

/* FFmpeg logged an error on this thread with sys_errno (the errno its
 * call left) in errno: called by the log callback for each error line.
 * An error logged right after a failed allocation is how some FFmpeg
 * calls that go on report it. */
void cx_log_error_seen(int sys_errno);
/* Forgets what cx_log_error_seen saw on this thread. */
void cx_oom_watch_log(void);
/* Frees a graph built only to check or read a filter description: what its
 * filters log as they close (replaygain's track_gain, volumedetect's
 * histogram, all of a graph that saw no frame) is not the run's, and the
 * log callback leaves it out while cx_log_quiet says so on this thread. */
struct AVFilterGraph;
void cx_graph_free_quiet(struct AVFilterGraph **graph);
bool cx_log_quiet(void);

/* ---- custom I/O ----------------------------------------------------------- */

/* An AVIOContext over the caller's callbacks (read, or write with write
 * set; seek when io has one). interrupt (may be NULL) ends the waits of a
 * callback that answers EAGAIN; once it is set a reader calls the callback
 * no more (a writer still does: a graceful stop writes the trailer). NULL
 * when io lacks the callback or out of
 * memory. Close with cx_io_close, which flushes a writer. */
AVIOContext *cx_io_open(const iso_io *io, bool write, int (*interrupt)(void *), void *opaque);
void cx_io_close(AVIOContext **pb);

/* ---- demux ---------------------------------------------------------------- */

typedef struct cx_demux_opts {
  const char *format;             /* force input format, NULL = probe */
  const char *protocol_whitelist; /* NULL = "file,pipe" */
  const char *allow_formats;      /* extra formats allowed that open more files
                                     (hls,concat,dash,image2...); NULL = none */
  int64_t start_us;               /* -ss, seek before the first read; 0 none */
  /* -sseof: a negative time from the input's end, added to start_us once
   * the duration is known; 0 none (see cx_demux_eof_us) */
  int64_t start_eof_us;
  const char *framerate;  /* -r before -i: the demuxer's framerate option if it has one */
  AVDictionary *fmt_opts; /* consumed entries are removed */
  const iso_io *io;       /* read through these; url only names the input */
  /* Optional: FFmpeg's interrupt callback (non-zero aborts blocking I/O). */
  int (*interrupt)(void *opaque);
  void *interrupt_opaque;
} cx_demux_opts;

/*
 * cx_demux_open probes the input itself and refuses, before any of its
 * header is parsed, formats that open further files (hls, concat, dash, imf,
 * sdp, rtsp, avisynth, image2 with a pattern; mov data references are always
 * off) unless listed in allow_formats. Only protocols in protocol_whitelist
 * are used, also for files a format opens itself. "-" reads stdin.
 * With start_us it seeks to the keyframe at or before the input's start time
 * + start_us; it does NOT drop what precedes that point: the caller drops
 * decoded frames (and stream-copied packets) before cx_demux_start_us().
 */

typedef struct cx_demux cx_demux;
int cx_demux_open(cx_demux **out, const char *url, const cx_demux_opts *o, char *err);
AVFormatContext *cx_demux_ctx(cx_demux *d);
/* Best stream of a type (AVMEDIA_TYPE_VIDEO/AUDIO), skipping attached
 * pictures; -1 none. */
int cx_demux_best_stream(cx_demux *d, enum AVMediaType type);
/* Absolute -ss target in AV_TIME_BASE (input start + start_us), the instant
 * before which frames are to be dropped; the input's start without -ss (see
 * cx_demux_select for mpegts). Packets keep the input's timestamps: ffmpeg's
 * CLI subtracts this from every packet so outputs start at 0 (frame-exact
 * framemd5 comparisons need the same). */
int64_t cx_demux_start_us(cx_demux *d);
/* The instant cx_demux_start_us gives: the container's start (0 none) +
 * skip_us (-ss); for formats with timestamp discontinuities (mpegts) read
 * from their start, the earliest start of the streams in use when that is
 * later (a data stream such as SCTE-35 may start well before the audio and
 * video). After a -ss ffmpeg 5.1 keeps the container's start (its correction
 * applies only while its offset is that start alone), so the clock and the
 * seek target are the same as ffmpeg's. used_start_us: AV_NOPTS_VALUE none. */
int64_t cx_clock_zero_us(int64_t fmt_start_us, int64_t used_start_us, bool discont,
                         int64_t skip_us);
/* The earliest start of the streams in use (cx_demux_select), microseconds;
 * AV_NOPTS_VALUE when none has one. */
int64_t cx_demux_used_start_us(cx_demux *d);
/* The -ss the read starts at (an -sseof resolved), microseconds. */
int64_t cx_demux_skip_us(cx_demux *d);
/* Whether the format may restart or jump its timestamps (AVFMT_TS_DISCONT). */
bool cx_demux_discont(cx_demux *d);
/* Seeks to the keyframe at or before cx_demux_start_us() + at_us without
 * moving that start: timestamps stay those of a read from the start (a
 * cluster task's segment); the caller drops what precedes the instant. */
int cx_demux_seek(cx_demux *d, int64_t at_us, char *err);
/* Tells the demuxer which streams (indexed like the input's) are used:
 * the others are discarded (no packets from them; the used ones keep the
 * AVStream.discard set since the open, a caller's -discard) and, for formats with
 * timestamp discontinuities (mpegts), the start is recomputed over the used
 * ones as ffmpeg does. Call before reading; until then the default choice
 * (best video + best audio) decides the start. */
void cx_demux_select(cx_demux *d, const bool *used);
/* 0, AVERROR_EOF or an error. pkt's stream_index is the input stream;
 * never one discarded by cx_demux_select. */
int cx_demux_read(cx_demux *d, AVPacket *pkt);
/* Input duration in microseconds, or AV_NOPTS_VALUE. */
int64_t cx_demux_duration_us(cx_demux *d);
/* What start_eof_us resolved to (from the input's start): >= 0 the seek
 * made; CX_EOF_UNKNOWN the duration is unknown, CX_EOF_BEFORE it lies
 * before the start: then ignored, as ffmpeg ignores it. CX_EOF_NONE unset. */
enum { CX_EOF_NONE = -1, CX_EOF_UNKNOWN = -2, CX_EOF_BEFORE = -3 };
int64_t cx_demux_eof_us(cx_demux *d);
/* The open's seek to start_us failed with this AVERROR and the input is read
 * from its start, as ffmpeg reads it; 0 it did not fail. */
int cx_demux_seek_error(const cx_demux *d);
void cx_demux_close(cx_demux **d);

/* ---- decode ---------------------------------------------------------------- */

typedef struct cx_dec cx_dec;
/* pkt_tb: time base of the packets (the input stream's). threads 0 = auto:
 * a frame-threaded video decoder then starts single-threaded and switches
 * to frame threading (bit-exact) only if it was busy for most of its first
 * 0.3 s, that is, if it is what the pipeline waits for. */
/* The tag codec contexts opened on this thread carry in their opaque
 * field, so lines FFmpeg's own worker threads log about them (with a
 * per-thread copy of the context, opaque included) can be told apart by
 * whoever receives them. */
void cx_log_tag_set(void *tag);
void *cx_log_tag(void);
/* The tag a codec context (or a worker thread's copy of it) was opened
 * with; a context opened elsewhere gives its opaque unread. */
void *cx_codec_log_tag(const AVCodecContext *c);
/* Sees each FFmpeg error line (avcl, format, and the logging thread's
 * errno when FFmpeg logged it) for what it tells of a decoder: an
 * allocation that failed inside libavcodec. */
void cx_dec_log_note(void *avcl, const char *fmt, int sys_errno);

int cx_dec_open(cx_dec **out, const AVCodecParameters *par, AVRational pkt_tb, int threads,
                char *err);
/* The same with a decoder chosen by name (NULL: the codec's default; it
 * must decode par's codec) and its AVOptions (an input's -skip_frame nokey,
 * -lowres): the ones this decoder has are applied, others ignored. */
int cx_dec_open2(cx_dec **out, const AVCodecParameters *par, AVRational pkt_tb, int threads,
                 const char *name, const AVDictionary *opts, char *err);
/* True when opts (an input's decoder options) make its video decoder skip
 * every frame but keyframes or intra frames (-skip_frame nokey, nointra,
 * all): a clip may then rightly give no frame at all. */
bool cx_dec_opts_skip_most(const AVDictionary *opts);
/* True when name is an option of a decoder (generic or some decoder's own):
 * ffmpeg gives such an input option to that input's decoders. */
bool cx_is_decoder_option(const char *name);
/* Once a picture or sample buffer could not be allocated, every error and
 * the end read AVERROR(ENOMEM): a frame was lost to memory, not to data. */
int cx_dec_send(cx_dec *d, const AVPacket *pkt); /* NULL = flush */
/* Frames come out with pts = best_effort_timestamp in pkt_tb. Audio frames
 * without one continue the previous frame's pts + samples, and an
 * unspecified channel order becomes the default layout for the count,
 * unless the parameters the decoder was opened with give that count
 * without an order (the caller's choice not to guess one). */
int cx_dec_receive(cx_dec *d, AVFrame *frame);
/* After a flush (a NULL send) was received to AVERROR_EOF: the decoder
 * takes packets again, its state reset as after a seek. */
void cx_dec_reset(cx_dec *d);
AVCodecContext *cx_dec_ctx(cx_dec *d);
void cx_dec_close(cx_dec **d);
typedef struct cx_dec_info {
  int threads;    /* the current decoder's */
  bool switched;  /* went from one thread to frame threading */
  int mismatches; /* frames of the switch that differed (0 unless FFmpeg broke) */
} cx_dec_info;
cx_dec_info cx_dec_get_info(const cx_dec *d);
/* Switch to frame threading at the next send, as if the window had found
 * the decoder busy (tests; callers that know better). 0 also when it has
 * switched already; fails once the window closed without a switch. */
int cx_dec_want_threads(cx_dec *d);

/* ---- video convert (swscale + frame rate) ---------------------------------- */

typedef struct cx_vconv_opts {
  int src_w, src_h;
  enum AVPixelFormat src_fmt;
  AVRational src_sar;
  int dst_w, dst_h;           /* 0 = keep; -1 or -2 = keep aspect (-2: even) */
  enum AVPixelFormat dst_fmt; /* AV_PIX_FMT_NONE = keep */
  AVRational in_tb;           /* time base of frame pts */
  AVRational out_fps;         /* {0,0} = keep timestamps (passthrough timing) */
  AVRational out_tb;          /* time base of output pts; with out_fps: 1/fps */
  int threads;                /* swscale slice threads; 0 or 1 = the caller's thread */
} cx_vconv_opts;

typedef struct cx_vconv cx_vconv;
int cx_vconv_open(cx_vconv **out, const cx_vconv_opts *o, char *err);
/* Resolved output size (after aspect rules) and format. */
void cx_vconv_output(const cx_vconv *c, int *w, int *h, enum AVPixelFormat *fmt);
/* Output sample aspect ratio: src_sar adjusted so the display aspect is kept
 * (ffmpeg's scale rule); {0,1} when src_sar is unknown. */
AVRational cx_vconv_output_sar(const cx_vconv *c);
/* Time base of output pts: out_tb if set, else 1/out_fps, else in_tb. */
AVRational cx_vconv_output_tb(const cx_vconv *c);
/*
 * Sizes: -1/-2 keep the input's pixel aspect (w/h), -2 rounds to even like
 * ffmpeg's scale. Odd sizes are kept as asked (161x121 yuv420p is valid and
 * VP9 takes it); libx264/libx265 with 4:2:0 need even sizes, so callers ask
 * -2 or an even size for them. Scaling is bicubic (ffmpeg's scale default);
 * colour range is kept for YUV -> YUV. The source size/format may change
 * mid-stream: the output stays the one resolved at open.
 * When neither size nor format changes the frame is passed on as a new
 * reference: no copy.
 * Takes a reference of frame's data (frame stays the caller's); NULL = EOF.
 * AVERROR(EAGAIN): receive until EAGAIN before sending more.
 */
int cx_vconv_send(cx_vconv *c, const AVFrame *frame);
/*
 * With out_fps, output instant k (pts k in 1/out_fps, then rescaled to
 * out_tb) shows the last input frame whose pts rounds to <= k: frames are
 * dropped or duplicated by timestamp (ffmpeg's "cfr"/fps filter), starting at
 * the first frame's rounded pts; the last frame lasts its pkt_duration (one
 * output frame if unknown; a one-frame stream gives one frame). Duplicates
 * share the data by reference. One input frame fills at most
 * max(1 s, 64 frames) of output: a longer forward jump (damaged input) is a
 * discontinuity: the frame before it lasts its own duration, output resumes
 * at the next frame's own time (a hole, A/V sync kept) and one av_log
 * warning says so. A last frame's duration is bounded the same way.
 * Without out_fps, pts (and pkt_duration) are rescaled from in_tb to out_tb.
 */
int cx_vconv_receive(cx_vconv *c, AVFrame *out);
void cx_vconv_close(cx_vconv **c);

/* ---- audio convert (swresample + re-chunking) ------------------------------- */

typedef struct cx_aconv_opts {
  int src_rate;
  enum AVSampleFormat src_fmt;
  AVChannelLayout src_layout;
  int dst_rate;                /* 0 = keep */
  enum AVSampleFormat dst_fmt; /* AV_SAMPLE_FMT_NONE = keep */
  AVChannelLayout dst_layout;  /* nb_channels 0 = keep */
  int frame_size;              /* 0 = any; else every frame but the last has it */
  AVRational in_tb;            /* time base of input pts */
  /* With end_set, a frame out that would start at or past end_us ends the
   * output there: it and every sample after it are dropped and receive
   * reports EOF (an encoder's recording time, checked on the frames it is
   * given). */
  bool end_set;
  int64_t end_us;
} cx_aconv_opts;

typedef struct cx_aconv cx_aconv;
int cx_aconv_open(cx_aconv **out, const cx_aconv_opts *o, char *err);
/* Resolved output rate, format and layout (layout: caller uninits). */
void cx_aconv_output(const cx_aconv *c, int *rate, enum AVSampleFormat *fmt,
                     AVChannelLayout *layout);
/* Output pts are in 1/dst_rate and derived from the output sample count,
 * starting at the first input frame's pts (rescaled): gaps or jitter in the
 * input pts are not reproduced. The input's rate/format/layout may change
 * mid-stream (each frame's own fields are used). When there is nothing to
 * convert and frame_size is 0 the input frame is passed on by reference;
 * otherwise data goes through a FIFO (re-chunking needs it). Send always
 * accepts, so callers receive until EAGAIN after each send. After EOF the last frame may be shorter
 * than frame_size. */
int cx_aconv_send(cx_aconv *c, const AVFrame *frame); /* NULL = EOF (flushes swr) */
int cx_aconv_receive(cx_aconv *c, AVFrame *out);
void cx_aconv_close(cx_aconv **c);

/* ---- filter graph (libavfilter) ---------------------------------------------- */

typedef struct cx_fgraph_opts {
  enum AVMediaType type;
  /* Filters between the source and the sink, as ffmpeg's -vf / -af take
   * them (a chain, or a graph with one open input and one open output);
   * NULL or "" passes frames through. */
  const char *desc;
  AVRational in_tb;      /* time base of the frames' pts */
  AVRational frame_rate; /* video: the input's, {0,0} unknown */
  int threads;           /* the graph's filter threads; 0 = one per core */
  const char *sws_opts;  /* options of every scale filter ("flags=bicubic"), NULL default */
  const char *swr_opts;  /* options of every resampler ("min_comp=0"), NULL default */
  int frame_size;        /* audio: every frame but the last has this many samples; 0 any */
} cx_fgraph_opts;

typedef struct cx_fgraph_out {
  AVRational tb, sar, frame_rate; /* frame_rate {0,1} unknown */
  int format, w, h, sample_rate, channels;
} cx_fgraph_out;

/*
 * A graph is built for the first frame's size/format (video) or rate,
 * format and layout (audio): a frame that differs needs a new graph
 * (cx_fgraph_same_input), after this one was drained with send(NULL).
 * Failures name the filter text; libavfilter logs which filter refused and
 * why (av_log, error level) before it returns.
 */
typedef struct cx_fgraph cx_fgraph;
int cx_fgraph_open(cx_fgraph **out, const cx_fgraph_opts *o, const AVFrame *first, char *err);
/* Checks a -sws_flags value (bicubic, lanczos+accurate_rnd...) against
 * swscale's own option: 0 or a negative AVERROR. */
int cx_sws_flags_check(const char *flags);
bool cx_fgraph_same_input(const cx_fgraph *g, const AVFrame *f);
/* Takes a new reference of frame's data (frame stays the caller's); NULL = EOF. */
int cx_fgraph_send(cx_fgraph *g, const AVFrame *frame);
/* 0, AVERROR(EAGAIN) or AVERROR_EOF; pts in cx_fgraph_output().tb. */
int cx_fgraph_receive(cx_fgraph *g, AVFrame *out);
cx_fgraph_out cx_fgraph_output(const cx_fgraph *g);
int cx_fgraph_out_layout(const cx_fgraph *g, AVChannelLayout *layout); /* caller uninits */
void cx_fgraph_close(cx_fgraph **g);
/* Parses a -vf / -af chain without media: unknown filters, bad options and
 * the wrong media type or number of ends fail here, before any input is read. */
int cx_fgraph_check(enum AVMediaType type, const char *chain, char *err);
/* What a filter does outside its graph, found from the graph's text
 * without creating any filter (creating one runs its init, which may
 * already load code or open files). */
enum { CX_FX_CODE = 1, CX_FX_NET = 2, CX_FX_READ = 4, CX_FX_WRITE = 8 };
typedef struct cx_fx {
  const char *filter; /* its name */
  const char *option; /* NULL: the filter itself, whatever its options */
  int kind;           /* CX_FX_* */
  const char *value;  /* the option's value, given or by default */
} cx_fx;
typedef int (*cx_fx_cb)(void *ud, const cx_fx *fx);
/* Calls cb for each such act of desc's filters (a -vf chain or a
 * -filter_complex graph); stops at cb's first negative return. */
int cx_fgraph_effects(const char *desc, cx_fx_cb cb, void *ud);
/* "loads code", "writes a file"... for a CX_FX_* set. */
const char *cx_fx_kind_name(int kind);
/* True when a filter with these arguments (or any filter of desc) would
 * load code, open a socket or write a file once created. */
bool cx_filter_acts_outside(const char *name, const char *args);
bool cx_fgraph_acts_outside(const char *desc);
/* Each filter of desc, by name ("@id" removed) and argument string (NULL:
 * none), in order; stops at cb's first negative return. */
typedef int (*cx_filter_cb)(void *ud, const char *name, const char *args);
int cx_fgraph_walk(const char *desc, cx_filter_cb cb, void *ud);
/* Each key=value of a filter's arguments, positional values named after the
 * options they fill, as libavfilter reads them. */
struct AVFilter;
typedef int (*cx_arg_cb)(void *ud, const char *key, const char *value);
int cx_filter_args_each(const struct AVFilter *flt, const char *args, cx_arg_cb cb, void *ud);
/* True when every filter of chain keeps each frame at its time and needs no
 * other frame (scale, crop, format, volume...): an output's -ss/-t may then
 * cut before the chain instead of after it, as ffmpeg does, with the same
 * result. A chain that cannot be parsed is treated as moving time. */
bool cx_fgraph_keeps_time(const char *chain);
/* True when chain keeps or drops frames by their content (select, thumbnail,
 * mpdecimate...), or cannot be parsed. */
bool cx_fgraph_drops_frames(const char *chain);
/* True when chain may rightly keep no frame of a short input (fps=1/10 over
 * 2 s, a select that matches nothing, a trim past the end). */
bool cx_fgraph_may_drop_all(const char *chain);
/* The frame rate a video chain gives frames of w x h at `rate` ({0,1}
 * unknown, or when the graph cannot be built): fps=2 gives 2. */
AVRational cx_fgraph_video_rate(const char *chain, int w, int h, AVRational tb, AVRational rate);
/* True when name is an option of libswresample's and of neither the codecs'
 * nor the formats' generic ones: ffmpeg then gives it to the resamplers. */
bool cx_swr_option(const char *name);
/* The filter that makes a graph's output what an encoder accepts ("format=..."
 * / "aformat=..."), as ffmpeg ends its graphs: the wanted format/rate/layout
 * when given (-pix_fmt, -sample_fmt, -ar, -ac), else every one the encoder
 * lists; "" when it takes anything. */
int cx_fgraph_enc_video(const char *codec, enum AVPixelFormat want, char *buf, size_t n);
int cx_fgraph_enc_audio(const char *codec, enum AVSampleFormat want_fmt, int want_rate,
                        const AVChannelLayout *want_layout, char *buf, size_t n);

/* ---- complex filter graph (-filter_complex): several sources and sinks ---------- */

#define CX_FCX_MAX 8 /* open inputs, and open outputs, of one graph */
typedef struct cx_fcx_pad {
  char label[64]; /* "" when unlabelled */
  enum AVMediaType type;
  char filter[64]; /* the filter instance the pad belongs to */
} cx_fcx_pad;
/* Parses a graph description without media (names, options, labels): its
 * open inputs and outputs in libavfilter's order, which cx_fcx_open keeps. */
int cx_fcx_pads(const char *desc, cx_fcx_pad *in, int *nin, cx_fcx_pad *out, int *nout, char *err);

typedef struct cx_fcx_src {
  AVRational tb;         /* of the frames' pts */
  AVRational frame_rate; /* video: the input's, {0,0} unknown */
  const AVFrame *first;  /* its size / format / rate / layout */
  const char *pre;       /* filters between source and pad ("transpose=clock"), NULL none */
} cx_fcx_src;
typedef struct cx_fcx cx_fcx;
/* Builds the graph: a buffer / abuffer for each open input (src[i] for the
 * i-th of cx_fcx_pads), a buffersink / abuffersink for each open output. */
int cx_fcx_open(cx_fcx **g, const char *desc, const cx_fcx_src *src, int nin, int threads,
                const char *sws_opts, char *err);
int cx_fcx_nb_inputs(const cx_fcx *g);
int cx_fcx_nb_outputs(const cx_fcx *g);
/* Input i's frame (a new reference; NULL: its end). */
int cx_fcx_send(cx_fcx *g, int i, const AVFrame *frame);
/* Output k's next frame: 0, AVERROR(EAGAIN) (an input must be fed) or AVERROR_EOF. */
int cx_fcx_receive(cx_fcx *g, int k, AVFrame *out);
/* Output k's frame only if one is there already: nothing runs for it. */
int cx_fcx_take(cx_fcx *g, int k, AVFrame *out);
/* Times the graph asked input i for a frame it did not have since its last one. */
unsigned cx_fcx_requests(const cx_fcx *g, int i);
cx_fgraph_out cx_fcx_output(const cx_fcx *g, int k);
int cx_fcx_out_layout(const cx_fcx *g, int k, AVChannelLayout *layout); /* caller uninits */
void cx_fcx_close(cx_fcx **g);

/* ---- encode ------------------------------------------------------------------ */

typedef struct cx_enc_opts {
  const char *codec; /* encoder name ("libx264"), NULL = default_codec_id */
  enum AVCodecID default_codec_id;
  enum AVMediaType type;
  /* video */
  int width, height;
  enum AVPixelFormat pix_fmt; /* wanted; NONE = best the encoder supports */
  AVRational sar, framerate;
  /* colour properties as the frames carry them (ffmpeg takes the first
   * frame's), used when color_set. Options in opts override them. */
  bool color_set;
  enum AVColorRange color_range;
  enum AVColorPrimaries color_primaries;
  enum AVColorTransferCharacteristic color_trc;
  enum AVColorSpace colorspace;
  enum AVChromaLocation chroma_location;
  /* The first frame's fields, when color_set: the stream's field order
   * (progressive, or which field comes first), as ffmpeg sets it. */
  bool interlaced, top_field_first;
  /* audio */
  int sample_rate;
  enum AVSampleFormat sample_fmt; /* NONE = encoder's first */
  AVChannelLayout ch_layout;
  /* both */
  AVRational time_base;
  int64_t bit_rate;    /* 0 = codec default */
  double crf;          /* < 0 unset; fractional ok (x264/x265 take 23.5, integer
                          crf options such as libvpx's round it, as ffmpeg) */
  const char *preset;  /* NULL unset */
  int gop;             /* -1 unset */
  int threads;         /* 0 auto */
  bool global_header;  /* the muxer wants AVFMT_GLOBALHEADER */
  AVDictionary **opts; /* AVOptions; used ones are removed */
  /* video: two-pass encoding (1 first pass: writes passlog; 2 second: reads
   * it; 3 both); 0 none */
  int pass;
  const char *passlog;
} cx_enc_opts;

/* ffmpeg's own encoder settings that are no AVOptions, carried in an
 * encoder's opts under these names: "rc_override" (START,END,Q/... frame
 * ranges) and "top" (1 top field first, 0 bottom, -1 the frames'). */
bool cx_enc_own_option(const char *name);
/* Checks an rc_override value as ffmpeg reads it; with ctx, fills its
 * rc_override list. 0, or < 0 with the reason in why. */
int cx_enc_rc_override(const char *value, AVCodecContext *ctx, char *why, size_t wn);

typedef struct cx_enc cx_enc;
int cx_enc_open(cx_enc **out, const cx_enc_opts *o, char *err);
AVCodecContext *cx_enc_ctx(cx_enc *e);
/* 0 if the encoder takes any frame size, else the size every frame but the
 * last must have. */
int cx_enc_frame_size(const cx_enc *e);
/* Picks the pixel / sample format an encoder accepts closest to the wanted
 * one, before opening (so convert can produce it). */
enum AVPixelFormat cx_enc_pick_pix_fmt(const char *codec, enum AVCodecID id,
                                       enum AVPixelFormat want);
enum AVSampleFormat cx_enc_pick_sample_fmt(const char *codec, enum AVCodecID id,
                                           enum AVSampleFormat want);
int cx_enc_pick_sample_rate(const char *codec, enum AVCodecID id, int want);
/* The wanted layout if the encoder takes it, else the supported one with the
 * most channels not above the wanted count (5.1 -> stereo for mp3). out must
 * be uninitialised or zeroed; the caller uninits it. */
int cx_enc_pick_ch_layout(const char *codec, enum AVCodecID id, const AVChannelLayout *want,
                          AVChannelLayout *out);
/* The encoder by name, else by id; NULL if none. */
const AVCodec *cx_enc_find(const char *codec, enum AVCodecID id);
/* Frames in (pts) and packets out (pts, dts, duration) are in opts.time_base
 * (default: 1/framerate for video, 1/sample_rate for audio), which this
 * returns. The codec's own time base may be coarser (mpeg4 stores it in
 * 16 bits): cx_enc rescales both ways, so callers never see it. */
AVRational cx_enc_time_base(const cx_enc *e);
/* Frames are sent as shallow references with pict_type cleared (a decoder's
 * I/P/B would otherwise dictate libx264's GOP); this makes the next video
 * frame a keyframe. */
void cx_enc_force_key(cx_enc *e);
/* frame stays the caller's (FFmpeg refs what it keeps). AVERROR(EAGAIN):
 * receive packets first. */
int cx_enc_send(cx_enc *e, const AVFrame *frame); /* NULL = flush */
/* Packets in cx_enc_time_base(). */
int cx_enc_receive(cx_enc *e, AVPacket *pkt);
void cx_enc_close(cx_enc **e);

/* ---- mux --------------------------------------------------------------------- */

typedef struct cx_mux cx_mux;
/* format NULL = guess from path. Opens the file only in write_header.
 * path "-" writes to stdout (pipe:1) and needs a format. */
int cx_mux_open(cx_mux **out, const char *path, const char *format, char *err);
/* Protocols the output may be opened with (libavformat's whitelist, which
 * nested protocols such as tee: inherit); NULL, the default: any. */
int cx_mux_set_protocols(cx_mux *m, const char *whitelist);
/* The output's length when it is known before the first packet (-t): a
 * muxer that cannot seek back (Matroska into a pipe) writes it in its header. */
void cx_mux_set_duration(cx_mux *m, int64_t us);
/* Writes through the caller's callbacks instead of opening the path (which
 * then only names the output and guesses its format). interrupt as for
 * cx_io_open. */
int cx_mux_set_io(cx_mux *m, const iso_io *io, int (*interrupt)(void *), void *opaque);
/* Every further file the muxer opens for writing (segments, playlists,
 * numbered images, tee slaves) is first passed to check, which returns 0 or
 * a negative AVERROR with its reason in err; a refusal fails the write
 * naming that reason (not the muxer's own "could not open"). */
typedef int (*cx_mux_open_check)(void *ud, const char *url, char *err, size_t errlen);
void cx_mux_set_open_check(cx_mux *m, cx_mux_open_check check, void *ud);
AVFormatContext *cx_mux_ctx(cx_mux *m);
/* Default encoder id for a media type in this format. */
enum AVCodecID cx_mux_default_codec(cx_mux *m, enum AVMediaType type);
bool cx_mux_wants_global_header(cx_mux *m);
/* Returns the output stream index or a negative error. */
int cx_mux_add_stream(cx_mux *m, const AVCodecParameters *par, AVRational tb, char *err);
/* Display matrix (rotation) and other stream side data carried over (not the
 * input encoder's CPB properties). mp4/mov keep rotation; FFmpeg 5.1's
 * matroska muxer drops it. */
int cx_mux_copy_side_data(cx_mux *m, int index, const AVStream *src);
/* The stream's frame rate as containers record it (matroska's default
 * duration, mp4 hints), as ffmpeg sets it for encoded video. Optional. */
int cx_mux_set_frame_rate(cx_mux *m, int index, AVRational fps);
int cx_mux_set_metadata(cx_mux *m, const char *key, const char *value);
int cx_mux_set_stream_metadata(cx_mux *m, int index, const char *key, const char *value);
int cx_mux_write_header(cx_mux *m, AVDictionary **opts, char *err);
/* Rescales pkt from src_tb to the stream's time base and writes it
 * interleaved; timestamps the muxer would refuse (dts going back, dts
 * after pts) are moved forward as ffmpeg moves them and counted.
 * Consumes pkt's reference. */
int cx_mux_write(cx_mux *m, int index, AVPacket *pkt, AVRational src_tb, char *err);
/* Writes the trailer if the header was written; always closes the file. */
int cx_mux_close(cx_mux **m, char *err);
int64_t cx_mux_bytes(cx_mux *m); /* bytes written so far (call before close) */
/* Packets whose timestamps cx_mux_write moved. */
uint64_t cx_mux_ts_fixed(const cx_mux *m);

/* ---- bitstream filters ------------------------------------------------------- */

/* A chain of bitstream filters, ffmpeg's -bsf syntax ("name[=opt=v:...][,name2]"),
 * applied to one stream's packets before its muxer. */
typedef struct cx_bsf cx_bsf;
/* Checks a chain without a stream: every name exists, options parse. The
 * error names the first unknown filter. */
int cx_bsf_check(const char *chain, char *err);
/* Opens the chain for a stream with these parameters and time base; fails
 * (naming the chain and the codec) when a filter refuses the codec. */
int cx_bsf_open(cx_bsf **out, const char *chain, const AVCodecParameters *par, AVRational tb,
                char *err);
/* The stream as the chain gives it out: what the muxer's stream gets. Some
 * filters (aac_adtstoasc) only fill the extradata once a packet went through. */
const AVCodecParameters *cx_bsf_par(const cx_bsf *b);
AVRational cx_bsf_tb(const cx_bsf *b);
/* Takes pkt's reference (NULL: end of stream). */
int cx_bsf_send(cx_bsf *b, AVPacket *pkt, char *err);
/* 0 (a packet, in cx_bsf_tb), AVERROR(EAGAIN), AVERROR_EOF, or an error. */
int cx_bsf_receive(cx_bsf *b, AVPacket *pkt, char *err);
void cx_bsf_free(cx_bsf **b);

/* ---- subtitles --------------------------------------------------------------- */

/* One subtitle stream re-encoded as ffmpeg does it: each packet decoded to
 * an AVSubtitle and encoded again (subrip, ass, mov_text, webvtt...). */
typedef struct cx_subconv cx_subconv;
/* Can subtitles of codec `in` go through encoder enc? (text to text,
 * bitmap to bitmap, as ffmpeg allows); err says why not. */
int cx_subconv_check(enum AVCodecID in, const AVCodec *enc, char *err);
/* fix_dur: ffmpeg 5.1's -fix_sub_duration, each subtitle held until the
 * next one is decoded and cut to end where it starts (the last one, never
 * followed, is dropped as ffmpeg 5.1 drops it). */
int cx_subconv_open(cx_subconv **out, const AVCodecParameters *in, AVRational in_tb,
                    const char *encoder, bool fix_dur, char *err);
/* The output stream's parameters; its packets are in AV_TIME_BASE_Q. */
const AVCodecParameters *cx_subconv_par(const cx_subconv *s);
/* 1: out holds the re-encoded packet; 0: none out (nothing to show, or an
 * undecodable packet: err then says so); < 0: the encoder failed. */
int cx_subconv_convert(cx_subconv *s, const AVPacket *in, AVRational in_tb, AVPacket *out,
                       char *err);
void cx_subconv_free(cx_subconv **s);

/* Bitmap subtitles drawn on a video canvas, as ffmpeg's sub2video feeds
 * them to a filter graph. */
typedef struct cx_s2v cx_s2v;
/* Whether subtitles of codec id can be drawn (not text-only). */
bool cx_s2v_bitmap(enum AVCodecID id);
/* canvas_w/h: -canvas_size (0 none), the decoder's size; fallback_w/h: the
 * canvas when the decoder has no size (0: 720x576). */
int cx_s2v_open(cx_s2v **out, const AVCodecParameters *par, AVRational pkt_tb, int canvas_w,
                int canvas_h, int fallback_w, int fallback_h, char *err);
/* pkt NULL: the end. *got: sub holds a subtitle (avsubtitle_free it). <0:
 * a corrupt packet. */
int cx_s2v_decode(cx_s2v *s, const AVPacket *pkt, AVSubtitle *sub, int *got);
/* f: a transparent RGB32 canvas with sub's bitmaps drawn (sub NULL: none). */
int cx_s2v_canvas(cx_s2v *s, const AVSubtitle *sub, AVFrame *f);
void cx_s2v_close(cx_s2v **s);

#endif
