"""Which OCIO config, which colour spaces, and which of them is the grade's working space.

The grade ``f_P`` is defined on display-referred code values: Rec.709 primaries, D65 white, the
piecewise sRGB encoding (IEC 61966-2-1), values in [0, 1]. In an OCIO config that space is the
scene-referred *utility* space holding exactly that encoding -- ``sRGB Encoded Rec.709 (sRGB)`` in
the ACES studio/CG configs (alias ``srgb_tx``; ``sRGB - Texture`` in the 2.1-era configs) and
``ncst_display_encoded`` in the configs NCST writes. Reaching it from a camera space is a plain,
colorimetric colour-space transform (no tone mapping, no gamut mapping), so a colourist reproduces
it anywhere with a CST node; see convert.py.

Configs are named as in OCIO: a path to a ``.ocio`` file or an ``ocio://`` URI of a built-in config.
The default is OCIO's built-in ACES studio config (``ocio://studio-config-latest``), available
offline from the PyPI ``opencolorio`` wheel.
"""

from __future__ import annotations

import difflib
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PyOpenColorIO as OCIO

from ncst_bridge.colour.defaults import CAMERA_LUT_SIZE, DEFAULT_CONFIG  # noqa: F401  (re-exported)
from ncst_bridge.errors import NcstError

# Names (or aliases) of the working space, in the order they are tried.
WORKING_SPACE_CANDIDATES = (
    "sRGB Encoded Rec.709 (sRGB)",  # ACES studio/CG configs >= 2.1.0
    "srgb_tx",  # alias in every ACES 1.3/2.x studio and CG config
    "sRGB - Texture",  # ACES configs v1.0.0 (OCIO 2.1)
    "srgb_texture",
    "Utility - sRGB - Texture",  # ACES 1.2 (OCIO v1-era) config
    "ncst_display_encoded",  # configs written by NCST (io/ocio_build.py)
)

# The reference the working space is checked against (in the built-in config, by interchange roles).
_REFERENCE_CONFIG = "ocio://studio-config-latest"
_REFERENCE_WORKING = "sRGB Encoded Rec.709 (sRGB)"
CHECK_TOLERANCE = 2e-4  # float32 OCIO maths, different matrix derivations


@dataclass(frozen=True)
class LoadedConfig:
    """An OCIO config and where it came from (its URI or absolute path)."""

    config: OCIO.Config
    source: str  # as given, ocio:// resolved to the concrete built-in name
    is_builtin: bool

    @property
    def label(self) -> str:
        return self.source

    @property
    def version(self) -> tuple[int, int]:
        return (self.config.getMajorVersion(), self.config.getMinorVersion())


def builtin_names() -> list[str]:
    return [name for name in OCIO.BuiltinConfigRegistry()]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def resolve_config_name(spec: str | None) -> tuple[str, bool]:
    """``(source, is_builtin)`` for a config given by the user (None: the default)."""
    spec = (spec or "").strip() or DEFAULT_CONFIG
    if spec.startswith("ocio://"):
        resolved = OCIO.ResolveConfigPath(spec)
        name = resolved[len("ocio://") :]
        if name not in builtin_names() and name != "default":
            raise NcstError(
                f"unknown built-in OCIO config '{spec}' (built-in: ocio://studio-config-latest, "
                f"ocio://cg-config-latest, {', '.join('ocio://' + n for n in builtin_names()[:3])}, ...)"
            )
        return resolved, True
    path = Path(spec).expanduser()
    if not path.exists():
        raise NcstError(f"{spec}: no such OCIO config file")
    if path.is_dir():
        raise NcstError(f"{spec}: is a folder, expected a .ocio config file")
    return str(path.resolve()), False


@functools.lru_cache(maxsize=16)
def _load(source: str, is_builtin: bool, mtime: float) -> OCIO.Config:
    try:
        cfg = OCIO.Config.CreateFromFile(source)
    except Exception as exc:  # OCIO raises its own Exception type with a message
        raise NcstError(f"{source}: cannot load the OCIO config ({_first_line(exc)})") from None
    try:
        cfg.validate()
    except Exception as exc:
        raise NcstError(f"{source}: the OCIO config fails validation ({_first_line(exc)})") from None
    return cfg


def load_config(spec: str | LoadedConfig | None = None) -> LoadedConfig:
    """Load and validate a config (cached); one-line NcstError when it is missing or invalid.

    The returned config is shared: do not edit it (edit ``copy.deepcopy(config)``).
    """
    if isinstance(spec, LoadedConfig):
        return spec
    source, is_builtin = resolve_config_name(spec)
    mtime = 0.0 if is_builtin else os.stat(source).st_mtime
    return LoadedConfig(_load(source, is_builtin, mtime), source, is_builtin)


