/*
 * ofxhost.c -- the project's OpenFX test host (see ofxhost.h).
 *
 * Property names and values are written here as string literals, independently of the macros in
 * include/ofx_api.h, so a mistyped name in that header shows up as a violation instead of being
 * shared silently by plug-in and host. The suite structs come from the header (their layout is
 * pinned by _Static_asserts there).
 */
#include "ofxhost.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofx_api.h"

/* ---- small utilities ------------------------------------------------------------------------ */

static char *xstrdup(const char *s) {
  size_t n = strlen(s ? s : "") + 1;
  char *d = (char *)malloc(n);
  if (!d) abort();
  memcpy(d, s ? s : "", n);
  return d;
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) abort();
  return p;
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) abort();
  return q;
}

static void fmt(char *buf, int len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, int len, const char *f, ...) {
  if (!buf || len <= 0) return;
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, (size_t)len, f, ap);
  va_end(ap);
}

typedef struct sbuf {
  char *s;
  size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  int need = vsnprintf(NULL, 0, f, ap);
  va_end(ap);
  if (need < 0) return;
  if (b->n + (size_t)need + 1 > b->cap) {
    b->cap = (b->n + (size_t)need + 1) * 2;
    b->s = (char *)xrealloc(b->s, b->cap);
  }
  va_start(ap, f);
  vsnprintf(b->s + b->n, b->cap - b->n, f, ap);
  va_end(ap);
  b->n += (size_t)need;
}

static void sb_json_str(sbuf *b, const char *s) {
  sb_add(b, "\"");
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') sb_add(b, "\\%c", *p);
    else if (*p < 0x20) sb_add(b, "\\u%04x", *p);
    else sb_add(b, "%c", *p);
  }
  sb_add(b, "\"");
}

static int sb_out(sbuf *b, char *buf, int len) {
  if (buf && len > 0) {
    size_t n = b->n < (size_t)len - 1 ? b->n : (size_t)len - 1;
    if (b->s) memcpy(buf, b->s, n);
    buf[n] = '\0';
  }
  int total = (int)b->n;
  free(b->s);
  return total;
}

/* ---- host-wide state ------------------------------------------------------------------------ */

#define MAX_VIOLATIONS 64
#define MAX_ACTIONS 32

struct nh_host {
  nh_config cfg;
  void *dl;
  OfxPlugin *plugin;
  OfxHost ofx;
  OfxPropertySetHandle props;
  struct OfxImageEffectStruct *descriptor;
  struct OfxImageEffectStruct *contexts[2];
  int ncontexts;
  pthread_mutex_t lock; /* violations, counters, messages, parameter values */
  char *violations[MAX_VIOLATIONS];
  int nviolations;
  struct {
    const char *name;
    long count;
  } actions[MAX_ACTIONS];
  int nactions;
  long images_fetched, images_released, images_outstanding, multithread_calls, max_threads;
  unsigned suites_fetched;
  nh_inst **insts;
  int ninsts;
};

static void violation(nh_host *h, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void violation(nh_host *h, const char *f, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, f);
  vsnprintf(msg, sizeof msg, f, ap);
  va_end(ap);
  if (!h) {
    fprintf(stderr, "ofxhost: violation: %s\n", msg);
    return;
  }
  pthread_mutex_lock(&h->lock);
  int dup = 0;
  for (int i = 0; i < h->nviolations; i++)
    if (strcmp(h->violations[i], msg) == 0) dup = 1;
  if (!dup && h->nviolations < MAX_VIOLATIONS) h->violations[h->nviolations++] = xstrdup(msg);
  pthread_mutex_unlock(&h->lock);
}

static void count_action(nh_host *h, const char *name) {
  pthread_mutex_lock(&h->lock);
  int i;
  for (i = 0; i < h->nactions; i++)
    if (strcmp(h->actions[i].name, name) == 0) break;
  if (i == h->nactions && h->nactions < MAX_ACTIONS) {
    h->actions[i].name = name;
    h->actions[i].count = 0;
    h->nactions++;
  }
  if (i < h->nactions) h->actions[i].count++;
  pthread_mutex_unlock(&h->lock);
}

/* ---- property sets --------------------------------------------------------------------------- */

typedef enum { T_INT, T_DBL, T_STR, T_PTR, T_PARAMDEP } ptype;

static const struct known {
  const char *name;
  ptype type;
} KNOWN[] = {
    {"OfxPropType", T_STR}, {"OfxPropName", T_STR}, {"OfxPropLabel", T_STR}, {"OfxPropShortLabel", T_STR},
    {"OfxPropLongLabel", T_STR}, {"OfxPropTime", T_DBL}, {"OfxPropInstanceData", T_PTR},
    {"OfxPropPluginDescription", T_STR}, {"OfxPropChangeReason", T_STR}, {"OfxPropAPIVersion", T_INT},
    {"OfxPropVersion", T_INT}, {"OfxPropVersionLabel", T_STR}, {"OfxPropIsInteractive", T_INT},
    {"OfxPropEffectInstance", T_PTR}, {"OfxPropIcon", T_STR},
    {"OfxImageEffectPropSupportedContexts", T_STR}, {"OfxImageEffectPluginPropGrouping", T_STR},
    {"OfxImageEffectPluginPropSingleInstance", T_INT}, {"OfxImageEffectPluginRenderThreadSafety", T_STR},
    {"OfxImageEffectPluginPropHostFrameThreading", T_INT}, {"OfxImageEffectPropSupportsMultiResolution", T_INT},
    {"OfxImageEffectPropSupportsTiles", T_INT}, {"OfxImageEffectPropTemporalClipAccess", T_INT},
    {"OfxImageEffectPropSupportedPixelDepths", T_STR}, {"OfxImageEffectPropMultipleClipDepths", T_INT},
    {"OfxImageEffectPropSupportsMultipleClipPARs", T_INT}, {"OfxImageEffectPropNoSpatialAwareness", T_STR},
    {"OfxImageEffectPluginPropFieldRenderTwiceAlways", T_INT}, {"OfxImageEffectPropContext", T_STR},
    {"OfxImageEffectPropSupportedComponents", T_STR}, {"OfxImageEffectPropSupportsOverlays", T_INT},
    {"OfxImageEffectHostPropIsBackground", T_INT}, {"OfxImageEffectPropSetableFrameRate", T_INT},
    {"OfxImageEffectPropSetableFielding", T_INT}, {"OfxParamHostPropSupportsCustomInteract", T_INT},
    {"OfxParamHostPropSupportsStringAnimation", T_INT}, {"OfxParamHostPropSupportsChoiceAnimation", T_INT},
    {"OfxParamHostPropSupportsBooleanAnimation", T_INT}, {"OfxParamHostPropSupportsCustomAnimation", T_INT},
    {"OfxParamHostPropMaxParameters", T_INT}, {"OfxParamHostPropMaxPages", T_INT},
    {"OfxParamHostPropPageRowColumnCount", T_INT}, {"OfxImageEffectPropProjectSize", T_DBL},
    {"OfxImageEffectPropProjectOffset", T_DBL}, {"OfxImageEffectPropProjectExtent", T_DBL},
    {"OfxImageEffectPropPixelAspectRatio", T_DBL}, {"OfxImageEffectInstancePropEffectDuration", T_DBL},
    {"OfxImageEffectInstancePropSequentialRender", T_INT}, {"OfxImageEffectPropFrameRate", T_DBL},
    {"OfxImageEffectPropFrameRange", T_DBL}, {"OfxImageEffectPropUnmappedFrameRange", T_DBL},
    {"OfxImageEffectPropUnmappedFrameRate", T_DBL}, {"OfxImageEffectPropClipPreferencesSlaveParam", T_STR},
    {"OfxImageClipPropOptional", T_INT}, {"OfxImageClipPropIsMask", T_INT},
    {"OfxImageClipPropFieldExtraction", T_STR}, {"OfxImageClipPropConnected", T_INT},
    {"OfxImageClipPropUnmappedPixelDepth", T_STR}, {"OfxImageClipPropUnmappedComponents", T_STR},
    {"OfxImageClipPropFieldOrder", T_STR}, {"OfxImageClipPropContinuousSamples", T_INT},
    {"OfxImageEffectPropPixelDepth", T_STR}, {"OfxImageEffectPropComponents", T_STR},
    {"OfxImageEffectPropPreMultiplication", T_STR}, {"OfxImagePropPixelAspectRatio", T_DBL},
    {"OfxImagePropData", T_PTR}, {"OfxImagePropBounds", T_INT}, {"OfxImagePropRegionOfDefinition", T_INT},
    {"OfxImagePropRowBytes", T_INT}, {"OfxImagePropField", T_STR}, {"OfxImagePropUniqueIdentifier", T_STR},
    {"OfxImageEffectPropRenderScale", T_DBL}, {"OfxImageEffectPropRenderWindow", T_INT},
    {"OfxImageEffectPropFieldToRender", T_STR}, {"OfxImageEffectPropRegionOfDefinition", T_DBL},
    {"OfxImageEffectPropRegionOfInterest", T_DBL}, {"OfxImageEffectPropSequentialRenderStatus", T_INT},
    {"OfxImageEffectPropInteractiveRenderStatus", T_INT}, {"OfxImageEffectPropRenderQualityDraft", T_INT},
    {"OfxImageEffectPropFrameStep", T_DBL}, {"OfxImageClipPropRoI_Source", T_DBL},
    {"OfxParamPropType", T_STR}, {"OfxParamPropDefault", T_PARAMDEP}, {"OfxParamPropMin", T_PARAMDEP},
    {"OfxParamPropMax", T_PARAMDEP}, {"OfxParamPropDisplayMin", T_PARAMDEP}, {"OfxParamPropDisplayMax", T_PARAMDEP},
    {"OfxParamPropIncrement", T_DBL}, {"OfxParamPropDigits", T_INT}, {"OfxParamPropDoubleType", T_STR},
    {"OfxParamPropHint", T_STR}, {"OfxParamPropScriptName", T_STR}, {"OfxParamPropAnimates", T_INT},
    {"OfxParamPropIsAnimating", T_INT}, {"OfxParamPropIsAutoKeying", T_INT},
    {"OfxParamPropEvaluateOnChange", T_INT}, {"OfxParamPropPersistant", T_INT}, {"OfxParamPropSecret", T_INT},
    {"OfxParamPropEnabled", T_INT}, {"OfxParamPropParent", T_STR}, {"OfxParamPropCanUndo", T_INT},
    {"OfxParamPropChoiceOption", T_STR}, {"OfxParamPropChoiceOrder", T_INT}, {"OfxParamPropStringMode", T_STR},
    {"OfxParamPropStringFilePathExists", T_INT}, {"OfxParamPropCacheInvalidation", T_STR},
    {"OfxParamPropPluginMayWrite", T_INT}, {"OfxParamPropDataPtr", T_PTR}, {"OfxParamPropGroupOpen", T_INT},
    {"OfxParamPropPageChild", T_STR}, {"OfxParamPropShowTimeMarker", T_INT},
    {"OfxParamPropDefaultCoordinateSystem", T_STR}, {"OfxParamPropDimensionLabel", T_STR},
    {"OfxPluginPropParamPageOrder", T_STR}, {"OfxPropParamSetNeedsSyncing", T_INT},
};

static const struct known *known_prop(const char *name) {
  for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
    if (strcmp(KNOWN[i].name, name) == 0) return &KNOWN[i];
  return NULL;
}

typedef struct prop {
  char *name;
  ptype type;
  int n, cap;
  union {
    int *i;
    double *d;
    char **s;
    void **p;
  } v;
} prop;

#define MAGIC_PROPS 0x50524f50u
#define MAGIC_EFFECT 0x45464645u
#define MAGIC_CLIP 0x434c4950u
#define MAGIC_PARAM 0x5041524du
#define MAGIC_PSET 0x50534554u

struct OfxPropertySetStruct {
  unsigned magic;
  const char *kind;    /* "host", "effect", "clip", "param", "image", "args", "paramset" */
  const char *ptype;   /* parameter type for param sets (decides OfxParamPropDefault's type) */
  nh_host *host;
  void *owner;         /* the image record for images */
  prop *props;
  int n, cap;
};

static OfxPropertySetHandle ps_new(nh_host *h, const char *kind) {
  OfxPropertySetHandle ps = (OfxPropertySetHandle)xcalloc(1, sizeof *ps);
  ps->magic = MAGIC_PROPS;
  ps->kind = kind;
  ps->host = h;
  return ps;
}

static void prop_clear_values(prop *p) {
  if (p->type == T_STR)
    for (int i = 0; i < p->n; i++) free(p->v.s[i]);
  p->n = 0;
}

