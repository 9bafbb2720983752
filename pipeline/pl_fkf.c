/* -force_key_frames as ffmpeg 5.1 reads it: a list of times (with chapters), expr:, or source. */
#include <libavutil/eval.h>
#include <libavutil/parseutils.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pl_fkf.h"
#include "pipeline/pl_internal.h"
#include "pipeline/pl_meta.h"

/* The names an expr: sees, in ffmpeg's order. */
static const char *const fkf_names[] = {"n", "n_forced", "prev_forced_n", "prev_forced_t",
                                        "t", NULL};
enum { FKF_N, FKF_N_FORCED, FKF_PREV_N, FKF_PREV_T, FKF_T, FKF_NB };

struct pl_fkf {
  AVExpr *expr;
  double v[FKF_NB];
  int64_t *pts; /* sorted times, in the encoder's time base */
  int npts, next;
  bool have_ref;
  int64_t ref; /* the first frame's pts: expr's t counts from it */
  bool source;
  AVRational tb;
};

int pl_fkf_check(const char *spec, char *err, size_t n) {
  if (!spec || !*spec) return pl_fail(err, n, "force_key_frames: empty"), -1;
  if (!strncmp(spec, "expr:", 5)) {
    AVExpr *e = NULL;
    int r = av_expr_parse(&e, spec + 5, fkf_names, NULL, NULL, NULL, NULL, 0, NULL);
    av_expr_free(e);
    if (r < 0)
      return pl_fail(err, n,
                     "force_key_frames: invalid expression '%s' (names: n, n_forced, "
                     "prev_forced_n, prev_forced_t, t)",
                     spec + 5),
             -1;
    return 0;
  }
  if (!strncmp(spec, "source", 6)) return 0;
  const char *p = spec;
  while (*p) {
    size_t len = strcspn(p, ",");
    char item[128];
    snprintf(item, sizeof item, "%.*s", (int)len, p);
    int64_t t;
    const char *tm = !strncmp(item, "chapters", 8) ? item + 8 : item;
    if (*tm && av_parse_time(&t, tm, 1) < 0)
      return pl_fail(err, n, "force_key_frames: bad time '%s'", item), -1;
    p += len;
    if (*p == ',') p++;
  }
  return 0;
}

static int cmp_pts(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int add_pts(pl_fkf *k, int64_t v) {
  int64_t *np = realloc(k->pts, (size_t)(k->npts + 1) * sizeof *np);
  if (!np) return AVERROR(ENOMEM);
  k->pts = np;
  k->pts[k->npts++] = v;
  return 0;
}

static bool names_chapters(const char *spec) {
  for (const char *p = spec; p && *p;) {
    if (!strncmp(p, "chapters", 8)) return true;
    p = strchr(p, ',');
    if (p) p++;
  }
  return false;
}

int pl_fkf_chapters(const pl_job *j, const char *spec, pl_chapter **out) {
  *out = NULL;
  if (!spec || !strncmp(spec, "expr:", 5) || !strncmp(spec, "source", 6) || !names_chapters(spec))
    return 0;
  char err[PL_ERRLEN];
  AVFormatContext *oc = avformat_alloc_context();
  if (!oc) return AVERROR(ENOMEM);
  pl_out_meta m = pl_out_meta_of(j);
  int r = pl_meta_apply(&m, oc, NULL, 0, err, sizeof err) < 0 ? -1 : (int)oc->nb_chapters;
  if (r > 0 && !(*out = calloc((size_t)r, sizeof **out))) r = AVERROR(ENOMEM);
  for (int c = 0; c < r; c++)
    (*out)[c] = (pl_chapter){oc->chapters[c]->start, oc->chapters[c]->time_base};
  avformat_free_context(oc);
  return r;
}

static int parse_times(pl_fkf *k, const char *spec, const pl_chapter *ch, int nch) {
  const char *p = spec;
  int r = 0;
  while (*p && r >= 0) {
    size_t len = strcspn(p, ",");
    char item[128];
    snprintf(item, sizeof item, "%.*s", (int)len, p);
    int64_t t = 0;
    if (!strncmp(item, "chapters", 8)) {
      if (item[8] && av_parse_time(&t, item + 8, 1) < 0) return AVERROR(EINVAL);
      t = av_rescale_q(t, AV_TIME_BASE_Q, k->tb);
      if (nch < 0) return AVERROR(EINVAL);
      for (int c = 0; r >= 0 && c < nch; c++)
        r = add_pts(k, av_rescale_q(ch[c].start, ch[c].tb, k->tb) + t);
    } else {
      if (av_parse_time(&t, item, 1) < 0) return AVERROR(EINVAL);
      r = add_pts(k, av_rescale_q(t, AV_TIME_BASE_Q, k->tb));
    }
    p += len;
    if (*p == ',') p++;
  }
  if (k->npts) qsort(k->pts, (size_t)k->npts, sizeof *k->pts, cmp_pts);
  return r;
}

int pl_fkf_new(pl_fkf **out, const char *spec, const pl_chapter *ch, int nch, AVRational tb) {
  *out = NULL;
  pl_fkf *k = calloc(1, sizeof *k);
  if (!k) return AVERROR(ENOMEM);
  k->tb = tb;
  int r = 0;
  if (!strncmp(spec, "expr:", 5)) {
    r = av_expr_parse(&k->expr, spec + 5, fkf_names, NULL, NULL, NULL, NULL, 0, NULL);
    k->v[FKF_PREV_N] = k->v[FKF_PREV_T] = k->v[FKF_T] = NAN;
  } else if (!strncmp(spec, "source", 6)) {
    k->source = true;
  } else {
    r = parse_times(k, spec, ch, nch);
  }
  if (r < 0) {
    pl_fkf_free(&k);
    return r;
  }
  *out = k;
  return 0;
}

bool pl_fkf_frame(pl_fkf *k, int64_t pts, bool key_frame) {
  if (k->next < k->npts && pts != AV_NOPTS_VALUE && pts >= k->pts[k->next]) {
    k->next++;
    return true;
  }
  if (k->expr) {
    /* t counts from the first frame's time, as ffmpeg 5.1's (whose frames
     * keep the input's clock under -copyts). */
    if (!k->have_ref && pts != AV_NOPTS_VALUE) {
      k->have_ref = true;
      k->ref = pts;
    }
    k->v[FKF_T] = pts != AV_NOPTS_VALUE ? (double)(pts - k->ref) * av_q2d(k->tb) : NAN;
    bool force = av_expr_eval(k->expr, k->v, NULL) != 0;
    if (force) {
      k->v[FKF_PREV_N] = k->v[FKF_N];
      k->v[FKF_PREV_T] = k->v[FKF_T];
      k->v[FKF_N_FORCED] += 1;
    }
    k->v[FKF_N] += 1;
    return force;
  }
  return k->source && key_frame;
}

void pl_fkf_free(pl_fkf **pk) {
  pl_fkf *k = pk ? *pk : NULL;
  if (!k) return;
  av_expr_free(k->expr);
  free(k->pts);
  free(k);
  *pk = NULL;
}
