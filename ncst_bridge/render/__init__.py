"""Rendering a look onto frames and videos: fast LUT engines (OCIO on CPU, torch on CUDA) and the
streaming video render used by ``ncst apply`` and ``ncst match --render``.

Exports are resolved lazily so the torch engine imports without PyOpenColorIO or PyAV (GPU images
that carry only torch can run ``bench/gpu_render.py``).
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ENGINES": "ncst_bridge.render.engines",
    "OcioEngine": "ncst_bridge.render.engines",
    "TorchEngine": "ncst_bridge.render.engines",
    "make_engine": "ncst_bridge.render.engines",
    "sharpen": "ncst_bridge.render.engines",
    "apply_lut3d": "ncst_bridge.render.lut_torch",
    "RenderReport": "ncst_bridge.render.video",
    "apply_video": "ncst_bridge.render.video",
    "render_video": "ncst_bridge.render.video",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ncst_bridge.render' has no attribute {name!r}")
