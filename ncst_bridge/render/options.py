"""The video options of ``ncst apply``: import-light (no PyAV, OpenCV or numpy) so parsers build fast.

The choices are the keys of ``io.video.CODECS`` / ``PRORES_PROFILES`` and ``render.engines.ENGINES``,
written out here because those modules import PyAV and OpenCV; tests/test_cli_startup.py checks that
the lists agree.
"""

from __future__ import annotations

import argparse

ENGINE_CHOICES = ("auto", "ocio", "torch")
CODEC_CHOICES = ("h264", "hevc", "prores", "ffv1")
PRORES_PROFILE_CHOICES = ("proxy", "lt", "standard", "hq", "4444", "4444xq")


def add_video_arguments(p: argparse.ArgumentParser) -> None:
    """The video options of ``ncst apply`` (also usable by ``ncst match --render``)."""
    g = p.add_argument_group("video")
    g.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        default="auto",
        help="LUT engine: ocio (CPU), torch (CUDA when present, else CPU); auto picks torch on CUDA, else ocio",
    )
    g.add_argument(
        "--codec",
        choices=CODEC_CHOICES,
        default=None,
        help="video codec: h264 (default, libx264), hevc (libx265), prores (prores_ks, "
        ".mov/.mkv), ffv1 (lossless RGB, .mkv)",
    )
    g.add_argument(
        "--crf", type=float, default=None, help="h264/hevc quality: constant rate factor (default 18; lower is better)"
    )
    g.add_argument("--preset", default=None, help="h264/hevc encoder preset (default medium)")
    g.add_argument("--prores-profile", choices=PRORES_PROFILE_CHOICES, default=None, help="ProRes profile (default hq)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
