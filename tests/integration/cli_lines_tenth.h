/* The tenth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (a loudness normalizer, a Python video editing library, a YouTube archive, an image
 * gallery downloader's animation maker, a camera stream relay, a stream downloader's muxer, a
 * silence cutter, a media server's presets, a YouTube channel archiver, a TV library's
 * converter, a Telegram bot and a VFX studio's review scripts), each with its source. */
#ifndef ISOPIPE_CLI_LINES_TENTH_H
#define ISOPIPE_CLI_LINES_TENTH_H

/* Placeholders as in the other tables. Each line was read in the file
 * named; a program's pipes and temporary files are replaced by the inputs of
 * the same kind (its raw RGB frames by RAW, its s16le samples by PCM, its
 * frame list by IMGLIST), seek points and durations shortened to suit the
 * 2 s inputs, measured loudness figures by plausible ones. */
static const cmd_line tenth_lines[] = {
    /* ffmpeg-normalize, src/ffmpeg_normalize/_media_file.py: _second_pass
     * (ffmpeg-progress-yield puts "-progress - -nostats" first), EBU and
     * peak normalization, into Matroska, MP4 and WAV */
    {"ffmpeg-normalize EBU second pass",
     "-progress - -nostats -hide_banner -y -i IN -filter_complex "
     "[0:1]loudnorm=i=-23.0:lra=7.0:tp=-2.0:offset=0.3:measured_i=-20.5:measured_lra=2.1:"
     "measured_tp=-6.2:measured_thresh=-30.6:linear=true:print_format=json[norm1] "
     "-map_metadata 0 -map_metadata:s:a:0 0:s:a:0 -map_metadata:s:v:0 0:s:v:0 -map_chapters 0 "
     "-map 0:0 -c:v copy -map [norm1] -c:a:0 pcm_s16le -c:s copy OUT",
     "fnn.mkv", NULL, NULL},
    {"ffmpeg-normalize EBU to AAC",
     "-progress - -nostats -hide_banner -y -i IN -filter_complex "
     "[0:1]loudnorm=i=-16.0:lra=7.0:tp=-1.5:offset=0.0:measured_i=-20.5:measured_lra=2.1:"
     "measured_tp=-6.2:measured_thresh=-30.6:linear=true:print_format=json[norm1] "
     "-map_metadata 0 -map_metadata:s:a:0 0:s:a:0 -map_metadata:s:v:0 0:s:v:0 -map_chapters 0 "
     "-map 0:0 -c:v copy -map [norm1] -c:a:0 aac -b:a:0 192k -ar:a:0 48000 -c:s copy OUT",
     "fna.mp4", NULL, NULL},
    {"ffmpeg-normalize peak",
     "-progress - -nostats -hide_banner -y -i MUS -filter_complex [0:0]volume=1.5dB[norm0] "
     "-map_metadata 0 -map_metadata:s:a:0 0:s:a:0 -map_chapters 0 -map [norm0] -c:a:0 "
     "pcm_s16le -c:s copy OUT",
     "fnp.wav", NULL, NULL},
    /* moviepy, moviepy/video/io/ffmpeg_tools.py: ffmpeg_extract_subclip,
     * ffmpeg_merge_video_audio, ffmpeg_extract_audio, ffmpeg_stabilize_video
     * (its -y after the output) */
    {"moviepy subclip", "-y -ss 0.50 -i IN -t 1.00 -map 0 -vcodec copy -acodec copy -copyts OUT",
     "mps.mp4", NULL, NULL},
    {"moviepy merge", "-y -i AUD -i VID -vcodec copy -acodec copy OUT", "mpm.mp4", NULL, NULL},
    {"moviepy extract audio", "-y -i IN -ab 3000k -ar 44100 OUT", "mpx.mp3", NULL, NULL},
    {"moviepy stabilize", "-i IN -vf deshake OUT -y", "mpd.mp4", NULL, NULL},
    /* moviepy, moviepy/video/io/ffmpeg_writer.py (FFMPEG_VideoWriter: its
     * yuva420p for libx264), audio/io/ffmpeg_audiowriter.py (into a video),
     * the readers
     * video/io/ffmpeg_reader.py and audio/io/readers.py (their seek split
     * around -i) */
    {"moviepy write video",
     "-y -loglevel error -f rawvideo -vcodec rawvideo -s 320x240 -pix_fmt rgb24 -r 10.00 -an -i "
     "RAW -i AUD -acodec copy -vcodec libx264 -preset medium -pix_fmt yuva420p OUT",
     "mpw.mp4", NULL, NULL},
    {"moviepy write audio into video",
     "-y -loglevel error -f s16le -acodec pcm_s16le -ar 44100 -ac 2 -i PCM -i VID -vcodec copy "
     "-acodec aac -ar 44100 -strict -2 -ab 128k OUT",
     "mpv.mp4", NULL, NULL},
    {"moviepy read frames",
     "-ss 0.000000 -i IN -ss 0.500000 -loglevel error -f image2pipe -vf scale=320:240 "
     "-sws_flags bicubic -pix_fmt rgb24 -vcodec rawvideo -",
     "mpf.rgb", NULL, NULL},
    {"moviepy read audio",
     "-ss 0.50000 -i IN -map 0:a:0 -vn -ss 1.00000 -loglevel error -f s16le -acodec pcm_s16le "
     "-ar 44100 -ac 2 -",
     "mpra.raw", NULL, NULL},
    /* Tube Archivist, backend/appsettings/src/manual.py: dump_mp4_thumb,
     * _convert_video (its options after the output), _dump_subtitle */
    {"Tube Archivist thumbnail", "-i SONG -map 0:v -map -0:V -c copy OUT", "tat.jpg", NULL, NULL},
    {"Tube Archivist convert", "-i TS OUT -loglevel warning -stats", "tac.mp4", NULL, NULL},
    {"Tube Archivist subtitle", "-i SUB -map 0:2 OUT", "tas.vtt", NULL, NULL},
    /* gallery-dl, gallery_dl/postprocessor/ugoira.py: _process_concat and
     * _process_image2 with its args_pp (the crop for libx264) */
    {"gallery-dl ugoira webm", "-f concat -i IMGLIST -hide_banner -loglevel error OUT", "gdl.webm",
     NULL, NULL},
    {"gallery-dl ugoira mp4",
     "-f concat -i IMGLIST -hide_banner -loglevel error -vf crop=iw-mod(iw\\,2):ih-mod(ih\\,2) OUT",
     "gdl.mp4", NULL, NULL},
    {"gallery-dl ugoira image2",
     "-f image2 -ts_from_file 2 -pattern_type sequence -i FRAMES -hide_banner -loglevel error "
     "-vf crop=iw-mod(iw\\,2):ih-mod(ih\\,2) OUT",
     "gdi.mp4", NULL, NULL},
    /* go2rtc, internal/ffmpeg/ffmpeg.go: its defaults composed as its
     * ffmpeg_test.go shows, the outputs to stdout (its -re file input left
     * out: ffmpeg would take the clip's 2 s to read it) */
    {"go2rtc aac", "-hide_banner -fflags nobuffer -flags low_delay -i IN -c:a aac -vn -f adts -",
     "g2a.aac", NULL, NULL},
    {"go2rtc pcmu",
     "-hide_banner -fflags nobuffer -flags low_delay -i IN -c:a pcm_mulaw -ar:a 8000 -ac:a 1 -vn "
     "-f wav -",
     "g2u.wav", NULL, NULL},
    /* Streamlink, src/streamlink/stream/ffmpegmux.py: its named pipes
     * replaced by the inputs, the muxed Matroska on stdout */
    {"Streamlink mux copyts",
     "-y -nostats -loglevel info -i VID -i AUD -c:v copy -c:a copy -map 0 -map 1 -copyts "
     "-start_at_zero -metadata:s:a:0 language=eng -f matroska pipe:1",
     "slc.mkv", NULL, NULL},
    /* auto-editor (its Python releases, 2023), auto_editor/output.py:
     * audio extraction (ffwrapper.run's "-nostats -loglevel error" after the
     * output) and the final mux; render/video.py: its raw frames encoded
     * (RAW read as yuv420p, its "-s W*H") */
    {"auto-editor extract audio",
     "-hide_banner -y -i IN -map 0:a:0 -ac 2 -ar 48000 -rf64 always OUT -nostats -loglevel error",
     "aea.wav", NULL, NULL},
    {"auto-editor render video",
     "-hide_banner -y -f rawvideo -c:v rawvideo -pix_fmt yuv420p -s 320*240 -framerate 30 -i RAW "
     "-pix_fmt yuv420p -c:v mpeg4 -qscale:v 1 -vf setsar=1/1 OUT",
     "aev.mp4", NULL, NULL},
    {"auto-editor mux",
     "-hide_banner -y -i IN -i VID -i WAV -map 1:0 -map 2:0 -map_metadata 0 -c:v:0 copy "
     "-video_track_timescale 30 -metadata:s:a:0 language=eng -c:a aac -strict -2 -map 0:t? OUT",
     "aem.mp4", NULL, NULL},
    /* node-wildcat, presets/stream/mp3.js: its MP3 stream preset */
    {"node-wildcat mp3", "-i IN -codec:a libmp3lame -qscale:a 3 -f mp3 OUT", "nwm.mp3", NULL, NULL},
    /* sickbeard_mp4_automator, converter/__init__.py (parse_options: its
     * -fix_sub_duration before an input with subtitles) and
     * resources/mediaprocessor.py, the line as its log prints it */
    {"sickbeard_mp4_automator convert",
     "-fix_sub_duration -i SUB -vcodec copy -map 0:0 -metadata:s:v title=HD -metadata:s:v "
     "handler_name=HD -c:a:0 copy -map 0:1 -metadata:s:a:0 title=Stereo -metadata:s:a:0 "
     "handler_name=Stereo -metadata:s:a:0 language=jpn -disposition:a:0 "
     "-lyrics-comment-original-dub-karaoke-hearing_impaired+default-forced-visual_impaired-"
     "captions "
     "-c:s:0 mov_text -map 0:2 -metadata:s:s:0 title= -metadata:s:s:0 handler_name= "
     "-metadata:s:s:0 language=eng -disposition:s:0 "
     "-lyrics-comment-original-dub-karaoke-hearing_impaired+default-forced-visual_impaired-"
     "captions "
     "-f mp4 -threads 0 -metadata:g encoding_tool=SMA -y OUT",
     "sma.mp4", NULL, NULL},
    /* ytdl-sub, src/ytdl_sub/plugins/embed_thumbnail.py, square_thumbnail.py,
     * split_by_chapters.py and utils/ffmpeg.py (chapters and tags written
     * by copy) */
    {"ytdl-sub embed thumbnail",
     "-i IN -i COVER -map 1 -map 0 -dn -c copy -bitexact -disposition:0 attached_pic OUT",
     "yse.mp4", NULL, NULL},
    {"ytdl-sub square thumbnail",
     "-i COVER -c:v mjpeg -qmin 1 -qscale:v 1 -vf crop=min(iw\\,ih):min(iw\\,ih) -bitexact OUT",
     "ysq.jpg", NULL, NULL},
    {"ytdl-sub chapters",
     "-i IN -i file:CHAPS -map 0 -dn -map_chapters 1 -bitexact -codec copy OUT", "ysc.mp4", NULL,
     NULL},
    {"ytdl-sub tags",
     "-i IN -map 0 -dn -metadata title=Episode -metadata synopsis=Text -codec copy -bitexact OUT",
     "yst.mp4", NULL, NULL},
    {"ytdl-sub split by chapters", "-i IN -ss 0.5 -to 1.5 -vcodec copy -acodec copy OUT", "yss.mp4",
     NULL, NULL},
    /* URLtoTG, a Telegram downloader bot, helpers/ffmfunc.py: fetch_thumb
     * (its -n stands: the harness adds no -y then) */
    {"URLtoTG thumbnail", "-v quiet -n -i COVER OUT", "utt.jpg", NULL, NULL},
    /* tgbvfx-environment, environment/REVIEW_PRESETS/vild_heks_full_borders.py:
     * the review movie's thumbnail */
    {"tgbvfx review thumbnail",
     "-y -i IN -vf drawbox=c=black:t=148:x=-t:w=iw+(t*2),select=gte(n\\,1),scale=300:-1 "
     "-vframes 1 OUT",
     "tgt.jpg", NULL, NULL},
};

#endif
