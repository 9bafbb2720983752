/* Message values: construction, accessors, equality, and the deep copy used by send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"

char *rt_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

char *rt_vasprintf(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char *p = malloc((size_t)n + 1);
  if (p) vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

/* Strings and bytes live right after the node: one allocation per value. */
iso_value *rt_value_alloc(uint8_t type, size_t extra) {
  iso_value *v = rt_node_alloc(extra);
  if (!v) return NULL;
  v->type = type;
  if (extra) v->u.s.p = (char *)(v + 1);
  return v;
}

iso_value *iso_null(void) {
  return rt_value_alloc(ISO_V_NULL, 0);
}

iso_value *iso_bool(bool b) {
  iso_value *v = rt_value_alloc(ISO_V_BOOL, 0);
  if (v) v->u.b = b;
  return v;
}

iso_value *iso_int(int64_t i) {
  iso_value *v = rt_value_alloc(ISO_V_INT, 0);
  if (v) v->u.i = i;
  return v;
}

iso_value *iso_float(double d) {
  iso_value *v = rt_value_alloc(ISO_V_FLOAT, 0);
  if (v) v->u.d = d;
  return v;
}

static iso_value *mk_sized(uint8_t type, const void *p, size_t n, bool nul) {
  iso_value *v = rt_value_alloc(type, n + (nul ? 1 : 0) + 1);
  if (!v) return NULL;
  if (n) memcpy(v->u.s.p, p, n);
  v->u.s.p[n] = 0;
  v->u.s.n = n;
  return v;
}

iso_value *iso_str(const char *s) {
  return s ? mk_sized(ISO_V_STRING, s, strlen(s), true) : NULL;
}

iso_value *iso_strf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = rt_vasprintf(fmt, ap);
  va_end(ap);
  if (!s) return NULL;
  iso_value *v = iso_str(s);
  free(s);
  return v;
}

iso_value *iso_bytes(const void *p, size_t n) {
  if (!p && n) return NULL;
  return mk_sized(ISO_V_BYTES, p, n, false);
}

/* A list starts with room for RT_LIST_INLINE items inside its node. */
static iso_value *list_new(size_t n) {
  if (n > RT_LIST_INLINE) return rt_value_alloc(ISO_V_LIST, 0);
  iso_value *v = rt_value_alloc(ISO_V_LIST, RT_LIST_INLINE * sizeof(iso_value *));
  if (!v) return NULL;
  v->u.l.items = (iso_value **)(v + 1);
  v->u.l.keys = NULL; /* aliases the string length set by rt_value_alloc */
  v->u.l.cap = RT_LIST_INLINE;
  return v;
}

iso_value *iso_list(void) {
  return list_new(0);
}
iso_value *iso_map(void) {
  return rt_value_alloc(ISO_V_MAP, 0);
}

static int grow(iso_value *c) {
  if (c->u.l.len < c->u.l.cap) return ISO_OK;
  size_t cap = c->u.l.cap ? c->u.l.cap * 2 : 4;
  iso_value **items;
  if (RT_LIST_IS_INLINE(c)) {
    items = malloc(cap * sizeof(*items));
    if (!items) return ISO_ENOMEM;
    memcpy(items, c->u.l.items, c->u.l.len * sizeof(*items));
  } else {
    items = realloc(c->u.l.items, cap * sizeof(*items));
    if (!items) return ISO_ENOMEM;
  }
  c->u.l.items = items;
  if (c->type == ISO_V_MAP) {
    char **keys = realloc(c->u.l.keys, cap * sizeof(*keys));
    if (!keys) return ISO_ENOMEM;
    c->u.l.keys = keys;
  }
  c->u.l.cap = cap;
  return ISO_OK;
}

int iso_list_push(iso_value *list, iso_value *v) {
  if (!list || list->type != ISO_V_LIST || !v) {
    iso_value_free(v);
    return ISO_EINVAL;
  }
  if (grow(list)) {
    iso_value_free(v);
    return ISO_ENOMEM;
  }
  list->u.l.items[list->u.l.len++] = v;
  return ISO_OK;
}

