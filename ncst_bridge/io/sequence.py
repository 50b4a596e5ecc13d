"""Image sequences as clips: ``shot.%04d.dpx``, ``shot.####.exr`` or a folder of numbered frames.

``find_sequence(spec)`` lists the frames on disk (sorted by frame number) and knows the gaps;
``ImageSequence.iter_frames`` reads them one at a time through ``io.images`` (so every frame gets
the header pixel-limit check and the one-line errors). Frame numbers are the numbers in the file
names (1001, 1002, ...); the frame rate comes from the first frame's metadata (DPX/EXR), else
``DEFAULT_FPS``. Missing frames are never skipped silently: ``gaps_text`` is the one line a command
prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.io.images import IMAGE_EXTS, ImageInfo, image_info, read_pixels

DEFAULT_FPS = 24.0
_PRINTF = re.compile(r"%(0?)(\d*)d")
_HASHES = re.compile(r"#+|@+")
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.[A-Za-z0-9]+)$")


def extension(suffix: str) -> str:
    """``".exr"`` of a name's tail such as ``".exr"`` or ``"_v2.exr"`` (lower case, '' if none)."""
    return ("." + suffix.rsplit(".", 1)[1]).lower() if "." in suffix else ""


def is_sequence_spec(path: str | Path) -> bool:
    """True for a frame pattern (``%04d``, ``%d``, ``####``, ``@@@@`` in the file name) or a folder."""
    name = Path(path).name
    return bool(_PRINTF.search(name) or _HASHES.search(name)) or Path(path).is_dir()


def format_gaps(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"``."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(numbers):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out)


@dataclass
class ImageSequence:
    """Numbered frames ``folder/prefix + number (zero-padded to padding) + suffix``."""

    spec: str  # what the user gave
    folder: Path
    prefix: str
    suffix: str
    padding: int  # digits with leading zeros; 0 = unpadded
    frames: list[int]  # frame numbers present on disk, ascending

    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    @property
    def ext(self) -> str:
        return extension(self.suffix)

    @property
    def pattern(self) -> str:
        """The printf form, e.g. ``plate.%04d.exr`` (in the sequence's folder)."""
        digits = f"%0{self.padding}d" if self.padding else "%d"
        return str(self.folder / f"{self.prefix}{digits}{self.suffix}")

    def name(self, number: int) -> str:
        return (
            f"{self.prefix}{number:0{self.padding}d}{self.suffix}"
            if self.padding
            else f"{self.prefix}{number}{self.suffix}"
        )

    def path(self, number: int) -> Path:
        return self.folder / self.name(number)

    def select(self, start: int | None = None, end: int | None = None) -> list[int]:
        """Frame numbers present in ``start``..``end`` (inclusive, the numbers in the file names)."""
        if start is not None and start > self.last:
            raise NcstError(f"{self.spec}: start frame {start} is past the sequence's last frame ({self.last})")
        if end is not None and end < self.first:
            raise NcstError(f"{self.spec}: end frame {end} is before the sequence's first frame ({self.first})")
        if start is not None and end is not None and end < start:
            raise NcstError(f"{self.spec}: end frame {end} is before start frame {start}")
        lo = self.first if start is None else start
        hi = self.last if end is None else end
        chosen = [n for n in self.frames if lo <= n <= hi]
        if not chosen:
            raise NcstError(f"{self.spec}: no frames in {lo}-{hi}")
        return chosen

    def missing(self, start: int | None = None, end: int | None = None) -> list[int]:
        """Frame numbers absent between the first and last present frame of the range."""
        chosen = self.select(start, end)
        have = set(chosen)
        return [n for n in range(chosen[0], chosen[-1] + 1) if n not in have]

    def gaps_text(self, start: int | None = None, end: int | None = None) -> str | None:
        """One line naming the missing frames of the range, or None when it is complete."""
        gone = self.missing(start, end)
        if not gone:
            return None
        chosen = self.select(start, end)
        return (
            f"{self.pattern}: {len(gone)} frame{'s' if len(gone) != 1 else ''} missing in "
            f"{chosen[0]}-{chosen[-1]}: {format_gaps(gone)}"
        )

    def header(self) -> ImageInfo:
        """The first frame's header (size, pixel type, encoding metadata)."""
        return image_info(self.path(self.first))

    def fps(self) -> float:
        meta = self.header().metadata
        for key in ("FramesPerSecond", "dpx:FrameRate"):
            v = meta.get(key)
            try:
                value = float(v[0]) / float(v[1]) if isinstance(v, (list, tuple)) else float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError, ZeroDivisionError, IndexError):
                continue
            if 0 < value < 1000:
                return value
        return DEFAULT_FPS

    def iter_frames(
        self, start: int | None = None, end: int | None = None
    ) -> Iterator[tuple[int, np.ndarray, ImageInfo]]:
        """(frame number, float32 RGB as stored -- integer formats in [0, 1] --, header) per frame.

        Every frame must have the first frame's size (a one-line error names the odd one).
        """
        size = None
        for n in self.select(start, end):
            img, info = read_pixels(self.path(n))
            if size is None:
                size = (info.width, info.height)
            elif (info.width, info.height) != size:
                raise NcstError(
                    f"{self.path(n)}: {info.width}x{info.height}, but the sequence's frames are {size[0]}x{size[1]}"
                )
            yield n, img, info


