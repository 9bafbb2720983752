/* The one policy for every file isopipe writes (outputs, stats, trace, progress, the pieces a
 * muxer opens): which local files a name opens, through any protocol, and whether it may write
 * them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/pl_internal.h"

#define PL_PATH_MAX_FILES 16
#define PL_PATH_DEPTH 4

typedef struct path_set {
  char *file[PL_PATH_MAX_FILES];
  int n;
  char bad_proto[32]; /* a protocol the whitelist does not allow */
  bool overflow;
} path_set;

static bool listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *s = list; s && *s;) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == n && strncmp(s, name, n) == 0) return true;
    s = e ? e + 1 : NULL;
  }
  return false;
}

static void add_file(path_set *ps, const char *path, size_t len) {
  if (ps->n >= PL_PATH_MAX_FILES) {
    ps->overflow = true;
    return;
  }
  char *s = malloc(len + 1);
  if (!s) {
    ps->overflow = true;
    return;
  }
  memcpy(s, path, len);
  s[len] = 0;
  ps->file[ps->n++] = s;
}

/* The local files a URL writes, the way libavformat's protocols open it:
 * file: and plain names, the targets of tee: (a|b) and md5: (md5: alone
 * writes to stdout), crypto: around another URL. Every protocol met must
 * be whitelisted; nested ones inherit the list, as in libavformat. */
static void collect(path_set *ps, const char *url, size_t len, const char *whitelist, int depth) {
  char buf[4096];
  if (len >= sizeof buf || depth > PL_PATH_DEPTH) {
    ps->overflow = true;
    return;
  }
  memcpy(buf, url, len);
  buf[len] = 0;
  const char *proto = strcmp(buf, "-") == 0 ? "pipe" : avio_find_protocol_name(buf);
  if (!proto) {
    snprintf(ps->bad_proto, sizeof ps->bad_proto, "%.*s", (int)strcspn(buf, ":"), buf);
    return;
  }
  if (!listed(whitelist, proto)) {
    snprintf(ps->bad_proto, sizeof ps->bad_proto, "%s", proto);
    return;
  }
  size_t plen = strlen(proto);
  bool prefixed = strncmp(buf, proto, plen) == 0 && buf[plen] == ':';
  const char *rest = prefixed ? buf + plen + 1 : buf;
  if (!strcmp(proto, "file")) {
    add_file(ps, rest, strlen(rest));
  } else if (!strcmp(proto, "tee")) {
    for (const char *s = rest; *s;) {
      size_t k = strcspn(s, "|");
      if (k) collect(ps, s, k, whitelist, depth + 1);
      s += k;
      if (*s) s++;
    }
  } else if (!strcmp(proto, "md5") || !strcmp(proto, "crypto")) {
    if (*rest) collect(ps, rest, strlen(rest), whitelist, depth + 1);
  }
  /* pipe and network protocols write no local file */
}

static void free_set(path_set *ps) {
  for (int i = 0; i < ps->n; i++)
    free(ps->file[i]);
  ps->n = 0;
}

/* Equal when both name the same file: the same inode when they exist,
 * else the same name in the same directory. */
static bool same_file(const char *a, const char *b) {
  struct stat sa, sb;
  bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
  if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ea || eb) return false;
  char ra[PATH_MAX], rb[PATH_MAX];
  const char *na = strrchr(a, '/'), *nb = strrchr(b, '/');
  char da[PATH_MAX], db[PATH_MAX];
  snprintf(da, sizeof da, "%.*s", na ? (int)(na - a) + 1 : 1, na ? a : ".");
  snprintf(db, sizeof db, "%.*s", nb ? (int)(nb - b) + 1 : 1, nb ? b : ".");
  if (strcmp(na ? na + 1 : a, nb ? nb + 1 : b) != 0) return false;
  if (!realpath(da, ra) || !realpath(db, rb)) return false;
  return strcmp(ra, rb) == 0;
}

