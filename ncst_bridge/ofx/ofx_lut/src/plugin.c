/*
 * plugin.c -- the NCST Look OpenFX effect: a .cube LUT, the seven NCST grading parameters as live
 * sliders (formula for formula ncst_bridge's f_P, sharpness included), or the LUT followed by
 * parameter trims.
 *
 * Contexts filter and general; clips Source and Output; RGBA or RGB in 8-bit, 16-bit or float.
 * Render is fully thread safe: the host may render tiles of one instance concurrently, and each
 * render splits its rows over the host's multithread suite. The parsed LUT is cached per instance,
 * keyed by (path, reload counter), loaded lazily under a lock and reference counted, so a reload on
 * the main thread never frees a table a render thread is reading.
 */
#include "ncst_compat.h"
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ncst_cube.h"
#include "ncst_grade.h"
#include "ncst_look.h"
#include "ncst_params.h"
#include "ncst_text.h"
#include "ofx_api.h"

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
typedef SRWLOCK ncst_mutex;
static void mutex_init(ncst_mutex *m) { InitializeSRWLock(m); }
static void mutex_destroy(ncst_mutex *m) { (void)m; }
static void mutex_lock(ncst_mutex *m) { AcquireSRWLockExclusive(m); }
static void mutex_unlock(ncst_mutex *m) { ReleaseSRWLockExclusive(m); }
#else
#include <pthread.h>
typedef pthread_mutex_t ncst_mutex;
static void mutex_init(ncst_mutex *m) { pthread_mutex_init(m, NULL); }
static void mutex_destroy(ncst_mutex *m) { pthread_mutex_destroy(m); }
static void mutex_lock(ncst_mutex *m) { pthread_mutex_lock(m); }
static void mutex_unlock(ncst_mutex *m) { pthread_mutex_unlock(m); }
#endif

/* Entry points are the only symbols the binary exports (with -fvisibility=hidden and the linker
   version script / exported-symbols list in CMakeLists.txt). The official headers' OfxExport is a
   plain `extern` on Unix, so it is not relied on. */
#if defined(_WIN32)
#define NCST_EXPORT __declspec(dllexport)
#else
#define NCST_EXPORT __attribute__((visibility("default")))
#endif

/* names newer than the OFX 1.4 headers some hosts ship (used only when building against them) */
#ifndef kOfxImageEffectPropNoSpatialAwareness
#define kOfxImageEffectPropNoSpatialAwareness "OfxImageEffectPropNoSpatialAwareness"
#endif
#ifndef kOfxImagePropRegionOfDefinition
#define kOfxImagePropRegionOfDefinition "OfxImagePropRegionOfDefinition"
#endif
#define ROI_SOURCE "OfxImageClipPropRoI_" kOfxImageEffectSimpleSourceClipName

#define PLUGIN_ID "org.ncstbridge.ofx_lut"
#define PLUGIN_VERSION_MAJOR 1 /* bump only on incompatible parameter changes (hosts key projects on it) */
#define PLUGIN_VERSION_MINOR 1 /* 1.1: look file read at render time, NoSpatialAwareness honoured */
#define PLUGIN_VERSION_MICRO 0
#define PLUGIN_VERSION_LABEL "1.1.0"

/* parameter names (the seven grading parameters use NCST_PARAM_SPECS[i].name) */
#define P_MODE "mode"
#define P_LUT_FILE "lutFile"
#define P_RELOAD "reloadLut"
#define P_LUT_VERSION "lutVersion"
#define P_LOOK_FILE "lookFile"
#define P_IMPORT "importLook"
#define P_IMPORTED "importedLook" /* hidden: the look path the sliders were last imported from */

enum { MODE_LUT = 0, MODE_PARAMS = 1, MODE_LUT_TRIMS = 2, MODE_COUNT = 3 };
static const char *const MODE_LABELS[MODE_COUNT] = {"LUT", "Parameters", "LUT then parameter trims"};

enum { MSG_NONE = 0, MSG_LUT = 1, MSG_IMPORT = 2 };

/* ---- host suites -------------------------------------------------------------------------- */

static OfxHost *g_host;
static const OfxPropertySuiteV1 *g_prop;
static const OfxImageEffectSuiteV1 *g_effect;
static const OfxParameterSuiteV1 *g_param;
static const OfxMultiThreadSuiteV1 *g_thread;
static const OfxMessageSuiteV1 *g_msg1;
static const OfxMessageSuiteV2 *g_msg2;

/* ---- per-instance data -------------------------------------------------------------------- */

typedef struct lut_ref {
  ncst_lut lut;
  int refs; /* guarded by instance.lock */
} lut_ref;

typedef struct instance {
  OfxImageEffectHandle effect;
  OfxImageClipHandle src_clip, dst_clip;
  OfxParamHandle p_mode, p_lut, p_version, p_look, p_imported, p_values[NCST_NPARAMS];
  ncst_mutex lock; /* guards everything below */
  char *cache_path;
  int cache_version, cache_valid;
  lut_ref *cache_ref;
  uint64_t cache_stamp;  /* content stamp of the cached file (see file_stamp) */
  time_t cache_checked;  /* when the stamp was last compared with the file */
  char cache_error[600];
  int msg_kind;
  char msg_text[700];
} instance;

static instance *get_instance(OfxImageEffectHandle effect) {
  OfxPropertySetHandle props;
  void *ptr = NULL;
  if (g_effect->getPropertySet(effect, &props) != kOfxStatOK) return NULL;
  if (g_prop->propGetPointer(props, kOfxPropInstanceData, 0, &ptr) != kOfxStatOK) return NULL;
  return (instance *)ptr;
}

static char *dup_string(const char *s) {
  size_t n = strlen(s ? s : "");
  char *d = (char *)malloc(n + 1);
  if (d) memcpy(d, s ? s : "", n + 1);
  return d;
}

/* ---- reading parameters -------------------------------------------------------------------- */

typedef struct settings {
  int mode;
  double values[NCST_NPARAMS];
  char *lut_path; /* malloc'd copy */
  int lut_version;
  int from_look;  /* the values come from the look file (not imported into the sliders) */
} settings;

static void set_status(instance *in, int kind, const char *text, int popup);
static void join_path(char *out, size_t outlen, const char *folder, const char *name);

static char *param_string(OfxParamHandle h, OfxTime t) {
  char *v = NULL;
  if (g_param->paramGetValueAtTime(h, t, &v) != kOfxStatOK || !v) v = "";
  return dup_string(v);
}

/* A look file the sliders do not hold yet (the host never sent InstanceChanged for it -- MLT, so
   Kdenlive and Shotcut -- or Import look was not pressed) is read here, at render time: params.json
   is small and read on every call, so an edited file takes effect on the next frame. In Parameters
   mode the look's seven values are rendered; in the LUT modes its look.cube and its sharpness. */
