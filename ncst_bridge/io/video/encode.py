"""Encode planning: codec, container, pixel format, bit depth, colour tags and audio handling."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.error

from ncst_bridge.errors import NcstError
from ncst_bridge.io.video.probe import (
    AVCOL_BT709,
    AVCOL_RANGE_JPEG,
    AVCOL_RANGE_MPEG,
    AVCOL_SPC_RGB,
    AVCOL_UNSPECIFIED,
    SWS_BY_NAME,
    TAG_BY_NAME,
    AudioStreamInfo,
    VideoInfo,
    info_from,
    open_input,
    video_stream,
)

# --- encoding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodecSpec:
    encoder: str
    depths: tuple[int, ...]
    containers: tuple[str, ...]
    quality: str  # "crf" | "profile" | "lossless"


CODECS: dict[str, CodecSpec] = {
    "h264": CodecSpec("libx264", (8, 10), ("mp4", "mov", "matroska"), "crf"),
    "hevc": CodecSpec("libx265", (8, 10, 12), ("mp4", "mov", "matroska"), "crf"),
    "prores": CodecSpec("prores_ks", (10,), ("mov", "matroska"), "profile"),
    "ffv1": CodecSpec("ffv1", (8, 10, 12, 16), ("matroska",), "lossless"),
}
PRORES_PROFILES = {"proxy": 0, "lt": 1, "standard": 2, "hq": 3, "4444": 4, "4444xq": 5}
CONTAINER_BY_EXT = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
DEFAULT_CRF = 18
DEFAULT_PRESET = "medium"


@dataclass
class EncodeOptions:
    """What the user asked for; ``plan_encode`` turns it into concrete settings."""

    codec: str = "h264"
    crf: float | None = None  # h264/hevc (default 18)
    preset: str | None = None  # h264/hevc x264/x265 preset (default medium)
    prores_profile: str | None = None  # proxy|lt|standard|hq|4444|4444xq (default hq)
    bit_depth: int | None = None  # None: keep the input's (as far as the codec allows)
    threads: int = 0  # encoder threads, 0 = automatic
    copy_audio: bool = True


@dataclass
class EncodePlan:
    container: str
    encoder: str
    pix_fmt: str
    bit_depth: int  # output bit depth
    work_depth: int  # the RGB depth frames are processed in (8 or 16)
    matrix: str  # "bt709", "smpte170m", ..., or "rgb"
    options: dict[str, str]
    primaries: int
    trc: int
    audio: list[tuple[AudioStreamInfo, str]]  # (stream, "copy" | "aac" | "pcm_s16le")
    notes: list[str] = field(default_factory=list)


# x264 and x265 accept the same preset names; anything else fails inside the encoder, later.
X26X_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)


def _pix_fmt(codec: str, depth: int, width: int, height: int, profile: str | None) -> tuple[str, str]:
    """(pix_fmt, chroma) for the codec at this depth; 4:2:0 needs even sizes, 4:2:2 an even width."""
    if codec == "ffv1":
        return ("bgr0" if depth == 8 else f"gbrp{depth}le"), "rgb"
    suffix = "" if depth == 8 else f"{depth}le"
    if codec == "prores":
        chroma = "444" if (profile in ("4444", "4444xq") or width % 2) else "422"
    else:
        chroma = "420" if (width % 2 == 0 and height % 2 == 0) else "444"
    return f"yuv{chroma}p{suffix}", chroma


def _audio_copyable(container: str, stream) -> bool:
    """Can this container hold the stream's codec as is? Tried on an in-memory muxer."""
    buf = io.BytesIO()
    try:
        with av.open(buf, mode="w", format=container) as out:
            out.add_stream_from_template(stream)
            out.start_encoding()
        return True
    except (av.error.FFmpegError, ValueError, TypeError, NotImplementedError):
        return False


