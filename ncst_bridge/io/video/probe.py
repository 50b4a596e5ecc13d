"""Probing a video with PyAV: its streams, size, rate, bit depth and colour tags (no decoding)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error

from ncst_bridge.errors import NcstError
from ncst_bridge.io.limits import check_pixels

# --- colour tags -------------------------------------------------------------------------------

# AVColorSpace values (libavutil/pixfmt.h) -> (swscale matrix name, short name)
_MATRIX_BY_TAG = {
    1: ("ITU709", "bt709"),
    4: ("FCC", "fcc"),
    5: ("ITU601", "bt470bg"),
    6: ("ITU601", "smpte170m"),
    7: ("SMPTE240M", "smpte240m"),
    9: ("BT2020", "bt2020nc"),
}
SWS_BY_NAME = {
    "bt709": "ITU709",
    "bt601": "ITU601",
    "bt470bg": "ITU601",
    "smpte170m": "ITU601",
    "smpte240m": "SMPTE240M",
    "bt2020nc": "BT2020",
    "fcc": "FCC",
}
TAG_BY_NAME = {"bt709": 1, "fcc": 4, "bt470bg": 5, "bt601": 6, "smpte170m": 6, "smpte240m": 7, "bt2020nc": 9}
AVCOL_SPC_RGB, AVCOL_UNSPECIFIED, AVCOL_BT709 = 0, 2, 1
AVCOL_RANGE_MPEG, AVCOL_RANGE_JPEG = 1, 2

VIDEO_EXTS = {
    ".mp4",
    ".m4v",
    ".mov",
    ".mkv",
    ".avi",
    ".webm",
    ".mts",
    ".m2ts",
    ".ts",
    ".mxf",
    ".mpg",
    ".mpeg",
    ".wmv",
    ".flv",
    ".3gp",
    ".ogv",
    ".y4m",
}


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


def open_input(path: str | Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise NcstError(f"{path}: no such file")
    if path.is_dir():
        raise NcstError(f"{path}: is a folder, expected a video")
    try:
        return av.open(str(path), mode="r")
    except av.error.EOFError:
        raise NcstError(f"{path}: not a readable video (it ends before its first frame: empty or truncated)") from None
    except av.error.FFmpegError as exc:
        raise NcstError(f"{path}: not a readable video ({reason(exc)})") from None
    except (OSError, ValueError) as exc:
        raise NcstError(f"{path}: cannot open ({exc})") from None


def reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return (str(text).splitlines() or [""])[0][:160]


def video_stream(container, path) -> av.video.stream.VideoStream:
    streams = [s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)]
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


def info_from(container, stream, path) -> VideoInfo:
    cc = stream.codec_context
    if not cc.width or not cc.height:
        raise NcstError(f"{path}: video stream has no picture size (unsupported or corrupt codec data)")
    check_pixels(cc.width, cc.height, path)  # from the header, before any frame is decoded
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
    audio = tuple(
        AudioStreamInfo(
            s.index,
            s.codec_context.name if s.codec_context else "unknown",
            int(s.rate or 0),
            int(getattr(s.codec_context, "channels", 0) or 0),
        )
        for s in container.streams.audio
    )
    others = tuple(f"#{s.index} {s.type}" for s in container.streams if s.type not in ("video", "audio"))
    return VideoInfo(
        path=str(path),
        container=container.format.name,
        codec=cc.name,
        width=cc.width,
        height=cc.height,
        fps=Fraction(avg),
        frame_count=int(stream.frames) or None,
        duration=duration,
        time_base=Fraction(tb),
        start_time=start,
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(pix_fmt),
        matrix=matrix,
        matrix_tagged=tagged,
        full_range=full,
        color_primaries=int(cc.color_primaries or AVCOL_UNSPECIFIED),
        color_trc=int(cc.color_trc or AVCOL_UNSPECIFIED),
        variable_frame_rate=vfr,
        audio=audio,
        other_streams=others,
    )


def probe(path: str | Path) -> VideoInfo:
    """Read a clip's headers; one-line NcstError if it is not a usable video."""
    with open_input(path) as container:
        return info_from(container, video_stream(container, path), path)
