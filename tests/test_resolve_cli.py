"""``ncst resolve install | uninstall | doctor`` through the real CLI (subprocess)."""

import ast
import json
import os
import sys

import pytest

from ncst_bridge.resolve import paths
from resolve_support import FAKE_DVR, REPO, installed_menu, make_spec, ncst  # noqa: F401


class _Res(object):
    def __init__(self, rc, out, err):
        self.returncode, self.stdout, self.stderr = rc, out, err


@pytest.fixture
def cli(capsys):
    """``ncst ARGS`` in this process (the import of torch is paid once, not per call)."""
    from ncst_bridge.cli import main

    def run(*args):
        capsys.readouterr()
        rc = main(list(args))
        out, err = capsys.readouterr()
        return _Res(rc, out, err)
    return run


def _one_line_error(res):
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith("ncst: "), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def test_install_records_absolute_paths(installed_menu):
    text = installed_menu.read_text(encoding="utf-8")
    tree = ast.parse(text)
    values = {t.targets[0].id: ast.literal_eval(t.value) for t in tree.body
              if isinstance(t, ast.Assign) and t.targets[0].id.startswith("NCST_")}
    assert values == {"NCST_BRIDGE_DIR": str(REPO / "ncst_bridge" / "resolve"), "NCST_PYTHON": sys.executable,
                      "NCST_PROJECT_ROOT": str(REPO)}
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "__file__"]
    assert installed_menu.parent.name == "Utility"


def test_reinstall_uninstall_and_foreign_files(tmp_path, cli):
    root = tmp_path / "Scripts"
    menu = root / "Utility" / "NCST Match.py"
    assert "no such folder" in _one_line_error(cli("resolve", "install", "--scripts-dir", str(root)))
    assert not root.exists()  # a typo never creates a whole path
    root.mkdir()
    assert cli("resolve", "install", "--scripts-dir", str(root)).returncode == 0
    assert cli("resolve", "install", "--scripts-dir", str(root)).returncode == 0   # ours: replaced
    menu.write_text("print('someone else')\n")
    msg = _one_line_error(cli("resolve", "install", "--scripts-dir", str(root)))
    assert "not installed by ncst" in msg and menu.read_text() == "print('someone else')\n"
    assert "not installed by ncst" in _one_line_error(cli("resolve", "uninstall", "--scripts-dir", str(root)))
    assert cli("resolve", "install", "--scripts-dir", str(root), "--force").returncode == 0
    assert "ncst-resolve-menu" in menu.read_text()
    res = cli("resolve", "uninstall", "--scripts-dir", str(root))
    assert res.returncode == 0 and not menu.exists() and "kept" in res.stdout
    res = cli("resolve", "uninstall", "--scripts-dir", str(root))
    assert res.returncode == 0 and "nothing to remove" in res.stdout
    assert [p.name for p in (root / "Utility").iterdir()] == []            # no temp files left


@pytest.mark.skipif(sys.platform != "linux", reason="per-user folder checked on Linux")
def test_default_per_user_folder_needs_resolve_installed(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    msg = _one_line_error(cli("resolve", "install"))
    assert ".local/share/DaVinciResolve" in msg and "--scripts-dir" in msg
    (tmp_path / ".local" / "share" / "DaVinciResolve").mkdir(parents=True)
    res = cli("resolve", "install")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / ".local/share/DaVinciResolve/Fusion/Scripts/Utility/NCST Match.py").is_file()
    assert _one_line_error(cli("resolve", "install", "--all-users", "--scripts-dir", "x"))


