"""A streaming transcode that keeps audio: decode, process each RGB frame, encode, in overlapped stages."""

from __future__ import annotations

import functools
import queue
import threading
import time as _time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

import av
import av.error
import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.io.video.decode import Decoder, FrameConverter, rgb_format
from ncst_bridge.io.video.encode import EncodeOptions, EncodePlan, plan_encode, prepare_stream, to_encoder_format
from ncst_bridge.io.video.probe import (
    reason,
)


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


def transcode(
    input_path: str | Path,
    output_path: str | Path,
    process: Callable[[np.ndarray], np.ndarray],
    opts: EncodeOptions | None = None,
    *,
    plan: EncodePlan | None = None,
    on_frame: Callable[[int], None] | None = None,
    pipeline: bool = True,
    frame_process: Callable[[av.VideoFrame], av.VideoFrame] | None = None,
) -> TranscodeResult:
    """Decode ``input_path``, run ``process`` on each RGB frame, encode to ``output_path`` (a temp path).

    ``process`` gets and returns (H, W, 3) uint8 arrays when ``plan.work_depth`` is 8, uint16 when 16.
    ``frame_process``, when given, replaces it: it gets each decoded av.VideoFrame and returns the
    frame to encode, already in ``plan.pix_fmt`` (no RGB conversion either way; the caller checks
    that the formats agree).
    Audio is remuxed (or re-encoded, per the plan). With ``pipeline`` the grade runs in a worker
    thread so decoding and encoding (which release the GIL) overlap it.
    """

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
            raise NcstError(f"{output_path}: cannot write ({reason(exc)})") from None
        with out:
            vs = out.add_stream(plan.encoder, rate=info.fps)
            vs.width, vs.height, vs.pix_fmt = info.width, info.height, plan.pix_fmt
            vs.time_base = info.time_base
            vs.codec_context.time_base = info.time_base
            vs.codec_context.framerate = info.fps
            vs.options = dict(plan.options)
            if opts.threads:
                vs.codec_context.thread_count = opts.threads
            prepare_stream(vs.codec_context, plan)
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

            to_yuv = to_encoder_format(plan)
            in_fmt = rgb_format(plan.work_depth)
            state: dict[str, Any] = {"last_pts": None, "deltas": set(), "audio_packets": 0, "frames": 0}

            def encode(rgb: np.ndarray | av.VideoFrame, pts: int) -> None:
                if isinstance(rgb, av.VideoFrame):
                    frame = rgb
                else:
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
                        raise NcstError(f"{input_path}: audio is corrupt ({reason(exc)})") from None
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
                        run(functools.partial(mux_audio, packet, how, ast))
                        continue
                    for frame in dec.decode_packet(packet):
                        i, _t, pts, frame = dec.stamp(frame)
                        pts = next_pts(pts, i)
                        if frame_process is not None:
                            run(functools.partial(lambda f, t: encode(frame_process(f), t), frame, pts))
                            continue
                        rgb = conv(frame)
                        run(functools.partial(lambda r, t: encode(process(r), t), rgb, pts))
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
                raise NcstError(f"{output_path}: encoding failed at frame {state['frames']} ({reason(exc)})") from None
            finally:
                if worker is not None:
                    worker.abort()
    vfr = len(state["deltas"]) > 1 and (max(state["deltas"]) - min(state["deltas"])) > 1
    return TranscodeResult(
        frames=state["frames"],
        audio_packets=state["audio_packets"],
        seconds=_time.perf_counter() - t0,
        vfr_seen=vfr,
        plan=plan,
    )


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
        """Drop the queued jobs and wait for the worker to finish the one it is in. A Ctrl-C while
        waiting does not cut the wait short: leaving while the worker is inside the encoder (native
        code) let the interpreter exit under it (SIGABRT, "terminate called without an active
        exception") instead of exiting 130."""
        self.error = self.error or RuntimeError("aborted")
        try:
            while True:
                self.q.get_nowait()
        except queue.Empty:
            pass
        self.q.put(None)
        deadline = _time.monotonic() + 60.0
        while self.thread.is_alive() and _time.monotonic() < deadline:
            try:
                self.thread.join(timeout=0.5)
            except KeyboardInterrupt:
                continue
