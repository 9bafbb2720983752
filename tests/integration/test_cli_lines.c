/* Real ffmpeg command lines from other programs, run with isopipe and (when installed) ffmpeg, and
 * compared: streams, sizes, durations, frame counts, metadata. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include "cli_harness.h"
#include "cli_lines_result.h"
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
 * "-", "pipe:" or "pipe:1" writes to stdout: each program's stdout is saved
 * to its own file. A line either gives ffmpeg's result, or
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

#include "cli_lines_eighth.h"
#include "cli_lines_eleventh.h"
#include "cli_lines_fifth.h"
#include "cli_lines_first.h"
#include "cli_lines_fourth.h"
#include "cli_lines_ninth.h"
#include "cli_lines_other.h"
#include "cli_lines_seventh.h"
#include "cli_lines_sixth.h"
#include "cli_lines_tenth.h"
#include "cli_lines_third.h"
#include "cli_lines_wiki.h"

static char g_dir[512];    /* the outputs */
static char g_inputs[512]; /* the inputs: g_dir, or a directory the tables share */
static char g_in[700], g_wav[700], g_ts[700], g_vid[700], g_aud[700], g_mus[700], g_sub[700];
static char g_song[700], g_list[700], g_cover[700], g_fonts[700];
static char g_rot[700], g_chaps[700], g_cuts[700];
static char g_raw[700], g_pcm[700], g_f32[700], g_vlist[700], g_imglist[700], g_jpegs[700],
    g_frames[700], g_concat[1500];

/* The inputs' names in g_inputs. */
static void name_inputs(void) {
  const struct {
    char *path;
    const char *name;
  } n[] = {{g_in, "in.mp4"},
           {g_ts, "in.ts"},
           {g_wav, "in.wav"},
           {g_vid, "vid.mp4"},
           {g_aud, "aud.m4a"},
           {g_mus, "mus.flac"},
           {g_song, "song.mp3"},
           {g_cover, "cover.png"},
           {g_list, "list.txt"},
           {g_fonts, "fonts.mkv"},
           {g_raw, "raw.rgb"},
           {g_pcm, "pcm.raw"},
           {g_f32, "f32.raw"},
           {g_vlist, "vlist.txt"},
           {g_imglist, "frames/frames.ffconcat"},
           {g_jpegs, "frames.mjpeg"},
           {g_frames, "frames/%05d-capture.jpg"},
           {g_rot, "rot.mp4"},
           {g_chaps, "chaps.txt"},
           {g_cuts, "cuts.txt"}};
  for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
    snprintf(n[i].path, 700, "%s/%s", g_inputs, n[i].name);
  snprintf(g_concat, sizeof g_concat, "concat:%s|%s", g_ts, g_ts);
}

/* Runs isopipe on args (NULL-terminated); 0 when it succeeded. */
static int make(const char **args) {
  ch_proc p;
  int rc = ch_run(&p, args, 60);
  ch_free(&p);
  return rc;
}

