"""Where Resolve keeps scripts and LUTs, and where NCST keeps its config and looks, per OS.

Stdlib only, Python >= 3.8. Folder tables follow Blackmagic's scripting README
(Developer/Scripting/README.txt in a Resolve install) and its LUT folders. Functions take ``system`` and
``environ`` so each OS's answer can be checked on any machine.
"""

import os
import platform
import posixpath
import ntpath

MENU_FILE = "NCST Match.py"
MENU_SUBFOLDER = "Utility"  # listed on every page of Resolve
LUT_SUBFOLDER = "NCST"


def _system(system=None):
    return system or platform.system()


def _join(system, *parts):
    return (ntpath if system == "Windows" else posixpath).join(*parts)


def _home(environ, system):
    if system == "Windows":
        return environ.get("USERPROFILE") or os.path.expanduser("~")
    return environ.get("HOME") or os.path.expanduser("~")


def scripts_root(all_users=False, system=None, environ=None):
    """Resolve's ``Fusion/Scripts`` root (one user, or all users); scripts go in its subfolders."""
    system = _system(system)
    env = os.environ if environ is None else environ
    if system == "Darwin":
        base = "/Library" if all_users else _join(system, _home(env, system), "Library")
        return _join(system, base, "Application Support", "Blackmagic Design", "DaVinci Resolve",
                     "Fusion", "Scripts")
    if system == "Windows":
        if all_users:
            root = env.get("PROGRAMDATA") or "C:\\ProgramData"
            return _join(system, root, "Blackmagic Design", "DaVinci Resolve", "Fusion", "Scripts")
        # The README writes %APPDATA%\Roaming\...; %APPDATA% already ends in Roaming.
        root = env.get("APPDATA") or _join(system, _home(env, system), "AppData", "Roaming")
        return _join(system, root, "Blackmagic Design", "DaVinci Resolve", "Support", "Fusion", "Scripts")
    if all_users:
        for base in ("/opt/resolve", "/home/resolve"):
            if system != platform.system() or os.path.isdir(base):
                return _join(system, base, "Fusion", "Scripts")
        return "/opt/resolve/Fusion/Scripts"
    return _join(system, _home(env, system), ".local", "share", "DaVinciResolve", "Fusion", "Scripts")


def resolve_support_root(scripts_dir, system=None):
    """The folder Resolve itself creates (``.../Fusion/Scripts`` minus ``Fusion/Scripts``)."""
    mod = ntpath if _system(system) == "Windows" else posixpath
    return mod.dirname(mod.dirname(scripts_dir))


def master_lut_dirs(system=None):
    """Candidate master LUT folders, most likely first (the ones Resolve always scans)."""
    system = _system(system)
    if system == "Darwin":
        return ["/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT"]
    if system == "Windows":
        root = os.environ.get("PROGRAMDATA") or "C:\\ProgramData"
        return [_join(system, root, "Blackmagic Design", "DaVinci Resolve", "Support", "LUT"),
                _join(system, root, "Blackmagic Design", "DaVinci Resolve", "LUT")]
    return ["/opt/resolve/LUT", "/home/resolve/LUT"]


def master_lut_dir(override=None, system=None):
    """The LUT folder to write into: ``override`` (NCST_LUT_DIR) or the first existing master folder."""
    if override:
        return os.path.abspath(os.path.expanduser(override))
    candidates = master_lut_dirs(system)
    for path in candidates:
        if os.path.isdir(path):
            return path
    return candidates[0]


def config_dir(system=None, environ=None):
    """Per-user folder for NCST's settings."""
    system = _system(system)
    env = os.environ if environ is None else environ
    if system == "Windows":
        return _join(system, env.get("APPDATA") or _join(system, _home(env, system), "AppData", "Roaming"), "NCST")
    if system == "Darwin":
        return _join(system, _home(env, system), "Library", "Application Support", "NCST")
    return _join(system, env.get("XDG_CONFIG_HOME") or _join(system, _home(env, system), ".config"), "ncst")


def config_file(environ=None):
    """``NCST_RESOLVE_CONFIG`` or ``<config dir>/resolve.json``."""
    env = os.environ if environ is None else environ
    return env.get("NCST_RESOLVE_CONFIG") or os.path.join(config_dir(environ=env), "resolve.json")


def looks_dir(environ=None):
    """Where the look bundles made from Resolve are kept (previews, reports, params)."""
    env = os.environ if environ is None else environ
    system = platform.system()
    if system == "Linux":
        base = env.get("XDG_DATA_HOME") or os.path.join(_home(env, system), ".local", "share")
        return os.path.join(base, "ncst", "resolve-looks")
    return os.path.join(config_dir(environ=env), "resolve-looks")
