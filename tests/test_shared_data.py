"""The shared-data locator (tests/conftest.py): the environment decides, a missing folder skips with
the reason, and what the repository ships is always there to test with."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import conftest
from conftest import REPO, SAMPLE_CLIP, SAMPLE_STILL, photo, photos, shared_path

PROBE = "import conftest; print(conftest.SHARED); print(conftest.SHARED_MISSING)"


def locate(value: str) -> list[str]:
    env = dict(os.environ, NCST_SHARED_DATA=value)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO / "tests", env=env, capture_output=True,
                         text=True, check=True).stdout
    return out.splitlines()


def test_the_environment_names_the_folder(tmp_path):
    (tmp_path / "images").mkdir()
    assert locate(str(tmp_path)) == [str(tmp_path), ""]


def test_a_missing_folder_is_reported_not_replaced(tmp_path):
    where, why = locate(str(tmp_path / "nowhere"))
    assert where == "None"
    assert f"NCST_SHARED_DATA={tmp_path / 'nowhere'}" in why and "not available" in why


def test_missing_data_skips_with_the_reason(monkeypatch):
    monkeypatch.setattr(conftest, "SHARED", None)
    monkeypatch.setattr(conftest, "SHARED_MISSING", "no shared data here (test)")
    with pytest.raises(pytest.skip.Exception, match="no shared data here"):
        shared_path("images")
    assert photos() == [SAMPLE_STILL] and photo(13) == SAMPLE_STILL  # never empty, never an IndexError


def test_the_bundled_samples_ship():
    assert SAMPLE_CLIP.stat().st_size > 100_000 and SAMPLE_STILL.stat().st_size > 10_000
    assert all(p.is_file() for p in photos())
