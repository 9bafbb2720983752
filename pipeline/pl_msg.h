/* The messages between a pipeline's isolates: what travels on links, from stages to main and back.
 */
#ifndef ISOPIPE_PL_MSG_H
#define ISOPIPE_PL_MSG_H

#include <libavcodec/avcodec.h>
#include <stdbool.h>
#include <stdint.h>

#include "isopipe/isolate.h"
#include "isopipe/stats.h"
#include "pipeline/pl_limits.h"
#include "profiling/prof.h"

#define PL_TAG_MSG 0x504c4d53u /* "PLMS": iso_transfer tag of a pl_msg */

/* Every message between isolates of a pipeline is one pl_msg moved as a
 * TRANSFER: nothing is deep-copied, media or not. */
typedef enum pl_kind {
  /* on links (downstream) */
  PL_M_PARAMS = 1, /* par + tb: first item on links into decoders and the muxer */
  PL_M_PACKET,     /* pkt in tb; from an encoder also ival, frames, pos_s (PL_PKT_*) */
  PL_M_FRAME,      /* frame, pts in tb */
  PL_M_RESTART,    /* into decoders: the input is read again from its start (-stream_loop) */
  /* stage -> main */
  PL_M_INFO,    /* demux: streams of the input (info) + its control port */
  PL_M_READY,   /* a stage: control port (ports[0]) + input link ports */
  PL_M_LOG,     /* level + text */
  PL_M_ERROR,   /* text = "stage (file): reason", ival = error code */
  PL_M_DONE,    /* the stage drained and ended cleanly */
  PL_M_MUXSTAT, /* mux: ival bytes, frames, pos_s */
  PL_M_PREVIEW, /* the preview scaler: frame (RGBA, pts in us) or none */
  /* main -> stage */
  PL_M_CONNECT, /* ports[i]: downstream link port (demux: per input stream) */
  PL_M_STOP,    /* graceful: demux stops reading */
  PL_M_ABORT,   /* stop now, free everything (mux still closes the file) */
  PL_M_PAUSE,   /* demux: read nothing until RESUME */
  PL_M_RESUME,
  /* stage -> itself */
  PL_M_KICK
} pl_kind;

/* A PACKET out of an encode stage: ival says whether it came before the
 * stream's end reached the encoder (PL_PKT_FED) or from its flush after;
 * frames counts the frames fed to the encoder when it came out, pos_s is
 * the latest one's time. A packet of no encoder has ival 0. */
enum { PL_PKT_FED = 1, PL_PKT_AFTER_EOF = 2 };

/* A video FRAME with ival PL_FRAME_SHAPE holds no picture, only its size,
 * format and aspect: the filters kept no frame of the stream, and the
 * encoder opens on that shape so the stream is still declared, as ffmpeg
 * declares one whose filter graph gave nothing. */
enum { PL_FRAME_SHAPE = 1, PL_FRAME_TICK, PL_FRAME_EARLY };
/* A FRAME with ival PL_FRAME_TICK, out of a sub2video stage, holds no
 * picture, only a pts: its input's other streams reached that time, and
 * the filter_complex stage sends the subtitle canvas again there if its
 * graph waits for it (ffmpeg's sub2video heartbeat). One with ival
 * PL_FRAME_EARLY is a canvas from before the input's -ss: kept for the
 * heartbeats, never sent itself (ffmpeg's trim drops it). */

/* Input streams of every input file are numbered in one sequence (input
 * #0's first, then #1's...): that number is a stream's identity in the
 * graph (pl_out_stream.in_index, pl_dlink.in_index); file and index say
 * where it comes from. */
typedef struct pl_stream_info {
  int file;  /* input file */
  int index; /* stream index within it */
  enum AVMediaType type;
  enum AVCodecID codec_id;
  AVRational tb, fps, sar;
  /* The container's average and base frame rates, which a stream copy
   * carries into the file as ffmpeg's does ({0,0} unknown). */
  AVRational avg_rate, r_rate;
  AVRational stream_sar; /* the container's aspect, which wins over the codec's */
  int width, height, sample_rate, channels;
  int format;       /* the codec's pixel / sample format as probed, -1 unknown */
  uint64_t ch_mask; /* the channel layout's mask when native, 0 unknown */
  /* no channel order, and -guess_layout_max left it so: frames carry the
   * channel count alone, as ffmpeg's then */
  bool layout_unknown;
  int64_t start_pts; /* in tb, AV_NOPTS_VALUE unknown */
  bool attached_pic;
  int disposition; /* AV_DISPOSITION_* the output stream starts from */
  /* the demuxer read packets of it while probing (ffmpeg's choice weighs it) */
  bool probed_packets;
  bool has_matrix;
  int32_t matrix[9]; /* display matrix (rotation) */
  double ts_scale;   /* -itsscale: what its timestamps are multiplied by; 0 none */
  bool disabled;     /* its input's -vn/-an/-sn/-dn left it out: never chosen nor mapped */
  bool discarded;    /* -discard all: its packets are never read (so it is disabled too) */
} pl_stream_info;