static void apply_look_file(instance *in, OfxTime t, settings *s) {
  char *look = param_string(in->p_look, t), *imported = param_string(in->p_imported, t);
  if (look && imported && look[0] && strcmp(look, imported) != 0) {
    double values[NCST_NPARAMS];
    char folder[4096], why[600], err[700];
    if (ncst_look_load(look, values, folder, sizeof folder, why, sizeof why) != 0) {
      ncst_fmt(err, sizeof err, "NCST: cannot read look '%s': %s; the sliders are used", look, why);
      set_status(in, MSG_IMPORT, err, 0);
    } else {
      set_status(in, MSG_IMPORT, NULL, 0);
      s->from_look = 1;
      for (int i = 0; i < NCST_NPARAMS; i++)
        s->values[i] = (s->mode == MODE_PARAMS || i == NCST_SHARPNESS) ? values[i] : NCST_PARAM_SPECS[i].neutral;
      if (s->mode != MODE_PARAMS) {
        char cube[4200];
        join_path(cube, sizeof cube, folder, "look.cube");
        free(s->lut_path);
        s->lut_path = dup_string(cube);
      }
    }
  }
  free(look);
  free(imported);
}

static void read_settings(instance *in, OfxTime t, settings *s) {
  int mode = MODE_PARAMS;
  if (g_param->paramGetValueAtTime(in->p_mode, t, &mode) != kOfxStatOK || mode < 0 || mode >= MODE_COUNT)
    mode = MODE_PARAMS;
  s->mode = mode;
  for (int i = 0; i < NCST_NPARAMS; i++) {
    double v = NCST_PARAM_SPECS[i].neutral;
    if (g_param->paramGetValueAtTime(in->p_values[i], t, &v) != kOfxStatOK) v = NCST_PARAM_SPECS[i].neutral;
    s->values[i] = v;
  }
  ncst_params_sanitise(s->values);
  char *path = NULL;
  if (g_param->paramGetValueAtTime(in->p_lut, t, &path) != kOfxStatOK || !path) path = "";
  s->lut_path = dup_string(path);
  int version = 0;
  if (g_param->paramGetValueAtTime(in->p_version, t, &version) != kOfxStatOK) version = 0;
  s->lut_version = version;
  s->from_look = 0;
  apply_look_file(in, t, s);
}

static void free_settings(settings *s) {
  free(s->lut_path);
  s->lut_path = NULL;
}

/* ---- messages ------------------------------------------------------------------------------ */

/* Show (text != NULL) or clear the instance's persistent error of the given kind. Clearing only
   removes a message of that kind. popup: also post a transient V1 message when V2 is missing
   (only from InstanceChanged: never pop a dialog per rendered frame). */
static void set_status(instance *in, int kind, const char *text, int popup) {
  int post = 0, clear = 0;
  mutex_lock(&in->lock);
  if (text) {
    if (in->msg_kind != kind || strcmp(in->msg_text, text) != 0) {
      in->msg_kind = kind;
      ncst_fmt(in->msg_text, sizeof in->msg_text, "%s", text);
      post = 1;
    }
  } else if (in->msg_kind == kind) {
    in->msg_kind = MSG_NONE;
    in->msg_text[0] = '\0';
    clear = 1;
  }
  mutex_unlock(&in->lock);
  if (g_msg2) {
    if (post) g_msg2->setPersistentMessage(in->effect, kOfxMessageError, "", "%s", text);
    if (clear) g_msg2->clearPersistentMessage(in->effect);
  } else if (text && popup && g_msg1) {
    g_msg1->message(in->effect, kOfxMessageError, "", "%s", text);
  }
}

/* ---- LUT cache ----------------------------------------------------------------------------- */

static void ref_drop_locked(lut_ref *r) {
  if (r && --r->refs == 0) {
    ncst_lut_free(&r->lut);
    free(r);
  }
}

/* A content stamp of a file (FNV-1a over its bytes, and its length); 0 when it cannot be read. */
static uint64_t file_stamp(const char *path) {
  char *data = NULL, why[200];
  size_t len = 0;
  if (!path[0] || ncst_read_file(path, NCST_CUBE_MAX_FILE_BYTES, &data, &len, why, sizeof why) != 0) return 0;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)data[i]) * 1099511628211ULL;
  free(data);
  return (h ^ (uint64_t)len) | 1u;
}

/* The parsed LUT for (path, version), loading it on first use; NULL with a one-line reason.
   The file is also re-read when its content changed (compared at most once a second): hosts that
   never send InstanceChanged (MLT: Kdenlive, Shotcut) cannot press Reload LUT. */
static lut_ref *lut_acquire(instance *in, const char *path, int version, char *err, size_t errlen) {
  lut_ref *r;
  mutex_lock(&in->lock);
  const time_t now = time(NULL);
  if (in->cache_valid && path[0] && now != in->cache_checked && in->cache_version == version &&
      strcmp(in->cache_path, path) == 0) {
    in->cache_checked = now;
    if (file_stamp(path) != in->cache_stamp) in->cache_valid = 0; /* edited on disk: load again */
  }
  if (!in->cache_valid || in->cache_version != version || strcmp(in->cache_path, path) != 0) {
    ref_drop_locked(in->cache_ref);
    in->cache_ref = NULL;
    free(in->cache_path);
    in->cache_path = dup_string(path);
    in->cache_version = version;
    in->cache_valid = in->cache_path != NULL;
    in->cache_error[0] = '\0';
    if (!path[0]) {
      ncst_fmt(in->cache_error, sizeof in->cache_error,
               "NCST: no .cube file chosen for the LUT mode; output = input");
    } else {
      char why[300];
      lut_ref *nr = (lut_ref *)calloc(1, sizeof *nr);
      if (!nr) {
        ncst_fmt(why, sizeof why, "out of memory");
      } else if (ncst_cube_load(path, &nr->lut, why, sizeof why) == 0) {
        nr->refs = 1;
        in->cache_ref = nr;
      } else {
        free(nr);
        nr = NULL;
      }
      if (!in->cache_ref)
        ncst_fmt(in->cache_error, sizeof in->cache_error,
                 "NCST: cannot use LUT '%s': %s; output = input until fixed (Reload LUT after editing)", path,
                 why);
      in->cache_stamp = file_stamp(path); /* a broken file is retried only once it changes */
      in->cache_checked = now;
    }
  }
  r = in->cache_ref;
  if (r) r->refs++;
  else ncst_fmt(err, errlen, "%s", in->cache_error);
  mutex_unlock(&in->lock);
  return r;
}

static void lut_release(instance *in, lut_ref *r) {
  if (!r) return;
  mutex_lock(&in->lock);
  ref_drop_locked(r);
  mutex_unlock(&in->lock);
}

