"""Shared helpers for the Resolve bridge tests: worlds for the fake Resolve, bundles, the menu file.

Fixtures here are imported by the test_resolve_*.py files (kept out of conftest.py so other
branches' conftest sections are untouched).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fake_resolve

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
FAKE_MATCH = TESTS / "fake_match.py"
FAKE_DVR = TESTS / "fake_dvr"
LOOK = {"format": "ncst-look/1",
        "params": {"brightness": 1.05, "contrast": 1.15, "gamma": 0.9, "hue": 12.0,
                   "saturation": 1.1, "temperature": 0.25}}


def ncst(*args, env=None, cwd=None):
    """Run ``python -m ncst_bridge ARGS`` with the repo importable."""
    e = dict(os.environ if env is None else env)
    e["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]] if env and env.get("PYTHONPATH") else []))
    return subprocess.run([sys.executable, "-m", "ncst_bridge", *args], capture_output=True, text=True,
                          env=e, cwd=cwd or REPO, timeout=300)


@pytest.fixture(scope="session")
def look_params(tmp_path_factory):
    path = tmp_path_factory.mktemp("look") / "params.json"
    path.write_text(json.dumps(LOOK))
    return path


@pytest.fixture(scope="session")
def baked_bundle(tmp_path_factory, look_params):
    """A real bundle from the real ``ncst bake`` (9^3 LUTs to keep the copies small)."""
    out = tmp_path_factory.mktemp("bundle") / "look"
    res = ncst("bake", str(look_params), "-o", str(out), "--size", "9")
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="session")
def installed_menu(tmp_path_factory):
    """The menu file as ``ncst resolve install --scripts-dir`` writes it (run once)."""
    root = tmp_path_factory.mktemp("Scripts")
    res = ncst("resolve", "install", "--scripts-dir", str(root))
    assert res.returncode == 0, res.stderr
    menu = root / "Utility" / "NCST Match.py"
    assert menu.is_file()
    return menu


def png(path, rgb=(90, 120, 200)):
    fake_resolve.write_png(str(path), rgb)
    return path


def make_spec(tmp, **over):
    """A 24 fps timeline at 01:00:00:00 with two media clips, a gap and a generator on V1."""
    tmp = Path(tmp)
    lut_root = tmp / "LUT"
    lut_root.mkdir(exist_ok=True)
    media = tmp / "media"
    media.mkdir(exist_ok=True)
    for name in ("a.mov", "b.mov"):
        (media / name).write_bytes(b"not decoded by the fake match")
    spec = {
        "version": [19, 1, 3, 7], "studio": True, "page": "edit", "lut_root": str(lut_root),
        "timeline": {"name": "Main TL", "fps": "24", "start_tc": "01:00:00:00", "playhead": "01:00:01:00"},
        "tracks": [[
            {"name": "A", "start": 0, "duration": 48, "file": str(media / "a.mov"), "source_start": 10},
            {"name": "B", "start": 72, "duration": 24, "file": str(media / "b.mov"), "media_fps": 25,
             "source_start": 100},
            {"name": "Solid", "kind": "generator", "start": 120, "duration": 24, "colour": [200, 40, 40]},
        ]],
        "gallery": [{"label": "old", "image": str(png(tmp / "g_old.png", (10, 10, 10)))},
                    {"label": "hero", "image": str(png(tmp / "g_hero.png", (250, 200, 150)))}],
    }
    spec.update(over)
    return spec


def write_config(tmp, bundle, mode="copy", **extra):
    """A config file whose match_command is the fake match; returns its path."""
    tmp = Path(tmp)
    cfg = {"match_command": [sys.executable, str(FAKE_MATCH), "--fake-mode", mode]
           + (["--fake-source", str(bundle)] if bundle else []),
           "looks_dir": str(tmp / "looks")}
    cfg.update(extra)
    path = tmp / "resolve.json"
    path.write_text(json.dumps(cfg))
    return path


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean NCST environment: no NCST_* variables, config and looks in tmp, a match log."""
    for var in list(os.environ):
        if var.startswith("NCST_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("NCST_RESOLVE_CONFIG", str(tmp_path / "missing.json"))
    monkeypatch.setenv("NCST_FAKE_MATCH_LOG", str(tmp_path / "match_calls.jsonl"))
    return monkeypatch


def match_calls(tmp):
    path = Path(tmp) / "match_calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def run_menu(menu, namespace, capsys=None):
    """Execute the installed menu file the way Resolve does: as a script, with no ``__file__``."""
    code = compile(Path(menu).read_text(encoding="utf-8"), "NCST Match", "exec")
    ns = {"__name__": "__main__"}
    ns.update(namespace)
    exec(code, ns)
    assert "__file__" not in ns
    return ns["ncst_status"]
