"""OpenColorIO objects for a look: the CDL transform, the look's group, and a standalone config.

Every config is written as version 2.1 so Debian's opencolorio-tools 2.1 (``ociocheck``,
``ocioconvert``) accept it. The CDL style is set to ASC explicitly: OCIO's default is no-clamp.
"""

from __future__ import annotations

import PyOpenColorIO as OCIO

from ncst_bridge.grade.cdl import CDL

CONFIG_VERSION = (2, 1)
DISPLAY_SPACE = "ncst_display_encoded"
LINEAR_SPACE = "lin_rec709"
DATA_SPACE = "raw"
ACES_SPACE = "ACES2065-1"
# CIE XYZ (D65) -> linear Rec.709 / sRGB primaries (IEC 61966-2-1), as a 4x4 row-major matrix
_XYZ_TO_REC709 = [
    3.2409699419,
    -1.5373831776,
    -0.4986107603,
    0.0,
    -0.9692436363,
    1.8759675015,
    0.0415550574,
    0.0,
    0.0556300797,
    -0.2039769589,
    1.0569715142,
    0.0,
    0.0,
    0.0,
    0.0,
    1.0,
]


def cdl_transform(cdl: CDL, cc_id: str = "ncst", description: str = "") -> OCIO.CDLTransform:
    t = OCIO.CDLTransform(
        slope=list(cdl.slope),
        offset=list(cdl.offset),
        power=list(cdl.power),
        sat=cdl.saturation,
        id=cc_id,
        description=description,
    )
    t.setStyle(OCIO.CDLStyle.CDL_ASC)
    return t


def look_group(cc_file: str, residual_file: str) -> OCIO.GroupTransform:
    """The look as files: the .cc in ASC style, then the residual 3D LUT, tetrahedral."""
    cc = OCIO.FileTransform(src=cc_file, interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL)
    cc.setCDLStyle(OCIO.CDLStyle.CDL_ASC)
    lut = OCIO.FileTransform(src=residual_file, interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL)
    group = OCIO.GroupTransform()
    group.appendTransform(cc)
    group.appendTransform(lut)
    return group


def exact_cpu_processor(processor: OCIO.Processor) -> OCIO.CPUProcessor:
    """A float32 CPU processor without OCIO's fast approximate pow (agrees with f_P to ~1e-7)."""
    flags = OCIO.OptimizationFlags(int(OCIO.OPTIMIZATION_DEFAULT) & ~int(OCIO.OPTIMIZATION_FAST_LOG_EXP_POW))
    return processor.getOptimizedCPUProcessor(OCIO.BIT_DEPTH_F32, OCIO.BIT_DEPTH_F32, flags)


def standalone_config(
    look_name: str, transform: OCIO.Transform, description: str, search_path: str = "."
) -> OCIO.Config:
    """A minimal, valid OCIO v2.1 config holding one look in the grade's working space.

    The working space is display-referred code values (sRGB/Rec.709 encoded), the space the
    parameters are defined in; ``lin_rec709`` is the scene-linear reference it decodes to.
    """
    cfg = OCIO.Config()
    cfg.setVersion(*CONFIG_VERSION)
    cfg.setSearchPath(search_path)
    cfg.setDescription("NCST Bridge look config")
    cfg.addColorSpace(
        OCIO.ColorSpace(
            name=LINEAR_SPACE,
            family="scene",
            encoding="scene-linear",
            description="Scene-linear Rec.709 primaries, D65 (reference)",
        )
    )
    srgb = OCIO.ExponentWithLinearTransform(
        gamma=[2.4, 2.4, 2.4, 1.0],
        offset=[0.055, 0.055, 0.055, 0.0],
        direction=OCIO.TransformDirection.TRANSFORM_DIR_INVERSE,
    )
    # family "texture", not "display": Blender lists "display" spaces as view-only (not settable on
    # an image), and this space is where footage enters and where the look is applied
    cfg.addColorSpace(
        OCIO.ColorSpace(
            name=DISPLAY_SPACE,
            family="texture",
            encoding="sdr-video",
            fromReference=srgb,
            description="Display-referred sRGB/Rec.709 code values: the space NCST grades in",
        )
    )
    cfg.addColorSpace(
        OCIO.ColorSpace(
            name=DATA_SPACE,
            family="data",
            encoding="data",
            isData=True,
            description="Non-colour data (normals, masks): never converted",
        )
    )
    # ACES2065-1 for the aces_interchange role (OCIO converts between configs through it):
    # AP0 -> CIE XYZ D65 (OCIO's built-in, Bradford), then XYZ -> linear Rec.709 (IEC 61966-2-1)
    to_lin = OCIO.GroupTransform()
    to_lin.appendTransform(OCIO.BuiltinTransform(style="UTILITY - ACES-AP0_to_CIE-XYZ-D65_BFD"))
    to_lin.appendTransform(OCIO.MatrixTransform(matrix=_XYZ_TO_REC709))
    cfg.addColorSpace(
        OCIO.ColorSpace(
            name=ACES_SPACE,
            family="scene",
            encoding="scene-linear",
            toReference=to_lin,
            description="ACES2065-1 (AP0, scene-linear): the aces_interchange role",
        )
    )
    cfg.setRole(OCIO.ROLE_INTERCHANGE_SCENE, ACES_SPACE)
    for role in (OCIO.ROLE_SCENE_LINEAR, OCIO.ROLE_REFERENCE, OCIO.ROLE_RENDERING):
        cfg.setRole(role, LINEAR_SPACE)
    for role in (
        OCIO.ROLE_DEFAULT,
        OCIO.ROLE_COLOR_PICKING,
        OCIO.ROLE_TEXTURE_PAINT,
        OCIO.ROLE_COLOR_TIMING,
        OCIO.ROLE_COMPOSITING_LOG,
        OCIO.ROLE_MATTE_PAINT,
    ):
        cfg.setRole(role, DISPLAY_SPACE)
    cfg.setRole(OCIO.ROLE_DATA, DATA_SPACE)  # Blender's "Non-Color" needs the data role
    cfg.addLook(OCIO.Look(name=look_name, processSpace=DISPLAY_SPACE, transform=transform, description=description))
    cfg.addDisplayView("sRGB", "Raw", DISPLAY_SPACE)
    cfg.addDisplayView(display="sRGB", view=f"NCST {look_name}", colorSpaceName=DISPLAY_SPACE, looks=look_name)
    cfg.setActiveDisplays("sRGB")
    cfg.setActiveViews(f"Raw, NCST {look_name}")
    return cfg
