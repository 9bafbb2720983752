/* Real ffmpeg command lines from other programs, run with isopipe and (when installed) ffmpeg, and
 * compared: streams, sizes, durations, frame counts, metadata. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>

#include "cli_harness.h"
#include "media_gen.h"
#include "test_media.h"
#include "test_need.h"

/*
 * Each line is the program's own, with its input and output paths replaced
 * by IN (a 320x240 H.264 + AAC mp4 with a title, an artist, a creation time
 * and an audio language), TS (the same in MPEG-TS: Annex B H.264, ADTS AAC),
 * WAV (stereo PCM), VID (a 320x240 H.264 mp4 with no audio), AUD (a 5.1 AAC
 * m4a, 3 s), MUS (a tagged stereo FLAC, 2 s), SUB (the corpus' VP9 + Vorbis mkv
 * with six SubRip tracks; lines using it are skipped without the corpus) and
 * OUT (the output, whose name keeps the line's extension). A line ending in
 * "-", "pipe:" or "pipe:1" writes to stdout: isopipe's stdout is saved to
 * the file ffmpeg is told to write instead. A line either gives ffmpeg's result, or
 * isopipe refuses it naming the option in `refuse` (which may also work:
 * refusals are what isopipe does not do yet). `wrong` marks a known
 * difference, counted and reported as one.
 */
typedef struct cmd_line {
  const char *src;
  const char *args;
  const char *out;
  const char *refuse;
  const char *wrong;
} cmd_line;

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
     "pp.mp4", "-vf", NULL},
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

#include "cli_lines_fourth.h"
#include "cli_lines_other.h"
#include "cli_lines_third.h"

static char g_dir[512];
static char g_in[700], g_wav[700], g_ts[700], g_vid[700], g_aud[700], g_mus[700], g_sub[700];
static char g_song[700], g_list[700], g_cover[700], g_fonts[700];

