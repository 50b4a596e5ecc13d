"""`ncst ofx install` / `ncst ofx build`: per-OS plug-in folders, atomic copy, --force, clear errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ncst_bridge.ofx import install as ofx_install
from ofx_support import BUILD_DIR, REPO, built


def ncst(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """The real command, in a subprocess (slow to start: the CLI imports torch)."""
    env = {"PYTHONPATH": str(REPO), "PATH": path if path is not None else os.environ.get("PATH", "")}
    return subprocess.run([sys.executable, "-m", "ncst_bridge", *args], capture_output=True, text=True, env=env)


@pytest.fixture
def cli(capsys):
    """The same CLI entry point in-process: (exit status, stdout, stderr)."""
    from ncst_bridge.cli import main

    def run(*args: str):
        capsys.readouterr()
        rc = main(list(args))
        out = capsys.readouterr()
        return rc, out.out, out.err
    return run


def test_default_plugin_folders():
    assert ofx_install.default_plugin_dir("linux", {}) == Path("/usr/OFX/Plugins")
    assert ofx_install.default_plugin_dir("darwin", {}) == Path("/Library/OFX/Plugins")
    assert ofx_install.default_plugin_dir("win32", {}) == Path(r"C:\Program Files\Common Files") / "OFX" / "Plugins"
    assert ofx_install.default_plugin_dir("win32", {"CommonProgramFiles": r"D:\Common"}) == Path(r"D:\Common") / "OFX" / "Plugins"
    assert ofx_install.arch_dir("linux", "x86_64") == "Linux-x86-64"
    assert ofx_install.arch_dir("win32", "AMD64") == "Win64"
    assert ofx_install.arch_dir("darwin", "arm64") == "MacOS"


def test_bundle_layout():
    bundle, _, _ = built()
    assert bundle == BUILD_DIR / "NCST.ofx.bundle"
    binary = bundle / "Contents" / "Linux-x86-64" / "NCST.ofx"
    assert binary.is_file() and binary.read_bytes()[:4] == b"\x7fELF"


def test_install_into_a_folder(tmp_path, cli):
    bundle, _, _ = built()
    plugins = tmp_path / "OFX" / "Plugins"  # created if missing
    r = ncst("ofx", "install", "--dir", str(plugins))
    assert r.returncode == 0, r.stderr
    installed = plugins / "NCST.ofx.bundle" / "Contents" / "Linux-x86-64" / "NCST.ofx"
    assert installed.read_bytes() == (bundle / "Contents" / "Linux-x86-64" / "NCST.ofx").read_bytes()
    assert sorted(p.name for p in plugins.iterdir()) == ["NCST.ofx.bundle"]  # no temporary left behind

    rc, out, err = cli("ofx", "install", "--dir", str(plugins))
    assert rc == 2 and err.count("\n") == 1 and "already exists (use --force" in err
    marker = plugins / "NCST.ofx.bundle" / "old-file"
    marker.write_text("from a previous install")
    rc, out, err = cli("ofx", "install", "--dir", str(plugins), "--force")
    assert rc == 0, err
    assert not marker.exists() and installed.is_file()
    assert sorted(p.name for p in plugins.iterdir()) == ["NCST.ofx.bundle"]


def test_install_a_given_bundle_and_reject_a_bad_one(tmp_path, cli):
    bundle, _, _ = built()
    rc, out, err = cli("ofx", "install", "--dir", str(tmp_path / "a"), "--bundle", str(bundle))
    assert rc == 0, err
    assert (tmp_path / "a" / "NCST.ofx.bundle" / "Contents" / "Linux-x86-64" / "NCST.ofx").is_file()
    empty = tmp_path / "Empty.ofx.bundle"
    empty.mkdir()
    for bad in (str(tmp_path / "nope.ofx.bundle"), str(empty)):
        rc, out, err = cli("ofx", "install", "--dir", str(tmp_path / "b"), "--bundle", bad)
        assert rc == 2 and err.startswith("ncst: ") and err.count("\n") == 1, err
    assert not (tmp_path / "b" / "NCST.ofx.bundle").exists()


def test_missing_cmake_is_one_line(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    rc, out, err = cli("ofx", "install", "--dir", str(tmp_path / "p"), "--build-dir", str(tmp_path / "build"))
    assert rc == 2 and err.count("\n") == 1 and "cmake not found" in err, err
    rc, out, err = cli("ofx", "build", "--build-dir", str(tmp_path / "build"))
    assert rc == 2 and "cmake not found" in err
    assert not (tmp_path / "p").exists()


def test_missing_compiler_is_one_line(tmp_path, cli, monkeypatch):
    """cmake present, no C compiler: configure fails and the CLI says so in one line."""
    cmake = shutil.which("cmake")
    if not cmake:
        pytest.skip("cmake is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cmake").symlink_to(cmake)
    for tool in ("make", "gmake", "sh", "uname"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    rc, out, err = cli("ofx", "build", "--build-dir", str(tmp_path / "build"))
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "no C compiler found" in err, err


def test_cli_lists_the_ofx_command(cli):
    rc, out, err = cli("ofx", "install", "--help")
    assert rc == 0 and "--dir" in out and "--force" in out
    rc, out, err = cli("ofx")
    assert rc == 2 and err.count("\n") == 1


def test_default_build_dir_checkout_and_installed(tmp_path):
    """A checkout builds into <checkout>/build/ofx; an installed package into a per-user cache."""
    assert ofx_install.default_build_dir() == REPO / "build" / "ofx"
    installed = tmp_path / "site-packages" / "ncst_bridge" / "ofx" / "ofx_lut"  # no pyproject.toml above
    installed.mkdir(parents=True)
    built_in = ofx_install.default_build_dir(installed, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert built_in.parent == tmp_path / "cache" / "ncst-bridge" and built_in.name.startswith("ofx-build-")
    other = tmp_path / "other" / "ncst_bridge" / "ofx" / "ofx_lut"
    other.mkdir(parents=True)
    assert ofx_install.default_build_dir(other, {"XDG_CACHE_HOME": str(tmp_path / "cache")}) != built_in
