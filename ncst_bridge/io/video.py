"""Video in and out with PyAV: probing, streaming RGB decode, and a streaming transcode that keeps audio.

Everything streams: one decoded frame (plus the codecs' own small queues) is in memory at a time,
whatever the clip's length.

Colour decisions (also in the README, "Rendering video"):

* YUV -> RGB uses the matrix the stream is tagged with (BT.709, BT.601 as ``smpte170m``/``bt470bg``,
  SMPTE 240M, BT.2020 NCL, FCC). **Untagged** streams: BT.709 when the picture is HD or larger
  (width >= 1280 or height >= 720), BT.601 otherwise -- the convention of Rec. 709/601 practice and of
  mpv, VLC and browsers. (ffmpeg's swscale alone assumes BT.601 for everything untagged, which turns
  untagged HD footage slightly green/magenta; we do not follow it.)
* Range: a ``pc``/``jpeg`` tag or a ``yuvj*`` pixel format means full range, anything else limited
  (16-235).
* RGB is 8-bit (``rgb24``) for 8-bit sources and 16-bit (``rgb48``) for deeper ones, so 10-bit input
  keeps its precision through the grade.
* Output: encoded with the input's matrix when it was tagged, else with BT.709, and always tagged
  (matrix, primaries, transfer, ``tv`` range); untagged primaries/transfer are written as BT.709.

Encoding keeps the frame count, each frame's timestamp (so variable frame rate survives), the frame
rate, the resolution and the audio streams (copied packet for packet when the container can hold the
codec, else re-encoded, and the caller is told). Output goes to the path the caller gives; callers
pass a temporary file (``ncst_bridge.io.atomic.atomic_file``) so a failed run leaves nothing behind.
"""

from __future__ import annotations

import io
import queue
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import av
import av.error
import numpy as np
from av.video.reformatter import Interpolation

from ncst_bridge.errors import NcstError

# --- colour tags -------------------------------------------------------------------------------

# AVColorSpace values (libavutil/pixfmt.h) -> (swscale matrix name, short name)
_MATRIX_BY_TAG = {1: ("ITU709", "bt709"), 4: ("FCC", "fcc"), 5: ("ITU601", "bt470bg"),
                  6: ("ITU601", "smpte170m"), 7: ("SMPTE240M", "smpte240m"), 9: ("BT2020", "bt2020nc")}
_SWS_BY_NAME = {"bt709": "ITU709", "bt601": "ITU601", "bt470bg": "ITU601", "smpte170m": "ITU601",
                "smpte240m": "SMPTE240M", "bt2020nc": "BT2020", "fcc": "FCC"}
_TAG_BY_NAME = {"bt709": 1, "fcc": 4, "bt470bg": 5, "bt601": 6, "smpte170m": 6, "smpte240m": 7,
                "bt2020nc": 9}
AVCOL_SPC_RGB, AVCOL_UNSPECIFIED, AVCOL_BT709 = 0, 2, 1
AVCOL_RANGE_MPEG, AVCOL_RANGE_JPEG = 1, 2

