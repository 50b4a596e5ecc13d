"""Find the Resolve object and its UI manager the ways that work across versions.

Stdlib only, Python >= 3.8. Scripts-menu scripts usually get globals ``resolve``, ``fusion``/``fu``,
``bmd`` and ``app``; which ones exist varies, so try in order: ``resolve``, ``app.GetResolve()``,
``bmd.scriptapp("Resolve")``, ``DaVinciResolveScript.scriptapp("Resolve")`` (the module lives in
``$RESOLVE_SCRIPT_API/Modules``). ``fusion.UIManager`` is None on the free edition from 19.1.
"""

import importlib
import os
import platform
import sys

from .api import call

MODULE_DIRS = {
    "Darwin": "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Scripting/Modules",
    "Windows": os.path.join(os.environ.get("PROGRAMDATA", "C:\\ProgramData"), "Blackmagic Design",
                            "DaVinci Resolve", "Support", "Developer", "Scripting", "Modules"),
    "Linux": "/opt/resolve/Developer/Scripting/Modules",
}


def import_dvr():
    """The DaVinciResolveScript module, or None (looked up on sys.path, then the README's folders)."""
    try:
        return importlib.import_module("DaVinciResolveScript")
    except ImportError:
        pass
    extra = []
    api = os.environ.get("RESOLVE_SCRIPT_API")
    if api:
        extra.append(os.path.join(api, "Modules"))
    extra.append(MODULE_DIRS.get(platform.system(), MODULE_DIRS["Linux"]))
    extra.append("/home/resolve/Developer/Scripting/Modules")
    for folder in extra:
        if os.path.isfile(os.path.join(folder, "DaVinciResolveScript.py")) and folder not in sys.path:
            sys.path.append(folder)
            try:
                return importlib.import_module("DaVinciResolveScript")
            except Exception:
                continue
    return None


def find_resolve(namespace):
    """(resolve, how) from a script's globals; (None, what was tried) when nothing answers."""
    resolve = namespace.get("resolve")
    if resolve:
        return resolve, "resolve"
    app = namespace.get("app")
    if app is not None:
        resolve = call(app, "GetResolve")
        if resolve:
            return resolve, "app.GetResolve()"
    bmd = namespace.get("bmd")
    if bmd is not None:
        resolve = call(bmd, "scriptapp", "Resolve")
        if resolve:
            return resolve, "bmd.scriptapp"
    dvr = import_dvr()
    if dvr is not None:
        resolve = call(dvr, "scriptapp", "Resolve")
        if resolve:
            return resolve, "DaVinciResolveScript.scriptapp"
    return None, "resolve, app.GetResolve(), bmd.scriptapp, DaVinciResolveScript.scriptapp"


def find_ui(namespace, resolve):
    """(fusion, ui, dispatcher) or (fusion, None, None) when no dialog can be shown."""
    fusion = namespace.get("fusion") or namespace.get("fu") or call(resolve, "Fusion")
    if not fusion:
        return None, None, None
    try:
        ui = fusion.UIManager
    except Exception:
        ui = None
    if not ui:
        return fusion, None, None
    bmd = namespace.get("bmd") or import_dvr()
    disp = call(bmd, "UIDispatcher", ui)
    if not disp:
        return fusion, None, None
    return fusion, ui, disp
