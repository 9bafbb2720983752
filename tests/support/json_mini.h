/* A tiny validating JSON reader for tests (RFC 8259 grammar, a tree of nodes). */
#ifndef ISOPIPE_JSON_MINI_H
#define ISOPIPE_JSON_MINI_H

#include <stddef.h>

typedef struct jv {
  char t; /* o a s n b z */
  char *s;
  double n;
  int len;
  struct jv **kid;
  char **key;
} jv;

/* Parses text; NULL (and one line on stderr) when it is not valid JSON. */
jv *jm_parse(const char *text, size_t n);
/* A file, plain or gzip; NULL when unreadable or invalid. */
jv *jm_parse_file(const char *file);
void jm_free(jv *v);
/* An object's member, or NULL. */
jv *jm_get(const jv *o, const char *key);
/* A nested member by "a.b.c", or NULL. */
jv *jm_path(const jv *o, const char *dotted);

#endif