static void cache_clear(instance *in) {
  mutex_lock(&in->lock);
  ref_drop_locked(in->cache_ref);
  in->cache_ref = NULL;
  free(in->cache_path);
  in->cache_path = NULL;
  in->cache_valid = 0;
  mutex_unlock(&in->lock);
}

/* ---- images -------------------------------------------------------------------------------- */

typedef struct image {
  OfxPropertySetHandle handle;
  char *data;
  OfxRectI b;
  int row_bytes, bytes_per_comp, nc;
} image;

static OfxStatus image_fetch(OfxImageClipHandle clip, OfxTime t, image *im) {
  memset(im, 0, sizeof *im);
  if (g_effect->clipGetImage(clip, t, NULL, &im->handle) != kOfxStatOK || !im->handle) {
    im->handle = NULL;
    return kOfxStatFailed;
  }
  void *data = NULL;
  char *depth = NULL, *comps = NULL;
  if (g_prop->propGetPointer(im->handle, kOfxImagePropData, 0, &data) != kOfxStatOK ||
      g_prop->propGetIntN(im->handle, kOfxImagePropBounds, 4, &im->b.x1) != kOfxStatOK ||
      g_prop->propGetInt(im->handle, kOfxImagePropRowBytes, 0, &im->row_bytes) != kOfxStatOK ||
      g_prop->propGetString(im->handle, kOfxImageEffectPropPixelDepth, 0, &depth) != kOfxStatOK ||
      g_prop->propGetString(im->handle, kOfxImageEffectPropComponents, 0, &comps) != kOfxStatOK)
    return kOfxStatFailed;
  im->data = (char *)data;
  if (strcmp(depth, kOfxBitDepthFloat) == 0) im->bytes_per_comp = 4;
  else if (strcmp(depth, kOfxBitDepthShort) == 0) im->bytes_per_comp = 2;
  else if (strcmp(depth, kOfxBitDepthByte) == 0) im->bytes_per_comp = 1;
  else return kOfxStatErrImageFormat;
  if (strcmp(comps, kOfxImageComponentRGBA) == 0) im->nc = 4;
  else if (strcmp(comps, kOfxImageComponentRGB) == 0) im->nc = 3;
  else return kOfxStatErrImageFormat;
  if (!im->data && im->b.x2 > im->b.x1 && im->b.y2 > im->b.y1) return kOfxStatFailed;
  return kOfxStatOK;
}

static void image_release(image *im) {
  if (im->handle) g_effect->clipReleaseImage(im->handle);
  im->handle = NULL;
}

static inline int in_rect(const OfxRectI *r, int x, int y) { return x >= r->x1 && x < r->x2 && y >= r->y1 && y < r->y2; }

static inline const char *pix(const image *im, int x, int y) {
  return im->data + (ptrdiff_t)(y - im->b.y1) * im->row_bytes + (ptrdiff_t)(x - im->b.x1) * im->nc * im->bytes_per_comp;
}

static inline void load_pixel(const image *im, int x, int y, double out[4]) {
  const char *p = pix(im, x, y);
  out[3] = 1.0;
  switch (im->bytes_per_comp) {
    case 4: {
      const float *f = (const float *)(const void *)p;
      for (int c = 0; c < im->nc; c++) out[c] = f[c];
      break;
    }
    case 2: {
      const uint16_t *s = (const uint16_t *)(const void *)p;
      for (int c = 0; c < im->nc; c++) out[c] = s[c] / 65535.0;
      break;
    }
    default: {
      const unsigned char *u = (const unsigned char *)p;
      for (int c = 0; c < im->nc; c++) out[c] = u[c] / 255.0;
      break;
    }
  }
}

static inline void store_pixel(const image *im, int x, int y, const double in[4]) {
  char *p = (char *)pix(im, x, y);
  switch (im->bytes_per_comp) {
    case 4: {
      float *f = (float *)(void *)p;
      for (int c = 0; c < im->nc; c++) f[c] = (float)in[c];
      break;
    }
    case 2: {
      uint16_t *s = (uint16_t *)(void *)p;
      for (int c = 0; c < im->nc; c++) s[c] = (uint16_t)(ncst_clamp01(in[c]) * 65535.0 + 0.5);
      break;
    }
    default: {
      unsigned char *u = (unsigned char *)p;
      for (int c = 0; c < im->nc; c++) u[c] = (unsigned char)(ncst_clamp01(in[c]) * 255.0 + 0.5);
      break;
    }
  }
}

/* ---- the render job ------------------------------------------------------------------------ */

typedef struct job {
  const image *src, *dst;
  OfxImageEffectHandle effect;
  OfxRectI win;       /* render window within the output image */
  OfxRectI rod;       /* the source's region of definition in pixels: the sharpen border */
  int passthrough;    /* output = input */
  const ncst_lut *lut;/* LUT modes */
  ncst_grade grade;
  int use_grade;      /* parametric colour part on */
  int sharpen;        /* spatial part on */
  volatile int failed, aborted;
} job;

/* source pixel (x, y) through the colour part; outside the source, the nearest source pixel */
static void graded_pixel(const job *j, int x, int y, double rgba[4]) {
  const OfxRectI *b = &j->src->b;
  if (x < b->x1) x = b->x1;
  if (x >= b->x2) x = b->x2 - 1;
  if (y < b->y1) y = b->y1;
  if (y >= b->y2) y = b->y2 - 1;
  load_pixel(j->src, x, y, rgba);
  if (j->lut) {
    double o[3];
    ncst_lut_apply(j->lut, rgba, o);
    rgba[0] = o[0];
    rgba[1] = o[1];
    rgba[2] = o[2];
  }
  if (j->use_grade) ncst_grade_colour(&j->grade, rgba);
}

typedef struct ring {
  double *buf[3];
  int row[3];
  int x0, n;
} ring;

/* graded RGB of row y for x in [x0, x0+n): computed once per row, kept for the two rows below */
static const double *ring_row(const job *j, ring *r, int y) {
  int slot = ((y % 3) + 3) % 3;
  if (r->row[slot] != y) {
    double px[4];
    for (int i = 0; i < r->n; i++) {
      graded_pixel(j, r->x0 + i, y, px);
      memcpy(&r->buf[slot][3 * i], px, 3 * sizeof(double));
    }
    r->row[slot] = y;
  }
  return r->buf[slot];
}