static void ps_free(OfxPropertySetHandle ps) {
  if (!ps) return;
  for (int i = 0; i < ps->n; i++) {
    prop_clear_values(&ps->props[i]);
    free(ps->props[i].v.i);
    free(ps->props[i].name);
  }
  free(ps->props);
  ps->magic = 0;
  free(ps);
}

static prop *ps_find(OfxPropertySetHandle ps, const char *name) {
  for (int i = 0; i < ps->n; i++)
    if (strcmp(ps->props[i].name, name) == 0) return &ps->props[i];
  return NULL;
}

static prop *ps_add(OfxPropertySetHandle ps, const char *name, ptype type) {
  prop *p = ps_find(ps, name);
  if (p) return p;
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? ps->cap * 2 : 16;
    ps->props = (prop *)xrealloc(ps->props, (size_t)ps->cap * sizeof(prop));
  }
  p = &ps->props[ps->n++];
  memset(p, 0, sizeof *p);
  p->name = xstrdup(name);
  p->type = type;
  return p;
}

/* a prop of this type: an existing one of another type is emptied and retyped */
static prop *ps_add_typed(OfxPropertySetHandle ps, const char *name, ptype type) {
  prop *p = ps_add(ps, name, type);
  if (p->type != type) {
    prop_clear_values(p);
    free(p->v.i);
    p->v.i = NULL;
    p->cap = 0;
    p->type = type;
  }
  return p;
}

static void prop_reserve(prop *p, int n) {
  if (n <= p->cap) return;
  int cap = n < 4 ? 4 : n * 2;
  size_t el = p->type == T_INT ? sizeof(int) : p->type == T_DBL ? sizeof(double) : sizeof(void *);
  p->v.i = (int *)xrealloc(p->v.i, (size_t)cap * el);
  p->cap = cap;
}

/* host-side setters: no validation */
static void hset_str(OfxPropertySetHandle ps, const char *name, int index, const char *v) {
  prop *p = ps_add_typed(ps, name, T_STR);
  prop_reserve(p, index + 1);
  while (p->n <= index) p->v.s[p->n++] = xstrdup("");
  free(p->v.s[index]);
  p->v.s[index] = xstrdup(v);
}
static void hset_int(OfxPropertySetHandle ps, const char *name, int index, int v) {
  prop *p = ps_add_typed(ps, name, T_INT);
  prop_reserve(p, index + 1);
  while (p->n <= index) p->v.i[p->n++] = 0;
  p->v.i[index] = v;
}
static void hset_dbl(OfxPropertySetHandle ps, const char *name, int index, double v) {
  prop *p = ps_add_typed(ps, name, T_DBL);
  prop_reserve(p, index + 1);
  while (p->n <= index) p->v.d[p->n++] = 0.0;
  p->v.d[index] = v;
}
static void hset_ptr(OfxPropertySetHandle ps, const char *name, int index, void *v) {
  prop *p = ps_add_typed(ps, name, T_PTR);
  prop_reserve(p, index + 1);
  while (p->n <= index) p->v.p[p->n++] = NULL;
  p->v.p[index] = v;
}
static void hset_ints(OfxPropertySetHandle ps, const char *name, int n, const int *v) {
  for (int i = 0; i < n; i++) hset_int(ps, name, i, v[i]);
}
static void hset_dbls(OfxPropertySetHandle ps, const char *name, int n, const double *v) {
  for (int i = 0; i < n; i++) hset_dbl(ps, name, i, v[i]);
}
static const char *hget_str(OfxPropertySetHandle ps, const char *name, int index) {
  prop *p = ps_find(ps, name);
  return (p && p->type == T_STR && index < p->n) ? p->v.s[index] : NULL;
}
static int hget_int(OfxPropertySetHandle ps, const char *name, int index, int dflt) {
  prop *p = ps_find(ps, name);
  return (p && p->type == T_INT && index < p->n) ? p->v.i[index] : dflt;
}
static double hget_dbl(OfxPropertySetHandle ps, const char *name, int index, double dflt) {
  prop *p = ps_find(ps, name);
  return (p && p->type == T_DBL && index < p->n) ? p->v.d[index] : dflt;
}

static OfxPropertySetHandle ps_copy(OfxPropertySetHandle src, const char *kind) {
  OfxPropertySetHandle ps = ps_new(src->host, kind);
  ps->ptype = src->ptype;
  for (int i = 0; i < src->n; i++) {
    prop *s = &src->props[i];
    prop *d = ps_add(ps, s->name, s->type);
    prop_reserve(d, s->n);
    for (int k = 0; k < s->n; k++) {
      if (s->type == T_STR) d->v.s[k] = xstrdup(s->v.s[k]);
      else if (s->type == T_INT) d->v.i[k] = s->v.i[k];
      else if (s->type == T_DBL) d->v.d[k] = s->v.d[k];
      else d->v.p[k] = s->v.p[k];
    }
    d->n = s->n;
  }
  return ps;
}

static int param_value_type(const char *tn) {
  if (!tn) return -1;
  if (!strcmp(tn, "OfxParamTypeDouble") || !strcmp(tn, "OfxParamTypeDouble2D") ||
      !strcmp(tn, "OfxParamTypeDouble3D") || !strcmp(tn, "OfxParamTypeRGB") || !strcmp(tn, "OfxParamTypeRGBA"))
    return T_DBL;
  if (!strcmp(tn, "OfxParamTypeInteger") || !strcmp(tn, "OfxParamTypeInteger2D") ||
      !strcmp(tn, "OfxParamTypeInteger3D") || !strcmp(tn, "OfxParamTypeBoolean") ||
      !strcmp(tn, "OfxParamTypeChoice"))
    return T_INT;
  if (!strcmp(tn, "OfxParamTypeString")) return T_STR;
  return -1;
}

static const char *TYPE_NAMES[] = {"int", "double", "string", "pointer", "param-dependent"};

/* checks shared by the plug-in-facing accessors; returns the prop or NULL with a status */
static OfxStatus check_set(OfxPropertySetHandle ps, const char *name, ptype want, int index, prop **out,
                           int creating) {
  *out = NULL;
  if (!ps || ps->magic != MAGIC_PROPS) {
    violation(NULL, "bad property set handle (%s)", name ? name : "?");
    return kOfxStatErrBadHandle;
  }
  if (!name) {
    violation(ps->host, "property name NULL");
    return kOfxStatErrUnknown;
  }
  prop *p = ps_find(ps, name);
  if (!p && creating) {
    const struct known *k = known_prop(name);
    if (!k) {
      violation(ps->host, "plug-in set unknown property '%s' on a %s", name, ps->kind);
      return kOfxStatErrUnknown;
    }
    ptype t = k->type;
    if (t == T_PARAMDEP) {
      int vt = param_value_type(ps->ptype);
      if (vt < 0) {
        violation(ps->host, "'%s' on a %s parameter, which has no value", name, ps->ptype ? ps->ptype : "?");
        return kOfxStatErrUnknown;
      }
      t = (ptype)vt;
    }
    if (t != want) {
      violation(ps->host, "'%s' set as %s, the specification says %s", name, TYPE_NAMES[want], TYPE_NAMES[t]);
      return kOfxStatErrValue;
    }
    p = ps_add(ps, name, t);
  }
  if (!p) return kOfxStatErrUnknown;
  if (p->type != want) {
    violation(ps->host, "'%s' accessed as %s, it is %s", name, TYPE_NAMES[want], TYPE_NAMES[p->type]);
    return kOfxStatErrValue;
  }
  if (index < 0 || (creating ? index > p->n : index >= p->n)) {
    violation(ps->host, "'%s' index %d out of range (dimension %d)", name, index, p->n);
    return kOfxStatErrBadIndex;
  }
  *out = p;
  return kOfxStatOK;
}

static OfxStatus prop_set_pointer(OfxPropertySetHandle ps, const char *name, int index, void *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_PTR, index, &p, 1);
  if (st == kOfxStatOK) hset_ptr(ps, name, index, v);
  return st;
}
static OfxStatus prop_set_string(OfxPropertySetHandle ps, const char *name, int index, const char *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_STR, index, &p, 1);
  if (st == kOfxStatOK) hset_str(ps, name, index, v ? v : "");
  return st;
}
static OfxStatus prop_set_double(OfxPropertySetHandle ps, const char *name, int index, double v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_DBL, index, &p, 1);
  if (st == kOfxStatOK) hset_dbl(ps, name, index, v);
  return st;
}
static OfxStatus prop_set_int(OfxPropertySetHandle ps, const char *name, int index, int v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_INT, index, &p, 1);
  if (st == kOfxStatOK) hset_int(ps, name, index, v);
  return st;
}
static OfxStatus prop_set_pointer_n(OfxPropertySetHandle ps, const char *name, int count, void *const *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_PTR, 0, &p, 1);
  if (st != kOfxStatOK) return st;
  p->n = 0;
  for (int i = 0; i < count; i++) hset_ptr(ps, name, i, v[i]);
  return kOfxStatOK;
}
static OfxStatus prop_set_string_n(OfxPropertySetHandle ps, const char *name, int count, const char *const *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_STR, 0, &p, 1);
  if (st != kOfxStatOK) return st;
  prop_clear_values(p);
  for (int i = 0; i < count; i++) hset_str(ps, name, i, v[i] ? v[i] : "");
  return kOfxStatOK;
}
static OfxStatus prop_set_double_n(OfxPropertySetHandle ps, const char *name, int count, const double *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_DBL, 0, &p, 1);
  if (st != kOfxStatOK) return st;
  p->n = 0;
  hset_dbls(ps, name, count, v);
  return kOfxStatOK;
}
static OfxStatus prop_set_int_n(OfxPropertySetHandle ps, const char *name, int count, const int *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_INT, 0, &p, 1);
  if (st != kOfxStatOK) return st;
  p->n = 0;
  hset_ints(ps, name, count, v);
  return kOfxStatOK;
}
static OfxStatus prop_get_pointer(OfxPropertySetHandle ps, const char *name, int index, void **v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_PTR, index, &p, 0);
  if (st == kOfxStatOK) *v = p->v.p[index];
  return st;
}
static OfxStatus prop_get_string(OfxPropertySetHandle ps, const char *name, int index, char **v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_STR, index, &p, 0);
  if (st == kOfxStatOK) *v = p->v.s[index];
  return st;
}
static OfxStatus prop_get_double(OfxPropertySetHandle ps, const char *name, int index, double *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_DBL, index, &p, 0);
  if (st == kOfxStatOK) *v = p->v.d[index];
  return st;
}
static OfxStatus prop_get_int(OfxPropertySetHandle ps, const char *name, int index, int *v) {
  prop *p;
  OfxStatus st = check_set(ps, name, T_INT, index, &p, 0);
  if (st == kOfxStatOK) *v = p->v.i[index];
  return st;
}
static OfxStatus get_n_check(OfxPropertySetHandle ps, const char *name, ptype t, int count, prop **p) {
  OfxStatus st = check_set(ps, name, t, 0, p, 0);
  if (st == kOfxStatErrBadIndex && count == 0) return kOfxStatOK;
  if (st != kOfxStatOK) return st;
  if (count > (*p)->n) {
    violation(ps->host, "'%s' read with count %d, dimension %d", name, count, (*p)->n);
    return kOfxStatErrBadIndex;
  }
  return kOfxStatOK;
}
static OfxStatus prop_get_pointer_n(OfxPropertySetHandle ps, const char *name, int count, void **v) {
  prop *p;
  OfxStatus st = get_n_check(ps, name, T_PTR, count, &p);
  for (int i = 0; st == kOfxStatOK && i < count; i++) v[i] = p->v.p[i];
  return st;
}
static OfxStatus prop_get_string_n(OfxPropertySetHandle ps, const char *name, int count, char **v) {
  prop *p;
  OfxStatus st = get_n_check(ps, name, T_STR, count, &p);
  for (int i = 0; st == kOfxStatOK && i < count; i++) v[i] = p->v.s[i];
  return st;
}
static OfxStatus prop_get_double_n(OfxPropertySetHandle ps, const char *name, int count, double *v) {
  prop *p;
  OfxStatus st = get_n_check(ps, name, T_DBL, count, &p);
  for (int i = 0; st == kOfxStatOK && i < count; i++) v[i] = p->v.d[i];
  return st;
}
static OfxStatus prop_get_int_n(OfxPropertySetHandle ps, const char *name, int count, int *v) {
  prop *p;
  OfxStatus st = get_n_check(ps, name, T_INT, count, &p);
  for (int i = 0; st == kOfxStatOK && i < count; i++) v[i] = p->v.i[i];
  return st;
}
static OfxStatus prop_reset(OfxPropertySetHandle ps, const char *name) {
  if (!ps || ps->magic != MAGIC_PROPS) return kOfxStatErrBadHandle;
  return ps_find(ps, name) ? kOfxStatOK : kOfxStatErrUnknown;
}
static OfxStatus prop_get_dimension(OfxPropertySetHandle ps, const char *name, int *count) {
  if (!ps || ps->magic != MAGIC_PROPS) return kOfxStatErrBadHandle;
  prop *p = ps_find(ps, name);
  if (!p) return kOfxStatErrUnknown;
  *count = p->n;
  return kOfxStatOK;
}