/* The inputs of the fifth table: raw frames, frame files and lists of them. */
static int setup_fifth(void) {
  const char *raw_args[] = {
      "-v",        "error", "-y",       "-f",    "lavfi", "-i",       "testsrc=s=320x240:r=10",
      "-frames:v", "20",    "-pix_fmt", "rgb24", "-f",    "rawvideo", g_raw,
      NULL};
  char fdir[600];
  snprintf(fdir, sizeof fdir, "%s/frames", g_inputs);
  if (mkdir(fdir, 0755) < 0) return -1;
  const char *jpg_args[] = {
      "-v",        "error", "-y",     "-f", "lavfi", "-i", "testsrc=s=320x240:r=10",
      "-frames:v", "10",    g_frames, NULL};
  const char *pcm_args[] = {"-v", "error", "-y", "-i", g_wav, "-f", "s16le", g_pcm, NULL};
  const char *f32_args[] = {"-v", "error", "-y", "-i", g_wav, "-f", "f32le", g_f32, NULL};
  if (make(raw_args) != 0 || make(jpg_args) != 0 || make(pcm_args) != 0 || make(f32_args) != 0)
    return -1;
  /* VLIST names IN by a relative name (the concat demuxer's safe mode
   * refuses absolute ones), IMGLIST the frames with their durations. */
  FILE *vl = fopen(g_vlist, "w"), *il = fopen(g_imglist, "w"), *jp = fopen(g_jpegs, "wb");
  if (vl) fputs("file 'in.mp4'\nfile 'in.mp4'\n", vl);
  if (il) fputs("ffconcat version 1.0\n", il);
  for (int i = 1; i <= 10 && il && jp; i++) {
    char name[800];
    fprintf(il, "file '%05d-capture.jpg'\nduration 0.1\n", i);
    snprintf(name, sizeof name, "%s/%05d-capture.jpg", fdir, i);
    /* Modified 100 ms apart from the epoch, as gallery-dl dates an
     * animation's frames for image2's -ts_from_file. */
    struct timespec ts[2] = {{(i - 1) / 10, (long)((i - 1) % 10) * 100000000L},
                             {(i - 1) / 10, (long)((i - 1) % 10) * 100000000L}};
    utimensat(AT_FDCWD, name, ts, 0);
    FILE *f = fopen(name, "rb");
    char b[65536];
    size_t r;
    while (f && (r = fread(b, 1, sizeof b, f)) > 0)
      fwrite(b, 1, r, jp);
    if (f) fclose(f);
  }
  int ok = vl && il && jp;
  if (vl) fclose(vl);
  if (il) fclose(il);
  if (jp) fclose(jp);
  /* ROT: IN turned a quarter by its display matrix, as phones write it. */
  const char *rot_args[] = {"-v",   "error",         "-y",        "-i",  g_in, "-c",
                            "copy", "-metadata:s:v", "rotate=90", g_rot, NULL};
  if (make(rot_args) != 0) return -1;
  /* CHAPS: two chapters as ffmetadata; CUTS: IN's 0-0.6 s and 1.2 s-end
   * joined, as a cut of sponsored parts lists them. */
  FILE *cf = fopen(g_chaps, "w"), *cu = fopen(g_cuts, "w");
  if (cf)
    fputs(";FFMETADATA1\ntitle=Video\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=Intro\n"
          "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=Main\n",
          cf);
  if (cu)
    fputs("ffconcat version 1.0\nfile 'in.mp4'\ninpoint 0\noutpoint 0.6\nfile 'in.mp4'\n"
          "inpoint 1.2\n",
          cu);
  ok = ok && cf && cu;
  if (cf) fclose(cf);
  if (cu) fclose(cu);
  return ok ? 0 : -1;
}

/* ISO_LINES_IN=FILE (likewise _TS, _WAV, _VID, _AUD, _MUS) runs the tables
 * on a file of one's own in place of the generated one: the tables' lines
 * tried over real media, by hand (the ctest runs keep the generated inputs,
 * whose results are known). A line that fails with ffmpeg too is counted
 * apart: the file does not fit it (no audio, sizes libx264 refuses...). */
static bool g_own_inputs; /* an ISO_LINES_ variable replaced an input */

static void override_inputs(void) {
  struct {
    const char *env;
    char *path;
  } in[] = {{"ISO_LINES_IN", g_in},   {"ISO_LINES_TS", g_ts},   {"ISO_LINES_WAV", g_wav},
            {"ISO_LINES_VID", g_vid}, {"ISO_LINES_AUD", g_aud}, {"ISO_LINES_MUS", g_mus}};
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    const char *v = getenv(in[i].env);
    if (v && *v) {
      snprintf(in[i].path, 700, "%s", v);
      g_own_inputs = true;
      printf("%s: %s\n", in[i].env, v);
    }
  }
}