int iso_map_set(iso_value *map, const char *key, iso_value *v) {
  if (!map || map->type != ISO_V_MAP || !key || !v) {
    iso_value_free(v);
    return ISO_EINVAL;
  }
  for (size_t i = 0; i < map->u.l.len; i++) {
    if (strcmp(map->u.l.keys[i], key) == 0) {
      iso_value_free(map->u.l.items[i]);
      map->u.l.items[i] = v;
      return ISO_OK;
    }
  }
  char *k = rt_strdup(key);
  if (!k || grow(map)) {
    free(k);
    iso_value_free(v);
    return ISO_ENOMEM;
  }
  map->u.l.keys[map->u.l.len] = k;
  map->u.l.items[map->u.l.len++] = v;
  return ISO_OK;
}

iso_value *iso_v_sendport(iso_sendport *sp) {
  if (!sp) return NULL;
  iso_value *v = rt_value_alloc(ISO_V_SENDPORT, 0);
  if (v) v->u.sp = iso_sendport_ref(sp);
  return v;
}

iso_value *iso_v_blob(iso_blob *b) {
  if (!b) return NULL;
  iso_value *v = rt_value_alloc(ISO_V_BLOB, 0);
  if (v) v->u.blob = iso_blob_ref(b);
  return v;
}

iso_value *iso_transfer(void *ptr, iso_dtor dtor, uint32_t tag) {
  iso_value *v = rt_value_alloc(ISO_V_TRANSFER, 0);
  if (!v) {
    if (ptr && dtor) dtor(ptr);
    return NULL;
  }
  v->u.t.ptr = ptr;
  v->u.t.dtor = dtor;
  v->u.t.tag = tag;
  return v;
}

iso_value *iso_opaque(void *ptr) {
  iso_value *v = rt_value_alloc(ISO_V_OPAQUE, 0);
  if (v) v->u.opaque = ptr;
  return v;
}

iso_value *iso_listv(iso_value *first, ...) {
  iso_value *l = iso_list();
  va_list ap;
  va_start(ap, first);
  for (iso_value *v = first; v; v = va_arg(ap, iso_value *)) {
    if (l)
      iso_list_push(l, v);
    else
      iso_value_free(v);
  }
  va_end(ap);
  return l;
}

iso_value *rt_list_of(size_t n, ...) {
  va_list ap;
  va_start(ap, n);
  iso_value *l = list_new(n);
  bool ok = l != NULL;
  if (ok && n > l->u.l.cap) {
    l->u.l.items = malloc(n * sizeof(*l->u.l.items));
    ok = l->u.l.items != NULL;
    if (ok) l->u.l.cap = n;
  }
  for (size_t i = 0; i < n; i++) {
    iso_value *v = va_arg(ap, iso_value *);
    if (!v) ok = false;
    if (ok)
      l->u.l.items[l->u.l.len++] = v;
    else
      iso_value_free(v);
  }
  va_end(ap);
  if (!ok) {
    iso_value_free(l);
    return NULL;
  }
  return l;
}

void iso_value_free(iso_value *v) {
  if (!v) return;
  switch (v->type) {
  case ISO_V_LIST:
  case ISO_V_MAP:
    for (size_t i = 0; i < v->u.l.len; i++) {
      iso_value_free(v->u.l.items[i]);
      if (v->u.l.keys) free(v->u.l.keys[i]);
    }
    if (!RT_LIST_IS_INLINE(v)) free(v->u.l.items);
    free(v->u.l.keys);
    break;
  case ISO_V_SENDPORT:
    iso_sendport_release(v->u.sp);
    break;
  case ISO_V_BLOB:
    iso_blob_unref(v->u.blob);
    break;
  case ISO_V_TRANSFER:
    if (v->u.t.ptr && v->u.t.dtor) v->u.t.dtor(v->u.t.ptr);
    break;
  default:
    break;
  }
  rt_node_free(v);
}