def parse_pattern(spec: str | Path) -> tuple[Path, str, str, int]:
    """(folder, prefix, suffix, padding) of a frame pattern such as ``graded/plate.%04d.exr``."""
    folder, prefix, suffix, padding, _rx = _from_pattern(str(spec))
    return folder, prefix, suffix, padding


def _from_pattern(spec: str) -> tuple[Path, str, str, int, re.Pattern]:
    p = Path(spec)
    name = p.name
    m = _PRINTF.search(name)
    if m:
        # %04d: zero-padded to 4; %d (or %4d, space padding, which frame files do not use): unpadded
        padding = int(m.group(2)) if m.group(1) and m.group(2) else 0
    else:
        m = _HASHES.search(name)
        if not m:
            raise NcstError(f"{spec}: not a frame pattern (use %04d, #### or a folder)")
        padding = len(m.group(0))  # one digit per # or @
    prefix, suffix = name[: m.start()], name[m.end() :]
    if _PRINTF.search(suffix) or _HASHES.search(suffix):
        raise NcstError(f"{spec}: more than one frame-number field in the name")
    digits = rf"\d{{{padding},}}" if padding else r"(?:0|[1-9]\d*)"
    rx = re.compile(re.escape(prefix) + f"({digits})" + re.escape(suffix) + "$")
    return p.parent, prefix, suffix, padding, rx


def find_sequence(spec: str | Path) -> ImageSequence:
    """The frames of ``spec`` on disk; one-line NcstError when there are none or it is ambiguous."""
    spec = str(spec)
    p = Path(spec)
    if p.is_dir():
        return _from_folder(p)
    folder, prefix, suffix, padding, rx = _from_pattern(spec)
    if not folder.is_dir():
        raise NcstError(f"{spec}: folder {folder} does not exist")
    if extension(suffix) not in IMAGE_EXTS:
        raise NcstError(
            f"{spec}: '{extension(suffix)}' is not an image type this tool reads ({', '.join(sorted(IMAGE_EXTS))})"
        )
    frames = sorted(int(m.group(1)) for f in folder.iterdir() if (m := rx.match(f.name)))
    if not frames:
        raise NcstError(f"{spec}: no frames match the pattern")
    return ImageSequence(spec, folder, prefix, suffix, padding, frames)


def _from_folder(folder: Path) -> ImageSequence:
    groups: dict[tuple[str, str], list[str]] = {}
    for f in folder.iterdir():
        m = _NUMBERED.match(f.name)
        if m and f.is_file() and not f.name.startswith(".") and m.group(3).lower() in IMAGE_EXTS:
            groups.setdefault((m.group(1), m.group(3)), []).append(m.group(2))
    if not groups:
        raise NcstError(f"{folder}: no numbered image frames in the folder")
    if len(groups) > 1:
        names = ", ".join(sorted(f"{a}#{b}" for a, b in groups))
        raise NcstError(f"{folder}: more than one sequence in the folder ({names}); name one with a pattern")
    (prefix, suffix), digits = next(iter(groups.items()))
    widths = {len(d) for d in digits}
    # one width (0001..0099, 1001..1100): padded to it; mixed widths: padded to the narrowest if
    # any number has a leading zero (0998, 0999, 1000, 10000), else unpadded (8, 9, 10)
    padded = len(widths) == 1 or any(d.startswith("0") and len(d) > 1 for d in digits)
    padding = min(widths) if padded else 0
    return ImageSequence(str(folder), folder, prefix, suffix, padding, sorted(int(d) for d in digits))