static void render_rows(const job *j, int y0, int y1) {
  const image *src = j->src, *dst = j->dst;
  const int has_src = src->b.x2 > src->b.x1 && src->b.y2 > src->b.y1;
  ring r;
  memset(&r, 0, sizeof r);
  if (j->sharpen && !j->passthrough) {
    r.x0 = j->win.x1 - 1 > j->rod.x1 ? j->win.x1 - 1 : j->rod.x1;
    int xe = j->win.x2 + 1 < j->rod.x2 ? j->win.x2 + 1 : j->rod.x2;
    r.n = xe > r.x0 ? xe - r.x0 : 0;
    int ok = 1;
    for (int k = 0; k < 3; k++) {
      r.buf[k] = (double *)malloc(((size_t)r.n + 1) * 3 * sizeof(double));
      r.row[k] = INT_MIN;
      if (!r.buf[k]) ok = 0;
    }
    if (!ok) {
      ((job *)j)->failed = 1;
      for (int k = 0; k < 3; k++) free(r.buf[k]);
      return;
    }
  }
  double in_px[4], out_px[4];
  for (int y = y0; y < y1; y++) {
    if (((y - y0) & 15) == 15 && g_effect->abort(j->effect)) {
      ((job *)j)->aborted = 1;
      break;
    }
    for (int x = j->win.x1; x < j->win.x2; x++) {
      if (!has_src || !in_rect(&src->b, x, y)) {
        out_px[0] = out_px[1] = out_px[2] = out_px[3] = 0.0; /* no source: transparent black */
        store_pixel(dst, x, y, out_px);
        continue;
      }
      load_pixel(src, x, y, in_px);
      if (j->passthrough) {
        store_pixel(dst, x, y, in_px);
        continue;
      }
      out_px[3] = in_px[3]; /* alpha passes through */
      if (!j->sharpen) {
        graded_pixel(j, x, y, out_px);
        out_px[3] = in_px[3];
      } else if (!in_rect(&j->rod, x, y)) {
        /* a source pixel outside the RoD (a host quirk): no neighbourhood, border rule */
        double c[4];
        graded_pixel(j, x, y, c);
        ncst_sharpen_border(j->grade.sharpness, c, out_px);
      } else {
        const double *row = ring_row(j, &r, y);
        const int i = x - r.x0;
        const int interior = x > j->rod.x1 && x < j->rod.x2 - 1 && y > j->rod.y1 && y < j->rod.y2 - 1;
        if (interior) {
          const double *above = ring_row(j, &r, y + 1), *below = ring_row(j, &r, y - 1);
          ncst_sharpen_interior(j->grade.sharpness, above + 3 * (i - 1), row + 3 * (i - 1), below + 3 * (i - 1),
                                out_px);
        } else {
          ncst_sharpen_border(j->grade.sharpness, row + 3 * i, out_px);
        }
      }
      store_pixel(dst, x, y, out_px);
    }
  }
  for (int k = 0; k < 3; k++) free(r.buf[k]);
}

static void render_thread(unsigned int index, unsigned int count, void *arg) {
  const job *j = (const job *)arg;
  const long rows = (long)j->win.y2 - j->win.y1;
  const int y0 = j->win.y1 + (int)(rows * (long)index / (long)count);
  const int y1 = j->win.y1 + (int)(rows * (long)(index + 1) / (long)count);
  if (y1 > y0) render_rows(j, y0, y1);
}

/* pixel RoD of the source (where "border" is for sharpness): the image's own property if the host
   sets it, else the clip's RoD scaled to pixels, else the source image bounds */
static OfxRectI source_rod(instance *in, OfxTime t, const image *src, const double scale[2]) {
  OfxRectI rod = src->b;
  if (g_prop->propGetIntN(src->handle, kOfxImagePropRegionOfDefinition, 4, &rod.x1) == kOfxStatOK &&
      rod.x2 > rod.x1 && rod.y2 > rod.y1)
    return rod;
  OfxRectD rd;
  if (g_effect->clipGetRegionOfDefinition(in->src_clip, t, &rd) == kOfxStatOK) {
    OfxPropertySetHandle cp;
    double par = 1.0;
    if (g_effect->clipGetPropertySet(in->src_clip, &cp) == kOfxStatOK &&
        (g_prop->propGetDouble(cp, kOfxImagePropPixelAspectRatio, 0, &par) != kOfxStatOK || !(par > 0.0)))
      par = 1.0;
    rod.x1 = (int)floor(rd.x1 * scale[0] / par + 1e-6);
    rod.y1 = (int)floor(rd.y1 * scale[1] + 1e-6);
    rod.x2 = (int)ceil(rd.x2 * scale[0] / par - 1e-6);
    rod.y2 = (int)ceil(rd.y2 * scale[1] - 1e-6);
    if (rod.x2 > rod.x1 && rod.y2 > rod.y1) return rod;
  }
  return src->b;
}

/* ---- actions ------------------------------------------------------------------------------- */

static OfxStatus render(OfxImageEffectHandle effect, OfxPropertySetHandle inArgs) {
  instance *in = get_instance(effect);
  if (!in) return kOfxStatErrBadHandle;
  OfxTime t = 0.0;
  OfxRectI win;
  double scale[2] = {1.0, 1.0};
  g_prop->propGetDouble(inArgs, kOfxPropTime, 0, &t);
  if (g_prop->propGetIntN(inArgs, kOfxImageEffectPropRenderWindow, 4, &win.x1) != kOfxStatOK) return kOfxStatFailed;
  if (g_prop->propGetDoubleN(inArgs, kOfxImageEffectPropRenderScale, 2, scale) != kOfxStatOK || !(scale[0] > 0) ||
      !(scale[1] > 0))
    scale[0] = scale[1] = 1.0;

  image src, dst;
  OfxStatus st = image_fetch(in->dst_clip, t, &dst);
  if (st != kOfxStatOK) {
    image_release(&dst);
    return st;
  }
  st = image_fetch(in->src_clip, t, &src);
  if (st == kOfxStatOK && (src.bytes_per_comp != dst.bytes_per_comp)) st = kOfxStatErrImageFormat;
  if (st != kOfxStatOK) {
    image_release(&src);
    image_release(&dst);
    return st;
  }

  settings s;
  read_settings(in, t, &s);
  job j;
  memset(&j, 0, sizeof j);
  j.src = &src;
  j.dst = &dst;
  j.effect = effect;
  j.win = win;
  if (j.win.x1 < dst.b.x1) j.win.x1 = dst.b.x1;
  if (j.win.y1 < dst.b.y1) j.win.y1 = dst.b.y1;
  if (j.win.x2 > dst.b.x2) j.win.x2 = dst.b.x2;
  if (j.win.y2 > dst.b.y2) j.win.y2 = dst.b.y2;
  j.rod = source_rod(in, t, &src, scale);
  ncst_grade_init(&j.grade, s.values);

  lut_ref *ref = NULL;
  if (s.mode != MODE_PARAMS && s.lut_path) {
    char err[700];
    ref = lut_acquire(in, s.lut_path, s.lut_version, err, sizeof err);
    if (ref) set_status(in, MSG_LUT, NULL, 0);
    else {
      set_status(in, MSG_LUT, err, 0);
      j.passthrough = 1; /* a bad LUT never breaks the picture: output = input */
    }
  } else {
    set_status(in, MSG_LUT, NULL, 0);
  }
  if (s.mode == MODE_PARAMS && ncst_params_neutral(s.values)) j.passthrough = 1;
  j.lut = ref ? &ref->lut : NULL;
  j.use_grade = s.mode != MODE_LUT && !j.grade.colour_identity;
  j.sharpen = s.mode != MODE_LUT && j.grade.sharpen_on && j.rod.x2 - j.rod.x1 >= 3 && j.rod.y2 - j.rod.y1 >= 3;
  /* OFX 1.5.1: a host baking a LUT through the effect asks for a render without spatial awareness;
     sharpness (the only spatial part) is left out then, as in every LUT export */
  char *no_spatial = NULL;
  if (g_prop->propGetString(inArgs, kOfxImageEffectPropNoSpatialAwareness, 0, &no_spatial) == kOfxStatOK &&
      no_spatial && strcmp(no_spatial, "true") == 0)
    j.sharpen = 0;

  if (j.win.x2 > j.win.x1 && j.win.y2 > j.win.y1) {
    unsigned int n = 1;
    const unsigned int rows = (unsigned int)(j.win.y2 - j.win.y1);
    if (g_thread && g_thread->multiThreadNumCPUs(&n) != kOfxStatOK) n = 1;
    if (n > rows) n = rows;
    if (n > 64) n = 64;
    if (n < 1) n = 1;
    if (n == 1 || !g_thread || g_thread->multiThread(render_thread, n, &j) != kOfxStatOK) {
      j.failed = 0;
      render_thread(0, 1, &j);
    }
  }

  lut_release(in, ref);
  free_settings(&s);
  image_release(&src);
  image_release(&dst);
  return j.failed ? kOfxStatErrMemory : kOfxStatOK;
}

