/* The third table of test_cli_lines.c: ffmpeg command lines of scripts and programs in neither of
 * the first two tables (live test sources, recording and encoding scripts), each with its source.
 */
#ifndef ISOPIPE_CLI_LINES_THIRD_H
#define ISOPIPE_CLI_LINES_THIRD_H

/* Placeholders as in lines[]; network outputs (rtmp://, srt://, tcp://)
 * written to OUT instead, with -t 2 where the sources never end. */
static const cmd_line third_lines[] = {
    /* davedoesdev/streamana, make_empty_video.sh (two lavfi inputs, no file) */
    {"streamana empty video",
     "-f lavfi -i color=white:640x480:d=1,format=rgb24 -f lavfi -i anullsrc=cl=mono:r=48000 -vf "
     "format=yuv420p -t 1 OUT",
     "empty.mp4", NULL, NULL},
    /* Stack Overflow, "Adding silent audio in ffmpeg" (accepted answer) */
    {"so silent audio",
     "-f lavfi -i anullsrc=channel_layout=stereo:sample_rate=44100 -i VID -c:v copy -c:a aac "
     "-shortest OUT",
     "silent.mp4", NULL, NULL},
    /* flavioribeiro/donut, scripts/ffmpeg_srt_live_listener.sh */
    {"donut srt source",
     "-hide_banner -loglevel verbose -f lavfi -t 2 -i "
     "testsrc2=size=1280x720:rate=30,format=yuv420p "
     "-f lavfi -t 2 -i sine=frequency=1000:sample_rate=44100 -c:v libx264 -preset veryfast -tune "
     "zerolatency -profile:v baseline -b:v 1000k -bufsize 2000k -x264opts "
     "keyint=30:min-keyint=30:scenecut=-1 -f mpegts OUT",
     "donut.ts", NULL, NULL},
    /* leandromoreira/edge-computing-resty, ffmpeg_colorbar.sh (amerge of two sines) */
    {"edge colorbar",
     "-hide_banner -f lavfi -i testsrc2=size=640x360:rate=60,format=yuv420p -f lavfi -i "
     "sine=frequency=440:sample_rate=48000:beep_factor=4 -f lavfi -i "
     "sine=frequency=440:sample_rate=48000:beep_factor=4 -c:v libx264 -preset ultrafast -tune "
     "zerolatency -profile:v high -b:v 1400k -bufsize 2800k -x264opts "
     "keyint=120:min-keyint=120:scenecut=-1 -c:a aac -b:a 32k -filter_complex amerge -t 2 -f flv "
     "OUT",
     "colorbar.flv", NULL, NULL},
    /* conveyGmbH/bbb-mp4, ffmpeg-out-1280-mp4.sh */
    {"bbb-mp4 1280",
     "-y -i IN -c:v libx264 -vf scale=1280:-1 -crf 25 -preset slow -threads 0 -movflags faststart "
     "OUT",
     "bbb.mp4", NULL, NULL},
    /* sandipb/everyday-scripts, home_bin/to720p.sh */
    {"everyday to720p",
     "-ss 0 -i IN -c:v libx264 -c:a libmp3lame -strict experimental -preset medium -crf 20 -s:v "
     "hd720 -maxrate 7000k -minrate 3000k -bufsize 1835k -b:a 192k -flags +cgop -threads 0 OUT",
     "720.mp4", NULL, NULL},
    /* s-ltf/brizi_hack, starter_snippets/live_stream_player/scripts/snap_ffmpeg.sh */
    {"brizi snapshot", "-i IN -ss 0 -s 640x480 -vframes 1 -vcodec mjpeg -f image2 OUT", "snap.jpeg",
     NULL, NULL},
    /* bluenviron/mediamtx, README ("Extract snapshots") */
    {"mediamtx snapshot", "-i IN -frames:v 1 -update true -y OUT", "mtx.jpg", NULL, NULL},
    /* remort/.dotfiles, .bash_aliases (video2mp4, telegram_voice) */
    {"dotfiles video2mp4",
     "-i IN -vf scale=iw/2:ih/2 -c:v libx264 -preset slow -b:v 500k -c:a aac -b:a 128k OUT",
     "half.mp4", NULL, NULL},
    {"dotfiles telegram voice", "-loglevel error -y -i IN -f opus -b:a 60k OUT", "voice.ogg", NULL,
     NULL},
    /* luizguilhermecm/cook_book, ffmpeg/sort.sh */
    {"cook_book fast mp3",
     "-i IN -vn -ar 44100 -ac 2 -filter:a \"atempo=2.0,volume=2\" -ab 128k -f mp3 OUT", "fast.mp3",
     NULL, NULL},
    /* robenkleene/Dotfiles, install/man/markdown/ffmpeg.md */
    {"dotfiles q0 mp3", "-i MUS -q:a 0 OUT", "q0.mp3", NULL, NULL},
    {"dotfiles alac", "-i MUS -c:v copy -acodec alac OUT", "alac.m4a", NULL, NULL},
    /* somemonkers/ffmpegger, ffmpegging.sh */
    {"ffmpegger tiny",
     "-i IN -ar 8000 -r 6 -b:a 8k -af volume=90dB -c:a flac -strict -2 -b:v 6k -s 280x144 OUT",
     "tiny.mp4", NULL, NULL},
    /* voc/voctomix, example-scripts/ffmpeg/source-avsync-test-clip-as-cam1.sh */
    {"voctomix cam source",
     "-y -nostdin -i IN -filter_complex \"[0:v] scale=320:240,fps=25 [v] ; [0:a] aresample=48000 "
     "[a]\" -map [v] -map [a] -c:v rawvideo -c:a pcm_s16le -pix_fmt yuv420p -f matroska OUT",
     "cam.mkv", NULL, NULL},
    /* nathan-jolivat/flipbook-app, extract_images_from_video.php (-ss 10
     * made -ss 1: the clip lasts 2 s) */
    {"flipbook frame", "-y -i IN -vcodec mjpeg -vframes 1 -an -f rawvideo -s 565x328 -ss 1 OUT",
     "flip.jpg", NULL, NULL},
    /* braca51e/helpful_scripts, ffmpeg.sh ("Record n min segments") */
    {"helpful record",
     "-hide_banner -loglevel 0 -i IN -an -to 00:00:01 -r 15 -s 1280x720 -c:v copy -map 0 OUT",
     "rec.mp4", NULL, NULL},
};

#endif
