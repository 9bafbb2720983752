/* The second table of test_cli_lines.c: ffmpeg command lines of twenty other programs (media
 * servers, music streamers, NVRs, transcoding managers, subtitle tools), each with its source. */
#ifndef ISOPIPE_CLI_LINES_OTHER_H
#define ISOPIPE_CLI_LINES_OTHER_H

/* Placeholders as in lines[] (%s, %bk, %o... filled with the values the
 * programs use by default); network inputs and hardware encoders left out. */
static const cmd_line other_lines[] = {
    /* Navidrome, consts/consts.go DefaultTranscodings (and the later
     * migration moving -ss before -i, db/migrations) */
    {"navidrome mp3", "-i MUS -ss 0 -map 0:a:0 -b:a 192k -v 0 -f mp3 -", "nd.mp3", NULL, NULL},
    {"navidrome opus", "-ss 0 -i MUS -map 0:a:0 -b:a 128k -v 0 -c:a libopus -f opus -", "nd.opus",
     NULL, NULL},
    {"navidrome aac", "-i MUS -ss 0 -map 0:a:0 -b:a 256k -v 0 -c:a aac -f adts -", "nd.aac", NULL,
     NULL},
    {"navidrome aac ipod",
     "-i MUS -ss 0 -map 0:a:0 -b:a 256k -v 0 -c:a aac -f ipod -movflags frag_keyframe+empty_moov "
     "-",
     "nd.m4a", NULL, NULL},
    /* Airsonic-Advanced, TranscodingService defaults (mp3, flv, mkv, flac) */
    {"airsonic mp3", "-i MUS -map 0:0 -b:a 128k -v 0 -f mp3 -", "as.mp3", NULL, NULL},
    {"airsonic flv",
     "-ss 0 -i IN -async 1 -b 500k -s 320x240 -ar 44100 -ac 2 -v 0 -f flv -vcodec libx264 -preset "
     "superfast -threads 0 -",
     "as.flv", NULL, NULL},
    {"airsonic mkv",
     "-ss 0 -i IN -c:v libx264 -preset superfast -b:v 500k -c:a libvorbis -f matroska -threads 0 -",
     "as.mkv", NULL, NULL},
    {"airsonic flac",
     "-i MUS -map 0:0 -v 0 -sample_fmt s16 -vn -ar 44100 -ac 2 -acodec flac -f flac -", "as.flac",
     NULL, NULL},
    /* Madsonic, settings (DEFAULT_HLS_COMMAND: one HLS segment on stdout) */
    {"madsonic hls",
     "-ss 0 -t 2 -i IN -async 1 -b:v 500k -s 320x240 -ar 44100 -ac 2 -v 0 -f mpegts -c:v libx264 "
     "-preset superfast -c:a libmp3lame -threads 0 -",
     "ms.ts", NULL, NULL},
    /* Subsonic, SettingsService DEFAULT_DOWNSAMPLING_COMMAND */
    {"subsonic downsample", "-i MUS -ab 128k -v 0 -f mp3 -", "ss.mp3", NULL, NULL},
    /* Ampache, config/transcoding.php (transcode_input "-i %FILE%", encode_args_*) */
    {"ampache mp3", "-i MUS -vn -b:a 128K -c:a libmp3lame -f mp3 pipe:1", "am.mp3", NULL, NULL},
    {"ampache ogg", "-i MUS -vn -b:a 128K -c:a libvorbis -f ogg pipe:1", "am.ogg", NULL, NULL},
    {"ampache opus",
     "-i MUS -vn -b:a 128K -c:a libopus -compression_level 10 -vsync 2 -f ogg pipe:1", "am.opus",
     NULL, NULL},
    {"ampache wav", "-i MUS -vn -b:a 128K -c:a pcm_s16le -f wav pipe:1", "am.wav", NULL, NULL},
    {"ampache flv",
     "-i IN -b:a 128K -ar 44100 -ac 2 -v 0 -f flv -c:v libx264 -preset superfast -threads 0 pipe:1",
     "am.flv", NULL, NULL},
    {"ampache ts",
     "-i IN -q 5 -s 320x240 -f mpegts -c:v libx264 -c:a libmp3lame -maxrate 1000k -preset "
     "superfast -threads 0 pipe:1",
     "am.ts", NULL, NULL},
    {"ampache image", "-i IN -ss 1 -f image2 -vframes 1 pipe:1", "am.jpg", NULL, NULL},
    /* Frigate, docs/docs/configuration (ffmpeg output_args: record, rtmp, detect) */
    {"frigate record",
     "-i IN -f segment -segment_time 10 -segment_format mp4 -reset_timestamps 1 -strftime 1 -c "
     "copy "
     "-an OUT",
     "fr-%Y%m%d%H%M%S.mp4", NULL, NULL},
    {"frigate rtmp", "-i IN -c copy -f flv OUT", "fr.flv", NULL, NULL},
    {"frigate detect", "-i IN -r 4 -f rawvideo -pix_fmt yuv420p pipe:", "fr.yuv", NULL, NULL},
    /* pi-nvr, scripts/record.sh (an RTSP camera recorded in segments; 1 s
     * numbered segments here instead of wall-clock ones, so the split is
     * the same in both runs) */
    {"pi-nvr record",
     "-hide_banner -y -loglevel error -i IN -vcodec copy -acodec aac -f segment -reset_timestamps "
     "1 "
     "-segment_time 1 -segment_format mp4 OUT",
     "nvr%03d.mp4", NULL, NULL},
    /* Tdarr, Tdarr_Plugins (add audio stream / remove streams / the MC93 Migz
     * transcode, with libx265 where the plugin's test uses hevc_qsv) */
    {"tdarr remux",
     "-i SUB -map 0 -c:v copy -c:a copy -strict -2 -c:s copy -max_muxing_queue_size 9999 OUT",
     "td.mkv", NULL, NULL},
    {"tdarr streams",
     "-i SUB -map 0:v? -map 0:1 -map 0:2 -map -0:3 -c:v copy -c:a:0 ac3 -ac 6 -c:s copy "
     "-max_muxing_queue_size 9999 OUT",
     "td2.mkv", NULL, NULL},
    {"tdarr x265",
     "-i SUB -map 0 -c:v libx265 -b:v 200k -minrate 140k -maxrate 260k -bufsize 400k -preset "
     "slow -c:a copy -c:s copy -max_muxing_queue_size 9999 OUT",
     "td3.mkv", NULL, NULL},
    /* RedxHerring/Monster-Editing, extract_subs.sh (each subtitle track to
     * .ass); sublingo, its extract_subtitles() (the first one to SubRip) */
    {"monster-editing extract", "-i SUB -map s:0 OUT", "me.ass", NULL, NULL},
    {"sublingo extract", "-y -i SUB -map 0:s:0 -c:s srt OUT", "sl.srt", NULL, NULL},
    /* Owncast, core/transcoder (passthrough variant; HLS into a directory) */
    {"owncast passthrough",
     "-hide_banner -loglevel warning -fflags +genpts -i IN -map v:0 -c:v:0 copy -map a:0? -c:a:0 "
     "copy -f hls -hls_time 1 -hls_list_size 25 -hls_flags "
     "program_date_time+independent_segments+omit_endlist -pix_fmt yuv420p -sc_threshold 0 "
     "-max_muxing_queue_size 400 OUT",
     "oc.m3u8", NULL, NULL},
    /* derolf/transcoder, library/config.py (streaming server: fragmented mp4,
     * poster, mp3 passthrough) */
    {"transcoder mp4",
     "-ss 0 -i IN -f mp4 -vcodec libx264 -acodec aac -strict experimental -preset ultrafast "
     "-movflags frag_keyframe+empty_moov+faststart pipe:1",
     "tr.mp4", NULL, NULL},
    {"transcoder poster", "-i IN -f mjpeg -vf scale=512x512 pipe:1", "tr.jpg", NULL, NULL},
    /* Toboggan, root/backend/db/init.sql (its transcode_cmd) */
    {"toboggan mp3", "-i MUS -ab 128 -v 0 -f mp3 -", "tb.mp3", NULL, NULL},
    /* liveo, apps/service streaming-command/file-streaming-command.ts */
    {"liveo stream",
     "-re -i MUS -acodec libmp3lame -ab 196k -reservoir 0 -f mp3 -fflags +nobuffer -hide_banner -",
     "lv.mp3", NULL, NULL},
    /* bulklift, transcoders/opus.py (tagged Opus, metadata kept) */
    {"bulklift opus",
     "-y -loglevel error -i MUS -c:v copy -codec:a libopus -compression_level 10 -vbr on -b:a 96k "
     "-map_metadata 0 -id3v2_version 3 -write_id3v1 1 -metadata comment=Bulklift OUT",
     "bl.opus", NULL, NULL},
    /* ferment, lib/convert.js (opus, and the mp3 fallback) */
    {"ferment opus", "-i MUS -vn -codec:a libopus -b:a 128k OUT", "fe.opus", NULL, NULL},
    {"ferment mp3", "-i MUS -vn -codec:a libmp3lame -qscale:a 7 OUT", "fe.mp3", NULL, NULL},
    /* Dose, movieserver/lib/ffmpeg-presets/directplay.js (fluent-ffmpeg preset) */
    {"dose directplay",
     "-i IN -vcodec copy -f mp4 -map 0 -map -v -map 0:V -sn -movflags frag_keyframe+faststart OUT",
     "do.mp4", NULL, NULL},
    /* gitrust/ffmpeg-scripts, to-mp3.bat */
    {"ffmpeg-scripts to-mp3", "-i IN -vn -ar 44100 -ac 2 -ab 192 -f mp3 OUT", "gs.mp3", NULL, NULL},
    /* mortalis13/PC-Info, ffmpeg-convert-audio.bat */
    {"pc-info mp3",
     "-hide_banner -y -i MUS -c:a libmp3lame -b:a 320k -ar 44100 -map_metadata 0 -id3v2_version 3 "
     "OUT",
     "pc.mp3", NULL, NULL},
    /* thexunknown/OGG-Conversion, OGG-Conversion.bat */
    {"ogg-conversion", "-i MUS -vn -map_metadata -1 -ar 48000 -acodec libvorbis -b:a 128k OUT",
     "oc.ogg", NULL, NULL},
    /* Stash, pkg/ffmpeg/encoder_screenshot.go (quality 1, width 320); FOSDEM
     * infrastructure, video-box video-screenshot.sh */
    {"stash screenshot", "-v quiet -ss 1 -y -i IN -vframes 1 -q:v 1 -vf scale=320:-1 -f image2 OUT",
     "st.jpg", NULL, NULL},
    {"fosdem screenshot", "-v quiet -i IN -vf scale=160:-1 -qscale:v 20 -vframes 1 -y OUT",
     "fo.jpg", NULL, NULL},
    /* ensl.org, script/shell/encode.sh (web preview; without the x264 flags
     * ffmpeg 5.1 no longer has: -flags2, -rc_eq, -deblockalpha...) */
    {"ensl preview",
     "-i IN -ar 44100 -ab 96k -vcodec libx264 -level 41 -crf 25 -bufsize 20000k -maxrate 2500k -g "
     "250 -r 20 -s 640x480 -bf 16 -b_strategy 1 -refs 6 OUT",
     "en.mp4", NULL, NULL},
};

#endif
