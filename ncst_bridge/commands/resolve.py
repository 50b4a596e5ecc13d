"""``ncst resolve install | uninstall | doctor``: put the Workspace > Scripts entry into Resolve.

The installed file is ``ncst_bridge/resolve/scripts/NCST Match.py`` (package data) with three
absolute paths written in: the bridge folder (``ncst_bridge/resolve``, stdlib only, loaded by path because Resolve's Python has no
``__file__``), this Python (which runs ``ncst match``), and the project root. This module may use
the full environment; what it installs stays standard-library only.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ncst_bridge
from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import atomic_file
from ncst_bridge.resolve import capabilities, paths, settings
from ncst_bridge.resolve.errors import BridgeError

MARKER = "# ncst-resolve-menu/1"
PROJECT_ROOT = Path(ncst_bridge.__file__).resolve().parent.parent
BRIDGE_DIR = Path(ncst_bridge.__file__).resolve().parent / "resolve"
TEMPLATE = BRIDGE_DIR / "scripts" / paths.MENU_FILE
_ASSIGN = re.compile(r"^(NCST_BRIDGE_DIR|NCST_PYTHON|NCST_PROJECT_ROOT) = .*$", re.M)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("resolve", help="install, remove or check the DaVinci Resolve Scripts-menu entry")
    rsub = p.add_subparsers(dest="resolve_command", metavar="ACTION", parser_class=type(p))
    rsub.required = True
    for name, func, text in (
        ("install", cmd_install, "put 'NCST Match' into Resolve's Scripts/Utility folder"),
        ("uninstall", cmd_uninstall, "remove the 'NCST Match' menu file"),
        ("doctor", cmd_doctor, "check folders, Python visibility, LUT folder and Resolve"),
    ):
        q = rsub.add_parser(name, help=text)
        q.add_argument(
            "--scripts-dir", metavar="DIR", help="a Resolve Fusion/Scripts root (default: this user's, per OS)"
        )
        q.add_argument("--all-users", action="store_true", help="the all-users Scripts root instead")
        if name == "install":
            q.add_argument(
                "--force", action="store_true", help="replace a file of the same name that ncst did not install"
            )
        q.set_defaults(func=func)


def _root(args: argparse.Namespace, create: bool) -> Path:
    """The Fusion/Scripts root to use; checks that Resolve's own folder exists for the defaults."""
    if args.scripts_dir:
        if args.all_users:
            raise NcstError("give --scripts-dir or --all-users, not both")
        root = Path(args.scripts_dir).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise NcstError(f"{root}: not a folder")
        if create and not root.is_dir():  # a typo must not create a whole new path
            raise NcstError(
                f"{args.scripts_dir}: no such folder (--scripts-dir must be an existing "
                f"Fusion/Scripts folder; create it first if it is really new)"
            )
        return root
    root = Path(paths.scripts_root(all_users=args.all_users))
    support = Path(paths.resolve_support_root(str(root)))
    if create and not support.is_dir():
        raise NcstError(
            f"{support} does not exist: is DaVinci Resolve installed"
            f"{' (for all users)' if args.all_users else ' and run once for this user'}? "
            f"Or pass --scripts-dir"
        )
    return root


def render_menu(template: str, bridge_dir: str, python: str, project_root: str) -> str:
    """The template with the three recorded paths written in as Python literals."""
    values = {"NCST_BRIDGE_DIR": bridge_dir, "NCST_PYTHON": python, "NCST_PROJECT_ROOT": project_root}
    text, n = _ASSIGN.subn(
        lambda m: f"{m.group(1)} = {values[m.group(1)]!r}  # recorded by ncst resolve install", template
    )
    if n != 3 or MARKER not in text:
        raise NcstError(f"{TEMPLATE}: not the NCST menu template (expected the three NCST_* lines and {MARKER!r})")
    return text


