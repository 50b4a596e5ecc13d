/*
 * ncst_params.h -- THE one place for the grade's constants in C.
 *
 * Mirror of ncst_bridge/grade/params.py (PARAMS: names, neutral values, ranges) and
 * ncst_bridge/grade/cdl.py / grade.py (pivot, temperature stops, Rec.709 luma, sharpen kernel).
 * tests/test_ofx_constants.py parses this file and compares every number with the Python
 * values, so the two cannot drift apart silently. Keep one entry per line in the form below.
 */
#ifndef NCST_PARAMS_H
#define NCST_PARAMS_H

/* X(ENUM, "name", neutral, lo, hi, "Label", "hint") -- the seven named parameters, Python order */
#define NCST_PARAM_TABLE(X) \
  X(NCST_BRIGHTNESS, "brightness", 1.0, 0.5, 2.0, "Brightness", "Gain on all channels; 2.0 doubles the code values, then clamps (ASC CDL slope).") \
  X(NCST_CONTRAST, "contrast", 1.0, 0.5, 2.0, "Contrast", "Factor about the fixed pivot 0.435; above 1 more contrast (CDL slope and offset).") \
  X(NCST_GAMMA, "gamma", 1.0, 0.5, 2.0, "Gamma", "out = in ^ gamma per channel, the CDL power; above 1 darkens mid-tones.") \
  X(NCST_HUE, "hue", 0.0, -180.0, 180.0, "Hue", "Rotation in degrees about the neutral axis in Rec.709 Y'CbCr, luma kept; + turns red towards yellow.") \
  X(NCST_SATURATION, "saturation", 1.0, 0.0, 2.0, "Saturation", "Factor about Rec.709 luma, the CDL saturation; 0 gives grey.") \
  X(NCST_SHARPNESS, "sharpness", 1.0, 0.0, 2.0, "Sharpness", "0 blurs, 1 leaves, 2 sharpens (torchvision's 3x3 kernel); spatial, not in any LUT.") \
  X(NCST_TEMPERATURE, "temperature", 0.0, -1.0, 1.0, "Temperature", "White balance: +1 is warmer (red x2^0.5, blue x2^-0.5, luma of white kept).")

#define NCST_X_ENUM(e, name, neutral, lo, hi, label, hint) e,
enum ncst_param_index { NCST_PARAM_TABLE(NCST_X_ENUM) NCST_NPARAMS };
#undef NCST_X_ENUM

/* cdl.py */
#define NCST_PIVOT 0.435             /* PIVOT: contrast pivot */
#define NCST_TEMPERATURE_STOPS 0.5   /* TEMPERATURE_STOPS: g_R = 2^(stops*t), g_B = 2^(-stops*t) */
#define NCST_LUMA_R 0.2126           /* LUMA[0] */
#define NCST_LUMA_G 0.7152           /* LUMA[1] */
#define NCST_LUMA_B 0.0722           /* LUMA[2] */

/* grade.py SHARPEN_KERNEL = [[1,1,1],[1,5,1],[1,1,1]] / 13 (torchvision adjust_sharpness) */
#define NCST_SHARPEN_SIDE 1.0
#define NCST_SHARPEN_CENTRE 5.0
#define NCST_SHARPEN_SUM 13.0

/* .cube sizes the plug-in accepts (the Python baker writes 2..129; OCIO reads up to 129) */
#define NCST_LUT_MIN_SIZE 2
#define NCST_LUT_MAX_SIZE 256

/* params.json contract (params.py FORMAT) */
#define NCST_LOOK_FORMAT "ncst-look/1"

typedef struct ncst_param_spec {
  const char *name;
  double neutral, lo, hi;
  const char *label, *hint;
} ncst_param_spec;

/* The table above as data (defined in grade.c). */
extern const ncst_param_spec NCST_PARAM_SPECS[NCST_NPARAMS];

#endif /* NCST_PARAMS_H */
