/* The fourth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (a video CMS, a lossless cutter, a camera restreamer, an audiobook server), each with its
 * source. */
#ifndef ISOPIPE_CLI_LINES_FOURTH_H
#define ISOPIPE_CLI_LINES_FOURTH_H

/* Placeholders as in lines[], and SONG (MUS as MP3 with a JPEG cover) and
 * LIST (a concat list naming MUS twice, each 2 s), COVER (a PNG picture) and
 * FONTS (IN as Matroska with a font attachment). */
static const cmd_line fourth_lines[] = {
    /* MediaCMS, files/helpers.py get_base_ffmpeg_command (CRF encodes of a
     * 240p rendition: x264 with a forced keyframe expression, VP9 + Opus) */
    {"mediacms h264",
     "-y -i IN -c:v libx264 -filter:v scale=-2:240,fps=fps=30 -pix_fmt yuv420p -crf 23 -c:a aac "
     "-b:a 128k -ac 2 -maxrate 450k -bufsize 450k -force_key_frames expr:gte(t,n_forced*4) "
     "-x264-params keyint=240:keyint_min=120 -preset medium -profile:v main -level 4.2 -strict -2 "
     "OUT",
     "mc.mp4", NULL, NULL},
    {"mediacms vp9",
     "-y -i IN -c:v libvpx-vp9 -filter:v scale=-2:240,fps=fps=30 -pix_fmt yuv420p -crf 32 -b:v "
     "150k -c:a libopus -b:a 96k -ac 2 -g 120 -keyint_min 120 -maxrate 225k -bufsize 225k -speed "
     "4 -strict -2 OUT",
     "mc.webm", NULL, NULL},
    /* LosslessCut, src/main/ffmpeg.ts (waveform source, frame captures with
     * a filter and frame numbers from timestamps, html5ify, the preview) */
    {"losslesscut waveform", "-hide_banner -i IN -ss 0.5 -t 1 -c copy -vn -map 0:1 -f matroska -",
     "lc.mka", NULL, NULL},
    {"losslesscut waveform png",
     "-hide_banner -i MUS -filter_complex "
     "showwavespic=s=2000x300:scale=lin:filter=peak:split_channels=1:colors=#ff0000 -frames:v 1 "
     "-vcodec png -f image2 -",
     "lc.png", NULL, NULL},
    {"losslesscut capture frames",
     "-ss 0.5 -i IN -t 1 -q:v 5 -vf thumbnail -frame_pts 1 -vsync 0 -f image2 -y OUT", "lc-%d.jpg",
     NULL, NULL},
    {"losslesscut capture frame", "-ss 1 -i IN -vframes 1 -q:v 3 -y OUT", "lc.jpg", NULL, NULL},
    {"losslesscut html5ify hq",
     "-hide_banner -i IN -vf format=yuv420p -c:v libx264 -profile:v high -preset:v slow -crf 17 "
     "-acodec flac -sn -y OUT",
     "lc-hq.mkv", NULL, NULL},
    {"losslesscut html5ify lq",
     "-hide_banner -i IN -vf scale=-2:400,format=yuv420p -sws_flags neighbor -c:v libx264 "
     "-profile:v baseline -x264opts level=3.0 -preset:v ultrafast -crf 28 -acodec flac -ar 11025 "
     "-ac 2 -sn -y OUT",
     "lc-lq.mkv", NULL, NULL},
    {"losslesscut jpeg frame",
     "-hide_banner -loglevel error -ss 1 -noautorotate -i IN -map 0:0 -vcodec mjpeg -frames:v 1 "
     "-f image2pipe -",
     "lc2.jpg", NULL, NULL},
    {"losslesscut preview",
     "-hide_banner -loglevel error -fflags +nobuffer+flush_packets+discardcorrupt -avioflags "
     "direct -flush_packets 1 -vsync passthrough -ss 0.5 -noautorotate -i IN -map 0:0 -map 0:1 -vf "
     "fps=10,scale=160:160:flags=lanczos:force_original_aspect_ratio=decrease -pix_fmt yuv420p "
     "-c:v libx264 -preset ultrafast -tune zerolatency -crf 10 -g 1 -ac 2 -c:a aac -b:a 128k -f "
     "mp4 -movflags +frag_keyframe+empty_moov+default_base_moof -",
     "lc-prev.mp4", NULL, NULL},
    /* go2rtc, internal/ffmpeg/ffmpeg.go defaults (file input template, codec
     * templates; its RTSP output written to a file here) */
    {"go2rtc mjpeg", "-hide_banner -re -i IN -c:v mjpeg -an -f mjpeg -", "g2.mjpeg", NULL, NULL},
    {"go2rtc pcmu", "-hide_banner -i IN -c:a pcm_mulaw -ar:a 8000 -ac:a 1 -vn -f wav -", "g2.wav",
     NULL, NULL},
    {"go2rtc aac16", "-hide_banner -i IN -c:a aac -ar:a 16000 -ac:a 1 -vn -f adts -", "g2.aac",
     NULL, NULL},
    {"go2rtc h264 opus",
     "-hide_banner -i IN -c:v libx264 -g 50 -profile:v high -level:v 4.1 -preset:v superfast "
     "-tune:v zerolatency -pix_fmt:v yuv420p -c:a libopus -application:a lowdelay -min_comp 0 -f "
     "mpegts OUT",
     "g2.ts", NULL, NULL},
    {"go2rtc h265 mp3",
     "-hide_banner -i IN -c:v libx265 -g 50 -profile:v main -level:v 5.1 -preset:v superfast "
     "-tune:v zerolatency -pix_fmt:v yuv420p -c:a libmp3lame -q:a 8 OUT",
     "g2.mkv", NULL, NULL},
    /* Audiobookshelf, server/utils/ffmpegHelpers.js (cover extraction, image
     * resize, podcast tagging) and its concat-list streams */
    {"audiobookshelf cover", "-i SONG -map 0:v -frames:v 1 OUT", "abs.jpg", NULL, NULL},
    {"audiobookshelf podcast",
     "-i SONG -loglevel debug -c:a copy -map 0:a -metadata podcast=1 -metadata album=Pod "
     "-metadata genre=a;b -metadata track=3 OUT",
     "abs.mp3", NULL, NULL},
    {"audiobookshelf concat", "-f concat -safe 0 -i LIST -c:a aac -b:a 64k OUT", "abs.m4a", NULL,
     NULL},
    /* yt-dlp, postprocessor/embedthumbnail.py (Matroska: the thumbnail as
     * an attachment, its stream named by index) */
    {"yt-dlp embed thumbnail mkv",
     "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown -c copy -attach file:COVER "
     "-metadata:s:2 mimetype=image/png -metadata:s:2 filename=cover.png file:OUT",
     "thumb.mkv", NULL, NULL},
    /* Fonts of a Matroska file kept by a remux and a re-encode (anime
     * subtitles need them) */
    {"mkv fonts copied", "-i FONTS -map 0 -c copy OUT", "fonts.mkv", NULL, NULL},
    {"mkv fonts re-encoded", "-i FONTS -map 0 -c:v libx264 -preset ultrafast -c:a copy OUT",
     "fonts2.mkv", NULL, NULL},
    /* iceman73/iptv-music-assistant-bridge, README.md (its Dispatcharr
     * audio-only stream profile; the HTTP input's -user_agent left out) */
    {"dispatcharr audio only",
     "-i TS -vn -map 0:a:0 -c:a aac -b:a 128k -ar 48000 -ac 2 -probesize 500000 -analyzeduration "
     "1000000 -fflags +discardcorrupt+nobuffer -flags low_delay -af aresample=async=1 -muxdelay 0 "
     "-muxpreload 0 -f mpegts pipe:1",
     "disp.ts", NULL, NULL},
    /* Stack Overflow, "How to extract only keyframes" (decoder options
     * before -i: the decoder outputs keyframes only) */
    {"so keyframes only", "-skip_frame nokey -i VID -vsync 0 -frame_pts true OUT", "key%d.png",
     NULL, NULL},
    /* datomusic/drum-firmware, convert_sample.py (samples for a device:
     * bit-exact WAV, no metadata) */
    {"drum-firmware sample",
     "-i IN -bitexact -acodec pcm_s16le -ac 1 -ar 22050 -map_metadata -1 -bitexact OUT",
     "sample.wav", NULL, NULL},
    /* A Remotion render service's merge of a rendered video with its voice
     * track (Python, found by code search: "-apad" before "-shortest", so
     * -shortest is apad's argument in ffmpeg 5.1) */
    {"render merge apad",
     "-y -i VID -i MUS -map 0:v -map 1:a -c:v copy -c:a aac -b:a 192k -apad -shortest OUT",
     "apad.mp4", NULL, NULL},
    /* A caption tool's test fixture and a proxy maker (found by code
     * search): the start timecode, a tmcd track in MOV */
    {"proxy timecode",
     "-y -i IN -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a pcm_s16le -timecode "
     "00:58:30:00 OUT",
     "tc.mov", NULL, NULL},
    /* ffmpeg's default stream choice keeps cover art (mp3 -> mp3, flac) */
    {"cover art kept", "-i SONG OUT", "cover.mp3", NULL, NULL},
    {"cover art into flac", "-i SONG -c:v png OUT", "cover.flac", NULL, NULL},
};

#endif
