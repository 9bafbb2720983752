/* Filters that act outside their graph: the files they write go through the
 * output-path policy, and with untrusted_filters every such filter is
 * refused, all before any filter is created. */
#include <string.h>

#include <libavutil/dict.h>
#include <libavutil/error.h>

#include "codecs/codecs.h"
#include "pipeline/pl_main.h"
#include "pipeline/pl_outpath.h"

typedef struct fpol {
  const iso_pipeline *p;
  const pl_job *j;
  const char *origin; /* "vf", "filter:a:1", "filter_complex" */
  const char *const *names;
  int nnames;
  char *err;
  size_t n;
} fpol;

static int check_fx(void *ud, const cx_fx *fx) {
  fpol *c = ud;
  const pl_job *job = c->p->job;
  /* One word for the whole run, whichever output's chain it is. */
  if (job->untrusted_filters) {
    if (fx->option)
      snprintf(c->err, c->n,
               "%s: filter '%s' option %s='%s' %s: not allowed with untrusted_filters", c->origin,
               fx->filter, fx->option, fx->value, cx_fx_kind_name(fx->kind));
    else
      snprintf(c->err, c->n, "%s: filter '%s' %s: not allowed with untrusted_filters", c->origin,
               fx->filter, cx_fx_kind_name(fx->kind));
    return AVERROR(EPERM);
  }
  /* "-" is standard output for the filters that write text (psnr, metadata). */
  if (!(fx->kind & CX_FX_WRITE) || !fx->value || !strcmp(fx->value, "-")) return 0;
  char what[160];
  snprintf(what, sizeof what, "%s: filter '%s' (option %s)", c->origin, fx->filter, fx->option);
  for (int k = 0; k < job->ninputs; k++) {
    /* A custom input is no file a write could destroy. */
    const char *in = k || !job->in_io.read ? pl_input_path(job, k) : NULL;
    pl_outpath_ctx pc = {in, "file,pipe", c->j->overwrite, k ? NULL : c->names, k ? 0 : c->nnames};
    if (pl_outpath_check(what, fx->value, &pc, c->err, c->n) != PL_PATH_OK) return AVERROR(EPERM);
  }
  return 0;
}

static int check_chain(fpol *c, const char *origin, const char *chain) {
  if (!chain) return 0;
  c->origin = origin;
  return cx_fgraph_effects(chain, check_fx, c);
}

int pl_main_check_filters(iso_pipeline *p, char *err, size_t errlen) {
  /* Never over an output or the stats and trace files. */
  const char *names[PL_MAX_FILES + 2];
  int n = 0;
  for (int f = 0; f < p->nfiles; f++)
    if (p->file[f]->output && !p->file[f]->out_io.write) names[n++] = p->file[f]->output;
  if (p->stats_path) names[n++] = p->stats_path;
  if (p->trace_path) names[n++] = p->trace_path;
  for (int f = 0; f < p->nfiles; f++) {
    const pl_job *j = p->file[f];
    fpol c = {p, j, NULL, names, n, err, errlen};
    int ret = check_chain(&c, "vf", j->vf);
    if (ret >= 0) ret = check_chain(&c, "af", j->af);
    if (ret >= 0 && f == 0) ret = check_chain(&c, "filter_complex", j->fcomplex);
    const AVDictionaryEntry *e = NULL;
    while (ret >= 0 && (e = av_dict_get(j->sidx, "", e, AV_DICT_IGNORE_SUFFIX)))
      if (!strncmp(e->key, "vf:", 3) || !strncmp(e->key, "af:", 3) ||
          !strncmp(e->key, "filter:", 7))
        ret = check_chain(&c, e->key, e->value);
    if (ret < 0) {
      if (!*err) snprintf(err, errlen, "filters: %s", av_err2str(ret));
      return ISO_EINVAL;
    }
  }
  return ISO_OK;
}
