/* ffmpeg's reference runs kept between the passes of one CI run, keyed by the inputs' bytes. */
#include "test_ffcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The plain, ASan+UBSan and TSan passes of CI run the same tests, and each
 * test asks the same ffmpeg for the same reference outputs: only isopipe
 * differs between the passes. With ISO_FFMPEG_CACHE=DIR set, an ffmpeg run
 * is looked up by a key made of:
 *   - the ffmpeg binary (path, size, modification time);
 *   - every argument, where a path naming an existing file stands for the
 *     file's bytes (a SHA-256 of them) and a path in an existing directory
 *     for that directory's rank among the directories named and the file's
 *     name, so the tests' random temporary directories do not change the
 *     key; other arguments as they are (an absolute path inside one, a
 *     filter's movie= say, also adds the bytes of the file it names);
 *   - where stdout goes.
 * A run whose outputs are found gets them written back where the run would
 * have written them, and ffmpeg's exit status; a run not found runs, and
 * what it wrote (every file it created or changed in the directories its
 * arguments name) is kept under the key.
 *
 * A run whose inputs cannot all be read into the key is never kept: a text
 * input that names other files (a concat list, a playlist, anything with a
 * URL), an input that is not a regular file (an image pattern, a pipe), a
 * two-pass run (its log goes to the working directory), stdout to a device,
 * or a run that created a directory or changed the working directory.
 */

enum { FC_MAX_DIRS = 8, FC_MAX_FILES = 64 };

typedef struct fc_entry {
  char name[256];
  long long size;
  long long mtime_ns;
  unsigned long long ino;
} fc_entry;

typedef struct fc_dir {
  char path[1024];
  fc_entry *entries;
  int n;
} fc_dir;

struct tm_ffcache {
  char root[1024];
  char key[65];
  fc_dir dirs[FC_MAX_DIRS];
  int ndirs;
  struct AVSHA *sha;
  char args[1000]; /* the arguments, cut: the log names runs not kept by them */
};

static void sha_str(struct AVSHA *sha, const char *s) {
  av_sha_update(sha, (const uint8_t *)s, strlen(s) + 1);
}

static void hex(const uint8_t *d, int n, char *out) {
  for (int i = 0; i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* One line into DIR/log ("found", "kept", "not kept"): CI prints the counts
 * so a cache that never finds anything shows. */
static void note(const char *root, const char *what, const char *detail) {
  char path[1100], line[1400];
  snprintf(path, sizeof path, "%s/log", root);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  int n = snprintf(line, sizeof line, "%s %s\n", what, detail);
  if (n > 0 && write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
  }
  close(fd);
}

/* Whether the file's bytes may name other files: text with "file", "#EXT"
 * or "://" in it (concat lists, playlists, URLs). Binary media never do. */
static bool names_other_files(const uint8_t *b, size_t n) {
  if (memchr(b, 0, n)) return false;
  char *t = av_malloc(n + 1);
  if (!t) return true;
  memcpy(t, b, n);
  t[n] = 0;
  bool refs = strstr(t, "file") || strstr(t, "#EXT") || strstr(t, "://");
  av_free(t);
  return refs;
}

/* Adds the file's SHA-256 to the key; false when it cannot be read or its
 * bytes may name other files. */
static bool add_file(tm_ffcache *c, const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return false;
  struct AVSHA *s = av_sha_alloc();
  bool ok = s && av_sha_init(s, 256) == 0;
  uint8_t buf[65536];
  ssize_t r;
  bool first = true;
  while (ok && (r = read(fd, buf, sizeof buf)) > 0) {
    if (first && names_other_files(buf, (size_t)r)) ok = false;
    first = false;
    av_sha_update(s, buf, (size_t)r);
  }
  close(fd);
  if (ok) {
    uint8_t d[32];
    char h[65];
    av_sha_final(s, d);
    hex(d, 32, h);
    sha_str(c->sha, "F");
    sha_str(c->sha, h);
  }
  av_free(s);
  return ok;
}

/* The rank of dir among the directories named, added when new; -1 when full. */
static int dir_rank(tm_ffcache *c, const char *dir) {
  for (int i = 0; i < c->ndirs; i++)
    if (!strcmp(c->dirs[i].path, dir)) return i;
  if (c->ndirs == FC_MAX_DIRS) return -1;
  snprintf(c->dirs[c->ndirs].path, sizeof c->dirs[0].path, "%s", dir);
  return c->ndirs++;
}

static bool regular(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Absolute paths inside an argument (movie=/x/logo.png, subtitles=/x/s.srt):
 * the bytes of those that name files. */
static bool add_embedded(tm_ffcache *c, const char *arg) {
  for (const char *p = strchr(arg, '/'); p; p = strchr(p + 1, '/')) {
    if (p > arg && !strchr("=:|,;'\"[ ", p[-1])) continue;
    char path[1024];
    size_t n = strcspn(p, ":|,;'\"[] ");
    if (n >= sizeof path) return false;
    memcpy(path, p, n);
    path[n] = 0;
    if (regular(path) && !add_file(c, path)) return false;
  }
  return true;
}

/* One argument into the key; false when the run cannot be kept. */
static bool add_arg(tm_ffcache *c, const char *arg, const char *prev) {
  if (!strcmp(arg, "-pass") || !strcmp(arg, "-passlogfile")) return false;
  const char *p = strncmp(arg, "file:", 5) ? arg : arg + 5;
  bool input = prev && !strcmp(prev, "-i");
  if (regular(p)) {
    const char *slash = strrchr(p, '/');
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - p) : 1, slash ? p : ".");
    if (dir_rank(c, slash == p ? "/" : dir) < 0) return false;
    sha_str(c->sha, p != arg ? "file:" : "");
    sha_str(c->sha, slash ? slash + 1 : p);
    return add_file(c, p);
  }
  const char *slash = strrchr(p, '/');
  if (slash && slash > p) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
    if (is_dir(dir)) {
      if (input) return false; /* an image pattern, or a missing input */
      int k = dir_rank(c, dir);
      if (k < 0) return false;
      char tok[320];
      snprintf(tok, sizeof tok, "%s@D%d/%s", p != arg ? "file:" : "", k, slash + 1);
      sha_str(c->sha, tok);
      return true;
    }
  }
  /* Inputs that are not files of their own: stdin, protocols, relative concat: names. */
  if (input && (strchr(arg, '/') || !strcmp(arg, "-") || !strncmp(arg, "pipe:", 5) ||
                strstr(arg, "concat:") || strstr(arg, "://")))
    return false;
  sha_str(c->sha, arg);
  return add_embedded(c, arg);
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const fc_entry *)a)->name, ((const fc_entry *)b)->name);
}

