"""3D LUT application in torch (trilinear and tetrahedral), for the CUDA render engine.

Plain functions on batch-first tensors, like kornia's: they run on any device, so the CPU tests pin
the same code the GPU runs. The table is the (N, N, N, 3) lattice ``bake_look`` returns, indexed
``[r, g, b]``; inputs are clamped to the lattice domain [0, 1] (the CDL's own first clamp).

Tetrahedral interpolation splits each lattice cell into the six tetrahedra along its main diagonal
(as OCIO, ffmpeg and colour-science do): sort the three fractional coordinates, walk from the cell's
low corner one axis at a time in decreasing order of fraction, and blend the four corners visited.
"""

from __future__ import annotations

import torch

INTERPOLATIONS = ("tetrahedral", "trilinear")


def _prepare(table: torch.Tensor, like: torch.Tensor) -> tuple[torch.Tensor, int]:
    if table.ndim != 4 or table.shape[-1] != 3 or not (table.shape[0] == table.shape[1] == table.shape[2]):
        raise ValueError(f"expected an (N, N, N, 3) table, got {tuple(table.shape)}")
    n = table.shape[0]
    if n < 2:
        raise ValueError("a 3D LUT needs at least 2 points per axis")
    return table.to(device=like.device, dtype=like.dtype).reshape(-1, 3), n


def _lookup_flat(rgb: torch.Tensor, flat: torch.Tensor, n: int, interpolation: str) -> torch.Tensor:
    """(P, 3) colours in [0, 1] -> (P, 3) through the flattened table."""
    x = rgb.clamp(0.0, 1.0) * (n - 1)
    i0 = x.floor().clamp_(max=n - 2)
    f = x - i0
    i0 = i0.to(torch.int64)
    strides = torch.tensor([n * n, n, 1], device=rgb.device, dtype=torch.int64)
    base = (i0 * strides).sum(dim=1)
    if interpolation == "tetrahedral":
        fs, order = torch.sort(f, dim=1, descending=True)
        step = strides[order]  # (P, 3): the stride of the largest, middle, smallest fraction's axis
        v1 = base + step[:, 0]
        v2 = v1 + step[:, 1]
        v3 = base + (n * n + n + 1)
        w0 = 1.0 - fs[:, 0:1]
        w1 = fs[:, 0:1] - fs[:, 1:2]
        w2 = fs[:, 1:2] - fs[:, 2:3]
        w3 = fs[:, 2:3]
        return w0 * flat[base] + w1 * flat[v1] + w2 * flat[v2] + w3 * flat[v3]
    if interpolation == "trilinear":
        fr, fg, fb = f[:, 0:1], f[:, 1:2], f[:, 2:3]
        out = torch.zeros_like(rgb)
        for dr in (0, 1):
            wr = fr if dr else 1.0 - fr
            for dg in (0, 1):
                wg = fg if dg else 1.0 - fg
                for db in (0, 1):
                    wb = fb if db else 1.0 - fb
                    out = out + (wr * wg * wb) * flat[base + (dr * n * n + dg * n + db)]
        return out
    raise ValueError(f"unknown interpolation '{interpolation}' (known: {', '.join(INTERPOLATIONS)})")


def apply_lut3d(
    img: torch.Tensor, table: torch.Tensor, interpolation: str = "tetrahedral", chunk: int = 1 << 21
) -> torch.Tensor:
    """Apply a 3D LUT to a (B, 3, H, W) float tensor; returns a new tensor of the same shape.

    ``chunk`` pixels are looked up at a time so 8K frames stay within a few hundred MB.
    """
    if img.ndim != 4 or img.shape[1] != 3:
        raise ValueError(f"expected a (B, 3, H, W) tensor, got {tuple(img.shape)}")
    if not img.is_floating_point():
        raise TypeError("apply_lut3d needs a float tensor (code values in [0, 1])")
    flat, n = _prepare(table, img)
    b, _, h, w = img.shape
    rgb = img.permute(0, 2, 3, 1).reshape(-1, 3)
    if rgb.shape[0] <= chunk:
        out = _lookup_flat(rgb, flat, n, interpolation)
    else:
        out = torch.cat(
            [_lookup_flat(rgb[i : i + chunk], flat, n, interpolation) for i in range(0, rgb.shape[0], chunk)]
        )
    return out.reshape(b, h, w, 3).permute(0, 3, 1, 2)


def apply_lut3d_colours(rgb: torch.Tensor, table: torch.Tensor, interpolation: str = "tetrahedral") -> torch.Tensor:
    """Apply a 3D LUT to (..., 3) colours."""
    flat, n = _prepare(table, rgb)
    shape = rgb.shape
    return _lookup_flat(rgb.reshape(-1, 3), flat, n, interpolation).reshape(shape)
