/* The eighth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (streaming servers, downloaders, a media-saving service, 3D printers' timelapses,
 * speech tools, chat and radio bots, recorders, camera bridges) and new lines of the big
 * families (Jellyfin, Immich, PeerTube, Nextcloud Memories, yt-dlp), each with its source. */
#ifndef ISOPIPE_CLI_LINES_EIGHTH_H
#define ISOPIPE_CLI_LINES_EIGHTH_H

/* Placeholders as in the other tables; CHAPS is an ffmetadata file with two
 * chapters, CUTS a concat list keeping two parts of IN (inpoint/outpoint).
 * Lines marked "as remembered" were written from knowledge of the program's
 * source without reading it again; the others were read in the file named.
 * Live inputs (RTMP, RTSP, a pipe of fragments) are replaced by files of
 * the same kind; seek points and durations are shortened to suit the 2 s
 * inputs. */
static const cmd_line eighth_lines[] = {
    /* Jellyfin, MediaBrowser.MediaEncoding/EncodingHelper.cs and
     * DynamicHlsController.cs (as remembered: an audio-only HLS stream,
     * a FLAC direct stream of a tagged MP3 with a cover, the trickplay
     * tiles' frames without the keyframes-only setting, off by default) */
    {"Jellyfin audio hls",
     "-analyzeduration 200M -probesize 1G -i file:IN -map_metadata -1 -map_chapters -1 -threads 0 "
     "-map 0:1 -vn -codec:a:0 aac -ac 2 -ab 128000 -copyts -avoid_negative_ts disabled "
     "-max_muxing_queue_size 2048 -f hls -max_delay 5000000 -hls_time 1 -hls_segment_type mpegts "
     "-start_number 0 -hls_segment_filename SEG%d.ts -hls_playlist_type vod -hls_list_size 0 -y "
     "OUT",
     "jfa.m3u8", NULL, NULL},
    {"Jellyfin audio flac",
     "-i file:SONG -threads 0 -vn -map_metadata -1 -map_chapters -1 -ac 2 -acodec flac -y OUT",
     "jfa.flac", NULL, NULL},
    {"Jellyfin trickplay",
     "-loglevel error -an -sn -threads 2 -i file:IN -an -sn -threads 2 -vf "
     "fps=0.5,scale=w=320:h=-2:flags=bicubic -c:v mjpeg -qscale:v 4 -f image2 OUT",
     "jft%08d.jpg", NULL, NULL},
    /* Immich, server/src/utils/media.ts (as remembered: the video
     * thumbnail's keyframe pick with tone-mapping off, the transcode to the
     * target size with the audio copied) */
    {"Immich thumbnail frames",
     "-skip_frame nointra -sws_flags accurate_rnd+full_chroma_int -i IN -y -fps_mode vfr "
     "-frames:v 1 -update 1 -v verbose -vf "
     "fps=12:eof_action=pass:round=down,thumbnail=12,select=gt(scene\\,0.1)-eq(prev_selected_n\\,"
     "n)+isnan(prev_selected_n)+gt(n\\,20),trim=end_frame=2,reverse,scale=-2:160:flags=lanczos+"
     "accurate_rnd+full_chroma_int:out_range=pc,format=yuv420p OUT",
     "imt.jpeg", NULL, NULL},
    {"Immich transcode scaled",
     "-i IN -y -c:v h264 -c:a copy -movflags faststart -fps_mode passthrough -map 0:0 -map 0:1 "
     "-map_metadata -1 -v verbose -vf scale=-2:160,format=yuv420p -preset ultrafast -crf 23 OUT",
     "ims.mp4", NULL, NULL},
    /* PeerTube, server/helpers/ffmpeg (as remembered: an audio-only
     * transcode and the split audio HLS rendition) */
    {"PeerTube audio only",
     "-i IN -y -vn -acodec aac -b:a 256k -f mp4 -movflags faststart -max_muxing_queue_size 1024 "
     "-map_metadata -1 OUT",
     "pta.m4a", NULL, NULL},
    {"PeerTube hls audio",
     "-i IN -y -vn -acodec aac -b:a 256k -map_metadata -1 -hls_time 1 -hls_list_size 0 "
     "-hls_playlist_type vod -hls_segment_filename SEG.mp4 -hls_segment_type fmp4 -f hls "
     "-hls_flags single_file OUT",
     "pth.m3u8", NULL, NULL},
    /* Nextcloud Memories' go-vod, transcoder/stream.go (as remembered: a
     * chunk of the HLS stream transcoded) */
    {"go-vod chunk",
     "-loglevel warning -ss 0 -i IN -copyts -fflags +genpts -map 0:v:0 -c:v libx264 -preset "
     "faster -level 4.1 -crf 24 -vf scale=-2:160,format=yuv420p -force_key_frames "
     "expr:gte(t,n_forced*1) -map 0:a:0? -c:a aac -ac 1 -b:a 64k -start_number 0 "
     "-avoid_negative_ts disabled -f hls -hls_flags split_by_time -hls_time 1 -hls_segment_type "
     "mpegts -hls_segment_filename SEG-%06d.ts OUT",
     "gov.m3u8", NULL, NULL},
    /* yt-dlp, yt_dlp/postprocessor/ffmpeg.py (FFmpegExtractAudio with its
     * other codecs, FFmpegVideoConvertor to avi, FFmpegThumbnailsConvertor,
     * FFmpegMetadata with chapters, ModifyChapters' cut by concat) */
    {"yt-dlp extract opus",
     "-y -loglevel repeat+info -i file:IN -vn -acodec libopus -movflags +faststart file:OUT",
     "yto.opus", NULL, NULL},
    {"yt-dlp extract vorbis",
     "-y -loglevel repeat+info -i file:IN -vn -acodec libvorbis -q:a 5 -movflags +faststart "
     "file:OUT",
     "ytv.ogg", NULL, NULL},
    {"yt-dlp extract wav",
     "-y -loglevel repeat+info -i file:IN -vn -f wav -movflags +faststart file:OUT", "ytx.wav",
     NULL, NULL},
    {"yt-dlp extract alac",
     "-y -loglevel repeat+info -i file:IN -vn -acodec alac -movflags +faststart file:OUT",
     "ytx.m4a", NULL, NULL},
    {"yt-dlp recode avi",
     "-y -loglevel repeat+info -i file:IN -map 0 -dn -ignore_unknown -c:v libxvid -vtag XVID "
     "-movflags +faststart file:OUT",
     "ytr.avi", NULL, NULL},
    {"yt-dlp thumbnail jpg",
     "-y -loglevel repeat+info -f image2 -pattern_type none -i file:COVER -update 1 -bsf:v "
     "mjpeg2jpeg -movflags +faststart file:OUT",
     "ytt.jpg", NULL, NULL},
    {"yt-dlp chapters",
     "-y -loglevel repeat+info -i file:IN -i file:CHAPS -map 0 -dn -ignore_unknown -c copy "
     "-map_metadata 1 -write_id3v1 1 -metadata title=Video -movflags +faststart file:OUT",
     "ytc.mp4", NULL, NULL},
    {"yt-dlp sponsorblock cut",
     "-y -loglevel repeat+info -f concat -safe 0 -i file:CUTS -map 0 -dn -ignore_unknown -c copy "
     "-movflags +faststart file:OUT",
     "yts.mp4", NULL, NULL},
    /* cobalt, api/src/stream/types.js (as remembered: the separate video and
     * audio remuxed, audio converted, a GIF made; pipe:3 becomes pipe:1) */
    {"cobalt remux",
     "-loglevel -8 -i VID -i AUD -map 0:v -map 1:a -c:v copy -c:a copy -movflags "
     "faststart+frag_keyframe+empty_moov -f mp4 pipe:1",
     "cob.mp4", NULL, NULL},
    {"cobalt audio mp3",
     "-loglevel -8 -i IN -vn -b:a 128k -metadata title=Clip -metadata artist=Someone -f mp3 "
     "pipe:1",
     "cob.mp3", NULL, NULL},
    {"cobalt audio opus", "-loglevel -8 -i IN -vn -b:a 96k -vbr off -f opus pipe:1", "cob.opus",
     NULL, NULL},
    {"cobalt gif",
     "-loglevel -8 -i VID -vf scale=-1:-1:flags=lanczos,split[s0][s1];[s0]palettegen[p];[s1][p]"
     "paletteuse -loop 0 -f gif pipe:1",
     "cob.gif", NULL, NULL},
    {"cobalt mute",
     "-loglevel -8 -i IN -c copy -an -f mp4 -movflags faststart+frag_keyframe+empty_moov pipe:1",
     "cobm.mp4", NULL, NULL},
    /* OctoPrint, src/octoprint/timelapse.py (as remembered: its render
     * command with the default codec, bitrate and filter) */
    {"OctoPrint timelapse",
     "-framerate 25 -loglevel error -i FRAMES -vcodec libx264 -threads 1 -b:v 10000k -f mp4 -y "
     "-vf \"[in] format=yuv420p [out]\" OUT",
     "octo.mp4", NULL, NULL},
    /* moonraker-timelapse, component/timelapse.py (its render command, the
     * frames' rate given with -r) */
    {"moonraker-timelapse",
     "-r 30 -i FRAMES -threads 2 -g 5 -crf 23 -vcodec libx264 -pix_fmt yuv420p -an -y OUT",
     "mrk.mp4", NULL, NULL},
    /* SRS, trunk/src/app/srs_app_ffmpeg.cpp (as remembered: a transcode
     * engine from full.conf, and an ingester copying) */
    {"SRS transcode",
     "-i IN -vcodec libx264 -b:v 300000 -r 15 -s 240x160 -profile:v baseline -preset superfast "
     "-threads 2 -bf 0 -acodec aac -b:a 70000 -ar 44100 -ac 2 -f flv -y OUT",
     "srs.flv", NULL, NULL},
    {"SRS ingest", "-re -i IN -vcodec copy -acodec copy -f flv -y OUT", "srsi.flv", NULL, NULL},
    /* datarhei Restreamer, the HLS process of its core's config (as
     * remembered) */
    {"Restreamer hls",
     "-err_detect ignore_err -y -thread_queue_size 512 -probesize 5000000 -analyzeduration "
     "5000000 -i IN -dn -map 0:v? -c:v copy -map 0:a? -c:a aac -b:a 64k -shortest -af "
     "aresample=osr=44100:ocl=stereo -f hls -start_number 0 -hls_time 1 -hls_list_size 6 "
     "-hls_flags append_list+delete_segments -hls_segment_filename SEG_%04d.ts -y OUT",
     "rst.m3u8", NULL, NULL},
    {"Restreamer snapshot", "-err_detect ignore_err -y -i IN -vframes 1 -f image2 -update 1 OUT",
     "rst.jpg", NULL, NULL},
    /* BBDown, BBDown/BBDownMuxer.cs (as remembered: the DASH video and
     * audio merged with the video's tags) */
    {"BBDown mux",
     "-loglevel warning -y -i VID -i AUD -map 0 -map 1 -metadata title=Video -metadata "
     "description=Text -metadata album=Series -c copy -movflags faststart -strict unofficial "
     "-strict -2 -f mp4 OUT",
     "bbd.mp4", NULL, NULL},
    /* JDownloader, org/jdownloader/controlling/ffmpeg (as remembered: its
     * mux and demux commands, -y after the output) */
    {"JDownloader mux", "-i VID -i AUD -map 0:0 -map 1:0 -c:v copy -c:a copy -f mp4 OUT -y",
     "jd.mp4", NULL, NULL},
    {"JDownloader demux m4a", "-i IN -map 0:1 -c:a copy -f mp4 OUT -y", "jd.m4a", NULL, NULL},
    /* yt-dlp-bot (tropicoo), worker/core/tasks/thumbnail.py (its thumbnail) */
    {"yt-dlp-bot thumbnail", "-y -loglevel error -i IN -ss 1 -vframes 1 -q:v 7 OUT", "ytb.jpg",
     NULL, NULL},
    /* auto-subtitle (m1guelpf), auto_subtitle/cli.py through ffmpeg-python
     * (as remembered: the audio for Whisper, -y after the output) */
    {"auto-subtitle audio", "-i IN -acodec pcm_s16le -ac 1 -ar 16k OUT -y", "asub.wav", NULL, NULL},
    /* Gentle, gentle/resample.py (as remembered) */
    {"Gentle resample", "-loglevel panic -y -i IN -ac 1 -ar 8000 -acodec pcm_s16le OUT", "gent.wav",
     NULL, NULL},
    /* aeneas, aeneas/ffmpegwrapper.py (as remembered) */
    {"aeneas convert", "-i IN -ac 1 -ar 16000 -y -f wav OUT", "aen.wav", NULL, NULL},
    /* botamusique, media/item and its player (as remembered: the track
     * decoded for Mumble from where it stopped) */
    {"botamusique play", "-v warning -nostdin -i MUS -ss 0.500000 -ac 1 -f s16le -ar 48000 -",
     "bota.pcm", NULL, NULL},
    /* Nextcloud Talk recording server, recording/Service.py (as
     * remembered: its default audio arguments; the video's libvpx with
     * -deadline realtime adapts its speed to the machine's, so its bytes
     * differ from run to run, in ffmpeg too) */
    {"Nextcloud Talk audio", "-nostats -y -i WAV -c:a libopus OUT", "nct.ogg", NULL, NULL},
    /* homebridge-camera-ffmpeg, src/streamingDelegate.ts (as remembered:
     * the snapshot for HomeKit, written to stdout) */
    {"homebridge snapshot",
     "-i IN -frames:v 1 -filter:v "
     "scale='min(160,iw)':'min(120,ih)':force_original_aspect_ratio=decrease -f image2 -",
     "hb.jpg", NULL, NULL},
    /* docker-wyze-bridge, app/wyzebridge (as remembered: the snapshot of a
     * stream) */
    {"wyze-bridge snapshot",
     "-loglevel error -analyzeduration 50 -probesize 50 -thread_queue_size 500 -i IN -f image2 "
     "-frames:v 1 -y OUT",
     "wyz.jpg", NULL, NULL},
    /* Kap, main/converters/process.ts (as remembered: the recording as a
     * GIF, cut with -ss/-to after the filter) */
    {"Kap gif",
     "-i VID -filter_complex fps=10,scale=160:-1:flags=lanczos[x];[x]split[x1][x2];[x1]"
     "palettegen[p];[x2][p]paletteuse -loop 0 -ss 0.5 -to 1.5 OUT",
     "kap.gif", NULL, NULL},
    /* ShareX, ShareX.ScreenCaptureLib/Screencast (as remembered: the GIF
     * made with a diff palette in one pass) */
    {"ShareX gif",
     "-i VID -lavfi "
     "palettegen=stats_mode=diff[pal],[0:v][pal]paletteuse=dither=bayer:bayer_scale=2:diff_mode="
     "rectangle -y OUT",
     "shx.gif", NULL, NULL},
    /* Castopod, modules/Media/Helpers/VideoClipper.php (as remembered and
     * simplified: an episode's audiogram, its cover looped under the
     * sound's waves, ended by -shortest) */
    {"Castopod audiogram",
     "-y -loop 1 -framerate 10 -i COVER -i MUS -filter_complex "
     "\"[1:a]showwaves=s=200x50:mode=cline:colors=white:rate=10[w];[0:v][w]overlay=0:H-h,format="
     "yuv420p[v]\" -map [v] -map 1:a -c:v libx264 -preset ultrafast -c:a aac -shortest OUT",
     "cast.mp4", NULL, NULL},
    /* Black Candy, app/models/stream.rb (as remembered) */
    {"Black Candy mp3", "-i MUS -map 0:0 -v 0 -ab 128k -f mp3 -", "bc.mp3", NULL, NULL},
    /* Emby, MediaBrowser's EncodingHelper (as remembered: the same shape
     * as Jellyfin's, an h264 + aac MPEG-TS stream with -sn) */
    {"Emby transcode",
     "-fflags +genpts -i file:IN -threads 0 -map 0:0 -map 0:1 -map -0:s -codec:v:0 libx264 "
     "-pix_fmt yuv420p -preset superfast -crf 23 -maxrate 2000000 -bufsize 4000000 -profile:v:0 "
     "high -level 41 -x264opts:0 subme=0:rc_lookahead=10:me_range=4:me=dia:no_chroma_me:8x8dct=0:"
     "partitions=none -vf scale=trunc(min(max(iw\\,ih*dar)\\,240)/2)*2:trunc(ow/dar/2)*2 -flags "
     "-global_header -sc_threshold 0 -codec:a:0 aac -ac 2 -ab 128000 -sn -f mpegts -y OUT",
     "emby.ts", NULL, NULL},
    /* Dim (Dusk-Labs), dim-core/src/streaming (as remembered: a direct
     * stream remuxed to fragmented MP4 HLS) */
    {"Dim hls",
     "-ss 0 -i IN -copyts -map 0:0 -c:0 copy -f hls -start_number 0 -hls_time 1 "
     "-force_key_frames expr:gte(t,n_forced*1) -hls_segment_type fmp4 -hls_flags temp_file "
     "-hls_segment_filename SEG%d.m4s OUT",
     "dim.m3u8", NULL, NULL},
};

#endif