/* The directory's entries, sorted by name (size -1: not a regular file);
 * false when it cannot be read. */
static bool scan(const char *path, fc_entry **out, int *n) {
  DIR *d = opendir(path);
  if (!d) return false;
  int cap = 64, k = 0;
  fc_entry *e = malloc(sizeof *e * (size_t)cap);
  struct dirent *de;
  while (e && (de = readdir(d))) {
    if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, ".."))) continue;
    char full[1400];
    struct stat st;
    snprintf(full, sizeof full, "%s/%s", path, de->d_name);
    if (lstat(full, &st) != 0 || strlen(de->d_name) >= sizeof e->name) continue;
    if (k == cap) {
      fc_entry *m = realloc(e, sizeof *e * (size_t)(cap *= 2));
      if (!m) break;
      e = m;
    }
    snprintf(e[k].name, sizeof e[k].name, "%s", de->d_name);
    e[k].size = S_ISREG(st.st_mode) ? (long long)st.st_size : -1; /* -1: not a file */
    e[k].mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    e[k].ino = (unsigned long long)st.st_ino;
    k++;
  }
  closedir(d);
  if (!e) return false;
  qsort(e, (size_t)k, sizeof *e, cmp_entry);
  *out = e;
  *n = k;
  return true;
}

void tm_ffcache_free(tm_ffcache *c) {
  if (!c) return;
  for (int i = 0; i < c->ndirs; i++)
    free(c->dirs[i].entries);
  av_free(c->sha);
  free(c);
}