static OfxStatus is_identity(OfxImageEffectHandle effect, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) {
  instance *in = get_instance(effect);
  if (!in) return kOfxStatErrBadHandle;
  OfxTime t = 0.0;
  g_prop->propGetDouble(inArgs, kOfxPropTime, 0, &t);
  settings s;
  read_settings(in, t, &s);
  int identity = s.mode == MODE_PARAMS && ncst_params_neutral(s.values);
  if (s.mode != MODE_PARAMS) {
    char err[700];
    lut_ref *ref = lut_acquire(in, s.lut_path ? s.lut_path : "", s.lut_version, err, sizeof err);
    if (!ref) {
      set_status(in, MSG_LUT, err, 0);
      identity = 1;
    }
    lut_release(in, ref);
  }
  free_settings(&s);
  if (!identity) return kOfxStatReplyDefault;
  g_prop->propSetString(outArgs, kOfxPropName, 0, kOfxImageEffectSimpleSourceClipName);
  g_prop->propSetDouble(outArgs, kOfxPropTime, 0, t);
  return kOfxStatOK;
}

static OfxStatus regions_of_interest(OfxImageEffectHandle effect, OfxPropertySetHandle inArgs,
                                     OfxPropertySetHandle outArgs) {
  instance *in = get_instance(effect);
  if (!in) return kOfxStatErrBadHandle;
  OfxTime t = 0.0;
  g_prop->propGetDouble(inArgs, kOfxPropTime, 0, &t);
  settings s;
  read_settings(in, t, &s); /* the effective values: sliders, or a look file not imported yet */
  const int mode = s.mode;
  const double sharp = s.values[NCST_SHARPNESS];
  free_settings(&s);
  if (mode == MODE_LUT || sharp == 1.0) return kOfxStatReplyDefault; /* per-pixel: the RoI is the window */
  double roi[4], scale[2] = {1.0, 1.0}, par = 1.0;
  if (g_prop->propGetDoubleN(inArgs, kOfxImageEffectPropRegionOfInterest, 4, roi) != kOfxStatOK)
    return kOfxStatReplyDefault;
  if (g_prop->propGetDoubleN(inArgs, kOfxImageEffectPropRenderScale, 2, scale) != kOfxStatOK || !(scale[0] > 0) ||
      !(scale[1] > 0))
    scale[0] = scale[1] = 1.0;
  OfxPropertySetHandle cp;
  if (g_effect->clipGetPropertySet(in->src_clip, &cp) != kOfxStatOK ||
      g_prop->propGetDouble(cp, kOfxImagePropPixelAspectRatio, 0, &par) != kOfxStatOK || !(par > 0.0))
    par = 1.0;
  /* sharpness reads a 3x3 neighbourhood: one more source pixel on every side */
  roi[0] -= par / scale[0];
  roi[2] += par / scale[0];
  roi[1] -= 1.0 / scale[1];
  roi[3] += 1.0 / scale[1];
  g_prop->propSetDoubleN(outArgs, ROI_SOURCE, 4, roi);
  return kOfxStatOK;
}

/* validate the LUT the current mode uses and show or clear the error (InstanceChanged) */
static void check_lut(instance *in, OfxTime t, int popup) {
  settings s;
  read_settings(in, t, &s);
  if (s.mode == MODE_PARAMS) {
    set_status(in, MSG_LUT, NULL, 0);
  } else {
    char err[700];
    lut_ref *ref = lut_acquire(in, s.lut_path ? s.lut_path : "", s.lut_version, err, sizeof err);
    set_status(in, MSG_LUT, ref ? NULL : err, popup);
    lut_release(in, ref);
  }
  free_settings(&s);
}

static void join_path(char *out, size_t outlen, const char *folder, const char *name) {
  size_t n = strlen(folder);
  int sep = n > 0 && (folder[n - 1] == '/' || folder[n - 1] == '\\');
  ncst_fmt(out, outlen, "%s%s%s", folder, sep ? "" : "/", name);
}

/* "Import look": read params.json and set the sliders. Mode-aware so nothing is applied twice:
   in Parameters mode the seven sliders take the look's values; in the LUT modes the LUT file is
   pointed at the bundle's look.cube (which already holds the colour part), the colour trims go to
   neutral and only sharpness (which no LUT can hold) takes the look's value. */
