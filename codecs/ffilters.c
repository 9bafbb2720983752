/* The filters of a graph description, walked without creating any: their
 * names, the options their arguments set, and what they do besides
 * filtering (load code, open sockets, read or write files). */
#include <stdbool.h>
#include <string.h>

#include <libavfilter/avfilter.h>
#include <libavutil/avstring.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>

#include "codecs/codecs.h"
#include "codecs/cx_internal.h"

/* What a filter does outside its graph. An entry without an option is the
 * filter itself (a plugin is code whatever its options say); one with an
 * option acts when the option is set or has a default (vidstabdetect writes
 * transforms.trf unless told otherwise). */
typedef struct fx_entry {
  const char *filter, *option;
  int kind;
} fx_entry;

static const fx_entry fx_table[] = {
    {"ladspa", NULL, CX_FX_CODE},
    {"lv2", NULL, CX_FX_CODE},
    {"frei0r", NULL, CX_FX_CODE},
    {"frei0r_src", NULL, CX_FX_CODE},
    {"program_opencl", "source", CX_FX_CODE},
    {"openclsrc", "source", CX_FX_CODE},
    {"libplacebo", "custom_shader_path", CX_FX_CODE},
    {"zmq", NULL, CX_FX_NET},
    {"azmq", NULL, CX_FX_NET},
    {"movie", NULL, CX_FX_READ | CX_FX_NET},
    {"amovie", NULL, CX_FX_READ | CX_FX_NET},
    {"metadata", "file", CX_FX_WRITE},
    {"ametadata", "file", CX_FX_WRITE},
    {"psnr", "stats_file", CX_FX_WRITE},
    {"ssim", "stats_file", CX_FX_WRITE},
    {"vmafmotion", "stats_file", CX_FX_WRITE},
    {"libvmaf", "log_path", CX_FX_WRITE},
    {"vidstabdetect", "result", CX_FX_WRITE},
    {"deshake", "filename", CX_FX_WRITE},
    {"signature", "filename", CX_FX_WRITE},
    {"firequalizer", "dumpfile", CX_FX_WRITE},
    {"curves", "plot", CX_FX_WRITE},
    {"curves", "psfile", CX_FX_READ},
    {"selectivecolor", "psfile", CX_FX_READ},
    {"vidstabtransform", "input", CX_FX_READ},
    {"sendcmd", "filename", CX_FX_READ},
    {"asendcmd", "filename", CX_FX_READ},
    {"drawtext", "fontfile", CX_FX_READ},
    {"drawtext", "textfile", CX_FX_READ},
    {"subtitles", "filename", CX_FX_READ},
    {"subtitles", "fontsdir", CX_FX_READ},
    {"ass", "filename", CX_FX_READ},
    {"ass", "fontsdir", CX_FX_READ},
    {"lut3d", "file", CX_FX_READ},
    {"lut1d", "file", CX_FX_READ},
    {"cover_rect", "cover", CX_FX_READ},
    {"find_rect", "object", CX_FX_READ},
    {"removelogo", "filename", CX_FX_READ},
    {"sofalizer", "sofa", CX_FX_READ},
    {"arnndn", "model", CX_FX_READ},
    {"dnn_processing", "model", CX_FX_READ},
    {"dnn_detect", "model", CX_FX_READ},
    {"dnn_detect", "labels", CX_FX_READ},
    {"dnn_classify", "model", CX_FX_READ},
    {"dnn_classify", "labels", CX_FX_READ},
    {"sr", "model", CX_FX_READ},
    {"derain", "model", CX_FX_READ},
    {"ocr", "datapath", CX_FX_READ},
};

const char *cx_fx_kind_name(int kind) {
  if (kind & CX_FX_CODE) return "loads code";
  if (kind & CX_FX_NET) return "opens network connections";
  if (kind & CX_FX_WRITE) return "writes a file";
  return "reads a file";
}

int cx_filter_args_each(const AVFilter *flt, const char *args, cx_arg_cb cb, void *ud) {
  if (!args || !*args) return 0;
  const AVClass *cls = flt ? flt->priv_class : NULL;
  const void *obj = cls ? &cls : NULL;
  const AVOption *o = NULL;
  int offset = -1, ret = 0;
  while (*args && ret >= 0) {
    /* Positional values fill the options in their declared order (aliases
     * and constants skipped) until the first key=value, as libavfilter
     * reads them. */
    const char *shorthand = NULL;
    if (obj && (o = av_opt_next(obj, o))) {
      if (o->type == AV_OPT_TYPE_CONST || o->offset == offset) continue;
      offset = o->offset;
      shorthand = o->name;
    }
    char *key = NULL, *value = NULL;
    ret = av_opt_get_key_value(&args, "=", ":", shorthand ? AV_OPT_FLAG_IMPLICIT_KEY : 0, &key,
                               &value);
    if (ret < 0) break;
    if (*args) args++;
    if (key) {
      while (obj && (o = av_opt_next(obj, o))) {
      }
    }
    ret = cb(ud, key ? key : shorthand, value);
    av_free(key);
    av_free(value);
  }
  return ret;
}