def colour_space_names(cfg: OCIO.Config) -> list[str]:
    """All colour spaces of a config, active or not, in the config's order."""
    return list(cfg.getColorSpaceNames(OCIO.SEARCH_REFERENCE_SPACE_ALL, OCIO.COLORSPACE_ALL))


def _all_names(cfg: OCIO.Config) -> dict[str, str]:
    """Every name a user may type (space names, aliases, roles), lower-cased, to the canonical name."""
    out: dict[str, str] = {}
    for name in colour_space_names(cfg):
        out.setdefault(name.lower(), name)
        for alias in cfg.getColorSpace(name).getAliases():
            out.setdefault(alias.lower(), name)
    for role in cfg.getRoleNames():
        canon = cfg.getCanonicalName(role)
        if canon:
            out.setdefault(role.lower(), canon)
    return out


def close_matches(cfg: OCIO.Config, name: str, n: int = 4) -> list[str]:
    """Canonical colour-space names that look like ``name`` (substring or similar spelling)."""
    names = _all_names(cfg)
    key = name.lower().strip()
    found: list[str] = []
    for typed, canon in names.items():  # substrings first: "logc3" -> "ARRI LogC3 (EI800)"
        squeeze = lambda s: "".join(ch for ch in s if ch.isalnum())  # noqa: E731
        if key and (squeeze(key) in squeeze(typed)) and canon not in found:
            found.append(canon)
    for typed in difflib.get_close_matches(key, list(names), n=n * 2, cutoff=0.55):
        if names[typed] not in found:
            found.append(names[typed])
    return found[:n]


def check_space(loaded: LoadedConfig, name: str, what: str = "colour space") -> str:
    """The canonical name of ``name`` (a space, alias or role), or a one-line error with close matches."""
    cfg = loaded.config
    canon = cfg.getCanonicalName(name) if name else ""
    if not canon:
        # Case-insensitive fallback: OCIO names are case-sensitive, people's typing is not.
        canon = _all_names(cfg).get(name.lower(), "") if name else ""
    if not canon:
        near = close_matches(cfg, name)
        hint = f"; did you mean {', '.join(repr(m) for m in near)}?" if near else ""
        raise NcstError(f"unknown {what} '{name}' in {loaded.label}{hint} (ncst ocio spaces lists them)")
    if cfg.getColorSpace(canon).isData():
        raise NcstError(f"{what} '{canon}' is a data space (no colour conversion is defined for it)")
    return canon


def _probe_colours() -> np.ndarray:
    ax = np.linspace(0.0, 1.0, 5)
    r, g, b = np.meshgrid(ax, ax, ax, indexing="ij")
    return np.stack([r, g, b], -1).reshape(-1, 3)


def _apply(proc: OCIO.Processor, rgb: np.ndarray) -> np.ndarray:
    buf = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    proc.getDefaultCPUProcessor().applyRGB(buf)
    return buf.astype(np.float64)


def same_as_working_encoding(loaded: LoadedConfig, name: str) -> bool | None:
    """Whether ``name`` holds the working encoding, checked against the built-in ACES config.

    Needs interchange roles (``aces_interchange`` or ``cie_xyz_d65_interchange``) in the config;
    returns None when it cannot be checked.
    """
    ref = load_config(_REFERENCE_CONFIG)
    try:
        if loaded.source == ref.source:
            proc = ref.config.getProcessor(name, _REFERENCE_WORKING)
        else:
            proc = OCIO.Config.GetProcessorFromConfigs(loaded.config, name, ref.config, _REFERENCE_WORKING)
    except Exception:
        return None
    x = _probe_colours()
    return bool(np.abs(_apply(proc, x) - x).max() <= CHECK_TOLERANCE)


def find_working_space(loaded: LoadedConfig) -> str:
    """The config's colour space that equals the grade's working space (see the module docstring)."""
    cfg = loaded.config
    for cand in WORKING_SPACE_CANDIDATES:
        canon = cfg.getCanonicalName(cand)
        if canon and not cfg.getColorSpace(canon).isData():
            if same_as_working_encoding(loaded, canon) is False:
                continue  # a space of that name, but not that encoding: keep looking
            return canon
    raise NcstError(
        f"{loaded.label}: no colour space for the grade's working space (sRGB-encoded Rec.709, "
        f"e.g. 'sRGB Encoded Rec.709 (sRGB)' or alias 'srgb_tx'); name one with --process-space"
    )


def working_space_in(loaded: LoadedConfig, override: str | None = None) -> str:
    """The working space's name in a config: ``override`` (checked to exist) or the detected one."""
    if override:
        return check_space(loaded, override, "process space")
    return find_working_space(loaded)
