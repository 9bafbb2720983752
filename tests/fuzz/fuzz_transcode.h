/* Entries of the fuzz targets, shared by libFuzzer builds and the replay binaries. */
#ifndef ISOPIPE_FUZZ_TRANSCODE_H
#define ISOPIPE_FUZZ_TRANSCODE_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input through demux, decode, convert, encode and mux; always 0. */
int fz_transcode_one(const uint8_t *data, size_t size);
/* The same through a whole pipeline (fuzz_pipeline.c). */
int fz_pipeline_one(const uint8_t *data, size_t size);
/* Filtergraph strings, option lines, custom-I/O callbacks (fuzz_surfaces.c). */
int fz_surfaces_one(const uint8_t *data, size_t size);
/* Hostile segment files through the join's reader, MP3 join and a whole join (fuzz_segjoin.c). */
int fz_segjoin_one(const uint8_t *data, size_t size);
/* What the last input went through, for the replay's log. */
extern char fz_summary[256];
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