static void import_look(instance *in, OfxTime t) {
  char *path = NULL, folder[4096], err[700], why[600];
  double values[NCST_NPARAMS];
  if (g_param->paramGetValueAtTime(in->p_look, t, &path) != kOfxStatOK || !path) path = "";
  char *look = dup_string(path);
  if (!look) return;
  if (ncst_look_load(look, values, folder, sizeof folder, why, sizeof why) != 0) {
    ncst_fmt(err, sizeof err, "NCST: cannot import look: %s", why);
    set_status(in, MSG_IMPORT, err, 1);
    free(look);
    return;
  }
  int mode = MODE_PARAMS;
  if (g_param->paramGetValueAtTime(in->p_mode, t, &mode) != kOfxStatOK) mode = MODE_PARAMS;
  char cube[4200];
  join_path(cube, sizeof cube, folder, "look.cube");
  if (mode != MODE_PARAMS && !ncst_is_file(cube)) {
    ncst_fmt(err, sizeof err,
             "NCST: cannot import look into a LUT mode: %s not found (use Parameters mode to import the sliders)",
             cube);
    set_status(in, MSG_IMPORT, err, 1);
    free(look);
    return;
  }
  OfxParamSetHandle ps;
  int editing = g_effect->getParamSet(in->effect, &ps) == kOfxStatOK &&
                g_param->paramEditBegin(ps, "Import NCST look") == kOfxStatOK;
  for (int i = 0; i < NCST_NPARAMS; i++) {
    double v = values[i];
    if (mode != MODE_PARAMS && i != NCST_SHARPNESS) v = NCST_PARAM_SPECS[i].neutral;
    g_param->paramSetValue(in->p_values[i], v);
  }
  if (mode != MODE_PARAMS) g_param->paramSetValue(in->p_lut, cube);
  g_param->paramSetValue(in->p_imported, look); /* the sliders hold this look now */
  if (editing) g_param->paramEditEnd(ps);
  set_status(in, MSG_IMPORT, NULL, 0);
  free(look);
}

static OfxStatus instance_changed(OfxImageEffectHandle effect, OfxPropertySetHandle inArgs) {
  instance *in = get_instance(effect);
  if (!in) return kOfxStatErrBadHandle;
  char *type = NULL, *name = NULL, *reason = NULL;
  OfxTime t = 0.0;
  if (g_prop->propGetString(inArgs, kOfxPropType, 0, &type) != kOfxStatOK ||
      g_prop->propGetString(inArgs, kOfxPropName, 0, &name) != kOfxStatOK || !type || !name)
    return kOfxStatReplyDefault;
  if (g_prop->propGetString(inArgs, kOfxPropChangeReason, 0, &reason) != kOfxStatOK || !reason) reason = "";
  g_prop->propGetDouble(inArgs, kOfxPropTime, 0, &t);
  if (strcmp(type, kOfxTypeParameter) != 0) return kOfxStatReplyDefault;
  const int user = strcmp(reason, kOfxChangeUserEdited) == 0;
  if (strcmp(name, P_RELOAD) == 0) {
    /* bump the hidden counter: the cache key changes here and in every render instance, and the
       host's own frame cache sees a parameter change even though the path string did not */
    int v = 0;
    if (g_param->paramGetValueAtTime(in->p_version, t, &v) != kOfxStatOK) v = 0;
    g_param->paramSetValue(in->p_version, v < INT_MAX ? v + 1 : 0);
    check_lut(in, t, 1);
  } else if (strcmp(name, P_LUT_FILE) == 0 || strcmp(name, P_MODE) == 0) {
    check_lut(in, t, user);
  } else if (strcmp(name, P_IMPORT) == 0 || (strcmp(name, P_LOOK_FILE) == 0 && user)) {
    import_look(in, t);
  } else {
    return kOfxStatReplyDefault;
  }
  return kOfxStatOK;
}

static OfxStatus create_instance(OfxImageEffectHandle effect) {
  OfxPropertySetHandle props;
  OfxParamSetHandle ps;
  if (g_effect->getPropertySet(effect, &props) != kOfxStatOK || g_effect->getParamSet(effect, &ps) != kOfxStatOK)
    return kOfxStatFailed;
  instance *in = (instance *)calloc(1, sizeof *in);
  if (!in) return kOfxStatErrMemory;
  in->effect = effect;
  int ok = g_effect->clipGetHandle(effect, kOfxImageEffectSimpleSourceClipName, &in->src_clip, NULL) == kOfxStatOK &&
           g_effect->clipGetHandle(effect, kOfxImageEffectOutputClipName, &in->dst_clip, NULL) == kOfxStatOK &&
           g_param->paramGetHandle(ps, P_MODE, &in->p_mode, NULL) == kOfxStatOK &&
           g_param->paramGetHandle(ps, P_LUT_FILE, &in->p_lut, NULL) == kOfxStatOK &&
           g_param->paramGetHandle(ps, P_LUT_VERSION, &in->p_version, NULL) == kOfxStatOK &&
           g_param->paramGetHandle(ps, P_LOOK_FILE, &in->p_look, NULL) == kOfxStatOK &&
           g_param->paramGetHandle(ps, P_IMPORTED, &in->p_imported, NULL) == kOfxStatOK;
  for (int i = 0; ok && i < NCST_NPARAMS; i++)
    ok = g_param->paramGetHandle(ps, NCST_PARAM_SPECS[i].name, &in->p_values[i], NULL) == kOfxStatOK;
  if (!ok) {
    free(in);
    return kOfxStatFailed;
  }
  mutex_init(&in->lock);
  if (g_prop->propSetPointer(props, kOfxPropInstanceData, 0, in) != kOfxStatOK) {
    mutex_destroy(&in->lock);
    free(in);
    return kOfxStatFailed;
  }
  return kOfxStatOK;
}

static OfxStatus destroy_instance(OfxImageEffectHandle effect) {
  instance *in = get_instance(effect);
  if (!in) return kOfxStatOK;
  cache_clear(in);
  mutex_destroy(&in->lock);
  free(in);
  OfxPropertySetHandle props;
  if (g_effect->getPropertySet(effect, &props) == kOfxStatOK) g_prop->propSetPointer(props, kOfxPropInstanceData, 0, NULL);
  return kOfxStatOK;
}

/* ---- description --------------------------------------------------------------------------- */