def test_scripts_and_lut_folders_per_os():
    mac = paths.scripts_root(system="Darwin", environ={"HOME": "/Users/ann"})
    assert mac == "/Users/ann/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"
    assert paths.scripts_root(True, "Darwin", {}) == \
        "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"
    win = paths.scripts_root(system="Windows", environ={"APPDATA": "C:\\Users\\ann\\AppData\\Roaming"})
    assert win == "C:\\Users\\ann\\AppData\\Roaming\\Blackmagic Design\\DaVinci Resolve\\Support\\Fusion\\Scripts"
    assert paths.scripts_root(True, "Windows", {"PROGRAMDATA": "C:\\ProgramData"}) == \
        "C:\\ProgramData\\Blackmagic Design\\DaVinci Resolve\\Fusion\\Scripts"
    assert paths.scripts_root(system="Linux", environ={"HOME": "/home/ann"}) == \
        "/home/ann/.local/share/DaVinciResolve/Fusion/Scripts"
    assert paths.master_lut_dirs("Darwin") == ["/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT"]
    assert paths.master_lut_dirs("Linux")[0] == "/opt/resolve/LUT"
    assert paths.master_lut_dir("~/x") == os.path.expanduser("~/x")


@pytest.fixture
def doctor(cli, monkeypatch, tmp_path):
    """Run ``ncst resolve doctor`` with HOME in tmp and, given a spec, a fake Resolve to probe."""
    for var in list(os.environ):
        if var.startswith("NCST_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NCST_RESOLVE_CONFIG", str(tmp_path / "none.json"))

    def run(spec=None, extra=None):
        if spec is not None:
            (tmp_path / "spec.json").write_text(json.dumps(spec))
            monkeypatch.setenv("NCST_FAKE_RESOLVE_SPEC", str(tmp_path / "spec.json"))
            monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), str(FAKE_DVR)]))
        for k, v in (extra or {}).items():
            monkeypatch.setenv(k, v)
        return cli("resolve", "doctor", "--scripts-dir", str(tmp_path / "Scripts"))
    return run


def test_doctor_reports_the_running_resolve_and_its_limits(tmp_path, doctor):
    spec = make_spec(tmp_path, studio=False, version=[21, 1, 0, 4])
    res = doctor(spec, {"NCST_LUT_DIR": spec["lut_root"]})
    out = res.stdout
    assert "ok    Resolve           DaVinci Resolve 21.1.0.4 (free)" in out
    assert "fail  Resolve limits    free edition 21.1+: Python scripts are Studio-only" in out
    assert "ok    LUT folder" in out and "warn  menu file         not installed" in out
    assert res.returncode == 1


def test_doctor_with_studio_and_the_menu_installed(tmp_path, doctor, cli):
    spec = make_spec(tmp_path, studio=True, version=[19, 1, 3, 7])
    (tmp_path / "Scripts").mkdir()  # install refuses a --scripts-dir that does not exist
    assert cli("resolve", "install", "--scripts-dir", str(tmp_path / "Scripts")).returncode == 0
    res = doctor(spec, {"NCST_LUT_DIR": spec["lut_root"]})
    assert "ok    Resolve           DaVinci Resolve Studio 19.1.3.7 (Studio)" in res.stdout
    assert "ok    menu file" in res.stdout and "nodes via the Graph API" in res.stdout
    assert "fail" not in res.stdout.replace("0 failed", "") and res.returncode == 0, res.stdout


def test_doctor_without_resolve_and_with_a_bad_lut_dir(tmp_path, doctor):
    res = doctor(extra={"NCST_LUT_DIR": str(tmp_path / "missing")})
    assert "warn  Resolve           DaVinciResolveScript not found" in res.stdout
    assert "fail  LUT folder" in res.stdout and res.returncode == 1
    (tmp_path / "none.json").write_text('{"colour": 1}')
    res = doctor()
    assert "fail  settings" in res.stdout and "unknown setting(s) colour" in res.stdout


def test_doctor_flags_a_menu_pointing_at_a_moved_project(tmp_path, doctor, installed_menu):
    menu = tmp_path / "Scripts" / "Utility" / "NCST Match.py"
    menu.parent.mkdir(parents=True)
    menu.write_text(installed_menu.read_text().replace(str(REPO), str(tmp_path / "gone")))
    res = doctor()
    assert "fail  menu file" in res.stdout and "run ncst resolve install again" in res.stdout


def test_bad_cli_use_is_one_line(tmp_path):
    assert _one_line_error(ncst("resolve"))
    assert _one_line_error(ncst("resolve", "install", "--scripts-dir", str(REPO / "README.md")))