iso_vtype iso_type(const iso_value *v) {
  return v ? (iso_vtype)v->type : ISO_V_NULL;
}
bool iso_as_bool(const iso_value *v) {
  if (!v) return false;
  if (v->type == ISO_V_BOOL) return v->u.b;
  if (v->type == ISO_V_INT) return v->u.i != 0;
  return false;
}
int64_t iso_as_int(const iso_value *v) {
  return v && v->type == ISO_V_INT ? v->u.i : 0;
}
double iso_as_float(const iso_value *v) {
  if (!v) return 0;
  if (v->type == ISO_V_FLOAT) return v->u.d;
  if (v->type == ISO_V_INT) return (double)v->u.i;
  return 0;
}
const char *iso_as_str(const iso_value *v) {
  return v && v->type == ISO_V_STRING ? v->u.s.p : NULL;
}
const void *iso_as_bytes(const iso_value *v, size_t *len) {
  if (!v || (v->type != ISO_V_BYTES && v->type != ISO_V_STRING)) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = v->u.s.n;
  return v->u.s.p ? v->u.s.p : "";
}
size_t iso_list_len(const iso_value *v) {
  return v && (v->type == ISO_V_LIST || v->type == ISO_V_MAP) ? v->u.l.len : 0;
}
iso_value *iso_list_at(const iso_value *v, size_t i) {
  return v && v->type == ISO_V_LIST && i < v->u.l.len ? v->u.l.items[i] : NULL;
}
iso_value *iso_map_get(const iso_value *v, const char *key) {
  if (!v || v->type != ISO_V_MAP || !key) return NULL;
  for (size_t i = 0; i < v->u.l.len; i++)
    if (strcmp(v->u.l.keys[i], key) == 0) return v->u.l.items[i];
  return NULL;
}
iso_sendport *iso_as_sendport(const iso_value *v) {
  return v && v->type == ISO_V_SENDPORT ? v->u.sp : NULL;
}
iso_blob *iso_as_blob(const iso_value *v) {
  return v && v->type == ISO_V_BLOB ? v->u.blob : NULL;
}
void *iso_transfer_take(iso_value *v, uint32_t *tag) {
  if (!v || v->type != ISO_V_TRANSFER) return NULL;
  if (tag) *tag = v->u.t.tag;
  void *p = v->u.t.ptr;
  v->u.t.ptr = NULL;
  return p;
}
uint32_t iso_transfer_tag(const iso_value *v) {
  return v && v->type == ISO_V_TRANSFER ? v->u.t.tag : 0;
}
void *iso_as_opaque(const iso_value *v) {
  return v && v->type == ISO_V_OPAQUE ? v->u.opaque : NULL;
}

bool iso_value_equal(const iso_value *a, const iso_value *b) {
  if (a == b) return a == NULL || a->type != ISO_V_TRANSFER;
  if (!a || !b || a->type != b->type) return false;
  switch (a->type) {
  case ISO_V_NULL:
    return true;
  case ISO_V_BOOL:
    return a->u.b == b->u.b;
  case ISO_V_INT:
    return a->u.i == b->u.i;
  case ISO_V_FLOAT:
    return a->u.d == b->u.d;
  case ISO_V_STRING:
  case ISO_V_BYTES:
    return a->u.s.n == b->u.s.n && (a->u.s.n == 0 || !memcmp(a->u.s.p, b->u.s.p, a->u.s.n));
  case ISO_V_LIST:
    if (a->u.l.len != b->u.l.len) return false;
    for (size_t i = 0; i < a->u.l.len; i++)
      if (!iso_value_equal(a->u.l.items[i], b->u.l.items[i])) return false;
    return true;
  case ISO_V_MAP:
    if (a->u.l.len != b->u.l.len) return false;
    for (size_t i = 0; i < a->u.l.len; i++)
      if (!iso_value_equal(a->u.l.items[i], iso_map_get(b, a->u.l.keys[i]))) return false;
    return true;
  case ISO_V_SENDPORT:
    return iso_sendport_equal(a->u.sp, b->u.sp);
  case ISO_V_BLOB:
    return a->u.blob == b->u.blob;
  case ISO_V_OPAQUE:
    return a->u.opaque == b->u.opaque;
  default:
    return false;
  }
}

