/* The ninth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (face swappers, lip-sync and talking-head models, diffusion UIs' video savers, a video
 * editor from JSON, an audio decoder library, a chat bot's sticker maker, a chunked AV1
 * encoder), each with its source. */
#ifndef ISOPIPE_CLI_LINES_NINTH_H
#define ISOPIPE_CLI_LINES_NINTH_H

/* Placeholders as in the other tables. Each line was read in the file
 * named; a program's temporary files are replaced by the inputs of the same
 * kind (its frames by FRAMES, its raw RGB pipe by RAW, its float PCM pipe by
 * F32, WAV's samples as 32-bit floats, its JPEG or PNG by COVER), seek points and durations
 * shortened to suit the 2 s inputs. */
static const cmd_line ninth_lines[] = {
    /* roop, roop/utilities.py: extract_frames, create_video, restore_audio */
    {"roop extract frames", "-hide_banner -hwaccel auto -loglevel error -i IN -pix_fmt rgb24 OUT",
     "roop%04d.png", NULL, NULL},
    {"roop create video",
     "-hide_banner -hwaccel auto -loglevel error -r 30.0 -i FRAMES -c:v libx264 -crf 18 -pix_fmt "
     "yuv420p -vf colorspace=bt709:iall=bt601-6-625:fast=1 -y OUT",
     "roopv.mp4", NULL, NULL},
    {"roop restore audio",
     "-hide_banner -hwaccel auto -loglevel error -i VID -i IN -c:v copy -map 0:v:0 -map 1:a:0 -y "
     "OUT",
     "roopa.mp4", NULL, NULL},
    /* FaceFusion, facefusion/ffmpeg.py and ffmpeg_builder.py: extract_frames
     * (its "-progress -" moved before the output: a global option, read
     * anywhere), merge_video, restore_audio with a trimmed range,
     * read_audio_buffer, concat_video, finalize_image */
    {"FaceFusion extract frames",
     "-loglevel error -i IN -s 320x240 -q:v 0 -pix_fmt rgb24 -vf "
     "trim=start_frame=0:end_frame=20,fps=25.0 -vsync 0 -progress - OUT",
     "ffx%08d.png", NULL, NULL},
    {"FaceFusion merge video",
     "-loglevel error -r 25.0 -i FRAMES -s 320x240 -c:v libx264 -crf 16 -preset veryfast -vf "
     "fps=25.0 -pix_fmt yuv420p -y OUT",
     "ffm.mp4", NULL, NULL},
    {"FaceFusion restore audio",
     "-loglevel error -i VID -ss 0.4 -to 1.6 -i IN -c:v copy -c:a aac -q:a 1.3 -filter:a "
     "volume=1.0 -map 0:v:0 -map 1:a:0 -t 2.0 -movflags +faststart -y OUT",
     "ffr.mp4", NULL, NULL},
    {"FaceFusion read audio", "-loglevel error -i IN -vn -ar 16000 -f s16le -ac 1 -", "ffa.raw",
     NULL, NULL},
    {"FaceFusion concat",
     "-loglevel error -f concat -safe 0 -i VLIST -c:v copy -c:a copy -movflags +faststart -y OUT",
     "ffc.mp4", NULL, NULL},
    {"FaceFusion finalize image", "-loglevel error -i COVER -s 100x100 -q:v 3 -y OUT", "ffi.jpg",
     NULL, NULL},
    /* Wav2Lip, inference.py: the audio taken out of a video, the result muxed */
    {"Wav2Lip extract audio", "-y -i IN -strict -2 OUT", "w2l.wav", NULL, NULL},
    {"Wav2Lip result", "-y -i WAV -i VID -strict -2 -q:v 1 OUT", "w2l.mp4", NULL, NULL},
    /* SadTalker, src/utils/videoio.py: save_video_with_watermark */
    {"SadTalker mux", "-y -i VID -i WAV -vcodec copy OUT", "sad.mp4", NULL, NULL},
    {"SadTalker watermark",
     "-y -hide_banner -i VID -i COVER -filter_complex "
     "[1]scale=100:-1[wm];[0][wm]overlay=(main_w-overlay_w)-10:10 OUT",
     "sadw.mp4", NULL, NULL},
    /* audioread, audioread/ffdec.py: any file decoded to s16le on stdout */
    {"audioread decode", "-i MUS -f s16le -", "ar.raw", NULL, NULL},
    {"audioread decode video", "-i IN -f s16le -", "arv.raw", NULL, NULL},
    /* whatsapp-web.js, src/util/Util.js: formatVideoToWebpSticker through
     * fluent-ffmpeg (its input read from a stream with -f mp4) */
    {"whatsapp-web.js sticker",
     "-f mp4 -i IN -y -vcodec libwebp -vf "
     "scale='iw*min(300/iw\\,300/ih)':'ih*min(300/iw\\,300/ih)',format=rgba,pad=300:300:'(300-iw)/"
     "2':'(300-ih)/2':'#00000000',setsar=1,fps=10 -loop 0 -ss 00:00:00.0 -t 00:00:05.0 -preset "
     "default -an -vsync 0 -s 512:512 -f webp OUT",
     "wa.webp", NULL, NULL},
    /* editly, audio.js: createSilence, a layer's audio cut (and sped up),
     * the clips' crossfade, the mix of the arbitrary audio */
    {"editly silence",
     "-f lavfi -i anullsrc=channel_layout=stereo:sample_rate=44100 -sample_fmt s32 -ar 48000 -t 1 "
     "-c:a flac -y OUT",
     "eds.flac", NULL, NULL},
    {"editly layer audio",
     "-hide_banner -loglevel error -ss 0.5 -i IN -t 1 -sample_fmt s32 -ar 48000 -map a:0 -c:a "
     "flac -y OUT",
     "edl.flac", NULL, NULL},
    {"editly layer audio atempo",
     "-hide_banner -loglevel error -ss 0.2 -i IN -t 1.2 -sample_fmt s32 -ar 48000 -map a:0 -c:a "
     "flac -filter:a atempo=2 -y OUT",
     "edt.flac", NULL, NULL},
    {"editly amix layers",
     "-hide_banner -loglevel error -i WAV -i MUS -filter_complex "
     "\"amix=inputs=2:duration=longest:weights=1 0.5\" -c:a flac -y OUT",
     "edm.flac", NULL, NULL},
    {"editly crossfade",
     "-hide_banner -loglevel error -i WAV -i MUS -filter_complex "
     "[0:a][1:a]acrossfade=d=0.5:c1=tri:c2=tri -c flac -y OUT",
     "edc.flac", NULL, NULL},
    {"editly mix arbitrary audio",
     "-hide_banner -loglevel error -stream_loop 0 -i WAV -stream_loop 1 -i MUS -filter_complex "
     "\"[0]atrim=start=0,adelay=delays=0:all=1[a0];[1]atrim=start=0.5:end=1.5,adelay=delays=500:"
     "all=1,apad[a1];[a0][a1]amix=inputs=2:duration=first:dropout_transition=0:weights=1 "
     "1,dynaudnorm=g=5:maxgain=30,volume=1\" -c:a flac -y OUT",
     "eda.flac", NULL, NULL},
    /* ComfyUI-VideoHelperSuite, videohelpersuite/nodes.py (VideoCombine with
     * video_formats/h264-mp4.json): raw RGB frames from a pipe encoded, the
     * same with its ffmetadata file and creation_time, then the audio (float
     * PCM from a pipe) muxed with the video copied (its -n dropped: ffmpeg is
     * run here with -y, and ffmpeg refuses the two together) */
    {"VHS combine h264",
     "-v error -f rawvideo -pix_fmt rgb24 -color_range pc -colorspace rgb -color_primaries bt709 "
     "-color_trc bt709 -s 320x240 -r 8 -i RAW -y -c:v libx264 -pix_fmt yuv420p -crf 19 -vf "
     "scale=out_color_matrix=bt709 -color_range tv -colorspace bt709 -color_primaries bt709 "
     "-color_trc bt709 OUT",
     "vhs.mp4", NULL, NULL},
    {"VHS combine with metadata",
     "-i file:CHAPS -v error -f rawvideo -pix_fmt rgb24 -color_range pc -colorspace rgb "
     "-color_primaries bt709 -color_trc bt709 -s 320x240 -r 8 -i RAW -y -c:v libx264 -pix_fmt "
     "yuv420p -crf 19 -vf scale=out_color_matrix=bt709 -color_range tv -colorspace bt709 "
     "-color_primaries bt709 -color_trc bt709 -metadata creation_time=2024-01-01T00:00:00Z OUT",
     "vhsm.mp4", NULL, NULL},
    {"VHS add audio",
     "-v error -i VID -ar 44100 -ac 2 -f f32le -i F32 -c:v copy -c:a aac -movflags "
     "use_metadata_tags -af apad=whole_dur=3.0 -shortest OUT",
     "vhsa.mp4", NULL, NULL},
    /* Deforum, scripts/deforum_helpers/video_audio_utilities.py:
     * ffmpeg_stitch_video (its "-vcodec png" dropped: the frames here are
     * JPEG) and the soundtrack added */
    {"Deforum stitch",
     "-y -r 10.0 -start_number 0 -i FRAMES -frames:v 999999999 -c:v libx264 -vf fps=10.0 "
     "-pix_fmt yuv420p -crf 17 -preset slow -pattern_type sequence OUT",
     "dfs.mp4", NULL, NULL},
    {"Deforum soundtrack", "-i VID -i MUS -map 0:v -map 1:a -c:v copy -shortest OUT", "dfa.mp4",
     NULL, NULL},
    /* Av1an, av1an-core/src/ffmpeg.rs (encode_audio with its default
     * -c:a copy, compose_ffmpeg_pipe fed a file in place of its pipe) and
     * split.rs (segment at scene frames) */
    {"Av1an audio",
     "-y -hide_banner -loglevel error -i IN -map_metadata 0 -vn -map 0 -map -0:a -c copy -map "
     "0:a -c:a copy OUT",
     "av1a.mkv", NULL, NULL},
    {"Av1an y4m pipe",
     "-y -hide_banner -loglevel error -i IN -pix_fmt yuv420p -strict -1 -f yuv4mpegpipe -",
     "av1p.y4m", NULL, NULL},
    {"Av1an split",
     "-hide_banner -y -i IN -map 0:v:0 -an -c copy -avoid_negative_ts 1 -vsync 0 -f segment "
     "-segment_frames 30 OUT",
     "av1s%05d.mkv", NULL, NULL},
};

#endif