static OfxStatus describe(OfxImageEffectHandle desc) {
  OfxPropertySetHandle p;
  if (g_effect->getPropertySet(desc, &p) != kOfxStatOK) return kOfxStatErrMissingHostFeature;
  g_prop->propSetString(p, kOfxPropLabel, 0, "NCST Look");
  g_prop->propSetString(p, kOfxPropShortLabel, 0, "NCST Look");
  g_prop->propSetString(p, kOfxPropLongLabel, 0, "NCST Look (LUT and grading parameters)");
  g_prop->propSetString(p, kOfxImageEffectPluginPropGrouping, 0, "NCST");
  g_prop->propSetString(p, kOfxPropPluginDescription, 0,
                        "Applies an NCST Bridge look: a .cube LUT, the seven named grading parameters (brightness, "
                        "contrast, gamma, hue, saturation, sharpness, temperature; the same formulas as ncst_bridge), "
                        "or the LUT followed by parameter trims.");
  if (g_prop->propSetString(p, kOfxImageEffectPropSupportedContexts, 0, kOfxImageEffectContextFilter) != kOfxStatOK ||
      g_prop->propSetString(p, kOfxImageEffectPropSupportedContexts, 1, kOfxImageEffectContextGeneral) != kOfxStatOK ||
      g_prop->propSetString(p, kOfxImageEffectPropSupportedPixelDepths, 0, kOfxBitDepthFloat) != kOfxStatOK)
    return kOfxStatFailed;
  g_prop->propSetString(p, kOfxImageEffectPropSupportedPixelDepths, 1, kOfxBitDepthShort);
  g_prop->propSetString(p, kOfxImageEffectPropSupportedPixelDepths, 2, kOfxBitDepthByte);
  g_prop->propSetString(p, kOfxImageEffectPluginRenderThreadSafety, 0, kOfxImageEffectRenderFullySafe);
  g_prop->propSetInt(p, kOfxImageEffectPluginPropHostFrameThreading, 0, 0); /* rows split via the suite */
  g_prop->propSetInt(p, kOfxImageEffectPluginPropSingleInstance, 0, 0);
  g_prop->propSetInt(p, kOfxImageEffectPropSupportsTiles, 0, 1);
  g_prop->propSetInt(p, kOfxImageEffectPropSupportsMultiResolution, 0, 1);
  g_prop->propSetInt(p, kOfxImageEffectPropTemporalClipAccess, 0, 0);
  g_prop->propSetInt(p, kOfxImageEffectPropSupportsMultipleClipDepths, 0, 0);
  /* OFX 1.5.1: "true" = the effect can render without spatial awareness (the host then sets the
     property "true" in the Render arguments and sharpness is left out, see render). "false" would
     let such a host drop the whole effect, colour included, from a LUT-baking render. Older hosts
     do not know the property and may refuse it, which is fine. */
  g_prop->propSetString(p, kOfxImageEffectPropNoSpatialAwareness, 0, "true");
  g_prop->propSetInt(p, kOfxPropVersion, 0, PLUGIN_VERSION_MAJOR);
  g_prop->propSetInt(p, kOfxPropVersion, 1, PLUGIN_VERSION_MINOR);
  g_prop->propSetInt(p, kOfxPropVersion, 2, PLUGIN_VERSION_MICRO);
  g_prop->propSetString(p, kOfxPropVersionLabel, 0, PLUGIN_VERSION_LABEL);
  return kOfxStatOK;
}

static OfxPropertySetHandle define_param(OfxParamSetHandle ps, const char *type, const char *name, const char *label,
                                         const char *hint, OfxStatus *st) {
  OfxPropertySetHandle p = NULL;
  if (g_param->paramDefine(ps, type, name, &p) != kOfxStatOK || !p) {
    *st = kOfxStatFailed;
    return NULL;
  }
  g_prop->propSetString(p, kOfxPropLabel, 0, label);
  g_prop->propSetString(p, kOfxParamPropScriptName, 0, name);
  if (hint) g_prop->propSetString(p, kOfxParamPropHint, 0, hint);
  return p;
}

static OfxStatus define_clip(OfxImageEffectHandle desc, const char *name) {
  OfxPropertySetHandle p;
  if (g_effect->clipDefine(desc, name, &p) != kOfxStatOK) return kOfxStatFailed;
  g_prop->propSetString(p, kOfxImageEffectPropSupportedComponents, 0, kOfxImageComponentRGBA);
  g_prop->propSetString(p, kOfxImageEffectPropSupportedComponents, 1, kOfxImageComponentRGB);
  g_prop->propSetInt(p, kOfxImageEffectPropTemporalClipAccess, 0, 0);
  g_prop->propSetInt(p, kOfxImageEffectPropSupportsTiles, 0, 1);
  g_prop->propSetInt(p, kOfxImageClipPropIsMask, 0, 0);
  return kOfxStatOK;
}

static OfxStatus describe_in_context(OfxImageEffectHandle desc, OfxPropertySetHandle inArgs) {
  char *context = NULL;
  if (g_prop->propGetString(inArgs, kOfxImageEffectPropContext, 0, &context) != kOfxStatOK || !context)
    return kOfxStatFailed;
  if (strcmp(context, kOfxImageEffectContextFilter) != 0 && strcmp(context, kOfxImageEffectContextGeneral) != 0)
    return kOfxStatErrUnsupported;
  if (define_clip(desc, kOfxImageEffectOutputClipName) != kOfxStatOK ||
      define_clip(desc, kOfxImageEffectSimpleSourceClipName) != kOfxStatOK)
    return kOfxStatFailed;

  OfxParamSetHandle ps;
  if (g_effect->getParamSet(desc, &ps) != kOfxStatOK) return kOfxStatFailed;
  OfxStatus st = kOfxStatOK;
  OfxPropertySetHandle p;

  p = define_param(ps, kOfxParamTypeChoice, P_MODE, "Mode",
                   "LUT: the .cube alone. Parameters: the seven sliders (f_P, sharpness included). LUT then "
                   "parameter trims: the .cube, then the sliders as trims (neutral sliders = the LUT alone).",
                   &st);
  if (p) {
    for (int i = 0; i < MODE_COUNT; i++) g_prop->propSetString(p, kOfxParamPropChoiceOption, i, MODE_LABELS[i]);
    g_prop->propSetInt(p, kOfxParamPropDefault, 0, MODE_PARAMS);
    g_prop->propSetInt(p, kOfxParamPropAnimates, 0, 0);
  }
  p = define_param(ps, kOfxParamTypeString, P_LUT_FILE, "LUT file (.cube)",
                   "A 3D .cube (size 2..256), applied with tetrahedral interpolation. A bad file leaves the "
                   "picture unchanged and shows the reason.",
                   &st);
  if (p) {
    g_prop->propSetString(p, kOfxParamPropStringMode, 0, kOfxParamStringIsFilePath);
    g_prop->propSetInt(p, kOfxParamPropStringFilePathExists, 0, 1);
    g_prop->propSetString(p, kOfxParamPropDefault, 0, "");
    g_prop->propSetInt(p, kOfxParamPropAnimates, 0, 0);
  }
  p = define_param(ps, kOfxParamTypePushButton, P_RELOAD, "Reload LUT", "Read the .cube file again after editing it.",
                   &st);
  p = define_param(ps, kOfxParamTypeInteger, P_LUT_VERSION, "LUT version", "Bumped by Reload LUT (hidden).", &st);
  if (p) {
    g_prop->propSetInt(p, kOfxParamPropSecret, 0, 1);
    g_prop->propSetInt(p, kOfxParamPropDefault, 0, 0);
    g_prop->propSetInt(p, kOfxParamPropMin, 0, 0);
    g_prop->propSetInt(p, kOfxParamPropMax, 0, INT_MAX);
    g_prop->propSetInt(p, kOfxParamPropDisplayMin, 0, 0);
    g_prop->propSetInt(p, kOfxParamPropDisplayMax, 0, 1000);
    g_prop->propSetInt(p, kOfxParamPropAnimates, 0, 0);
  }
  for (int i = 0; i < NCST_NPARAMS; i++) {
    const ncst_param_spec *s = &NCST_PARAM_SPECS[i];
    p = define_param(ps, kOfxParamTypeDouble, s->name, s->label, s->hint, &st);
    if (!p) continue;
    g_prop->propSetString(p, kOfxParamPropDoubleType, 0, kOfxParamDoubleTypePlain);
    g_prop->propSetDouble(p, kOfxParamPropDefault, 0, s->neutral);
    g_prop->propSetDouble(p, kOfxParamPropMin, 0, s->lo);
    g_prop->propSetDouble(p, kOfxParamPropMax, 0, s->hi);
    g_prop->propSetDouble(p, kOfxParamPropDisplayMin, 0, s->lo);
    g_prop->propSetDouble(p, kOfxParamPropDisplayMax, 0, s->hi);
    g_prop->propSetDouble(p, kOfxParamPropIncrement, 0, (s->hi - s->lo) >= 100.0 ? 1.0 : 0.01);
    g_prop->propSetInt(p, kOfxParamPropDigits, 0, 3);
    g_prop->propSetInt(p, kOfxParamPropAnimates, 0, 1);
  }
  p = define_param(ps, kOfxParamTypeString, P_LOOK_FILE, "Look (params.json)",
                   "A look bundle's params.json (from ncst match / ncst bake); choosing it imports the look.", &st);
  if (p) {
    g_prop->propSetString(p, kOfxParamPropStringMode, 0, kOfxParamStringIsFilePath);
    g_prop->propSetInt(p, kOfxParamPropStringFilePathExists, 0, 1);
    g_prop->propSetString(p, kOfxParamPropDefault, 0, "");
    g_prop->propSetInt(p, kOfxParamPropAnimates, 0, 0);
  }
  p = define_param(ps, kOfxParamTypeString, P_IMPORTED, "Imported look",
                   "The look file the sliders were imported from (hidden). While the look file differs from it "
                   "(a host that never reports parameter changes, or Import look not pressed) the look file is "
                   "what renders.",
                   &st);
  if (p) {
    g_prop->propSetInt(p, kOfxParamPropSecret, 0, 1);
    g_prop->propSetString(p, kOfxParamPropDefault, 0, "");
    g_prop->propSetInt(p, kOfxParamPropAnimates, 0, 0);
  }
  p = define_param(ps, kOfxParamTypePushButton, P_IMPORT, "Import look",
                   "Set the sliders from the look (Parameters mode), or point the LUT at the bundle's look.cube "
                   "and take only sharpness (LUT modes), so nothing is applied twice.",
                   &st);
  (void)p;
  return st;
}

