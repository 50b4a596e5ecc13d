"""The match pipeline: inputs -> keyframes -> (registration) -> solver -> GradeParams.

Pure computation, no files written here: ``ncst match`` (commands/match.py) reads the inputs,
calls :func:`match_frames` and writes the look bundle.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Sequence

import cv2
import numpy as np
import torch

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.match.correspond import PixelPairs, register
from ncst_bridge.match.direct import fit_direct
from ncst_bridge.objective.match_loss import COLOUR_NAMES, Correspondences, LossWeights

SOLVERS = ("auto", "direct", "neural")
DEFAULT_ITERATIONS = {"direct": 200, "neural": 500}
MAX_CORR_PAIRS = 10_000


@dataclass
class MatchConfig:
    solver: str = "auto"
    device: str = "auto"
    iterations: int | None = None
    seed: int = 0
    working_size: int = 256  # long side of keyframes and reference inside the solver
    register_size: int = 384  # long side for registration (more features survive than at 256)
    names: Sequence[str] = COLOUR_NAMES
    correspond: bool = True  # register same-scene keyframes with the reference
    weights: LossWeights = field(default_factory=LossWeights)
    model_path: str | None = None  # neural solver checkpoint (default: the embedded model)
    encoder: str | None = None  # neural: the encoder the checkpoint must have (colour-stats | vgg19)
    vgg_weights: str | None = None  # neural with vgg19: ImageNet VGG-19 weights file


@dataclass
class MatchResult:
    params: GradeParams
    info: dict[str, Any]


def resolve_solver(solver: str) -> str:
    """``auto`` -> the default the quality benchmark supports (docs/quality.md)."""
    if solver not in SOLVERS:
        raise NcstError(f"--solver must be one of {', '.join(SOLVERS)}, got '{solver}'")
    return "direct" if solver == "auto" else solver


def fit_size(img: np.ndarray, long_side: int) -> np.ndarray:
    """Downscale (area filter) so the long side is at most ``long_side``; float32 RGB."""
    img = np.asarray(img, dtype=np.float32)
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    if s >= 1.0:
        return img
    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _pairs(frames: list[np.ndarray], reference: np.ndarray, seed: int) -> tuple[Correspondences | None, list]:
    found: list[PixelPairs] = []
    report = []
    for i, f in enumerate(frames):
        pp = register(f, reference, seed=seed + i)
        report.append(None if pp is None else {"inliers": pp.inliers, "overlap": round(pp.overlap, 3),
                                               "pairs": int(len(pp.content))})
        if pp is not None:
            found.append(pp)
    if not found:
        return None, report
    per = max(1, MAX_CORR_PAIRS // len(found))
    rng = np.random.default_rng(seed)
    cs, rs, ws = [], [], []
    for pp in found:
        take = rng.choice(len(pp.content), size=min(per, len(pp.content)), replace=False)
        cs.append(pp.content[take])
        rs.append(pp.reference[take])
        ws.append(pp.weights[take])
    t = lambda a: torch.from_numpy(np.concatenate(a)).float()  # noqa: E731
    return Correspondences(t(cs), t(rs), t(ws)), report


def _content_points(frames: list[np.ndarray], per_frame: int, seed: int) -> torch.Tensor:
    """Equal numbers of pixels from each keyframe, as an (N, 3) tensor."""
    rng = np.random.default_rng(seed)
    pts = []
    for f in frames:
        px = f.reshape(-1, 3)
        take = rng.choice(len(px), size=min(per_frame, len(px)), replace=False)
        pts.append(px[take])
    return torch.from_numpy(np.concatenate(pts)).float()


def match_frames(frames: list[np.ndarray], reference: np.ndarray, cfg: MatchConfig,
                 should_stop: Callable[[], bool] | None = None,
                 progress: Callable[[int, float], None] | None = None) -> MatchResult:
    """Find the parameters that make ``frames`` (content keyframes) look like ``reference``.

    Both are float RGB in [0, 1] (any size; downscaled to ``cfg.working_size`` here).
    """
    if not frames:
        raise NcstError("no content frames to match")
    solver = resolve_solver(cfg.solver)
    iterations = cfg.iterations if cfg.iterations is not None else DEFAULT_ITERATIONS[solver]
    if iterations < 1:
        raise NcstError(f"--iterations must be at least 1, got {iterations}")
    torch.manual_seed(cfg.seed)
    t0 = time.perf_counter()
    small = [fit_size(f, cfg.working_size) for f in frames]
    ref = fit_size(reference, cfg.working_size)
    corr, reg_report = (None, [None] * len(small))
    if cfg.correspond:
        corr, reg_report = _pairs([fit_size(f, cfg.register_size) for f in frames],
                                  fit_size(reference, cfg.register_size), cfg.seed)
    t_reg = time.perf_counter() - t0
    info: dict[str, Any] = {"solver": solver, "iterations": iterations,
                            "registration": {"keyframes_registered": sum(r is not None for r in reg_report),
                                             "per_keyframe": reg_report},
                            "timings": {"registration_s": round(t_reg, 3)}}
    ref_t = torch.from_numpy(np.ascontiguousarray(ref)).permute(2, 0, 1)[None].float()
    t1 = time.perf_counter()
    if solver == "direct":
        content = _content_points(small, max(1000, 8_000 // len(small)), cfg.seed)
        fit = fit_direct(content, ref_t, names=cfg.names, iterations=iterations, weights=cfg.weights,
                         correspondences=corr, seed=cfg.seed, should_stop=should_stop, progress=progress)
        params = fit.params
        info.update({"device": "cpu", "loss": fit.loss, "iterations_run": fit.iterations,
                     "loss_curve": [round(v, 6) for v in fit.history[:: max(1, len(fit.history) // 50)]]})
    else:
        from ncst_bridge.match.neural import solve_neural

        params, ninfo = solve_neural(small, ref, cfg, iterations, corr, should_stop, progress)
        info.update(ninfo)
    info["timings"]["solve_s"] = round(time.perf_counter() - t1, 3)
    return MatchResult(params, info)
