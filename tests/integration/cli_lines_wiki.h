/* The wiki table of test_cli_lines.c: recipes of the FFmpeg wiki (trac.ffmpeg.org/wiki) and the
 * most copied Q&A answers that use the same options, as a user pastes them. */
#ifndef ISOPIPE_CLI_LINES_WIKI_H
#define ISOPIPE_CLI_LINES_WIKI_H

/* Placeholders as in the fifth table. Capture devices and network outputs
 * are replaced by files and lavfi sources; durations and sizes shortened to
 * suit the 2 s inputs. COVER (a 200x200 PNG) stands for the wiki's
 * input.jpg, VLIST for its mylist.txt, FRAMES for its img%03d.png. */
static const cmd_line wiki_lines[] = {
    /* Scaling */
    {"wiki scaling avi", "-i IN -vf scale=320:240 OUT", "sc.avi", NULL, NULL},
    {"wiki scaling keep aspect", "-i COVER -vf scale=320:-1 OUT", "sc_320.png", NULL, NULL},
    {"wiki scaling fit",
     "-i COVER -vf \"scale='if(gt(a,320/240),320,-1)':'if(gt(a,320/240),-1,240)'\" OUT",
     "sc_fit.png", NULL, NULL},
    {"wiki scaling fit pad",
     "-i IN -vf "
     "scale=w=640:h=360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2 "
     "OUT",
     "sc_pad.mp4", NULL, NULL},
    /* Encode/H.264 */
    {"wiki h264 compat", "-i IN -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p OUT",
     "h_bl.mp4", NULL, NULL},
    /* Encode/H.265 */
    {"so h265 hvc1", "-i IN -c:v libx265 -crf 28 -c:a aac -b:a 128k -tag:v hvc1 OUT", "h5t.mp4",
     NULL, NULL},
    /* Encode/VP9 */
    {"wiki vp9 abr", "-i IN -c:v libvpx-vp9 -b:v 2M OUT", "v9.webm", NULL, NULL},
    /* Encode/MPEG-4 */
    {"wiki mpeg4 xvid", "-i IN -c:v mpeg4 -vtag xvid -qscale:v 3 -c:a libmp3lame -qscale:a 4 OUT",
     "xvid.avi", NULL, NULL},
    /* Limiting the output bitrate, Encode/YouTube, Encoding for streaming sites */
    {"wiki bitrate crf capped", "-i IN -c:v libx264 -crf 23 -maxrate 1M -bufsize 2M OUT", "lbc.mp4",
     NULL, NULL},
    {"wiki youtube", "-i IN -c:v libx264 -preset slow -crf 18 -c:a copy -pix_fmt yuv420p OUT",
     "yt.mkv", NULL, NULL},
    {"wiki streaming flv",
     "-re -i IN -c:v libx264 -preset veryfast -maxrate 3000k -bufsize 6000k -pix_fmt yuv420p -g "
     "50 -c:a aac -b:a 160k -ac 2 -ar 44100 -f flv OUT",
     "st.flv", NULL, NULL},
    /* Concatenate (the demuxer) */
    {"wiki concat demuxer", "-f concat -safe 0 -i VLIST -c copy OUT", "cd.mp4", NULL, NULL},
    /* Create a thumbnail image every X seconds; Q&A thumbnail recipes */
    {"wiki thumbs every minute", "-i IN -vf fps=1/2 OUT", "img%03d.jpg", NULL, NULL},
    {"wiki thumbs keyframes", "-i IN -vf \"select='eq(pict_type,PICT_TYPE_I)'\" -vsync vfr OUT",
     "kf%03d.png", NULL, NULL},
    {"so tile montage", "-i IN -vf fps=5,scale=160:-1,tile=3x3 -frames:v 1 OUT", "tile.png", NULL,
     NULL},
    /* Slideshow */
    {"wiki slideshow", "-framerate 1 -i FRAMES -c:v libx264 -r 30 -pix_fmt yuv420p OUT", "ss.mp4",
     NULL, NULL},
    {"wiki single image",
     "-loop 1 -i COVER -c:v libx264 -t 2 -pix_fmt yuv420p -vf scale=320:240 OUT", "si.mp4", NULL,
     NULL},
    {"wiki image and audio",
     "-loop 1 -i COVER -i WAV -c:v libx264 -tune stillimage -c:a aac -b:a 192k -pix_fmt yuv420p "
     "-shortest OUT",
     "ia.mp4", NULL, NULL},
    /* Encode/YouTube, "Using a static image" (two pictures a second: the
     * picture runs on the encoder's delay, 25 s, past the 2 s song) */
    {"wiki youtube static image",
     "-loop 1 -framerate 2 -i COVER -i WAV -c:v libx264 -preset medium -tune stillimage -crf 18 "
     "-c:a aac -shortest -pix_fmt yuv420p OUT",
     "still.mkv", NULL, NULL},
    /* Map; Q&A remove / replace / extract audio */
    {"wiki map remove audio", "-i IN -map 0 -map -0:a -c copy OUT", "na.mkv", NULL, NULL},
    {"so replace audio", "-i VID -i WAV -c:v copy -c:a aac -map 0:v:0 -map 1:a:0 -shortest OUT",
     "ra.mp4", NULL, NULL},
    {"so extract aac", "-i IN -vn -acodec copy OUT", "ex.aac", NULL, NULL},
    {"so extract mp3", "-i IN -q:a 0 -map a OUT", "ex.mp3", NULL, NULL},
    /* How to speed up / slow down a video */
    {"wiki speed video", "-i IN -filter:v \"setpts=0.5*PTS\" OUT", "fast.mkv", NULL, NULL},
    {"wiki speed audio chain", "-i IN -filter:a \"atempo=2.0,atempo=2.0\" -vn OUT", "fasta4.mkv",
     NULL, NULL},
    {"wiki speed both",
     "-i IN -filter_complex \"[0:v]setpts=0.5*PTS[v];[0:a]atempo=2.0[a]\" -map \"[v]\" -map "
     "\"[a]\" OUT",
     "fastb.mp4", NULL, NULL},
    /* Audio Channel Manipulation */
    {"wiki stereo to mono", "-i MUS -ac 1 OUT", "mono.flac", NULL, NULL},
    {"wiki map_channel", "-i WAV -map_channel 0.0.0 OUT -map_channel 0.0.1 SEG_right.wav",
     "left.wav", NULL, NULL},
    {"wiki pan split",
     "-i WAV -filter_complex \"[0:0]pan=1c|c0=c0[left];[0:0]pan=1c|c0=c1[right]\" -map \"[left]\" "
     "OUT -map \"[right]\" SEG_right.wav",
     "pleft.wav", NULL, NULL},
    {"wiki channelsplit", "-i MUS -filter_complex channelsplit=channel_layout=stereo OUT", "cs.mka",
     NULL, NULL},
    {"wiki mono to stereo", "-f lavfi -i sine=frequency=440:duration=2 -ac 2 OUT", "m2s.m4a", NULL,
     NULL},
    {"wiki amerge self",
     "-i MUS -filter_complex \"[0:a][0:a]amerge=inputs=2[aout]\" -map "
     "\"[aout]\" OUT",
     "am.m4a", NULL, NULL},
    {"wiki 5.1 downmix",
     "-i AUD -af \"pan=stereo|FL=FC+0.30*FL+0.30*BL|FR=FC+0.30*FR+0.30*BR\" OUT", "dm.wav", NULL,
     NULL},
    {"wiki switch channels", "-i MUS -af \"pan=stereo|c0=c1|c1=c0\" OUT", "sw.wav", NULL, NULL},
    /* Audio Volume Manipulation */
    {"wiki volume half", "-i WAV -filter:a \"volume=0.5\" OUT", "vh.wav", NULL, NULL},
    {"so loudnorm", "-i WAV -af loudnorm=I=-16:TP=-1.5:LRA=11 -ar 48k OUT", "ln.wav", NULL, NULL},
    /* Waveform */
    {"wiki showwavespic", "-i WAV -filter_complex \"showwavespic=s=640x120\" -frames:v 1 OUT",
     "wave.png", NULL, NULL},
    {"wiki showwaves video",
     "-i WAV -filter_complex \"[0:a]showwaves=s=640x240:mode=line,format=yuv420p[v]\" -map "
     "\"[v]\" -map 0:a -c:v libx264 -c:a copy OUT",
     "waves.mkv", NULL, NULL},
    /* FancyFilteringExamples, Q&A filters */
    {"so mirror",
     "-i IN -vf \"crop=iw/2:ih:0:0,split[left][tmp];[tmp]hflip[right];[left][right]hstack\" OUT",
     "mir.mp4", NULL, NULL},
    {"so watermark",
     "-i IN -i COVER -filter_complex \"overlay=main_w-overlay_w-10:main_h-overlay_h-10\" OUT",
     "wm.mp4", NULL, NULL},
    {"so picture in picture",
     "-i IN -i VID -filter_complex \"[1]scale=iw/4:ih/4[pip];[0][pip]overlay=main_w-overlay_w-10:"
     "main_h-overlay_h-10\" OUT",
     "pip.mp4", NULL, NULL},
    {"so fade", "-i IN -vf \"fade=t=in:st=0:d=0.5,fade=t=out:st=1.5:d=0.5\" -c:a copy OUT",
     "fade.mp4", NULL, NULL},
    {"wiki xfade",
     "-i IN -i VID -filter_complex "
     "\"[0][1]xfade=transition=fade:duration=1:offset=1,format=yuv420p\" "
     "OUT",
     "xf.mp4", NULL, NULL},
    {"wiki trim filters",
     "-i IN -vf trim=0.5:1.5,setpts=PTS-STARTPTS -af atrim=0.5:1.5,asetpts=PTS-STARTPTS OUT",
     "trim.mp4", NULL, NULL},
    /* Creating multiple outputs */
    {"wiki split outputs",
     "-i IN -filter_complex \"[0:v]split=2[s0][s1];[s0]scale=320:240[o0];[s1]scale=160:120[o1]\" "
     "-map \"[o0]\" -map 0:a OUT -map \"[o1]\" -map 0:a SEG_small.mp4",
     "so.mp4", NULL, NULL},
    /* Interlacing, Chroma subsampling, Colorspace */
    {"wiki yadif", "-i IN -vf yadif -c:a copy OUT", "ya.mp4", NULL, NULL},
    {"wiki chroma 444", "-i IN -c:v libx264 -pix_fmt yuv444p OUT", "c444.mp4", NULL, NULL},
    {"wiki color tags",
     "-i IN -vf scale=out_color_matrix=bt709 -color_primaries bt709 -color_trc bt709 -colorspace "
     "bt709 OUT",
     "ct.mp4", NULL, NULL},
    /* Metadata, subtitles (Q&A) */
    {"so set title", "-i IN -metadata \"title=My Title\" -c copy OUT", "st.mp4", NULL, NULL},
    {"so extract subtitles", "-i SUB -map 0:s:0 OUT", "subs.srt", NULL, NULL},
    /* A test source (FancyFilteringExamples) */
    {"wiki testsrc", "-f lavfi -i testsrc=duration=2:size=320x240:rate=30 OUT", "ts.mp4", NULL,
     NULL},
};

#endif
