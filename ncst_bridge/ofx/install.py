"""``ncst ofx build`` and ``ncst ofx install``: build the OpenFX plug-in bundle and put it where hosts look.

The plug-in's sources (``ncst_bridge/ofx/ofx_lut/``, C11) ship inside the package, so an installed wheel
can build it too. CMake builds into ``build/ofx/NCST.ofx.bundle`` of a source checkout, or, for an
installed package, into a per-user cache folder (see ``default_build_dir``). Installing
copies the whole bundle folder into the per-OS OFX plug-in folder (or ``--dir``) atomically: a
temporary copy beside the target is renamed into place, so a host never sees half a bundle, and an
existing bundle is replaced only with ``--force``.

Standard OFX plug-in folders (OpenFX packaging chapter; DaVinci Resolve's developer README uses the
same): Linux ``/usr/OFX/Plugins``, macOS ``/Library/OFX/Plugins``, Windows
``C:\\Program Files\\Common Files\\OFX\\Plugins``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import atomic_dir, check_new_output

SOURCE_DIR = Path(__file__).resolve().parent / "ofx_lut"
BUNDLE_NAME = "NCST.ofx.bundle"
BINARY_NAME = "NCST.ofx"


def default_plugin_dir(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The folder OFX hosts scan by default on this OS."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    if platform.startswith("win"):
        common = env.get("CommonProgramFiles") or r"C:\Program Files\Common Files"
        return Path(common) / "OFX" / "Plugins"
    if platform == "darwin":
        return Path("/Library/OFX/Plugins")
    return Path("/usr/OFX/Plugins")


def arch_dir(platform: str | None = None, machine: str | None = None) -> str:
    """The bundle's ``Contents/<arch>`` folder name for this OS (what CMakeLists.txt produces)."""
    import platform as _platform

    platform = platform or sys.platform
    machine = (machine or _platform.machine()).lower()
    if platform.startswith("win"):
        return "Win64" if machine in ("amd64", "x86_64", "arm64") else "Win32"
    if platform == "darwin":
        return "MacOS"
    if machine in ("x86_64", "amd64"):
        return "Linux-x86-64"
    if machine in ("aarch64", "arm64"):
        return "Linux-aarch64"
    return "Linux-x86"


def default_build_dir(source: Path = SOURCE_DIR, environ: Mapping[str, str] | None = None) -> Path:
    """Where CMake builds the plug-in unless told otherwise.

    In a source checkout (``pyproject.toml`` two levels above the package): ``<checkout>/build/ofx``,
    the folder ``make ofx`` and the tests use. In an installed package (site-packages may be
    read-only, and a build there would outlive an uninstall): a per-user cache folder,
    ``$XDG_CACHE_HOME`` (``~/.cache``) or ``%LOCALAPPDATA%`` on Windows, one per source folder so two
    environments never share a CMake cache.
    """
    import hashlib

    source = Path(source).resolve()
    checkout = source.parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "ncst_bridge").is_dir():
        return checkout / "build" / "ofx"
    env = os.environ if environ is None else environ
    if sys.platform.startswith("win"):
        cache = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = hashlib.sha1(str(source).encode()).hexdigest()[:10]
    return cache / "ncst-bridge" / f"ofx-build-{tag}"


def bundle_binary(bundle: Path) -> Path:
    return Path(bundle) / "Contents" / arch_dir() / BINARY_NAME


def _last_line(text: str, needles: tuple[str, ...] = ("error", "Error", "CMake Error")) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if any(n in ln for n in needles):
            return ln[:200]
    return (lines[-1] if lines else "no output")[:200]


def _run(cmd: list[str], what: str) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as exc:
        raise NcstError(f"{what}: cannot run {cmd[0]} ({exc.strerror})") from None
    out = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        if "No CMAKE_C_COMPILER could be found" in out or "CMAKE_C_COMPILER not set" in out:
            raise NcstError(
                "no C compiler found: install gcc or clang (Debian: apt-get install gcc), "
                "or pass --bundle with a built NCST.ofx.bundle"
            )
        raise NcstError(f"{what} failed: {_last_line(out)}")
    return out


def build_bundle(
    source: Path = SOURCE_DIR,
    build_dir: Path | None = None,
    build_type: str = "Release",
    options: tuple[str, ...] = (),
    targets: tuple[str, ...] = (),
    jobs: int | None = None,
) -> Path:
    """Configure and build ``ofx_lut`` with CMake (incremental); return the bundle folder.

    ``targets`` limits what is built (default: everything, tests included). One-line NcstError if
    cmake or a C compiler is missing or the build fails.
    """
    source = Path(source)
    build_dir = Path(build_dir) if build_dir else default_build_dir(source)
    if not (source / "CMakeLists.txt").is_file():
        raise NcstError(
            f"{source}: the OFX plug-in sources are missing (this installation of ncst_bridge is "
            "incomplete; reinstall it, or pass --bundle with a built NCST.ofx.bundle)"
        )
    cmake = shutil.which("cmake")
    if not cmake:
        raise NcstError(
            "cmake not found on PATH: install cmake and a C compiler "
            "(Debian: apt-get install cmake gcc), or pass --bundle with a built NCST.ofx.bundle"
        )
    _run(
        [cmake, "-S", str(source), "-B", str(build_dir), f"-DCMAKE_BUILD_TYPE={build_type}", *options],
        "configuring the OFX plug-in with cmake",
    )
    cmd = [cmake, "--build", str(build_dir), "--parallel", str(jobs or max(1, min(os.cpu_count() or 1, 4)))]
    for t in targets:
        cmd += ["--target", t]
    _run(cmd, "building the OFX plug-in")
    bundle = build_dir / BUNDLE_NAME
    if not bundle_binary(bundle).is_file():
        raise NcstError(f"the build finished but {bundle_binary(bundle)} is missing")
    return bundle


