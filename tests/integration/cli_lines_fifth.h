/* The fifth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (downloaders, Python media libraries, music servers, NVRs, a TV recorder, photo
 * galleries, a loudness normaliser), each with its source. */
#ifndef ISOPIPE_CLI_LINES_FIFTH_H
#define ISOPIPE_CLI_LINES_FIFTH_H

/* Placeholders as in the other tables, and RAW (IN's picture as raw rgb24
 * 320x240 at 10 fps, 20 frames), VLIST (a concat list naming IN twice),
 * IMGLIST (an ffconcat list of ten JPEG frames, 0.1 s each), JPEGS (the
 * same ten JPEGs one after the other in one file, as `cat *.jpg` gives
 * them), FRAMES (the ten JPEGs as %05d-capture.jpg), COVER (a PNG), PCM
 * (WAV's samples as raw s16le: 44.1 kHz stereo),
 * "concat:TS|TS" (TS twice through the concat protocol), SEG... (a path
 * next to OUT: SEG%d.ts) and INIT (a file name next to OUT). */
static const cmd_line fifth_lines[] = {
    /* streamlink, src/streamlink/stream/ffmpegmux.py (FFMPEGMuxer: video
     * and audio substreams muxed; its named pipes are files here) */
    {"streamlink mux",
     "-nostats -y -i VID -i AUD -c:v copy -c:a copy -map 0 -map 1 -copyts -start_at_zero -f "
     "matroska pipe:1",
     "sl.mkv", NULL, NULL},
    {"streamlink mux ts",
     "-nostats -y -i VID -i AUD -c:v copy -c:a copy -map 0 -map 1 -metadata:s:a:0 language=eng "
     "-f mpegts pipe:1",
     "sl.ts", NULL, NULL},
    /* gonic, transcode/transcode.go (its profiles: the seek as
     * microseconds, ReplayGain applied and its tags emptied) */
    {"gonic mp3", "-v 0 -i MUS -ss 0us -map 0:a:0 -vn -b:a 128k -c:a libmp3lame -f mp3 -",
     "gonic.mp3", NULL, NULL},
    {"gonic mp3 replaygain",
     "-v 0 -i MUS -ss 500000us -map 0:a:0 -vn -b:a 128k -c:a libmp3lame -af "
     "\"volume=replaygain=track:replaygain_preamp=6dB:replaygain_noclip=0, "
     "alimiter=level=disabled, asidedata=mode=delete:type=REPLAYGAIN\" -metadata "
     "replaygain_album_gain= -metadata replaygain_album_peak= -metadata replaygain_track_gain= "
     "-metadata replaygain_track_peak= -metadata r128_album_gain= -metadata r128_track_gain= -f "
     "mp3 -",
     "gonic-rg.mp3", NULL, NULL},
    {"gonic opus car",
     "-v 0 -i MUS -ss 0us -map 0:a:0 -vn -b:a 96k -c:a libopus -vbr on -af "
     "\"aresample=96000:resampler=soxr, "
     "volume=replaygain=track:replaygain_preamp=15dB:replaygain_noclip=0, "
     "alimiter=level=disabled, asidedata=mode=delete:type=REPLAYGAIN\" -metadata "
     "replaygain_album_gain= -metadata replaygain_album_peak= -metadata replaygain_track_gain= "
     "-metadata replaygain_track_peak= -metadata r128_album_gain= -metadata r128_track_gain= -f "
     "opus -",
     "gonic.opus", NULL, NULL},
    {"gonic pcm", "-v 0 -i MUS -ss 0us -c:a pcm_s16le -ac 2 -ar 48000 -f s16le -", "gonic.pcm",
     NULL, NULL},
    /* koel, app/Services/Streamers/TranscodingStreamer.php (-ss put first
     * when the client seeks) */
    {"koel mp3", "-i MUS -map 0:0 -v 0 -ab 128k -f mp3 -", "koel.mp3", NULL, NULL},
    {"koel mp3 seek", "-ss 1 -i MUS -map 0:0 -v 0 -ab 128k -f mp3 -", "koel2.mp3", NULL, NULL},
    /* you-get, src/you_get/processor/ffmpeg.py (the concat demuxer; TS
     * parts joined by the concat protocol; -absf is -bsf:a) */
    {"you-get concat mp4", "-f concat -y -i VLIST -c copy OUT", "yg.mp4", NULL, NULL},
    {"you-get mp4 to ts", "-y -i IN -c copy -f mpegts -bsf:v h264_mp4toannexb OUT", "yg.ts", NULL,
     NULL},
    {"you-get ts concat to mp4", "-y -i concat:TS|TS -c copy -absf aac_adtstoasc OUT", "yg2.mp4",
     NULL, NULL},
    {"you-get flv to ts", "-y -i IN -map 0 -c copy -f mpegts -bsf:v h264_mp4toannexb OUT", "yg2.ts",
     NULL, NULL},
    /* gallery-dl, gallery_dl/postprocessor/ugoira.py (Pixiv animations:
     * frames through an ffconcat list, the input rate when every delay is
     * the same, else the output rate; its documented ffmpeg-args) */
    {"gallery-dl ugoira", "-f concat -r 1000/100 -i IMGLIST OUT", "gd.webm", NULL, NULL},
    {"gallery-dl ugoira args",
     "-f concat -i IMGLIST -r 1000/100 -c:v libvpx-vp9 -an -b:v 0 -crf 30 OUT", "gd2.webm", NULL,
     NULL},
    /* pydub, pydub/audio_segment.py (from_file: anything to WAV; export:
     * WAV to the format asked, tags, a cover, libvorbis for ogg) */
    {"pydub from mp3", "-y -f mp3 -i SONG -vn -f wav OUT", "pd.wav", NULL, NULL},
    {"pydub from video", "-y -i IN -vn -f wav OUT", "pd2.wav", NULL, NULL},
    {"pydub export mp3 tags",
     "-y -f wav -i WAV -b:a 192k -metadata artist=Band -metadata album=Record -id3v2_version 4 -f "
     "mp3 OUT",
     "pd.mp3", NULL, NULL},
    {"pydub export mp3 cover", "-y -f wav -i WAV -i COVER -map 0 -map 1 -c:v mjpeg -f mp3 OUT",
     "pd2.mp3", NULL, NULL},
    {"pydub export ogg", "-y -f wav -i WAV -acodec libvorbis -f ogg OUT", "pd.ogg", NULL, NULL},
    {"pydub export mp4", "-y -f wav -i WAV -b:a 128k -f mp4 OUT", "pd.m4a", NULL, NULL},
    /* imageio-ffmpeg, imageio_ffmpeg/_io.py (read_frames: raw rgb24 on
     * stdout; write_frames: raw frames in, its stdin a file here) */
    {"imageio read", "-i IN -pix_fmt rgb24 -vcodec rawvideo -f image2pipe -", "ii.rgb", NULL, NULL},
    {"imageio write",
     "-y -f rawvideo -vcodec rawvideo -s 320x240 -pix_fmt rgb24 -r 10.00 -i RAW -an -vcodec "
     "libx264 -pix_fmt yuv420p -crf 25 -v warning OUT",
     "ii.mp4", NULL, NULL},
    /* moviepy, moviepy/video/io/ffmpeg_reader.py (a seek split around -i,
     * frames scaled), moviepy/audio/io/readers.py,
     * moviepy/audio/io/ffmpeg_audiowriter.py (raw samples in) and
     * moviepy/video/io/ffmpeg_writer.py (raw frames and a sound file) */
    {"moviepy read frames",
     "-ss 0.500000 -i IN -ss 0.500000 -loglevel error -f image2pipe -vf scale=160:120 -sws_flags "
     "bicubic -pix_fmt rgb24 -vcodec rawvideo -",
     "mp.rgb", NULL, NULL},
    {"moviepy read audio", "-i IN -vn -loglevel error -f s16le -acodec pcm_s16le -ar 44100 -ac 2 -",
     "mp.pcm", NULL, NULL},
    {"moviepy write audio",
     "-y -loglevel error -f s16le -acodec pcm_s16le -ar 44100 -ac 2 -i PCM -vn -acodec libmp3lame "
     "-ar 44100 -strict -2 -ab 128k OUT",
     "mpa.mp3", NULL, NULL},
    {"moviepy write",
     "-y -loglevel error -f rawvideo -vcodec rawvideo -s 320x240 -pix_fmt rgb24 -r 10.00 -an -i "
     "RAW -i SONG -acodec copy -vcodec libx264 -preset medium -pix_fmt yuv420p OUT",
     "mp.mp4", NULL, NULL},
    /* ffmpeg-normalize, ffmpeg_normalize/_media_file.py (_second_pass: the
     * measured loudness into loudnorm, metadata mapped per stream) run by
     * _cmd_utils.py, which puts "-progress - -nostats" first */
    {"ffmpeg-normalize video",
     "-progress - -nostats -y -nostdin -i IN -filter_complex "
     "[0:1]loudnorm=i=-23.0:lra=7.0:tp=-2.0:offset=0.0:measured_i=-20.5:measured_lra=3.1:"
     "measured_tp=-6.2:measured_thresh=-31.0:linear=true:print_format=json[norm0] -map_metadata 0 "
     "-map_metadata:s:a:0 0:s:a:0 -map_metadata:s:v:0 0:s:v:0 -map_chapters 0 -map 0:0 -c:v copy "
     "-map [norm0] -c:a:0 pcm_s16le -c:s copy OUT",
     "fn.mkv", NULL, NULL},
    {"ffmpeg-normalize audio",
     "-progress - -nostats -y -nostdin -i MUS -filter_complex "
     "[0:0]loudnorm=i=-23.0:lra=7.0:tp=-2.0:offset=0.0:measured_i=-20.5:measured_lra=3.1:"
     "measured_tp=-6.2:measured_thresh=-31.0:linear=true:print_format=json[norm0] -map_metadata 0 "
     "-map_metadata:s:a:0 0:s:a:0 -map_chapters 0 -map [norm0] -c:a libmp3lame -b:a 192k -ar "
     "44100 -c:s copy OUT",
     "fn.mp3", NULL, NULL},
    /* spotDL, spotdl/utils/ffmpeg.py convert (a downloaded m4a into the
     * format asked: FFMPEG_FORMATS, a bit rate, or a copy into m4a) */
    {"spotdl mp3",
     "-nostdin -y -i AUD -movflags +faststart -v debug -progress - -nostats -codec:a libmp3lame "
     "-b:a 128k OUT",
     "sd.mp3", NULL, NULL},
    {"spotdl flac",
     "-nostdin -y -i AUD -movflags +faststart -v debug -progress - -nostats -codec:a flac "
     "-sample_fmt s16 OUT",
     "sd.flac", NULL, NULL},
    {"spotdl m4a copy",
     "-nostdin -y -i AUD -movflags +faststart -v debug -progress - -nostats -vn -c:a copy OUT",
     "sd.m4a", NULL, NULL},
    {"spotdl opus",
     "-nostdin -y -i AUD -movflags +faststart -v debug -progress - -nostats -c:a libopus OUT",
     "sd.opus", NULL, NULL},
    /* Music Assistant, music_assistant/controllers/streams.py
     * (QueueStream._queue_stream_runner: the queue's raw PCM encoded for
     * the players; its stdin a file here) */
    {"music-assistant flac",
     "-hide_banner -loglevel quiet -ignore_unknown -f s16le -ac 2 -ar 44100 -i PCM -metadata "
     "\"title=Streaming from Music Assistant\" -af afade=t=in:st=0:d=5 -f flac -compression_level "
     "0 -",
     "ma.flac", NULL, NULL},
    {"music-assistant mp3",
     "-hide_banner -loglevel quiet -ignore_unknown -f s16le -ac 2 -ar 44100 -i PCM -metadata "
     "\"title=Streaming from Music Assistant\" -f mp3 -compression_level 0 -",
     "ma.mp3", NULL, NULL},
    /* Home Assistant, homeassistant/components/tts/__init__.py
     * (_async_convert_audio: a TTS engine's audio into what the player takes;
     * its pipe: input a file here) */
    {"home-assistant tts wav",
     "-hide_banner -loglevel error -f mp3 -i SONG -f wav -ar 16000 -ac 1 -sample_fmt s16 pipe:",
     "hatts.wav", NULL, NULL},
    {"home-assistant tts mp3",
     "-hide_banner -loglevel error -f wav -i WAV -f mp3 -ar 22050 -ac 1 -q:a 0 pipe:", "hatts.mp3",
     NULL, NULL},
    /* lux (formerly annie), utils/ffmpeg.go (MergeAudioAndVideo: a video
     * and its audio downloaded apart) */
    {"lux merge", "-y -i VID -i AUD -c:v copy -c:a copy OUT", "lux.mp4", NULL, NULL},
    /* EPGStation, its default config (src/model/IConfigFile / config.yml
     * template: live TS streams; the tuner's pipe:0 is TS here) */
    {"epgstation live 720p",
     "-re -dual_mono_mode main -i TS -sn -threads 0 -c:a aac -ar 48000 -b:a 192k -ac 2 -c:v "
     "libx264 -vf yadif,scale=-2:720 -b:v 3000k -preset veryfast -y -f mpegts pipe:1",
     "epg.ts", NULL, NULL},
    {"epgstation low latency",
     "-dual_mono_mode main -f mpegts -analyzeduration 500000 -i TS -map 0 -c:s copy -c:d copy "
     "-ignore_unknown -fflags nobuffer -flags low_delay -max_delay 250000 -max_interleave_delta 1 "
     "-threads 0 -c:a aac -ar 48000 -b:a 192k -ac 2 -c:v libx264 -flags +cgop -vf "
     "yadif,scale=-2:720 -b:v 3000k -preset veryfast -y -f mpegts pipe:1",
     "epg2.ts", NULL, NULL},
    /* Shinobi, libs/ffmpeg (its MJPEG and HLS stream outputs) */
    {"shinobi mjpeg",
     "-loglevel warning -analyzeduration 1000000 -probesize 1000000 -i IN -c:v mjpeg -f mpjpeg "
     "-boundary_tag shinobi -q:v 1 -r 2 -s 640x480 pipe:1",
     "sh.mjpeg", NULL, NULL},
    {"shinobi hls",
     "-loglevel warning -i IN -an -c:v copy -f hls -hls_time 1 -hls_list_size 3 -start_number 0 "
     "-hls_allow_cache 0 -hls_flags +delete_segments+omit_endlist OUT",
     "sh.m3u8", NULL, NULL},
    /* Jellyfin, Jellyfin.Api/Controllers/DynamicHlsController.cs with
     * MediaBrowser.Controller/MediaEncoding/EncodingHelper.cs (the whole HLS
     * transcode line: TS segments, and fMP4 ones with their init file) */
    {"jellyfin hls ts",
     "-fflags +genpts -i file:IN -map_metadata -1 -map_chapters -1 -threads 0 -map 0:0 -map 0:1 "
     "-map -0:s -codec:v:0 libx264 -preset veryfast -crf 23 -maxrate 1000000 -bufsize 2000000 "
     "-profile:v:0 high -level 41 -x264opts:0 "
     "subme=0:me_range=4:rc_lookahead=10:me=dia:no_chroma_me:8x8dct=0:partitions=none "
     "-force_key_frames:0 \"expr:gte(t,0+n_forced*1)\" -g 24 -keyint_min 24 -sc_threshold 0 -vf "
     "\"setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709,scale=trunc(min(max(iw\\,"
     "ih*a)\\,1280)/2)*2:trunc(ow/a/2)*2,format=yuv420p\" -start_at_zero -vsync -1 -codec:a:0 aac "
     "-ac 2 -ab 256000 -af \"volume=2\" -copyts -avoid_negative_ts disabled "
     "-max_muxing_queue_size 2048 -f hls -max_delay 5000000 -hls_time 1 -individual_header_trailer "
     "0 -hls_segment_type mpegts -start_number 0 -hls_segment_filename SEG%d.ts -hls_playlist_type "
     "vod -hls_list_size 0 -y OUT",
     "jf.m3u8", NULL, NULL},
    {"jellyfin hls fmp4",
     "-fflags +genpts -i file:IN -map_metadata -1 -map_chapters -1 -threads 0 -map 0:0 -map 0:1 "
     "-map -0:s -codec:v:0 libx264 -preset veryfast -crf 23 -maxrate 1000000 -bufsize 2000000 "
     "-profile:v:0 high -level 41 -x264opts:0 "
     "subme=0:me_range=4:rc_lookahead=10:me=dia:no_chroma_me:8x8dct=0:partitions=none "
     "-force_key_frames:0 \"expr:gte(t,0+n_forced*1)\" -sc_threshold:v:0 0 -vf "
     "\"setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709,scale=trunc(min(max(iw\\,"
     "ih*a)\\,1280)/2)*2:trunc(ow/a/2)*2,format=yuv420p\" -codec:a:0 aac -ac 2 -ab 256000 -af "
     "\"volume=2\" -start_at_zero -copyts -avoid_negative_ts disabled -max_muxing_queue_size 2048 "
     "-f hls "
     "-max_delay 5000000 -hls_time 1 -hls_segment_type fmp4 -hls_fmp4_init_filename INIT "
     "-start_number 0 -hls_segment_filename SEG%d.mp4 -hls_playlist_type vod -hls_list_size 0 -y "
     "OUT",
     "jf2.m3u8", NULL, NULL},
    /* PeerTube, server/helpers/ffmpeg (the HLS transcoding line: fMP4 in
     * one file with byte ranges) */
    {"peertube hls single file",
     "-i IN -y -acodec aac -vcodec libx264 -threads 2 -f hls -preset veryfast -maxrate 1000000 "
     "-bufsize 2000000 -b_strategy 1 -bf 16 -r 30 -level 3.1 -g 60 -map_metadata -1 -pix_fmt "
     "yuv420p -b:a 256k -vf scale=w=-2:h=240 -hls_time 1 -hls_list_size 0 -hls_playlist_type vod "
     "-hls_segment_filename SEG.mp4 -hls_segment_type fmp4 -f hls -hls_flags single_file OUT",
     "pt.m3u8", NULL, NULL},
    /* Photoview, scanner/media_encoding/executable_worker/executable_worker.go
     * (web video and its thumbnail; the quotes are ffmpeg's, not a shell's) */
    {"photoview web video",
     "-i IN -vcodec h264 -acodec aac -vf "
     "scale='min(1080,iw)':'min(1080,ih)':force_original_aspect_ratio=decrease:force_divisible_by="
     "2 -movflags +faststart+use_metadata_tags OUT",
     "pv.mp4", NULL, NULL},
    {"photoview thumbnail",
     "-ss 0 -i IN -vframes 1 -an -vf "
     "scale='min(1024,iw)':'min(1024,ih)':force_original_aspect_ratio=decrease:force_divisible_by="
     "2 OUT",
     "pv.jpg", NULL, NULL},
    /* Home Assistant, homeassistant/components/ffmpeg/camera.py with the
     * ha-ffmpeg library (haffmpeg/camera.py CameraMjpeg, tools.py
     * ImageFrame; the camera's default extra arguments "-pred 1") */
    {"home-assistant image", "-i IN -an -frames:v 1 -c:v mjpeg -pred 1 -f image2pipe -", "ha.jpg",
     NULL, NULL},
    {"home-assistant mjpeg", "-i IN -an -c:v mjpeg -pred 1 -f mpjpeg -", "ha.mjpeg", NULL, NULL},
    /* ZoneMinder, scripts/zmvideo.pl.in (an event's frames into a video with
     * the default ZM_FFMPEG_OUTPUT_OPTIONS "-r 25 -b 800k") */
    {"zoneminder event video", "-y -r 5 -i FRAMES -s 320x240 -r 25 -b 800k -f avi OUT", "zm.avi",
     NULL, NULL},
    /* motionEye, motioneye/mediafiles.py make_timelapse_movie (the JPEGs
     * piped by cat; a file of them here) */
    {"motioneye timelapse",
     "-framerate 2 -f image2pipe -vcodec mjpeg -i JPEGS -vcodec mpeg4 -b:v 1000k -qscale:v 0.1 -f "
     "avi OUT",
     "me.avi", NULL, NULL},
    /* Unmanic, video_transcoder plugin description.md (the command it
     * builds: generic options, the first video and audio mapped) */
    {"unmanic video transcoder",
     "-hide_banner -loglevel info -i IN -map 0:0 -map 0:1 -c:v:0 libx264 -preset veryfast -crf 23 "
     "-c:a:0 copy -y OUT",
     "un.mkv", NULL, NULL},
};

#endif