int pl_outpath_check(const char *what, const char *url, const pl_outpath_ctx *c, char *err,
                     size_t errlen) {
  if (!url || !*url) {
    snprintf(err, errlen, "%s: empty file name", what);
    return PL_PATH_REFUSED;
  }
  const char *wl = c->whitelist ? c->whitelist : PL_OUTPUT_PROTOCOLS;
  path_set mine = {0};
  collect(&mine, url, strlen(url), wl, 0);
  int rc = PL_PATH_OK;
  if (mine.bad_proto[0]) {
    snprintf(err, errlen,
             "%s '%s': protocol '%s' not allowed for writing (allowed: %s; see "
             "output_protocol_whitelist)",
             what, url, mine.bad_proto, wl);
    rc = PL_PATH_REFUSED;
  } else if (mine.overflow) {
    snprintf(err, errlen, "%s '%s': too many or too long nested names", what, url);
    rc = PL_PATH_REFUSED;
  }
  /* The input's own local files (its whitelist is the input's). */
  path_set in = {0};
  if (c->input) collect(&in, c->input, strlen(c->input), "file,pipe,tee,md5,crypto", 0);
  for (int i = 0; rc == PL_PATH_OK && i < mine.n; i++) {
    const char *f = mine.file[i];
    struct stat so;
    if (!*f) {
      snprintf(err, errlen, "%s '%s': empty file name", what, url);
      rc = PL_PATH_REFUSED;
      break;
    }
    for (int k = 0; rc == PL_PATH_OK && k < in.n; k++)
      if (same_file(f, in.file[k])) {
        snprintf(err, errlen, "%s '%s' is the input file; refusing to write over it", what, url);
        rc = PL_PATH_REFUSED;
      }
    for (int o = 0; rc == PL_PATH_OK && o < c->nothers; o++) {
      path_set other = {0};
      collect(&other, c->others[o], strlen(c->others[o]), "file,pipe,tee,md5,crypto", 0);
      for (int k = 0; rc == PL_PATH_OK && k < other.n; k++)
        if (same_file(f, other.file[k])) {
          snprintf(err, errlen, "%s '%s' is also written as '%s'; two writers would corrupt it",
                   what, url, c->others[o]);
          rc = PL_PATH_REFUSED;
        }
      free_set(&other);
    }
    if (rc != PL_PATH_OK || stat(f, &so) != 0) continue;
    if (S_ISDIR(so.st_mode)) {
      snprintf(err, errlen, "%s '%s' is a directory", what, url);
      rc = PL_PATH_FAIL;
    } else if (S_ISREG(so.st_mode) && c->overwrite == 0) {
      /* Devices and fifos (/dev/null...) hold no data to lose. */
      snprintf(err, errlen, "%s file '%s' already exists (use -y to overwrite)", what, url);
      rc = PL_PATH_FAIL;
    }
  }
  free_set(&in);
  free_set(&mine);
  return rc;
}

/* ---- the further files a muxer opens: segments, playlists, numbered images ---- */

#define PL_PIECES_MAX 4096

struct pl_pieces {
  pl_pieces_cfg c;
  char **mine; /* names this muxer created (it reopens playlists) */
  int n, cap;
};

pl_pieces *pl_pieces_new(const pl_pieces_cfg *c) {
  pl_pieces *ps = calloc(1, sizeof *ps);
  if (ps) ps->c = *c;
  return ps;
}

void pl_pieces_free(pl_pieces **pps) {
  pl_pieces *ps = pps ? *pps : NULL;
  if (!ps) return;
  for (int i = 0; i < ps->n; i++)
    free(ps->mine[i]);
  free(ps->mine);
  free(ps);
  *pps = NULL;
}

static bool is_mine(const pl_pieces *ps, const char *url) {
  if (!strcmp(url, ps->c.output)) return true; /* checked before the run */
  for (int i = ps->n - 1; i >= 0; i--)
    if (!strcmp(ps->mine[i], url)) return true;
  return false;
}

static void remember(pl_pieces *ps, const char *url) {
  if (ps->n >= PL_PIECES_MAX) return; /* only a later reopen would be refused */
  if (ps->n == ps->cap) {
    int cap = ps->cap ? ps->cap * 2 : 16;
    char **m = realloc(ps->mine, (size_t)cap * sizeof *m);
    if (!m) return;
    ps->mine = m;
    ps->cap = cap;
  }
  char *d = strdup(url);
  if (d) ps->mine[ps->n++] = d;
}

int pl_pieces_check(void *ud, const char *url, char *err, size_t errlen) {
  pl_pieces *ps = ud;
  const pl_pieces_cfg *pc = &ps->c;
  bool mine = is_mine(ps, url);
  char what[PL_ERRLEN];
  snprintf(what, sizeof what, "output '%s': piece", pc->output);
  /* Every input, however named; a custom input is no file. */
  int r = PL_PATH_OK;
  for (int k = 0; r == PL_PATH_OK && k < (pc->ninputs > 0 ? pc->ninputs : 1); k++) {
    pl_outpath_ctx c = {pc->inputs[k], pc->protocols, mine ? 1 : pc->overwrite, NULL, 0};
    r = pl_outpath_check(what, url, &c, err, errlen);
  }
  if (r == PL_PATH_FAIL) {
    struct stat sb;
    return stat(url, &sb) == 0 && S_ISREG(sb.st_mode) ? AVERROR(EEXIST) : AVERROR(EISDIR);
  }
  if (r != PL_PATH_OK) return AVERROR(EINVAL);
  if (!mine) remember(ps, url);
  return 0;
}
