/* The sixth table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (chat bots, IPTV channel makers, a wiki's video transcoder, PHP and Node media
 * libraries, DLNA servers, a streaming transcoder, video editors' proxies, downloaders, a
 * subtitle manager, a conference recorder), each with its source. */
#ifndef ISOPIPE_CLI_LINES_SIXTH_H
#define ISOPIPE_CLI_LINES_SIXTH_H

/* Placeholders as in the fifth table, and ROT (IN with a display matrix
 * turning it a quarter, as phones record). Lines marked "as remembered" were
 * written from knowledge of the program's source without reading it again;
 * the others were read in the file named. Seek points and durations are
 * shortened to suit the 2 s inputs. */
static const cmd_line sixth_lines[] = {
    /* discord.py, discord/player.py (FFmpegPCMAudio: raw PCM for the voice
     * client, its documented options '-vn'; FFmpegOpusAudio: Ogg Opus) */
    {"discord.py pcm", "-i SONG -f s16le -ar 48000 -ac 2 -loglevel warning -vn pipe:1", "dpy.pcm",
     NULL, NULL},
    {"discord.py pcm video", "-nostdin -i IN -f s16le -ar 48000 -ac 2 -loglevel warning -vn pipe:1",
     "dpy2.pcm", NULL, NULL},
    {"discord.py opus",
     "-i MUS -map_metadata -1 -f opus -c:a libopus -ar 48000 -ac 2 -b:a 128k -loglevel warning "
     "pipe:1",
     "dpy.opus", NULL, NULL},
    /* @discordjs/voice, src/audio/AudioResource.ts with prism-media's
     * FFmpeg transform (which adds the input and pipe:1) */
    {"discordjs pcm", "-i IN -analyzeduration 0 -loglevel 0 -f s16le -ar 48000 -ac 2 pipe:1",
     "djs.pcm", NULL, NULL},
    {"discordjs opus",
     "-i MUS -analyzeduration 0 -loglevel 0 -acodec libopus -f opus -ar 48000 -ac 2 pipe:1",
     "djs.opus", NULL, NULL},
    /* dizqueTV, src/ffmpeg.js (a channel's program: scaled and padded to
     * the channel's size, audio padded, MPEG-2 + AC-3 in MPEG-TS; the
     * metadata values keep their quotes: spawn passes them as typed) */
    {"dizqueTV transcode",
     "-threads 1 -fflags +genpts+discardcorrupt+igndts -ss 0.5 -i IN -filter_complex "
     "\"[0:v]null[video];[video]scale=640:360:flags=bicubic:force_original_aspect_ratio="
     "decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2[siz];[0:a]anull[audio];[audio]apad=whole_dur="
     "1500ms[padded]\" -map [siz] -map [padded] -c:v mpeg2video -flags cgop+ilme -sc_threshold "
     "1000000000 -b:v 2000k -minrate:v 2000k -maxrate:v 2000k -bufsize:v 2000k -b:a 192k "
     "-minrate:a 192k -maxrate:a 192k -bufsize:a 2000k -c:a ac3 -map_metadata -1 -movflags "
     "+faststart -muxdelay 0 -muxpreload 0 -metadata service_provider=\"dizqueTV\" -metadata "
     "service_name=\"Channel\" -f mpegts -t 1500ms pipe:1",
     "dz.ts", NULL, NULL},
    {"dizqueTV copy",
     "-threads 1 -fflags +genpts+discardcorrupt+igndts -i IN -map 0:v -map 0:a -c:v copy -flags "
     "cgop+ilme -sc_threshold 1000000000 -c:a copy -map_metadata -1 -movflags +faststart "
     "-muxdelay 0 -muxpreload 0 -metadata service_provider=\"dizqueTV\" -metadata "
     "service_name=\"Channel\" -f mpegts pipe:1",
     "dz2.ts", NULL, NULL},
    {"dizqueTV volume",
     "-threads 1 -fflags +genpts+discardcorrupt+igndts -i IN -filter_complex "
     "\"[0:a]anull[audio];[audio]volume=0.5[boosted]\" -map 0:v -map [boosted] -c:v copy "
     "-flags cgop+ilme -sc_threshold 1000000000 -b:a 192k -minrate:a 192k -maxrate:a 192k "
     "-bufsize:a 2000k -ac 2 -ar 48k -c:a ac3 -map_metadata -1 -movflags +faststart -muxdelay 0 "
     "-muxpreload 0 -metadata service_provider=\"dizqueTV\" -metadata service_name=\"Channel\" "
     "-f mpegts pipe:1",
     "dz3.ts", NULL, NULL},
    {"dizqueTV error screen",
     "-threads 1 -fflags +genpts+discardcorrupt+igndts -r 24 -f lavfi -i color=c=black:s=320x240 "
     "-pix_fmt yuv420p -filter_complex \"[0:v]null[videox];aevalsrc=0:duration=1000ms[audiox]\" "
     "-map [videox] -map [audiox] -c:v mpeg2video -flags cgop+ilme -sc_threshold 1000000000 "
     "-b:v 2000k -minrate:v 2000k -maxrate:v 2000k -bufsize:v 2000k -b:a 192k -minrate:a 192k "
     "-maxrate:a 192k -bufsize:a 2000k -ac 2 -ar 48k -c:a ac3 -map_metadata -1 -movflags "
     "+faststart -muxdelay 0 -muxpreload 0 -metadata service_provider=\"dizqueTV\" -metadata "
     "service_name=\"Channel\" -f mpegts -t 1000ms pipe:1",
     "dz4.ts", NULL, NULL},
    {"dizqueTV concat",
     "-threads 1 -fflags +genpts+discardcorrupt+igndts -f concat -safe 0 -protocol_whitelist "
     "file,http,tcp,https,tcp,tls -probesize 100000000 -i VLIST -map 0:v -map 0:a -c copy "
     "-muxdelay 0 -muxpreload 0 -metadata service_provider=\"dizqueTV\" -metadata "
     "service_name=\"Channel\" -f mpegts pipe:1",
     "dz5.ts", NULL, NULL},
    /* MediaWiki TimedMediaHandler, includes/WebVideoTranscode/
     * WebVideoTranscodeJob.php (ffmpegEncode: VP8 WebM, H.264 'ipod320',
     * audio-only Ogg Vorbis and MP3; the MIDI-to-MP3 second step) */
    {"TimedMediaHandler vp8",
     "-y -i IN -threads 1 -pix_fmt yuv420p -qmin 1 -qmax 51 -vb 256000 -vcodec libvpx -slices 2 "
     "-auto-alt-ref 1 -lag-in-frames 25 -g 240 -keyint_min 1 -speed 4 -f webm -s 160x120 "
     "-max_muxing_queue_size 1024 -ab 64000 -ar 44100 -ac 2 -acodec libvorbis OUT",
     "tmh.webm", NULL, NULL},
    {"TimedMediaHandler h264",
     "-y -i IN -threads 1 -vcodec libx264 -profile:v baseline -preset slow -coder 0 -bf 0 "
     "-weightb 1 -level 13 -maxrate 768k -bufsize 3M -b 256k -f mp4 -s 160x120 "
     "-max_muxing_queue_size 1024 -ab 40000 -ar 44100 -ac 2 -acodec aac -strict experimental OUT",
     "tmh.mp4", NULL, NULL},
    {"TimedMediaHandler ogg",
     "-y -i MUS -vn -max_muxing_queue_size 1024 -aq 3 -ar 44100 -ac 2 -acodec libvorbis OUT",
     "tmh.ogg", NULL, NULL},
    {"TimedMediaHandler mp3",
     "-y -i MUS -vn -max_muxing_queue_size 1024 -ab 128000 -ar 44100 -ac 2 -acodec libmp3lame OUT",
     "tmh.mp3", NULL, NULL},
    {"TimedMediaHandler midi mp3",
     "-y -i WAV -ss 0 -ab 128000 -ar 44100 -ac 2 -acodec libmp3lame OUT", "tmh2.mp3", NULL, NULL},
    /* PHP-FFMpeg (used by Pixelfed, Lychee, AzuraCast), src/FFMpeg/Media/
     * Frame.php, Video.php with Format/Video/X264 in one pass, Gif.php and
     * Waveform.php (as remembered) */
    {"php-ffmpeg frame", "-y -ss 00:00:01.00 -i IN -vframes 1 -f image2 OUT", "phpf.jpg", NULL,
     NULL},
    {"php-ffmpeg x264",
     "-y -i IN -threads 12 -vcodec libx264 -acodec aac -b:v 1000k -refs 6 -coder 1 -sc_threshold "
     "40 -flags +loop -me_range 16 -subq 7 -i_qfactor 0.71 -qcomp 0.6 -qdiff 4 -trellis 1 -b:a "
     "128k -ac 2 OUT",
     "phpf.mp4", NULL, NULL},
    {"php-ffmpeg gif", "-ss 00:00:00.50 -i IN -vf scale=160:-1 -t 1 -gifflags +transdiff -y OUT",
     "phpf.gif", NULL, NULL},
    {"php-ffmpeg waveform",
     "-y -i MUS -filter_complex showwavespic=colors=#00FF00:s=640x120 -frames:v 1 OUT", "phpf.png",
     NULL, NULL},
    /* piwigo-videojs, admin/admin_photo.php poster (as remembered: a JPEG
     * written by the rawvideo muxer) */
    {"Piwigo poster", "-ss 1 -i IN -vcodec mjpeg -vframes 1 -an -f rawvideo -y OUT", "pw.jpg", NULL,
     NULL},
    /* Universal Media Server, encoders/FFMpegVideo.java and FFmpegAudio
     * (as remembered: MPEG-PS for DLNA renderers, LPCM big-endian) */
    {"UMS mpeg-ps",
     "-y -loglevel fatal -ss 0 -i IN -map 0:0 -map 0:1 -c:a ac3 -ab 640k -ac 2 -c:v mpeg2video "
     "-maxrate 90000k -bufsize 1835k -g 5 -q:v 1 -qmin 2 -qmax 3 -f vob pipe:",
     "ums.mpg", NULL, NULL},
    {"UMS lpcm", "-ss 0 -i MUS -ac 2 -f s16be -ar 48000 pipe:", "ums.pcm", NULL, NULL},
    /* Gerbera, config transcoding profile (as remembered) */
    {"Gerbera flac to mp3", "-y -i MUS -acodec libmp3lame -ab 192k -ar 44100 -ac 2 -f mp3 OUT",
     "gb.mp3", NULL, NULL},
    /* Kyoo, transcoder/src/stream.go (as remembered: segments at the
     * keyframe times it chose, the list on stdout) */
    {"Kyoo video segments",
     "-nostats -hide_banner -loglevel warning -ss 0 -i IN -map 0:V:0 -c:v libx264 -preset faster "
     "-vf scale=-2:120 -bufsize 8000k -b:v 400k -maxrate 480k -force_key_frames 0.5,1,1.5 -strict "
     "-2 -f segment -segment_time_delta 0.05 -segment_format mpegts -segment_times 0.5,1,1.5 "
     "-segment_list_type flat -segment_list pipe:1 -segment_start_number 0 OUT",
     "ky-%d.ts", NULL, NULL},
    {"Kyoo audio segments",
     "-nostats -hide_banner -loglevel warning -ss 0 -i IN -map 0:a:0 -c:a aac -ac 2 -b:a 128k -f "
     "segment -segment_time_delta 0.05 -segment_format mpegts -segment_times 1 -segment_list_type "
     "flat -segment_list pipe:1 -segment_start_number 0 OUT",
     "kya-%d.ts", NULL, NULL},
    /* Akkoma / Pleroma, lib/pleroma/helpers/media_helper.ex
     * (video_framegrab: a preview JPEG on stdout) */
    {"Akkoma framegrab", "-y -i IN -vframes 1 -f mjpeg -loglevel error -", "ak.jpg", NULL, NULL},
    /* Shotcut, src/proxymanager.cpp (as remembered: all-intra H.264
     * proxy, no autorotate) */
    {"Shotcut proxy",
     "-loglevel verbose -noautorotate -i IN -max_muxing_queue_size 9999 -an -filter_complex "
     "scale=width=-2:height=120,format=pix_fmts=yuv420p -f mp4 -codec:v libx264 -preset veryfast "
     "-g 1 -bf 0 -crf 23 -y OUT",
     "sh.mp4", NULL, NULL},
    {"Shotcut convert",
     "-loglevel verbose -i IN -max_muxing_queue_size 9999 -map 0:V? -map 0:a? -map_metadata 0 "
     "-ignore_unknown -vf scale=flags=accurate_rnd+full_chroma_inp+full_chroma_int:in_range=tv:"
     "out_range=tv,format=pix_fmts=yuv422p -color_range mpeg -f mov -codec:a alac -codec:v "
     "dnxhd -profile:v dnxhr_hq -y OUT",
     "sh.mov", NULL, NULL},
    /* Kdenlive, data/encodingprofiles.rc proxy profile (as remembered) */
    {"Kdenlive proxy",
     "-i IN -vf yadif,scale=-2:120 -vcodec libx264 -g 1 -bf 0 -vb 0 -crf 20 -preset veryfast "
     "-acodec aac -ab 128k -ar 48000 OUT",
     "kd.mkv", NULL, NULL},
    /* twitch-dl, twitchdl/commands/download.py (the joined parts copied
     * with tags; its -y comes after the output) */
    {"twitch-dl join",
     "-i TS -c copy -metadata artist=Channel -metadata title=Stream -metadata "
     "encoded_by=twitch-dl -stats -loglevel warning OUT -y",
     "tw.mp4", NULL, NULL},
    /* svtplay-dl, lib/svtplay_dl/postprocess/__init__.py (as remembered:
     * video and audio merged, the audio's language) */
    {"svtplay-dl merge",
     "-i VID -i AUD -map 0:0 -map 1:0 -c:v copy -c:a copy -metadata:s:a:0 language=swe -y OUT",
     "svt.mp4", NULL, NULL},
    {"svtplay-dl remux", "-i TS -c:v copy -c:a copy -map 0:v? -map 0:a? -y OUT", "svt2.mp4", NULL,
     NULL},
    /* Bazarr (its embedded-subtitles provider through fese, as
     * remembered: one track to SubRip) */
    {"Bazarr subtitle", "-v warning -nostdin -y -i SUB -map 0:s:0 -c:s srt OUT", "bz.srt", NULL,
     NULL},
    /* auto-editor, before 24 (ffwrapper, as remembered: the audio it
     * analyses) */
    {"auto-editor audio", "-hide_banner -y -i IN -map 0:a:0 -ac 2 -ar 48000 -rf64 always OUT",
     "ae.wav", NULL, NULL},
    /* Threadfin / xTeVe, default FFmpeg options (a tuner's stream copied) */
    {"Threadfin", "-hide_banner -loglevel error -i IN -c copy -f mpegts pipe:1", "tf.ts", NULL,
     NULL},
    /* BigBlueButton, record-and-playback (as remembered: the WebM of a
     * recording, any error rate accepted) */
    {"BigBlueButton webm",
     "-y -v warning -nostats -max_error_rate 1.0 -i IN -c:v libvpx -crf 34 -b:v 60M -threads 2 "
     "-deadline good -cpu-used 3 -c:a libopus -b:a 32K -f webm OUT",
     "bbb.webm", NULL, NULL},
    {"BigBlueButton audio",
     "-y -v warning -nostats -max_error_rate 1.0 -i WAV -c:a libvorbis -b:a 48K -f ogg OUT",
     "bbb.ogg", NULL, NULL},
    /* fluent-ffmpeg's screenshots() (Misskey's video thumbnails), as
     * remembered */
    {"fluent-ffmpeg screenshot",
     "-ss 0.1 -i IN -y -filter_complex \"scale=w=160:h=120[size0];[size0]split=1[screen0]\" -an "
     "-vframes 1 -map [screen0] OUT",
     "ff.png", NULL, NULL},
    /* N_m3u8DL-RE, Util/MergeUtil.cs (as remembered: the parts muxed) */
    {"N_m3u8DL-RE mux",
     "-loglevel warning -nostdin -y -dn -i VID -i AUD -map 0 -map 1 -c copy -disposition:a:0 "
     "default -metadata date=2024-01-01T00:00:00Z -metadata comment=source OUT",
     "nm.mp4", NULL, NULL},
    {"N_m3u8DL-RE concat",
     "-loglevel warning -nostdin -i concat:TS|TS -map 0 -c copy -bsf:a aac_adtstoasc -y OUT",
     "nm2.mp4", NULL, NULL},
    /* LibrePhotos, api/thumbnails.py (as remembered) */
    {"LibrePhotos thumb", "-i IN -ss 00:00:00.000 -vframes 1 OUT", "lp.jpg", NULL, NULL},
    /* The phone-video recipe of many Q&A answers and scripts: a copy made
     * upright (or turned) by the stream's "rotate" key, which ffmpeg 5.1
     * turns into the display matrix of a copied stream, never a tag */
    {"rotate 0 copy", "-i ROT -c copy -metadata:s:v:0 rotate=0 OUT", "rot0.mp4", NULL, NULL},
    {"rotate 0 copy mkv", "-i ROT -c copy -metadata:s:v:0 rotate=0 OUT", "rot0.mkv", NULL, NULL},
    {"rotate 270 copy mov", "-i IN -c copy -metadata:s:v rotate=270 OUT", "rot270.mov", NULL, NULL},
    {"rotate encoded", "-i ROT -c:v libx264 -preset ultrafast -metadata:s:v:0 rotate=0 OUT",
     "rotenc.mp4", NULL, NULL},
    /* -frames:v beside audio, behind filters that change the rate or
     * pick pictures (a preview clip, an I-frame strip): ffmpeg ends the
     * audio with the video's last frame, or runs it to its end when the
     * video has fewer frames (not programs' own lines) */
    {"frames:v after fps", "-i IN -vf fps=2 -frames:v 3 OUT", "fr2.mp4", NULL, NULL},
    {"frames:v after select", "-i IN -vf select=eq(pict_type\\,I) -frames:v 3 OUT", "frsel.mp4",
     NULL, NULL},
    /* Keeping the audio of one language by its tag (media-library
     * clean-up recipes; not a program's own line) */
    {"map by language", "-i IN -map 0:v -map 0:a:m:language:eng? -c copy OUT", "lang.mkv", NULL,
     NULL},
    {"map by language only", "-i IN -map 0:m:language:eng -c copy OUT", "lang2.mka", NULL, NULL},
    /* The FFmpeg documentation's metadata recipe (formats, "Metadata"),
     * used by scripts to read tags and chapters: a file with no stream */
    {"ffmetadata out", "-i IN -f ffmetadata OUT", "meta.txt", NULL, NULL},
    {"ffmetadata stdout", "-y -loglevel error -i MUS -f ffmetadata -", "meta2.txt", NULL, NULL},
};

#endif
