/* Live preview: the latest decoded picture, scaled to RGBA beside the pipeline, for main. */
#ifndef ISOPIPE_PL_PREVIEW_H
#define ISOPIPE_PL_PREVIEW_H

#include <libavutil/frame.h>
#include <stdbool.h>

#include "isopipe/isolate.h"

/*
 * Three parties, none of which waits for another:
 *  - the first video decoder offers each picture when one is due (at most
 *    fps a second): a reference goes into a one-picture slot, replacing one
 *    nobody took (latest wins), and nothing is copied or scaled there;
 *  - main, each tick, hands the slot's picture to the scaler isolate when
 *    that one is idle;
 *  - the scaler makes the RGBA picture and sends it to main as a
 *    PL_M_PREVIEW message, whose frame main shows the caller.
 * So a slow callback or scaler skips pictures; it never slows a stage.
 * Reference-counted: the stages' jobs and main each hold one.
 */
typedef struct pl_preview pl_preview;

/* width/height: the box the picture is fitted into (0: from the other,
 * keeping the display aspect; both 0: the picture's own size). */
pl_preview *pl_preview_new(int width, int height, double fps);
pl_preview *pl_preview_ref(pl_preview *v);
void pl_preview_unref(pl_preview **v);
/* A decode stage: offers a picture of input stream `stream` (pts in tb),
 * which turns clockwise quarter turns to stand upright. */
void pl_preview_offer(pl_preview *v, int stream, int turns, const AVFrame *f, AVRational tb);
struct pl_job;
/* Clockwise quarter turns that stand a stream's pictures upright (its
 * display matrix, when autorotate is on); 0 without a preview. */
int pl_preview_turns(const struct pl_job *j, int in_index);
/* Main: spawns the scaler, whose pictures go to main_sp. */
int pl_preview_start(pl_preview *v, iso_sendport *main_sp);
/* Main, each tick: the latest picture to the scaler if it is idle. */
void pl_preview_tick(pl_preview *v);
/* Main: a picture from the scaler arrived (shown: the caller got it); the
 * scaler is idle again. */
void pl_preview_arrived(pl_preview *v, bool shown);
/* Main, as the run ends: the latest picture the caller has not seen (the
 * slot's, else the one at the scaler when none was shown yet), made on
 * main so a run shorter than a preview round trip still shows its last
 * picture. NULL when there is none. */
AVFrame *pl_preview_last(pl_preview *v);
/* Main: ends the scaler (pictures in flight are dropped). */
void pl_preview_stop(pl_preview *v);

#endif