static int make_inputs(void) {
  char gen[700];
  name_inputs();
  if (tm_gen_simple(gen, sizeof gen, g_inputs, "gen.mp4", "libx264", "aac", 320, 240, 2.0, 2,
                    48000) < 0)
    return -1;
  if (tm_gen_simple(g_wav, sizeof g_wav, g_inputs, "in.wav", NULL, "pcm_s16le", 0, 0, 2.0, 2,
                    44100) < 0)
    return -1;
  if (tm_gen_simple(g_vid, sizeof g_vid, g_inputs, "vid.mp4", "libx264", NULL, 320, 240, 2.0, 0,
                    0) < 0)
    return -1;
  if (tm_gen_simple(g_aud, sizeof g_aud, g_inputs, "aud.m4a", NULL, "aac", 0, 0, 3.0, 6, 48000) < 0)
    return -1;
  char flac[700];
  if (tm_gen_simple(flac, sizeof flac, g_inputs, "gen.flac", NULL, "flac", 0, 0, 2.0, 2, 44100) < 0)
    return -1;
  const char *mus_args[] = {"-v",          "error",     "-y",           "-i",         flac,
                            "-c",          "copy",      "-metadata",    "title=Song", "-metadata",
                            "artist=Band", "-metadata", "album=Record", g_mus,        NULL};
  ch_proc pm;
  int mrc = ch_run(&pm, mus_args, 60);
  ch_free(&pm);
  if (mrc != 0) return -1;
  /* SONG: MUS as an MP3 with a cover picture (made by isopipe itself). */
  const char *cover_args[] = {
      "-v",        "error", "-y",    "-f", "lavfi", "-i", "color=c=red:s=200x200",
      "-frames:v", "1",     g_cover, NULL};
  const char *song_args[] = {
      "-v",           "error", "-y",  "-i",   g_mus,        "-i",   g_cover, "-map",
      "0:a",          "-map",  "1:v", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v",
      "attached_pic", g_song,  NULL};
  mrc = ch_run(&pm, cover_args, 60);
  ch_free(&pm);
  if (mrc == 0) mrc = ch_run(&pm, song_args, 60);
  ch_free(&pm);
  if (mrc != 0) return -1;
  /* LIST: a concat list naming MUS twice. */
  FILE *lf = fopen(g_list, "w");
  if (!lf) return -1;
  fprintf(lf, "file '%s'\nduration 2\nfile '%s'\nduration 2\n", g_mus, g_mus);
  fclose(lf);
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
  const char *ts_args[] = {"-v", "error", "-y", "-i", g_in, "-c", "copy", g_ts, NULL};
  rc = ch_run(&p, ts_args, 60);
  ch_free(&p);
  if (rc != 0) return -1;
  /* FONTS: IN as Matroska with a font attachment (a few bytes will do: the
   * muxer copies them whole). */
  char font[700];
  snprintf(font, sizeof font, "%s/f.ttf", g_inputs);
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
  return rc != 0 || setup_fifth() != 0 ? -1 : 0;
}

/* ISO_LINES_INPUTS=DIR: the inputs made once by `--inputs DIR` (ctest's
 * fixture), shared by the tables that run side by side; otherwise each run
 * makes its own. */
