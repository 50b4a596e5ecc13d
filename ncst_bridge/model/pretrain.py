"""Pretraining the NCST network on an image folder, single process or DDP under ``torchrun``.

Objectives (pairs come from data.py):

* ``known-look`` (default): content A and style L(B) are two crops of one image, L a random known
  look, the target L(A). Loss = ``sup_weight`` x robust Lab distance between f_P(A) and L(A)
  (losses.correspondence_loss: the test-time correspondence term with perfect correspondences)
  + ``style_weight`` x objective.match_loss.match_loss(f_P(A), L(B)) (the unsupervised test-time objective).
  Why: a distribution matcher cannot tell a look from the content's own colours (a blue sky is not
  a blue grade, and two crops of one scene differ in content); a network that has seen many
  same-scene pairs with random KNOWN looks learns that difference, which is the prior test-time
  fine-tuning then adapts to the clip. The unsupervised term is kept small: it is biased whenever
  the two crops show different content.
* ``paper``: content and style from different images; loss = match_loss (histogram KL eq. 3-5,
  Lab moments, sliced Wasserstein) + with vgg19 the VGG style (eq. 1) and content (eq. 2) losses.

Paper defaults: Adam, lr 1e-4, batch 6, 256x256, 20 000 iterations. Multi-GPU / multi-node: run
under ``torchrun``; WORLD_SIZE/RANK/LOCAL_RANK select DistributedDataParallel with NCCL on CUDA and
gloo on the CPU. Each rank draws its own samples (batch is per process); rank 0 writes checkpoints.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.distributed as dist

from ncst_bridge import __version__
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.io.atomic import atomic_dir, atomic_file, check_new_output
from ncst_bridge.objective.match_loss import COLOUR_NAMES, LossWeights, match_loss
from ncst_bridge.model import checkpoint as ckpt
from ncst_bridge.objective import losses
from ncst_bridge.model.data import OBJECTIVES, PairDataset, SampleStream, list_images
from ncst_bridge.model.device import amp_dtype, autocast, grad_scaler, resolve_device
from ncst_bridge.model.encoders import ENCODERS, build_encoder
from ncst_bridge.model.network import NCSTNet, default_width
from ncst_bridge.model.vgg_losses import vgg_content_loss, vgg_style_loss


@dataclass
class PretrainConfig:
    images: str
    out: str | None = None
    resume: str | None = None
    encoder: str = "colour-stats"
    vgg_weights: str | None = None
    objective: str = "known-look"
    iterations: int = 20000
    batch: int = 6
    lr: float = 1e-4
    size: int = 256
    seed: int = 0
    device: str = "auto"
    amp: str = "auto"
    workers: int = 0
    save_every: int = 1000
    log_every: int = 50
    names: Sequence[str] = COLOUR_NAMES
    width: int | None = None
    hidden: int = 256
    look_strength: float = 1.0
    luts: str | None = None  # across-content: a folder of creative .cube LUTs among the looks
    sup_weight: float = 20.0
    style_weight: float = 0.1
    vgg_style_weight: float = 1.0
    vgg_content_weight: float = 1.0
    clip_grad: float = 0.0
    style_side: int = 32
    threads: int = 0
    export: str | None = None
    force: bool = False
    progress: bool = True
    command_line: str | None = None
    # the paper's histogram KL (eq. 3-5) stays in the pretraining loss, as the paper has it
    loss_weights: LossWeights = field(default_factory=lambda: LossWeights(hist=0.02))


def versions() -> dict[str, str]:
    import torchvision

    return {
        "ncst_bridge": __version__,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _dist_env() -> tuple[int, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return world, int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))


def _check(cfg: PretrainConfig) -> None:
    """Every user error before any output or heavy work."""
    if cfg.encoder not in ENCODERS:
        raise NcstError(f"--encoder {cfg.encoder}: choose from {', '.join(ENCODERS)}")
    if cfg.objective not in OBJECTIVES:
        raise NcstError(f"--objective {cfg.objective}: choose from {', '.join(OBJECTIVES)}")
    for name, val, lo in (
        ("--iterations", cfg.iterations, 1),
        ("--batch", cfg.batch, 1),
        ("--size", cfg.size, 32),
        ("--save-every", cfg.save_every, 1),
        ("--log-every", cfg.log_every, 1),
        ("--workers", cfg.workers, 0),
    ):
        if val < lo:
            raise NcstError(f"{name} must be at least {lo} (got {val})")
    if not (cfg.lr > 0 and math.isfinite(cfg.lr)):
        raise NcstError(f"--lr must be a positive number (got {cfg.lr})")
    if not (0.0 <= cfg.look_strength <= 1.0):
        raise NcstError(f"--look-strength must lie in 0..1 (got {cfg.look_strength})")
    if cfg.luts is not None and not Path(cfg.luts).is_dir():
        raise NcstError(f"--luts {cfg.luts}: no such folder (a folder of .cube LUTs)")
    if cfg.luts is not None and cfg.objective != "across-content":
        raise NcstError("--luts is for --objective across-content (its looks); the other objectives use parameters")
    if cfg.out is None and cfg.resume is None:
        raise NcstError("--out DIR is required (or --resume DIR to continue a checkpoint in place)")


def _model_for(cfg: PretrainConfig, random_vgg_for_tests: bool) -> NCSTNet:
    encoder = build_encoder(cfg.encoder, vgg_weights=cfg.vgg_weights, random_weights_for_tests=random_vgg_for_tests)
    width = cfg.width or default_width(cfg.encoder)
    return NCSTNet(encoder, names=cfg.names, width=width, hidden=cfg.hidden, input_size=cfg.size)


def _loss(cfg: PretrainConfig, model: NCSTNet, z: torch.Tensor, batch: dict) -> tuple[torch.Tensor, dict]:
    content, style = batch["content"], batch["style"]
    out = colour_grade(content, model.values(z))
    parts = {}
    # The colour-distribution terms see every k-th pixel (about style_side^2 points per image): a
    # distribution needs no more, and it keeps the sort-based sliced Wasserstein cheap on a CPU.
    k = max(1, round(min(out.shape[-2:]) / cfg.style_side))
    out_s, style_s = out[..., ::k, ::k], style[..., ::k, ::k]
    style_terms = (
        []
        if cfg.objective == "across-content"
        else [match_loss(out_s[i : i + 1], style_s[i : i + 1], cfg.loss_weights) for i in range(out.shape[0])]
    )
    if cfg.objective == "across-content":  # other content: the distribution terms are biased, not used
        parts["supervised"] = losses.correspondence_loss(losses.as_points(out), losses.as_points(batch["target"]))
        return cfg.sup_weight * parts["supervised"], {name: float(v.detach()) for name, v in parts.items()}
    parts["style"] = torch.stack(style_terms).mean()
    if cfg.objective == "known-look":
        parts["supervised"] = losses.correspondence_loss(losses.as_points(out), losses.as_points(batch["target"]))
        total = cfg.sup_weight * parts["supervised"] + cfg.style_weight * parts["style"]
    else:
        total = parts["style"]
        if model.encoder.name == "vgg19":
            parts["vgg_style"] = vgg_style_loss(model.encoder, out, style)
            parts["vgg_content"] = vgg_content_loss(model.encoder, out, content)
            total = total + cfg.vgg_style_weight * parts["vgg_style"] + cfg.vgg_content_weight * parts["vgg_content"]
    return total, {name: float(v.detach()) for name, v in parts.items()}


def _card(
    cfg: PretrainConfig,
    model: NCSTNet,
    n_images: int,
    it: int,
    curve: list,
    seconds: float,
    world: int,
    device: torch.device,
    amp: torch.dtype | None,
    extra: dict,
) -> dict:
    weights = (
        {"sup_weight": cfg.sup_weight, "style_weight": cfg.style_weight, "match_loss": asdict(cfg.loss_weights)}
        if cfg.objective == "known-look"
        else {"sup_weight": cfg.sup_weight}
        if cfg.objective == "across-content"
        else {
            "match_loss": asdict(cfg.loss_weights),
            "vgg_style_weight": cfg.vgg_style_weight,
            "vgg_content_weight": cfg.vgg_content_weight,
        }
    )
    weights["match_loss_points_side"] = cfg.style_side
    return {
        "format": ckpt.CARD_FORMAT,
        "model": model.config(),
        "encoder": model.encoder.name,
        "names": list(model.names),
        "parameters_learned": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "objective": cfg.objective,
        "loss_weights": weights,
        "data": {"folder": str(Path(cfg.images).resolve()), "images": n_images, "search": "recursive"},
        "training": {
            "iterations_done": it,
            "iterations_target": cfg.iterations,
            "batch_per_process": cfg.batch,
            "world_size": world,
            "effective_batch": cfg.batch * world,
            "size": cfg.size,
            "optimizer": "Adam",
            "lr": cfg.lr,
            "clip_grad": cfg.clip_grad,
            "seed": cfg.seed,
            "look_strength": cfg.look_strength,
            "device": str(device),
            "amp": str(amp).replace("torch.", "") if amp else "off",
            "seconds": round(seconds, 1),
            "seconds_per_iteration": round(seconds / max(1, it), 4),
        },
        "loss_curve": curve,
        "command_line": cfg.command_line,
        "versions": versions(),
        "written": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        **{k: v for k, v in extra.items() if k != "first_iteration"},
    }


def _is_checkpoint(path: Path) -> bool:
    """A folder pretraining wrote (its model card is there): the only kind --force replaces."""
    return (path / ckpt.CARD_FILE).is_file()


def _save(out: Path, model: NCSTNet, opt: torch.optim.Optimizer, card: dict, training: dict) -> None:
    """Write the checkpoint folder as one unit (temp folder, then rename over the old one)."""
    with atomic_dir(out, force=True, ours=_is_checkpoint, what="checkpoint folder") as tmp:
        ckpt.write_model_file(tmp / ckpt.MODEL_FILE, model)
        ckpt.write_optimizer_file(tmp / ckpt.OPTIM_FILE, opt, training)
        card = dict(
            card,
            files={
                "model": ckpt.MODEL_FILE,
                "model_sha256": ckpt.sha256_file(tmp / ckpt.MODEL_FILE),
                "optimizer": ckpt.OPTIM_FILE,
            },
        )
        (tmp / ckpt.CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def export_model(path: str | Path, model: NCSTNet, card: dict, force: bool = True) -> None:
    """One self-contained model file plus its card beside it (``x.safetensors`` + ``x.json``)."""
    path = Path(path)
    if path.suffix != ".safetensors":
        raise NcstError(f"--export {path}: the file name must end in .safetensors")
    with atomic_file(path, force=force) as tmp:
        ckpt.write_model_file(tmp, model)
        sha = ckpt.sha256_file(tmp)
    card = dict(card, files={"model": path.name, "model_sha256": sha})
    with atomic_file(path.with_suffix(".json"), force=force) as tmp:
        tmp.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def pretrain(
    cfg: PretrainConfig, *, callback: Callable[[int, float], None] | None = None, random_vgg_for_tests: bool = False
) -> dict:
    """Train (or resume) the network; returns the final model card. Rank 0 writes ``cfg.out``."""
    _check(cfg)
    world, rank, local_rank = _dist_env()
    resume = cfg.resume or ""  # the checkpoint folder wherever `resuming` is true
    out = Path(cfg.out or resume)
    files = list_images(cfg.images)
    resuming = cfg.resume is not None
    if resuming:
        state, config = ckpt.read_model_file(resume)
        opt_state, training = ckpt.read_optimizer_file(Path(resume) / ckpt.OPTIM_FILE)
        if config["encoder"]["name"] != cfg.encoder:
            raise NcstError(
                f"--resume {cfg.resume}: checkpoint uses the {config['encoder']['name']} encoder, "
                f"not {cfg.encoder} (pass --encoder {config['encoder']['name']})"
            )
        if training.get("objective", cfg.objective) != cfg.objective:
            raise NcstError(
                f"--resume {cfg.resume}: checkpoint was trained with --objective "
                f"{training['objective']}, not {cfg.objective}"
            )
        if out.resolve() != Path(resume).resolve() and rank == 0:
            check_new_output(out, cfg.force, is_dir=True, ours=_is_checkpoint, what="checkpoint folder")
    elif rank == 0:
        check_new_output(out, cfg.force, is_dir=True, ours=_is_checkpoint, what="checkpoint folder")
    if cfg.export and rank == 0:
        check_new_output(Path(cfg.export), cfg.force)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)

    if world > 1 and not dist.is_initialized():
        want_cuda = cfg.device in ("auto", "cuda") and torch.cuda.is_available()
        dist.init_process_group(backend="nccl" if want_cuda else "gloo")
    try:
        return _train(cfg, files, out, world, rank, local_rank, resuming, callback, random_vgg_for_tests)
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def _train(cfg, files, out, world, rank, local_rank, resuming, callback, random_vgg_for_tests) -> dict:
    from tqdm import tqdm

    device = resolve_device(cfg.device)
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    torch.manual_seed(cfg.seed)
    extra: dict = {"first_iteration": 0, "resumed_from": []}
    if resuming:
        state, config = ckpt.read_model_file(cfg.resume)
        model = ckpt.build_model(config, vgg_weights=cfg.vgg_weights, random_weights_for_tests=random_vgg_for_tests)
        model.load_state_dict(state, strict=False)
        cfg.names = tuple(config["names"])
        cfg.size = config["input_size"]
    else:
        model = _model_for(cfg, random_vgg_for_tests)
    model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    start, curve, seconds_before = 0, [], 0.0
    if resuming:
        opt_state, training = ckpt.read_optimizer_file(Path(cfg.resume) / ckpt.OPTIM_FILE)
        opt.load_state_dict(opt_state)
        for group in opt.param_groups:
            group["lr"] = cfg.lr
        start = int(training["iteration"])
        curve = list(training.get("loss_curve", []))
        seconds_before = float(training.get("seconds", 0.0))
        extra["resumed_from"] = list(training.get("resumed_from", [])) + [start]
        extra["first_iteration"] = start
        if start >= cfg.iterations:
            raise NcstError(f"--resume {cfg.resume}: already at iteration {start}; ask for more with --iterations")
    train_model: torch.nn.Module = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        train_model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    amp = amp_dtype(device, cfg.amp)
    scaler = grad_scaler(device, amp)
    luts = []
    if cfg.luts:
        from ncst_bridge.model.looks import load_luts

        luts = load_luts(cfg.luts)
        if not luts:
            raise NcstError(f"--luts {cfg.luts}: no readable .cube LUTs in that folder")
        extra["luts"] = {"folder": str(Path(cfg.luts).resolve()), "count": len(luts)}
    ds = PairDataset(files, cfg.objective, cfg.size, cfg.seed, cfg.names, cfg.look_strength, luts=luts)
    loader = torch.utils.data.DataLoader(
        ds,
        batch_size=cfg.batch,
        num_workers=cfg.workers,
        sampler=SampleStream(start, cfg.iterations, cfg.batch, rank, world),
        pin_memory=device.type == "cuda",
        drop_last=False,
    )
    bar = tqdm(
        total=cfg.iterations,
        initial=start,
        desc="pretrain",
        unit="it",
        dynamic_ncols=True,
        disable=not (cfg.progress and rank == 0),
        mininterval=1.0 if sys.stderr.isatty() else 30.0,
    )
    window: dict[str, list[float]] = {}
    t0 = time.perf_counter()

    def training_state(done: int) -> dict:
        return {
            "iteration": done,
            "loss_curve": curve,
            "objective": cfg.objective,
            "seconds": seconds_before + time.perf_counter() - t0,
            "resumed_from": extra["resumed_from"],
        }

    def save(done: int, final: bool = False) -> dict:
        card = _card(
            cfg, model, len(files), done, curve, seconds_before + time.perf_counter() - t0, world, device, amp, extra
        )
        if rank == 0:
            _save(out, model, opt, card, training_state(done))
            if final and cfg.export:
                export_model(cfg.export, model, card, force=True)
        return card

    card = None
    completed = start
    try:
        model.train()
        for it, batch in enumerate(loader, start=start):
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with autocast(device, amp):
                z = train_model(batch["content"], batch["style"])
            loss, parts = _loss(cfg, model, z.float(), batch)
            if not torch.isfinite(loss):
                raise NcstError(
                    f"pretraining diverged at iteration {it + 1} (loss {float(loss)}); "
                    f"lower --lr or resume from the last checkpoint"
                )
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if cfg.clip_grad > 0:
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(params, cfg.clip_grad)
            scaler.step(opt)
            scaler.update()
            lv = float(loss.detach())
            completed = it + 1
            for k, v in {"loss": lv, **parts}.items():
                window.setdefault(k, []).append(v)
            done = it + 1
            if done % cfg.log_every == 0 or done == cfg.iterations:
                means = {k: float(np.mean(v)) for k, v in window.items()}
                if world > 1:
                    t = torch.tensor(list(means.values()), dtype=torch.float64, device=device)
                    dist.all_reduce(t)
                    means = dict(zip(means, (t / world).tolist()))
                curve.append({"iteration": done, **{k: round(v, 6) for k, v in means.items()}})
                window = {}
            bar.set_postfix(loss=f"{lv:.4f}", refresh=False)
            bar.update(1)
            if callback:
                callback(done, lv)
            if done % cfg.save_every == 0 and done != cfg.iterations:
                save(done)
        extra["ranks_in_sync"] = _ranks_in_sync(model, world, device)
        card = save(cfg.iterations, final=True)
    except KeyboardInterrupt:
        bar.close()
        if rank == 0 and completed > start:
            save(completed)
            print(
                f"ncst: interrupted at iteration {completed}; checkpoint saved to {out} (continue with --resume {out})",
                file=sys.stderr,
            )
        raise
    finally:
        bar.close()
    if ds.bad and rank == 0:
        print(f"note: {len(ds.bad)} unreadable image(s) skipped, e.g. {files[min(ds.bad)]}", file=sys.stderr)
    return card


def _ranks_in_sync(model: NCSTNet, world: int, device: torch.device) -> bool | None:
    """After DDP training every rank must hold the same weights: compare a checksum across ranks."""
    if world <= 1:
        return None
    with torch.no_grad():
        s = torch.stack([p.double().sum() for p in model.parameters() if p.requires_grad]).sum()
        s = s.reshape(1).to(device)
        gathered = [torch.zeros_like(s) for _ in range(world)]
        dist.all_gather(gathered, s)
    return bool(all(torch.allclose(g, gathered[0], rtol=0, atol=1e-9) for g in gathered))
