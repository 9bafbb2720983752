/* The option table: every ffmpeg option isopipe knows, with ffmpeg's arity and kinds. */
#include "tools/isopipe/cli_optdefs.h"

#include <ctype.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

#define A CO_ARG
#define B CO_BOOL
#define S CO_SPEC
#define I CO_INPUT
#define O CO_OUTPUT
#define E CO_EXPERT
#define INTMAX 2147483647L

/* Order is the --help order. Notes of K_IGNORE and K_REFUSE entries are
 * printed as they are: they say what isopipe does instead. */
static const cli_optdef table[] = {
    /* Files. */
    {"i", A | I, K_SPECIAL, NULL, 0, 0, "input file ('-' = stdin)"},
    {"f", A | I | O, K_SPECIAL, NULL, 0, 0, "format (before -i: the input's)"},
    {"y", B, K_SPECIAL, NULL, 0, 0, "overwrite the outputs"},
    {"n", B, K_SPECIAL, NULL, 0, 0, "never overwrite (the default)"},
    /* Streams and codecs. */
    {"c", A | S | I | O, K_CODEC, "c", 0, 0, "encoder or 'copy' (by stream type)"},
    {"codec", A | S | I | O, K_CODEC, "c", 0, 0, "same as -c"},
    {"vcodec", A | I | O, K_CODEC, "c:v", 0, 0, "same as -c:v"},
    {"acodec", A | I | O, K_CODEC, "c:a", 0, 0, "same as -c:a"},
    {"scodec", A | I | O, K_CODEC, "c:s", 0, 0, "same as -c:s"},
    {"dcodec", A | I | O | E, K_IGNORE, NULL, 0, 0,
     "isopipe writes no data streams (named in a warning)"},
    {"b", A | S | O, K_BITRATE, "b", 0, 0, "bit rate ('2M', '128k'; no type: video)"},
    {"vb", A | O, K_BITRATE, "b:v", 0, 0, "same as -b:v"},
    {"ab", A | O, K_BITRATE, "b:a", 0, 0, "same as -b:a"},
    {"crf", A | S | O, K_NUMBER, "crf", 0, 0, "constant quality"},
    {"pass", A | S | O, K_COUNT, "pass", 1, 3, "two-pass video: 1 analyses, 2 encodes (serial)"},
    {"passlogfile", A | S | O, K_STR, "passlogfile", 0, 0,
     "two-pass statistics prefix (ffmpeg2pass: ffmpeg2pass-0.log)"},
    {"muxdelay", A | O | E, K_NUMBER, "muxdelay", 0, 0,
     "the muxer's maximum demux-decode delay (s)"},
    {"muxpreload", A | O | E, K_NUMBER, "muxpreload", 0, 0, "the muxer's initial delay (s)"},
    {"q", A | S | O, K_NUMBER, "q", 0, 0, "fixed quality scale (-q:v, -q:a)"},
    {"qscale", A | S | O, K_NUMBER, "q", 0, 0, "same as -q"},
    {"aq", A | O, K_NUMBER, "q:a", 0, 0, "same as -q:a"},
    {"preset", A | S | O, K_STR, "preset", 0, 0, "encoder preset"},
    {"g", A | S | O, K_COUNT, "g", 0, 100000000, "keyframe interval"},
    {"threads", A | S | I | O, K_THREADS, "threads", 0, 1024, "codec threads or auto"},
    {"frames", A | S | O, K_COUNT, "frames", 1, INTMAX,
     "at most N frames (-frames:v, -frames:a: packets)"},
    {"vframes", A | O, K_COUNT, "frames:v", 1, INTMAX, "same as -frames:v"},
    {"s", A | S | I | O, K_WXH, "s", 0, 0, "frame size WxH"},
    {"r", A | S | I | O, K_RATE, "r", 0, 0, "frame rate"},
    {"aspect", A | S | O, K_STR, "aspect", 0, 0, "display aspect ratio (4:3, 1.7777)"},
    {"pix_fmt", A | S | I | O, K_STR, "pix_fmt", 0, 0, "pixel format"},
    {"ar", A | S | I | O, K_BITRATE, "ar", 1, 4000000, "audio sample rate ('16k')"},
    {"ac", A | S | I | O, K_COUNT, "ac", 0, 64, "audio channels (0: the input's)"},
    {"sample_fmt", A | S | I | O, K_STR, "sample_fmt", 0, 0, "audio sample format"},
    {"channel_layout", A | S | O, K_STR, "channel_layout", 0, 0,
     "audio channel layout (stereo, 5.1); sets -ac"},
    {"an", B | I | O, K_FLAG, "an", 0, 0, "no audio"},
    {"vn", B | I | O, K_FLAG, "vn", 0, 0, "no video"},
    {"sn", B | I | O, K_FLAG, "sn", 0, 0, "no subtitles"},
    {"dn", B | I | O, K_FLAG, "dn", 0, 0, "no data streams"},
    {"map", A | O, K_STR, "map", 0, 0, "pick streams: [-]N[:SPEC][?]"},
    {"map_metadata", A | S | O, K_STR, "map_metadata", 0, 0,
     "metadata source (N, N:s:v, -1; -map_metadata:s:a:0 for a stream)"},
    {"map_chapters", A | O, K_STR, "map_chapters", 0, 0, "chapters source (N or -1)"},
    {"metadata", A | S | O, K_KV, "metadata", 0, 0, "KEY=VALUE (KEY= removes; :s:a:0 ...)"},
    {"timecode", A | O, K_SPECIAL, NULL, 0, 0,
     "hh:mm:ss[:;.]ff: the start timecode (tmcd track in "
     "MOV/MP4)"},
    {"disposition", A | S | O, K_STR, "disposition", 0, 0, "stream disposition (default...)"},
    {"tag", A | S | O, K_STR, "tag", 0, 0, "codec tag (-tag:v hvc1)"},
    {"vtag", A | O, K_STR, "tag:v", 0, 0, "same as -tag:v"},
    {"atag", A | O, K_STR, "tag:a", 0, 0, "same as -tag:a"},
    {"bsf", A | S | O, K_STR, "bsf", 0, 0, "bitstream filters (-bsf:a aac_adtstoasc)"},
    {"absf", A | O, K_STR, "bsf:a", 0, 0, "same as -bsf:a"},
    {"vbsf", A | O, K_STR, "bsf:v", 0, 0, "same as -bsf:v"},
    {"force_key_frames", A | S | O, K_STR, "force_key_frames", 0, 0, "times or expr:..."},
    {"rc_override", A | S | O | E, K_STR, "rc_override", 0, 0,
     "rate control of frame ranges: START,END,Q/... (Q > 0 a fixed qscale, else the quality "
     "factor -Q/100)"},
    {"top", A | S | O | E, K_COUNT, "top", -1, 1,
     "field order the video encoder states (and codes, interlaced): 1 top first, 0 bottom, -1 "
     "the frames'"},
    {"bits_per_raw_sample", A | E, K_COUNT, "bits_per_raw_sample:v", -INTMAX, INTMAX,
     "bits per raw sample the video encoders are given (ffv1, prores...)"},
    /* Filters: run by the library's filter stage. */
    {"vf", A | O, K_STR, "vf", 0, 0, "video filter graph"},
    {"af", A | O, K_STR, "af", 0, 0, "audio filter graph"},
    {"apad", A | O, K_SPECIAL, NULL, 0, 0,
     "apad's arguments: with -shortest, pad the audio to the "
     "video's end"},
    {"filter", A | S | O, K_STR, "filter", 0, 0, "same as -vf (:v) and -af (:a)"},
    {"autorotate", A | B | S | I | E, K_FLAG, "autorotate", 0, 0,
     "1: turn rotated pictures upright (default); 0 or -noautorotate: keep the display matrix"},
    {"filter_complex", A, K_STR, "filter_complex", 0, 0, "complex filter graph"},
    {"lavfi", A, K_STR, "filter_complex", 0, 0, "same as -filter_complex"},
    {"filter_script", A | S | O, K_SCRIPT, "filter", 0, 0, "-filter's graph read from a file"},
    {"filter_complex_script", A | E, K_SCRIPT, "filter_complex", 0, 0,
     "-filter_complex's graph read from a file"},
    {"vsync", A | E, K_STR, "fps_mode", 0, 0, "same as -fps_mode"},
    {"fps_mode", A | S | O | E, K_STR, "fps_mode", 0, 0, "frame rate mode"},
    /* Trimming. */
    {"ss", A | I | O, K_TIME, "ss", 0, 0, "start time"},
    {"t", A | I | O, K_TIME, "t", 0, 0, "duration"},
    {"to", A | I | O, K_TIME, "to", 0, 0, "end time"},
    {"protocol_whitelist", A | I | E, K_STR, "protocol_whitelist", 0, 0,
     "protocols the input may use (isopipe's default: local files and pipes)"},
    /* Decoding. */
    {"hwaccel", A | S | I, K_SPECIAL, NULL, 0, 0, "none or auto: isopipe decodes in software"},
    /* Progress and logs. */
    {"loglevel", A, K_SPECIAL, NULL, 0, 0, "log level"},
    {"v", A, K_SPECIAL, NULL, 0, 0, "same as -loglevel"},
    {"progress", A, K_SPECIAL, NULL, 0, 0, "key=value progress to a pipe or file"},
    {"stats_period", A, K_SPECIAL, NULL, 0, 0, "status period (1 s)"},
    {"stats", B, K_SPECIAL, NULL, 0, 0, "status display (-nostats hides it)"},
    {"stdin", B, K_SPECIAL, NULL, 0, 0, "-nostdin: isopipe never reads the keyboard"},
    {"hide_banner", B, K_SPECIAL, NULL, 0, 0, "no banner"},
    {"xerror", B, K_FLAG, "fail_fast", 0, 0, "stop at the first error"},
    {"dts_delta_threshold", A | E, K_NUMBER, "dts_delta_threshold", 0, 0,
     "timestamp jump (s) that is a restart in TS/PS inputs (10)"},
    {"max_error_rate", A | E, K_NUMBER, "max_error_rate", 0, 0,
     "share of a stream's packets that may fail to decode (0.67)"},
    {"h", 0, K_SPECIAL, NULL, 0, 0,
     "help; -h TOPIC=NAME: decoder, encoder, demuxer, muxer, filter, "
     "bsf or protocol NAME with its options"},
    {"help", 0, K_SPECIAL, NULL, 0, 0, "help"},
    {"?", 0, K_SPECIAL, NULL, 0, 0, "help"},
    /* ffmpeg's lists of what the libraries offer, which programs read. */
    {"L", 0, K_SPECIAL, NULL, 0, 0, "license"},
    {"buildconf", 0, K_SPECIAL, NULL, 0, 0, "FFmpeg's build configuration"},
    {"formats", 0, K_SPECIAL, NULL, 0, 0, "formats (muxers and demuxers)"},
    {"muxers", 0, K_SPECIAL, NULL, 0, 0, "muxers"},
    {"demuxers", 0, K_SPECIAL, NULL, 0, 0, "demuxers"},
    {"devices", 0, K_SPECIAL, NULL, 0, 0, "devices: none, isopipe uses no capture devices"},
    {"codecs", 0, K_SPECIAL, NULL, 0, 0, "codecs"},
    {"decoders", 0, K_SPECIAL, NULL, 0, 0, "decoders"},
    {"encoders", 0, K_SPECIAL, NULL, 0, 0, "encoders"},
    {"bsfs", 0, K_SPECIAL, NULL, 0, 0, "bitstream filters"},
    {"protocols", 0, K_SPECIAL, NULL, 0, 0,
     "protocols (isopipe allows file and pipe unless "
     "-protocol_whitelist says more)"},
    {"filters", 0, K_SPECIAL, NULL, 0, 0, "filters"},
    {"pix_fmts", 0, K_SPECIAL, NULL, 0, 0, "pixel formats"},
    {"layouts", 0, K_SPECIAL, NULL, 0, 0, "channel layouts"},
    {"sample_fmts", 0, K_SPECIAL, NULL, 0, 0, "sample formats"},
    {"dispositions", 0, K_SPECIAL, NULL, 0, 0, "stream dispositions"},
    {"colors", 0, K_SPECIAL, NULL, 0, 0, "colour names"},
    {"hwaccels", 0, K_SPECIAL, NULL, 0, 0,
     "hardware acceleration: none, isopipe decodes in "
     "software"},
    {"version", 0, K_SPECIAL, NULL, 0, 0, "version"},
    /* Accepted; nothing to change in isopipe. */
    {"max_muxing_queue_size", A | S | O | E, K_IGNORE, NULL, 0, 0,
     "isopipe's queues are bounded by --queue"},
    {"muxing_queue_data_threshold", A | S | O | E, K_IGNORE, NULL, 0, 0,
     "isopipe's queues are bounded by --queue"},
    {"ignore_unknown", B | E, K_IGNORE, NULL, 0, 0, "isopipe always skips streams it cannot write"},
    {"thread_queue_size", A | I | E, K_IGNORE, NULL, 0, 0,
     "isopipe's queues are bounded by --queue"},
    {"readrate", A | I | E, K_IGNORE, NULL, 0, 0, "isopipe reads as fast as it can"},
    {"abort_on", A | E, K_IGNORE, NULL, 0, 0, "an output with no data always fails in isopipe"},
    {"copy_unknown", B | E, K_REFUSE, NULL, 0, 0, "isopipe writes only audio and video streams"},
    {"bitexact", B | I | O | E, K_FLAG, "bitexact", 0, 0,
     "bit-exact mode (muxer and encoders; decoders before -i)"},
    {"reinit_filter", A | S | I | E, K_COUNT, "reinit_filter", 0, 1,
     "0: frames that change size go into the filters as they are"},
    {"copyinkf", B | S | O | E, K_FLAG, "copyinkf", 0, 0,
     "stream copy keeps the packets before the first keyframe"},
    {"start_at_zero", B | E, K_FLAG, "start_at_zero", 0, 0,
     "with -copyts: shift timestamps by the input's start only"},
    {"shortest", B | O, K_FLAG, "shortest", 0, 0, "end the output with its shortest stream"},
    {"fs", A | O, K_STR, "fs", 0, 0, "end the output once its file holds this many bytes"},
    {"adrift_threshold", A | E, K_NUMBER, "adrift_threshold", 0, 0,
     "-async's drift threshold in seconds (default 0.1)"},
    {"async", A | E, K_COUNT, "async", -1000000, 1000000,
     "audio sync: aresample=async=N:first_pts=0 before -af, as ffmpeg"},
    {"vol", A | E, K_COUNT, "vol", -INTMAX, INTMAX,
     "audio volume, 256 = unchanged: volume=N/256 before -af or a graph's inputs, as ffmpeg"},
    {"sws_flags", A | E, K_STR, "sws_flags", 0, 0, "scaler flags (-sws_flags lanczos)"},
    {"canvas_size", A | I, K_WXH, "canvas_size", 0, 0,
     "the next input's bitmap subtitles are drawn on a canvas this size in -filter_complex"},
    {"fix_sub_duration", B | I | E, K_FLAG, "fix_sub_duration", 0, 0,
     "re-encoded subtitles of the next input end where the next one starts"},
    {"accurate_seek", B | I | E, K_FLAG, "accurate_seek", 0, 0,
     "isopipe always seeks accurately (-noaccurate_seek: refused for an encoded video after -ss)"},
    {"re", B | I, K_IGNORE, NULL, 0, 0, "isopipe reads as fast as it can"},
    {"benchmark", B | E, K_IGNORE, NULL, 0, 0, "see --profile"},
    {"filter_threads", A | E, K_IGNORE, NULL, 0, 0, "filters run in their own isolate"},
    {"filter_complex_threads", A | E, K_IGNORE, NULL, 0, 0, "filters run in their own isolate"},
    {"debug_ts", B | E, K_IGNORE, NULL, 0, 0, "see --trace"},
    {"benchmark_all", B | E, K_IGNORE, NULL, 0, 0, "see --profile"},
    {"qphist", B | E, K_IGNORE, NULL, 0, 0,
     "isopipe's status line shows no QP histogram (see --stats)"},
    {"dump", B | E, K_IGNORE, NULL, 0, 0, "isopipe prints no packet dumps (see --trace)"},
    {"hex", B | E, K_IGNORE, NULL, 0, 0, "isopipe prints no packet dumps (see --trace)"},
    /* Known to ffmpeg, not done by isopipe. */
    {"copyts", B | E, K_FLAG, "copyts", 0, 0, "keep the input's timestamps"},
    {"copytb", A | E, K_REFUSE, NULL, 0, 0, "isopipe picks the time bases"},
    {"hwaccel_device", A | S | I | E, K_REFUSE, NULL, 0, 0, "isopipe decodes in software"},
    {"hwaccel_output_format", A | S | I | E, K_REFUSE, NULL, 0, 0, "isopipe decodes in software"},
    {"init_hw_device", A | E, K_REFUSE, NULL, 0, 0, "isopipe decodes in software"},
    {"filter_hw_device", A | E, K_REFUSE, NULL, 0, 0, "isopipe decodes in software"},
    {"vaapi_device", A | E, K_REFUSE, NULL, 0, 0, "isopipe decodes and encodes in software"},
    {"qsv_device", A | E, K_REFUSE, NULL, 0, 0, "isopipe decodes and encodes in software"},
    {"sseof", A | I, K_TIME, "sseof", -1, 0, "start the next input this long before its end (< 0)"},
    {"itsoffset", A | I, K_TIME, "itsoffset", -1, 0, "shift the next input's timestamps"},
    {"itsscale", A | S | I | E, K_NUMBER, "itsscale", 0, 0,
     "multiply the next input's timestamps (per stream)"},
    {"discard", A | S | I | E, K_STR, "discard", 0, 0,
     "the next input's packets the demuxer leaves out: nokey, all... (per stream)"},
    {"guess_layout_max", A | S | I | E, K_COUNT, "guess_layout_max", -INTMAX - 1, INTMAX,
     "the next input's audio with no channel order and at most X channels gets its count's "
     "default layout (per stream)"},
    {"stream_loop", A | I, K_COUNT, "stream_loop", -1, INTMAX,
     "read the next input N more times (-1 endlessly)"},
    {"aframes", A | O, K_COUNT, "frames:a", 1, INTMAX, "same as -frames:a"},
    {"dframes", A | O, K_REFUSE, NULL, 0, 0, "isopipe writes no data streams"},
    {"attach", A | O, K_STR, "attach", 0, 0, "add a file as an attachment stream (Matroska)"},
    {"dump_attachment", A | S | I, K_STR, "dump_attachment", 0, 0,
     "write the next input's attachments (fonts) to FILE; \"\": their filename tags"},
    {"map_channel", A | O, K_SPECIAL, NULL, 0, 0,
     "an input channel as the next output channel (FILE.STREAM.CHANNEL, -1 silence)"},
    {"program", A | O, K_REFUSE, NULL, 0, 0, "isopipe writes no programs"},
    {"streamid", A | O, K_REFUSE, NULL, 0, 0, "isopipe numbers streams itself"},
    {"target", A | O, K_SPECIAL, NULL, 0, 0,
     "a disc's options: pal-, ntsc- or film- + vcd, svcd, dvd, dv, dv50"},
    {"timelimit", A | E, K_SPECIAL, NULL, 0, 0, "stop after N s of CPU time (setrlimit)"},
    {"max_alloc", A | E, K_SPECIAL, NULL, 0, 0, "largest block FFmpeg may allocate (bytes)"},
    {"cpuflags", A | E, K_SPECIAL, NULL, 0, 0,
     "CPU features FFmpeg's code uses (0: plain C; +sse2-avx2...)"},
    {"report", 0, K_REFUSE, NULL, 0, 0, "use 2> FILE"},
    {"autoscale", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe scales frames of a new size to the first frame's (ffmpeg's default)"},
    {"fpsmax", A | S | O | E, K_REFUSE, NULL, 0, 0, "give the output's rate with -r"},
    {"force_fps", B | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe hands the encoder the rate -r (or the input) gives"},
    {"time_base", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe's encoders and muxers pick the time bases; ffmpeg's also becomes the encoder's, "
     "changing its rate control and, at a constant frame rate, repeating frames to fill its ticks"},
    {"enc_time_base", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe's encoders take 1/frame rate or 1/sample rate (ffmpeg's default, 0)"},
    {"frame_drop_threshold", A | E, K_REFUSE, NULL, 0, 0,
     "isopipe drops and duplicates frames by -fps_mode alone"},
    {"dts_error_threshold", A | E, K_REFUSE, NULL, 0, 0,
     "isopipe keeps the timestamps of inputs without discontinuities as they are"},
    {"seek_timestamp", A | I | E, K_REFUSE, NULL, 0, 0,
     "isopipe's -ss counts from the input's start"},
    {"copypriorss", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "a stream copy after -ss starts where isopipe's seek puts it"},
    {"recast_media", B | E, K_REFUSE, NULL, 0, 0,
     "isopipe decodes a stream with a decoder of its own type only"},
    {"psnr", B | E, K_REFUSE, NULL, 0, 0, "isopipe prints no PSNR: compare with -lavfi psnr"},
    {"vstats", B | E, K_REFUSE, NULL, 0, 0, "isopipe writes no vstats file (see --stats)"},
    {"vstats_file", A | E, K_REFUSE, NULL, 0, 0, "isopipe writes no vstats file (see --stats)"},
    {"vstats_version", A | E, K_REFUSE, NULL, 0, 0, "isopipe writes no vstats file (see --stats)"},
    {"sdp_file", A | O | E, K_REFUSE, NULL, 0, 0, "isopipe writes no RTP outputs"},
    {"stag", A | O | E, K_REFUSE, NULL, 0, 0,
     "give -tag:s:N (N: the output's subtitle stream, from 0)"},
    {"find_stream_info", B | I | E, K_SPECIAL, NULL, 0, 0,
     "read the streams to fill in their parameters (always: -nofind_stream_info is refused)"},
    {"auto_conversion_filters", B | E, K_SPECIAL, NULL, 0, 0,
     "convert formats between filters (always: -noauto_conversion_filters is refused)"},
    {"isync", A | I | E, K_REFUSE, NULL, 0, 0,
     "isopipe lines inputs up by their own timestamps, ffmpeg's default; give -itsoffset"},
    {"cpucount", A | E, K_SPECIAL, NULL, 0, 0,
     "the CPU count codecs size their automatic threads by (0: the machine's)"},
    {"vpre", A | O, K_SPECIAL, NULL, 0, 0,
     "video options from NAME.ffpreset or CODEC-NAME.ffpreset ($FFMPEG_DATADIR, ~/.ffmpeg, "
     "/usr/share/ffmpeg)"},
    {"apre", A | O, K_SPECIAL, NULL, 0, 0, "audio options from a preset file, as -vpre"},
    {"spre", A | O, K_SPECIAL, NULL, 0, 0, "subtitle options from a preset file, as -vpre"},
    {"fpre", A | O, K_SPECIAL, NULL, 0, 0, "options from preset FILE (key=value lines)"},
    {"pre", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "avconv's .avpreset files, of which FFmpeg's packages ship none; -vpre/-apre NAME and "
     "-fpre FILE read ffmpeg's .ffpreset files"},
    {"chroma_intra_matrix", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe's encoders keep their own quantiser matrices"},
    {"sources", A | I | E, K_REFUSE, NULL, 0, 0,
     "isopipe reads no capture devices, so it lists none"},
    {"sinks", A | O | E, K_REFUSE, NULL, 0, 0, "isopipe writes to no output devices"},
    {"intra_matrix", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe's encoders keep their own quantiser matrices"},
    {"inter_matrix", A | S | O | E, K_REFUSE, NULL, 0, 0,
     "isopipe's encoders keep their own quantiser matrices"},
    {"timestamp", A | O, K_SPECIAL, NULL, 0, 0, "DATE: the creation_time tag (deprecated)"},
    /* isopipe's own long options ("--NAME" or "--NAME=VALUE"). */
    {"-queue", A | CO_OURS, K_COUNT, "queue", 1, 256, "items in flight per link"},
    {"-segments", A | O | CO_OURS, K_STR, "segments", 0, 0,
     "audio encoders side by side: N, auto (default) or 1"},
    {"-inline", CO_OURS, K_SPECIAL, NULL, 0, 0, "every isolate on one thread"},
    {"-cluster", A | CO_OURS, K_SPECIAL, NULL, 0, 0, "run the segments as a Slurm job array"},
    {"-partition", A | CO_OURS, K_SPECIAL, NULL, 0, 0, "the cluster's partition"},
    {"-cluster-dir", A | CO_OURS, K_SPECIAL, NULL, 0, 0, "shared directory for the segments"},
    {"-batch", A | CO_OURS, K_SPECIAL, NULL, 0, 0, "a list of input and output files"},
    {"-fail-fast", CO_OURS, K_FLAG, "fail_fast", 0, 0, "stop at the first corrupt packet"},
    {"-untrusted-filters", CO_OURS, K_FLAG, "untrusted_filters", 0, 0,
     "refuse filters that load code, open sockets, read or write files"},
    {"-stats", A | CO_OURS, K_SPECIAL, NULL, 0, 0, "per-stage statistics JSON"},
    {"-trace", A | CO_OURS, K_SPECIAL, NULL, 0, 0, "Chrome/Perfetto trace"},
    {"-profile", CO_OURS, K_SPECIAL, NULL, 0, 0, "per-stage table and verdict"},
    {"-version", CO_OURS, K_SPECIAL, NULL, 0, 0, "version"},
    {"-help", CO_OURS, K_SPECIAL, NULL, 0, 0, "help"},
};

#define NDEFS (sizeof table / sizeof table[0])

const cli_optdef *cli_optdef_find(const char *name) {
  for (size_t i = 0; i < NDEFS; i++)
    if (strcmp(table[i].name, name) == 0) return &table[i];
  return NULL;
}

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 64;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *cli_optdef_suggest(const char *name) {
  const char *best = NULL;
  size_t bd = 3; /* at most two edits, and fewer than half the name */
  size_t len = strlen(name);
  for (size_t i = 0; i < NDEFS; i++) {
    if (strlen(table[i].name) < 2) continue;
    size_t d = edit_distance(name, table[i].name);
    if (d < bd && d * 2 < len) {
      bd = d;
      best = table[i].name;
    }
  }
  return best;
}

/* ffmpeg's opt_default() looks in these classes and their children
 * (every codec's and format's private options). */
static const AVOption *find_avoption(const char *name) {
  const AVClass *cc = avcodec_get_class(), *fc = avformat_get_class();
  const AVClass *sc = sws_get_class(), *rc = swr_get_class();
  const AVClass *classes[] = {cc, fc, sc, rc};
  for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
    const AVOption *opt =
        av_opt_find(&classes[i], name, NULL, 0, AV_OPT_SEARCH_CHILDREN | AV_OPT_SEARCH_FAKE_OBJ);
    if (opt) return opt;
  }
  return NULL;
}

int cli_is_avoption(const char *name) {
  return find_avoption(name) != NULL;
}

int cli_avoption_is_flags(const char *name) {
  const AVOption *opt = find_avoption(name);
  return opt && opt->type == AV_OPT_TYPE_FLAGS;
}

static int spec_index(const char *s, int *index) {
  if (!isdigit((unsigned char)*s)) return -1;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v > 1000) return -1;
  *index = (int)v;
  return 0;
}

int cli_spec_parse(const char *spec, char *type, int *index, char *why, size_t wn) {
  *type = 0;
  *index = -1;
  if (!*spec) return 0;
  if (!strncmp(spec, "p:", 2) || !strncmp(spec, "m:", 2) || !strncmp(spec, "i:", 2) ||
      !strcmp(spec, "u")) {
    snprintf(why, wn,
             "stream specifier '%s' (program, metadata, id, usable) is not supported with this "
             "option: use v, a, v:N or a:N",
             spec);
    return -1;
  }
  if (strchr("vVasdt", spec[0]) && (spec[1] == 0 || spec[1] == ':')) {
    *type = spec[0] == 'V' ? 'v' : spec[0];
    /* "a:" is "a", as ffmpeg's matcher reads it (-c:a: copy). */
    if (spec[1] && spec[2] && spec_index(spec + 2, index) < 0) {
      snprintf(why, wn, "bad stream index in specifier '%s'", spec);
      return -1;
    }
    return 0;
  }
  if (spec_index(spec, index) == 0) return 0;
  snprintf(why, wn, "bad stream specifier '%s'", spec);
  return -1;
}

void cli_optdefs_print(FILE *f) {
  static const char *const kinds[] = {"supported", "accepted, no effect in isopipe",
                                      "refused by isopipe (ffmpeg has them)"};
  for (int g = 0; g < 3; g++) {
    fprintf(f, "\nOptions %s:\n", kinds[g]);
    for (size_t i = 0; i < NDEFS; i++) {
      const cli_optdef *d = &table[i];
      int grp = d->k == K_IGNORE ? 1 : d->k == K_REFUSE ? 2 : 0;
      if (grp != g) continue;
      char name[64];
      snprintf(name, sizeof name, "-%s%s%s", d->name, (d->flags & CO_SPEC) ? "[:SPEC]" : "",
               (d->flags & CO_ARG) ? " X" : "");
      fprintf(f, "  %-28s %s\n", name, d->note);
    }
  }
}

int cli_value_words(const char *tok) {
  if (tok[0] != '-' || tok[1] == '\0') return 0;
  char name[128];
  snprintf(name, sizeof name, "%s", tok + 1);
  char *cut = strchr(name, tok[1] == '-' ? '=' : ':');
  if (cut && tok[1] == '-') return 0; /* "--opt=value" */
  if (cut) *cut = '\0';
  const cli_optdef *d = cli_optdef_find(name);
  if (d) return (d->flags & CO_ARG) ? 1 : 0;
  if (!strncmp(name, "no", 2) && (d = cli_optdef_find(name + 2)) && (d->flags & CO_BOOL)) return 0;
  return cli_is_avoption(name) || cli_typed_avoption(name) ? 1 : 0;
}

const char *cli_typed_avoption(const char *name) {
  if (!name || !name[0] || !strchr("vas", name[0]) || cli_optdef_find(name) ||
      cli_is_avoption(name) || !cli_is_avoption(name + 1))
    return NULL;
  return name + 1;
}
