"""Render a look onto an image sequence: ``ncst apply LOOK plate.%04d.exr -o graded/plate.%04d.exr``.

Frame by frame: read (OpenImageIO) -> ``Engine.render_float`` (--input-space conversion into the
working space, the grade, --output-space conversion) -> write in the output's format. By default
the output keeps the input's numbering, format and bit depth (half EXR stays half, 10-bit DPX stays
10-bit); float outputs keep values outside [0, 1] that --output-space produces, integer outputs
clip to their code range. Values the working space cannot hold (above its white, below black) are
clipped there and the console says so once.

Written files carry no metadata of the input, except an EXR written in a linear --output-space
whose primaries are known (ACEScg, ACES2065-1, Linear Rec.709/P3-D65/Rec.2020): its
``chromaticities``.

Atomic: the frames are written into a hidden temporary folder beside the output and renamed into
place only when every frame is done; an error or Ctrl-C leaves no output frame behind, and existing
frames are replaced only with ``force``. Missing input frames are reported in one line and stay
missing in the output (same numbers).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import ParamsLike
from ncst_bridge.grade.lut import DEFAULT_SIZE
from ncst_bridge.io.images import chromaticities_of, output_bit_depth, write_image_to
from ncst_bridge.io.sequence import ImageSequence, extension, is_sequence_spec, parse_pattern
from ncst_bridge.render.engines import make_engine


@dataclass
class SequenceReport:
    """What a sequence render did."""

    input: str
    output: str  # printf pattern of the written frames
    engine: str
    frames: int
    first: int
    last: int
    bit_depth: int
    seconds: float
    missing: list[int] = field(default_factory=list)
    clipped_values: int = 0  # values outside the working space's [0, 1], clipped there
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def output_names(seq: ImageSequence, output: str | Path) -> tuple[Path, str, str, int]:
    """(folder, prefix, suffix, padding) of the output frames: a pattern, or a folder (input names)."""
    out = str(output)
    if out.endswith(("/", os.sep)) or Path(out).is_dir():
        return Path(out), seq.prefix, seq.suffix, seq.padding
    if not is_sequence_spec(out):
        raise NcstError(f"{out}: the input is an image sequence: give an output pattern "
                        f"(e.g. graded/{Path(seq.pattern).name}) or a folder")
    return parse_pattern(out)


def render_sequence(params: ParamsLike, seq: ImageSequence, output: str | Path, *, colour=None,
                    engine: str = "auto", bit_depth: int | None = None, start: int | None = None,
                    end: int | None = None, force: bool = False, progress: bool = True,
                    lut_size: int = DEFAULT_SIZE, device: Any = None, log=print) -> SequenceReport:
    """Grade frames ``start``..``end`` of ``seq`` into ``output`` (a frame pattern or a folder)."""
    say = log or (lambda *_a, **_k: None)
    folder, prefix, suffix, padding = output_names(seq, output)
    ext = extension(suffix)
    head = seq.header()
    if bit_depth is None and ext == seq.ext:
        bit_depth = head.bit_depth  # same format: same depth (half stays half, 10-bit stays 10-bit)
    depth = output_bit_depth(folder / f"x{ext}", bit_depth)
    numbers = seq.select(start, end)
    missing = seq.missing(start, end)

    def name(n: int) -> str:
        return f"{prefix}{n:0{padding}d}{suffix}" if padding else f"{prefix}{n}{suffix}"

    pattern = str(folder / (prefix + (f"%0{padding}d" if padding else "%d") + suffix))
    made_folder = not folder.exists()
    if not made_folder and not folder.is_dir():
        raise NcstError(f"{folder}: exists and is not a folder")
    if not made_folder and not os.access(folder, os.W_OK):
        raise NcstError(f"{folder}: output folder is not writable")
    inputs = {seq.path(n).resolve() for n in numbers}
    for n in numbers:
        dst = folder / name(n)
        if dst.resolve() in inputs or (dst.exists() and os.path.samefile(dst, seq.path(n))):
            raise NcstError(f"{dst}: output is the input; choose another path")
        if dst.exists() and not force:
            raise NcstError(f"{dst}: already exists (use --force to replace the output frames)")
    eng = make_engine(params, engine, lut_size=lut_size, device=device, colour=colour)
    gaps = seq.gaps_text(start, end)
    notes = []
    if gaps:
        notes.append(f"{gaps} (they stay missing in the output)")
        say(f"note: {notes[-1]}")

    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{prefix or 'frames'}.", suffix=".part", dir=folder))
    meta = {}
    chroma = chromaticities_of(getattr(colour, "output_space", None))
    if ext == ".exr" and chroma:  # a linear --output-space we can name: say so in the file
        meta["chromaticities"] = chroma
    bar = _progress_bar(len(numbers), Path(seq.pattern).name, progress)
    clipped = 0
    t0 = time.perf_counter()
    try:
        for n, img, _info in seq.iter_frames(start, end):
            out, outside = eng.render_float(img)
            if outside and not clipped:
                share = 100.0 * outside / img.size
                notes.append(f"frame {n}: {share:.2g}% of values are outside the working space's [0, 1] "
                             f"(above its white or below black) and clip there: the grade covers [0, 1]")
                say(f"note: {notes[-1]}")
            clipped += outside
            write_image_to(tmp / name(n), out, depth, metadata=meta)
            if bar is not None:
                bar.update(1)
        for n in numbers:  # all done: move into place
            os.replace(tmp / name(n), folder / name(n))
    except BaseException:
        if made_folder:
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                folder.rmdir()  # only if we made it and it is still empty
            except OSError:
                pass
        raise
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - t0
    return SequenceReport(input=seq.pattern, output=pattern, engine=eng.describe(), frames=len(numbers),
                          first=numbers[0], last=numbers[-1], bit_depth=depth, seconds=seconds,
                          missing=missing, clipped_values=clipped, notes=notes)


def _progress_bar(total: int, desc: str, enabled: bool):
    """tqdm bar in frames; off when stderr is not a terminal."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc=desc[:30], file=sys.stderr, disable=None, dynamic_ncols=True)
