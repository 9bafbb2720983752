/* The transcoding pipeline: demux, decode, convert, encode and mux isolates. */
#ifndef ISOPIPE_PIPELINE_H
#define ISOPIPE_PIPELINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "isopipe/common.h"
#include "isopipe/io.h"
#include "isopipe/probe.h"
#include "isopipe/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iso_pipeline iso_pipeline;

/* Log levels follow FFmpeg's AV_LOG_* numbers (16 error ... 48 debug). */
typedef struct iso_pipeline_callbacks {
  /* Every callback runs on the main isolate (the thread that drives the
   * runtime's loop), never on a worker. */
  void (*on_progress)(iso_pipeline *p, const iso_progress *prog, void *ud);
  void (*on_log)(iso_pipeline *p, int level, const char *stage, const char *line, void *ud);
  void (*on_error)(iso_pipeline *p, const char *stage, const char *message, void *ud);
  void (*on_done)(iso_pipeline *p, int status, void *ud); /* status: ISO_OK or error */
} iso_pipeline_callbacks;

/*
 * FFmpeg's log callback is process-wide and FFmpeg 5.1 cannot say which one
 * is installed. While pipelines run, isopipe's forwarder is installed: lines
 * of a pipeline's stages and of its own main-side code go to its on_log;
 * lines the host's own FFmpeg calls make on the main isolate go to the
 * callback given here (NULL, the default: FFmpeg's own). When the last
 * pipeline ends, that callback is installed again (not FFmpeg's default).
 * A host with its own av_log callback calls this instead of (or after)
 * av_log_set_callback. Any thread.
 */
ISO_API void iso_set_ffmpeg_log_callback(void (*cb)(void *avcl, int level, const char *fmt,
                                                    va_list vl));

/* Needs iso_runtime_init() first (either mode). */
ISO_API iso_pipeline *iso_pipeline_new(void);

/*
 * Options use ffmpeg's names without the dash. Known keys:
 *   i (input), o (output), f (output format), input_format,
 *   c:v c:a c:s (codec name or "copy"; c sets all; c:s also picks a
 *   subtitle stream without map, as ffmpeg's -c:s), b:v b:a (bits/s, "2M" ok),
 *   q:v q:a (fixed quantizer / VBR quality, as ffmpeg's -q), crf, preset,
 *   g (gop), threads, s (WxH), vf (scale=W:H, fps=N, comma-separated),
 *   r (fps), ar, ac, sample_fmt, pix_fmt, vn, an, sn, dn, map (e.g. "0:v:0",
 *   repeatable), ss, t, to (seconds or [HH:]MM:SS.frac; per output, see
 *   below), metadata (k=v,
 *   repeatable), queue (link depth), worker_nice (nice of the video
 *   encode, demux and mux isolates, default 5; convert runs 3 and decode
 *   5 below them), adapt_nice (1, the default: while other programs use
 *   less than 0.15 of a core, decode, convert and audio encode step 15,
 *   12 and 10 below instead, so the video encoders' threads get the cores
 *   whenever they can run; they step back once others use 0.3 of a core,
 *   if the process may raise priorities), worker_sched (auto, the
 *   default: decode, convert and audio encode run SCHED_BATCH, so when
 *   they wake they wait for the running thread's slice instead of
 *   preempting it, while the video encoders still preempt; batch: every
 *   stage; normal: none; codec threads inherit their stage's), fail_fast,
 *   max_error_rate (0..1, default 2/3: a stream whose decoder fails on a
 *   larger share of its packets fails the run once the outputs are
 *   finished, as ffmpeg's -max_error_rate), protocol_whitelist,
 *   allow_formats (e.g. "hls,concat"), overwrite (0, the default as in
 *   the CLI, refuses an existing output, stats or trace file; 1 replaces
 *   it; devices and pipes are written either way),
 *   output_protocol_whitelist (per output; "file,pipe" by default: tee:,
 *   md5:, tcp:// and the rest only when listed). untrusted_filters (0, the
 *   default; 1 when the filter chains come from someone the caller does
 *   not trust: a filter that loads code (ladspa, lv2, frei0r), opens
 *   sockets (zmq, movie) or reads or writes files (drawtext's textfile,
 *   psnr's stats_file, vidstabdetect's default result...) fails
 *   iso_pipeline_start naming the filter and option, before any filter is
 *   created). Either way the files filters write (psnr / ssim stats_file,
 *   metadata's file, vidstabdetect's result...) are under the policy below. Every file the run
 *   writes (outputs, stats, trace, filters' files) must not be the input (by inode,
 *   through any protocol prefix, link or symlink) nor another of them:
 *   iso_pipeline_start refuses it with ISO_EINVAL. A stats or trace file
 *   that cannot be written whole (a full disk) fails the run. progress_period (seconds between
 *   on_progress calls; 0, the default: every 60 Hz tick; the last one
 *   always comes).
 *   Any other key is kept as an AVOption for the encoders ("x264-params",
 *   "tune", "cpu-used", a stream suffix like "tune:v" picks one encoder)
 *   or the muxer ("movflags"); one that nothing uses fails iso_pipeline_start.
 * Returns ISO_OK or ISO_EINVAL; iso_pipeline_error() says why.
 */
