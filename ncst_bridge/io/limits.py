"""The decoded-pixel limit: checked from a file's header before any pixel is decoded.

A small file can declare an enormous picture (a 48 KB PNG of 20000x20000 decodes to 9 GB of
float64). Every reader asks ``check_pixels`` with the header's size first. The limit is
``NCST_MAX_PIXELS`` (pixels per frame; default 100 megapixels, above 12K x 8K), or what a command
sets with ``--max-pixels``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ncst_bridge.errors import NcstError

DEFAULT_MAX_PIXELS = 100_000_000
ENV = "NCST_MAX_PIXELS"
_override: int | None = None


def set_max_pixels(value: int | None) -> None:
    """Set the limit for this process (``--max-pixels``); None returns to the environment/default."""
    global _override
    if value is not None and value < 1:
        raise NcstError(f"--max-pixels must be a positive number of pixels, got {value}")
    _override = value


def max_pixels() -> int:
    """The limit in force: ``set_max_pixels``, else $NCST_MAX_PIXELS, else the default."""
    if _override is not None:
        return _override
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(float(raw))
    except (ValueError, OverflowError):
        raise NcstError(f"{ENV}={raw!r}: not a number of pixels") from None
    if value < 1:
        raise NcstError(f"{ENV}={raw!r}: must be a positive number of pixels")
    return value


def check_pixels(width: int, height: int, source: str | Path) -> None:
    """One-line NcstError naming ``source`` if a ``width`` x ``height`` frame is over the limit."""
    limit = max_pixels()
    if width <= 0 or height <= 0:
        raise NcstError(f"{source}: declares an empty picture ({width}x{height})")
    if width * height > limit:
        raise NcstError(
            f"{source}: {width}x{height} is {width * height / 1e6:.1f} megapixels, over the "
            f"decoded-pixel limit of {limit / 1e6:g} MP (raise it with --max-pixels or {ENV})"
        )
