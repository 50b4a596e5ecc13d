"""The grade on the codec's own Y'CbCr planes: one 3D LUT from decoded Y'CbCr to encoded Y'CbCr.

For 8-bit limited-range 4:2:0/4:2:2/4:4:4 footage written back in the same format (the common
H.264/HEVC case), the per-frame work of the RGB path -- YUV -> RGB (swscale), the look's lattice,
RGB -> YUV (swscale) -- becomes one table lookup per pixel. The table is built once: the input's
Y'CbCr -> R'G'B' matrix (clipped to [0, 1]), the colour part of f_P (``colour_grade_numpy``, exact at
every node) and the output's R'G'B' -> Y'CbCr matrix, composed at ``YUV_LUT_SIZE``^3 nodes over the
code values and applied by OpenColorIO's CPU processor (tetrahedral, uint8 in place). The two
matrices may differ: untagged SD is read as BT.601 and written tagged BT.709.

Chroma: every pixel is graded at (Y, Cb, Cr) with the chroma planes upsampled bilinearly; the output
chroma of each chroma sample is the area mean of the graded chroma of the pixels it covers (taking the
table at the block's mean luma instead missed by 1.1 codes mean, 5.6 at p95, on hard edges). tests/test_render_yuv_lut.py pins the result against an exact float render (f_P
per pixel, exact matrices, chroma averaged): within a code on average for every plane.

Sharpness (spatial), colour management and deeper or full-range footage keep the RGB path
(``render.engines``); ``yuv_path_refusal`` says why a clip does not qualify.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from ncst_bridge.grade.numpy_grade import ParamsLike, colour_grade_numpy
from ncst_bridge.io.video.probe import TAG_BY_NAME

if TYPE_CHECKING:
    import av

YUV_LUT_SIZE = 65  # on a real 1080p frame, p99 error 0.8 (Y) / 1.8 (C) codes; 33^3: 1.5 / 2.9
# (Kr, Kb) of the Y'CbCr matrices the stream may use (ITU-T H.273)
KR_KB = {
    "bt709": (0.2126, 0.0722),
    "bt601": (0.299, 0.114),
    "smpte170m": (0.299, 0.114),
    "bt470bg": (0.299, 0.114),
    "smpte240m": (0.212, 0.087),
    "bt2020nc": (0.2627, 0.0593),
    "fcc": (0.30, 0.11),
}
# pixel format -> (chroma subsampling x, y)
SUBSAMPLING = {"yuv420p": (2, 2), "yuv422p": (2, 1), "yuv444p": (1, 1)}


def yuv_path_refusal(info, plan, sharpness: float, managed: bool) -> str | None:
    """Why a render cannot use the Y'CbCr LUT (None when it can). ``info``: VideoInfo, ``plan``:
    EncodePlan."""
    if sharpness != 1.0:
        return "sharpness is spatial (RGB path)"
    if managed:
        return "colour-managed input/output (RGB path)"
    if info.pix_fmt not in SUBSAMPLING or info.full_range:
        return f"input {info.pix_fmt}{' full range' if info.full_range else ''} (RGB path)"
    if plan.pix_fmt != info.pix_fmt or plan.bit_depth != 8:
        return f"output {plan.pix_fmt} {plan.bit_depth}-bit differs from the input (RGB path)"
    for m in (info.matrix, plan.matrix):
        if m not in KR_KB:
            return f"matrix {m} (RGB path)"
    return None


def ycbcr_matrices(matrix: str) -> tuple[np.ndarray, np.ndarray]:
    """(to_rgb, to_ycc): 3x3 matrices between R'G'B' and (Y', Cb, Cr) with Y' in [0, 1], Cb/Cr in
    [-0.5, 0.5]."""
    kr, kb = KR_KB[matrix]
    kg = 1.0 - kr - kb
    to_ycc = np.array(
        [
            [kr, kg, kb],
            [-kr / (2 * (1 - kb)), -kg / (2 * (1 - kb)), 0.5],
            [0.5, -kg / (2 * (1 - kr)), -kb / (2 * (1 - kr))],
        ]
    )
    return np.linalg.inv(to_ycc), to_ycc


def codes_to_rgb(ycc_codes: np.ndarray, matrix: str) -> np.ndarray:
    """8-bit limited-range (Y, Cb, Cr) codes (..., 3), any float, -> R'G'B' in [0, 1] (clipped)."""
    to_rgb, _ = ycbcr_matrices(matrix)
    c = np.asarray(ycc_codes, dtype=np.float64)
    ycc = np.stack([(c[..., 0] - 16.0) / 219.0, (c[..., 1] - 128.0) / 224.0, (c[..., 2] - 128.0) / 224.0], -1)
    return np.clip(ycc @ to_rgb.T, 0.0, 1.0)


