/* The mux stage's state, shared by mux.c (queue, header, writing), mux_end.c and mux_filter.c
 * (per-stream filters). */
#ifndef ISOPIPE_PL_MUX_FILTER_H
#define ISOPIPE_PL_MUX_FILTER_H

#include "codecs/codecs.h"
#include "pipeline/pl_stage.h"
#include "pipeline/stages/mux_shortest.h"

typedef struct mux_port {
  struct mux_impl *x;
  int k;
  iso_link_rx *rx;
  AVCodecParameters *par;
  AVPacket *coded_sd; /* its encoder's stream side data (CPB properties), or NULL */
  AVRational tb;
  int file_index; /* -1: no stream in the file (yet) */
  bool eof;
  cx_bsf *bsf;      /* -bsf chain, or aac_adtstoasc put in for ADTS (see adts_check) */
  bool adts_check;  /* AAC without extradata into mp4/mov: its first packet decides */
  bool bsf_out;     /* the chain gave a packet: its parameters are final */
  size_t queued;    /* its packets in the mux queue */
  double end_s;     /* end of its last packet written, seconds; -1 none */
  double in_end_s;  /* end of its latest packet queued, seconds; -1 none */
  pl_fed fed;       /* -shortest: what its encoder was fed (mux_shortest.h) */
  uint64_t written; /* its packets in the file */
  bool frames_done; /* its -frames reached: what follows is left out (counted in left_pkts) */
  cx_subconv *sub;  /* subtitles re-encoded here; their packets come in sub_tb */
  AVRational sub_tb;
  int64_t rd_last; /* copied audio: av_rescale_delta's state (pl_mux_copy_ts) */
} mux_port;

/* What a queued packet owes its link: a credit, nothing (acked before the
 * header, counted in unacked_preheader), or nothing at all (a bitstream
 * filter's further output from one packet). */
enum { ACK_OWED, ACK_PREHEADER, ACK_NONE };
typedef struct mux_item {
  pl_msg *m;
  int ack;
} mux_item;

typedef struct mux_impl {
  pl_stage *st;
  pl_mux_set *set;
  int n;
  mux_port port[PL_MAX_OUT];
  cx_mux *mux;
  bool connected, header;
  mux_item *items; /* FIFO of packets across streams, in arrival order */
  ring q;          /* over items; grows */
  size_t unacked_preheader;
  uint64_t vframes;
  uint64_t written;  /* packets in the file */
  bool created;      /* the output did not exist before this run */
  pl_pieces *pieces; /* the policy of the further files the muxer opens */
  double pos_s;
  uint64_t last_stat_ns;
  int64_t final_bytes; /* -1 until the file is closed */
  bool ordered;        /* several inputs or -shortest: earliest packet first (mux_order.h) */
  double cut_s;        /* -shortest: where the first stream to end ended; -1 none */
  uint64_t cut_pkts;   /* packets left out past it */
  /* -fs reached, or a stream's -frames: the file ends, what follows is left out. */
  enum { MUX_GOING, MUX_FS_REACHED, MUX_FRAMES_REACHED } ended_by;
  int ended_port;     /* the stream whose -frames ended it */
  uint64_t left_pkts; /* packets left out past the end */
} mux_impl;

/* Queues m for writing; false when out of memory. */
bool pl_mux_q_push(mux_impl *x, pl_msg *m, int ack);

/* ffmpeg's muxers put their own bitstream filters in (mp4 takes ADTS AAC
 * through aac_adtstoasc) unless an option turns that off; true when this
 * stream may need it (its first packet decides). */
bool pl_mux_adts_candidate(const char *format, const AVCodecParameters *par);
/* Opens chain on the stream (false: the stage failed, naming it). */
bool pl_mux_open_bsf(mux_impl *x, mux_port *mp, const char *chain);
/* Frees m and gives its credit back. */
void pl_mux_drop_item(mux_impl *x, mux_port *mp, pl_msg *m, int ack);
/* A copied packet's timestamps on the file's time base out_tb, as ffmpeg's
 * stream copy puts them: one read without a decode time gets the guess
 * the demux made (has_dts_guess); audio is counted in samples from a coarse
 * input clock (Matroska's milliseconds into MP4's 1/sample_rate or MPEG-TS's
 * 90 kHz), so each packet lasts its samples, and pts = dts. m->tb becomes
 * out_tb. Other packets are left as they are. */
void pl_mux_copy_ts(mux_impl *x, mux_port *mp, pl_msg *m, AVRational out_tb);
/* A subtitle stream to re-encode (false: the stage failed). */
bool pl_mux_open_sub(mux_impl *x, mux_port *mp, const pl_mux_stream *o);
/* m re-encoded in place; NULL when nothing came out (dropped, credit back). */
pl_msg *pl_mux_sub_packet(mux_impl *x, mux_port *mp, pl_msg *m, int ack);
/* Queues what the stream's filter gives for m (NULL: its end). */
void pl_mux_filter_in(mux_impl *x, mux_port *mp, pl_msg *m, int ack);

#endif
