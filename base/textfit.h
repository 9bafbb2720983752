/* Fitting a message into a fixed buffer by shortening the middle of its longest words (paths). */
#ifndef ISOPIPE_BASE_TEXTFIT_H
#define ISOPIPE_BASE_TEXTFIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { TEXTFIT_WORDS = 16, TEXTFIT_KEEP = 32 };

/* Paths are quoted or parenthesized in messages: those end a word. */
static inline bool textfit_delim(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == '(' || c == ')' ||
         c == ',' || c == '|';
}

/* The longest word of s[0..len) that starts at none of the n offsets in done. */
static inline size_t textfit_longest(const char *s, size_t len, const size_t *done, int n,
                                     size_t *start) {
  size_t best = 0;
  for (size_t i = 0; i < len;) {
    if (textfit_delim(s[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < len && !textfit_delim(s[j]))
      j++;
    bool seen = false;
    for (int k = 0; k < n && !seen; k++)
      seen = done[k] == i;
    if (!seen && j - i > best) {
      best = j - i;
      *start = i;
    }
    i = j;
  }
  return best;
}

/* Appends the shortened text's character c at position *pos, keeping
 * positions [0, head) and [from, ...) with "..." between them. */
static inline void textfit_put(char *dst, size_t *o, size_t *pos, char c, size_t head,
                               size_t from) {
  if (*pos == head && from > head)
    for (int k = 0; k < 3; k++)
      dst[(*o)++] = '.';
  if (*pos < head || *pos >= from) dst[(*o)++] = c;
  (*pos)++;
}

/* Copies src into dst (n bytes with the NUL). When it does not fit, the
 * longest words (file names, URLs) lose their middle to "...", keeping
 * their start and more of their end (the file's own name), so the stage,
 * the option and the reason around them stay whole; only a message
 * without long enough words also loses its own middle. */
static inline void textfit(char *dst, size_t n, const char *src) {
  if (!n) return;
  size_t len = strlen(src);
  if (len < n || n < 16) {
    snprintf(dst, n, "%s", src);
    return;
  }
  size_t excess = len - (n - 1), at[TEXTFIT_WORDS], wl[TEXTFIT_WORDS], saved[TEXTFIT_WORDS];
  size_t out = len; /* the shortened text's length */
  int nw = 0;
  while (excess > 0 && nw < TEXTFIT_WORDS) {
    size_t s = 0, l = textfit_longest(src, len, at, nw, &s);
    if (l <= TEXTFIT_KEEP) break;
    size_t r = l - TEXTFIT_KEEP < excess ? l - TEXTFIT_KEEP : excess;
    at[nw] = s;
    wl[nw] = l;
    saved[nw++] = r;
    excess -= r;
    out -= r;
  }
  /* What still does not fit goes from the middle of the shortened text. */
  size_t head = out, from = out;
  if (out > n - 1) {
    size_t keep = n - 1 - 3;
    head = keep / 2;
    from = out - (keep - head);
  }
  size_t o = 0, pos = 0;
  for (size_t i = 0; i < len;) {
    int w = -1;
    for (int k = 0; k < nw && w < 0; k++)
      if (at[k] == i) w = k;
    if (w < 0) {
      textfit_put(dst, &o, &pos, src[i++], head, from);
      continue;
    }
    size_t keep = wl[w] - saved[w] - 3, wh = keep / 3;
    for (size_t k = 0; k < wh; k++)
      textfit_put(dst, &o, &pos, src[i + k], head, from);
    for (int k = 0; k < 3; k++)
      textfit_put(dst, &o, &pos, '.', head, from);
    for (size_t k = wl[w] - (keep - wh); k < wl[w]; k++)
      textfit_put(dst, &o, &pos, src[i + k], head, from);
    i += wl[w];
  }
  dst[o] = 0;
}

#endif