def plan_encode(info: VideoInfo, output: str | Path, opts: EncodeOptions, input_container=None) -> EncodePlan:
    """Check the request against the input and the output type; one-line NcstError if impossible."""
    output = Path(output)
    ext = output.suffix.lower()
    if ext not in CONTAINER_BY_EXT:
        raise NcstError(f"{output}: unsupported video output type '{ext}' (use .mp4, .mov, .mkv)")
    container = CONTAINER_BY_EXT[ext]
    codec = opts.codec.lower()
    if codec not in CODECS:
        raise NcstError(f"unknown codec '{opts.codec}' (known: {', '.join(CODECS)})")
    spec = CODECS[codec]
    if spec.encoder not in av.codecs_available:
        raise NcstError(f"codec {codec}: encoder {spec.encoder} is not available in this PyAV build")
    if container not in spec.containers:
        exts = [e for e, c in CONTAINER_BY_EXT.items() if c in spec.containers]
        raise NcstError(f"{output}: {codec} cannot go into '{ext}' (use {', '.join(exts)})")
    notes: list[str] = []
    src_depth = 8 if info.bit_depth <= 8 else info.bit_depth
    if opts.bit_depth is not None:
        if opts.bit_depth not in spec.depths:
            raise NcstError(
                f"{codec} cannot write {opts.bit_depth}-bit video (it can: {', '.join(map(str, spec.depths))})"
            )
        depth = opts.bit_depth
    else:
        fits = [d for d in spec.depths if d >= src_depth]
        depth = min(fits) if fits else max(spec.depths)
        if depth < src_depth:
            notes.append(f"input is {src_depth}-bit; {codec} writes at most {depth}-bit, so the output is {depth}-bit")
        elif depth > src_depth:
            notes.append(f"{codec} writes {depth}-bit; the {src_depth}-bit input is graded at 16-bit precision")
    if depth < src_depth and opts.bit_depth is not None:
        notes.append(f"input is {src_depth}-bit; writing {depth}-bit as asked")
    profile = opts.prores_profile
    if profile is not None and codec != "prores":
        raise NcstError("--prores-profile applies to --codec prores only")
    if profile is not None and profile not in PRORES_PROFILES:
        raise NcstError(f"unknown ProRes profile '{profile}' (known: {', '.join(PRORES_PROFILES)})")
    pix_fmt, chroma = _pix_fmt(codec, depth, info.width, info.height, profile)
    if pix_fmt not in [f.name for f in av.codec.Codec(spec.encoder, "w").video_formats]:
        raise NcstError(f"{codec} ({spec.encoder}) cannot write {pix_fmt} in this build")
    if chroma == "444" and codec in ("h264", "hevc"):
        notes.append(
            f"odd picture size {info.width}x{info.height} cannot be 4:2:0; encoding 4:4:4 "
            f"to keep the size (some players cannot play 4:4:4 {codec})"
        )
    if codec == "prores" and chroma == "444" and profile not in ("4444", "4444xq"):
        notes.append(f"odd width {info.width} cannot be ProRes 4:2:2; writing ProRes 4444")
        profile = "4444"

    options: dict[str, str] = {}
    if spec.quality == "crf":
        crf = DEFAULT_CRF if opts.crf is None else opts.crf
        top = 51 if depth == 8 else 63
        if not 0 <= crf <= top:
            raise NcstError(f"--crf must be 0..{top} for {depth}-bit {codec}, got {crf:g}")
        options["crf"] = f"{crf:g}"
        if opts.preset is not None and opts.preset not in X26X_PRESETS:
            raise NcstError(f"--preset {opts.preset!r}: {codec} presets are {', '.join(X26X_PRESETS)}")
        options["preset"] = opts.preset or DEFAULT_PRESET
    else:
        if opts.crf is not None:
            raise NcstError(f"--crf applies to h264/hevc, not {codec}")
        if opts.preset is not None:
            raise NcstError(f"--preset applies to h264/hevc, not {codec}")
    if codec == "prores":
        options["profile"] = str(PRORES_PROFILES[profile or "hq"])
        options["vendor"] = "apl0"
    if codec == "ffv1":
        options.update(level="3", slicecrc="1")
    if codec == "hevc":
        options["x265-params"] = "log-level=error"

    matrix = "rgb" if chroma == "rgb" else (info.matrix if (info.matrix_tagged and not info.is_rgb) else "bt709")
    primaries = info.color_primaries if info.color_primaries != AVCOL_UNSPECIFIED else AVCOL_BT709
    trc = info.color_trc if info.color_trc != AVCOL_UNSPECIFIED else AVCOL_BT709

    audio: list[tuple[AudioStreamInfo, str]] = []
    if info.audio and input_container is not None:
        by_index = {s.index: s for s in input_container.streams.audio}
        for a in info.audio:
            stream = by_index[a.index]
            if opts.copy_audio and _audio_copyable(container, stream):
                audio.append((a, "copy"))
                continue
            if stream.codec_context is None or stream.codec_context.codec is None:
                notes.append(f"audio stream #{a.index} ({a.codec}) cannot be decoded: dropped")
                continue
            target = "aac"
            audio.append((a, target))
            notes.append(
                f"audio stream #{a.index} ({a.codec}) cannot be stored as is in {ext}: "
                f"re-encoded to AAC 192 kb/s (use .mkv or .mov to copy it unchanged)"
            )
    for other in info.other_streams:
        notes.append(f"stream {other} is not carried into the output")
    if info.variable_frame_rate:
        notes.append("variable frame rate input: every frame keeps its own timestamp")
    return EncodePlan(
        container=container,
        encoder=spec.encoder,
        pix_fmt=pix_fmt,
        bit_depth=depth,
        work_depth=8 if depth == 8 else 16,
        matrix=matrix,
        options=options,
        primaries=primaries,
        trc=trc,
        audio=audio,
        notes=notes,
    )