static int setup(void **state) {
  (void)state;
  char gen[700];
  av_log_set_level(AV_LOG_ERROR); /* reading outputs back: only what is wrong */
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-lines") < 0) return -1;
  if (tm_gen_simple(gen, sizeof gen, g_dir, "gen.mp4", "libx264", "aac", 320, 240, 2.0, 2, 48000) <
      0)
    return -1;
  if (tm_gen_simple(g_wav, sizeof g_wav, g_dir, "in.wav", NULL, "pcm_s16le", 0, 0, 2.0, 2, 44100) <
      0)
    return -1;
  if (tm_gen_simple(g_vid, sizeof g_vid, g_dir, "vid.mp4", "libx264", NULL, 320, 240, 2.0, 0, 0) <
      0)
    return -1;
  if (tm_gen_simple(g_aud, sizeof g_aud, g_dir, "aud.m4a", NULL, "aac", 0, 0, 3.0, 6, 48000) < 0)
    return -1;
  char flac[700];
  if (tm_gen_simple(flac, sizeof flac, g_dir, "gen.flac", NULL, "flac", 0, 0, 2.0, 2, 44100) < 0)
    return -1;
  snprintf(g_mus, sizeof g_mus, "%s/mus.flac", g_dir);
  const char *mus_args[] = {"-v",          "error",     "-y",           "-i",         flac,
                            "-c",          "copy",      "-metadata",    "title=Song", "-metadata",
                            "artist=Band", "-metadata", "album=Record", g_mus,        NULL};
  ch_proc pm;
  int mrc = ch_run(&pm, mus_args, 60);
  ch_free(&pm);
  if (mrc != 0) return -1;
  /* SONG: MUS as an MP3 with a cover picture (made by isopipe itself). */
  char cover[700];
  snprintf(cover, sizeof cover, "%s/cover.png", g_dir);
  snprintf(g_song, sizeof g_song, "%s/song.mp3", g_dir);
  const char *cover_args[] = {
      "-v",        "error", "-y",  "-f", "lavfi", "-i", "color=c=red:s=200x200",
      "-frames:v", "1",     cover, NULL};
  const char *song_args[] = {
      "-v",           "error", "-y",  "-i",   g_mus,        "-i",   cover,   "-map",
      "0:a",          "-map",  "1:v", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v",
      "attached_pic", g_song,  NULL};
  mrc = ch_run(&pm, cover_args, 60);
  ch_free(&pm);
  if (mrc == 0) mrc = ch_run(&pm, song_args, 60);
  ch_free(&pm);
  if (mrc != 0) return -1;
  snprintf(g_cover, sizeof g_cover, "%s", cover);
  /* LIST: a concat list naming MUS twice. */
  snprintf(g_list, sizeof g_list, "%s/list.txt", g_dir);
  FILE *lf = fopen(g_list, "w");
  if (!lf) return -1;
  fprintf(lf, "file '%s'\nduration 2\nfile '%s'\nduration 2\n", g_mus, g_mus);
  fclose(lf);
  if (!tm_corpus_file("video/no_cluster_position.mkv", g_sub, sizeof g_sub)) g_sub[0] = 0;
  snprintf(g_in, sizeof g_in, "%s/in.mp4", g_dir);
  const char *args[] = {"-v",
                        "error",
                        "-y",
                        "-i",
                        gen,
                        "-c",
                        "copy",
                        "-metadata",
                        "title=Clip",
                        "-metadata",
                        "artist=Someone",
                        "-metadata",
                        "creation_time=2021-05-01T10:00:00Z",
                        "-metadata:s:a:0",
                        "language=eng",
                        g_in,
                        NULL};
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  ch_free(&p);
  if (rc != 0) return -1;
  snprintf(g_ts, sizeof g_ts, "%s/in.ts", g_dir);
  const char *ts_args[] = {"-v", "error", "-y", "-i", g_in, "-c", "copy", g_ts, NULL};
  rc = ch_run(&p, ts_args, 60);
  ch_free(&p);
  if (rc != 0) return -1;
  /* FONTS: IN as Matroska with a font attachment (a few bytes will do: the
   * muxer copies them whole). */
  char font[700];
  snprintf(font, sizeof font, "%s/f.ttf", g_dir);
  snprintf(g_fonts, sizeof g_fonts, "%s/fonts.mkv", g_dir);
  FILE *ff = fopen(font, "w");
  if (!ff) return -1;
  fputs("not really a font, but bytes to carry", ff);
  fclose(ff);
  const char *font_args[] = {"-v",
                             "error",
                             "-y",
                             "-i",
                             g_in,
                             "-c",
                             "copy",
                             "-attach",
                             font,
                             "-metadata:s:t",
                             "mimetype=application/x-truetype-font",
                             g_fonts,
                             NULL};
  rc = ch_run(&p, font_args, 60);
  ch_free(&p);
  return rc == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  tm_tmpdir_remove(g_dir);
  return 0;
}

static bool is_stdout(const char *t) {
  return !strcmp(t, "-") || !strcmp(t, "pipe:") || !strcmp(t, "pipe:1");
}

/* Splits the line into argv, IN / WAV / OUT... replaced. */
static int split(const cmd_line *l, const char *out, char *buf, size_t len, char (*paths)[800],
                 const char **argv, int max) {
  snprintf(buf, len, "%s", l->args);
  int n = 0, nfile = 0; /* paths[] used by "file:" names */
  char *save = NULL;
  for (char *t = strtok_r(buf, " ", &save); t && n < max - 1; t = strtok_r(NULL, " ", &save)) {
    /* "a b c" is one word, as the shell gives it (filter graphs with spaces). */
    if (*t == '"') {
      char *end;
      while ((end = t + strlen(t)) > t + 1 && end[-1] != '"' && save && *save) {
        *end = ' ';
        strtok_r(NULL, " ", &save);
      }
      t++;
      if (*t && t[strlen(t) - 1] == '"') t[strlen(t) - 1] = 0;
    }
    const char *rep = !strcmp(t, "IN") || !strcmp(t, "file:IN")     ? g_in
                      : !strcmp(t, "WAV")                           ? g_wav
                      : !strcmp(t, "TS") || !strcmp(t, "file:TS")   ? g_ts
                      : !strcmp(t, "VID") || !strcmp(t, "file:VID") ? g_vid
                      : !strcmp(t, "AUD") || !strcmp(t, "file:AUD") ? g_aud
                      : !strcmp(t, "MUS")                           ? g_mus
                      : !strcmp(t, "SUB")                           ? g_sub
                      : !strcmp(t, "SONG")                          ? g_song
                      : !strcmp(t, "LIST")                          ? g_list
                      : !strcmp(t, "FONTS")                         ? g_fonts
                      : !strcmp(t, "file:COVER")                    ? g_cover
                      : !strcmp(t, "OUT") || !strcmp(t, "file:OUT") ? out
                                                                    : NULL;
    if (rep && !strncmp(t, "file:", 5) && nfile < 8) {
      snprintf(paths[nfile], sizeof paths[0], "file:%s", rep);
      rep = paths[nfile++];
    }
    argv[n++] = rep ? rep : t;
  }
  argv[n] = NULL;
  return n;
}