/* Load/Unload pairs may nest when one process loads the binary twice (two hosts, or a host that
   reloads); the suites are dropped only at the last Unload. Both run on the host's main thread. */
static int g_loads;

static OfxStatus on_load(void) {
  if (!g_host || !g_host->fetchSuite) return kOfxStatErrMissingHostFeature;
  g_prop = (const OfxPropertySuiteV1 *)g_host->fetchSuite(g_host->host, kOfxPropertySuite, 1);
  g_effect = (const OfxImageEffectSuiteV1 *)g_host->fetchSuite(g_host->host, kOfxImageEffectSuite, 1);
  g_param = (const OfxParameterSuiteV1 *)g_host->fetchSuite(g_host->host, kOfxParameterSuite, 1);
  g_thread = (const OfxMultiThreadSuiteV1 *)g_host->fetchSuite(g_host->host, kOfxMultiThreadSuite, 1);
  g_msg2 = (const OfxMessageSuiteV2 *)g_host->fetchSuite(g_host->host, kOfxMessageSuite, 2);
  g_msg1 = (const OfxMessageSuiteV1 *)g_host->fetchSuite(g_host->host, kOfxMessageSuite, 1);
  if (!g_prop || !g_effect || !g_param) return kOfxStatErrMissingHostFeature;
  g_loads++;
  return kOfxStatOK;
}

static OfxStatus main_entry(const char *action, const void *handle, OfxPropertySetHandle inArgs,
                            OfxPropertySetHandle outArgs) {
  OfxImageEffectHandle effect = (OfxImageEffectHandle)(uintptr_t)handle;
  if (!action) return kOfxStatErrUnknown;
  if (strcmp(action, kOfxActionLoad) == 0) return on_load();
  if (!g_prop || !g_effect || !g_param) return kOfxStatFailed; /* not loaded */
  if (strcmp(action, kOfxImageEffectActionRender) == 0) return render(effect, inArgs);
  if (strcmp(action, kOfxImageEffectActionIsIdentity) == 0) return is_identity(effect, inArgs, outArgs);
  if (strcmp(action, kOfxImageEffectActionGetRegionsOfInterest) == 0)
    return regions_of_interest(effect, inArgs, outArgs);
  if (strcmp(action, kOfxActionInstanceChanged) == 0) return instance_changed(effect, inArgs);
  if (strcmp(action, kOfxActionCreateInstance) == 0) return create_instance(effect);
  if (strcmp(action, kOfxActionDestroyInstance) == 0) return destroy_instance(effect);
  if (strcmp(action, kOfxActionDescribe) == 0) return describe(effect);
  if (strcmp(action, kOfxImageEffectActionDescribeInContext) == 0) return describe_in_context(effect, inArgs);
  if (strcmp(action, kOfxActionPurgeCaches) == 0) {
    instance *in = get_instance(effect);
    if (in) cache_clear(in);
    return kOfxStatOK;
  }
  if (strcmp(action, kOfxActionUnload) == 0) {
    if (--g_loads > 0) return kOfxStatOK;
    g_loads = 0;
    g_prop = NULL;
    g_effect = NULL;
    g_param = NULL;
    g_thread = NULL;
    g_msg1 = NULL;
    g_msg2 = NULL;
    return kOfxStatOK;
  }
  return kOfxStatReplyDefault;
}

static void set_host(OfxHost *host) { g_host = host; }

static OfxPlugin g_plugin = {kOfxImageEffectPluginApi, 1,         PLUGIN_ID, PLUGIN_VERSION_MAJOR,
                             PLUGIN_VERSION_MINOR,     set_host, main_entry};

NCST_EXPORT int OfxGetNumberOfPlugins(void) { return 1; }

NCST_EXPORT OfxPlugin *OfxGetPlugin(int nth) { return nth == 0 ? &g_plugin : NULL; }

/* optional since OFX 1.5: called before OfxGetPlugin by hosts that know it */
NCST_EXPORT OfxStatus OfxSetHost(const OfxHost *host) {
  g_host = (OfxHost *)(uintptr_t)host;
  return kOfxStatOK;
}