uint32_t rt_msg_flags(const iso_value *msg) {
  return msg ? msg->q_flags : 0;
}

/* Walks v before anything is touched, so an unsendable message fails whole. */
int rt_value_check_sendable(const iso_value *v, uint64_t *transfers) {
  if (!v) return ISO_EINVAL;
  switch (v->type) {
  case ISO_V_OPAQUE:
    return ISO_EUNSENDABLE;
  case ISO_V_TRANSFER:
    if (v->u.t.ptr) ++*transfers;
    return ISO_OK;
  case ISO_V_LIST:
  case ISO_V_MAP:
    for (size_t i = 0; i < v->u.l.len; i++) {
      int rc = rt_value_check_sendable(v->u.l.items[i], transfers);
      if (rc) return rc;
    }
    return ISO_OK;
  default:
    return ISO_OK;
  }
}

/* Deep copy for send: plain data copied, blobs and send ports referenced,
 * transfers moved out of v. Call only after rt_value_check_sendable. */
iso_value *rt_value_copy_for_send(iso_value *v, uint64_t *bytes, uint64_t *transfers) {
  iso_value *c;
  switch (v->type) {
  case ISO_V_STRING:
  case ISO_V_BYTES:
    *bytes += v->u.s.n;
    return mk_sized(v->type, v->u.s.p, v->u.s.n, v->type == ISO_V_STRING);
  case ISO_V_LIST:
  case ISO_V_MAP:
    c = v->type == ISO_V_LIST ? list_new(v->u.l.len) : rt_value_alloc(v->type, 0);
    if (!c) return NULL;
    if (v->u.l.len > c->u.l.cap) {
      c->u.l.items = malloc(v->u.l.len * sizeof(*c->u.l.items));
      if (v->type == ISO_V_MAP) c->u.l.keys = calloc(v->u.l.len, sizeof(*c->u.l.keys));
      if (!c->u.l.items || (v->type == ISO_V_MAP && !c->u.l.keys)) {
        free(c->u.l.items);
        free(c->u.l.keys);
        rt_node_free(c);
        return NULL;
      }
      c->u.l.cap = v->u.l.len;
    }
    *bytes += v->u.l.len * sizeof(*c->u.l.items);
    for (size_t i = 0; i < v->u.l.len; i++) {
      iso_value *e = rt_value_copy_for_send(v->u.l.items[i], bytes, transfers);
      char *k = NULL;
      if (e && v->type == ISO_V_MAP) {
        k = rt_strdup(v->u.l.keys[i]);
        *bytes += strlen(v->u.l.keys[i]) + 1;
        if (!k) {
          iso_value_free(e);
          e = NULL;
        }
      }
      if (!e) {
        iso_value_free(c);
        return NULL;
      }
      c->u.l.items[i] = e;
      if (k) c->u.l.keys[i] = k;
      c->u.l.len = i + 1;
    }
    return c;
  case ISO_V_SENDPORT:
    return iso_v_sendport(v->u.sp);
  case ISO_V_BLOB:
    return iso_v_blob(v->u.blob);
  case ISO_V_TRANSFER:
    c = rt_value_alloc(ISO_V_TRANSFER, 0);
    if (!c) return NULL;
    c->u.t = v->u.t;
    if (v->u.t.ptr) ++*transfers;
    v->u.t.ptr = NULL; /* the sender's handle is cleared: it moved */
    return c;
  default:
    c = rt_value_alloc(v->type, 0);
    if (c) c->u = v->u;
    return c;
  }
}
