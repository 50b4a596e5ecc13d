"""Helpers for the OFX plug-in tests (tests/test_ofx_*.py): build the plug-in once, drive the C test host.

The plug-in and its test host are built with CMake into build/ofx (the folder ``make ofx`` and
``ncst ofx install`` use) through ``ncst_bridge.ofx.install.build_bundle``. The tests skip only when
cmake or a C compiler is missing; both are on the CI image (.ci/run installs them).

``OfxHost`` wraps ncst_bridge/ofx/ofx_lut/tests/host/ofxhost.h through ctypes: it loads the bundle as a host does and
renders numpy images through the plug-in. ctypes releases the GIL during each call, so Python
threads render concurrently.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / "build" / "ofx"
# The project's shared test data (photos and creative LUTs; conftest decides where it is). Where it
# is absent, the bundled sample still (three crops of it) and the .cube seeds stand in.
IMAGES = SHARED / "images" if SHARED else None
LUTS = SHARED / "luts" if SHARED else None
PHOTOS = ("kde_colorfulcups.jpg", "mpl_grace_hopper.jpg", "kde_darkesthour.jpg")
FALLBACK_STILL = REPO / "samples" / "reference.jpg"
FALLBACK_LUTS = REPO / "ncst_bridge" / "ofx" / "ofx_lut" / "tests" / "fuzz" / "corpus" / "cube"
CREATIVE_LUTS = ("golden_years_film.cube", "cool_cinema.cube", "teal_punch.cube")


def creative_lut(name: str) -> Path:
    """A shared creative .cube, or an in-repo real-format stand-in when the shared data is absent."""
    if LUTS is not None and (LUTS / name).is_file():
        return LUTS / name
    stand_in = ("resolve_style_5.cube", "ncst_style_9.cube", "domain.cube")[CREATIVE_LUTS.index(name) % 3]
    return FALLBACK_LUTS / stand_in

PARAM_NAMES = ("brightness", "contrast", "gamma", "hue", "saturation", "sharpness", "temperature")
MODE_LUT, MODE_PARAMS, MODE_LUT_TRIMS = 0, 1, 2


def toolchain_missing() -> str | None:
    """Why the plug-in cannot be built here, or None."""
    if shutil.which("cmake") is None:
        return "cmake is not installed (.ci/run installs it)"
    if not any(shutil.which(cc) for cc in ("cc", "gcc", "clang")):
        return "no C compiler is installed (.ci/run installs gcc)"
    return None


@functools.lru_cache(maxsize=None)
def _build() -> tuple[Path, Path, Path]:
    from ncst_bridge.ofx.install import build_bundle

    # the self-test also runs under valgrind (ctest host_valgrind) where valgrind is installed
    valgrind = "ON" if shutil.which("valgrind") else "OFF"
    bundle = build_bundle(build_dir=BUILD_DIR, options=(f"-DNCST_VALGRIND={valgrind}",))
    host = BUILD_DIR / "libncst_ofxhost.so"
    probe = BUILD_DIR / "libncst_probe.so"
    for p in (host, probe):
        if not p.is_file():
            raise AssertionError(f"{p} was not built")
    return bundle, host, probe


def built() -> tuple[Path, Path, Path]:
    """(bundle, host library, probe library), building them once per session; skips without a toolchain."""
    why = toolchain_missing()
    if why:
        pytest.skip(f"OFX plug-in not built: {why}")
    return _build()


def photo(name: str, long_side: int = 96, seed: int = 0) -> np.ndarray:
    """A shared photo, downscaled, as float32 RGBA in [0, 1] with a non-trivial alpha."""
    import cv2

    from ncst_bridge.io.images import read_image

    if IMAGES is not None and (IMAGES / name).is_file():
        rgb = read_image(IMAGES / name)
    else:  # three different crops of the bundled still
        still = read_image(FALLBACK_STILL)
        k = PHOTOS.index(name) if name in PHOTOS else 0
        h0, w0 = still.shape[:2]
        rgb = still[:, k * w0 // 4: k * w0 // 4 + w0 // 2] * (1.0, 0.8, 0.45)[k % 3]
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    rgb = cv2.resize(rgb, (max(3, round(w * scale)), max(3, round(h * scale))), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(seed)
    alpha = rng.random(rgb.shape[:2])
    return np.concatenate([rgb, alpha[..., None]], axis=2).astype(np.float32)


# --- ctypes binding of ofxhost.h --------------------------------------------------------------

class _Config(ctypes.Structure):
    _fields_ = [("depths", ctypes.c_int), ("threads", ctypes.c_int), ("message_v2", ctypes.c_int),
                ("image_rod_prop", ctypes.c_int), ("call_set_host", ctypes.c_int),
                ("no_instance_changed", ctypes.c_int)]


class _RenderOpts(ctypes.Structure):
    _fields_ = [("depth", ctypes.c_int), ("components", ctypes.c_int), ("x0", ctypes.c_int), ("y0", ctypes.c_int),
                ("tile_w", ctypes.c_int), ("tile_h", ctypes.c_int), ("row_pad", ctypes.c_int),
                ("negative_rows", ctypes.c_int), ("host_threads", ctypes.c_int), ("call_identity", ctypes.c_int),
                ("full_source", ctypes.c_int), ("time", ctypes.c_double), ("identity_windows", ctypes.c_int),
                ("render_calls", ctypes.c_int), ("scale", ctypes.c_double), ("no_spatial", ctypes.c_int)]


@functools.lru_cache(maxsize=None)
def _host_lib(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    P, I, D, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_char_p
    sigs = {
        "nh_load": (P, [S, ctypes.POINTER(_Config), S, I]),
        "nh_unload": (I, [P]),
        "nh_describe_json": (I, [P, S, I]),
        "nh_stats_json": (I, [P, S, I]),
        "nh_create": (P, [P, S, S, I]),
        "nh_destroy": (None, [P]),
        "nh_set_double": (I, [P, S, D]),
        "nh_set_int": (I, [P, S, I]),
        "nh_set_string": (I, [P, S, S]),
        "nh_press": (I, [P, S]),
        "nh_get_double": (I, [P, S, ctypes.POINTER(D)]),
        "nh_get_int": (I, [P, S, ctypes.POINTER(I)]),
        "nh_get_string": (I, [P, S, S, I]),
        "nh_persistent_message": (I, [P, S, I]),
        "nh_last_message": (I, [P, S, I]),
        "nh_render": (I, [P, P, P, I, I, ctypes.POINTER(_RenderOpts), S, I]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


def _json_call(fn, handle) -> dict:
    n = fn(handle, None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    fn(handle, buf, n + 1)
    return json.loads(buf.value.decode())


class OfxHost:
    """One loaded plug-in, as a host holds it. Use as a context manager (Unload on exit)."""

    def __init__(self, depths: int = 7, threads: int = 4, message_v2: bool = True, image_rod_prop: bool = True,
                 call_set_host: bool = True, instance_changed: bool = True):
        bundle, host_lib, _ = built()
        self.lib = _host_lib(str(host_lib))
        cfg = _Config(depths, threads, int(message_v2), int(image_rod_prop), int(call_set_host),
                      int(not instance_changed))
        err = ctypes.create_string_buffer(512)
        self.h = self.lib.nh_load(str(bundle).encode(), ctypes.byref(cfg), err, 512)
        if not self.h:
            raise AssertionError(f"nh_load failed: {err.value.decode()}")
        self.instances: list[OfxInstance] = []

    def describe(self) -> dict:
        return _json_call(self.lib.nh_describe_json, self.h)

    def stats(self) -> dict:
        return _json_call(self.lib.nh_stats_json, self.h)

    def instance(self, context: str = "filter") -> "OfxInstance":
        ctx = {"filter": "OfxImageEffectContextFilter", "general": "OfxImageEffectContextGeneral"}[context]
        err = ctypes.create_string_buffer(512)
        h = self.lib.nh_create(self.h, ctx.encode(), err, 512)
        if not h:
            raise AssertionError(f"nh_create failed: {err.value.decode()}")
        inst = OfxInstance(self, h)
        self.instances.append(inst)
        return inst

    def close(self) -> int:
        if not self.h:
            return 0
        for inst in list(self.instances):
            inst.close()
        rc = self.lib.nh_unload(self.h)
        self.h = None
        return rc

    def __enter__(self) -> "OfxHost":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class OfxInstance:
    def __init__(self, host: OfxHost, handle: int):
        self.host, self.lib, self.h = host, host.lib, handle

    def close(self) -> None:
        if self.h:
            self.lib.nh_destroy(self.h)
            self.h = None
            self.host.instances.remove(self)

    # parameters (each set is followed by InstanceChanged, as a user's edit)
    def set_double(self, name: str, value: float) -> None:
        assert self.lib.nh_set_double(self.h, name.encode(), float(value)) == 0, name

    def set_int(self, name: str, value: int) -> None:
        assert self.lib.nh_set_int(self.h, name.encode(), int(value)) == 0, name

    def set_string(self, name: str, value: str) -> None:
        assert self.lib.nh_set_string(self.h, name.encode(), str(value).encode()) == 0, name

    def press(self, name: str) -> None:
        assert self.lib.nh_press(self.h, name.encode()) == 0, name

    def set_params(self, params: dict) -> None:
        """The seven grading sliders; omitted ones go back to neutral."""
        from ncst_bridge.grade.params import PARAMS

        for name in PARAM_NAMES:
            self.set_double(name, params.get(name, PARAMS[name].neutral))

    def set_mode(self, mode: int) -> None:
        self.set_int("mode", mode)

    def get_double(self, name: str) -> float:
        v = ctypes.c_double()
        assert self.lib.nh_get_double(self.h, name.encode(), ctypes.byref(v)) == 0, name
        return v.value

    def get_int(self, name: str) -> int:
        v = ctypes.c_int()
        assert self.lib.nh_get_int(self.h, name.encode(), ctypes.byref(v)) == 0, name
        return v.value

    def get_string(self, name: str) -> str:
        buf = ctypes.create_string_buffer(4096)
        assert self.lib.nh_get_string(self.h, name.encode(), buf, 4096) == 0, name
        return buf.value.decode()

    def message(self) -> str | None:
        """The persistent message (None when there is none)."""
        buf = ctypes.create_string_buffer(2048)
        return buf.value.decode() if self.lib.nh_persistent_message(self.h, buf, 2048) else None

    def last_message(self) -> tuple[int, str]:
        buf = ctypes.create_string_buffer(2048)
        n = self.lib.nh_last_message(self.h, buf, 2048)
        return n, buf.value.decode()

    def render(self, img: np.ndarray, tile: tuple[int, int] | None = None, origin: tuple[int, int] = (0, 0),
               row_pad: int = 0, negative_rows: bool = False, host_threads: int = 1, call_identity: bool = False,
               full_source: bool = False, time: float = 0.0, info: dict | None = None, scale: float = 1.0,
               no_spatial: bool = False) -> np.ndarray:
        """Render an (H, W, 3|4) float32 / uint16 / uint8 image through the plug-in."""
        depth = {np.dtype(np.float32): 32, np.dtype(np.uint16): 16, np.dtype(np.uint8): 8}[img.dtype]
        src = np.ascontiguousarray(img)
        h, w, nc = src.shape
        dst = np.zeros_like(src)
        o = _RenderOpts(depth, nc, origin[0], origin[1], tile[0] if tile else 0, tile[1] if tile else 0, row_pad,
                        int(negative_rows), host_threads, int(call_identity), int(full_source), time, 0, 0,
                        scale, int(no_spatial))
        err = ctypes.create_string_buffer(512)
        rc = self.lib.nh_render(self.h, src.ctypes.data, dst.ctypes.data, w, h, ctypes.byref(o), err, 512)
        if rc != 0:
            raise AssertionError(f"render failed ({rc}): {err.value.decode()}")
        if info is not None:
            info.update(identity_windows=o.identity_windows, render_calls=o.render_calls)
        return dst


@functools.lru_cache(maxsize=None)
def probe() -> ctypes.CDLL:
    """The plug-in's core code (constants, readers, grade) through ncst_bridge/ofx/ofx_lut/tests/probe.c."""
    _, _, path = built()
    lib = ctypes.CDLL(str(path))
    D = ctypes.POINTER(ctypes.c_double)
    lib.ncst_probe_param.restype = ctypes.c_char_p
    lib.ncst_probe_param.argtypes = [ctypes.c_int, D, D, D]
    lib.ncst_probe_constants.argtypes = [D]
    lib.ncst_probe_hue_basis.argtypes = [D, D]
    lib.ncst_probe_cube_size.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    lib.ncst_probe_cube_apply.argtypes = [ctypes.c_char_p, D, D, ctypes.c_long, ctypes.c_char_p, ctypes.c_int]
    lib.ncst_probe_look_text.argtypes = [ctypes.c_char_p, ctypes.c_long, D, ctypes.c_char_p, ctypes.c_int]
    lib.ncst_probe_grade_colour.argtypes = [D, D, D, ctypes.c_long]
    return lib


