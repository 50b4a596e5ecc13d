"""Still images in and out through OpenImageIO: EXR (half/float, multi-part), DPX (8/10/12/16-bit),
TIFF, PNG, JPEG and more; float RGB inside.

Input policy (decided for colourists' stills and plates): grayscale is expanded to RGB, integer
files are read as code values in [0, 1] (10-bit DPX /1023, 16-bit /65535), float files (EXR, float
TIFF) keep their values (``clip_float=False``) for a colour-space conversion to bring into the
working space, an alpha channel is dropped (the grade is on colour only), images smaller than 8x8
are refused (no colour statistics to match), the decoded-pixel limit is checked from the header
before any pixel is decoded, and anything unreadable is a one-line error (OIIO's own messages are
collected with ``oiio.geterror()``, never printed).

Metadata that says how the pixels are encoded (DPX transfer/colorimetric fields, EXR
chromaticities) is reported by ``encoding_hints`` as suggestions for ``--input-space``; nothing is
applied from it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import OpenImageIO as oiio

from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import atomic_file
from ncst_bridge.io.limits import check_pixels

MIN_SIDE = 8
# Output bit depths per extension; the first is the default. 32 (and EXR's 16) are float.
WRITE_EXTS = {
    ".png": (8, 16),
    ".tif": (8, 16, 32),
    ".tiff": (8, 16, 32),
    ".jpg": (8,),
    ".jpeg": (8,),
    ".exr": (16, 32),
    ".dpx": (10, 8, 12, 16),
}
FLOAT_EXTS = {".exr"}
IMAGE_EXTS = {
    ".png",
    ".tif",
    ".tiff",
    ".jpg",
    ".jpeg",
    ".bmp",
    ".webp",
    ".ppm",
    ".pgm",
    ".exr",
    ".dpx",
    ".cin",
    ".tga",
    ".hdr",
}


def _oiio_error(default: str, handle: Any = None, chatter: str = "") -> str:
    """OIIO's pending error (of ``handle``, else global) as one line, else the library's own stderr
    chatter (libpng), else ``default``."""
    msg = handle.geterror() if handle is not None else ""
    msg = " ".join(((msg or "") + " " + (oiio.geterror() or "")).split())
    if not msg and chatter:
        msg = " ".join(chatter.split())[:200]
    return msg or default


@contextlib.contextmanager
def quiet_stderr() -> Iterator[list[str]]:
    """Capture what C libraries under OIIO print on file descriptor 2 (libpng/libtiff warnings) so
    a bad file is one NcstError line; the captured text is appended to the yielded list."""
    caught: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded): nothing to silence
        yield caught
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield caught
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            caught.append(sink.read().decode("utf-8", "replace"))


@dataclass
class ImageInfo:
    """What a file's header says: size, stored pixel type, the picture part read, encoding metadata."""

    path: str
    width: int
    height: int
    channels: list[str]
    format: str  # OIIO type of the stored pixels: uint8, uint16, half, float, ...
    bits: int  # bits per sample as stored (10 for 10-bit DPX)
    subimage: int = 0
    subimages: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)  # the fields that matter for colour

    @property
    def is_float(self) -> bool:
        return self.format in ("half", "float", "double")

    @property
    def bit_depth(self) -> int:
        """The bit depth to write the same kind of file with (16 for half, 32 for float)."""
        if self.format == "half":
            return 16
        if self.format in ("float", "double"):
            return 32
        return self.bits


def is_image_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTS


def _rgb_indices(names: list[str]) -> list[int] | None:
    """Indices of R, G, B (plain or of the first layer that has all three), else None."""
    lower = [n.lower() for n in names]
    for prefix in [""] + sorted({n.rsplit(".", 1)[0] + "." for n in lower if "." in n}):
        want = [prefix + c for c in ("r", "g", "b")]
        if all(w in lower for w in want):
            return [lower.index(w) for w in want]
    return None


_META_KEYS = (
    "dpx:Transfer",
    "dpx:Colorimetric",
    "chromaticities",
    "oiio:ColorSpace",
    "dpx:Signal",
    "FramesPerSecond",
    "dpx:FrameRate",
    "smpte:TimeCode",
)


def _open(path: Path):
    if not path.exists():
        raise NcstError(f"{path}: no such file")
    if path.is_dir():
        raise NcstError(f"{path}: is a folder, expected an image")
    # Unassociated alpha as stored: OIIO would premultiply PNG/TIFF colour by alpha on read; the grade
    # is on the colour as the file holds it (alpha is dropped).
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    with quiet_stderr() as chatter:
        inp = oiio.ImageInput.open(str(path), config)
    if inp is None:
        raise NcstError(
            f"{path}: not a readable image ({_oiio_error('corrupt or unsupported format', chatter=''.join(chatter))})"
        )
    return inp


