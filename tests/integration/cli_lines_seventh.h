/* The seventh table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (IPTV channel makers, a media processing tool, fediverse and gallery servers, a
 * conference recorder, NVRs, music servers, animation and plotting tools, editors, speech and
 * source-separation tools, a podcatcher, a subtitle editor), each with its source. */
#ifndef ISOPIPE_CLI_LINES_SEVENTH_H
#define ISOPIPE_CLI_LINES_SEVENTH_H

/* Placeholders as in the fifth and sixth tables. Lines marked "as
 * remembered" were written from knowledge of the program's source without
 * reading it again; the others were read in the file named. Live inputs
 * (x11grab, ALSA, RTSP, a pipe of frames) are replaced by files of the same
 * kind; seek points and durations are shortened to suit the 2 s inputs. */
static const cmd_line seventh_lines[] = {
    /* ErsatzTV, ErsatzTV.FFmpeg's pipeline builder (as remembered: a
     * channel's program normalised to MPEG-TS for its HLS segmenter, and
     * the segmenter itself copying that into HLS) */
    {"ErsatzTV transcode",
     "-threads 1 -nostdin -hide_banner -nostats -loglevel error -fflags "
     "+genpts+discardcorrupt+igndts -ss 0.5 -i IN -map 0:0 -map 0:1 -muxdelay 0 -muxpreload 0 "
     "-movflags +faststart -flags cgop -sc_threshold 0 -c:v libx264 -preset veryfast -b:v 2000k "
     "-maxrate:v 2000k -bufsize:v 4000k -vf scale=640:360:flags=fast_bilinear,setsar=1 -g 60 "
     "-c:a aac -b:a 192k -maxrate:a 192k -bufsize:a 384k -ar 48k -ac 2 -metadata "
     "service_provider=\"ErsatzTV\" -metadata service_name=\"ErsatzTV\" -f mpegts -mpegts_flags "
     "+initial_discontinuity pipe:1",
     "etv.ts", NULL, NULL},
    {"ErsatzTV segmenter",
     "-threads 1 -nostdin -hide_banner -nostats -loglevel error -fflags "
     "+genpts+discardcorrupt+igndts -i TS -map 0 -c copy -f hls -hls_time 1 -hls_list_size 0 "
     "-segment_list_flags +live -hls_segment_filename SEG%06d.ts -hls_flags "
     "program_date_time+append_list+omit_endlist+independent_segments -mpegts_flags "
     "+initial_discontinuity OUT",
     "etvs.m3u8", NULL, NULL},
    /* Tunarr, server/src/ffmpeg (as remembered: dizqueTV's descendant,
     * H.264 + AAC MPEG-TS at the channel's size) */
    {"Tunarr transcode",
     "-hide_banner -nostats -threads 4 -fflags +genpts+discardcorrupt+igndts -ss 0.2 -i IN "
     "-filter_complex \"[0:v]scale=480:270:force_original_aspect_ratio=decrease,pad=480:270:(ow-"
     "iw)/2:(oh-ih)/2,setsar=1[v];[0:a]aresample=48000,apad=whole_dur=1500ms[a]\" -map [v] -map "
     "[a] -c:v libx264 -sc_threshold 0 -g 60 -b:v 2000k -maxrate:v 2000k -bufsize:v 4000k -c:a "
     "aac -b:a 192k -ac 2 -ar 48000 -map_metadata -1 -movflags +faststart -muxdelay 0 -muxpreload "
     "0 -metadata service_provider=tunarr -metadata service_name=Tunarr -t 1.5 -f mpegts pipe:1",
     "tun.ts", NULL, NULL},
    /* FileFlows, FileFlows.VideoNodes' FFmpeg Builder and the audio
     * plugin's Convert nodes (as remembered) */
    {"FileFlows hevc mkv",
     "-fflags +genpts -probesize 5M -i IN -map 0:v:0 -c:v:0 libx265 -preset ultrafast -crf 28 "
     "-tag:v:0 hvc1 -map 0:a:0 -c:a:0 copy -map 0:s? -c:s copy -map_metadata 0 -y OUT",
     "fflw.mkv", NULL, NULL},
    {"FileFlows audio mp3", "-i MUS -c:a mp3 -ab 192k -map_metadata 0 -id3v2_version 3 -y OUT",
     "fflw.mp3", NULL, NULL},
    /* pict-rs (Lemmy's media server), src/ffmpeg.rs and src/magick.rs (as
     * remembered: uploads transcoded without their tags, a video's first
     * frame as a PNG thumbnail) */
    {"pict-rs transcode",
     "-hide_banner -v warning -i IN -pix_fmt yuv420p -vf scale=trunc(iw/2)*2:trunc(ih/2)*2 -an "
     "-c:v libx264 -crf 26 -preset fast -map_metadata -1 -map_chapters -1 -movflags faststart -f "
     "mp4 OUT",
     "pict.mp4", NULL, NULL},
    {"pict-rs thumbnail", "-hide_banner -v warning -i IN -frames:v 1 -codec png -f image2 OUT",
     "pict.png", NULL, NULL},
    {"pict-rs webm",
     "-hide_banner -v warning -i IN -pix_fmt yuv420p -vf scale=trunc(iw/2)*2:trunc(ih/2)*2 -c:v "
     "libvpx-vp9 -b:v 0 -crf 32 -deadline realtime -cpu-used 8 -c:a libopus -b:a 96k "
     "-map_metadata -1 -map_chapters -1 -f webm OUT",
     "pict.webm", NULL, NULL},
    /* Pixelfed, app/Jobs/VideoPipeline/VideoThumbnail.php with
     * laravel-ffmpeg's getFrameFromSeconds(1) (as remembered) */
    {"Pixelfed thumbnail", "-y -ss 00:00:01.00 -i IN -vframes 1 -f image2 OUT", "pxf.jpg", NULL,
     NULL},
    /* Pigallery2, src/backend/model/fileaccess/VideoConverterWorker.ts and
     * PhotoWorker.ts through fluent-ffmpeg (as remembered: the transcoded
     * copy, its scale filter as fluent-ffmpeg writes '?x240', and the
     * thumbnail's screenshot) */
    {"Pigallery2 transcode",
     "-i IN -y -acodec aac -vcodec libx264 -b:v 1000k -r 25 -filter:v "
     "scale=w=trunc(oh*a/2)*2:h=240 -crf 23 -preset medium -movflags +faststart -f mp4 OUT",
     "pg2.mp4", NULL, NULL},
    {"Pigallery2 thumbnail",
     "-ss 0.2 -i IN -y -filter_complex \"scale=w=trunc(oh*a/2)*2:h=120[size0];[size0]split=1["
     "screen0]\" -an -vframes 1 -map [screen0] OUT",
     "pg2.jpg", NULL, NULL},
    /* Lychee, app/Image/Handlers/VideoHandler.php through php-ffmpeg (as
     * remembered: a frame from the middle of the video) */
    {"Lychee frame", "-y -ss 00:00:01.00 -i IN -vframes 1 -f image2 OUT", "lych.jpg", NULL, NULL},
    /* Ente, web/packages/new/photos/services/ffmpeg (as remembered: ffmpeg
     * run on uploads for a thumbnail, a playable copy and a stream) */
    {"Ente thumbnail", "-i IN -ss 00:00:01.000 -vframes 1 -vf scale=-1:720 OUT", "ente.jpeg", NULL,
     NULL},
    {"Ente convert", "-i IN -preset ultrafast OUT", "ente.mp4", NULL, NULL},
    {"Ente stream",
     "-i IN -vf scale=-2:180,fps=30 -c:v libx264 -crf 23 -preset medium -c:a aac -b:a 128k -f hls "
     "-hls_time 1 -hls_list_size 0 -hls_flags single_file OUT",
     "ente.m3u8", NULL, NULL},
    /* Jitsi Jibri, src/main/kotlin/org/jitsi/jibri/capture/ffmpeg/
     * FfmpegHelpers.kt (as remembered; the x11grab screen and the ALSA
     * loopback become a video file and a WAV) */
    {"Jibri recording",
     "-y -v info -thread_queue_size 4096 -i VID -thread_queue_size 4096 -i WAV -acodec aac "
     "-strict -2 -ar 44100 -b:a 128k -af aresample=async=1 -c:v libx264 -preset veryfast "
     "-maxrate 2976k -bufsize 5952k -pix_fmt yuv420p -r 30 -crf 25 -g 60 -tune zerolatency -f "
     "mp4 OUT",
     "jibri.mp4", NULL, NULL},
    {"Jibri stream",
     "-y -v info -thread_queue_size 4096 -i VID -thread_queue_size 4096 -i WAV -acodec aac "
     "-strict -2 -ar 44100 -b:a 128k -af aresample=async=1 -c:v libx264 -preset veryfast "
     "-maxrate 2976k -bufsize 5952k -pix_fmt yuv420p -r 30 -crf 25 -g 60 -tune zerolatency -f "
     "flv OUT",
     "jibri.flv", NULL, NULL},
    /* Scrypted, plugins/prebuffer-mixin and the snapshot plugin (as
     * remembered: the camera's stream rebroadcast as fragmented MP4 on a
     * pipe, a JPEG snapshot) */
    {"Scrypted fmp4",
     "-hide_banner -i IN -acodec copy -vcodec copy -f mp4 -movflags "
     "frag_keyframe+empty_moov+default_base_moof pipe:1",
     "scr.mp4", NULL, NULL},
    {"Scrypted snapshot",
     "-hide_banner -y -i IN -frames:v 1 -vf scale=-2:180 -f image2 -vcodec mjpeg pipe:1", "scr.jpg",
     NULL, NULL},
    /* Viseron, viseron/components/ffmpeg (as remembered: frames for the
     * detectors as raw NV12 on a pipe, and the recorder's segments; the
     * camera's RTSP becomes IN) */
    {"Viseron frames",
     "-hide_banner -loglevel error -avoid_negative_ts make_zero -fflags nobuffer -flags low_delay "
     "-strict experimental -fflags +genpts -i IN -vf fps=1.0 -f rawvideo -pix_fmt nv12 pipe:1",
     "vis.nv12", NULL,
     "nobuffer drops the packets read while probing, here the input's only keyframe: ffmpeg 5.1 "
     "and isopipe both exit 0 with an empty output, which this table cannot compare (with "
     "keyframes further on both give the same frames: test_cli_flags_append)"},
    {"Viseron segments",
     "-hide_banner -loglevel error -avoid_negative_ts make_zero -fflags +genpts -i IN -c:v copy "
     "-c:a copy -f segment -segment_time 1 -reset_timestamps 1 OUT",
     "vis%03d.mp4", NULL, NULL},
    /* ytdl-sub, src/ytdl_sub/utils/ffmpeg.py (as remembered: tags added
     * with everything copied) */
    {"ytdl-sub metadata",
     "-i IN -map 0 -dn -ignore_unknown -c copy -write_id3v1 1 -id3v2_version 3 -metadata "
     "title=Episode -metadata artist=Channel -metadata date=20240101 -y OUT",
     "ytsub.mp4", NULL, NULL},
    /* Supysonic, its documented [transcoding] section (config.sample:
     * 'transcoder = ffmpeg -i %srcpath -ab %outratek -v 0 -f %outfmt -') */
    {"Supysonic mp3", "-i MUS -ab 128k -v 0 -f mp3 -", "supy.mp3", NULL, NULL},
    {"Supysonic ogg", "-i SONG -ab 96k -v 0 -f ogg -", "supy.ogg", NULL, NULL},
    /* mStream, src/api/transcode.js through fluent-ffmpeg (as remembered:
     * mp3, aac in ADTS and opus in Ogg, on a pipe) */
    {"mStream mp3", "-i MUS -y -acodec libmp3lame -b:a 128k -f mp3 pipe:1", "mst.mp3", NULL, NULL},
    {"mStream aac", "-i SONG -y -acodec aac -b:a 96k -f adts pipe:1", "mst.aac", NULL, NULL},
    {"mStream opus", "-i MUS -y -acodec libopus -b:a 96k -f ogg pipe:1", "mst.opus", NULL, NULL},
    /* Krita, plugins/extensions/animationrenderer and its ffmpeg render
     * presets (as remembered: the rendered frames to MP4, and GIF through a
     * palette) */
    {"Krita mp4",
     "-y -start_number 1 -framerate 10 -i FRAMES -c:v libx264 -crf 23 -preset medium -pix_fmt "
     "yuv420p -vf pad=ceil(iw/2)*2:ceil(ih/2)*2 -r 10 OUT",
     "krita.mp4", NULL, NULL},
    {"Krita gif",
     "-y -start_number 1 -framerate 10 -i FRAMES -filter_complex "
     "\"[0:v]split[a][b];[a]palettegen[p];[b][p]paletteuse\" -loop 0 OUT",
     "krita.gif", NULL, NULL},
    /* matplotlib, lib/matplotlib/animation.py (FFMpegWriter._args: raw
     * frames on stdin, here a file of them; the GIF's palette graph;
     * FFMpegFileWriter's numbered PNGs) */
    {"matplotlib FFMpegWriter",
     "-f rawvideo -vcodec rawvideo -s 320x240 -pix_fmt rgb24 -framerate 10 -loglevel error -i RAW "
     "-vcodec h264 -pix_fmt yuv420p -b 1800k -metadata artist=Me -y OUT",
     "mpl.mp4", NULL, NULL},
    {"matplotlib gif",
     "-f rawvideo -vcodec rawvideo -s 320x240 -pix_fmt rgb24 -framerate 10 -loglevel error -i RAW "
     "-filter_complex \"split [a][b];[a] palettegen [p];[b][p] paletteuse\" -y OUT",
     "mpl.gif", NULL, NULL},
    {"matplotlib FFMpegFileWriter",
     "-r 10 -loglevel error -i FRAMES -vframes 10 -vcodec h264 -pix_fmt yuv420p -y OUT", "mpl2.mp4",
     NULL, NULL},
    /* Manim (ManimCommunity), manim/scene/scene_file_writer.py (as
     * remembered: raw RGBA frames piped in, then the partial movies
     * joined) */
    {"Manim movie pipe",
     "-y -f rawvideo -s 320x240 -pix_fmt rgb24 -r 10 -i RAW -an -loglevel error -vcodec libx264 "
     "-pix_fmt yuv420p OUT",
     "manim.mp4", NULL, NULL},
    {"Manim combine",
     "-y -f concat -safe 0 -i VLIST -loglevel error -metadata comment=Rendered -nostdin -c copy "
     "OUT",
     "manim2.mp4", NULL, NULL},
    /* Remotion, packages/renderer/src/stitch-frames-to-video.ts and
     * create-silent-audio.ts (as remembered) */
    {"Remotion stitch",
     "-r 10 -f image2 -s 320x240 -start_number 1 -i FRAMES -c:v libx264 -pix_fmt yuv420p -crf 18 "
     "-movflags faststart -y OUT",
     "rem.mp4", NULL, NULL},
    {"Remotion silence", "-f lavfi -i anullsrc=r=48000 -c:a pcm_s16le -t 1.5 -ar 48000 -y OUT",
     "rem.wav", NULL, NULL},
    /* Shutter Encoder, src/functions/video/H264.java, functions/audio and
     * Rewrap (as remembered) */
    {"Shutter Encoder h264",
     "-i IN -c:v libx264 -preset medium -b:v 2000k -pix_fmt yuv420p -c:a aac -ar 48000 -b:a 256k "
     "-map v:0? -map a? -movflags faststart -y OUT",
     "shut.mp4", NULL, NULL},
    {"Shutter Encoder wav", "-i IN -vn -c:a pcm_s24le -ar 48000 -map a? -y OUT", "shut.wav", NULL,
     NULL},
    {"Shutter Encoder rewrap", "-i IN -c copy -map 0:v? -map 0:a? -map 0:s? -y OUT", "shut.mkv",
     NULL, NULL},
    /* VidCutter, vidcutter/libs/videoservice.py (as remembered: a cut by
     * stream copy, then the cuts joined) */
    {"VidCutter cut", "-v error -ss 0.5 -i IN -t 1 -c copy -map 0 -avoid_negative_ts 1 -y OUT",
     "vcut.mp4", NULL, NULL},
    {"VidCutter join", "-v error -f concat -safe 0 -i VLIST -c copy -y OUT", "vcut2.mp4", NULL,
     NULL},
    /* Peek, src/recording/ffmpeg-screen-recorder.vala and the GIF
     * post-processing (as remembered; the screen becomes VID) */
    {"Peek gif",
     "-y -i VID -filter_complex \"[0:v] fps=10,split [a][b];[a] palettegen [p];[b][p] "
     "paletteuse\" -f gif OUT",
     "peek.gif", NULL, NULL},
    {"Peek mp4",
     "-y -i VID -c:v libx264 -preset veryfast -pix_fmt yuv420p -vf "
     "scale=trunc(iw/2)*2:trunc(ih/2)*2 -movflags +faststart OUT",
     "peek.mp4", NULL, NULL},
    /* OpenAI Whisper, whisper/audio.py (load_audio) */
    {"openai-whisper", "-nostdin -threads 0 -i IN -f s16le -ac 1 -acodec pcm_s16le -ar 16000 -",
     "oaw.pcm", NULL, NULL},
    /* ffsubsync, ffsubsync/speech_transformers.py through ffmpeg-python
     * (as remembered) */
    {"ffsubsync audio",
     "-loglevel fatal -nostdin -i IN -f s16le -ac 1 -acodec pcm_s16le -ar 48000 -", "fss.pcm", NULL,
     NULL},
    /* Spleeter, spleeter/audio/ffmpeg.py (load through ffmpeg-python) and
     * Demucs, demucs/audio.py (as remembered) */
    {"Spleeter load", "-ss 0.0 -t 600.0 -i IN -ar 44100 -f f32le pipe:", "spl.f32", NULL, NULL},
    {"Demucs read", "-y -loglevel panic -i IN -map 0:1 -threads 1 -f f32le -ac 2 -ar 44100 -",
     "dmc.f32", NULL, NULL},
    /* gPodder, share/gpodder/extensions/audio_converter.py (as remembered) */
    {"gPodder to mp3", "-i AUD -q:a 2 -id3v2_version 3 -write_id3v1 1 OUT", "gpo.mp3", NULL, NULL},
    /* Subtitle Edit, src/ui/Forms/AddWaveform.cs (as remembered: the audio
     * for the waveform, '-ab 128' as the program writes it) */
    {"Subtitle Edit waveform", "-i IN -vn -ar 24000 -ac 2 -ab 128 -af volume=1.75 -f wav OUT",
     "se.wav", NULL, NULL},
    /* Anki, qt/aqt/sound.py (as remembered: a recording made MP3) */
    {"Anki recording", "-i WAV -ab 64k -ac 1 -ar 44100 -y OUT", "anki.mp3", NULL, NULL},
    /* Intro Skipper (a Jellyfin plugin), Chromaprint.cs (as remembered:
     * an episode's audio fingerprinted, raw, on stdout; AUD, as IN's 2 s
     * are too short for a fingerprint in either program) */
    {"jellyfin intro skipper", "-ss 0 -i AUD -to 600 -ac 2 -f chromaprint -fp_format raw -",
     "intro.raw", NULL, NULL},
    /* LMS (Lightweight Music Server), src/libs/av/impl/Transcoder.cpp (as
     * remembered) */
    {"LMS opus",
     "-y -hide_banner -loglevel error -ss 0.5 -i MUS -ac 2 -vn -b:a 128k -map 0:0 -codec:a "
     "libopus -f ogg pipe:1",
     "lms.opus", NULL, NULL},
};

#endif