static const OfxPropertySuiteV1 PROPERTY_SUITE = {
    prop_set_pointer,   prop_set_string,   prop_set_double,   prop_set_int,   prop_set_pointer_n,
    prop_set_string_n,  prop_set_double_n, prop_set_int_n,    prop_get_pointer, prop_get_string,
    prop_get_double,    prop_get_int,      prop_get_pointer_n, prop_get_string_n, prop_get_double_n,
    prop_get_int_n,     prop_reset,        prop_get_dimension,
};

/* ---- effects, clips, parameters -------------------------------------------------------------- */

struct OfxParamStruct {
  unsigned magic;
  char *name, *type;
  OfxPropertySetHandle props;
  int ival[4];
  double dval[4];
  char *sval;
  char **old;      /* replaced strings stay alive: a render thread may still read them */
  int nold;
  nh_inst *inst;   /* NULL for descriptors */
};

struct OfxParamSetStruct {
  unsigned magic;
  struct OfxParamStruct **params;
  int n, cap;
  OfxPropertySetHandle props;
  nh_inst *inst;
  int edit_depth;
};

struct OfxImageClipStruct {
  unsigned magic;
  char *name;
  OfxPropertySetHandle props;
  struct OfxImageEffectStruct *effect;
};

struct OfxImageEffectStruct {
  unsigned magic;
  int is_instance;
  char *context;
  OfxPropertySetHandle props;
  struct OfxParamSetStruct *params;
  struct OfxImageClipStruct **clips;
  int nclips;
  nh_host *host;
  nh_inst *inst;
};

#define MAX_PENDING 32

struct nh_inst {
  nh_host *h;
  struct OfxImageEffectStruct *effect;
  char persistent[2048];
  int has_persistent;
  char last_message[2048];
  int messages;
  char *pending[MAX_PENDING]; /* parameters the plug-in changed during InstanceChanged */
  int npending;
};

static struct OfxParamSetStruct *pset_new(nh_host *h, nh_inst *in) {
  struct OfxParamSetStruct *s = (struct OfxParamSetStruct *)xcalloc(1, sizeof *s);
  s->magic = MAGIC_PSET;
  s->props = ps_new(h, "paramset");
  s->inst = in;
  return s;
}

static void param_free(struct OfxParamStruct *p) {
  ps_free(p->props);
  free(p->name);
  free(p->type);
  free(p->sval);
  for (int i = 0; i < p->nold; i++) free(p->old[i]);
  free(p->old);
  p->magic = 0;
  free(p);
}

static void pset_free(struct OfxParamSetStruct *s) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) param_free(s->params[i]);
  free(s->params);
  ps_free(s->props);
  s->magic = 0;
  free(s);
}

static struct OfxParamStruct *pset_find(struct OfxParamSetStruct *s, const char *name) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->params[i]->name, name) == 0) return s->params[i];
  return NULL;
}

static void clip_free(struct OfxImageClipStruct *c) {
  ps_free(c->props);
  free(c->name);
  c->magic = 0;
  free(c);
}

static void effect_free(struct OfxImageEffectStruct *e) {
  if (!e) return;
  for (int i = 0; i < e->nclips; i++) clip_free(e->clips[i]);
  free(e->clips);
  pset_free(e->params);
  ps_free(e->props);
  free(e->context);
  e->magic = 0;
  free(e);
}

static struct OfxImageEffectStruct *effect_new(nh_host *h, int is_instance) {
  struct OfxImageEffectStruct *e = (struct OfxImageEffectStruct *)xcalloc(1, sizeof *e);
  e->magic = MAGIC_EFFECT;
  e->is_instance = is_instance;
  e->host = h;
  e->props = ps_new(h, "effect");
  e->params = pset_new(h, NULL);
  return e;
}

static struct OfxImageEffectStruct *as_effect(const void *handle) {
  struct OfxImageEffectStruct *e = (struct OfxImageEffectStruct *)(uintptr_t)handle;
  return (e && e->magic == MAGIC_EFFECT) ? e : NULL;
}

/* ---- image effect suite ---------------------------------------------------------------------- */

/* one render call's state, visible to the suite functions on the thread that called Render */
typedef struct image_rec {
  OfxPropertySetHandle props;
  unsigned char *mem;
  int released, is_output;
} image_rec;

#define MAX_IMAGES 16

typedef struct render_ctx {
  nh_inst *in;
  const nh_render_opts *o;
  const unsigned char *src;
  int w, h, bpc, nc;
  OfxRectI rod, window, src_region;
  unsigned char *out_mem; /* the output image memory, shared by repeated fetches */
  char *out_data;
  int out_stride;
  image_rec images[MAX_IMAGES];
  int nimages;
  char uid[64];
} render_ctx;

static _Thread_local render_ctx *tl_ctx;

static double opt_scale(const nh_render_opts *o) { return o && o->scale > 0.0 ? o->scale : 1.0; }
static _Thread_local int tl_in_render, tl_in_changed, tl_thread_index, tl_spawned;
static _Thread_local nh_host *tl_host; /* the host of the render a spawned thread works for */

static OfxStatus effect_get_property_set(OfxImageEffectHandle handle, OfxPropertySetHandle *props) {
  struct OfxImageEffectStruct *e = as_effect(handle);
  if (!e) return kOfxStatErrBadHandle;
  *props = e->props;
  return kOfxStatOK;
}

static OfxStatus effect_get_param_set(OfxImageEffectHandle handle, OfxParamSetHandle *set) {
  struct OfxImageEffectStruct *e = as_effect(handle);
  if (!e) return kOfxStatErrBadHandle;
  *set = e->params;
  return kOfxStatOK;
}

static OfxStatus clip_define(OfxImageEffectHandle handle, const char *name, OfxPropertySetHandle *props) {
  struct OfxImageEffectStruct *e = as_effect(handle);
  if (!e) return kOfxStatErrBadHandle;
  if (e->is_instance || !e->context) {
    violation(e->host, "clipDefine('%s') outside DescribeInContext", name);
    return kOfxStatErrBadHandle;
  }
  for (int i = 0; i < e->nclips; i++)
    if (strcmp(e->clips[i]->name, name) == 0) {
      violation(e->host, "clip '%s' defined twice", name);
      return kOfxStatErrExists;
    }
  struct OfxImageClipStruct *c = (struct OfxImageClipStruct *)xcalloc(1, sizeof *c);
  c->magic = MAGIC_CLIP;
  c->name = xstrdup(name);
  c->effect = e;
  c->props = ps_new(e->host, "clip");
  hset_str(c->props, "OfxPropType", 0, "OfxTypeClip");
  hset_str(c->props, "OfxPropName", 0, name);
  hset_str(c->props, "OfxPropLabel", 0, name);
  hset_int(c->props, "OfxImageEffectPropTemporalClipAccess", 0, 0);
  hset_int(c->props, "OfxImageClipPropOptional", 0, 0);
  hset_str(c->props, "OfxImageClipPropFieldExtraction", 0, "OfxFieldDoubled");
  hset_int(c->props, "OfxImageClipPropIsMask", 0, 0);
  hset_int(c->props, "OfxImageEffectPropSupportsTiles", 0, 1);
  ps_add(c->props, "OfxImageEffectPropSupportedComponents", T_STR);
  e->clips = (struct OfxImageClipStruct **)xrealloc(e->clips, (size_t)(e->nclips + 1) * sizeof(void *));
  e->clips[e->nclips++] = c;
  if (props) *props = c->props;
  return kOfxStatOK;
}

static OfxStatus clip_get_handle(OfxImageEffectHandle handle, const char *name, OfxImageClipHandle *clip,
                                 OfxPropertySetHandle *props) {
  struct OfxImageEffectStruct *e = as_effect(handle);
  if (!e) return kOfxStatErrBadHandle;
  for (int i = 0; i < e->nclips; i++)
    if (strcmp(e->clips[i]->name, name) == 0) {
      *clip = e->clips[i];
      if (props) *props = e->clips[i]->props;
      return kOfxStatOK;
    }
  return kOfxStatErrUnknown;
}

static OfxStatus clip_get_property_set(OfxImageClipHandle clip, OfxPropertySetHandle *props) {
  if (!clip || clip->magic != MAGIC_CLIP) return kOfxStatErrBadHandle;
  *props = clip->props;
  return kOfxStatOK;
}

static int depth_bytes(int depth) { return depth == 8 ? 1 : depth == 16 ? 2 : 4; }
static const char *depth_name(int depth) {
  return depth == 8 ? "OfxBitDepthByte" : depth == 16 ? "OfxBitDepthShort" : "OfxBitDepthFloat";
}

static OfxRectI rect_intersect(OfxRectI a, OfxRectI b) {
  OfxRectI r = {a.x1 > b.x1 ? a.x1 : b.x1, a.y1 > b.y1 ? a.y1 : b.y1, a.x2 < b.x2 ? a.x2 : b.x2,
                a.y2 < b.y2 ? a.y2 : b.y2};
  if (r.x2 < r.x1) r.x2 = r.x1;
  if (r.y2 < r.y1) r.y2 = r.y1;
  return r;
}

/* a host image covering bounds b: rows padded, optionally stored top-down (negative row bytes) */
static OfxPropertySetHandle make_image(render_ctx *ctx, OfxRectI b, int is_output, unsigned char **mem_out,
                                       char **data_out, int *stride_out) {
  const nh_render_opts *o = ctx->o;
  nh_host *h = ctx->in->h;
  const int pix = ctx->bpc * ctx->nc;
  const int bw = b.x2 - b.x1, bh = b.y2 - b.y1;
  const int stride = bw * pix + o->row_pad;
  unsigned char *mem;
  if (is_output && ctx->out_mem) {
    mem = ctx->out_mem;
  } else {
    mem = (unsigned char *)xcalloc((size_t)(bh > 0 ? bh : 1), (size_t)(stride > 0 ? stride : 1));
  }
  char *data; /* address of pixel (b.x1, b.y1) */
  int row_bytes;
  if (o->negative_rows) {
    data = (char *)mem + (size_t)(bh > 0 ? bh - 1 : 0) * (size_t)stride;
    row_bytes = -stride;
  } else {
    data = (char *)mem;
    row_bytes = stride;
  }
  if (is_output && !ctx->out_mem) {
    /* fill with a pattern: a pixel the plug-in forgets to write shows up (NaN in float) */
    for (int y = 0; y < bh; y++) {
      char *row = data + (ptrdiff_t)y * row_bytes;
      if (ctx->bpc == 4) {
        float *f = (float *)(void *)row;
        for (int i = 0; i < bw * ctx->nc; i++) f[i] = NAN;
      } else {
        memset(row, 0xA5, (size_t)(bw * pix));
      }
    }
    ctx->out_mem = mem;
    ctx->out_data = data;
    ctx->out_stride = row_bytes;
  }
  if (!is_output) {
    /* copy the source pixels in from the caller's packed buffer */
    for (int y = b.y1; y < b.y2; y++) {
      const unsigned char *s = ctx->src + ((size_t)(y - ctx->rod.y1) * (size_t)ctx->w + (size_t)(b.x1 - ctx->rod.x1)) * (size_t)pix;
      memcpy(data + (ptrdiff_t)(y - b.y1) * row_bytes, s, (size_t)(bw * pix));
    }
  }
  OfxPropertySetHandle ps = ps_new(h, "image");
  hset_str(ps, "OfxPropType", 0, "OfxTypeImage");
  hset_str(ps, "OfxImageEffectPropPixelDepth", 0, depth_name(o->depth));
  hset_str(ps, "OfxImageEffectPropComponents", 0, ctx->nc == 4 ? "OfxImageComponentRGBA" : "OfxImageComponentRGB");
  hset_str(ps, "OfxImageEffectPropPreMultiplication", 0, ctx->nc == 4 ? "OfxImageAlphaUnPremultiplied" : "OfxImageOpaque");
  const double scale[2] = {opt_scale(o), opt_scale(o)};
  hset_dbls(ps, "OfxImageEffectPropRenderScale", 2, scale);
  hset_dbl(ps, "OfxImagePropPixelAspectRatio", 0, 1.0);
  hset_ptr(ps, "OfxImagePropData", 0, bw > 0 && bh > 0 ? data : NULL);
  hset_ints(ps, "OfxImagePropBounds", 4, &b.x1);
  if (h->cfg.image_rod_prop) hset_ints(ps, "OfxImagePropRegionOfDefinition", 4, &ctx->rod.x1);
  hset_int(ps, "OfxImagePropRowBytes", 0, row_bytes);
  hset_str(ps, "OfxImagePropField", 0, "OfxFieldNone");
  hset_str(ps, "OfxImagePropUniqueIdentifier", 0, ctx->uid);
  *mem_out = mem;
  if (data_out) *data_out = data;
  if (stride_out) *stride_out = row_bytes;
  return ps;
}