static int setup(void **state) {
  (void)state;
  av_log_set_level(AV_LOG_ERROR); /* reading outputs back: only what is wrong */
  if (ch_mkdtemp(g_dir, sizeof g_dir, "cli-lines") < 0) return -1;
  const char *shared = getenv("ISO_LINES_INPUTS");
  char ready[700];
  snprintf(ready, sizeof ready, "%s/ready", shared ? shared : "");
  if (shared && *shared && access(ready, F_OK) == 0) {
    snprintf(g_inputs, sizeof g_inputs, "%s", shared);
    name_inputs();
  } else {
    snprintf(g_inputs, sizeof g_inputs, "%s", g_dir);
    if (make_inputs() != 0) return -1;
  }
  if (!tm_corpus_file("video/no_cluster_position.mkv", g_sub, sizeof g_sub)) g_sub[0] = 0;
  override_inputs();
  return 0;
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
static int split(const cmd_line *l, const char *out, char *buf, size_t len, char (*paths)[1600],
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
    const char *rep = !strcmp(t, "IN") || !strcmp(t, "file:IN")         ? g_in
                      : !strcmp(t, "WAV")                               ? g_wav
                      : !strcmp(t, "TS") || !strcmp(t, "file:TS")       ? g_ts
                      : !strcmp(t, "VID") || !strcmp(t, "file:VID")     ? g_vid
                      : !strcmp(t, "AUD") || !strcmp(t, "file:AUD")     ? g_aud
                      : !strcmp(t, "MUS")                               ? g_mus
                      : !strcmp(t, "SUB")                               ? g_sub
                      : !strcmp(t, "SONG") || !strcmp(t, "file:SONG")   ? g_song
                      : !strcmp(t, "LIST")                              ? g_list
                      : !strcmp(t, "FONTS")                             ? g_fonts
                      : !strcmp(t, "file:COVER") || !strcmp(t, "COVER") ? g_cover
                      : !strcmp(t, "RAW")                               ? g_raw
                      : !strcmp(t, "ROT")                               ? g_rot
                      : !strcmp(t, "file:CHAPS")                        ? g_chaps
                      : !strcmp(t, "file:CUTS")                         ? g_cuts
                      : !strcmp(t, "PCM")                               ? g_pcm
                      : !strcmp(t, "F32")                               ? g_f32
                      : !strcmp(t, "VLIST")                             ? g_vlist
                      : !strcmp(t, "IMGLIST")                           ? g_imglist
                      : !strcmp(t, "JPEGS")                             ? g_jpegs
                      : !strcmp(t, "FRAMES")                            ? g_frames
                      : !strcmp(t, "concat:TS|TS")                      ? g_concat
                      : !strcmp(t, "OUT") || !strcmp(t, "file:OUT")     ? out
                                                                        : NULL;
    /* SEG...: a path next to OUT (OUT's name without its extension, then
     * the rest); INIT: a file name next to OUT. */
    if ((!strncmp(t, "SEG", 3) || !strcmp(t, "INIT")) && nfile < 8) {
      const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
      int stem = dot ? (int)(dot - out) : (int)strlen(out);
      if (t[0] == 'S')
        snprintf(paths[nfile], sizeof paths[0], "%.*s%s", stem, out, t + 3);
      else
        snprintf(paths[nfile], sizeof paths[0], "%.*s-init.mp4", stem - (int)(slash + 1 - out),
                 slash + 1);
      argv[n++] = paths[nfile++];
      continue;
    }
    if (rep && !strncmp(t, "file:", 5) && nfile < 8) {
      snprintf(paths[nfile], sizeof paths[0], "file:%s", rep);
      rep = paths[nfile++];
    }
    argv[n++] = rep ? rep : t;
  }
  argv[n] = NULL;
  return n;
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

/* Whether ffmpeg gives a non-empty output for the line. */
static bool ffmpeg_writes(const char *const *fargv, bool piped, const char *fout) {
  int frc = piped ? ffmpeg_piped(fargv, fout) : tm_run_ffmpeg(fargv);
  char ff[1200];
  int nf = 0;
  const char *fa = cl_first_output(fout, ff, sizeof ff, &nf);
  return frc == 0 && fa && tm_file_size(fa) > 0;
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
  int unchecked = 0, both_fail = 0;
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
    static char ipaths[8][1600], fpaths[8][1600];
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
    const char *ia = rc == 0 ? cl_first_output(iout, fi, sizeof fi, &ni) : NULL;
    if (rc == 0 && have_ffmpeg) {
      int frc = piped ? ffmpeg_piped(fargv, fout) : tm_run_ffmpeg(fargv);
      const char *fa = cl_first_output(fout, ff, sizeof ff, &nf);
      if (frc != 0 || !fa)
        snprintf(why, sizeof why, "ffmpeg failed (%d) where isopipe did not", frc);
      else
        ok = ia && cl_same_result(ia, ni, fa, nf, why, sizeof why);
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
    } else if (rc != 0 && have_ffmpeg && g_own_inputs && !ffmpeg_writes(fargv, piped, fout)) {
      /* One's own input the line does not fit (no audio, odd sizes...). */
      both_fail++;
      printf("both fail: %s: %.300s\n", l->src, why);
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
  if (g_own_inputs) printf("failed with ffmpeg too (own inputs): %d\n", both_fail);
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

static void test_fifth_table(void **state) {
  (void)state;
  run_table(fifth_lines, (int)(sizeof fifth_lines / sizeof fifth_lines[0]), "v",
            "command lines of downloaders, media libraries, NVRs and servers");
}

static void test_sixth_table(void **state) {
  (void)state;
  run_table(sixth_lines, (int)(sizeof sixth_lines / sizeof sixth_lines[0]), "x",
            "command lines of chat bots, IPTV channels, a wiki, editors and DLNA servers");
}

static void test_seventh_table(void **state) {
  (void)state;
  run_table(seventh_lines, (int)(sizeof seventh_lines / sizeof seventh_lines[0]), "s",
            "command lines of IPTV channels, galleries, NVRs, music servers, animation tools "
            "and editors");
}

static void test_eighth_table(void **state) {
  (void)state;
  run_table(eighth_lines, (int)(sizeof eighth_lines / sizeof eighth_lines[0]), "e",
            "command lines of streaming servers, downloaders, printers' timelapses, speech "
            "tools, bots, camera bridges and new ones of the big families");
}

static void test_ninth_table(void **state) {
  (void)state;
  run_table(ninth_lines, (int)(sizeof ninth_lines / sizeof ninth_lines[0]), "n",
            "command lines of face swappers, lip-sync models, diffusion UIs' video savers, a "
            "video editor from JSON, an audio decoder library, a chat bot and an AV1 chunker");
}

static void test_tenth_table(void **state) {
  (void)state;
  run_table(tenth_lines, (int)(sizeof tenth_lines / sizeof tenth_lines[0]), "d",
            "command lines of a loudness normalizer, a video editing library, YouTube "
            "archivers, a gallery downloader, a camera relay, a stream downloader, a silence "
            "cutter, a TV library's converter and bots");
}

static void test_eleventh_table(void **state) {
  (void)state;
  run_table(eleventh_lines, (int)(sizeof eleventh_lines / sizeof eleventh_lines[0]), "b",
            "command lines of a livestream archiver, a FLAC converter and a subtitle generator");
}

static void test_wiki_table(void **state) {
  (void)state;
  run_table(wiki_lines, (int)(sizeof wiki_lines / sizeof wiki_lines[0]), "w",
            "command lines of the FFmpeg wiki's recipes and Q&A answers");
}

/* `--inputs DIR`: makes the inputs in DIR (emptied first) for the tables to
 * share through ISO_LINES_INPUTS; "ready" marks them whole. */
static int make_shared(const char *dir) {
  av_log_set_level(AV_LOG_ERROR);
  tm_tmpdir_remove(dir);
  snprintf(g_inputs, sizeof g_inputs, "%s", dir);
  char ready[700];
  snprintf(ready, sizeof ready, "%s/ready", dir);
  FILE *f = NULL;
  if (mkdir(dir, 0755) < 0 || make_inputs() != 0 || !(f = fopen(ready, "w"))) {
    fprintf(stderr, "cannot make the tables' inputs in %s\n", dir);
    return 1;
  }
  fclose(f);
  return 0;
}

/* argv[1], when given, names the tables to run ("1", "23"): ctest runs
 * them as tests side by side. */
int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--inputs")) return make_shared(argv[2]);
  const struct CMUnitTest all[] = {
      cmocka_unit_test(test_real_lines),    cmocka_unit_test(test_other_programs),
      cmocka_unit_test(test_third_table),   cmocka_unit_test(test_fourth_table),
      cmocka_unit_test(test_fifth_table),   cmocka_unit_test(test_sixth_table),
      cmocka_unit_test(test_seventh_table), cmocka_unit_test(test_eighth_table),
      cmocka_unit_test(test_wiki_table),    cmocka_unit_test(test_ninth_table),
      cmocka_unit_test(test_tenth_table),   cmocka_unit_test(test_eleventh_table)};
  struct CMUnitTest tests[12];
  size_t n = 0;
  for (size_t i = 0; i < 8; i++)
    if (argc < 2 || strchr(argv[1], (int)('1' + i))) tests[n++] = all[i];
  /* The wiki table is "w". */
  if (argc < 2 || strchr(argv[1], 'w')) tests[n++] = all[8];
  if (argc < 2 || strchr(argv[1], '9')) tests[n++] = all[9];
  if (argc < 2 || strchr(argv[1], '0')) tests[n++] = all[10];
  if (argc < 2 || strchr(argv[1], 'b')) tests[n++] = all[11];
  return _cmocka_run_group_tests("test_cli_lines", tests, n, setup, teardown);
}
