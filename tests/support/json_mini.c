/* A tiny validating JSON reader for tests (RFC 8259 grammar, a tree of nodes). */
#include "json_mini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct jp {
  const char *p, *end;
  int err;
} jp;

static void ws(jp *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
    j->p++;
}

static jv *node(char t) {
  jv *v = calloc(1, sizeof *v);
  v->t = t;
  return v;
}

void jm_free(jv *v) {
  if (!v) return;
  for (int i = 0; i < v->len; i++) {
    jm_free(v->kid[i]);
    if (v->key) free(v->key[i]);
  }
  free(v->kid);
  free(v->key);
  free(v->s);
  free(v);
}

static void push(jv *v, char *key, jv *kid) {
  v->kid = realloc(v->kid, (size_t)(v->len + 1) * sizeof *v->kid);
  if (v->t == 'o') v->key = realloc(v->key, (size_t)(v->len + 1) * sizeof *v->key);
  if (v->t == 'o') v->key[v->len] = key;
  v->kid[v->len++] = kid;
}

static char *pstring(jp *j) {
  if (j->p >= j->end || *j->p != '"') {
    j->err = 1;
    return NULL;
  }
  j->p++;
  size_t cap = 16, n = 0;
  char *out = malloc(cap);
  while (j->p < j->end && *j->p != '"') {
    unsigned char c = (unsigned char)*j->p++;
    if (c < 0x20) j->err = 1;
    if (c == '\\') {
      if (j->p >= j->end) break;
      char e = *j->p++;
      switch (e) {
      case '"':
        c = '"';
        break;
      case '\\':
        c = '\\';
        break;
      case '/':
        c = '/';
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      case 'u': {
        unsigned u = 0;
        for (int k = 0; k < 4; k++) {
          char h = j->p < j->end ? *j->p++ : 'x';
          u = u * 16 + (unsigned)(h >= '0' && h <= '9'   ? h - '0'
                                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                         : (j->err = 1, 0));
        }
        c = u < 0x80 ? (unsigned char)u : '?';
        break;
      }
      default:
        j->err = 1;
      }
    }
    if (n + 2 > cap) out = realloc(out, cap *= 2);
    out[n++] = (char)c;
  }
  if (j->p >= j->end)
    j->err = 1;
  else
    j->p++;
  out[n] = '\0';
  return out;
}

static jv *pvalue(jp *j, int depth) {
  ws(j);
  if (j->p >= j->end || depth > 64) {
    j->err = 1;
    return NULL;
  }
  char c = *j->p;
  if (c == '{' || c == '[') {
    jv *v = node(c == '{' ? 'o' : 'a');
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == (c == '{' ? '}' : ']')) {
      j->p++;
      return v;
    }
    for (;;) {
      char *key = NULL;
      if (c == '{') {
        ws(j);
        key = pstring(j);
        ws(j);
        if (j->p >= j->end || *j->p++ != ':') j->err = 1;
      }
      jv *kid = pvalue(j, depth + 1);
      push(v, key, kid);
      ws(j);
      if (j->err || j->p >= j->end) {
        j->err = 1;
        return v;
      }
      if (*j->p == ',') {
        j->p++;
        continue;
      }
      if (*j->p == (c == '{' ? '}' : ']')) {
        j->p++;
        return v;
      }
      j->err = 1;
      return v;
    }
  }
  if (c == '"') {
    jv *v = node('s');
    v->s = pstring(j);
    return v;
  }
  if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
    jv *v = node('b');
    v->n = *j->p == 't';
    j->p += *j->p == 't' ? 4 : 5;
    return v;
  }
  if (!strncmp(j->p, "null", 4)) {
    j->p += 4;
    return node('z');
  }
  /* Numbers: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
  const char *s = j->p;
  if (*j->p == '-') j->p++;
  if (j->p < j->end && *j->p == '0')
    j->p++;
  else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
      j->p++;
  else
    j->err = 1;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (!(j->p < j->end && *j->p >= '0' && *j->p <= '9')) j->err = 1;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
      j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (!(j->p < j->end && *j->p >= '0' && *j->p <= '9')) j->err = 1;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
      j->p++;
  }
  jv *v = node('n');
  char tmp[64];
  size_t k = (size_t)(j->p - s) < sizeof tmp - 1 ? (size_t)(j->p - s) : sizeof tmp - 1;
  memcpy(tmp, s, k);
  tmp[k] = '\0';
  v->n = strtod(tmp, NULL);
  return v;
}

/* NULL unless text is exactly one valid JSON value. */
jv *jm_parse(const char *text, size_t n) {
  jp j = {text, text + n, 0};
  jv *v = pvalue(&j, 0);
  ws(&j);
  if (j.err || j.p != j.end) {
    fprintf(stderr, "JSON error near offset %ld: %.40s\n", (long)(j.p - text), j.p);
    jm_free(v);
    return NULL;
  }
  return v;
}

jv *jm_get(const jv *o, const char *key) {
  if (!o || o->t != 'o') return NULL;
  for (int i = 0; i < o->len; i++)
    if (!strcmp(o->key[i], key)) return o->kid[i];
  return NULL;
}

jv *jm_path(const jv *o, const char *dotted) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", dotted);
  const jv *cur = o;
  for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
    cur = jm_get(cur, tok);
  return (jv *)cur;
}

static char *slurp(const char *file, size_t *n) {
  gzFile g = gzopen(file, "rb"); /* reads plain files too */
  if (!g) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  int k;
  while ((k = gzread(g, buf + len, (unsigned)(cap - len))) > 0) {
    len += (size_t)k;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  gzclose(g);
  *n = len;
  return buf;
}

jv *jm_parse_file(const char *file) {
  size_t n = 0;
  char *text = slurp(file, &n);
  if (!text) return NULL;
  jv *v = jm_parse(text, n);
  free(text);
  return v;
}
