/* The sizes a pipeline's fixed tables are built for: streams, files, stages and links. */
#ifndef ISOPIPE_PL_LIMITS_H
#define ISOPIPE_PL_LIMITS_H

#include "isopipe/stats.h"

#define PL_MAX_IN 64            /* input streams described to main */
#define PL_MAX_OUT 16           /* output streams of one pipeline, all files */
#define PL_MAX_FILES 8          /* output files of one pipeline */
#define PL_MAX_INPUTS 8         /* input files of one pipeline */
#define PL_MAX_FAN PL_MAX_FILES /* consumers of one decoder */
#define PL_FC_MAX 8             /* open inputs, and outputs, of the -filter_complex graph */
#define PL_MAX_NODES (PL_MAX_INPUTS + PL_MAX_FILES + 3 * PL_MAX_OUT + 1 + PL_FC_MAX)
_Static_assert(PL_MAX_NODES <= ISO_MAX_STAGES, "progress must hold every stage");
#define PL_MAX_DLINKS PL_MAX_IN /* links out of the demux */

#endif