/* The first output file: OUT itself, or the first of an image pattern; the
 * number of files written in *count. */
static const char *first_output(const char *out, char *buf, size_t len, int *count) {
  *count = 0;
  if (!strchr(out, '%')) {
    *count = tm_file_exists(out);
    return out;
  }
  char dir[700];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  *slash = 0;
  const char *base = slash + 1;
  size_t plen = strcspn(base, "%");
  DIR *d = opendir(dir);
  if (!d) return NULL;
  buf[0] = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, base, plen) && strcmp(e->d_name, base)) {
      (*count)++;
      char cand[1200];
      snprintf(cand, sizeof cand, "%s/%s", dir, e->d_name);
      if (!buf[0] || strcmp(cand, buf) < 0) snprintf(buf, len, "%s", cand);
    }
  closedir(d);
  return buf[0] ? buf : NULL;
}

/* Global, per-stream (by index) and chapter metadata as sorted text lines,
 * without the duration tags muxers write from the length. */
static void meta_text(const char *path, char *out, size_t len) {
  out[0] = 0;
  AVFormatContext *ic = NULL;
  if (avformat_open_input(&ic, path, NULL, NULL) < 0) return;
  size_t n = 0;
  const AVDictionaryEntry *e = NULL;
  for (int s = -1; s < (int)ic->nb_streams; s++) {
    const AVDictionary *m = s < 0 ? ic->metadata : ic->streams[s]->metadata;
    while ((e = av_dict_get(m, "", e, AV_DICT_IGNORE_SUFFIX)))
      if (av_strcasecmp(e->key, "duration") && n < len)
        n += (size_t)snprintf(out + n, len - n, "%d:%s=%s\n", s, e->key, e->value);
  }
  for (unsigned c = 0; c < ic->nb_chapters && n < len; c++)
    n += (size_t)snprintf(out + n, len - n, "chapter %u\n", c);
  avformat_close_input(&ic);
}

/* An HLS playlist's segment count and its first segment's path (a live one,
 * without an end tag, would have the demuxer wait for more). */
static int m3u8_first(const char *path, char *seg, size_t n) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[1024];
  int count = 0;
  seg[0] = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!strncmp(line, "#EXTINF", 7)) count++;
    if (line[0] && line[0] != '#' && !seg[0]) {
      const char *slash = strrchr(path, '/');
      if (line[0] == '/' || !slash)
        snprintf(seg, n, "%s", line);
      else
        snprintf(seg, n, "%.*s/%s", (int)(slash - path), path, line);
    }
  }
  fclose(f);
  return count;
}

/* Same streams, sizes within a quarter (and 4 KiB), durations within 0.1 s
 * (or 5 %), frame counts within 1, the same metadata. */
