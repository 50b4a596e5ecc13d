"""Where the network runs: ``--device auto|cpu|cuda|mps`` and mixed precision on CUDA.

``auto`` picks CUDA, then Apple's MPS, then the CPU. Asking for a device this machine lacks is a
one-line NcstError rather than torch's multi-line RuntimeError deep inside the first ``.to()``.
"""

from __future__ import annotations

import contextlib

import torch

from ncst_bridge.errors import NcstError

DEVICES = ("auto", "cpu", "cuda", "mps")
AMP_MODES = ("auto", "off", "bf16", "fp16")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """``auto|cpu|cuda|cuda:N|mps`` -> a usable torch.device (auto: CUDA, then MPS, then CPU)."""
    if isinstance(name, torch.device):
        name = str(name)
    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "no CUDA support"
            raise NcstError(
                f"--device {name}: no CUDA device available (torch {torch.__version__}, "
                f"{build}); use --device cpu or auto"
            )
        dev = torch.device(name)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise NcstError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s)")
        return dev
    if name == "mps":
        if not _mps_available():
            raise NcstError("--device mps: Apple MPS is not available here; use --device cpu or auto")
        return torch.device("mps")
    raise NcstError(f"--device {name}: unknown device (choose from {', '.join(DEVICES)})")


def amp_dtype(device: torch.device, mode: str = "auto") -> torch.dtype | None:
    """The autocast dtype for the network on ``device``: bf16 (or fp16) on CUDA, None elsewhere.

    Only the network's forward runs in reduced precision; the grade f_P and the losses (sorting,
    logs, Lab cube roots) stay in float32, where fp16 would lose the small colour differences.
    """
    if mode not in AMP_MODES:
        raise NcstError(f"--amp {mode}: choose from {', '.join(AMP_MODES)}")
    if device.type != "cuda" or mode == "off":
        return None
    if mode == "bf16" or (mode == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


def autocast(device: torch.device, dtype: torch.dtype | None):
    """An autocast context for ``dtype`` on ``device``, or a no-op when dtype is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def grad_scaler(device: torch.device, dtype: torch.dtype | None):
    """A GradScaler for fp16 (bf16 and float32 need none); disabled scalers are pass-through."""
    return torch.amp.GradScaler(device.type, enabled=(dtype == torch.float16))