def plan_for(input_path: str | Path, output_path: str | Path, opts: EncodeOptions) -> tuple[VideoInfo, EncodePlan]:
    """Probe the input and plan its encode (audio copy tried on an in-memory muxer), without decoding."""
    with open_input(input_path) as container:
        info = info_from(container, video_stream(container, input_path), input_path)
        return info, plan_encode(info, output_path, opts, container)


def prepare_stream(cc, plan: EncodePlan) -> None:
    """Set up an output codec context before it opens: the plan's colour tags (matrix, range,
    primaries, transfer), the ``hvc1`` tag QuickTime needs for HEVC in MP4/MOV, and the threading.

    PyAV opens encoders with slice threading, and x264 then runs *sliced* threads, about a third more
    CPU on two cores than the frame threads ffmpeg's own CLI uses; AUTO lets each encoder pick
    (x264: frame threads; tests/test_render_video.py reads x264's settings record)."""
    cc.thread_type = "AUTO"
    if plan.matrix == "rgb":
        cc.colorspace, cc.color_range = AVCOL_SPC_RGB, AVCOL_RANGE_JPEG
    else:
        cc.colorspace, cc.color_range = TAG_BY_NAME[plan.matrix], AVCOL_RANGE_MPEG
    cc.color_primaries, cc.color_trc = plan.primaries, plan.trc
    if plan.encoder == "libx265" and plan.container in ("mp4", "mov"):
        cc.codec_tag = "hvc1"


def to_encoder_format(plan: EncodePlan) -> dict:
    """``VideoFrame.reformat`` arguments from a graded full-range RGB frame to the encoder's pixel
    format, with the plan's matrix and limited range."""
    args = {"format": plan.pix_fmt}
    if plan.matrix != "rgb":
        args.update(
            src_colorspace=SWS_BY_NAME[plan.matrix],
            dst_colorspace=SWS_BY_NAME[plan.matrix],
            src_color_range="JPEG",
            dst_color_range="MPEG",
        )
    return args
