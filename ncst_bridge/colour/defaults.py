"""Colour-management defaults the CLI parsers show; import-light (no numpy, no OCIO) for start-up."""

DEFAULT_CONFIG = "ocio://studio-config-latest"
CAMERA_LUT_SIZE = 65  # from-camera cubes: 33^3 cannot hold a camera-to-Rec.709 transform within the bar
