"""Render a look onto a video: ``ncst apply LOOK VIDEO -o OUT`` and ``ncst match ... --render OUT``.

Decode (PyAV, streaming) -> grade (an engine from ``engines``: OCIO on the CPU, torch on CUDA) ->
encode (H.264 by default), keeping frame count, timestamps, frame rate, size, colour tags and audio.
The output is written to a temporary file beside OUT and renamed only when the whole clip is done,
so an error, a truncated input or Ctrl-C leaves nothing half-written and never touches an existing
OUT unless ``force``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.lut import DEFAULT_SIZE
from ncst_bridge.grade.numpy_grade import ParamsLike
from ncst_bridge.io.atomic import atomic_file, check_new_output
from ncst_bridge.io.video import EncodeOptions, VideoInfo, plan_for, transcode
from ncst_bridge.render.engines import make_engine
from ncst_bridge.render.options import add_video_arguments  # noqa: F401  (re-exported)
from ncst_bridge.render.yuv_lut import YuvLutGrade, single_threaded_cv2, yuv_path_refusal


@dataclass
class RenderReport:
    """What a render did: the numbers a caller (or params.json provenance) may want."""

    input: str
    output: str
    engine: str
    frames: int
    seconds: float
    fps: float
    codec: str
    pix_fmt: str
    bit_depth: int
    audio: list[str] = field(default_factory=list)  # per audio stream: "copy" or the re-encode codec
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def same_file(a: Path, b: Path) -> bool:
    """True when ``b`` would overwrite ``a`` (same path, symlink or hard link)."""
    if not b.exists():
        return a.resolve() == b.resolve()
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def render_video(
    params: ParamsLike,
    input_path: str | Path,
    output_path: str | Path,
    *,
    engine: str = "auto",
    force: bool = False,
    progress: bool = True,
    lut_size: int = DEFAULT_SIZE,
    device: Any = None,
    log=print,
    colour=None,
    yuv: bool = True,
    **encode_opts: Any,
) -> RenderReport:
    """Grade ``input_path`` with ``params`` into ``output_path`` (atomically).

    ``encode_opts`` are ``EncodeOptions`` fields: codec (h264|hevc|prores|ffv1), crf, preset,
    prores_profile, bit_depth (None keeps the input's as far as the codec allows), threads,
    copy_audio. ``log`` receives one-line notes (decisions such as audio re-encoding or 4:4:4 for
    odd sizes); pass ``log=None`` to silence them. ``colour`` is a ``ColourSettings``
    (``ncst_bridge.colour.options.colour_settings(args)``) for --input-space/--output-space footage.
    With ``yuv`` (default) the OCIO engine grades 8-bit Y'CbCr footage on the codec's own planes
    through one Y'CbCr -> Y'CbCr table (``render.yuv_lut``) when the output keeps the input's format;
    otherwise frames go through RGB.
    """
    src, dst = Path(input_path), Path(output_path)
    if src.exists() and same_file(src, dst):
        raise NcstError(f"{dst}: output is the input; choose another path")
    unknown = set(encode_opts) - set(EncodeOptions.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown encode option(s): {', '.join(sorted(unknown))}")
    opts = EncodeOptions(**encode_opts)
    check_new_output(dst, force)
    info, plan = plan_for(src, dst, opts)
    if colour is not None and (getattr(colour, "input_space", None) or getattr(colour, "output_space", None)):
        # the picture is no longer what the input's tags describe: Rec.709 unless --output-space
        out_space = getattr(colour, "output_space", None)
        plan.primaries = plan.trc = 2 if out_space else 1
        if out_space:
            plan.notes.append(f"output is {out_space}: primaries/transfer tagged unspecified")
    eng = make_engine(params, engine, lut_size=lut_size, device=device, colour=colour)
    frame_process = None
    if yuv and eng.name == "ocio":
        if yuv_path_refusal(info, plan, eng.sharpness, eng.managed) is None:
            frame_process = YuvLutGrade(
                params,
                info.matrix,
                info.pix_fmt,
                pixels=info.width * info.height * (info.estimated_frames or 0),
                out_matrix=plan.matrix,
            )
    say = log or (lambda *_a, **_k: None)
    for note in plan.notes:
        say(f"note: {note}")
    bar = _progress_bar(info, src, progress)
    t0 = time.perf_counter()
    try:
        with atomic_file(dst, force=force) as tmp, single_threaded_cv2() if frame_process else nullcontext():
            result = transcode(
                src,
                tmp,
                eng.apply_inplace,
                opts,
                plan=plan,
                frame_process=frame_process,
                on_frame=(lambda _n: bar.update(1)) if bar is not None else None,
            )
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    if result.vfr_seen and not info.variable_frame_rate:
        say("note: variable frame rate input: every frame kept its own timestamp")
    described = frame_process.describe() if frame_process is not None else eng.describe()
    return RenderReport(
        input=str(src),
        output=str(dst),
        engine=described,
        frames=result.frames,
        seconds=seconds,
        fps=result.frames / seconds if seconds > 0 else 0.0,
        codec=plan.encoder,
        pix_fmt=plan.pix_fmt,
        bit_depth=plan.bit_depth,
        audio=[how for _a, how in plan.audio],
        notes=list(plan.notes),
    )


def _progress_bar(info: VideoInfo, src: Path, enabled: bool):
    """tqdm bar in frames with frames/s and time left; off when stderr is not a terminal."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=info.estimated_frames,
        unit="frame",
        desc=src.name[:30],
        file=sys.stderr,
        disable=None,
        dynamic_ncols=True,
        smoothing=0.1,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]",
    )


# --- CLI glue ---------------------------------------------------------------------------------


def apply_video(params: ParamsLike, args: argparse.Namespace, colour=None) -> int:
    """``ncst apply LOOK VIDEO -o OUT``: the CLI entry (``cmd_apply`` calls it for non-images)."""
    depth = getattr(args, "bit_depth", None)
    report = render_video(
        params,
        args.input,
        args.output,
        colour=colour,
        engine=getattr(args, "engine", "auto") or "auto",
        force=getattr(args, "force", False),
        progress=not getattr(args, "no_progress", False),
        codec=getattr(args, "codec", None) or "h264",
        crf=getattr(args, "crf", None),
        preset=getattr(args, "preset", None),
        prores_profile=getattr(args, "prores_profile", None),
        bit_depth=depth,
    )
    audio = ", ".join(report.audio) if report.audio else "none"
    print(
        f"wrote {report.output}: {report.frames} frames, {report.pix_fmt} {report.codec}, "
        f"audio: {audio}, engine {report.engine}, {report.seconds:.1f} s ({report.fps:.1f} frames/s)"
    )
    return 0
