/* The first table of test_cli_lines.c: ffmpeg command lines of the programs the project set out
 * to serve (Mastodon, PeerTube, Immich, PhotoPrism, Jellyfin, Nextcloud, yt-dlp, beets, the FFmpeg
 * wiki), each with its source. */
#ifndef ISOPIPE_CLI_LINES_FIRST_H
#define ISOPIPE_CLI_LINES_FIRST_H

static const cmd_line lines[] = {
    /* Mastodon, app/models/media_attachment.rb (convert_options, output side;
     * its filter_complex is the filter work's) */
    {"mastodon video",
     "-i IN -loglevel fatal -preset veryfast -movflags faststart -pix_fmt yuv420p "
     "-c:v h264 -c:a aac -b:a 192k -map_metadata -1 -frames:v 1800 OUT",
     "v.mp4", NULL, NULL},
    {"mastodon audio", "-i IN -loglevel fatal -map_metadata -1 -q:a 2 OUT", "a.mp3", NULL, NULL},
    {"mastodon passthrough", "-i IN -loglevel fatal -map_metadata -1 -c:v copy -c:a copy OUT",
     "p.mp4", NULL, NULL},
    /* PeerTube, server/helpers/ffmpeg (VOD transcoding presets) */
    {"peertube vod",
     "-i IN -y -acodec aac -vcodec libx264 -f mp4 -movflags faststart "
     "-max_muxing_queue_size 1024 -map_metadata -1 -pix_fmt yuv420p -preset veryfast "
     "-b_strategy 1 -bf 16 -level:v 3.1 -g:v 60 -maxrate 1200000 -bufsize 2400000 -b:a 256k OUT",
     "pt.mp4", NULL, NULL},
    {"peertube audio", "-i IN -y -vn -acodec aac -b:a 256k -map_metadata -1 OUT", "pt.m4a", NULL,
     NULL},
    {"peertube thumbnail", "-i IN -vframes 1 -vf scale=280:158 OUT", "thumb.jpg", NULL, NULL},
    /* Immich, server/src/utils/media.ts (base output options, thumbnails) */
    {"immich transcode",
     "-i IN -y -c:v h264 -c:a aac -movflags faststart -fps_mode passthrough "
     "-map 0:0 -map 0:1 -map_metadata -1 -v verbose -preset ultrafast -crf 23 OUT",
     "im.mp4", NULL, NULL},
    {"immich thumbnail", "-ss 00:00:00.000 -i IN -y -frames:v 1 -v verbose -f image2 OUT",
     "im.jpeg", NULL, NULL},
    /* PhotoPrism, internal/ffmpeg (AVC transcode, remux, still image) */
    {"photoprism avc",
     "-i IN -c:v libx264 -map 0:v:0 -map 0:a:0? -c:a aac -vf format=yuv420p "
     "-max_muxing_queue_size 1024 -crf 23 -r 30 -b:v 50M -f mp4 -movflags +faststart "
     "-map_metadata 0 -y OUT",
     "pp.mp4", NULL, NULL},
    {"photoprism remux",
     "-hide_banner -y -i IN -map 0:v? -map 0:a? -c copy -f mp4 -movflags "
     "+faststart -map_metadata 0 OUT",
     "ppr.mp4", NULL, NULL},
    {"photoprism still", "-hide_banner -y -strict -2 -ss 00:00:00.001 -i IN -frames:v 1 OUT",
     "pp.jpg", NULL, NULL},
    /* Jellyfin, MediaBrowser.MediaEncoding (image extraction, EncodingHelper) */
    {"jellyfin image", "-ss 00:00:01 -i file:IN -threads 0 -v quiet -vframes 1 -f image2 OUT",
     "jf.jpg", NULL, NULL},
    {"jellyfin audio",
     "-i file:IN -threads 0 -vn -map_metadata -1 -map_chapters -1 -ac 2 -ab "
     "192000 -acodec libmp3lame -y OUT",
     "jf.mp3", NULL, NULL},
    {"jellyfin remux",
     "-i file:IN -map_metadata -1 -map_chapters -1 -threads 0 -map 0:0 -map 0:1 "
     "-map -0:s -codec:v:0 copy -codec:a:0 copy -copyts -avoid_negative_ts disabled "
     "-max_muxing_queue_size 2048 -y OUT",
     "jf.mkv", NULL, NULL},
    {"jellyfin x264",
     "-i file:IN -map_metadata -1 -map_chapters -1 -threads 0 -map 0:0 -map 0:1 "
     "-map -0:s -codec:v:0 libx264 -preset veryfast -crf 23 -maxrate 3000000 -bufsize 6000000 "
     "-profile:v:0 high -level 41 -x264opts:0 subme=0:me_range=4:rc_lookahead=10:me=dia "
     "-force_key_frames:0 expr:gte(t,0+n_forced*3) -codec:a:0 aac -ac 2 -ab 256000 -y OUT",
     "jf.mp4", NULL, NULL},
    /* Nextcloud, lib/private/Preview/Movie.php */
    {"nextcloud preview", "-y -ss 1 -i IN -an -f mjpeg -vframes 1 OUT", "nc.jpg", NULL, NULL},
    {"nextcloud avconv", "-an -y -ss 1 -i IN -f mjpeg -vframes 1 -vsync 1 OUT", "nc2.jpg", NULL,
     NULL},
    /* yt-dlp, yt_dlp/postprocessor/ffmpeg.py */
    {"yt-dlp remux",
     "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown -c copy "
     "-movflags +faststart file:OUT",
     "yt.mp4", NULL, NULL},
    {"yt-dlp metadata",
     "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown -c copy "
     "-write_id3v1 1 -metadata title=Video -metadata date=20210101 -metadata comment= -movflags "
     "+faststart file:OUT",
     "ytm.mp4", NULL, NULL},
    {"yt-dlp metadata mkv",
     "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown -c copy "
     "-metadata title=Video -metadata:s:a:0 language=fre file:OUT",
     "ytm.mkv", NULL, NULL},
    {"yt-dlp mp3", "-y -loglevel repeat+info -i file:IN -vn -acodec libmp3lame -q:a 5 file:OUT",
     "yt.mp3", NULL, NULL},
    {"yt-dlp adts", "-y -loglevel repeat+info -i file:IN -vn -acodec copy -f adts file:OUT",
     "yt.aac", NULL, NULL},
    {"yt-dlp m4a",
     "-y -loglevel repeat+info -i file:IN -vn -acodec copy -bsf:a aac_adtstoasc "
     "file:OUT",
     "yt.m4a", NULL, NULL},
    /* yt-dlp, postprocessor/ffmpeg.py FFmpegFixupM3u8PP (an HLS download's
     * MPEG-TS into mp4), and downloader/external.py FFmpegFD (-f mp4) */
    {"yt-dlp fixup m3u8",
     "-y -loglevel repeat+info -i file:TS -map 0 -dn -ignore_unknown -c copy -f mp4 -bsf:a "
     "aac_adtstoasc -movflags +faststart file:OUT",
     "ytts.mp4", NULL, NULL},
    {"yt-dlp hls ffmpeg", "-y -i TS -c copy -f mp4 -bsf:a aac_adtstoasc OUT", "ythls.mp4", NULL,
     NULL},
    {"yt-dlp fixup m4a",
     "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown -c copy "
     "-f mp4 file:OUT",
     "ytf.m4a", NULL, NULL},
    {"yt-dlp convert", "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown file:OUT",
     "ytc.mkv", NULL, NULL},
    /* beets, beetsplug/convert.py (the formats' default commands) */
    {"beets mp3", "-i WAV -y -vn -aq 2 OUT", "b.mp3", NULL, NULL},
    {"beets alac", "-i WAV -y -vn -acodec alac OUT", "b.m4a", NULL, NULL},
    {"beets flac", "-i WAV -y -vn -acodec flac OUT", "b.flac", NULL, NULL},
    {"beets aac", "-i WAV -y -vn -acodec aac -aq 1 OUT", "ba.m4a", NULL, NULL},
    {"beets opus", "-i WAV -y -vn -acodec libopus -ab 96k OUT", "b.opus", NULL, NULL},
    {"beets ogg", "-i WAV -y -vn -acodec libvorbis -aq 3 OUT", "b.ogg", NULL, NULL},
    {"beets wma", "-i WAV -y -vn -acodec wmav2 -vn OUT", "b.wma", NULL, NULL},
    /* FFmpeg wiki: Encode/H.264, Encode/VP9, Encode/AAC, Encode/MP3, Seeking,
     * Map, Create a thumbnail image every X seconds */
    {"wiki h264", "-i IN -c:v libx264 -preset slow -crf 22 -c:a copy OUT", "w.mkv", NULL, NULL},
    {"wiki vp9 cq", "-i IN -c:v libvpx-vp9 -crf 30 -b:v 0 OUT", "w.webm", NULL, NULL},
    {"wiki aac", "-i WAV -c:a aac -b:a 160k OUT", "w.m4a", NULL, NULL},
    {"wiki mp3", "-i WAV -codec:a libmp3lame -qscale:a 2 OUT", "w.mp3", NULL, NULL},
    {"wiki png", "-i IN -ss 00:00:01.435 -frames:v 1 OUT", "w.png", NULL, NULL},
    {"wiki jpg", "-ss 1 -i IN -frames:v 1 -q:v 2 OUT", "w.jpg", NULL, NULL},
    {"wiki thumbs", "-i IN -vf fps=1 OUT", "out%d.png", NULL, NULL},
    {"wiki seek copy", "-ss 00:00:01 -i IN -to 00:00:02 -c copy OUT", "ws.mp4", NULL, NULL},
    {"wiki map", "-i IN -map 0 -c copy OUT", "wm.mkv", NULL, NULL},
    {"wiki map va", "-i IN -map 0:v -map 0:a -c copy OUT", "wm.mp4", NULL, NULL},
    {"wiki annexb", "-i IN -c copy -bsf:v h264_mp4toannexb OUT", "w.ts", NULL, NULL},
    {"wiki update", "-i IN -vf fps=1 -update 1 OUT", "wu.jpg", NULL, NULL},
    /* whisper.cpp, README.md (16 kHz mono WAV for the model) */
    {"whisper.cpp", "-i IN -ar 16000 -ac 1 -c:a pcm_s16le OUT", "wh.wav", NULL, NULL},
    {"whisper.cpp 16k", "-i IN -ar 16k -ac 1 -c:a pcm_s16le OUT", "wh16.wav", NULL, NULL},
    /* yt-dlp, yt_dlp/postprocessor/ffmpeg.py (FFmpegMergerPP: best video + best
     * audio downloaded apart, merged; -movflags +faststart for mp4) */
    {"yt-dlp merge mp4",
     "-y -loglevel repeat+info -i file:VID -i file:AUD -c copy -map 0:v:0 -map 1:a:0 "
     "-movflags +faststart file:OUT",
     "merge.mp4", NULL, NULL},
    {"yt-dlp merge mkv",
     "-y -loglevel repeat+info -i file:VID -i file:AUD -c copy -map 0:v:0 -map 1:a:0 file:OUT",
     "merge.mkv", NULL, NULL},
    /* Super User, "How to add a new audio (not mixing) into a video using
     * ffmpeg?" (accepted answer: copy the video, encode the new audio) */
    {"add audio re-encoded", "-i VID -i AUD -c:v copy -c:a aac -map 0:v:0 -map 1:a:0 OUT",
     "add.mp4", NULL, NULL},
    /* FFmpeg wiki, Map ("all streams from both inputs"; an optional map) */
    {"wiki map both inputs", "-i IN -i AUD -map 0 -map 1 -c copy OUT", "both.mkv", NULL, NULL},
    {"wiki map optional", "-i VID -i AUD -map 0:v -map 1:v? -map 1:a -c copy OUT", "opt.mkv", NULL,
     NULL},
    /* FFmpeg wiki, Concatenate ("Concatenation of files with different
     * codecs": the concat filter over two inputs, video and audio) */
    {"wiki concat filter",
     "-i IN -i IN -filter_complex [0:v:0][0:a:0][1:v:0][1:a:0]concat=n=2:v=1:a=1[outv][outa] "
     "-map [outv] -map [outa] OUT",
     "concat.mkv", NULL, NULL},
    /* ffmpeg-filters documentation, overlay examples (a logo 10 pixels from
     * the bottom left corner; a video stands for the logo here) */
    {"ffmpeg-doc overlay logo", "-i IN -i VID -filter_complex overlay=10:main_h-overlay_h-10 OUT",
     "logo.mp4", NULL, NULL},
    /* ffmpeg-filters documentation, amix example (two inputs here) */
    {"ffmpeg-doc amix",
     "-i WAV -i AUD -filter_complex amix=inputs=2:duration=first:dropout_transition=3 OUT",
     "amix.wav", NULL, NULL},
    /* Stack Overflow, "Vertically or horizontally stack (mosaic) several
     * videos using ffmpeg?" (accepted answer, hstack) */
    {"so hstack", "-i IN -i VID -filter_complex hstack=inputs=2 OUT", "hstack.mp4", NULL, NULL},
    /* GIPHY Engineering, "How to make GIFs with FFMPEG" (palettegen and
     * paletteuse on one split stream) */
    {"giphy palette gif",
     "-ss 0.5 -t 1 -i IN -filter_complex \"[0:v] fps=12,scale=480:-1,split [a][b];[a] palettegen "
     "[p];[b][p] paletteuse\" OUT",
     "giphy.gif", NULL, NULL},
    /* ffmpeg-doc "Stream selection": no -map, the best video and the audio
     * with the most channels across all inputs */
    {"ffmpeg-doc auto selection", "-i IN -i AUD OUT", "auto.mp4", NULL, NULL},
    /* jakub-bacic/nginx-stream-server, transcoder.sh (an HLS ladder: the
     * input mapped twice, -filter:v:N and -b:v:N per rendition; its HTTP PUT
     * output written to a file here) */
    {"nginx-stream-server ladder",
     "-i IN -max_muxing_queue_size 9999 -map 0:v:0 -map 0:a:0 -map 0:v:0 -map 0:a:0 -c:v libx264 "
     "-tune zerolatency -preset ultrafast -c:a aac -ar 48000 -sc_threshold 0 -force_key_frames "
     "expr:gte(t,n_forced*1) -filter:v:0 scale=w=640:h=360:force_original_aspect_ratio=decrease "
     "-b:v:0 800k -maxrate 856k -bufsize 1200k -b:a:0 96k -filter:v:1 "
     "scale=w=1280:h=720:force_original_aspect_ratio=decrease -b:v:1 2800k -maxrate 2996k "
     "-bufsize 4200k -b:a:1 128k -var_stream_map \"v:0,a:0,name:360p v:1,a:1,name:720p\" "
     "-hls_flags independent_segments -hls_time 1 -hls_list_size 4 -f hls -hls_playlist_type "
     "event -master_pl_name stream-master.m3u8 OUT",
     "stream-%v.m3u8", NULL, NULL},
};

#endif