static OfxStatus clip_get_image(OfxImageClipHandle clip, OfxTime time, const OfxRectD *region,
                                OfxPropertySetHandle *image) {
  (void)time;
  if (!clip || clip->magic != MAGIC_CLIP) return kOfxStatErrBadHandle;
  render_ctx *ctx = tl_ctx;
  nh_host *h = clip->effect->host;
  if (!ctx || ctx->in->effect != clip->effect) {
    violation(h, "clipGetImage('%s') outside a render on this thread", clip->name);
    return kOfxStatFailed;
  }
  if (ctx->nimages == MAX_IMAGES) {
    violation(h, "more than %d images fetched in one render", MAX_IMAGES);
    return kOfxStatErrMemory;
  }
  const int is_output = strcmp(clip->name, "Output") == 0;
  OfxRectI b;
  if (is_output) {
    b = ctx->window;
  } else if (region) {
    OfxRectI r = {(int)floor(region->x1), (int)floor(region->y1), (int)ceil(region->x2), (int)ceil(region->y2)};
    b = rect_intersect(r, ctx->rod);
  } else {
    b = rect_intersect(ctx->src_region, ctx->rod);
  }
  image_rec *rec = &ctx->images[ctx->nimages++];
  memset(rec, 0, sizeof *rec);
  rec->is_output = is_output;
  rec->props = make_image(ctx, b, is_output, &rec->mem, NULL, NULL);
  rec->props->owner = rec;
  pthread_mutex_lock(&h->lock);
  h->images_fetched++;
  h->images_outstanding++;
  pthread_mutex_unlock(&h->lock);
  *image = rec->props;
  return kOfxStatOK;
}

static OfxStatus clip_release_image(OfxPropertySetHandle image) {
  if (!image || image->magic != MAGIC_PROPS || strcmp(image->kind, "image") != 0 || !image->owner) {
    violation(image && image->magic == MAGIC_PROPS ? image->host : NULL, "clipReleaseImage on something not an image");
    return kOfxStatErrBadHandle;
  }
  image_rec *rec = (image_rec *)image->owner;
  nh_host *h = image->host;
  if (rec->released) {
    violation(h, "image released twice");
    return kOfxStatErrBadHandle;
  }
  rec->released = 1;
  pthread_mutex_lock(&h->lock);
  h->images_released++;
  h->images_outstanding--;
  pthread_mutex_unlock(&h->lock);
  return kOfxStatOK;
}

static OfxStatus clip_get_rod(OfxImageClipHandle clip, OfxTime time, OfxRectD *bounds) {
  (void)time;
  if (!clip || clip->magic != MAGIC_CLIP) return kOfxStatErrBadHandle;
  render_ctx *ctx = tl_ctx;
  if (!ctx) return kOfxStatFailed;
  const double s = opt_scale(ctx->o); /* canonical coordinates: pixels / render scale */
  bounds->x1 = ctx->rod.x1 / s;
  bounds->y1 = ctx->rod.y1 / s;
  bounds->x2 = ctx->rod.x2 / s;
  bounds->y2 = ctx->rod.y2 / s;
  return kOfxStatOK;
}

static int effect_abort(OfxImageEffectHandle handle) {
  (void)handle;
  return 0;
}

typedef struct host_mem {
  unsigned magic;
  void *p;
  int locks;
} host_mem;

static OfxStatus image_memory_alloc(OfxImageEffectHandle handle, size_t n, OfxImageMemoryHandle *mem) {
  (void)handle;
  host_mem *m = (host_mem *)xcalloc(1, sizeof *m);
  m->magic = 0x4d454d21u;
  m->p = malloc(n ? n : 1);
  if (!m->p) {
    free(m);
    return kOfxStatErrMemory;
  }
  *mem = (OfxImageMemoryHandle)(void *)m;
  return kOfxStatOK;
}
static OfxStatus image_memory_free(OfxImageMemoryHandle handle) {
  host_mem *m = (host_mem *)(void *)handle;
  if (!m || m->magic != 0x4d454d21u) return kOfxStatErrBadHandle;
  m->magic = 0;
  free(m->p);
  free(m);
  return kOfxStatOK;
}
static OfxStatus image_memory_lock(OfxImageMemoryHandle handle, void **ptr) {
  host_mem *m = (host_mem *)(void *)handle;
  if (!m || m->magic != 0x4d454d21u) return kOfxStatErrBadHandle;
  m->locks++;
  *ptr = m->p;
  return kOfxStatOK;
}
static OfxStatus image_memory_unlock(OfxImageMemoryHandle handle) {
  host_mem *m = (host_mem *)(void *)handle;
  if (!m || m->magic != 0x4d454d21u) return kOfxStatErrBadHandle;
  if (m->locks > 0) m->locks--;
  return kOfxStatOK;
}

static const OfxImageEffectSuiteV1 EFFECT_SUITE = {
    effect_get_property_set, effect_get_param_set, clip_define,        clip_get_handle,    clip_get_property_set,
    clip_get_image,          clip_release_image,   clip_get_rod,       effect_abort,       image_memory_alloc,
    image_memory_free,       image_memory_lock,    image_memory_unlock,
};

/* ---- parameter suite ------------------------------------------------------------------------- */

static int param_components(const char *type) {
  if (!strcmp(type, "OfxParamTypeDouble2D") || !strcmp(type, "OfxParamTypeInteger2D")) return 2;
  if (!strcmp(type, "OfxParamTypeDouble3D") || !strcmp(type, "OfxParamTypeInteger3D") || !strcmp(type, "OfxParamTypeRGB"))
    return 3;
  if (!strcmp(type, "OfxParamTypeRGBA")) return 4;
  return 1;
}

static const char *const PARAM_TYPES[] = {
    "OfxParamTypeInteger", "OfxParamTypeDouble",   "OfxParamTypeBoolean",  "OfxParamTypeChoice",
    "OfxParamTypeRGBA",    "OfxParamTypeRGB",      "OfxParamTypeDouble2D", "OfxParamTypeInteger2D",
    "OfxParamTypeDouble3D", "OfxParamTypeInteger3D", "OfxParamTypeString",  "OfxParamTypeCustom",
    "OfxParamTypeGroup",   "OfxParamTypePage",     "OfxParamTypePushButton",
};

static OfxStatus param_define(OfxParamSetHandle set, const char *type, const char *name, OfxPropertySetHandle *props) {
  if (!set || set->magic != MAGIC_PSET) return kOfxStatErrBadHandle;
  nh_host *h = set->props->host;
  int known = 0;
  for (size_t i = 0; i < sizeof PARAM_TYPES / sizeof PARAM_TYPES[0]; i++)
    if (type && !strcmp(type, PARAM_TYPES[i])) known = 1;
  if (!known) {
    violation(h, "paramDefine('%s') with unknown type '%s'", name ? name : "?", type ? type : "NULL");
    return kOfxStatErrUnknown;
  }
  if (set->inst) {
    violation(h, "paramDefine('%s') on an instance", name);
    return kOfxStatErrBadHandle;
  }
  if (pset_find(set, name)) {
    violation(h, "parameter '%s' defined twice", name);
    return kOfxStatErrExists;
  }
  struct OfxParamStruct *p = (struct OfxParamStruct *)xcalloc(1, sizeof *p);
  p->magic = MAGIC_PARAM;
  p->name = xstrdup(name);
  p->type = xstrdup(type);
  p->props = ps_new(h, "param");
  p->props->ptype = p->type;
  hset_str(p->props, "OfxPropType", 0, "OfxTypeParameter");
  hset_str(p->props, "OfxPropName", 0, name);
  hset_str(p->props, "OfxParamPropType", 0, type);
  hset_str(p->props, "OfxPropLabel", 0, name);
  hset_str(p->props, "OfxParamPropScriptName", 0, name);
  hset_int(p->props, "OfxParamPropSecret", 0, 0);
  hset_int(p->props, "OfxParamPropEnabled", 0, 1);
  int vt = param_value_type(type);
  int nc = param_components(type);
  for (int k = 0; k < nc; k++) {
    if (vt == T_DBL) hset_dbl(p->props, "OfxParamPropDefault", k, 0.0);
    if (vt == T_INT) hset_int(p->props, "OfxParamPropDefault", k, 0);
  }
  if (vt == T_STR) hset_str(p->props, "OfxParamPropDefault", 0, "");
  if (vt >= 0) hset_int(p->props, "OfxParamPropAnimates", 0, 1);
  if (set->n == set->cap) {
    set->cap = set->cap ? set->cap * 2 : 16;
    set->params = (struct OfxParamStruct **)xrealloc(set->params, (size_t)set->cap * sizeof(void *));
  }
  set->params[set->n++] = p;
  if (props) *props = p->props;
  return kOfxStatOK;
}

static OfxStatus param_get_handle(OfxParamSetHandle set, const char *name, OfxParamHandle *param,
                                  OfxPropertySetHandle *props) {
  if (!set || set->magic != MAGIC_PSET) return kOfxStatErrBadHandle;
  struct OfxParamStruct *p = pset_find(set, name);
  if (!p) return kOfxStatErrUnknown;
  *param = p;
  if (props) *props = p->props;
  return kOfxStatOK;
}

static OfxStatus param_set_get_property_set(OfxParamSetHandle set, OfxPropertySetHandle *props) {
  if (!set || set->magic != MAGIC_PSET) return kOfxStatErrBadHandle;
  *props = set->props;
  return kOfxStatOK;
}