def _pick_subimage(inp, path: Path) -> tuple[int, Any, list[int] | None]:
    """The first part with R, G, B channels (multi-part EXR: beauty before depth/AOV parts)."""
    first = None
    n = 0
    while inp.seek_subimage(n, 0):
        spec = inp.spec()
        idx = _rgb_indices(list(spec.channelnames))
        if idx is not None:
            return n, spec, idx
        if first is None:
            first = (n, spec, None)
        n += 1
    if first is None:
        raise NcstError(f"{path}: no picture in the file ({_oiio_error('no subimage')})")
    inp.seek_subimage(first[0], 0)
    return first


def _info(path: Path, inp, sub: int, spec) -> ImageInfo:
    meta = {}
    for key in _META_KEYS:
        v = spec.getattribute(key)
        if v is not None and v != "":
            meta[key] = list(v) if isinstance(v, tuple) else v
    bits = spec.get_int_attribute("oiio:BitsPerSample", 0) or spec.format.size() * 8
    n = 0
    while inp.seek_subimage(n, 0):
        n += 1
    inp.seek_subimage(sub, 0)
    return ImageInfo(
        str(path), spec.width, spec.height, list(spec.channelnames), str(spec.format), int(bits), sub, max(1, n), meta
    )


def image_info(path: str | Path) -> ImageInfo:
    """The header of an image (no pixels decoded); one-line NcstError if it cannot be opened."""
    path = Path(path)
    inp = _open(path)
    try:
        sub, spec, _idx = _pick_subimage(inp, path)
        return _info(path, inp, sub, spec)
    finally:
        inp.close()


def read_stored(path: str | Path, min_side: int = MIN_SIDE) -> tuple[np.ndarray, ImageInfo]:
    """Read an image's RGB (H, W, 3) as stored, and its header: uint8/uint16 codes for integer files
    (10/12-bit DPX widened to 16 bits by OIIO), float32 for float files. One-line NcstError if unusable.

    ``to_unit`` turns the result into code values; the still fast path grades the codes directly.
    """
    path = Path(path)
    inp = _open(path)
    try:
        sub, spec, idx = _pick_subimage(inp, path)
        info = _info(path, inp, sub, spec)
        check_pixels(spec.width, spec.height, path)  # from the header, before decoding
        if spec.width < min_side or spec.height < min_side:
            raise NcstError(f"{path}: image is {spec.width}x{spec.height}; at least {min_side}x{min_side} is needed")
        nch = spec.nchannels
        if idx is None and nch not in (1, 2, 3, 4):
            raise NcstError(f"{path}: {nch} channels is not an RGB image")
        native = "float" if info.is_float else ("uint8" if spec.format.size() == 1 else "uint16")
        with quiet_stderr() as chatter:
            px = inp.read_image(sub, 0, 0, nch, native)
        if px is None or not isinstance(px, np.ndarray) or px.size != spec.width * spec.height * nch:
            raise NcstError(
                f"{path}: could not decode the pixels "
                f"({_oiio_error('corrupt or truncated file', inp, ''.join(chatter))})"
            )
    finally:
        inp.close()
    px = px.reshape(spec.height, spec.width, nch)
    if idx == [0, 1, 2] and nch == 3:
        img = px  # plain RGB: no copy
    elif idx is not None:
        img = px[:, :, idx]
    elif nch <= 2:  # grey (+ alpha)
        img = np.repeat(px[:, :, :1], 3, axis=2)
    else:
        img = px[:, :, :3]
    img = np.ascontiguousarray(img)
    if info.is_float and not np.isfinite(img).all():
        raise NcstError(f"{path}: image holds NaN or infinite values")
    return img, info


def to_unit(px: np.ndarray, info: ImageInfo, dtype=np.float32) -> np.ndarray:
    """``read_stored`` pixels as float RGB of ``dtype``: integer codes as code / (2^bits - 1), exactly
    (10-bit DPX: code / 1023); float pixels keep their values. Always a new array."""
    if px.dtype == np.uint8:
        img = px.astype(dtype) / dtype(255.0)
    elif px.dtype == np.uint16:
        img = px.astype(np.float64)
        if info.bits in (10, 12):  # OIIO widens 10/12-bit codes to 16 bits: back to the stored code
            top = (1 << info.bits) - 1
            img = np.rint(img * (top / 65535.0)) / top
        else:
            img /= 65535.0
        img = img.astype(dtype, copy=False)
    else:
        img = px.astype(dtype)
    return np.ascontiguousarray(img, dtype=dtype)


def code_levels(px: np.ndarray, info: ImageInfo) -> np.ndarray | None:
    """The float64 value ``to_unit`` gives each possible code of ``read_stored`` pixels (256 or 65536
    of them), so a per-code function can be evaluated once per code; None for float pixels."""
    if px.dtype not in (np.uint8, np.uint16):
        return None
    codes = np.arange(256 if px.dtype == np.uint8 else 65536, dtype=px.dtype)
    return to_unit(codes, info, np.float64)