def recorded(text: str) -> dict[str, str | None]:
    """The paths an installed menu file records (None where not installed)."""
    out: dict[str, str | None] = {}
    for m in _ASSIGN.finditer(text):
        value = m.group(0).split("=", 1)[1].split("#", 1)[0].strip()
        try:
            out[m.group(1)] = None if value == "None" else str(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            out[m.group(1)] = None
    return out


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def cmd_install(args: argparse.Namespace) -> int:
    root = _root(args, create=True)
    if not TEMPLATE.is_file():
        raise NcstError(
            f"{TEMPLATE}: menu template missing (this installation of ncst_bridge is incomplete; reinstall it)"
        )
    text = render_menu(TEMPLATE.read_text(encoding="utf-8"), str(BRIDGE_DIR), sys.executable, str(PROJECT_ROOT))
    folder = root / paths.MENU_SUBFOLDER
    target = folder / paths.MENU_FILE
    if target.exists() and not _is_ours(target) and not args.force:
        raise NcstError(f"{target}: exists and was not installed by ncst (use --force to replace it)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NcstError(f"{folder}: cannot create ({exc.strerror}){'; try sudo' if args.all_users else ''}") from None
    if not os.access(folder, os.W_OK):
        raise NcstError(f"{folder}: not writable{' (all-users folders need admin rights)' if args.all_users else ''}")
    with atomic_file(target, force=True) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"installed {target}")
    print("  in Resolve: Workspace > Scripts > NCST Match (restart Resolve if it does not show)")
    print(f"  runs ncst match with {sys.executable}")
    if platform.system() == "Darwin":
        print("  macOS: Resolve finds Python via PYTHON3HOME or /usr/local/bin/python3 (see `ncst resolve doctor`)")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    root = _root(args, create=False)
    target = root / paths.MENU_SUBFOLDER / paths.MENU_FILE
    if not target.exists():
        print(f"nothing to remove: {target} does not exist")
        return 0
    if not _is_ours(target):
        raise NcstError(f"{target}: was not installed by ncst; leaving it")
    target.unlink()
    print(f"removed {target}")
    print("  kept: the NCST colour versions in your projects and the LUTs in the NCST/ LUT folder they use")
    return 0


# --- doctor -------------------------------------------------------------------------------------

_PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from ncst_bridge.resolve import connect
from ncst_bridge.resolve.api import ResolveInfo, call
dvr = connect.import_dvr()
out = {"module": getattr(dvr, "__file__", None) if dvr else None}
r = call(dvr, "scriptapp", "Resolve") if dvr else None
if r:
    info = ResolveInfo(r)
    out.update(product=info.product, version=list(info.version) if info.version else None, studio=info.studio,
               page=call(r, "GetCurrentPage"))
print(json.dumps(out))
"""


def _python_version(exe: str) -> str | None:
    try:
        res = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def _check_python_for_resolve(report) -> None:
    system = platform.system()
    candidates: list[tuple[str, str]] = []
    if system == "Darwin":
        home = os.environ.get("PYTHON3HOME")
        if not home and shutil.which("launchctl"):
            try:
                home = (
                    subprocess.run(
                        ["launchctl", "getenv", "PYTHON3HOME"], capture_output=True, text=True, timeout=10
                    ).stdout.strip()
                    or None
                )
            except (OSError, subprocess.TimeoutExpired):
                home = None
        if home:
            exe = os.path.join(home, "bin", "python3")
            libs = list(Path(home).glob("lib/libpython3*")) + list(Path(home).glob("Python"))
            if not os.path.isfile(exe) or not libs:
                report("fail", "Resolve's Python", f"PYTHON3HOME={home} lacks bin/python3 or libpython3.X")
                return
            candidates.append((exe, "PYTHON3HOME"))
        elif os.path.isfile("/usr/local/bin/python3"):
            candidates.append(("/usr/local/bin/python3", "/usr/local/bin/python3"))
        else:
            report(
                "fail",
                "Resolve's Python",
                "Resolve looks only at PYTHON3HOME and /usr/local/bin/python3: "
                "install python.org's Python 3, or `launchctl setenv PYTHON3HOME <prefix>` and restart Resolve",
            )
            return
    elif system == "Windows":
        home = os.environ.get("FUSION_PYTHON3_HOME")
        if home:
            candidates.append((os.path.join(home, "python.exe"), "FUSION_PYTHON3_HOME"))
        elif (registered := shutil.which("python")) is not None:
            candidates.append((registered, "the registered Python (FUSION_PYTHON3_HOME unset)"))
    else:
        on_path = shutil.which("python3")
        if on_path:
            candidates.append((on_path, "python3 on PATH"))
    if not candidates:
        report("warn", "Resolve's Python", "no Python 3 found for Resolve: .py scripts will not list")
        return
    exe, how = candidates[0]
    ver = _python_version(exe)
    if ver is None:
        report("fail", "Resolve's Python", f"{exe} ({how}) does not run")
    elif tuple(int(x) for x in ver.split(".")) < (3, 8):
        report("fail", "Resolve's Python", f"{exe} ({how}) is Python {ver}; the bridge needs 3.8+")
    else:
        report("ok", "Resolve's Python", f"{exe} ({how}), Python {ver}")


def cmd_doctor(args: argparse.Namespace) -> int:
    counts = {"ok": 0, "warn": 0, "fail": 0}

    def report(level: str, what: str, text: str) -> None:
        counts[level] += 1
        print(f"{level:<4}  {what:<16}  {text}")

    import importlib.util

    ver = "{}.{}".format(*sys.version_info[:2])
    if importlib.util.find_spec("torch") is None:
        report("fail", "project Python", f"{sys.executable} (Python {ver}) cannot import torch: ncst match will fail")
    else:
        report("ok", "project Python", f"{sys.executable} (Python {ver}, torch importable)")

    roots = (
        [Path(args.scripts_dir).expanduser()]
        if args.scripts_dir
        else [Path(paths.scripts_root(all_users=False)), Path(paths.scripts_root(all_users=True))]
    )
    installed = 0
    for root in roots:
        menu = root / paths.MENU_SUBFOLDER / paths.MENU_FILE
        if not root.is_dir():
            report("warn", "Scripts folder", f"{root} does not exist (Resolve not installed or never run?)")
            continue
        report(
            "ok" if os.access(root, os.W_OK) else "warn",
            "Scripts folder",
            f"{root}{'' if os.access(root, os.W_OK) else ' (not writable)'}",
        )
        if menu.is_file():
            installed += 1
            rec = recorded(menu.read_text(encoding="utf-8", errors="replace"))
            bad = [f"{k}={v}" for k, v in rec.items() if not v or not os.path.exists(v)]
            if not _is_ours(menu):
                report("warn", "menu file", f"{menu} was not installed by ncst")
            elif bad:
                report(
                    "fail", "menu file", f"{menu} points at missing {', '.join(bad)}: run ncst resolve install again"
                )
            else:
                report("ok", "menu file", f"{menu} (python {rec['NCST_PYTHON']})")
    if not installed:
        report("warn", "menu file", "not installed: run `ncst resolve install`")

    _check_python_for_resolve(report)

    try:
        config, used = settings.load()
        report("ok", "settings", f"{used or 'defaults (no config file at ' + paths.config_file() + ')'}")
    except BridgeError as exc:
        config, used = dict(settings.DEFAULTS), None
        report("fail", "settings", str(exc))
    lut_root = paths.master_lut_dir(config.get("lut_dir"))
    if not os.path.isdir(lut_root):
        report(
            "fail" if config.get("lut_dir") else "warn",
            "LUT folder",
            f"{lut_root} does not exist{' (NCST_LUT_DIR / lut_dir)' if config.get('lut_dir') else ''}",
        )
    elif not os.access(lut_root, os.W_OK):
        report("fail", "LUT folder", f"{lut_root} is not writable: fix permissions or set NCST_LUT_DIR")
    else:
        report("ok", "LUT folder", f"{lut_root} (LUTs go to {paths.LUT_SUBFOLDER}/)")

    try:
        res = subprocess.run(
            [sys.executable, "-c", _PROBE, str(PROJECT_ROOT)], capture_output=True, text=True, timeout=30
        )
        probe = json.loads(res.stdout.strip().splitlines()[-1]) if res.returncode == 0 and res.stdout.strip() else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        probe = None
    if probe is None:
        report("warn", "Resolve", "the scripting probe crashed or timed out (a mismatched Python for fusionscript?)")
    elif not probe.get("module"):
        report(
            "warn",
            "Resolve",
            "DaVinciResolveScript not found (Resolve not installed here, or RESOLVE_SCRIPT_API unset)",
        )
    elif not probe.get("product"):
        report(
            "warn",
            "Resolve",
            "not reachable: start Resolve; external scripting needs Studio and "
            "Preferences > System > General > External scripting using: Local",
        )
    else:
        version = tuple(probe["version"]) if probe.get("version") else None
        report(
            "ok",
            "Resolve",
            f"{probe['product']} {'.'.join(map(str, version or ())) or '?'} "
            f"({'Studio' if probe['studio'] else 'free'})",
        )
        for level, text in capabilities.limits(version, bool(probe["studio"])):
            report(level, "Resolve limits", text)
    print(f"{counts['ok']} ok, {counts['warn']} warnings, {counts['fail']} failed")
    return 1 if counts["fail"] else 0