ISO_API int iso_pipeline_set(iso_pipeline *p, const char *key, const char *value);

/*
 * Several outputs from one input in one pipeline (ffmpeg's
 * "-i in a.mp4 ... b.mp4"): the input is read once and each input stream
 * decoded once; decoded frames go to every output by reference (no copy),
 * each output has its own convert, encode and mux stages and options.
 * iso_pipeline_set configures output #0; iso_pipeline_add_output appends
 * output #k and returns k (>= 1) or a negative error; iso_pipeline_set_output
 * sets an option of output #k (its "o" above all; k 0 is iso_pipeline_set).
 * Input and run options (i, input_format, queue, fail_fast,
 * protocol_whitelist, allow_formats) belong to the whole pipeline whichever
 * output they are given to. ss, t, to are each output's own, as ffmpeg's
 * output options: output #k gets what lies in [ss, ss + t) of the input
 * (to: up to that position), timestamps from 0; t_from=input says the end
 * came from ffmpeg's input -t/-to (audio whose first sample lies past the
 * start then keeps one more partial frame, as ffmpeg's input trim does;
 * the default, output, drops a frame that starts at the end). The input is read once for
 * all their windows, and one output ending stops no other. Stage names
 * of output #k (k >= 1) end in "#k" ("encode:v#1", "mux#2"); with one
 * output nothing changes. The first stage to fail stops every output.
 */
ISO_API int iso_pipeline_add_output(iso_pipeline *p);
ISO_API int iso_pipeline_set_output(iso_pipeline *p, int out, const char *key, const char *value);
/* Outputs configured (1 + those added). */
ISO_API int iso_pipeline_outputs(const iso_pipeline *p);

/*
 * Several inputs (ffmpeg's "-i v.mp4 -i a.m4a ... out.mkv"): input #0 is
 * the one iso_pipeline_set's "i" names; iso_pipeline_add_input appends
 * input #k and returns k (>= 1) or a negative error; iso_pipeline_set_input
 * sets an option of input #k: "i" (its file or URL, required), "f" (its
 * format), "ss", "t" and "to" (read it from ss for t seconds, or to the
 * position to, as ffmpeg's input options), "r" (its pictures counted at
 * that rate), "itsoffset" (seconds added to its timestamps), "itsscale" or
 * "itsscale:SPEC" (the timestamps of the streams ffmpeg's specifier SPEC
 * matches multiplied by the value, itsoffset included, after the input's
 * start is taken off; input #0 too), "vn", "an", "sn", "dn" ("1": its
 * streams of that kind are left out, never chosen nor mapped, as ffmpeg's
 * -vn/-an before -i; input #0 too) and "in:NAME"
 * (an AVOption of its demuxer). For input #0, "i", "f" and "in:NAME" are
 * iso_pipeline_set's; its "ss"/"t"/"to" compose with every output's own as
 * ffmpeg's input and output options do: an output's ss, t and to count
 * from the input's ss, and the earlier end wins.
 * Each input gets its own demux stage ("demux", "demux#1", ...) and its
 * timestamps start at 0 (its start time subtracted, as ffmpeg without
 * -copyts). Streams are picked per output by "map" ("1:a", "0:v:0?")
 * or, without one, as ffmpeg: the video with the most pixels and the
 * audio with the most channels of all inputs, first input on a tie.
 * "shortest" 1 ends an output with its shortest stream.
 */
ISO_API int iso_pipeline_add_input(iso_pipeline *p);
ISO_API int iso_pipeline_set_input(iso_pipeline *p, int in, const char *key, const char *value);
/* Inputs configured (1 + those added). */
ISO_API int iso_pipeline_inputs(const iso_pipeline *p);
ISO_API void iso_pipeline_set_callbacks(iso_pipeline *p, const iso_pipeline_callbacks *cb,
                                        void *ud);
/*
 * Custom I/O (isopipe/io.h): the input is read, output #out written,
 * through the caller's callbacks instead of a URL. The "i" / "o" option,
 * when given, then only names it in messages and lets its format be
 * guessed from the extension ("upload.mp4"); otherwise give "input_format"
 * or "f". The output path checks (overwrite, output == input) do not apply
 * to them. io is copied; NULL returns to the URL. Before start.
 */
ISO_API int iso_pipeline_set_input_io(iso_pipeline *p, const iso_io *io);
ISO_API int iso_pipeline_set_output_io(iso_pipeline *p, int out, const iso_io *io);
/*
 * Live preview, as an export dialog shows it: the decoded pictures of the
 * input's first decoded video stream (before the outputs' filters), fitted
 * into width x height keeping the display aspect (0 for one side: from the
 * other; both 0: the picture's size), as RGBA, delivered on the main
 * isolate at most fps times a second. Latest picture wins: the decoder
 * hands over a reference (no copy), an isolate of its own scales it, and a
 * slow callback or scaler skips pictures, never slows the run. The latest
 * picture the callback has not seen comes before on_done, so a short run
 * shows its last picture too. rgba is valid during the call only. fn NULL
 * turns it off. Before start.
 */