VIDEO_EXTS = {".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mts", ".m2ts", ".ts", ".mxf",
              ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ogv", ".y4m"}


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTS


def default_matrix(width: int, height: int) -> str:
    """The matrix assumed for an untagged stream: BT.709 for HD and larger, BT.601 for SD."""
    return "bt709" if (width >= 1280 or height >= 720) else "bt601"


# --- probing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AudioStreamInfo:
    index: int
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class VideoInfo:
    """What a clip holds, read from its headers (no decoding)."""

    path: str
    container: str
    codec: str
    width: int
    height: int
    fps: Fraction  # average frame rate
    frame_count: int | None  # from the container's index; None when the container stores none
    duration: float | None  # seconds of video, when known
    time_base: Fraction
    start_time: float
    pix_fmt: str
    bit_depth: int
    matrix: str  # the matrix used for YUV -> RGB ("bt709", "bt601", ...; "rgb" for RGB codings)
    matrix_tagged: bool
    full_range: bool
    color_primaries: int  # AVColorPrimaries tag (2 = unspecified)
    color_trc: int  # AVColorTransferCharacteristic tag (2 = unspecified)
    variable_frame_rate: bool  # the container's nominal and average rates differ
    audio: tuple[AudioStreamInfo, ...] = ()
    other_streams: tuple[str, ...] = ()  # subtitle/data streams (not carried into renders)

    @property
    def estimated_frames(self) -> int | None:
        """The frame count, from the index or else from duration x rate (for progress bars)."""
        if self.frame_count:
            return self.frame_count
        if self.duration:
            return max(1, int(round(self.duration * float(self.fps))))
        return None

    @property
    def is_rgb(self) -> bool:
        return self.matrix == "rgb"


def _open_input(path: str | Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise NcstError(f"{path}: no such file")
    if path.is_dir():
        raise NcstError(f"{path}: is a folder, expected a video")
    try:
        return av.open(str(path), mode="r")
    except av.error.EOFError:
        raise NcstError(f"{path}: not a readable video (it ends before its first frame: empty or "
                        f"truncated)") from None
    except av.error.FFmpegError as exc:
        raise NcstError(f"{path}: not a readable video ({_reason(exc)})") from None
    except (OSError, ValueError) as exc:
        raise NcstError(f"{path}: cannot open ({exc})") from None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return (str(text).splitlines() or [""])[0][:160]


def _video_stream(container, path) -> av.video.stream.VideoStream:
    streams = [s for s in container.streams.video
               if not (s.disposition & av.stream.Disposition.attached_pic)]
    if not streams:
        raise NcstError(f"{path}: no video stream")
    stream = streams[0]
    cc = stream.codec_context
    if cc is None or stream.codec_context.codec is None:
        raise NcstError(f"{path}: video codec is not supported (no decoder available)")
    return stream


def _bit_depth(pix_fmt: str | None) -> int:
    if not pix_fmt:
        return 8
    try:
        fmt = av.VideoFormat(pix_fmt)
    except (ValueError, av.error.FFmpegError):
        return 8
    return max((c.bits for c in fmt.components), default=8)


def _info_from(container, stream, path) -> VideoInfo:
    cc = stream.codec_context
    if not cc.width or not cc.height:
        raise NcstError(f"{path}: video stream has no picture size (unsupported or corrupt codec data)")
    pix_fmt = cc.pix_fmt or ""
    tag = int(cc.colorspace or AVCOL_UNSPECIFIED)
    fmt = av.VideoFormat(pix_fmt) if pix_fmt else None
    if fmt is not None and (fmt.is_rgb or tag == AVCOL_SPC_RGB):
        matrix, tagged = "rgb", True
    elif tag in _MATRIX_BY_TAG:
        matrix, tagged = _MATRIX_BY_TAG[tag][1], True
    else:
        matrix, tagged = default_matrix(cc.width, cc.height), False
    full = int(cc.color_range or 0) == AVCOL_RANGE_JPEG or pix_fmt.startswith("yuvj")
    avg = stream.average_rate or stream.guessed_rate or stream.base_rate
    base = stream.base_rate or avg
    if not avg or avg <= 0:
        raise NcstError(f"{path}: video stream has no frame rate")
    tb = stream.time_base or Fraction(1, 1000)
    duration = None
    if stream.duration:
        duration = float(stream.duration * tb)
    elif container.duration and not container.streams.audio:
        duration = container.duration / av.time_base
    start = float(stream.start_time * tb) if stream.start_time is not None else 0.0
    vfr = bool(base and avg and abs(float(base) - float(avg)) > 0.01 * float(avg))
    audio = tuple(AudioStreamInfo(s.index, s.codec_context.name if s.codec_context else "unknown",
                                  int(s.rate or 0), int(getattr(s.codec_context, "channels", 0) or 0))
                  for s in container.streams.audio)
    others = tuple(f"#{s.index} {s.type}" for s in container.streams
                   if s.type not in ("video", "audio"))
    return VideoInfo(
        path=str(path), container=container.format.name, codec=cc.name, width=cc.width,
        height=cc.height, fps=Fraction(avg), frame_count=int(stream.frames) or None,
        duration=duration, time_base=Fraction(tb), start_time=start, pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt), matrix=matrix, matrix_tagged=tagged, full_range=full,
        color_primaries=int(cc.color_primaries or AVCOL_UNSPECIFIED),
        color_trc=int(cc.color_trc or AVCOL_UNSPECIFIED), variable_frame_rate=vfr,
        audio=audio, other_streams=others)


def probe(path: str | Path) -> VideoInfo:
    """Read a clip's headers; one-line NcstError if it is not a usable video."""
    with _open_input(path) as container:
        return _info_from(container, _video_stream(container, path), path)


# --- decoding ---------------------------------------------------------------------------------

@dataclass
class DecodedFrame:
    index: int  # 0-based position in decode (presentation) order
    time: float  # seconds (presentation timestamp)
    pts: int | None  # in the stream's time base
    rgb: np.ndarray  # (H, W, 3) uint8 (rgb24) or uint16 (rgb48)


def rgb_format(bit_depth: int) -> str:
    """The packed RGB format frames are handed out in: rgb24 for 8-bit, rgb48 (native order) deeper."""
    return "rgb24" if bit_depth <= 8 else ("rgb48le" if np.little_endian else "rgb48be")


# swscale flags for YUV -> RGB. Measured on this PyAV build (ffmpeg 8 swscale) against the exact
# BT.709 formula: the default flags give a -1.2 code bias (max 2.6 codes) for rgb24; BILINEAR |
# ACCURATE_RND | FULL_CHR_H_INT is exact to rounding (max 0.50). For rgb48, FULL_CHR_H_INT is broken
# (-9.7 code bias) and ACCURATE_RND alone is best (-0.39 code bias, max 0.98). tests/test_video_io.py
# pins this.
_ACCURATE_8 = (Interpolation.BILINEAR.value | Interpolation.ACCURATE_RND.value
               | Interpolation.FULL_CHR_H_INT.value)
_ACCURATE_16 = Interpolation.BILINEAR.value | Interpolation.ACCURATE_RND.value


class FrameConverter:
    """Decoded frame -> packed RGB ndarray with the stream's matrix and range (optionally resized).

    Resizing happens in YUV 4:4:4 first (area filter), then the small picture is converted to RGB
    with the accurate flags, so keyframes cost little and keep exact colours.
    """

    def __init__(self, info: VideoInfo, bit_depth: int | None = None,
                 size: tuple[int, int] | None = None):
        depth = info.bit_depth if bit_depth is None else bit_depth
        self.fmt = rgb_format(depth)
        self.size = size
        self.kwargs = {"format": self.fmt, "interpolation": _ACCURATE_8 if depth <= 8 else _ACCURATE_16}
        if not info.is_rgb:
            self.kwargs.update(src_colorspace=_SWS_BY_NAME[info.matrix],
                               src_color_range="JPEG" if info.full_range else "MPEG",
                               dst_color_range="JPEG")
        self.scale = None
        if size:
            small = self.fmt if info.is_rgb else ("yuv444p" if depth <= 8 else "yuv444p16le")
            self.scale = {"width": size[0], "height": size[1], "format": small,
                          "interpolation": Interpolation.AREA.value}
            if not info.is_rgb:
                self.scale.update(src_colorspace=self.kwargs["src_colorspace"],
                                  dst_colorspace=self.kwargs["src_colorspace"])

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        if self.scale is not None:
            frame = frame.reformat(**self.scale)
        return frame.to_ndarray(**self.kwargs)


def fit_size(width: int, height: int, max_side: int | None) -> tuple[int, int] | None:
    """(w, h) scaled so the longer side is at most ``max_side`` (None: no resize needed)."""
    if not max_side or max(width, height) <= max_side:
        return None
    s = max_side / max(width, height)
    return max(1, int(round(width * s))), max(1, int(round(height * s)))


def _frame_time(frame: av.VideoFrame, index: int, info: VideoInfo) -> tuple[int | None, float]:
    pts = frame.pts
    if pts is None:
        return None, info.start_time + index / float(info.fps)
    return pts, float(pts * info.time_base)


class Decoder:
    """Streams (index, time, pts, av.VideoFrame) in presentation order and checks for truncation.

    Raises a one-line NcstError naming the frame where data ended early or could not be decoded.
    """

    def __init__(self, path: str | Path, threads: bool = True):
        self.path = Path(path)
        self.container = _open_input(self.path)
        try:
            self.stream = _video_stream(self.container, self.path)
            self.info = _info_from(self.container, self.stream, self.path)
        except BaseException:
            self.container.close()
            raise
        if threads:
            self.stream.thread_type = "AUTO"
        self.count = 0
        self.last_time: float | None = None

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> "Decoder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def decode_packet(self, packet) -> list[av.VideoFrame]:
        try:
            return list(packet.decode())
        except av.error.FFmpegError as exc:
            raise self._broken(exc) from None

    def _broken(self, exc: BaseException | str) -> NcstError:
        why = exc if isinstance(exc, str) else _reason(exc)
        return NcstError(f"{self.path}: video is corrupt or truncated at frame {self.count} ({why})")

    def packets(self, *extra_streams) -> Iterator:
        """Demux packets of the video stream (and ``extra_streams``), with errors as NcstError."""
        it = self.container.demux(self.stream, *extra_streams)
        while True:
            try:
                packet = next(it)
            except StopIteration:
                return
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:
                raise self._broken(exc) from None
            yield packet

    def frames(self) -> Iterator[tuple[int, float, int | None, av.VideoFrame]]:
        for packet in self.packets():
            for frame in self.decode_packet(packet):
                yield self.stamp(frame)
        self.check_complete()

    def stamp(self, frame: av.VideoFrame) -> tuple[int, float, int | None, av.VideoFrame]:
        """Number a decoded frame: (index, seconds, pts, frame); call once per frame, in order."""
        pts, t = _frame_time(frame, self.count, self.info)
        out = (self.count, t, pts, frame)
        self.count += 1
        self.last_time = t
        return out

    def check_complete(self) -> None:
        """After the last packet: did the clip end where its headers say it should?"""
        info = self.info
        if self.count == 0:
            raise NcstError(f"{self.path}: no frames could be decoded (empty, corrupt or truncated video)")
        end = None
        ends_early = False
        if info.duration and self.last_time is not None:
            end = self.last_time - info.start_time + 1.0 / float(info.fps)
            ends_early = end < info.duration - max(0.25, 3.0 / float(info.fps))
        if info.frame_count and self.count < info.frame_count and (end is None or ends_early):
            # (fewer frames than the index but reaching the stated duration is an edit list
            # that hides samples, not a truncation)
            raise self._broken(f"the file ends after {self.count} of {info.frame_count} frames")
        if not info.frame_count and ends_early:
            raise self._broken(f"the file ends at {end:.2f} s of {info.duration:.2f} s")


def iter_frames(path: str | Path, *, bit_depth: int | None = None, max_side: int | None = None,
                start_frame: int = 0, end_frame: int | None = None,
                check_complete: bool = True) -> Iterator[DecodedFrame]:
    """Stream a clip's frames as RGB arrays, in presentation order, with index and timestamp.

    ``bit_depth`` picks rgb24 (8) or rgb48 (>8; default: the source's depth); ``max_side`` downscales
    (area filter, inside swscale, so full-size RGB is never built); ``start_frame``/``end_frame``
    (inclusive) select a range of source frame indices, frames before it are decoded but not
    converted. Truncation is reported (one-line NcstError) unless the range ends first.
    """
    if start_frame < 0:
        raise NcstError(f"start frame must be >= 0, got {start_frame}")
    if end_frame is not None and end_frame < start_frame:
        raise NcstError(f"end frame {end_frame} is before start frame {start_frame}")
    with Decoder(path) as dec:
        conv = FrameConverter(dec.info, bit_depth, fit_size(dec.info.width, dec.info.height, max_side))
        for packet in dec.packets():
            for frame in dec.decode_packet(packet):
                i, t, pts, frame = dec.stamp(frame)
                if i < start_frame:
                    continue
                if end_frame is not None and i > end_frame:
                    return
                yield DecodedFrame(i, t, pts, conv(frame))
        if end_frame is not None and dec.count <= end_frame and dec.count > start_frame:
            if dec.info.frame_count and end_frame >= dec.info.frame_count:
                raise NcstError(f"{path}: end frame {end_frame} is past the clip's last frame "
                                f"({dec.info.frame_count - 1})")
        if dec.count <= start_frame and dec.count > 0:
            raise NcstError(f"{path}: start frame {start_frame} is past the clip's last frame ({dec.count - 1})")
        if check_complete:
            dec.check_complete()


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


def plan_encode(info: VideoInfo, output: str | Path, opts: EncodeOptions,
                input_container=None) -> EncodePlan:
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
            raise NcstError(f"{codec} cannot write {opts.bit_depth}-bit video "
                            f"(it can: {', '.join(map(str, spec.depths))})")
        depth = opts.bit_depth
    else:
        fits = [d for d in spec.depths if d >= src_depth]
        depth = min(fits) if fits else max(spec.depths)
        if depth < src_depth:
            notes.append(f"input is {src_depth}-bit; {codec} writes at most {depth}-bit, "
                         f"so the output is {depth}-bit")
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
        notes.append(f"odd picture size {info.width}x{info.height} cannot be 4:2:0; encoding 4:4:4 "
                     f"to keep the size (some players cannot play 4:4:4 {codec})")
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

    matrix = "rgb" if chroma == "rgb" else (info.matrix if (info.matrix_tagged and not info.is_rgb)
                                            else "bt709")
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
            notes.append(f"audio stream #{a.index} ({a.codec}) cannot be stored as is in {ext}: "
                         f"re-encoded to AAC 192 kb/s (use .mkv or .mov to copy it unchanged)")
    for other in info.other_streams:
        notes.append(f"stream {other} is not carried into the output")
    if info.variable_frame_rate:
        notes.append("variable frame rate input: every frame keeps its own timestamp")
    return EncodePlan(container=container, encoder=spec.encoder, pix_fmt=pix_fmt, bit_depth=depth,
                      work_depth=8 if depth == 8 else 16, matrix=matrix, options=options,
                      primaries=primaries, trc=trc, audio=audio, notes=notes)


def plan_for(input_path: str | Path, output_path: str | Path,
             opts: EncodeOptions) -> tuple[VideoInfo, EncodePlan]:
    """Probe the input and plan its encode (audio copy tried on an in-memory muxer), without decoding."""
    with _open_input(input_path) as container:
        info = _info_from(container, _video_stream(container, input_path), input_path)
        return info, plan_encode(info, output_path, opts, container)


@dataclass
class TranscodeResult:
    frames: int
    audio_packets: int
    seconds: float
    vfr_seen: bool
    plan: EncodePlan


def _nearest_rate(rates, rate: int) -> int:
    if not rates:
        return rate
    up = [r for r in rates if r >= rate]
    return min(up) if up else max(rates)


def transcode(input_path: str | Path, output_path: str | Path, process: Callable[[np.ndarray], np.ndarray],
              opts: EncodeOptions | None = None, *, plan: EncodePlan | None = None,
              on_frame: Callable[[int], None] | None = None, pipeline: bool = True) -> TranscodeResult:
    """Decode ``input_path``, run ``process`` on each RGB frame, encode to ``output_path`` (a temp path).

    ``process`` gets and returns (H, W, 3) uint8 arrays when ``plan.work_depth`` is 8, uint16 when 16.
    Audio is remuxed (or re-encoded, per the plan). With ``pipeline`` the grade runs in a worker
    thread so decoding and encoding (which release the GIL) overlap it.
    """
    import time as _time

    opts = opts or EncodeOptions()
    t0 = _time.perf_counter()
    with Decoder(input_path) as dec:
        info = dec.info
        if plan is None:
            plan = plan_encode(info, output_path, opts, dec.container)
        conv = FrameConverter(info, plan.work_depth)
        in_audio = {s.index: s for s in dec.container.streams.audio}
        try:
            out = av.open(str(output_path), mode="w", format=plan.container)
        except (av.error.FFmpegError, OSError) as exc:
            raise NcstError(f"{output_path}: cannot write ({_reason(exc)})") from None
        with out:
            vs = out.add_stream(plan.encoder, rate=info.fps)
            vs.width, vs.height, vs.pix_fmt = info.width, info.height, plan.pix_fmt
            vs.time_base = info.time_base
            vs.codec_context.time_base = info.time_base
            vs.codec_context.framerate = info.fps
            vs.options = dict(plan.options)
            if opts.threads:
                vs.codec_context.thread_count = opts.threads
            cc = vs.codec_context
            if plan.matrix == "rgb":
                cc.colorspace = AVCOL_SPC_RGB
                cc.color_range = AVCOL_RANGE_JPEG
            else:
                cc.colorspace = _TAG_BY_NAME[plan.matrix]
                cc.color_range = AVCOL_RANGE_MPEG
            cc.color_primaries = plan.primaries
            cc.color_trc = plan.trc
            if plan.encoder == "libx265" and plan.container in ("mp4", "mov"):
                cc.codec_tag = "hvc1"
            audio_out: dict[int, tuple] = {}
            for a, how in plan.audio:
                src = in_audio[a.index]
                if how == "copy":
                    audio_out[a.index] = ("copy", out.add_stream_from_template(src), None)
                else:
                    enc = av.codec.Codec("aac", "w")
                    rate = _nearest_rate(enc.audio_rates, a.sample_rate or 48000)
                    ast = out.add_stream("aac", rate=rate)
                    layout = "mono" if a.channels == 1 else "stereo"
                    ast.codec_context.layout = layout
                    ast.codec_context.bit_rate = 192_000
                    audio_out[a.index] = ("aac", ast, None)

            to_yuv = {"format": plan.pix_fmt}
            if plan.matrix != "rgb":
                to_yuv.update(src_colorspace=_SWS_BY_NAME[plan.matrix], dst_colorspace=_SWS_BY_NAME[plan.matrix],
                              src_color_range="JPEG", dst_color_range="MPEG")
            in_fmt = rgb_format(plan.work_depth)
            state = {"last_pts": None, "deltas": set(), "audio_packets": 0, "frames": 0}

            def encode(rgb: np.ndarray, pts: int) -> None:
                frame = av.VideoFrame.from_ndarray(rgb, format=in_fmt).reformat(**to_yuv)
                frame.pts = pts
                frame.time_base = info.time_base
                for packet in vs.encode(frame):
                    out.mux(packet)
                state["frames"] += 1
                if on_frame is not None:
                    on_frame(state["frames"])

            def next_pts(pts: int | None, index: int) -> int:
                if pts is None:
                    pts = int(round((info.start_time + index / float(info.fps)) / info.time_base))
                last = state["last_pts"]
                if last is not None:
                    state["deltas"].add(pts - last)
                    if pts <= last:
                        pts = last + 1
                state["last_pts"] = pts
                return pts

            def mux_audio(packet, how: str, ast) -> None:
                if how == "copy":
                    packet.stream = ast
                    out.mux(packet)
                else:
                    try:
                        for af in packet.decode():
                            af.pts = None
                            for p in ast.encode(af):
                                out.mux(p)
                    except av.error.FFmpegError as exc:
                        raise NcstError(f"{input_path}: audio is corrupt ({_reason(exc)})") from None
                state["audio_packets"] += 1

            worker = _Pipeline() if pipeline else None

            def run(job: Callable[[], None]) -> None:
                if worker is not None:
                    worker.put(job)
                else:
                    job()

            try:
                for packet in dec.packets(*[in_audio[i] for i in audio_out]):
                    if packet.stream.type == "audio":
                        if packet.dts is None and packet.size == 0:
                            continue
                        how, ast, _ = audio_out[packet.stream.index]
                        run(lambda packet=packet, how=how, ast=ast: mux_audio(packet, how, ast))
                        continue
                    for frame in dec.decode_packet(packet):
                        i, _t, pts, frame = dec.stamp(frame)
                        pts = next_pts(pts, i)
                        rgb = conv(frame)
                        run(lambda rgb=rgb, pts=pts: encode(process(rgb), pts))
                dec.check_complete()
                if worker is not None:
                    worker.finish()
                    worker = None
                for packet in vs.encode(None):
                    out.mux(packet)
                for how, ast, _ in audio_out.values():
                    if how != "copy":
                        for p in ast.encode(None):
                            out.mux(p)
            except av.error.FFmpegError as exc:
                raise NcstError(f"{output_path}: encoding failed at frame {state['frames']} "
                                f"({_reason(exc)})") from None
            finally:
                if worker is not None:
                    worker.abort()
    vfr = len(state["deltas"]) > 1 and (max(state["deltas"]) - min(state["deltas"])) > 1
    return TranscodeResult(frames=state["frames"], audio_packets=state["audio_packets"],
                           seconds=_time.perf_counter() - t0, vfr_seen=vfr, plan=plan)


class _Pipeline:
    """Run jobs (grade + encode of a frame, muxing of an audio packet) in order in one worker thread.

    The main thread keeps demuxing, decoding and converting (these release the GIL) while the worker
    grades, encodes and muxes, so the stages overlap on several cores; all muxing happens in the
    worker, in arrival order. The queue bound keeps memory constant. A worker error surfaces in the
    main thread at the next ``put`` or at ``finish``.
    """

    def __init__(self, depth: int = 3):
        self.q: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ncst-render", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.q.get()
            if job is None:
                return
            if self.error is not None:
                continue
            try:
                job()
            except BaseException as exc:  # handed to the main thread
                self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            err, self.error = self.error, None
            raise err

    def put(self, job: Callable[[], None]) -> None:
        self._raise()
        while True:
            try:
                self.q.put(job, timeout=0.5)
                return
            except queue.Full:
                self._raise()
                if not self.thread.is_alive():
                    raise RuntimeError("render thread stopped") from None

    def finish(self) -> None:
        self.q.put(None)
        self.thread.join()
        self._raise()

    def abort(self) -> None:
        self.error = self.error or RuntimeError("aborted")
        try:
            while True:
                self.q.get_nowait()
        except queue.Empty:
            pass
        self.q.put(None)
        self.thread.join(timeout=30)