static bool same_result(const char *a, int na, const char *b, int nb, char *why, size_t wn) {
  if (na != nb) return snprintf(why, wn, "%d files, ffmpeg %d", na, nb), false;
  size_t la = strlen(a);
  if (la > 5 && !strcmp(a + la - 5, ".m3u8")) {
    char sa[1200], sb[1200];
    int ca = m3u8_first(a, sa, sizeof sa), cb = m3u8_first(b, sb, sizeof sb);
    if (ca != cb || ca < 1)
      return snprintf(why, wn, "%d segments in the playlist, ffmpeg %d", ca, cb), false;
    return same_result(sa, 1, sb, 1, why, wn);
  }
  tm_probe pa, pb;
  int ra = tm_probe_file(a, true, &pa), rb = tm_probe_file(b, true, &pb);
  if (ra < 0 && rb < 0) /* raw outputs (-f rawvideo): the bytes must be as many */
    return tm_file_size(a) == tm_file_size(b) && tm_file_size(a) > 0
               ? true
               : (snprintf(why, wn, "raw output: %lld bytes, ffmpeg %lld",
                           (long long)tm_file_size(a), (long long)tm_file_size(b)),
                  false);
  if (ra < 0 || rb < 0) return snprintf(why, wn, "cannot read the outputs"), false;
  if (pa.nb_streams != pb.nb_streams)
    return snprintf(why, wn, "%d streams, ffmpeg %d", pa.nb_streams, pb.nb_streams), false;
  for (int i = 0; i < pa.nb_streams; i++) {
    const tm_stream *x = &pa.st[i], *y = &pb.st[i];
    if (x->type != y->type || strcmp(x->codec, y->codec))
      return snprintf(why, wn, "stream %d is %s, ffmpeg %s", i, x->codec, y->codec), false;
    if (x->width != y->width || x->height != y->height || x->sample_rate != y->sample_rate ||
        x->channels != y->channels)
      return snprintf(why, wn, "stream %d: %dx%d %d Hz %d ch, ffmpeg %dx%d %d Hz %d ch", i,
                      x->width, x->height, x->sample_rate, x->channels, y->width, y->height,
                      y->sample_rate, y->channels),
             false;
    if (x->type == AVMEDIA_TYPE_VIDEO && llabs(x->frames - y->frames) > 1)
      return snprintf(why, wn, "stream %d: %lld frames, ffmpeg %lld", i, (long long)x->frames,
                      (long long)y->frames),
             false;
  }
  double dt = fabs(pa.duration - pb.duration);
  if (dt > 0.1 && dt > 0.05 * pb.duration)
    return snprintf(why, wn, "duration %.3f s, ffmpeg %.3f s", pa.duration, pb.duration), false;
  int64_t ds = llabs(pa.size - pb.size);
  if (ds > 4096 && ds * 4 > pb.size)
    return snprintf(why, wn, "%lld bytes, ffmpeg %lld", (long long)pa.size, (long long)pb.size),
           false;
  char ma[4096], mb[4096];
  meta_text(a, ma, sizeof ma);
  meta_text(b, mb, sizeof mb);
  if (strcmp(ma, mb)) return snprintf(why, wn, "metadata:\n%s-- ffmpeg:\n%s", ma, mb), false;
  return true;
}

/* ffmpeg writing into a pipe (as the programs read it), its bytes saved to
 * path: a muxer writes to a pipe what it can without seeking back. */
static int ffmpeg_piped(const char *const *args, const char *path) {
  char fd_path[64];
  int fds[2];
  if (pipe(fds) < 0) return -1;
  pid_t cat = fork();
  if (cat == 0) { /* the reader: copies the pipe into path */
    close(fds[1]);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char b[65536];
    ssize_t r;
    while (out >= 0 && (r = read(fds[0], b, sizeof b)) > 0)
      if (write(out, b, (size_t)r) != r) break;
    _exit(0);
  }
  close(fds[0]);
  snprintf(fd_path, sizeof fd_path, "/dev/fd/%d", fds[1]);
  int rc = tm_run_ffmpeg_to(args, fd_path);
  close(fds[1]);
  int st;
  waitpid(cat, &st, 0);
  return rc;
}

/* Writes what isopipe gave on stdout to path. */
static void save_stdout(const ch_proc *p, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  if (p->out.len) fwrite(p->out.data, 1, p->out.len, f);
  fclose(f);
}

