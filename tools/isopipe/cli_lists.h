/* ffmpeg's lists of what the linked libraries offer (-formats, -encoders ...) and its -h TOPIC=NAME
 * help. */
#ifndef ISOPIPE_CLI_LISTS_H
#define ISOPIPE_CLI_LISTS_H
#include <libavcodec/avcodec.h>
#include <stdio.h>

/* 1 when NAME (without the dash) is one of ffmpeg's list options. */
int cli_list_known(const char *name);
/* Prints the list NAME to OUT; -1 when NAME is not a list. */
int cli_list_print(const char *name, FILE *out);
/* -h TOPIC=NAME (decoder, encoder, demuxer, muxer, filter, bsf, protocol):
 * 0 printed, 1 NAME unknown (said on stderr), -1 TOPIC is not one of them. */
int cli_help_topic(const char *topic, FILE *out);

/* The next encoder (ENC) or decoder of codec ID after *IT, or NULL. */
const AVCodec *cli_codec_next(enum AVCodecID id, void **it, int enc);

#endif