def rgb_to_codes(rgb: np.ndarray, matrix: str) -> np.ndarray:
    """R'G'B' in [0, 1] (..., 3) -> 8-bit limited-range (Y, Cb, Cr) codes as floats (not rounded)."""
    _, to_ycc = ycbcr_matrices(matrix)
    ycc = np.asarray(rgb, dtype=np.float64) @ to_ycc.T
    return np.stack([16.0 + 219.0 * ycc[..., 0], 128.0 + 224.0 * ycc[..., 1], 128.0 + 224.0 * ycc[..., 2]], -1)


def yuv_table(params: ParamsLike, matrix: str, size: int = YUV_LUT_SIZE, out_matrix: str | None = None) -> np.ndarray:
    """The (size, size, size, 3) table over code/255 in (Y, Cb, Cr) of ``matrix`` -> graded code/255 in
    ``out_matrix`` (default: the same matrix), float32."""
    ax = np.linspace(0.0, 255.0, size)
    grid = np.stack(np.meshgrid(ax, ax, ax, indexing="ij"), axis=-1)
    out = rgb_to_codes(colour_grade_numpy(codes_to_rgb(grid, matrix), params), out_matrix or matrix)
    return np.clip(out / 255.0, 0.0, 1.0).astype(np.float32)


# Above this many pixels per clip the table is expanded to every code triple (2^24 entries, one OCIO
# pass of ~0.2-0.3 s CPU) and frames are graded by direct lookup (~18 ms CPU per 1080p frame instead
# of ~33 ms for OCIO per pixel, bench/results/yuv_grade.json); both give the same codes (the table is OCIO's output at every triple).
GATHER_MIN_PIXELS = 1 << 25