static bool copy_file(const char *from, const char *to) {
  int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok = in >= 0 && out >= 0;
  char b[65536];
  ssize_t r;
  while (ok && (r = read(in, b, sizeof b)) > 0)
    ok = write(out, b, (size_t)r) == r;
  if (in >= 0) close(in);
  if (out >= 0 && close(out) != 0) ok = false;
  return ok;
}

/* A kept run: its files written back into this run's directories. */
static bool replay(tm_ffcache *c, const char *entry, int *rc) {
  char meta[1400];
  snprintf(meta, sizeof meta, "%s/meta", entry);
  FILE *f = fopen(meta, "r");
  if (!f) return false;
  int n = 0;
  bool ok = fscanf(f, "%d %d\n", rc, &n) == 2 && n >= 0 && n <= FC_MAX_FILES;
  for (int i = 0; ok && i < n; i++) {
    int k;
    char name[256], from[1500], to[1400];
    ok = fscanf(f, "%d %255[^\n]\n", &k, name) == 2 && k >= 0 && k < c->ndirs;
    if (!ok) break;
    snprintf(from, sizeof from, "%s/%d", entry, i);
    snprintf(to, sizeof to, "%s/%s", c->dirs[k].path, name);
    ok = copy_file(from, to);
  }
  fclose(f);
  return ok;
}

tm_ffcache *tm_ffcache_open(const char *ffmpeg, const char *const *argv, const char *stdout_path,
                            int *rc) {
  const char *root = getenv("ISO_FFMPEG_CACHE");
  struct stat fst;
  if (!root || !*root || !is_dir(root) || stat(ffmpeg, &fst) != 0) return NULL;
  if (stdout_path && !strncmp(stdout_path, "/dev/", 5)) return NULL;
  tm_ffcache *c = calloc(1, sizeof *c);
  if (!c || !(c->sha = av_sha_alloc()) || av_sha_init(c->sha, 256) < 0) {
    tm_ffcache_free(c);
    return NULL;
  }
  snprintf(c->root, sizeof c->root, "%s", root);
  char id[1400];
  snprintf(id, sizeof id, "v1 %s %lld %lld", ffmpeg, (long long)fst.st_size,
           (long long)fst.st_mtim.tv_sec);
  sha_str(c->sha, id);
  bool ok = dir_rank(c, ".") == 0; /* the working directory: changes there are not kept */
  for (int i = 0; ok && argv[i]; i++)
    ok = add_arg(c, argv[i], i ? argv[i - 1] : NULL);
  sha_str(c->sha, "stdout");
  if (ok && stdout_path) ok = add_arg(c, stdout_path, NULL);
  for (int i = 0; ok && i < c->ndirs; i++)
    ok = scan(c->dirs[i].path, &c->dirs[i].entries, &c->dirs[i].n);
  for (int i = 0; argv[i] && strlen(c->args) + strlen(argv[i]) + 2 < sizeof c->args; i++)
    strcat(strcat(c->args, " "), argv[i]);
  if (!ok) {
    note(root, "not-kept", c->args);
    tm_ffcache_free(c);
    return NULL;
  }
  uint8_t d[32];
  av_sha_final(c->sha, d);
  hex(d, 32, c->key);
  char entry[1200];
  snprintf(entry, sizeof entry, "%s/%s", c->root, c->key);
  if (is_dir(entry) && replay(c, entry, rc)) {
    note(root, "found", c->key);
    tm_ffcache_free(c);
    return TM_FFCACHE_HIT;
  }
  return c;
}