/* The option named by key, canonical: an alias ("f") shares its offset. */
static bool same_option(const AVFilter *flt, const char *key, const char *name) {
  const AVClass *cls = flt->priv_class;
  if (!cls || !key) return false;
  const AVOption *a = av_opt_find2(&cls, key, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ, NULL);
  const AVOption *b = av_opt_find2(&cls, name, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ, NULL);
  return a && b && a->type != AV_OPT_TYPE_CONST && a->offset == b->offset;
}

typedef struct opt_find {
  const AVFilter *flt;
  const char *name;
  char *value; /* the last setting wins */
} opt_find;

static int find_cb(void *ud, const char *key, const char *value) {
  opt_find *f = ud;
  if (!same_option(f->flt, key, f->name)) return 0;
  av_free(f->value);
  f->value = av_strdup(value ? value : "");
  return f->value ? 0 : AVERROR(ENOMEM);
}

typedef struct fx_walk {
  cx_fx_cb cb;
  void *ud;
} fx_walk;

static int effects_of(void *ud, const char *name, const char *args) {
  fx_walk *w = ud;
  const AVFilter *flt = avfilter_get_by_name(name);
  int ret = 0;
  for (size_t i = 0; ret >= 0 && i < sizeof fx_table / sizeof fx_table[0]; i++) {
    const fx_entry *e = &fx_table[i];
    if (strcmp(e->filter, name) != 0) continue;
    cx_fx fx = {name, e->option, e->kind, NULL};
    if (!e->option) {
      ret = w->cb(w->ud, &fx);
      continue;
    }
    if (!flt || !flt->priv_class) continue;
    opt_find f = {flt, e->option, NULL};
    ret = cx_filter_args_each(flt, args, find_cb, &f);
    if (ret < 0) {
      av_free(f.value);
      /* Arguments libavfilter cannot read either: the build says why. */
      ret = 0;
      continue;
    }
    const AVClass *cls = flt->priv_class;
    const AVOption *o = av_opt_find2(&cls, e->option, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ, NULL);
    const char *v = f.value                              ? f.value
                    : o && o->type == AV_OPT_TYPE_STRING ? o->default_val.str
                                                         : NULL;
    if (v && *v) {
      fx.value = v;
      ret = w->cb(w->ud, &fx);
    }
    av_free(f.value);
  }
  return ret;
}

int cx_fgraph_effects(const char *desc, cx_fx_cb cb, void *ud) {
  fx_walk w = {cb, ud};
  return desc ? cx_fgraph_walk(desc, effects_of, &w) : 0;
}

/* Acts that change something outside: reading a file does not. */
static int changes_cb(void *ud, const cx_fx *fx) {
  if (fx->kind & (CX_FX_CODE | CX_FX_NET | CX_FX_WRITE)) *(bool *)ud = true;
  return 0;
}

bool cx_filter_acts_outside(const char *name, const char *args) {
  bool any = false;
  fx_walk w = {changes_cb, &any};
  effects_of(&w, name, args);
  return any;
}

bool cx_fgraph_acts_outside(const char *desc) {
  bool any = false;
  if (desc) cx_fgraph_effects(desc, changes_cb, &any);
  return any;
}

int cx_fgraph_walk(const char *desc, cx_filter_cb cb, void *ud) {
  const char *p = desc;
  const char *ws = " \n\t\r";
  int ret = 0;
  /* libavfilter's graph syntax: [labels] name[@id][=args] [labels],
   * separated by ',' or ';'. Syntax errors are left to its parser. */
  while (*p && ret >= 0) {
    p += strspn(p, ws);
    while (*p == '[') {
      const char *e = strchr(p, ']');
      if (!e) return ret;
      p = e + 1 + strspn(e + 1, ws);
    }
    if (!*p) break;
    char *name = av_get_token(&p, "=,;[");
    char *args = NULL;
    if (!name) return AVERROR(ENOMEM);
    if (*p == '=') {
      p++;
      if (!(args = av_get_token(&p, "[],;"))) ret = AVERROR(ENOMEM);
    }
    name[strcspn(name, "@ \n\t\r")] = 0;
    if (ret >= 0 && *name) ret = cb(ud, name, args);
    av_free(name);
    av_free(args);
    while (*p == '[' || (*p && strchr(ws, *p))) {
      const char *e = *p == '[' ? strchr(p, ']') : p;
      if (!e) return ret;
      p = e + 1;
    }
    if (*p == ',' || *p == ';') p++;
  }
  return ret;
}
