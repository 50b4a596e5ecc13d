"""Still images in and out: 8/16-bit PNG and TIFF, JPEG and more on input, float RGB in [0, 1] inside.

Input policy (decided for colourists' reference stills): grayscale is expanded to RGB, 16-bit and
float files keep their precision, an alpha channel is dropped (the grade is on colour only), images
smaller than 8x8 are refused (no colour statistics to match), anything unreadable is a one-line error.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from ncst_bridge.errors import NcstError  # noqa: E402
from ncst_bridge.io.atomic import atomic_file  # noqa: E402
from ncst_bridge.io.limits import check_pixels  # noqa: E402

# Silent: decode problems become one-line NcstErrors, not OpenCV log lines on stderr.
_cv_log = getattr(getattr(cv2, "utils", None), "logging", None)
if _cv_log is not None:
    _cv_log.setLogLevel(_cv_log.LOG_LEVEL_SILENT)

MIN_SIDE = 8
WRITE_EXTS = {".png": (8, 16), ".tif": (8, 16), ".tiff": (8, 16), ".jpg": (8,), ".jpeg": (8,)}
IMAGE_EXTS = {".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".webp", ".ppm", ".pgm", ".exr"}


def is_image_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTS


def image_size(path: str | Path) -> tuple[int, int] | None:
    """(width, height) from the file's header alone (Pillow reads no pixels); None if Pillow
    does not know the format (the decoder then judges the file)."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    bound, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # ncst's limit decides, not Pillow's
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                return im.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = bound


def read_image(path: str | Path, min_side: int = MIN_SIDE, clip_float: bool = True) -> np.ndarray:
    """Read an image as float64 RGB (H, W, 3) in [0, 1]; one-line NcstError if unusable.

    ``clip_float=False`` keeps float (EXR/TIFF) values outside [0, 1], e.g. scene-linear pixels
    that a colour-space conversion will bring into the working space.
    """
    path = Path(path)
    if not path.exists():
        raise NcstError(f"{path}: no such file")
    if path.is_dir():
        raise NcstError(f"{path}: is a folder, expected an image")
    size = image_size(path)
    if size is not None:
        check_pixels(*size, path)  # before decoding: a tiny file can declare a huge picture
    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH) if data.size else None
    if img is None:
        raise NcstError(f"{path}: not a readable image (corrupt or unsupported format)")
    if img.dtype == np.uint8:
        scale = 255.0
    elif img.dtype == np.uint16:
        scale = 65535.0
    elif img.dtype in (np.float32, np.float64):
        scale = 1.0
    else:
        raise NcstError(f"{path}: unsupported pixel type {img.dtype}")
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    elif img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif img.shape[2] == 2:  # grey + alpha
        img = np.repeat(img[:, :, :1], 3, axis=2)
    else:
        raise NcstError(f"{path}: {img.shape[2]} channels is not an RGB image")
    h, w = img.shape[:2]
    if h < min_side or w < min_side:
        raise NcstError(f"{path}: image is {w}x{h}; at least {min_side}x{min_side} is needed")
    out = img.astype(np.float64) / scale
    if not np.isfinite(out).all():
        raise NcstError(f"{path}: image holds NaN or infinite values")
    return np.clip(out, 0.0, 1.0) if scale == 1.0 and clip_float else out


def output_bit_depth(path: str | Path, requested: int | None) -> int:
    ext = Path(path).suffix.lower()
    if ext not in WRITE_EXTS:
        raise NcstError(f"{path}: unsupported output type '{ext}' (use .png, .tif or .jpg)")
    allowed = WRITE_EXTS[ext]
    if requested is None:
        return allowed[0]
    if requested not in allowed:
        raise NcstError(f"{path}: {ext} cannot hold {requested}-bit (allowed: {', '.join(map(str, allowed))})")
    return requested


def to_integer(img: np.ndarray, bit_depth: int) -> np.ndarray:
    """Round float RGB in [0, 1] to 8- or 16-bit codes."""
    top = 255 if bit_depth == 8 else 65535
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    return np.clip(np.rint(np.asarray(img) * top), 0, top).astype(dtype)


def write_image(path: str | Path, img: np.ndarray, bit_depth: int | None = None, force: bool = False) -> Path:
    """Write float RGB [0, 1] as 8- or 16-bit PNG/TIFF (or 8-bit JPEG), atomically."""
    path = Path(path)
    depth = output_bit_depth(path, bit_depth)
    bgr = cv2.cvtColor(to_integer(img, depth), cv2.COLOR_RGB2BGR)
    with atomic_file(path, force=force) as tmp:
        ok, buf = cv2.imencode(path.suffix.lower(), bgr)
        if not ok:
            raise NcstError(f"{path}: could not encode the image")
        buf.tofile(str(tmp))
    return path