static OfxStatus param_get_property_set(OfxParamHandle p, OfxPropertySetHandle *props) {
  if (!p || p->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  *props = p->props;
  return kOfxStatOK;
}

static nh_host *param_host(OfxParamHandle p) { return p->props->host; }

static OfxStatus param_get_va(OfxParamHandle p, va_list ap) {
  if (!p || p->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  nh_host *h = param_host(p);
  if (!p->inst) {
    violation(h, "value of descriptor parameter '%s' read", p->name);
    return kOfxStatErrBadHandle;
  }
  int vt = param_value_type(p->type), nc = param_components(p->type);
  if (vt < 0) {
    violation(h, "value read from '%s', a %s", p->name, p->type);
    return kOfxStatErrUnsupported;
  }
  pthread_mutex_lock(&h->lock);
  for (int k = 0; k < nc; k++) {
    if (vt == T_DBL) *va_arg(ap, double *) = p->dval[k];
    else if (vt == T_INT) *va_arg(ap, int *) = p->ival[k];
    else *va_arg(ap, char **) = p->sval;
  }
  pthread_mutex_unlock(&h->lock);
  return kOfxStatOK;
}

static OfxStatus param_get_value(OfxParamHandle p, ...) {
  va_list ap;
  va_start(ap, p);
  OfxStatus st = param_get_va(p, ap);
  va_end(ap);
  return st;
}

static OfxStatus param_get_value_at_time(OfxParamHandle p, OfxTime t, ...) {
  va_list ap;
  va_start(ap, t);
  OfxStatus st = param_get_va(p, ap);
  va_end(ap);
  return st;
}

static OfxStatus param_get_derivative(OfxParamHandle p, OfxTime t, ...) {
  (void)t;
  if (!p || p->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  int vt = param_value_type(p->type), nc = param_components(p->type);
  if (vt != T_DBL) return kOfxStatErrBadHandle;
  va_list ap;
  va_start(ap, t);
  for (int k = 0; k < nc; k++) *va_arg(ap, double *) = 0.0; /* no animation in this host */
  va_end(ap);
  return kOfxStatOK;
}

static OfxStatus param_get_integral(OfxParamHandle p, OfxTime t1, OfxTime t2, ...) {
  if (!p || p->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  int vt = param_value_type(p->type), nc = param_components(p->type);
  if (vt != T_DBL) return kOfxStatErrBadHandle;
  va_list ap;
  va_start(ap, t2);
  for (int k = 0; k < nc; k++) *va_arg(ap, double *) = p->dval[k] * (t2 - t1);
  va_end(ap);
  return kOfxStatOK;
}

/* store a value; the caller holds no lock */
static void param_store(struct OfxParamStruct *p, int vt, int k, int iv, double dv, const char *sv) {
  nh_host *h = param_host(p);
  pthread_mutex_lock(&h->lock);
  if (vt == T_DBL) p->dval[k] = dv;
  else if (vt == T_INT) p->ival[k] = iv;
  else {
    if (p->sval) {
      p->old = (char **)xrealloc(p->old, (size_t)(p->nold + 1) * sizeof(char *));
      p->old[p->nold++] = p->sval;
    }
    p->sval = xstrdup(sv ? sv : "");
  }
  pthread_mutex_unlock(&h->lock);
}

static OfxStatus param_set_va(OfxParamHandle p, va_list ap) {
  if (!p || p->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  nh_host *h = param_host(p);
  if (!p->inst) {
    violation(h, "paramSetValue on descriptor parameter '%s'", p->name);
    return kOfxStatErrBadHandle;
  }
  if (tl_in_render) {
    violation(h, "paramSetValue('%s') during render", p->name);
    return kOfxStatFailed;
  }
  int vt = param_value_type(p->type), nc = param_components(p->type);
  if (vt < 0) return kOfxStatErrUnsupported;
  for (int k = 0; k < nc; k++) {
    if (vt == T_DBL) param_store(p, vt, k, 0, va_arg(ap, double), NULL);
    else if (vt == T_INT) param_store(p, vt, k, va_arg(ap, int), 0.0, NULL);
    else param_store(p, vt, k, 0, 0.0, va_arg(ap, const char *));
  }
  nh_inst *in = p->inst;
  if (tl_in_changed && in->npending < MAX_PENDING) in->pending[in->npending++] = xstrdup(p->name);
  return kOfxStatOK;
}

static OfxStatus param_set_value(OfxParamHandle p, ...) {
  va_list ap;
  va_start(ap, p);
  OfxStatus st = param_set_va(p, ap);
  va_end(ap);
  return st;
}

static OfxStatus param_set_value_at_time(OfxParamHandle p, OfxTime t, ...) {
  va_list ap;
  va_start(ap, t);
  OfxStatus st = param_set_va(p, ap);
  va_end(ap);
  return st;
}

static OfxStatus param_get_num_keys(OfxParamHandle p, unsigned int *n) {
  if (!p || p->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  *n = 0;
  return kOfxStatOK;
}
static OfxStatus param_get_key_time(OfxParamHandle p, unsigned int nth, OfxTime *t) {
  (void)nth;
  (void)t;
  return (!p || p->magic != MAGIC_PARAM) ? kOfxStatErrBadHandle : kOfxStatErrBadIndex;
}
static OfxStatus param_get_key_index(OfxParamHandle p, OfxTime t, int dir, int *index) {
  (void)t;
  (void)dir;
  (void)index;
  return (!p || p->magic != MAGIC_PARAM) ? kOfxStatErrBadHandle : kOfxStatFailed;
}
static OfxStatus param_delete_key(OfxParamHandle p, OfxTime t) {
  (void)t;
  return (!p || p->magic != MAGIC_PARAM) ? kOfxStatErrBadHandle : kOfxStatErrBadIndex;
}
static OfxStatus param_delete_all_keys(OfxParamHandle p) {
  return (!p || p->magic != MAGIC_PARAM) ? kOfxStatErrBadHandle : kOfxStatOK;
}
static OfxStatus param_copy(OfxParamHandle to, OfxParamHandle from, OfxTime offset, const OfxRangeD *range) {
  (void)offset;
  (void)range;
  if (!to || to->magic != MAGIC_PARAM || !from || from->magic != MAGIC_PARAM) return kOfxStatErrBadHandle;
  if (strcmp(to->type, from->type) != 0) return kOfxStatErrValue;
  int vt = param_value_type(to->type);
  for (int k = 0; k < 4; k++) param_store(to, vt == T_STR ? T_INT : vt, k, from->ival[k], from->dval[k], NULL);
  if (vt == T_STR) param_store(to, T_STR, 0, 0, 0.0, from->sval);
  return kOfxStatOK;
}
static OfxStatus param_edit_begin(OfxParamSetHandle set, const char *name) {
  (void)name;
  if (!set || set->magic != MAGIC_PSET) return kOfxStatErrBadHandle;
  set->edit_depth++;
  return kOfxStatOK;
}
static OfxStatus param_edit_end(OfxParamSetHandle set) {
  if (!set || set->magic != MAGIC_PSET) return kOfxStatErrBadHandle;
  if (set->edit_depth <= 0) {
    violation(set->props->host, "paramEditEnd without paramEditBegin");
    return kOfxStatFailed;
  }
  set->edit_depth--;
  return kOfxStatOK;
}

static const OfxParameterSuiteV1 PARAM_SUITE = {
    param_define,          param_get_handle,     param_set_get_property_set, param_get_property_set,
    param_get_value,       param_get_value_at_time, param_get_derivative,    param_get_integral,
    param_set_value,       param_set_value_at_time, param_get_num_keys,      param_get_key_time,
    param_get_key_index,   param_delete_key,     param_delete_all_keys,      param_copy,
    param_edit_begin,      param_edit_end,
};

/* ---- multithread suite (real pthreads, to expose races) --------------------------------------- */

static nh_host *g_mt_host; /* the last loaded host: for calls made outside a render */

typedef struct mt_arg {
  OfxThreadFunctionV1 *fn;
  unsigned int index, count;
  void *arg;
  nh_host *host;
} mt_arg;

static nh_host *current_host(void) {
  if (tl_ctx) return tl_ctx->in->h;
  if (tl_host) return tl_host;
  return g_mt_host;
}

static void *mt_main(void *p) {
  mt_arg *a = (mt_arg *)p;
  tl_thread_index = (int)a->index;
  tl_spawned = 1;
  tl_host = a->host;
  tl_in_render = 1; /* spawned render threads: no paramSetValue either */
  a->fn(a->index, a->count, a->arg);
  return NULL;
}

static nh_host *current_host(void);

static OfxStatus mt_multi_thread(OfxThreadFunctionV1 func, unsigned int n, void *arg) {
  nh_host *h = current_host();
  if (!func) return kOfxStatFailed;
  if (tl_spawned) {
    violation(h, "multiThread called from a spawned thread");
    return kOfxStatFailed;
  }
  if (n == 0) n = 1;
  if (h) {
    pthread_mutex_lock(&h->lock);
    h->multithread_calls++;
    if ((long)n > h->max_threads) h->max_threads = (long)n;
    pthread_mutex_unlock(&h->lock);
  }
  if (n == 1) {
    func(0, 1, arg);
    return kOfxStatOK;
  }
  pthread_t *th = (pthread_t *)xcalloc(n, sizeof(pthread_t));
  mt_arg *args = (mt_arg *)xcalloc(n, sizeof(mt_arg));
  unsigned int started = 0;
  for (unsigned int i = 0; i < n; i++) {
    args[i].fn = func;
    args[i].index = i;
    args[i].count = n;
    args[i].arg = arg;
    args[i].host = h;
    if (pthread_create(&th[i], NULL, mt_main, &args[i]) != 0) break;
    started++;
  }
  for (unsigned int i = started; i < n; i++) func(i, n, arg); /* could not spawn: run here */
  for (unsigned int i = 0; i < started; i++) pthread_join(th[i], NULL);
  free(th);
  free(args);
  return kOfxStatOK;
}

static OfxStatus mt_num_cpus(unsigned int *n) {
  nh_host *h = current_host();
  *n = (unsigned int)(h && h->cfg.threads > 0 ? h->cfg.threads : 1);
  return kOfxStatOK;
}
static OfxStatus mt_index(unsigned int *i) {
  *i = tl_spawned ? (unsigned int)tl_thread_index : 0;
  return kOfxStatOK;
}
static int mt_is_spawned(void) { return tl_spawned; }
static OfxStatus mt_mutex_create(OfxMutexHandle *m, int lock_count) {
  pthread_mutex_t *mx = (pthread_mutex_t *)xcalloc(1, sizeof *mx);
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(mx, &at);
  pthread_mutexattr_destroy(&at);
  for (int i = 0; i < lock_count; i++) pthread_mutex_lock(mx);
  *m = (OfxMutexHandle)(void *)mx;
  return kOfxStatOK;
}
static OfxStatus mt_mutex_destroy(const OfxMutexHandle m) {
  if (!m) return kOfxStatErrBadHandle;
  pthread_mutex_destroy((pthread_mutex_t *)(void *)m);
  free((void *)m);
  return kOfxStatOK;
}
static OfxStatus mt_mutex_lock(const OfxMutexHandle m) {
  return m && pthread_mutex_lock((pthread_mutex_t *)(void *)m) == 0 ? kOfxStatOK : kOfxStatErrBadHandle;
}
static OfxStatus mt_mutex_unlock(const OfxMutexHandle m) {
  return m && pthread_mutex_unlock((pthread_mutex_t *)(void *)m) == 0 ? kOfxStatOK : kOfxStatErrBadHandle;
}
static OfxStatus mt_mutex_trylock(const OfxMutexHandle m) {
  if (!m) return kOfxStatErrBadHandle;
  return pthread_mutex_trylock((pthread_mutex_t *)(void *)m) == 0 ? kOfxStatOK : kOfxStatFailed;
}

static const OfxMultiThreadSuiteV1 THREAD_SUITE = {
    mt_multi_thread, mt_num_cpus, mt_index, mt_is_spawned, mt_mutex_create,
    mt_mutex_destroy, mt_mutex_lock, mt_mutex_unlock, mt_mutex_trylock,
};

/* ---- message suite --------------------------------------------------------------------------- */

static nh_inst *inst_of(void *handle) {
  struct OfxImageEffectStruct *e = as_effect(handle);
  return (e && e->is_instance) ? e->inst : NULL;
}

static OfxStatus msg_message(void *handle, const char *type, const char *id, const char *f, ...) {
  (void)type;
  (void)id;
  nh_inst *in = inst_of(handle);
  if (!f) return kOfxStatFailed;
  char text[2048];
  va_list ap;
  va_start(ap, f);
  vsnprintf(text, sizeof text, f, ap);
  va_end(ap);
  if (in) {
    pthread_mutex_lock(&in->h->lock);
    fmt(in->last_message, sizeof in->last_message, "%s", text);
    in->messages++;
    pthread_mutex_unlock(&in->h->lock);
  }
  return kOfxStatOK;
}

static OfxStatus msg_set_persistent(void *handle, const char *type, const char *id, const char *f, ...) {
  (void)id;
  nh_inst *in = inst_of(handle);
  if (!in) return kOfxStatErrBadHandle;
  if (!type || (strcmp(type, "OfxMessageError") && strcmp(type, "OfxMessageWarning") && strcmp(type, "OfxMessageMessage")))
    violation(in->h, "setPersistentMessage with message type '%s'", type ? type : "NULL");
  char text[2048];
  va_list ap;
  va_start(ap, f);
  vsnprintf(text, sizeof text, f ? f : "", ap);
  va_end(ap);
  pthread_mutex_lock(&in->h->lock);
  fmt(in->persistent, sizeof in->persistent, "%s", text);
  in->has_persistent = 1;
  pthread_mutex_unlock(&in->h->lock);
  return kOfxStatOK;
}

static OfxStatus msg_clear_persistent(void *handle) {
  nh_inst *in = inst_of(handle);
  if (!in) return kOfxStatErrBadHandle;
  pthread_mutex_lock(&in->h->lock);
  in->persistent[0] = '\0';
  in->has_persistent = 0;
  pthread_mutex_unlock(&in->h->lock);
  return kOfxStatOK;
}

static const OfxMessageSuiteV1 MESSAGE_SUITE_V1 = {msg_message};
static const OfxMessageSuiteV2 MESSAGE_SUITE_V2 = {msg_message, msg_set_persistent, msg_clear_persistent};

/* ---- fetchSuite ------------------------------------------------------------------------------ */

static const void *fetch_suite(OfxPropertySetHandle host, const char *name, int version) {
  nh_host *h = (host && host->magic == MAGIC_PROPS) ? host->host : NULL;
  if (!h || !name) return NULL;
  const void *s = NULL;
  unsigned bit = 0;
  if (!strcmp(name, "OfxPropertySuite") && version == 1) { s = &PROPERTY_SUITE; bit = 1; }
  else if (!strcmp(name, "OfxImageEffectSuite") && version == 1) { s = &EFFECT_SUITE; bit = 2; }
  else if (!strcmp(name, "OfxParameterSuite") && version == 1) { s = &PARAM_SUITE; bit = 4; }
  else if (!strcmp(name, "OfxMultiThreadSuite") && version == 1 && h->cfg.threads > 0) { s = &THREAD_SUITE; bit = 8; }
  else if (!strcmp(name, "OfxMessageSuite") && version == 1) { s = &MESSAGE_SUITE_V1; bit = 16; }
  else if (!strcmp(name, "OfxMessageSuite") && version == 2 && h->cfg.message_v2) { s = &MESSAGE_SUITE_V2; bit = 32; }
  pthread_mutex_lock(&h->lock);
  h->suites_fetched |= bit;
  pthread_mutex_unlock(&h->lock);
  return s;
}

/* ---- actions --------------------------------------------------------------------------------- */

static OfxStatus call(nh_host *h, const char *action, const void *handle, OfxPropertySetHandle in,
                      OfxPropertySetHandle out) {
  count_action(h, action);
  OfxStatus st = h->plugin->mainEntry(action, handle, in, out);
  if (st < 0 || (st > kOfxStatReplyDefault && st != kOfxStatErrImageFormat))
    violation(h, "%s returned %d, not an OFX status", action, st);
  if (!strcmp(action, "OfxImageEffectActionRender") && st == kOfxStatReplyDefault)
    violation(h, "Render returned ReplyDefault");
  return st;
}

static const char *dirname_of_bundle(const char *path, char *stem, size_t stemlen) {
  /* <...>/NAME.ofx.bundle -> NAME.ofx */
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  size_t start = n;
  while (start > 0 && path[start - 1] != '/') start--;
  size_t len = n - start;
  const char *suffix = ".bundle";
  size_t sl = strlen(suffix);
  if (len <= sl || memcmp(path + n - sl, suffix, sl) != 0) return NULL;
  len -= sl;
  if (len + 1 > stemlen) return NULL;
  memcpy(stem, path + start, len);
  stem[len] = '\0';
  return stem;
}

NH_API nh_host *nh_load(const char *bundle, const nh_config *cfg, char *err, int errlen) {
  char stem[256], binary[4096];
  if (!bundle || !cfg) {
    fmt(err, errlen, "no bundle");
    return NULL;
  }
  size_t bl = strlen(bundle);
  if (bl > 4 && !strcmp(bundle + bl - 4, ".ofx")) {
    fmt(binary, sizeof binary, "%s", bundle);
  } else if (dirname_of_bundle(bundle, stem, sizeof stem)) {
#if defined(__x86_64__)
    const char *arch = "Linux-x86-64";
#elif defined(__aarch64__)
    const char *arch = "Linux-aarch64";
#else
    const char *arch = "Linux-x86";
#endif
    size_t n = bl;
    while (n > 1 && bundle[n - 1] == '/') n--;
    fmt(binary, sizeof binary, "%.*s/Contents/%s/%s", (int)n, bundle, arch, stem);
  } else {
    fmt(err, errlen, "%s: not an OFX bundle (NAME.ofx.bundle) or a .ofx binary", bundle);
    return NULL;
  }
  void *dl = dlopen(binary, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    fmt(err, errlen, "dlopen %s: %s", binary, dlerror());
    return NULL;
  }
  typedef int (*count_fn)(void);
  typedef OfxPlugin *(*get_fn)(int);
  typedef OfxStatus (*sethost_fn)(const OfxHost *);
  /* POSIX: dlsym's object pointer converts to a function pointer; memcpy keeps ISO C quiet */
  count_fn count;
  get_fn get;
  sethost_fn sethost;
  void *sym = dlsym(dl, "OfxGetNumberOfPlugins");
  memcpy(&count, &sym, sizeof count);
  sym = dlsym(dl, "OfxGetPlugin");
  memcpy(&get, &sym, sizeof get);
  sym = dlsym(dl, "OfxSetHost");
  memcpy(&sethost, &sym, sizeof sethost);
  if (!count || !get) {
    fmt(err, errlen, "%s does not export OfxGetNumberOfPlugins/OfxGetPlugin", binary);
    dlclose(dl);
    return NULL;
  }
  nh_host *h = (nh_host *)xcalloc(1, sizeof *h);
  h->cfg = *cfg;
  h->dl = dl;
  pthread_mutex_init(&h->lock, NULL);
  g_mt_host = h;
  h->props = ps_new(h, "host");
  OfxPropertySetHandle hp = h->props;
  hset_str(hp, "OfxPropType", 0, "OfxTypeImageEffectHost");
  hset_str(hp, "OfxPropName", 0, "org.ncstbridge.testhost");
  hset_str(hp, "OfxPropLabel", 0, "NCST test host");
  const int api[2] = {1, 4};
  hset_ints(hp, "OfxPropAPIVersion", 2, api);
  hset_int(hp, "OfxPropVersion", 0, 1);
  hset_str(hp, "OfxPropVersionLabel", 0, "1.0");
  hset_int(hp, "OfxImageEffectHostPropIsBackground", 0, 1);
  hset_int(hp, "OfxImageEffectPropSupportsOverlays", 0, 0);
  hset_int(hp, "OfxImageEffectPropSupportsMultiResolution", 0, 1);
  hset_int(hp, "OfxImageEffectPropSupportsTiles", 0, 1);
  hset_int(hp, "OfxImageEffectPropTemporalClipAccess", 0, 0);
  hset_str(hp, "OfxImageEffectPropSupportedComponents", 0, "OfxImageComponentRGBA");
  hset_str(hp, "OfxImageEffectPropSupportedComponents", 1, "OfxImageComponentRGB");
  hset_str(hp, "OfxImageEffectPropSupportedContexts", 0, "OfxImageEffectContextFilter");
  hset_str(hp, "OfxImageEffectPropSupportedContexts", 1, "OfxImageEffectContextGeneral");
  int nd = 0;
  if (cfg->depths & 4) hset_str(hp, "OfxImageEffectPropSupportedPixelDepths", nd++, "OfxBitDepthFloat");
  if (cfg->depths & 2) hset_str(hp, "OfxImageEffectPropSupportedPixelDepths", nd++, "OfxBitDepthShort");
  if (cfg->depths & 1) hset_str(hp, "OfxImageEffectPropSupportedPixelDepths", nd++, "OfxBitDepthByte");
  hset_int(hp, "OfxImageEffectPropMultipleClipDepths", 0, 0);
  hset_int(hp, "OfxImageEffectPropSupportsMultipleClipPARs", 0, 0);
  hset_int(hp, "OfxImageEffectPropSetableFrameRate", 0, 0);
  hset_int(hp, "OfxImageEffectPropSetableFielding", 0, 0);
  hset_int(hp, "OfxParamHostPropSupportsCustomInteract", 0, 0);
  hset_int(hp, "OfxParamHostPropSupportsStringAnimation", 0, 0);
  hset_int(hp, "OfxParamHostPropSupportsChoiceAnimation", 0, 0);
  hset_int(hp, "OfxParamHostPropSupportsBooleanAnimation", 0, 0);
  hset_int(hp, "OfxParamHostPropSupportsCustomAnimation", 0, 0);
  hset_int(hp, "OfxParamHostPropMaxParameters", 0, -1);
  hset_int(hp, "OfxParamHostPropMaxPages", 0, 0);
  const int rc[2] = {0, 0};
  hset_ints(hp, "OfxParamHostPropPageRowColumnCount", 2, rc);
  h->ofx.host = hp;
  h->ofx.fetchSuite = fetch_suite;

  if (cfg->call_set_host && sethost) {
    OfxStatus st = sethost(&h->ofx);
    if (st != kOfxStatOK && st != kOfxStatReplyDefault) {
      fmt(err, errlen, "OfxSetHost returned %d", st);
      nh_unload(h);
      return NULL;
    }
  }
  int n = count();
  if (n < 1) {
    fmt(err, errlen, "OfxGetNumberOfPlugins returned %d", n);
    nh_unload(h);
    return NULL;
  }
  OfxPlugin *p = get(0);
  if (!p || !p->pluginApi || strcmp(p->pluginApi, "OfxImageEffectPluginAPI") != 0 || p->apiVersion != 1 ||
      !p->mainEntry || !p->setHost || !p->pluginIdentifier) {
    fmt(err, errlen, "plug-in 0 is not an image effect (API %s version %d)", p && p->pluginApi ? p->pluginApi : "?",
        p ? p->apiVersion : -1);
    nh_unload(h);
    return NULL;
  }
  if (get(n) != NULL) violation(h, "OfxGetPlugin(%d) beyond the count did not return NULL", n);
  h->plugin = p;
  p->setHost(&h->ofx);
  OfxStatus st = call(h, "OfxActionLoad", NULL, NULL, NULL);
  if (st != kOfxStatOK && st != kOfxStatReplyDefault) {
    fmt(err, errlen, "Load failed (%d)", st);
    h->plugin = NULL;
    nh_unload(h);
    return NULL;
  }
  h->descriptor = effect_new(h, 0);
  hset_str(h->descriptor->props, "OfxPropType", 0, "OfxTypeImageEffect");
  ps_add(h->descriptor->props, "OfxImageEffectPropSupportedContexts", T_STR);
  ps_add(h->descriptor->props, "OfxImageEffectPropSupportedPixelDepths", T_STR);
  st = call(h, "OfxActionDescribe", h->descriptor, NULL, NULL);
  if (st != kOfxStatOK) {
    fmt(err, errlen, "Describe failed (%d)", st);
    nh_unload(h);
    return NULL;
  }
  prop *ctxs = ps_find(h->descriptor->props, "OfxImageEffectPropSupportedContexts");
  for (int i = 0; ctxs && i < ctxs->n && h->ncontexts < 2; i++) {
    const char *c = ctxs->v.s[i];
    if (strcmp(c, "OfxImageEffectContextFilter") && strcmp(c, "OfxImageEffectContextGeneral")) continue;
    struct OfxImageEffectStruct *d = effect_new(h, 0);
    ps_free(d->props);
    d->props = ps_copy(h->descriptor->props, "effect");
    d->context = xstrdup(c);
    OfxPropertySetHandle args = ps_new(h, "args");
    hset_str(args, "OfxImageEffectPropContext", 0, c);
    st = call(h, "OfxImageEffectActionDescribeInContext", d, args, NULL);
    ps_free(args);
    if (st != kOfxStatOK) {
      fmt(err, errlen, "DescribeInContext(%s) failed (%d)", c, st);
      effect_free(d);
      nh_unload(h);
      return NULL;
    }
    h->contexts[h->ncontexts++] = d;
  }
  if (h->ncontexts == 0) {
    fmt(err, errlen, "the plug-in supports neither the filter nor the general context");
    nh_unload(h);
    return NULL;
  }
  return h;
}

NH_API void nh_destroy(nh_inst *in) {
  if (!in) return;
  nh_host *h = in->h;
  call(h, "OfxActionDestroyInstance", in->effect, NULL, NULL);
  for (int i = 0; i < h->ninsts; i++)
    if (h->insts[i] == in) {
      h->insts[i] = h->insts[--h->ninsts];
      break;
    }
  for (int i = 0; i < in->npending; i++) free(in->pending[i]);
  effect_free(in->effect);
  free(in);
}

NH_API int nh_unload(nh_host *h) {
  if (!h) return kOfxStatOK;
  while (h->ninsts > 0) nh_destroy(h->insts[h->ninsts - 1]);
  OfxStatus st = kOfxStatOK;
  if (h->plugin) st = call(h, "OfxActionUnload", NULL, NULL, NULL);
  for (int i = 0; i < h->ncontexts; i++) effect_free(h->contexts[i]);
  effect_free(h->descriptor);
  ps_free(h->props);
  if (h->dl) dlclose(h->dl);
  for (int i = 0; i < h->nviolations; i++) free(h->violations[i]);
  free(h->insts);
  pthread_mutex_destroy(&h->lock);
  if (g_mt_host == h) g_mt_host = NULL;
  free(h);
  return st == kOfxStatReplyDefault ? kOfxStatOK : st;
}

NH_API nh_inst *nh_create(nh_host *h, const char *context, char *err, int errlen) {
  struct OfxImageEffectStruct *d = NULL;
  for (int i = 0; i < h->ncontexts; i++)
    if (!strcmp(h->contexts[i]->context, context)) d = h->contexts[i];
  if (!d) {
    fmt(err, errlen, "context %s was not described", context);
    return NULL;
  }
  nh_inst *in = (nh_inst *)xcalloc(1, sizeof *in);
  in->h = h;
  struct OfxImageEffectStruct *e = effect_new(h, 1);
  e->inst = in;
  e->context = xstrdup(context);
  ps_free(e->props);
  e->props = ps_copy(d->props, "effect");
  hset_str(e->props, "OfxPropType", 0, "OfxTypeImageEffectInstance");
  hset_str(e->props, "OfxImageEffectPropContext", 0, context);
  hset_ptr(e->props, "OfxPropInstanceData", 0, NULL);
  const double size[2] = {1920, 1080}, zero[2] = {0, 0};
  hset_dbls(e->props, "OfxImageEffectPropProjectSize", 2, size);
  hset_dbls(e->props, "OfxImageEffectPropProjectOffset", 2, zero);
  hset_dbls(e->props, "OfxImageEffectPropProjectExtent", 2, size);
  hset_dbl(e->props, "OfxImageEffectPropPixelAspectRatio", 0, 1.0);
  hset_dbl(e->props, "OfxImageEffectInstancePropEffectDuration", 0, 100.0);
  hset_int(e->props, "OfxImageEffectInstancePropSequentialRender", 0, 0);
  hset_dbl(e->props, "OfxImageEffectPropFrameRate", 0, 25.0);
  hset_int(e->props, "OfxPropIsInteractive", 0, 0);
  for (int i = 0; i < d->nclips; i++) {
    struct OfxImageClipStruct *c = (struct OfxImageClipStruct *)xcalloc(1, sizeof *c);
    c->magic = MAGIC_CLIP;
    c->name = xstrdup(d->clips[i]->name);
    c->effect = e;
    c->props = ps_copy(d->clips[i]->props, "clip");
    hset_str(c->props, "OfxImageEffectPropPixelDepth", 0, "OfxBitDepthFloat");
    hset_str(c->props, "OfxImageEffectPropComponents", 0, "OfxImageComponentRGBA");
    hset_str(c->props, "OfxImageClipPropUnmappedPixelDepth", 0, "OfxBitDepthFloat");
    hset_str(c->props, "OfxImageClipPropUnmappedComponents", 0, "OfxImageComponentRGBA");
    hset_str(c->props, "OfxImageEffectPropPreMultiplication", 0, "OfxImageAlphaUnPremultiplied");
    hset_dbl(c->props, "OfxImagePropPixelAspectRatio", 0, 1.0);
    hset_dbl(c->props, "OfxImageEffectPropFrameRate", 0, 25.0);
    const double range[2] = {0, 99};
    hset_dbls(c->props, "OfxImageEffectPropFrameRange", 2, range);
    hset_str(c->props, "OfxImageClipPropFieldOrder", 0, "OfxFieldNone");
    hset_int(c->props, "OfxImageClipPropConnected", 0, 1);
    hset_int(c->props, "OfxImageClipPropContinuousSamples", 0, 0);
    e->clips = (struct OfxImageClipStruct **)xrealloc(e->clips, (size_t)(e->nclips + 1) * sizeof(void *));
    e->clips[e->nclips++] = c;
  }
  e->params->inst = in;
  for (int i = 0; i < d->params->n; i++) {
    struct OfxParamStruct *dp = d->params->params[i];
    struct OfxParamStruct *p = (struct OfxParamStruct *)xcalloc(1, sizeof *p);
    p->magic = MAGIC_PARAM;
    p->name = xstrdup(dp->name);
    p->type = xstrdup(dp->type);
    p->props = ps_copy(dp->props, "param");
    p->props->ptype = p->type;
    hset_str(p->props, "OfxPropType", 0, "OfxTypeParameterInstance");
    p->inst = in;
    int vt = param_value_type(p->type), nc = param_components(p->type);
    for (int k = 0; k < nc; k++) {
      if (vt == T_DBL) p->dval[k] = hget_dbl(p->props, "OfxParamPropDefault", k, 0.0);
      if (vt == T_INT) p->ival[k] = hget_int(p->props, "OfxParamPropDefault", k, 0);
    }
    if (vt == T_STR) {
      const char *s = hget_str(p->props, "OfxParamPropDefault", 0);
      p->sval = xstrdup(s ? s : "");
    }
    struct OfxParamSetStruct *s = e->params;
    if (s->n == s->cap) {
      s->cap = s->cap ? s->cap * 2 : 16;
      s->params = (struct OfxParamStruct **)xrealloc(s->params, (size_t)s->cap * sizeof(void *));
    }
    s->params[s->n++] = p;
  }
  in->effect = e;
  OfxStatus st = call(h, "OfxActionCreateInstance", e, NULL, NULL);
  if (st != kOfxStatOK && st != kOfxStatReplyDefault) {
    fmt(err, errlen, "CreateInstance failed (%d)", st);
    effect_free(e);
    free(in);
    return NULL;
  }
  h->insts = (nh_inst **)xrealloc(h->insts, (size_t)(h->ninsts + 1) * sizeof(void *));
  h->insts[h->ninsts++] = in;
  return in;
}

/* InstanceChanged for one parameter, wrapped in Begin/End, then what the plug-in itself changed */
static int notify_changed(nh_inst *in, const char *name, const char *reason) {
  nh_host *h = in->h;
  int status = kOfxStatOK;
  if (h->cfg.no_instance_changed) return kOfxStatOK; /* an MLT-like host: values change silently */
  char *queue[MAX_PENDING + 1];
  int nq = 0, rounds = 0;
  queue[nq++] = xstrdup(name);
  const char *why = reason;
  while (nq > 0 && rounds++ < 8) {
    OfxPropertySetHandle bargs = ps_new(h, "args");
    hset_str(bargs, "OfxPropChangeReason", 0, why);
    call(h, "OfxActionBeginInstanceChanged", in->effect, bargs, NULL);
    for (int i = 0; i < nq; i++) {
      OfxPropertySetHandle args = ps_new(h, "args");
      hset_str(args, "OfxPropType", 0, "OfxTypeParameter");
      hset_str(args, "OfxPropName", 0, queue[i]);
      hset_str(args, "OfxPropChangeReason", 0, why);
      hset_dbl(args, "OfxPropTime", 0, 0.0);
      const double scale[2] = {1.0, 1.0};
      hset_dbls(args, "OfxImageEffectPropRenderScale", 2, scale);
      tl_in_changed = 1;
      OfxStatus st = call(h, "OfxActionInstanceChanged", in->effect, args, NULL);
      tl_in_changed = 0;
      if (st != kOfxStatOK && st != kOfxStatReplyDefault && status == kOfxStatOK) status = st;
      ps_free(args);
      free(queue[i]);
    }
    call(h, "OfxActionEndInstanceChanged", in->effect, bargs, NULL);
    ps_free(bargs);
    nq = 0;
    for (int i = 0; i < in->npending; i++) queue[nq++] = in->pending[i];
    in->npending = 0;
    why = "OfxChangePluginEdited";
  }
  for (int i = 0; i < nq; i++) free(queue[i]);
  return status;
}

static struct OfxParamStruct *inst_param(nh_inst *in, const char *name) {
  return in ? pset_find(in->effect->params, name) : NULL;
}

NH_API int nh_set_double(nh_inst *in, const char *name, double v) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || param_value_type(p->type) != T_DBL) return -1;
  param_store(p, T_DBL, 0, 0, v, NULL);
  return notify_changed(in, name, "OfxChangeUserEdited");
}
NH_API int nh_set_int(nh_inst *in, const char *name, int v) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || param_value_type(p->type) != T_INT) return -1;
  param_store(p, T_INT, 0, v, 0.0, NULL);
  return notify_changed(in, name, "OfxChangeUserEdited");
}
NH_API int nh_set_string(nh_inst *in, const char *name, const char *v) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || param_value_type(p->type) != T_STR) return -1;
  param_store(p, T_STR, 0, 0, 0.0, v);
  return notify_changed(in, name, "OfxChangeUserEdited");
}
NH_API int nh_press(nh_inst *in, const char *name) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || strcmp(p->type, "OfxParamTypePushButton") != 0) return -1;
  return notify_changed(in, name, "OfxChangeUserEdited");
}
NH_API int nh_get_double(nh_inst *in, const char *name, double *v) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || param_value_type(p->type) != T_DBL) return -1;
  pthread_mutex_lock(&in->h->lock);
  *v = p->dval[0];
  pthread_mutex_unlock(&in->h->lock);
  return 0;
}
NH_API int nh_get_int(nh_inst *in, const char *name, int *v) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || param_value_type(p->type) != T_INT) return -1;
  pthread_mutex_lock(&in->h->lock);
  *v = p->ival[0];
  pthread_mutex_unlock(&in->h->lock);
  return 0;
}
NH_API int nh_get_string(nh_inst *in, const char *name, char *buf, int len) {
  struct OfxParamStruct *p = inst_param(in, name);
  if (!p || param_value_type(p->type) != T_STR) return -1;
  pthread_mutex_lock(&in->h->lock);
  fmt(buf, len, "%s", p->sval ? p->sval : "");
  pthread_mutex_unlock(&in->h->lock);
  return 0;
}