def _is_plugin_bundle(path: Path) -> bool:
    """An OFX bundle folder (Contents/ inside): the only kind of folder ``--force`` replaces."""
    return (path / "Contents").is_dir()


def install_bundle(bundle: Path, plugin_dir: Path, force: bool = False) -> Path:
    """Copy ``bundle`` into ``plugin_dir`` atomically; refuse an existing bundle unless ``force``."""
    bundle = Path(bundle)
    if not bundle_binary(bundle).is_file():
        raise NcstError(f"{bundle}: not a built OFX bundle (no {bundle_binary(bundle).relative_to(bundle)})")
    plugin_dir = Path(plugin_dir)
    try:
        plugin_dir.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise NcstError(
            f"{plugin_dir}: cannot create the plug-in folder (permission denied; "
            "run with administrator rights or choose another folder with --dir)"
        ) from None
    except OSError as exc:
        raise NcstError(f"{plugin_dir}: cannot create the plug-in folder ({exc.strerror})") from None
    if not plugin_dir.is_dir():
        raise NcstError(f"{plugin_dir}: exists and is not a folder")
    target = plugin_dir / BUNDLE_NAME
    if target.resolve() == bundle.resolve():
        raise NcstError(f"{target}: the bundle is already there (it is the build output)")
    if not os.access(plugin_dir, os.W_OK):
        raise NcstError(
            f"{plugin_dir}: not writable (run with administrator rights or choose another folder with --dir)"
        )
    with atomic_dir(target, force=force, ours=_is_plugin_bundle, what="OFX plug-in bundle") as tmp:
        shutil.copytree(bundle, tmp, dirs_exist_ok=True, symlinks=False)
    return target


# --- CLI ---------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ofx", help="build or install the OpenFX plug-in (NCST Look) for Resolve, Nuke, Vegas, Natron ..."
    )
    ofx = p.add_subparsers(dest="ofx_command", metavar="ACTION", parser_class=type(p))
    ofx.required = True

    b = ofx.add_parser("build", help="build NCST.ofx.bundle with cmake (needs cmake and a C compiler)")
    b.add_argument(
        "--build-dir", default=None, metavar="DIR", help=f"CMake build folder (default {default_build_dir()})"
    )
    b.add_argument("--debug", action="store_true", help="debug build instead of release")
    b.set_defaults(func=cmd_build)

    i = ofx.add_parser("install", help="copy NCST.ofx.bundle into the OFX plug-in folder (building it first if needed)")
    i.add_argument(
        "--dir", default=None, metavar="DIR", help=f"plug-in folder (default for this OS: {default_plugin_dir()})"
    )
    i.add_argument(
        "--bundle", default=None, metavar="PATH", help="install this built NCST.ofx.bundle instead of building"
    )
    i.add_argument(
        "--build-dir", default=None, metavar="DIR", help=f"CMake build folder (default {default_build_dir()})"
    )
    i.add_argument("--force", action="store_true", help="replace an installed NCST.ofx.bundle")
    i.set_defaults(func=cmd_install)


def _bundle_for_install(args: argparse.Namespace) -> Path:
    if args.bundle:
        bundle = Path(args.bundle)
        if not bundle.exists():
            raise NcstError(f"{bundle}: no such bundle")
        return bundle
    build_dir = Path(args.build_dir) if args.build_dir else default_build_dir()
    if shutil.which("cmake") is None and bundle_binary(build_dir / BUNDLE_NAME).is_file():
        return build_dir / BUNDLE_NAME  # built earlier; nothing to rebuild with
    return build_bundle(build_dir=build_dir, targets=("ncst_ofx",))


def cmd_build(args: argparse.Namespace) -> int:
    bundle = build_bundle(
        build_dir=Path(args.build_dir) if args.build_dir else None, build_type="Debug" if args.debug else "Release"
    )
    print(f"built {bundle}")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    plugin_dir = Path(args.dir) if args.dir else default_plugin_dir()
    target = plugin_dir / BUNDLE_NAME
    if target.exists() and not args.force:  # refuse before spending time on a build
        raise NcstError(f"{target}: already exists (use --force to replace it)")
    if target.exists():  # --force replaces an OFX bundle, never a folder of other files
        check_new_output(target, True, is_dir=True, ours=_is_plugin_bundle, what="OFX plug-in bundle")
    bundle = _bundle_for_install(args)
    installed = install_bundle(bundle, plugin_dir, force=args.force)
    print(f"installed {installed}")
    print(
        "restart the host (Resolve, Nuke, Vegas, Natron) so it rescans its OFX plug-ins; "
        "the effect is 'NCST Look' in the 'NCST' group"
    )
    return 0