/* What puts an input's timestamps on ffmpeg's -copyts clock
 * (pl_copyts_us), as its demux opened it. */
typedef struct pl_file_clock {
  int64_t fmt_start_us; /* the container's start, 0 none */
  int64_t skip_us;      /* where the read starts: its -ss, or -sseof's */
  bool discont;         /* the format may restart its timestamps (mpegts) */
} pl_file_clock;

typedef struct pl_input_info {
  int nstreams;
  pl_stream_info st[PL_MAX_IN];
  int best_v, best_a;
  int ninputs;                  /* input files (1 until main merges several) */
  int first[PL_MAX_INPUTS + 1]; /* input k's streams: first[k] .. first[k + 1] - 1 */
  int64_t duration_us;          /* AV_NOPTS_VALUE unknown */
  int64_t start_us;             /* absolute instant mapped to output 0 */
  /* Each input file's clock as its demux reads it (input #0's first). */
  pl_file_clock clock[PL_MAX_INPUTS];
  int64_t sseof_ss_us; /* the -ss an -sseof became (its read starts there); -1 none */
  char format[64];
} pl_input_info;

/* What a demux learns at CONNECT (the graph is built after it opened its
 * input): the links out of its input, in the order of the message's ports. */
typedef struct pl_demux_link {
  int stream;                          /* the input's own stream index */
  bool copy;                           /* as pl_dlink */
  int64_t start_us, end_us, out_ss_us; /* as pl_dlink */
  bool copyinkf, end_own;              /* as pl_dlink */
  bool complex_in; /* the stream feeds -filter_complex: read whole, whatever its -discard */
  bool ticks;      /* sub2video: the link gets every packet of the input, the heartbeat */
  char to[ISO_STAGE_NAME_MAX]; /* the consumer's name */
} pl_demux_link;

typedef struct pl_demux_plan {
  /* A cluster task's video segment (pl_seg_task_seek_us): the read starts
   * at the keyframe at or before this instant of the timeline; -1 none. */
  int64_t seek_us;
  int n;
  pl_demux_link l[]; /* n */
} pl_demux_plan;

typedef struct pl_msg {
  pl_kind kind;
  int stage; /* sender's node id */
  int index; /* stream / port index the message is about */
  AVPacket *pkt;
  AVFrame *frame;
  AVCodecParameters *par;
  AVRational tb;
  pl_stamp stamp;
  AVRational rate; /* FRAME out of the filter_complex stage: its output's frame rate */
  int level;
  int averr; /* ERROR: FFmpeg's AVERROR behind it, 0 none */
  int cat;   /* ERROR: an iso_error_category the stage knows, 0 = classify */
  int64_t ival;
  /* A PACKET of a stream copy read without a decode time: the one ffmpeg
   * gives it, in microseconds on its output's clock (has_dts_guess). */
  int64_t dts_guess_us;
  bool has_dts_guess;
  int64_t frames;
  double pos_s;
  char *text;
  iso_sendport **ports; /* READY, INFO, CONNECT only (pl_msg_new_ports) */
  int nports;
  pl_input_info *info;
  struct pl_meta *meta; /* INFO: the input's metadata */
  pl_demux_plan *plan;  /* CONNECT to demux: its links */
} pl_msg;

pl_msg *pl_msg_new(pl_kind kind);
/* A message that carries up to n send ports (READY, INFO, CONNECT): media
 * messages, by far the most, stay small. */
pl_msg *pl_msg_new_ports(pl_kind kind, int n);
/* Payload bytes of a packet or frame (0 for control messages). */
uint64_t pl_msg_bytes(const pl_msg *m);
void pl_msg_free(pl_msg *m);
/* Wraps m as a TRANSFER value (consumes m). */
iso_value *pl_msg_value(pl_msg *m);
/* Takes the pl_msg out of a value (which is freed); NULL if it is not one. */
pl_msg *pl_msg_take(iso_value *v);
/* Sends m to sp by moving it; m is consumed whatever happens. */
int pl_msg_send(iso_sendport *sp, pl_msg *m);
/* A copy of m for one more consumer: frames and packets by reference
 * (av_frame_ref / av_packet_ref: the data is shared, never copied). */
pl_msg *pl_msg_ref(const pl_msg *m);

#endif
