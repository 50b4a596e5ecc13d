"""Streaming RGB decode: one frame at a time, converted with the stream's own matrix and range."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator

import av
import av.error
import numpy as np
from av.video.reformatter import Interpolation

from ncst_bridge.errors import NcstError
from ncst_bridge.io.video.probe import SWS_BY_NAME, VideoInfo, info_from, open_input, reason, video_stream

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
_ACCURATE_8 = Interpolation.BILINEAR.value | Interpolation.ACCURATE_RND.value | Interpolation.FULL_CHR_H_INT.value
_ACCURATE_16 = Interpolation.BILINEAR.value | Interpolation.ACCURATE_RND.value


class FrameConverter:
    """Decoded frame -> packed RGB ndarray with the stream's matrix and range (optionally resized).

    Resizing happens in YUV 4:4:4 first (area filter), then the small picture is converted to RGB
    with the accurate flags, so keyframes cost little and keep exact colours.
    """

    def __init__(self, info: VideoInfo, bit_depth: int | None = None, size: tuple[int, int] | None = None):
        depth = info.bit_depth if bit_depth is None else bit_depth
        self.fmt = rgb_format(depth)
        self.size = size
        self.kwargs = {"format": self.fmt, "interpolation": _ACCURATE_8 if depth <= 8 else _ACCURATE_16}
        if not info.is_rgb:
            self.kwargs.update(
                src_colorspace=SWS_BY_NAME[info.matrix],
                src_color_range="JPEG" if info.full_range else "MPEG",
                dst_color_range="JPEG",
            )
        self.scale = None
        if size:
            small = self.fmt if info.is_rgb else ("yuv444p" if depth <= 8 else "yuv444p16le")
            self.scale = {
                "width": size[0],
                "height": size[1],
                "format": small,
                "interpolation": Interpolation.AREA.value,
            }
            if not info.is_rgb:
                self.scale.update(
                    src_colorspace=self.kwargs["src_colorspace"], dst_colorspace=self.kwargs["src_colorspace"]
                )

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
        self.container = open_input(self.path)
        try:
            self.stream = video_stream(self.container, self.path)
            self.info = info_from(self.container, self.stream, self.path)
        except BaseException:
            self.container.close()
            raise
        if threads:
            self.stream.thread_type = "AUTO"
        self.count = 0
        self.last_time: float | None = None

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> Decoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def decode_packet(self, packet) -> list[av.VideoFrame]:
        try:
            return list(packet.decode())
        except av.error.FFmpegError as exc:
            raise self._broken(exc) from None

    def _broken(self, exc: BaseException | str) -> NcstError:
        why = exc if isinstance(exc, str) else reason(exc)
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


def iter_frames(
    path: str | Path,
    *,
    bit_depth: int | None = None,
    max_side: int | None = None,
    start_frame: int = 0,
    end_frame: int | None = None,
    check_complete: bool = True,
) -> Iterator[DecodedFrame]:
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
                raise NcstError(
                    f"{path}: end frame {end_frame} is past the clip's last frame ({dec.info.frame_count - 1})"
                )
        if dec.count <= start_frame and dec.count > 0:
            raise NcstError(f"{path}: start frame {start_frame} is past the clip's last frame ({dec.count - 1})")
        if check_complete:
            dec.check_complete()
