"""Write-then-rename helpers: a failed run never leaves partial files or loses the user's."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from collections.abc import Iterator

from ncst_bridge.errors import NcstError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, is_dir: bool) -> None:
    """mkstemp/mkdtemp create private (0600/0700) entries; give outputs the usual permissions."""
    os.chmod(path, (0o777 if is_dir else 0o666) & ~_umask())


def check_new_output(path: Path, force: bool) -> None:
    """Refuse an existing output unless --force, and a folder we cannot write into."""
    if path.exists() and not force:
        raise NcstError(f"{path}: already exists (use --force to replace it)")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise NcstError(f"{parent}: output folder does not exist")
    if not os.access(parent, os.W_OK):
        raise NcstError(f"{parent}: output folder is not writable")


@contextlib.contextmanager
def atomic_file(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    check_new_output(path, force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.resolve().parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _publish_mode(tmp_path, is_dir=False)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; it becomes ``path`` only if the block succeeds.

    With ``force`` an existing folder is replaced only after the new one is complete.
    """
    path = Path(path)
    check_new_output(path, force)
    if path.exists() and not path.is_dir():
        raise NcstError(f"{path}: exists and is not a folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.resolve().parent))
    try:
        yield tmp
        _publish_mode(tmp, is_dir=True)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
