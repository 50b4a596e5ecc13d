"""Video in and out with PyAV: probing, streaming RGB decode, and a streaming transcode that keeps audio.

Split by job: ``probe`` (streams and colour tags, no decoding), ``decode`` (streaming RGB frames),
``encode`` (planning codec, container, pixel format and audio), ``transcode`` (decode, process,
encode in overlapped stages). This module re-exports what callers outside ``io`` use.

Everything streams: one decoded frame (plus the codecs' own small queues) is in memory at a time,
whatever the clip's length.

Colour decisions (also in docs/video.md):

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

from ncst_bridge.io.video.decode import DecodedFrame, Decoder, FrameConverter, fit_size, iter_frames, rgb_format
from ncst_bridge.io.video.encode import (
    CODECS,
    CONTAINER_BY_EXT,
    DEFAULT_CRF,
    DEFAULT_PRESET,
    PRORES_PROFILES,
    CodecSpec,
    EncodeOptions,
    EncodePlan,
    plan_encode,
    plan_for,
)
from ncst_bridge.io.video.probe import VIDEO_EXTS, AudioStreamInfo, VideoInfo, default_matrix, is_video_path, probe
from ncst_bridge.io.video.transcode import TranscodeResult, transcode

__all__ = [
    "DecodedFrame",
    "Decoder",
    "FrameConverter",
    "fit_size",
    "iter_frames",
    "rgb_format",
    "CODECS",
    "CONTAINER_BY_EXT",
    "DEFAULT_CRF",
    "DEFAULT_PRESET",
    "PRORES_PROFILES",
    "CodecSpec",
    "EncodeOptions",
    "EncodePlan",
    "plan_encode",
    "plan_for",
    "VIDEO_EXTS",
    "AudioStreamInfo",
    "VideoInfo",
    "default_matrix",
    "is_video_path",
    "probe",
    "TranscodeResult",
    "transcode",
]
