"""The match pipeline: inputs -> keyframes -> (registration) -> solver -> GradeParams.

Pure computation, no files written here: ``ncst match`` (commands/match.py) reads the inputs,
calls :func:`match_frames` and writes the look bundle. torch is imported only by the branches that
use it (registration's pixel pairs and the direct, neural and prior solvers), so a match whose
reference shows other content runs without it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.match.correspond import PixelPairs, features, register
from ncst_bridge.objective.match_loss import COLOUR_NAMES, Correspondences, LossWeights

if TYPE_CHECKING:  # torch is imported where a torch solver runs: the look fit (other content) is NumPy
    import torch

SOLVERS = ("auto", "direct", "neural", "look", "prior")
DEFAULT_ITERATIONS = {"direct": 200, "neural": 500, "look": 90, "prior": 0}
# Below this many registered pixel pairs the evidence that the reference shows this scene is weak.
STRONG_PAIRS = 500
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
    prior_path: str | None = None  # the look prior (default: the embedded one)
    look_path: str | None = None  # the look fit's noise model (default: the embedded one)
    test_time: str = "auto"  # neural, other content: auto | look | none | match-loss (match/neural.py)
    prior_scale: float | None = None  # neural + look fit: prior widths around the network (default: tuned)
    views: int | None = None  # neural: views of the reference the prediction averages over (default: tuned)


@dataclass
class MatchResult:
    params: GradeParams
    info: dict[str, Any]


def resolve_solver(solver: str, registered: bool = True) -> str:
    """``auto`` -> what the benchmarks support: the direct solver on registered (same-scene) pixel pairs
    (bench/quality_bench.py), the NCST network with its test-time look fit when the reference shows
    other content (bench/cross_content_bench.py, docs/matching-across-content.md)."""
    if solver not in SOLVERS:
        raise NcstError(f"--solver must be one of {', '.join(SOLVERS)}, got '{solver}'")
    if solver == "auto":
        return "direct" if registered else "neural"
    return solver


def content_difference(frames: list[np.ndarray], reference: np.ndarray, projections: int = 32) -> float:
    """How different the two contents are, the look factored out as far as cheaply possible: the sliced
    Wasserstein distance between the two Lab colour clouds after each is standardised per channel
    (which removes a global offset and scale: exposure, white balance, saturation). About 0 for one
    scene, 0.3-1 for other content."""
    from ncst_bridge.io.delta_e import srgb_to_lab

    def cloud(img):
        px = np.asarray(img, dtype=np.float32).reshape(-1, 3)
        px = px[np.random.default_rng(0).choice(len(px), size=min(len(px), 8192), replace=False)]
        lab = srgb_to_lab(px)
        return (lab - lab.mean(0)) / (lab.std(0) + 1e-3)

    a = cloud(np.concatenate([np.asarray(f, dtype=np.float32).reshape(-1, 3) for f in frames]))
    b = cloud(reference)
    d = np.random.default_rng(1).normal(size=(3, projections))
    d /= np.linalg.norm(d, axis=0)
    q = np.linspace(0.01, 0.99, 64)
    return float(np.sqrt(((np.quantile(a @ d, q, axis=0) - np.quantile(b @ d, q, axis=0)) ** 2).mean()))


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
    ref_features = features(reference)
    for i, f in enumerate(frames):
        pp = register(f, reference, seed=seed + i, ref_features=ref_features)
        report.append(
            None
            if pp is None
            else {
                "inliers": pp.inliers,
                "overlap": round(pp.overlap, 3),
                "pairs": int(len(pp.content)),
                "test": pp.test,
            }
        )
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
    import torch

    t = lambda a: torch.from_numpy(np.concatenate(a)).float()  # noqa: E731
    return Correspondences(t(cs), t(rs), t(ws)), report


def _content_points(frames: list[np.ndarray], per_frame: int, seed: int) -> torch.Tensor:
    """Equal numbers of pixels from each keyframe, as an (N, 3) tensor."""
    import torch

    rng = np.random.default_rng(seed)
    pts = []
    for f in frames:
        px = f.reshape(-1, 3)
        take = rng.choice(len(px), size=min(per_frame, len(px)), replace=False)
        pts.append(px[take])
    return torch.from_numpy(np.concatenate(pts)).float()


def match_frames(
    frames: list[np.ndarray],
    reference: np.ndarray,
    cfg: MatchConfig,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> MatchResult:
    """Find the parameters that make ``frames`` (content keyframes) look like ``reference``.

    Both are float RGB in [0, 1] (any size; downscaled to ``cfg.working_size`` here).
    """
    if not frames:
        raise NcstError("no content frames to match")
    resolve_solver(cfg.solver)  # a bad name fails before any work
    if cfg.iterations is not None and cfg.iterations < 1:
        raise NcstError(f"--iterations must be at least 1, got {cfg.iterations}")
    t0 = time.perf_counter()
    small = [fit_size(f, cfg.working_size) for f in frames]
    ref = fit_size(reference, cfg.working_size)
    corr: Correspondences | None = None
    reg_report: list[Any] = [None] * len(small)
    if cfg.correspond:
        corr, reg_report = _pairs(
            [fit_size(f, cfg.register_size) for f in frames], fit_size(reference, cfg.register_size), cfg.seed
        )
    t_reg = time.perf_counter() - t0
    solver = resolve_solver(cfg.solver, registered=corr is not None)
    pairs = 0 if corr is None else int(len(corr.content))
    evidence = {
        "registered": corr is not None,
        "registered_pairs": pairs,
        "inliers": sum(r["inliers"] for r in reg_report if r is not None),
        "content_difference": round(content_difference(small, ref), 3),
    }
    step = solver
    if solver == "neural" and corr is None:
        from ncst_bridge.match.neural import test_time_step

        step = {"look": "look", "none": "prior"}.get(
            test_time_step(cfg.test_time, evidence["content_difference"]), step
        )
    iterations = cfg.iterations if cfg.iterations is not None else DEFAULT_ITERATIONS[step]  # prior: none run
    evidence["weak"] = pairs < STRONG_PAIRS
    info: dict[str, Any] = {
        "solver": solver,
        "iterations": iterations,
        "evidence": evidence,
        "registration": {"keyframes_registered": sum(r is not None for r in reg_report), "per_keyframe": reg_report},
        "timings": {"registration_s": round(t_reg, 3)},
    }
    t1 = time.perf_counter()
    if solver != "look":
        import torch

        torch.manual_seed(cfg.seed)
    if solver == "look":
        from ncst_bridge.match.look_fit import load as load_look

        model = load_look(cfg.look_path)
        params, fit_info = model.fit(small, ref, cfg.seed, iterations)
        info.update({"device": "cpu", "look_fit": fit_info})
    elif solver == "prior":
        from ncst_bridge.match.look_prior import load

        prior = load(cfg.prior_path)
        params = prior.predict(small, ref)
        info.update({"device": "cpu", "look_prior": prior.card.get("trained_on", "")})
    elif solver == "direct":
        from ncst_bridge.match.direct import fit_direct

        ref_t = torch.from_numpy(np.ascontiguousarray(ref)).permute(2, 0, 1)[None].float()
        content = _content_points(small, max(1000, 8_000 // len(small)), cfg.seed)
        fit = fit_direct(
            content,
            ref_t,
            names=cfg.names,
            iterations=iterations,
            weights=cfg.weights,
            correspondences=corr,
            seed=cfg.seed,
            should_stop=should_stop,
            progress=progress,
        )
        params = fit.params
        info.update(
            {
                "device": "cpu",
                "loss": fit.loss,
                "iterations_run": fit.iterations,
                "loss_curve": [round(v, 6) for v in fit.history[:: max(1, len(fit.history) // 50)]],
            }
        )
    else:
        from ncst_bridge.match.neural import solve_neural

        params, ninfo = solve_neural(
            small, ref, cfg, iterations, corr, should_stop, progress, evidence["content_difference"]
        )
        info.update(ninfo)
    info["timings"]["solve_s"] = round(time.perf_counter() - t1, 3)
    evidence["summary"] = evidence_summary(info)
    return MatchResult(params, info)


def evidence_summary(info: dict[str, Any]) -> str:
    """One plain sentence: what the look was read from, for report.json and the console."""
    ev, solver = info["evidence"], info["solver"]
    if ev["registered"]:
        return (
            f"the reference shows this scene: the look is measured on {ev['registered_pairs']} matched pixel pairs"
            + (" (few: check preview.png)" if ev["weak"] else "")
        )
    read = {
        "neural": "estimated by the NCST network, which learned from photos what scenes look like before "
        "a grade" + (", then refined on this clip's colour statistics" if "look_fit" in info else ""),
        "look": "inferred from colour statistics alone (a mild-grade prior)",
        "prior": "predicted by the learned look prior",
        "direct": "the reference's colour distribution copied (this also copies its scene's colours)",
    }[solver]
    return f"the reference shows another scene (content difference {ev['content_difference']:.2f}): the look is {read}"
