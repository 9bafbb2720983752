/* The eleventh table of test_cli_lines.c: ffmpeg command lines of programs in none of the other
 * tables (a YouTube livestream archiver, a music manager's FLAC converter and a subtitle
 * generator's audio extraction), each with its source. */
#ifndef ISOPIPE_CLI_LINES_ELEVENTH_H
#define ISOPIPE_CLI_LINES_ELEVENTH_H

/* Placeholders as in the other tables. Each line was read in the file
 * named; a program's downloaded fragments and pipes are replaced by the
 * inputs of the same kind (its audio by AUD, its video by VID, its thumbnail
 * by COVER, its stdin by IN), its tags by short ones. */
static const cmd_line eleventh_lines[] = {
    /* ytarchive, util.go: GetFFmpegArgs, the final mux of the audio and
     * video fragments into MP4 (with --add-metadata, its keys upper-cased;
     * with --thumbnail), into Matroska (--mkv --thumbnail), and the audio
     * alone into M4A (with and without --thumbnail) */
    {"ytarchive mux with metadata",
     "-hide_banner -nostdin -loglevel fatal -stats -i AUD -i VID -movflags faststart -c copy "
     "-metadata TITLE=Stream -metadata ARTIST=Channel -metadata DATE=20240501 OUT",
     "yam.mp4", NULL, NULL},
    {"ytarchive mux with thumbnail",
     "-hide_banner -nostdin -loglevel fatal -stats -i COVER -i AUD -i VID -movflags faststart "
     "-map 0 -map 1 -map 2 -c copy -disposition:v:0 attached_pic OUT",
     "yat.mp4", NULL, NULL},
    {"ytarchive mkv with thumbnail",
     "-hide_banner -nostdin -loglevel fatal -stats -i AUD -i VID -c copy -attach COVER "
     "-metadata:s:t filename=cover_land.jpg -metadata:s:t mimetype=image/jpeg OUT",
     "yak.mkv", NULL, NULL},
    {"ytarchive audio only", "-hide_banner -nostdin -loglevel fatal -stats -i AUD -c copy OUT",
     "yaa.m4a", NULL, NULL},
    {"ytarchive audio with thumbnail",
     "-hide_banner -nostdin -loglevel fatal -stats -i COVER -i AUD -c copy -disposition:v:0 "
     "attached_pic OUT",
     "yac.m4a", NULL, NULL},
    /* lidarr-flac2mp3, root/usr/local/bin/flac2mp3.sh: set_ffmpeg_parameters
     * and process_tracks (its default 320k, -v 0's VBR quality, a genre
     * rewritten from the tags), and flac2alac.sh's advanced options */
    {"lidarr-flac2mp3 default",
     "-loglevel error -nostdin -i MUS -c:v copy -map 0 -y -acodec libmp3lame -b:a 320k "
     "-write_id3v1 1 -id3v2_version 3 -metadata genre=Rock OUT",
     "l2m.mp3", NULL, NULL},
    {"lidarr-flac2mp3 VBR",
     "-loglevel error -nostdin -i MUS -c:v copy -map 0 -y -acodec libmp3lame -q:a 0 "
     "-write_id3v1 1 -id3v2_version 3 OUT",
     "l2v.mp3", NULL, NULL},
    {"lidarr-flac2mp3 to ALAC", "-loglevel error -nostdin -i MUS -vn -c:a alac OUT", "l2a.m4a",
     NULL, NULL},
    /* subgen, subgen.py: extract_audio_track_to_memory (ffmpeg-python puts
     * the output's keywords in name order) and extract_audio_segment_to_memory
     * (its stdin input) */
    {"subgen audio track", "-i IN -ac 1 -ar 16000 -f wav -loglevel quiet -map 0:1 pipe:", "sgt.wav",
     NULL, NULL},
    {"subgen audio segment", "-ss 0.5 -t 1 -i IN -acodec pcm_s16le -ar 16000 -f wav pipe:1",
     "sgs.wav", NULL, NULL},
};

#endif