def as_ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def cube_apply(path: Path, rgb: np.ndarray) -> np.ndarray:
    """The plug-in's .cube reader and tetrahedral lookup on (N, 3) colours."""
    lib = probe()
    src = np.ascontiguousarray(rgb, dtype=np.float64).reshape(-1, 3)
    out = np.empty_like(src)
    err = ctypes.create_string_buffer(512)
    if lib.ncst_probe_cube_apply(str(path).encode(), as_ptr(src), as_ptr(out), len(src), err, 512) != 0:
        raise AssertionError(err.value.decode())
    return out.reshape(np.shape(rgb))


def look_text(text: str) -> tuple[np.ndarray | None, str]:
    """The plug-in's params.json reader: (values, "") or (None, reason)."""
    lib = probe()
    data = text.encode()
    values = np.zeros(7)
    err = ctypes.create_string_buffer(512)
    rc = lib.ncst_probe_look_text(data, len(data), as_ptr(values), err, 512)
    return (values, "") if rc == 0 else (None, err.value.decode())


def ocio_tetrahedral(cube: Path, rgb: np.ndarray) -> np.ndarray:
    """What an OCIO host does with a .cube: FileTransform, tetrahedral, float32 CPU processor."""
    import PyOpenColorIO as OCIO

    from ncst_bridge.io.ocio_build import exact_cpu_processor

    cfg = OCIO.Config.CreateRaw()
    proc = cfg.getProcessor(OCIO.FileTransform(src=str(cube), interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL))
    buf = np.ascontiguousarray(np.asarray(rgb, dtype=np.float32).reshape(-1, 3)).copy()
    exact_cpu_processor(proc).applyRGB(buf)
    return buf.reshape(np.shape(rgb))