def read_pixels(path: str | Path, min_side: int = MIN_SIDE, dtype=np.float32) -> tuple[np.ndarray, ImageInfo]:
    """Read an image as float RGB (H, W, 3) of ``dtype`` without clipping, and its header.

    Integer files are code / (2^bits - 1), exactly (10-bit DPX: code / 1023); float files keep
    their values. One-line NcstError if unusable.
    """
    px, info = read_stored(path, min_side)
    return to_unit(px, info, dtype), info


def read_image(path: str | Path, min_side: int = MIN_SIDE, clip_float: bool = True) -> np.ndarray:
    """Read an image as float64 RGB (H, W, 3); integer files in [0, 1]; one-line NcstError if unusable.

    ``clip_float=False`` keeps float (EXR/TIFF) values outside [0, 1], e.g. scene-linear pixels
    that a colour-space conversion will bring into the working space.
    """
    out, info = read_pixels(path, min_side, dtype=np.float64)
    return np.clip(out, 0.0, 1.0) if info.is_float and clip_float else out


def output_bit_depth(path: str | Path, requested: int | None) -> int:
    ext = Path(path).suffix.lower()
    if ext not in WRITE_EXTS:
        raise NcstError(f"{path}: unsupported output type '{ext}' (use {', '.join(sorted(WRITE_EXTS))})")
    allowed = WRITE_EXTS[ext]
    if requested is None:
        return allowed[0]
    if requested not in allowed:
        raise NcstError(f"{path}: {ext} cannot hold {requested}-bit (allowed: {', '.join(map(str, sorted(allowed)))})")
    return requested


def is_float_output(path: str | Path, bit_depth: int) -> bool:
    """True when ``path`` at ``bit_depth`` stores float samples (EXR half/float, 32-bit TIFF)."""
    return Path(path).suffix.lower() in FLOAT_EXTS or bit_depth == 32


def to_integer(img: np.ndarray, bit_depth: int) -> np.ndarray:
    """Round float RGB in [0, 1] to 8- or 16-bit codes; codes already of that depth pass through."""
    top = 255 if bit_depth == 8 else 65535
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    img = np.asarray(img)
    if img.dtype.kind in "ui":
        if img.dtype != dtype:
            raise ValueError(f"{img.dtype} codes cannot be written at {bit_depth} bits")
        return img
    return np.clip(np.rint(img * top), 0, top).astype(dtype)


# PNG (lossless whatever the choice): zlib level 3 writes 2.7x faster than OIIO's default 6, files ~10%
# larger; row filters as below (libpng flags) instead of trying all five on every row write 8-bit 20-35%
# faster (files 0-6% larger, measured on photos) and 16-bit 10-17% faster (within 1%; Paeth alone made
# one 16-bit photo 40% larger). Files stay smaller than ffmpeg's PNGs.
_PNG_FILTER = {8: 0x80, 16: 0x10 | 0x80}  # Paeth; Sub or Paeth


def _spec_for(path: Path, img: np.ndarray, depth: int) -> tuple[Any, np.ndarray]:
    """The OIIO spec and the pixel buffer to hand it for ``depth`` bits in ``path``'s format."""
    h, w = img.shape[:2]
    ext = path.suffix.lower()
    if is_float_output(path, depth):
        fmt = "half" if (ext == ".exr" and depth == 16) else "float"
        spec = oiio.ImageSpec(w, h, 3, fmt)
        if ext == ".exr":
            spec.attribute("compression", "zip")
        return spec, np.ascontiguousarray(img, dtype=np.float32)
    if depth in (8, 16):
        spec = oiio.ImageSpec(w, h, 3, "uint8" if depth == 8 else "uint16")
        if ext in (".jpg", ".jpeg"):
            spec.attribute("Compression", "jpeg:95")
        if ext == ".png":
            spec.attribute("png:compressionLevel", 3)
            spec.attribute("png:filter", _PNG_FILTER[depth])
        return spec, np.ascontiguousarray(to_integer(img, depth))
    # 10/12-bit DPX: OIIO quantises the float values to the stored depth itself
    spec = oiio.ImageSpec(w, h, 3, "uint16")
    spec.attribute("oiio:BitsPerSample", depth)
    top = (1 << depth) - 1
    return spec, np.ascontiguousarray(np.clip(np.rint(np.asarray(img) * top), 0, top) / top, dtype=np.float32)