NH_API int nh_persistent_message(nh_inst *in, char *buf, int len) {
  pthread_mutex_lock(&in->h->lock);
  fmt(buf, len, "%s", in->has_persistent ? in->persistent : "");
  int has = in->has_persistent;
  pthread_mutex_unlock(&in->h->lock);
  return has;
}

NH_API int nh_last_message(nh_inst *in, char *buf, int len) {
  pthread_mutex_lock(&in->h->lock);
  fmt(buf, len, "%s", in->last_message);
  int n = in->messages;
  pthread_mutex_unlock(&in->h->lock);
  return n;
}

/* ---- rendering ------------------------------------------------------------------------------- */

typedef struct render_job {
  nh_inst *in;
  nh_render_opts *o;
  const unsigned char *src;
  unsigned char *dst;
  int w, h;
  OfxRectI rod;
  OfxRectI *windows;
  int nwindows;
  int next;           /* next window to take, guarded by lock */
  pthread_mutex_t lock;
  int status;
  char err[512];
  int identity, renders;
} render_job;

static void job_fail(render_job *j, int st, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void job_fail(render_job *j, int st, const char *f, ...) {
  pthread_mutex_lock(&j->lock);
  if (j->status == 0) {
    j->status = st;
    va_list ap;
    va_start(ap, f);
    vsnprintf(j->err, sizeof j->err, f, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&j->lock);
}

static void copy_window(render_job *j, OfxRectI win, const char *data, int row_bytes, OfxRectI bounds) {
  const int pix = depth_bytes(j->o->depth) * j->o->components;
  for (int y = win.y1; y < win.y2; y++) {
    unsigned char *d = j->dst + ((size_t)(y - j->rod.y1) * (size_t)j->w + (size_t)(win.x1 - j->rod.x1)) * (size_t)pix;
    memcpy(d, data + (ptrdiff_t)(y - bounds.y1) * row_bytes + (ptrdiff_t)(win.x1 - bounds.x1) * pix,
           (size_t)((win.x2 - win.x1) * pix));
  }
}

static void render_window(render_job *j, OfxRectI win) {
  nh_inst *in = j->in;
  nh_host *h = in->h;
  const nh_render_opts *o = j->o;
  const double t = o->time, scale[2] = {opt_scale(o), opt_scale(o)};
  const int pix = depth_bytes(o->depth) * o->components;

  if (o->call_identity) {
    OfxPropertySetHandle args = ps_new(h, "args"), out = ps_new(h, "args");
    hset_dbl(args, "OfxPropTime", 0, t);
    hset_str(args, "OfxImageEffectPropFieldToRender", 0, "OfxFieldNone");
    hset_ints(args, "OfxImageEffectPropRenderWindow", 4, &win.x1);
    hset_dbls(args, "OfxImageEffectPropRenderScale", 2, scale);
    hset_str(out, "OfxPropName", 0, "");
    hset_dbl(out, "OfxPropTime", 0, t);
    OfxStatus st = call(h, "OfxImageEffectActionIsIdentity", in->effect, args, out);
    const char *name = hget_str(out, "OfxPropName", 0);
    int identity = st == kOfxStatOK && name && !strcmp(name, "Source");
    if (st == kOfxStatOK && !identity) violation(h, "IsIdentity returned OK naming clip '%s'", name ? name : "");
    if (st != kOfxStatOK && st != kOfxStatReplyDefault) job_fail(j, st, "IsIdentity failed (%d)", st);
    ps_free(args);
    ps_free(out);
    if (identity) {
      /* the host copies the source itself */
      copy_window(j, win, (const char *)j->src, j->w * pix, j->rod);
      pthread_mutex_lock(&j->lock);
      j->identity++;
      pthread_mutex_unlock(&j->lock);
      return;
    }
  }

  render_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.in = in;
  ctx.o = o;
  ctx.src = j->src;
  ctx.w = j->w;
  ctx.h = j->h;
  ctx.bpc = depth_bytes(o->depth);
  ctx.nc = o->components;
  ctx.rod = j->rod;
  ctx.window = win;
  fmt(ctx.uid, sizeof ctx.uid, "frame-%g", t);
  if (o->full_source) {
    ctx.src_region = j->rod;
  } else {
    OfxPropertySetHandle args = ps_new(h, "args"), out = ps_new(h, "args");
    const double roi[4] = {win.x1 / scale[0], win.y1 / scale[1], win.x2 / scale[0], win.y2 / scale[1]}; /* canonical */
    hset_dbl(args, "OfxPropTime", 0, t);
    hset_dbls(args, "OfxImageEffectPropRenderScale", 2, scale);
    hset_dbls(args, "OfxImageEffectPropRegionOfInterest", 4, roi);
    hset_dbls(out, "OfxImageClipPropRoI_Source", 4, roi); /* initialised to the default RoI */
    OfxStatus st = call(h, "OfxImageEffectActionGetRegionsOfInterest", in->effect, args, out);
    double r[4] = {roi[0], roi[1], roi[2], roi[3]};
    if (st == kOfxStatOK) {
      for (int k = 0; k < 4; k++) r[k] = hget_dbl(out, "OfxImageClipPropRoI_Source", k, roi[k]);
    } else if (st != kOfxStatReplyDefault) {
      job_fail(j, st, "GetRegionsOfInterest failed (%d)", st);
    }
    OfxRectI ri = {(int)floor(r[0] * scale[0] + 1e-6), (int)floor(r[1] * scale[1] + 1e-6),
                   (int)ceil(r[2] * scale[0] - 1e-6), (int)ceil(r[3] * scale[1] - 1e-6)}; /* to pixels */
    ctx.src_region = ri;
    ps_free(args);
    ps_free(out);
  }

  OfxPropertySetHandle args = ps_new(h, "args");
  hset_dbl(args, "OfxPropTime", 0, t);
  hset_str(args, "OfxImageEffectPropFieldToRender", 0, "OfxFieldNone");
  hset_ints(args, "OfxImageEffectPropRenderWindow", 4, &win.x1);
  hset_dbls(args, "OfxImageEffectPropRenderScale", 2, scale);
  hset_int(args, "OfxImageEffectPropSequentialRenderStatus", 0, 0);
  hset_int(args, "OfxImageEffectPropInteractiveRenderStatus", 0, 0);
  hset_int(args, "OfxImageEffectPropRenderQualityDraft", 0, 0);
  if (o->no_spatial) hset_str(args, "OfxImageEffectPropNoSpatialAwareness", 0, "true");
  tl_ctx = &ctx;
  tl_in_render = 1;
  OfxStatus st = call(h, "OfxImageEffectActionRender", in->effect, args, NULL);
  tl_in_render = 0;
  tl_ctx = NULL;
  ps_free(args);
  pthread_mutex_lock(&j->lock);
  j->renders++;
  pthread_mutex_unlock(&j->lock);
  if (st != kOfxStatOK) job_fail(j, st, "Render failed (%d)", st);

  int got_output = 0;
  for (int i = 0; i < ctx.nimages; i++) {
    image_rec *rec = &ctx.images[i];
    if (!rec->released) {
      violation(h, "an image was not released by the end of Render");
      pthread_mutex_lock(&h->lock);
      h->images_outstanding--;
      pthread_mutex_unlock(&h->lock);
    }
    if (rec->is_output) got_output = 1;
  }
  if (ctx.out_mem && st == kOfxStatOK) {
    copy_window(j, win, ctx.out_data, ctx.out_stride, win);
    if (o->depth == 32) {
      for (int y = win.y1; y < win.y2; y++) {
        const float *f = (const float *)(const void *)(ctx.out_data + (ptrdiff_t)(y - win.y1) * ctx.out_stride);
        for (int i = 0; i < (win.x2 - win.x1) * o->components; i++)
          if (isnan(f[i])) {
            violation(h, "Render left pixel (%d, %d) of its window unwritten", win.x1 + i / o->components, y);
            y = win.y2;
            break;
          }
      }
    }
  } else if (st == kOfxStatOK && !got_output) {
    job_fail(j, -1, "Render returned OK without fetching the output image");
  }
  for (int i = 0; i < ctx.nimages; i++) {
    image_rec *rec = &ctx.images[i];
    if (rec->mem != ctx.out_mem) free(rec->mem);
    ps_free(rec->props);
  }
  free(ctx.out_mem);
}

static void *render_worker(void *p) {
  render_job *j = (render_job *)p;
  for (;;) {
    pthread_mutex_lock(&j->lock);
    int k = j->next < j->nwindows ? j->next++ : -1;
    pthread_mutex_unlock(&j->lock);
    if (k < 0) break;
    render_window(j, j->windows[k]);
  }
  return NULL;
}

NH_API int nh_render(nh_inst *in, const void *src, void *dst, int w, int h, nh_render_opts *o, char *err, int errlen) {
  if (!in || !src || !dst || !o || w <= 0 || h <= 0) {
    fmt(err, errlen, "bad arguments");
    return -1;
  }
  nh_host *host = in->h;
  if ((o->depth != 8 && o->depth != 16 && o->depth != 32) || (o->components != 3 && o->components != 4)) {
    fmt(err, errlen, "depth must be 8/16/32 and components 3/4");
    return -1;
  }
  const int dbit = o->depth == 8 ? 1 : o->depth == 16 ? 2 : 4;
  if (!(host->cfg.depths & dbit)) {
    fmt(err, errlen, "this host was configured without %d-bit support", o->depth);
    return -1;
  }
  /* the clip preferences this host imposes for this frame */
  for (int i = 0; i < in->effect->nclips; i++) {
    OfxPropertySetHandle cp = in->effect->clips[i]->props;
    hset_str(cp, "OfxImageEffectPropPixelDepth", 0, depth_name(o->depth));
    hset_str(cp, "OfxImageEffectPropComponents", 0, o->components == 4 ? "OfxImageComponentRGBA" : "OfxImageComponentRGB");
    hset_str(cp, "OfxImageEffectPropPreMultiplication", 0, o->components == 4 ? "OfxImageAlphaUnPremultiplied" : "OfxImageOpaque");
  }
  render_job j;
  memset(&j, 0, sizeof j);
  j.in = in;
  j.o = o;
  j.src = (const unsigned char *)src;
  j.dst = (unsigned char *)dst;
  j.w = w;
  j.h = h;
  j.rod.x1 = o->x0;
  j.rod.y1 = o->y0;
  j.rod.x2 = o->x0 + w;
  j.rod.y2 = o->y0 + h;
  pthread_mutex_init(&j.lock, NULL);
  int tw = o->tile_w > 0 ? o->tile_w : w, th = o->tile_h > 0 ? o->tile_h : h;
  int nx = (w + tw - 1) / tw, ny = (h + th - 1) / th;
  j.windows = (OfxRectI *)xcalloc((size_t)(nx * ny), sizeof(OfxRectI));
  for (int ty = 0; ty < ny; ty++)
    for (int tx = 0; tx < nx; tx++) {
      OfxRectI r = {j.rod.x1 + tx * tw, j.rod.y1 + ty * th, j.rod.x1 + (tx + 1) * tw, j.rod.y1 + (ty + 1) * th};
      j.windows[j.nwindows++] = rect_intersect(r, j.rod);
    }

  const double scale[2] = {opt_scale(o), opt_scale(o)}, range[2] = {o->time, o->time};
  OfxPropertySetHandle seq = ps_new(host, "args");
  hset_dbls(seq, "OfxImageEffectPropFrameRange", 2, range);
  hset_dbl(seq, "OfxImageEffectPropFrameStep", 0, 1.0);
  hset_int(seq, "OfxPropIsInteractive", 0, 0);
  hset_dbls(seq, "OfxImageEffectPropRenderScale", 2, scale);
  hset_int(seq, "OfxImageEffectPropSequentialRenderStatus", 0, 0);
  hset_int(seq, "OfxImageEffectPropInteractiveRenderStatus", 0, 0);
  OfxStatus st = call(host, "OfxImageEffectActionBeginSequenceRender", in->effect, seq, NULL);
  if (st != kOfxStatOK && st != kOfxStatReplyDefault) job_fail(&j, st, "BeginSequenceRender failed (%d)", st);

  int nthreads = o->host_threads > 1 ? o->host_threads : 1;
  if (nthreads > j.nwindows) nthreads = j.nwindows;
  if (nthreads <= 1) {
    render_worker(&j);
  } else {
    pthread_t *th_ids = (pthread_t *)xcalloc((size_t)nthreads, sizeof(pthread_t));
    int started = 0;
    for (int i = 0; i < nthreads; i++)
      if (pthread_create(&th_ids[i], NULL, render_worker, &j) == 0) started++;
    if (started == 0) render_worker(&j);
    for (int i = 0; i < started; i++) pthread_join(th_ids[i], NULL);
    free(th_ids);
  }
  st = call(host, "OfxImageEffectActionEndSequenceRender", in->effect, seq, NULL);
  if (st != kOfxStatOK && st != kOfxStatReplyDefault) job_fail(&j, st, "EndSequenceRender failed (%d)", st);
  ps_free(seq);
  o->identity_windows = j.identity;
  o->render_calls = j.renders;
  free(j.windows);
  pthread_mutex_destroy(&j.lock);
  if (j.status) fmt(err, errlen, "%s", j.err);
  return j.status;
}

/* ---- JSON dumps ------------------------------------------------------------------------------ */

static void dump_props(sbuf *b, OfxPropertySetHandle ps) {
  sb_add(b, "{");
  for (int i = 0; i < ps->n; i++) {
    prop *p = &ps->props[i];
    if (i) sb_add(b, ", ");
    sb_json_str(b, p->name);
    sb_add(b, ": [");
    for (int k = 0; k < p->n; k++) {
      if (k) sb_add(b, ", ");
      if (p->type == T_INT) sb_add(b, "%d", p->v.i[k]);
      else if (p->type == T_DBL) sb_add(b, "%.17g", p->v.d[k]);
      else if (p->type == T_STR) sb_json_str(b, p->v.s[k]);
      else sb_add(b, "%s", p->v.p[k] ? "\"<pointer>\"" : "null");
    }
    sb_add(b, "]");
  }
  sb_add(b, "}");
}

NH_API int nh_describe_json(nh_host *h, char *buf, int len) {
  sbuf b = {0};
  sb_add(&b, "{\"plugin\": {\"identifier\": ");
  sb_json_str(&b, h->plugin->pluginIdentifier);
  sb_add(&b, ", \"api\": ");
  sb_json_str(&b, h->plugin->pluginApi);
  sb_add(&b, ", \"api_version\": %d, \"version\": [%u, %u]}, \"effect\": ", h->plugin->apiVersion,
         h->plugin->pluginVersionMajor, h->plugin->pluginVersionMinor);
  dump_props(&b, h->descriptor->props);
  sb_add(&b, ", \"contexts\": {");
  for (int c = 0; c < h->ncontexts; c++) {
    struct OfxImageEffectStruct *d = h->contexts[c];
    if (c) sb_add(&b, ", ");
    sb_json_str(&b, d->context);
    sb_add(&b, ": {\"clips\": {");
    for (int i = 0; i < d->nclips; i++) {
      if (i) sb_add(&b, ", ");
      sb_json_str(&b, d->clips[i]->name);
      sb_add(&b, ": ");
      dump_props(&b, d->clips[i]->props);
    }
    sb_add(&b, "}, \"params\": [");
    for (int i = 0; i < d->params->n; i++) {
      struct OfxParamStruct *p = d->params->params[i];
      if (i) sb_add(&b, ", ");
      sb_add(&b, "{\"name\": ");
      sb_json_str(&b, p->name);
      sb_add(&b, ", \"type\": ");
      sb_json_str(&b, p->type);
      sb_add(&b, ", \"props\": ");
      dump_props(&b, p->props);
      sb_add(&b, "}");
    }
    sb_add(&b, "]}");
  }
  sb_add(&b, "}}");
  return sb_out(&b, buf, len);
}

NH_API int nh_stats_json(nh_host *h, char *buf, int len) {
  sbuf b = {0};
  pthread_mutex_lock(&h->lock);
  sb_add(&b, "{\"images_fetched\": %ld, \"images_released\": %ld, \"images_outstanding\": %ld, ", h->images_fetched,
         h->images_released, h->images_outstanding);
  sb_add(&b, "\"multithread_calls\": %ld, \"max_threads\": %ld, \"instances\": %d, ", h->multithread_calls,
         h->max_threads, h->ninsts);
  sb_add(&b, "\"suites\": {\"property\": %d, \"effect\": %d, \"parameter\": %d, \"multithread\": %d, "
             "\"message_v1\": %d, \"message_v2\": %d}, ",
         !!(h->suites_fetched & 1), !!(h->suites_fetched & 2), !!(h->suites_fetched & 4), !!(h->suites_fetched & 8),
         !!(h->suites_fetched & 16), !!(h->suites_fetched & 32));
  sb_add(&b, "\"actions\": {");
  for (int i = 0; i < h->nactions; i++) {
    if (i) sb_add(&b, ", ");
    sb_json_str(&b, h->actions[i].name);
    sb_add(&b, ": %ld", h->actions[i].count);
  }
  sb_add(&b, "}, \"violations\": [");
  for (int i = 0; i < h->nviolations; i++) {
    if (i) sb_add(&b, ", ");
    sb_json_str(&b, h->violations[i]);
  }
  sb_add(&b, "]}");
  pthread_mutex_unlock(&h->lock);
  return sb_out(&b, buf, len);
}
