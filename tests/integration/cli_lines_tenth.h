/* The tenth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (a loudness normalizer, a Python video editing library, a YouTube archive, an image
 * gallery downloader's animation maker, a camera stream relay, a stream downloader's muxer),
 * each with its source. */
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
     * ffmpeg_merge_video_audio, ffmpeg_extract_audio, ffmpeg_resize,
     * ffmpeg_stabilize_video (its -y after the output), ffmpeg_copy */
    {"moviepy subclip", "-y -ss 0.50 -i IN -t 1.00 -map 0 -vcodec copy -acodec copy -copyts OUT",
     "mps.mp4", NULL, NULL},
    {"moviepy merge", "-y -i AUD -i VID -vcodec copy -acodec copy OUT", "mpm.mp4", NULL, NULL},
    {"moviepy extract audio", "-y -i IN -ab 3000k -ar 44100 OUT", "mpx.mp3", NULL, NULL},
    {"moviepy resize", "-i IN -vf scale=160:120 OUT", "mpr.mp4", NULL, NULL},
    {"moviepy stabilize", "-i IN -vf deshake OUT -y", "mpd.mp4", NULL, NULL},
    {"moviepy copy", "-y -i IN -c copy OUT", "mpc.mkv", NULL, NULL},
    /* moviepy, moviepy/video/io/ffmpeg_writer.py (FFMPEG_VideoWriter: its
     * yuva420p for libx264), audio/io/ffmpeg_audiowriter.py, the readers
     * video/io/ffmpeg_reader.py and audio/io/readers.py (their seek split
     * around -i) */
    {"moviepy write video",
     "-y -loglevel error -f rawvideo -vcodec rawvideo -s 320x240 -pix_fmt rgb24 -r 10.00 -an -i "
     "RAW -i AUD -acodec copy -vcodec libx264 -preset medium -pix_fmt yuva420p OUT",
     "mpw.mp4", NULL, NULL},
    {"moviepy write audio",
     "-y -loglevel error -f s16le -acodec pcm_s16le -ar 44100 -ac 2 -i PCM -vn -acodec "
     "libmp3lame -ar 44100 -strict -2 OUT",
     "mpa.mp3", NULL, NULL},
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
     * ffmpeg_test.go shows, the outputs to stdout */
    {"go2rtc mjpeg", "-hide_banner -re -i IN -c:v mjpeg -an -f mjpeg -", "g2m.mjpeg", NULL, NULL},
    {"go2rtc aac", "-hide_banner -fflags nobuffer -flags low_delay -i IN -c:a aac -vn -f adts -",
     "g2a.aac", NULL, NULL},
    {"go2rtc aac 16000",
     "-hide_banner -fflags nobuffer -flags low_delay -i IN -c:a aac -ar:a 16000 -ac:a 1 -vn -f "
     "adts -",
     "g2b.aac", NULL, NULL},
    {"go2rtc pcmu",
     "-hide_banner -fflags nobuffer -flags low_delay -i IN -c:a pcm_mulaw -ar:a 8000 -ac:a 1 -vn "
     "-f wav -",
     "g2u.wav", NULL, NULL},
    /* Streamlink, src/streamlink/stream/ffmpegmux.py: its named pipes
     * replaced by the inputs, the muxed Matroska on stdout */
    {"Streamlink mux",
     "-y -nostats -loglevel info -i VID -i AUD -c:v copy -c:a copy -map 0 -map 1 -f matroska "
     "pipe:1",
     "slm.mkv", NULL, NULL},
    {"Streamlink mux copyts",
     "-y -nostats -loglevel info -i VID -i AUD -c:v copy -c:a copy -map 0 -map 1 -copyts "
     "-start_at_zero -metadata:s:a:0 language=eng -f matroska pipe:1",
     "slc.mkv", NULL, NULL},
};

#endif