static void run_table(const cmd_line *tab, int n, const char *tag, const char *what) {
  char ffmpeg[600];
  bool have_ffmpeg = tm_have_program("ffmpeg", ffmpeg, sizeof ffmpeg);
  int same = 0, refused = 0, wrong = 0, known = 0, skipped = 0;
  int unchecked = 0;
  for (int i = 0; i < n; i++) {
    const cmd_line *l = &tab[i];
    char iout[700], fout[700], buf[2048], buf2[2048], why[9000] = "";
    if (!g_sub[0] && strstr(l->args, "SUB")) {
      skipped++;
      continue;
    }
    snprintf(iout, sizeof iout, "%s/%si%02d_%s", g_dir, tag, i, l->out);
    snprintf(fout, sizeof fout, "%s/%sf%02d_%s", g_dir, tag, i, l->out);
    const char *argv[CH_MAX_ARGS], *fargv[CH_MAX_ARGS];
    static char ipaths[8][800], fpaths[8][800];
    int na = split(l, iout, buf, sizeof buf, ipaths, argv, CH_MAX_ARGS);
    split(l, fout, buf2, sizeof buf2, fpaths, fargv, CH_MAX_ARGS);
    /* A line writing to stdout: both programs write into a pipe, saved. */
    bool piped = na > 0 && is_stdout(argv[na - 1]);
    ch_proc p;
    int rc = ch_run(&p, argv, 120);
    if (rc == 0 && piped) save_stdout(&p, iout);
    bool ok = false, is_refusal = false;
    if (rc != 0) {
      /* The option as typed, as a word of the message. */
      const char *hit = l->refuse ? strstr(ch_str(&p.err), l->refuse) : NULL;
      is_refusal = rc == 2 && hit && hit > ch_str(&p.err) && strchr("' ", hit[-1]) &&
                   strchr("': ", hit[strlen(l->refuse)]);
      snprintf(why, sizeof why, "exit %d: %s", rc, ch_str(&p.err));
    }
    int ni = 0, nf = 0;
    char fi[1200], ff[1200];
    const char *ia = rc == 0 ? first_output(iout, fi, sizeof fi, &ni) : NULL;
    if (rc == 0 && have_ffmpeg) {
      int frc = piped ? ffmpeg_piped(fargv, fout) : tm_run_ffmpeg(fargv);
      const char *fa = first_output(fout, ff, sizeof ff, &nf);
      if (frc != 0 || !fa)
        snprintf(why, sizeof why, "ffmpeg failed (%d) where isopipe did not", frc);
      else
        ok = ia && same_result(ia, ni, fa, nf, why, sizeof why);
    } else if (rc == 0) {
      tm_probe pr;
      ok = ia && tm_probe_file(ia, true, &pr) == 0 && pr.nb_streams > 0 && !pr.decode_errors;
      unchecked += ok;
      if (!ok) snprintf(why, sizeof why, "output unreadable");
    }
    ch_free(&p);
    if (ok) {
      same++;
      if (l->wrong) printf("now right (drop its 'wrong' mark): %s\n", l->src);
    } else if (is_refusal) {
      refused++;
      printf("refused as expected, naming %s: %s\n", l->refuse, l->src);
    } else if (l->wrong) {
      known++;
      printf("known difference: %s: %s\n", l->src, l->wrong);
    } else {
      wrong++;
      printf("WRONG: %s: %s\n  %s\n", l->src, l->args, why);
    }
  }
  printf("%s: %d; ffmpeg's result: %d%s; refused naming the option: %d; "
         "wrong: %d (%d known); skipped (no corpus): %d\n",
         what, n, same, have_ffmpeg ? "" : " (no ffmpeg: outputs only read back)", refused,
         wrong + known, known, skipped);
  (void)unchecked;
  assert_int_equal(wrong, 0);
}

static void test_real_lines(void **state) {
  (void)state;
  run_table(lines, (int)(sizeof lines / sizeof lines[0]), "", "real command lines");
}

static void test_other_programs(void **state) {
  (void)state;
  run_table(other_lines, (int)(sizeof other_lines / sizeof other_lines[0]), "o",
            "command lines of other programs");
}

static void test_third_table(void **state) {
  (void)state;
  run_table(third_lines, (int)(sizeof third_lines / sizeof third_lines[0]), "t",
            "command lines of scripts and programs in neither table");
}

static void test_fourth_table(void **state) {
  (void)state;
  run_table(fourth_lines, (int)(sizeof fourth_lines / sizeof fourth_lines[0]), "f",
            "command lines of programs in none of the other tables");
}

/* argv[1], when given, names the tables to run ("1", "23"): ctest runs
 * them as two tests side by side. */
int main(int argc, char **argv) {
  const struct CMUnitTest all[] = {
      cmocka_unit_test(test_real_lines), cmocka_unit_test(test_other_programs),
      cmocka_unit_test(test_third_table), cmocka_unit_test(test_fourth_table)};
  struct CMUnitTest tests[4];
  size_t n = 0;
  for (size_t i = 0; i < 4; i++)
    if (argc < 2 || strchr(argv[1], (int)('1' + i))) tests[n++] = all[i];
  return _cmocka_run_group_tests("test_cli_lines", tests, n, setup, teardown);
}
