/* Pipeline tests: -vf / -af run through libavfilter and give ffmpeg's frames (framemd5); bad chains
 * are refused before anything is read, naming the filter. */
#include "test_pipeline_util.h"

#include "test_need.h"

#include "codecs/codecs.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[512];
static char g_ffmpeg[512];

static int setup(void **state) {
  tm_have_program("ffmpeg", g_ffmpeg, sizeof g_ffmpeg);
  if (tm_tmpdir_make(g_dir, sizeof g_dir) != 0) return -1;
  return tp_setup_threads(state);
}

static int teardown(void **state) {
  tm_tmpdir_remove(g_dir);
  return tp_teardown(state);
}

/* The same options as ffmpeg's command line: key k is -k; "an"/"vn" take
 * no value there. */
static int run_ffmpeg(const char *in, const char *const *kv, const char *out) {
  const char *argv[64];
  int n = 0;
  const char *head[] = {"ffmpeg", "-nostdin", "-v", "error", "-i", in};
  for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
    argv[n++] = head[i];
  char keys[16][32];
  for (int i = 0; kv[i] && n < 56; i += 2) {
    snprintf(keys[i / 2], sizeof keys[0], "-%s", kv[i]);
    argv[n++] = keys[i / 2];
    if (strcmp(kv[i], "an") && strcmp(kv[i], "vn")) argv[n++] = kv[i + 1];
  }
  const char *tail[] = {"-f", "framemd5", "-y", out, NULL};
  for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
    argv[n++] = tail[i];
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);
    execv(g_ffmpeg, (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = calloc(1, (size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) buf[0] = 0;
  fclose(f);
  return buf;
}

/* framemd5 of isopipe and of ffmpeg on the same options, byte for byte. */
static void same_as_ffmpeg(const char *clip, const char *const *opts) {
  char in[1024], ref[1024], got[1024];
  tp_media(clip, in, sizeof in);
  tm_path(ref, sizeof ref, g_dir, "ref.md5");
  tm_path(got, sizeof got, g_dir, "got.md5");
  unlink(ref);
  unlink(got);
  assert_int_equal(run_ffmpeg(in, opts, ref), 0);
  const char *kv[40] = {"i", in, "o", got, "f", "framemd5"};
  int n = 6;
  for (int i = 0; opts[i] && n < 38; i++)
    kv[n++] = opts[i];
  kv[n] = NULL;
  tp_run r;
  tp_init(&r);
  if (tp_run_kv(&r, kv) != ISO_OK) fail_msg("%s %s: %s", clip, opts[1], r.error);
  char *a = slurp(ref), *b = slurp(got);
  assert_non_null(a);
  assert_non_null(b);
  if (strcmp(a, b)) {
    size_t i = 0, line = 1;
    while (a[i] && a[i] == b[i])
      line += a[i++] == '\n';
    fail_msg("%s %s %s: framemd5 differs from ffmpeg's on line %zu", clip, opts[0], opts[1], line);
  }
  free(a);
  free(b);
}

static void t_chains_like_ffmpeg(void **state) {
  (void)state;
  TM_NEED(g_ffmpeg[0], "ffmpeg");
  /* Odd-sized input: expressions keep sizes even (Mastodon, PhotoPrism). */
  const char *crop[] = {
      "vf",  "crop=floor(iw/2)*2:floor(ih/2)*2,scale=trunc(iw/4)*2:-2,format=yuv420p",
      "c:v", "rawvideo",
      "an",  "1",
      NULL};
  same_as_ffmpeg("clip-161x121-vp9.webm", crop);
  const char *audio[] = {
      "af", "volume=0.5,aresample=16000,pan=mono|c0=c0", "vn", "1", "c:a", "pcm_s16le", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", audio);
  const char *loud[] = {"filter:a", "loudnorm", "vn", "1", "c:a", "pcm_s16le", NULL};
  same_as_ffmpeg("clip-vp9-opus.webm", loud);
  const char *fast[] = {"vf", "setpts=0.5*PTS", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", fast);
  const char *yadif[] = {"vf", "yadif", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", yadif);
  /* Storyboards: a thumbnail, every 10th frame tiled. */
  const char *thumb[] = {"vf", "thumbnail,scale=64:-2", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", thumb);
  const char *tile[] = {
      "filter:v", "select='not(mod(n\\,10))',scale=64:-2,tile=2x2", "c:v", "rawvideo", "an", "1",
      NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", tile);
  /* -s, -pix_fmt, -ar, -ac as filters at the end of the graph. */
  const char *opts[] = {"s", "120x90", "pix_fmt",  "rgb24", "ar",        "22050", "ac",
                        "1", "c:v",    "rawvideo", "c:a",   "pcm_s16le", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", opts);
  /* Autorotation first: the scale sees the upright picture. */
  const char *rot[] = {"vf", "scale=80:-2", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-rotate90.mp4", rot);
}

/* ffmpeg closes a filter graph's input where its last frame ends, and cuts
 * an output's -ss/-t after the filters, on their clock. */
static void t_output_window_after_filters(void **state) {
  (void)state;
  TM_NEED(g_ffmpeg[0], "ffmpeg");
  const char *fps[] = {"vf", "fps=40", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", fps);
  const char *fast[] = {"vf", "setpts=0.5*PTS", "t", "1", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", fast);
  const char *slow[] = {"ss", "0.5", "vf", "setpts=2*PTS", "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", slow);
  const char *thumb[] = {"ss",  "0.3",      "t",  "1", "vf", "thumbnail",
                         "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", thumb);
  const char *tempo[] = {"af", "atempo=2", "t", "1", "vn", "1", "c:a", "pcm_s16le", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", tempo);
  const char *tempo2[] = {"ss", "0.5", "t",   "0.8",       "af", "atempo=0.5",
                          "vn", "1",   "c:a", "pcm_s16le", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", tempo2);
  /* Filters that keep time: the window is cut before them, the same frames. */
  const char *keep[] = {"ss",  "0.5",      "t",  "1", "vf", "scale=96:-2",
                        "c:v", "rawvideo", "an", "1", NULL};
  same_as_ffmpeg("clip-h264-aac.mp4", keep);
}

static int start_fails(const char *const *kv, const char *must_say) {
  char in[1024], out[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(out, sizeof out, g_dir, "refused.mp4");
  unlink(out);
  iso_pipeline *p = iso_pipeline_new();
  assert_non_null(p);
  iso_pipeline_set(p, "i", in);
  iso_pipeline_set(p, "o", out);
  for (int i = 0; kv[i]; i += 2)
    assert_int_equal(iso_pipeline_set(p, kv[i], kv[i + 1]), ISO_OK);
  int st = iso_pipeline_start(p);
  if (st != ISO_EINVAL || !strstr(iso_pipeline_error(p), must_say))
    fail_msg("%s=%s: status %d, '%s' (want '%s')", kv[0], kv[1], st, iso_pipeline_error(p),
             must_say);
  iso_pipeline_free(p);
  assert_int_equal(access(out, F_OK), -1);
  return 0;
}

static void t_bad_chains_refused_at_start(void **state) {
  (void)state;
  const char *unknown[] = {"vf", "scale=100:100,nosuchfilter=3", NULL};
  start_fails(unknown, "'nosuchfilter'");
  const char *option[] = {"vf", "scale=w=100:bogus=3", NULL};
  start_fails(option, "'scale'");
  const char *value[] = {"af", "volume=abc", NULL};
  start_fails(value, "'volume'");
  const char *movie[] = {"vf", "movie=/etc/passwd", NULL};
  start_fails(movie, "'movie'");
  const char *kind[] = {"af", "hflip", NULL};
  start_fails(kind, "video");
  const char *copy[] = {"vf", "hflip", "c:v", "copy", NULL};
  start_fails(copy, "copy");
}

typedef struct fx_seen {
  char text[512];
} fx_seen;

static int note_fx(void *ud, const cx_fx *fx) {
  fx_seen *s = ud;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%s%s.%s=%s/%d", n ? " " : "", fx->filter,
           fx->option ? fx->option : "-", fx->value ? fx->value : "", fx->kind);
  return 0;
}

static const char *effects(const char *desc) {
  static fx_seen s;
  s.text[0] = 0;
  assert_true(cx_fgraph_effects(desc, note_fx, &s) >= 0);
  return s.text;
}

/* What filters do outside their graph is read from the text as libavfilter
 * reads it (positional values, aliases, escapes, defaults), without
 * creating them. */
static void t_filter_effects_from_text(void **state) {
  (void)state;
  assert_string_equal(effects("scale=64:48,hflip"), "");
  /* metadata's sixth positional option is file; psnr's alias f. */
  assert_string_equal(effects("metadata=print:::::m.txt"), "metadata.file=m.txt/8");
  assert_string_equal(effects("[a][b]psnr=f='x\\:y.log'[o]"), "psnr.stats_file=x:y.log/8");
  assert_string_equal(effects("psnr=stats_file=a:stats_file=b"), "psnr.stats_file=b/8");
  assert_string_equal(effects("vidstabdetect"), "vidstabdetect.result=transforms.trf/8");
  assert_string_equal(effects("scale=1:1 , ladspa@x=file=e.so;anull"), "ladspa.-=/1");
  assert_string_equal(effects("drawtext=text=hi,drawtext=textfile=t"), "drawtext.textfile=t/4");
  assert_true(cx_fgraph_acts_outside("null,zmq"));
  assert_false(cx_fgraph_acts_outside("drawtext=text=zmq"));
}

/* Filters that write files go through the output-path policy before any
 * is created; untrusted_filters refuses every filter that acts outside its
 * graph, and no refused chain leaves a file or loads a plugin. */
static void t_filter_side_effects_policy(void **state) {
  (void)state;
  char in[1024], chain[1200], made[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  snprintf(chain, sizeof chain, "split[a][b];[a][b]psnr=f=%s", in);
  const char *over_input[] = {"filter_complex", chain, NULL};
  start_fails(over_input, "is the input file");
  tm_path(made, sizeof made, g_dir, "meta.txt");
  snprintf(chain, sizeof chain, "metadata=print:file=%s", made);
  const char *untrusted[] = {"vf", chain, "untrusted_filters", "1", NULL};
  start_fails(untrusted, "filter 'metadata' option file=");
  const char *plugin[] = {"af", "ladspa=file=/nonexistent/p.so", "untrusted_filters", "1", NULL};
  start_fails(plugin, "'ladspa' loads code");
  /* Refused later (an unknown encoder): the filter's file is not made. */
  const char *later[] = {"vf", chain, "c:v", "nosuchencoder", NULL};
  start_fails(later, "nosuchencoder");
  assert_int_equal(access(made, F_OK), -1);
  /* A two-input filter in a simple chain: refused from its pads, unbuilt. */
  snprintf(chain, sizeof chain, "psnr=f=%s", made);
  const char *ends[] = {"vf", chain, NULL};
  start_fails(ends, "'psnr' has 2 inputs");
  assert_int_equal(access(made, F_OK), -1);
}

/* A chain that parses but cannot take the input (crop larger than the
 * picture) fails on the first frame, naming the filter and the file. */
static void t_config_error_names_filter(void **state) {
  (void)state;
  char in[1024], out[1024];
  tp_media("clip-h264-aac.mp4", in, sizeof in);
  tm_path(out, sizeof out, g_dir, "crop.mp4");
  const char *kv[] = {"i", in, "o", out, "vf", "crop=5000:5000", "preset", "ultrafast", NULL};
  tp_run r;
  tp_init(&r);
  assert_int_not_equal(tp_run_kv(&r, kv), ISO_OK);
  if (!strstr(r.error, "crop") || !strstr(r.error, "crop.mp4") || !strstr(r.error, "convert:v"))
    fail_msg("error: %s", r.error);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(t_chains_like_ffmpeg),
                                     cmocka_unit_test(t_output_window_after_filters),
                                     cmocka_unit_test(t_bad_chains_refused_at_start),
                                     cmocka_unit_test(t_filter_effects_from_text),
                                     cmocka_unit_test(t_filter_side_effects_policy),
                                     cmocka_unit_test(t_config_error_names_filter)};
  return tm_exit(cmocka_run_group_tests(tests, setup, teardown));
}
