"""Render a look onto an image sequence: ``ncst apply LOOK plate.%04d.exr -o graded/plate.%04d.exr``.

Frame by frame: read (OpenImageIO) -> ``Engine.render_float`` (--input-space conversion into the
working space, the grade, --output-space conversion) -> write in the output's format. By default
the output keeps the input's numbering, format and bit depth (half EXR stays half, 10-bit DPX stays
10-bit); float outputs keep values outside [0, 1] that --output-space produces, integer outputs
clip to their code range. Values the working space cannot hold (above its white, below black) are
clipped there and the console says so once.

A movie extension (.mp4/.mov/.mkv) or ``--codec`` renders a movie instead
(``render_sequence_movie``: the codecs and bit-depth planning of ``io.video``).

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
from ncst_bridge.grade.numpy_grade import ParamsLike
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
        raise NcstError(
            f"{out}: the input is an image sequence: give an output pattern "
            f"(e.g. graded/{Path(seq.pattern).name}) or a folder"
        )
    return parse_pattern(out)


def render_sequence(
    params: ParamsLike,
    seq: ImageSequence,
    output: str | Path,
    *,
    colour=None,
    engine: str = "auto",
    bit_depth: int | None = None,
    start: int | None = None,
    end: int | None = None,
    force: bool = False,
    progress: bool = True,
    lut_size: int = DEFAULT_SIZE,
    device: Any = None,
    log=print,
) -> SequenceReport:
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
                notes.append(
                    f"frame {n}: {share:.2g}% of values are outside the working space's [0, 1] "
                    f"(above its white or below black) and clip there: the grade covers [0, 1]"
                )
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
    return SequenceReport(
        input=seq.pattern,
        output=pattern,
        engine=eng.describe(),
        frames=len(numbers),
        first=numbers[0],
        last=numbers[-1],
        bit_depth=depth,
        seconds=seconds,
        missing=missing,
        clipped_values=clipped,
        notes=notes,
    )


def _progress_bar(total: int, desc: str, enabled: bool):
    """tqdm bar in frames; off when stderr is not a terminal."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc=desc[:30], file=sys.stderr, disable=None, dynamic_ncols=True)


# --- a sequence into a movie --------------------------------------------------------------------


def render_sequence_movie(
    params: ParamsLike,
    seq: ImageSequence,
    output: str | Path,
    *,
    colour=None,
    engine: str = "auto",
    start: int | None = None,
    end: int | None = None,
    force: bool = False,
    progress: bool = True,
    lut_size: int = DEFAULT_SIZE,
    device: Any = None,
    log=print,
    **encode_opts: Any,
) -> SequenceReport:
    """Grade frames ``start``..``end`` of ``seq`` into a movie (``io.video``'s codecs and planning).

    The movie has one frame per present frame at the sequence's frame rate (missing frames are
    reported, not filled), tagged Rec.709 (primaries/transfer unspecified with --output-space, as
    for videos); written to a temporary file and renamed only when complete.
    """
    from fractions import Fraction

    import av
    import numpy as np

    from ncst_bridge.io.atomic import atomic_file, check_new_output
    from ncst_bridge.io.video import EncodeOptions, VideoInfo, plan_encode, rgb_format
    from ncst_bridge.io.video.encode import prepare_stream, to_encoder_format
    from ncst_bridge.io.video.probe import AVCOL_UNSPECIFIED

    say = log or (lambda *_a, **_k: None)
    dst = Path(output)
    check_new_output(dst, force)
    opts = EncodeOptions(**encode_opts)
    head = seq.header()
    numbers = seq.select(start, end)
    fps = Fraction(seq.fps()).limit_denominator(1001)
    depth_in = 16 if head.is_float else max(8, head.bits)
    info = VideoInfo(
        path=seq.pattern,
        container="image2",
        codec=seq.ext.lstrip("."),
        width=head.width,
        height=head.height,
        fps=fps,
        frame_count=len(numbers),
        duration=len(numbers) / float(fps),
        time_base=1 / fps,
        start_time=0.0,
        pix_fmt="rgb48le",
        bit_depth=depth_in,
        matrix="rgb",
        matrix_tagged=False,
        full_range=True,
        color_primaries=AVCOL_UNSPECIFIED,
        color_trc=AVCOL_UNSPECIFIED,
        variable_frame_rate=False,
    )
    plan = plan_encode(info, dst, opts)
    if getattr(colour, "output_space", None):  # as render_video: Rec.709 tags unless --output-space
        plan.primaries = plan.trc = AVCOL_UNSPECIFIED
    eng = make_engine(params, engine, lut_size=lut_size, device=device, colour=colour)
    notes = list(plan.notes)
    gaps = seq.gaps_text(start, end)
    if gaps:
        notes.append(f"{gaps} (the movie has one frame per present frame)")
    for note in notes:
        say(f"note: {note}")
    top = 255.0 if plan.work_depth == 8 else 65535.0
    in_fmt = rgb_format(plan.work_depth)
    to_yuv = to_encoder_format(plan)
    bar = _progress_bar(len(numbers), Path(seq.pattern).name, progress)
    clipped = 0
    t0 = time.perf_counter()
    try:
        with atomic_file(dst, force=force) as tmp, av.open(str(tmp), mode="w", format=plan.container) as out:
            vs = out.add_stream(plan.encoder, rate=fps)
            vs.width, vs.height, vs.pix_fmt = head.width, head.height, plan.pix_fmt
            vs.time_base = vs.codec_context.time_base = 1 / fps
            vs.options = dict(plan.options)
            prepare_stream(vs.codec_context, plan)
            for i, (n, img, _info) in enumerate(seq.iter_frames(start, end)):
                graded, outside = eng.render_float(img)
                if outside and not clipped:
                    say(
                        f"note: frame {n}: {100.0 * outside / img.size:.2g}% of values are outside the working "
                        f"space's [0, 1] and clip there: the grade covers [0, 1]"
                    )
                clipped += outside
                rgb = np.clip(np.rint(graded * top), 0, top).astype(np.uint8 if top == 255.0 else np.uint16)
                frame = av.VideoFrame.from_ndarray(rgb, format=in_fmt).reformat(**to_yuv)
                frame.pts, frame.time_base = i, 1 / fps
                for packet in vs.encode(frame):
                    out.mux(packet)
                if bar is not None:
                    bar.update(1)
            for packet in vs.encode(None):
                out.mux(packet)
    except av.error.FFmpegError as exc:
        raise NcstError(f"{dst}: cannot encode ({exc})") from None
    finally:
        if bar is not None:
            bar.close()
    return SequenceReport(
        input=seq.pattern,
        output=str(dst),
        engine=eng.describe(),
        frames=len(numbers),
        first=numbers[0],
        last=numbers[-1],
        bit_depth=plan.bit_depth,
        seconds=time.perf_counter() - t0,
        missing=seq.missing(start, end),
        clipped_values=clipped,
        notes=notes,
    )
