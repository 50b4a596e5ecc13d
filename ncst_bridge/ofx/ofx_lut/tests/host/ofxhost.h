/*
 * ofxhost.h -- the project's OpenFX test host, as a library with a plain (non-variadic) C API.
 *
 * It loads an OFX bundle exactly as a host does (dlopen of <bundle>/Contents/<arch>/<name>.ofx,
 * OfxSetHost, OfxGetNumberOfPlugins, OfxGetPlugin, setHost, Load, Describe, DescribeInContext per
 * context), creates instances, sets parameters (each change followed by InstanceChanged), renders
 * frames (IsIdentity, GetRegionsOfInterest, Begin/Render/EndSequenceRender) and unloads.
 * Host behaviour is configurable so tests can impersonate hosts: float-only, 8/16-bit, negative
 * row bytes, padded rows, non-zero origins, tiles smaller than the image, strict regions of
 * interest, concurrent renders, no multithread suite, no persistent messages.
 *
 * It is strict where the specification is: unknown property names, wrong property types,
 * out-of-range indices, unreleased images, paramSetValue during render and nested multiThread
 * calls are recorded as "violations" (nh_stats_json) and tests assert there are none.
 * pytest drives it through ctypes (tests/test_ofx_*.py); host_cli.c is its command-line face.
 */
#ifndef NCST_OFXHOST_H
#define NCST_OFXHOST_H

#define NH_API __attribute__((visibility("default")))

typedef struct nh_host nh_host;
typedef struct nh_inst nh_inst;

typedef struct nh_config {
  int depths;         /* pixel depths the host supports, bit mask: 1 byte, 2 short, 4 float */
  int threads;        /* CPUs the multithread suite reports; 0: the host offers no multithread suite */
  int message_v2;     /* offer OfxMessageSuite v2 (persistent messages); else v1 only */
  int image_rod_prop; /* set OfxImagePropRegionOfDefinition on images (newer hosts) */
  int call_set_host;  /* call OfxSetHost first when the binary exports it (OFX 1.5 hosts) */
  int no_instance_changed; /* never send InstanceChanged (as MLT's openfx module: Kdenlive, Shotcut) */
} nh_config;

typedef struct nh_render_opts {
  int depth;          /* 8, 16 or 32 (float) bits per component */
  int components;     /* 4: RGBA, 3: RGB */
  int x0, y0;         /* origin of the region of definition, in pixels */
  int tile_w, tile_h; /* render windows of this size, row by row (0: the whole frame at once) */
  int row_pad;        /* bytes of padding after each image row */
  int negative_rows;  /* store rows top-down in memory: negative OfxImagePropRowBytes */
  int host_threads;   /* Render calls in flight at once, on different windows (1: sequential) */
  int call_identity;  /* ask IsIdentity first and copy the source when the plug-in says so */
  int full_source;    /* hand the whole source frame; 0: only what GetRegionsOfInterest asks for */
  double time;
  /* filled by nh_render */
  int identity_windows; /* windows the plug-in declared identity */
  int render_calls;     /* Render actions made */
  /* set before nh_render (appended: older callers that zero the struct get the defaults) */
  double scale;         /* OfxImageEffectPropRenderScale (both axes); 0 means 1. The frame given is
                           already at this scale; the clip's canonical RoD is the pixel RoD / scale */
  int no_spatial;       /* pass OfxImageEffectPropNoSpatialAwareness "true" (a LUT-baking render) */
} nh_render_opts;

/* Load a bundle (or a .ofx binary directly). NULL with the reason in err. */
NH_API nh_host *nh_load(const char *bundle, const nh_config *cfg, char *err, int errlen);
/* Unload action, dlclose, free. Destroys instances still alive first. Returns the Unload status. */
NH_API int nh_unload(nh_host *h);

/* JSON dump of what the plug-in described (plug-in id, effect, contexts, clips, params with all
   their properties). Returns the full length; writes at most len bytes (NUL-terminated). */
NH_API int nh_describe_json(nh_host *h, char *buf, int len);
/* JSON of host statistics: actions called, images outstanding, violations. */
NH_API int nh_stats_json(nh_host *h, char *buf, int len);

NH_API nh_inst *nh_create(nh_host *h, const char *context, char *err, int errlen);
NH_API void nh_destroy(nh_inst *in);

/* Set a parameter as a user would (then Begin/InstanceChanged/EndInstanceChanged, reason
   OfxChangeUserEdited). Returns 0 or an OfxStatus / -1 when there is no such parameter. */
NH_API int nh_set_double(nh_inst *in, const char *name, double v);
NH_API int nh_set_int(nh_inst *in, const char *name, int v);
NH_API int nh_set_string(nh_inst *in, const char *name, const char *v);
NH_API int nh_press(nh_inst *in, const char *name); /* a push button */
NH_API int nh_get_double(nh_inst *in, const char *name, double *v);
NH_API int nh_get_int(nh_inst *in, const char *name, int *v);
NH_API int nh_get_string(nh_inst *in, const char *name, char *buf, int len);

/* The instance's persistent message (empty when none); returns 1 when one is set. */
NH_API int nh_persistent_message(nh_inst *in, char *buf, int len);
/* The last transient message posted with OfxMessageSuite message(); returns how many were posted. */
NH_API int nh_last_message(nh_inst *in, char *buf, int len);

/* Render a w x h frame. src/dst are tightly packed rows of `components` values of the given depth
   (uint8, uint16 or float32), row 0 = the bottom row of the region of definition (y = y0).
   Returns 0, an OfxStatus of a failed action, or -1 for a host-side error; err tells which. */
NH_API int nh_render(nh_inst *in, const void *src, void *dst, int w, int h, nh_render_opts *o, char *err, int errlen);

#endif /* NCST_OFXHOST_H */
