"""Rendering a look onto frames and videos: fast LUT engines (OCIO on CPU, torch on CUDA) and the
streaming video render used by ``ncst apply`` and ``ncst match --render``."""

from ncst_bridge.render.engines import ENGINES, OcioEngine, TorchEngine, make_engine, sharpen
from ncst_bridge.render.video import RenderReport, apply_video, render_video

__all__ = ["ENGINES", "OcioEngine", "TorchEngine", "make_engine", "sharpen", "RenderReport",
           "apply_video", "render_video"]