static const fc_entry *find(const fc_dir *d, const char *name) {
  fc_entry k;
  snprintf(k.name, sizeof k.name, "%s", name);
  return bsearch(&k, d->entries, (size_t)d->n, sizeof k, cmp_entry);
}

void tm_ffcache_keep(tm_ffcache *c, int rc) {
  char tmp[1200], meta[1300], entry[1200];
  snprintf(tmp, sizeof tmp, "%s/tmp.XXXXXX", c->root);
  if (!mkdtemp(tmp)) return;
  snprintf(meta, sizeof meta, "%s/meta", tmp);
  int k = 0;
  bool ok = true;
  const char *why = NULL;
  struct {
    int dir;
    char name[256];
  } files[FC_MAX_FILES];
  for (int i = 0; ok && i < c->ndirs; i++) {
    fc_entry *now = NULL;
    int n = 0;
    ok = scan(c->dirs[i].path, &now, &n);
    why = "cannot read a directory";
    int same = 0;
    for (int j = 0; ok && j < n; j++) {
      const fc_entry *was = find(&c->dirs[i], now[j].name);
      same += was && was->size >= 0 && now[j].size >= 0;
      if (was && was->size == now[j].size && was->mtime_ns == now[j].mtime_ns &&
          was->ino == now[j].ino)
        continue;
      /* Other tests make and remove their directories in the working directory. */
      if (i == 0 && now[j].size < 0) continue;
      why = now[j].size < 0     ? "a new directory"
            : i == 0            ? "a change in the working directory"
            : k == FC_MAX_FILES ? "too many files"
                                : NULL;
      ok = !why;
      if (!ok) break;
      char from[1400], to[1300];
      snprintf(from, sizeof from, "%s/%s", c->dirs[i].path, now[j].name);
      snprintf(to, sizeof to, "%s/%d", tmp, k);
      files[k].dir = i;
      snprintf(files[k].name, sizeof files[k].name, "%s", now[j].name);
      ok = copy_file(from, to);
      why = "cannot copy";
      k++;
    }
    int files_before = 0;
    for (int j = 0; j < c->dirs[i].n; j++)
      files_before += c->dirs[i].entries[j].size >= 0;
    if (ok && same != files_before) {
      why = "a file removed";
      ok = false;
    }
    free(now);
  }
  if (ok) why = "cannot write";
  char args[1300];
  snprintf(args, sizeof args, "%s/args", tmp);
  FILE *a = ok ? fopen(args, "w") : NULL; /* what the run was, for whoever reads the cache */
  if (a) {
    fputs(c->args, a);
    fclose(a);
  }
  FILE *f = ok ? fopen(meta, "w") : NULL;
  if (f) {
    fprintf(f, "%d %d\n", rc, k);
    for (int i = 0; i < k; i++)
      fprintf(f, "%d %s\n", files[i].dir, files[i].name);
    ok = fclose(f) == 0;
  } else {
    ok = false;
  }
  snprintf(entry, sizeof entry, "%s/%s", c->root, c->key);
  /* Another test may have kept the same run meanwhile: theirs stays. */
  bool kept = ok && rename(tmp, entry) == 0;
  if (ok && !kept) why = "kept by another test";
  char detail[1400];
  if (kept)
    snprintf(detail, sizeof detail, "%s", c->key);
  else
    snprintf(detail, sizeof detail, "%s: %s:%s", c->key, why, c->args);
  note(c->root, kept ? "kept" : "not-kept", detail);
  if (!kept) {
    for (int i = 0; i < k; i++) {
      char p[1300];
      snprintf(p, sizeof p, "%s/%d", tmp, i);
      unlink(p);
    }
    unlink(meta);
    unlink(args);
    rmdir(tmp);
  }
}
