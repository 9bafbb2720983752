/* Attachments of an output (fonts, pictures): streams with no packets, their data in the header. */
#ifndef ISOPIPE_MUX_ATTACH_H
#define ISOPIPE_MUX_ATTACH_H

#include "codecs/codecs.h"
#include "pipeline/pl_spawn.h"

/* Adds this output's attachments after its other streams, as ffmpeg orders
 * them: the input's it maps (copied with their filename and mimetype), then
 * each -attach file (its name as filename). Each gets an entry in ms (for
 * its metadata). 0, or -1 with a reason in err naming the file. */
int pl_mux_attachments(const pl_mux_set *m, cx_mux *mux, pl_meta_stream *ms, int *nms, int max,
                       char *err, size_t n);

#endif