def write_image_to(
    target: Path, img: np.ndarray, depth: int, name: Path | None = None, metadata: dict[str, Any] | None = None
) -> None:
    """Write float RGB to ``target`` now (no temp file): the format from ``name`` (default ``target``).

    ``img`` may also hold uint8/uint16 codes of exactly the 8/16-bit ``depth`` (written as they are).
    Float formats (EXR, 32-bit TIFF) keep values outside [0, 1]; integer formats clip to [0, 1].
    ``metadata``: string attributes to store (e.g. DPX transfer fields of the source).
    """
    name = Path(name or target)
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise NcstError(f"{name}: expected an RGB image, got shape {img.shape}")
    if img.dtype.kind in "ui" and (depth not in (8, 16) or is_float_output(name, depth)):
        raise ValueError(f"{name}: integer codes can be written at 8 or 16 bits only, not {depth}")
    spec, buf = _spec_for(name, img, depth)
    for key, value in (metadata or {}).items():
        if isinstance(value, (tuple, list)):
            spec.attribute(key, oiio.TypeDesc(f"float[{len(value)}]"), tuple(float(v) for v in value))
        else:
            spec.attribute(key, value)
    out = oiio.ImageOutput.create(name.suffix.lower().lstrip(".") if name != target else str(target))
    if out is None:
        raise NcstError(f"{name}: cannot write this format ({_oiio_error('no writer')})")
    with quiet_stderr() as chatter:
        opened = out.open(str(target), spec)
        ok = opened and out.write_image(buf)
        closed = out.close() if opened else False
    if not (opened and ok and closed):
        raise NcstError(f"{name}: could not write ({_oiio_error('write failed', out, ''.join(chatter))})")


def write_image(
    path: str | Path,
    img: np.ndarray,
    bit_depth: int | None = None,
    force: bool = False,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write float RGB atomically: PNG/TIFF 8/16, JPEG 8, DPX 8/10/12/16, EXR 16 (half)/32, TIFF 32."""
    path = Path(path)
    depth = output_bit_depth(path, bit_depth)
    with atomic_file(path, force=force) as tmp:
        write_image_to(tmp, img, depth, name=path, metadata=metadata)
    return path


# --- encoding metadata -> hints for --input-space -----------------------------------------------

_PRIMARIES = {  # xy of R, G, B, white
    "Linear Rec.709 (sRGB)": (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290),
    "ACEScg": (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767),
    "ACES2065-1": (0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767),
    "Linear P3-D65": (0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290),
    "Linear Rec.2020": (0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290),
}


def chromaticities_of(space: str | None) -> tuple[float, ...] | None:
    """The EXR ``chromaticities`` (xy of R, G, B, white) of a linear OCIO space we know, else None."""
    return _PRIMARIES.get(space) if space else None


def _space_of_chromaticities(chroma) -> str | None:
    c = np.asarray(chroma, dtype=np.float64)
    if c.shape != (8,):
        return None
    for name, ref in _PRIMARIES.items():
        if np.abs(c - np.asarray(ref)).max() < 2e-3:
            return name
    return None


def encoding_hints(info: ImageInfo) -> list[str]:
    """What the file's metadata says about its encoding, as suggestions for --input-space."""
    hints = []
    m = info.metadata
    name = Path(info.path).name
    if info.format in ("half", "float", "double") and Path(info.path).suffix.lower() == ".exr":
        if "chromaticities" in m:
            space = _space_of_chromaticities(m["chromaticities"])
            if space:
                hints.append(
                    f"{name}: EXR chromaticities are {space.split(' (')[0].replace('Linear ', '')} "
                    f"primaries: scene-linear footage is --input-space '{space}'"
                )
            else:
                xy = ", ".join(f"{v:.4g}" for v in m["chromaticities"])
                hints.append(f"{name}: EXR chromaticities ({xy}) match no common space: give --input-space")
        else:
            hints.append(
                f"{name}: EXR without chromaticities (Rec.709 primaries by the EXR standard): "
                f"scene-linear footage is --input-space 'Linear Rec.709 (sRGB)'"
            )
    transfer = str(m.get("dpx:Transfer", ""))
    colorimetric = str(m.get("dpx:Colorimetric", ""))
    if transfer and transfer not in ("Undefined", "User defined"):
        tl = transfer.lower()
        if "printing density" in tl or "log" in tl:
            what = "log-encoded (film scan / camera log): give the log's --input-space (e.g. 'ADX10' for ADX)"
        elif "linear" in tl:
            what = "scene-linear: give --input-space (e.g. 'Linear Rec.709 (sRGB)')"
        elif "709" in tl or "274" in tl or "video" in tl:
            what = "Rec.709 video: the default (no --input-space) reads it as it is"
        else:
            what = "give --input-space if it is not display-referred Rec.709/sRGB"
        extra = f", colorimetric '{colorimetric}'" if colorimetric and colorimetric != transfer else ""
        hints.append(f"{name}: DPX transfer '{transfer}'{extra}: {what}")
    return hints