typedef struct iso_preview_frame {
  int width, height;
  int stride; /* bytes from one row to the next */
  const uint8_t *rgba;
  double position_s; /* the picture's time from the input's start; -1 unknown */
} iso_preview_frame;
typedef void (*iso_preview_fn)(iso_pipeline *p, const iso_preview_frame *f, void *ud);
ISO_API int iso_pipeline_set_preview(iso_pipeline *p, int width, int height, double fps,
                                     iso_preview_fn fn, void *ud);
/* The latest progress snapshot (the last on_progress's), copied into out:
 * size is sizeof(iso_progress) as the caller's header declares it, so a
 * program built against an older header gets the fields it knows, and
 * polls without a callback (iso_pipeline_progress gives the library's own
 * struct). Main isolate. ISO_EINVAL for NULL or a size
 * below the fields up to 'stages'. */
ISO_API int iso_pipeline_progress_copy(const iso_pipeline *p, iso_progress *out, size_t size);
/* Profiling outputs: JSON stats document and Chrome trace
 * (".gz" suffix = gzip). NULL disables. */
ISO_API int iso_pipeline_set_stats_path(iso_pipeline *p, const char *path);
ISO_API int iso_pipeline_set_trace_path(iso_pipeline *p, const char *path);

/* Opens the input, builds the graph and spawns the stage isolates; returns
 * at once. Must be called on the main isolate. Progress, logs, errors and
 * done arrive through the callbacks while the caller runs iso_loop_run()
 * or iso_loop_poll(). */
ISO_API int iso_pipeline_start(iso_pipeline *p);
/* iso_pipeline_start + run the loop until this pipeline is done. */
ISO_API int iso_pipeline_run(iso_pipeline *p);

typedef enum {
  ISO_CANCEL_GRACEFUL = 0, /* stop reading input, flush every stage, finish the output */
  ISO_CANCEL_NOW = 1       /* stop every stage now, still close the output file */
} iso_cancel_mode;
/* Safe from any thread (a GUI's, a signal-watching one, a worker), as long
 * as p is not freed meanwhile: off main it only sets atomics (the stop word
 * reaches the demux and blocked FFmpeg I/O at once) and main carries out
 * the rest at its next tick (within 1/60 s). Later calls can only make a
 * cancel stronger (graceful -> now). */
ISO_API void iso_pipeline_cancel(iso_pipeline *p, iso_cancel_mode how);
/* Pause (true) or resume (false) a running pipeline: the demux stops
 * reading, the stages drain what they hold and wait, nothing is dropped.
 * Time paused does not count in elapsed_s, speed or the ETA. Main isolate
 * only: ISO_ESTATE elsewhere, before start, after the end or while a
 * graceful cancel finishes (a cancel resumes a paused pipeline). */
ISO_API int iso_pipeline_pause(iso_pipeline *p, bool pause);
ISO_API bool iso_pipeline_paused(const iso_pipeline *p);

ISO_API bool iso_pipeline_done(const iso_pipeline *p);
/* ISO_OK, an error code, or ISO_ECANCELLED when the caller cancelled (also
 * a graceful cancel, whose output is finished and playable). A run whose
 * stages did not stop within a few seconds of an abort ends ISO_ETIMEDOUT. */
ISO_API int iso_pipeline_status(const iso_pipeline *p);
ISO_API bool iso_pipeline_cancelled(const iso_pipeline *p);
/* One line: "decode:v (in.mp4): Invalid data found when processing input". */
ISO_API const char *iso_pipeline_error(const iso_pipeline *p);
/* The first error in structured form: category, ISO_* code, FFmpeg's
 * AVERROR, stage and file (strings valid while p lives). Returns the
 * status; with ISO_OK, out->category is ISO_ERRCAT_NONE. Only the run's
 * errors (iso_pipeline_start and after): iso_pipeline_set's refusals are
 * its return value and iso_pipeline_error(). */
ISO_API int iso_pipeline_error_info(const iso_pipeline *p, iso_error_info *out);
/* The latest snapshot (valid until the next loop iteration). */
ISO_API const iso_progress *iso_pipeline_progress(const iso_pipeline *p);
/* Frees a pipeline that is done (or never started). On a running one it
 * cancels now and pumps main until the stages ended, with the callbacks
 * of p off (other pipelines' still run): bounded by the abort's give-up,
 * a few seconds at worst. After iso_runtime_shutdown it only frees. */
ISO_API void iso_pipeline_free(iso_pipeline *p);

#ifdef __cplusplus
}
#endif
#endif