class YuvLutGrade:
    """Grade av.VideoFrames (8-bit limited-range planar Y'CbCr) into new frames of the same format.

    ``matrix``: the input's Y'CbCr matrix; ``out_matrix``: the output's (default: the same).
    ``mode``: "ocio" applies the table per pixel; "gather" first expands it to every code triple and
    looks codes up; "auto" picks gather when ``pixels`` (the clip's total) is at least
    GATHER_MIN_PIXELS.
    """

    def __init__(
        self,
        params: ParamsLike,
        matrix: str,
        pix_fmt: str,
        size: int = YUV_LUT_SIZE,
        mode: str = "auto",
        pixels: int | None = None,
        out_matrix: str | None = None,
    ):
        import PyOpenColorIO as OCIO

        if pix_fmt not in SUBSAMPLING:
            raise ValueError(f"unsupported pixel format {pix_fmt}")
        self.matrix, self.out_matrix, self.pix_fmt, self.size = matrix, out_matrix or matrix, pix_fmt, size
        self.sub = SUBSAMPLING[pix_fmt]
        t = OCIO.Lut3DTransform(gridSize=size)
        t.setData(np.ascontiguousarray(yuv_table(params, matrix, size, self.out_matrix)).ravel())
        t.setInterpolation(OCIO.INTERP_TETRAHEDRAL)
        cfg = OCIO.Config.CreateRaw()
        cfg.setProcessorCacheFlags(OCIO.PROCESSOR_CACHE_OFF)
        self._cpu = cfg.getProcessor(t).getOptimizedCPUProcessor(
            OCIO.BIT_DEPTH_UINT8, OCIO.BIT_DEPTH_UINT8, OCIO.OPTIMIZATION_DEFAULT
        )
        if mode == "auto":
            mode = "gather" if pixels is not None and pixels >= GATHER_MIN_PIXELS else "ocio"
        if mode not in ("ocio", "gather"):
            raise ValueError(f"mode must be auto, ocio or gather, got {mode}")
        self.mode = mode
        self._table = self._expand() if mode == "gather" else None
        self._work: tuple | None = None

    def _expand(self) -> np.ndarray:
        """The table at every (Y, Cb, Cr) code triple, flat uint32 indexed Y<<16|Cb<<8|Cr, holding the
        graded codes as bytes (Y', Cb', Cr', 0): one lookup per pixel gives all three."""
        codes = np.arange(256, dtype=np.uint8)
        every = np.zeros((256, 256, 256, 4), np.uint8)
        every[..., 0] = codes[:, None, None]
        every[..., 1] = codes[None, :, None]
        every[..., 2] = codes[None, None, :]
        image = every.reshape(4096, 4096, 4)
        for row in range(0, 4096, 64):  # one call would make OCIO take a float copy of all 2^24 pixels
            self._cpu.applyRGBA(image[row : row + 64])
        every[..., 3] = 0
        return every.reshape(-1).view(np.uint32)

    def describe(self) -> str:
        matrices = self.matrix if self.out_matrix == self.matrix else f"{self.matrix} -> {self.out_matrix}"
        return f"ocio, Y'CbCr {self.pix_fmt} {matrices} ({self.size}^3 tetrahedral, {self.mode})"

    def planes(self, y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Graded (Y, Cb, Cr) uint8 planes from decoded ones (chroma at the format's subsampling)."""
        out = (np.empty_like(y), np.empty_like(cb), np.empty_like(cr))
        self.grade_into((y, cb, cr), out)
        return out

    def grade_into(self, src: Sequence[np.ndarray], dst: Sequence[np.ndarray]) -> None:
        """Grade the decoded (Y, Cb, Cr) planes ``src`` into ``dst`` (same shapes, may be strided views).

        Every pixel is graded at (Y, Cb, Cr) with the chroma upsampled bilinearly; the output chroma
        is the area mean of the graded chroma over each chroma sample, as an exact render's is. The
        working planes are kept between frames: fresh 8 MB arrays per frame cost more in page faults
        than the lookup itself."""
        import cv2

        y, cb, cr = src
        h, w = y.shape
        ch, cw = cb.shape
        up, quad, graded, small = self._buffers(h, w, ch, cw)
        if (ch, cw) != (h, w):
            cb = cv2.resize(cb, (w, h), dst=up[0], interpolation=cv2.INTER_LINEAR)
            cr = cv2.resize(cr, (w, h), dst=up[1], interpolation=cv2.INTER_LINEAR)
        if self._table is not None:
            # little-endian bytes (Cr, Cb, Y, 0) read as uint32 are the table index Y<<16|Cb<<8|Cr
            cv2.merge([cr, cb, y, up[2]], dst=quad)
            np.take(self._table, quad.view(np.uint32).reshape(-1), out=graded.view(np.uint32).reshape(-1), mode="clip")
        else:
            cv2.merge([y, cb, cr, up[2]], dst=graded)
            self._cpu.applyRGBA(graded)
        if (ch, cw) != (h, w):
            cv2.resize(graded[: ch * (h // ch), : cw * (w // cw)], (cw, ch), dst=small, interpolation=cv2.INTER_AREA)
        else:
            small = graded
        np.copyto(dst[0], graded[..., 0])
        np.copyto(dst[1], small[..., 1])
        np.copyto(dst[2], small[..., 2])

    def _buffers(self, h: int, w: int, ch: int, cw: int) -> tuple:
        """(upsampled Cb, Cr and a zero plane; index quad; graded quad; graded chroma), kept per size."""
        if self._work is None or self._work[0] != (h, w, ch, cw):
            up = (np.empty((h, w), np.uint8), np.empty((h, w), np.uint8), np.zeros((h, w), np.uint8))
            quads = np.empty((h, w, 4), np.uint8), np.empty((h, w, 4), np.uint8)
            self._work = ((h, w, ch, cw), up, *quads, np.empty((ch, cw, 4), np.uint8))
        return self._work[1:]

    def __call__(self, frame: av.VideoFrame) -> av.VideoFrame:
        import av

        out = av.VideoFrame(frame.width, frame.height, self.pix_fmt)
        self.grade_into([_plane(frame, i) for i in range(3)], [_plane(out, i) for i in range(3)])
        out.colorspace = TAG_BY_NAME[self.out_matrix]  # the encoder's tag (io/video/encode.prepare_stream)
        out.color_range = frame.color_range
        return out


@contextmanager
def single_threaded_cv2() -> Iterator[None]:
    """OpenCV on one thread while a render runs: the decoder's and encoder's threads already keep every
    core busy, and OpenCV's workers for a 1 ms resize only add hand-offs (measured: 17.5 -> 15.8 ms CPU
    per 1080p frame)."""
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _plane(frame: av.VideoFrame, i: int) -> np.ndarray:
    """A writable (h, w) uint8 view of plane ``i`` (line padding cut off)."""
    p = frame.planes[i]
    return np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, : p.width]
