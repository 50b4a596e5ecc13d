"""Write-then-rename helpers: a failed run never leaves partial files or loses the user's.

The output rule, in one sentence: ncst writes into a hidden temporary beside the output and renames
it onto the named output only when the work succeeded, never replacing anything that exists there
(even something that appeared while it worked) unless ``--force`` is given, and with ``--force`` it
replaces exactly that one path and only if it is a file or something ncst writes (a look bundle,
recognised by its params.json format marker; an empty folder) -- never a folder of other files,
never a folder holding an input, never anything beside it.

Renames are exclusive: Linux ``renameat2(RENAME_NOREPLACE)`` (``RENAME_EXCHANGE`` swaps a forced
folder in one step), else a hard link (files) or an exclusive ``mkdir`` (folders) -- not
check-then-act. Temporaries are named ``.NAME.<pid>.<random>.part[.ext]``; litter from killed runs
(owner gone and idle a minute, or idle an hour) is removed by the next run writing into that folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from collections.abc import Callable
from typing import Any

from ncst_bridge.errors import NcstError

STALE_AGE_S = 3600.0  # litter this old is removed whoever owns it
IDLE_S = 60.0  # ... and litter of a process that is gone, once unchanged this long (a writer on
#               another machine sharing the folder has a PID we cannot see, but keeps it changing)
BUNDLE_FORMAT = "ncst-look/1"  # params.json "format" of a look bundle (grade.params.FORMAT)
_PART_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<rand>[A-Za-z0-9_]{8})\.part(?P<ext>\.[^.]*)?$")
_RENAME_NOREPLACE, _RENAME_EXCHANGE, _AT_FDCWD = 1, 2, -100


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, is_dir: bool) -> None:
    """mkstemp/mkdtemp create private (0600/0700) entries; give outputs the usual permissions."""
    os.chmod(path, (0o777 if is_dir else 0o666) & ~_umask())


# --- exclusive renames ---------------------------------------------------------------------------

_libc: Any = None  # the C library once looked up; False where renameat2 is missing


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux renameat2; True if done, False if unavailable here (raises OSError for real failures)."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            _libc.renameat2  # noqa: B018 -- glibc >= 2.28
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    res = _libc.renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), ctypes.c_uint(flags))
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # kernel or filesystem without the flag
        return False
    raise OSError(err, os.strerror(err), str(dst))


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists, whenever it appeared."""
    if _renameat2(src, dst, _RENAME_NOREPLACE):
        return
    if src.is_dir():
        os.mkdir(dst)  # exclusive claim; renaming a folder onto an empty folder replaces it
        try:
            os.rename(src, dst)
        except OSError:
            with contextlib.suppress(OSError):
                os.rmdir(dst)
            raise
    else:
        try:
            os.link(src, dst)  # fails with EEXIST if anything is there
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links (FAT, some network shares)
            os.close(os.open(dst, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # claim the name
            os.replace(src, dst)  # onto our own empty claim
            return
        os.unlink(src)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step where the system can."""
    return _renameat2(a, b, _RENAME_EXCHANGE)


# --- what may be replaced -------------------------------------------------------------------------


def is_look_bundle(path: Path) -> bool:
    """A folder ncst wrote as a look bundle: its params.json carries the look format marker."""
    try:
        with open(path / "params.json", encoding="utf-8") as fh:
            obj = json.loads(fh.read(1 << 20))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(obj, dict) and obj.get("format") == BUNDLE_FORMAT


def _is_empty_dir(path: Path) -> bool:
    try:
        return path.is_dir() and not any(path.iterdir())
    except OSError:
        return False


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _check_replaceable(path: Path, is_dir: bool, ours: Callable[[Path], bool] | None, what: str) -> None:
    if is_dir:
        if not path.is_dir():
            raise NcstError(f"{path}: exists and is not a folder; ncst replaces only a {what} (choose another -o)")
        if not (_is_empty_dir(path) or (ours or is_look_bundle)(path)):
            raise NcstError(
                f"{path}: is a folder that ncst did not write (not a {what}); --force replaces "
                f"only a {what}, choose another -o"
            )
    elif path.is_dir():
        raise NcstError(
            f"{path}: is a folder; the output is a file (name the file, e.g. {path / 'out'}{path.suffix or ''})"
        )
    elif path.exists() and not path.is_file():
        raise NcstError(f"{path}: exists and is not a regular file")


def check_new_output(
    path: str | Path,
    force: bool,
    is_dir: bool = False,
    inputs: Iterable[str | Path] = (),
    ours: Callable[[Path], bool] | None = None,
    what: str = "look bundle",
) -> None:
    """Every check on an output path that can fail, before any work: call it first.

    Refuses an existing output without ``force``; with ``force``, anything but a file (``is_dir``
    False) or a folder ncst wrote (``ours``, default: a look bundle; an empty folder); the current
    folder, the root or one of their ancestors; an output that is, or holds, one of ``inputs``; a
    missing or unwritable output folder.
    """
    path = Path(path)
    if str(path) in ("", ".", "..") or path.name in ("", ".", ".."):
        raise NcstError(f"{path}: names a folder, not an output; give a new name (e.g. -o look)")
    full = Path(os.path.abspath(path))
    real = full.resolve()
    if real == Path(real.anchor) or _inside(Path.cwd().resolve(), real):
        raise NcstError(f"{path}: is the current folder or one above it; give a new name")
    for item in inputs:
        src = Path(os.path.abspath(item)).resolve()
        if _inside(src, real):
            raise NcstError(f"{path}: output {'holds' if src != real else 'is'} the input {item}; choose another -o")
    if os.path.lexists(path):
        if not force:
            raise NcstError(f"{path}: already exists (use --force to replace it)")
        _check_replaceable(path, is_dir, ours, what)
    parent = full.parent
    if not parent.is_dir():
        raise NcstError(f"{parent}: output folder does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise NcstError(f"{parent}: output folder is not writable")


# --- temporaries and their litter -----------------------------------------------------------------


def temp_prefix(name: str) -> str:
    return f".{name}.{os.getpid()}."


def public_name(path: str | Path) -> str:
    """The final name a temporary stands for (``B/.look.cube.123.ab12cd34.part.cube`` -> ``B/look.cube``,
    ``.B.123.ab12cd34.part/look.cube`` -> ``B/look.cube``): messages name the user's files."""
    parts = []
    for part in Path(path).parts:
        m = _PART_RE.match(part)
        if m:
            name, ext = m.group("name"), m.group("ext")
            part = name if ext is None or name.endswith(ext) else name + ext
        parts.append(part)
    return str(Path(*parts)) if parts else str(path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_parts(folder: str | Path, now: float | None = None) -> list[Path]:
    """Remove our temporaries in ``folder`` left by killed runs: the owning process is gone and the
    entry has not changed for a minute, or it has not changed for an hour."""
    folder = Path(folder)
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _PART_RE.match(entry.name)
        if not m or int(m.group("pid")) == os.getpid():
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if age < IDLE_S or (age < STALE_AGE_S and _pid_alive(int(m.group("pid")))):
            continue
        path = folder / entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            pass  # someone else's, or already gone: not ours to fight over
    return removed


@contextlib.contextmanager
def _naming(tmp: Path) -> Iterator[None]:
    """A write error without a file name (ENOSPC, EFBIG from write()) gets the output's name;
    ``public_name`` turns the temporary into the user's name where the message is worded."""
    try:
        yield
    except OSError as exc:
        if not exc.filename:
            exc.filename = str(tmp)
        raise


def _appeared(path: Path) -> NcstError:
    return NcstError(f"{path}: appeared while this run was working; not replaced (use --force to replace it)")


@contextlib.contextmanager
def atomic_file(path: str | Path, force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    check_new_output(path, force, inputs=inputs)
    folder = Path(os.path.abspath(path)).parent
    clean_stale_parts(folder)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=f".part{path.suffix}", dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        with _naming(tmp_path):
            yield tmp_path
        _publish_mode(tmp_path, is_dir=False)
        if force:
            _check_replaceable(path, False, None, "file")
            os.replace(tmp_path, path)
        else:
            try:
                rename_noreplace(tmp_path, path)
            except FileExistsError:
                raise _appeared(path) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(
    path: str | Path,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    ours: Callable[[Path], bool] | None = None,
    what: str = "look bundle",
) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; it becomes ``path`` only if the block succeeds.

    With ``force`` an existing folder that ``ours`` accepts (default: a look bundle) or an empty one
    is replaced in one step after the new one is complete; nothing else is removed.
    """
    path = Path(path)
    check_new_output(path, force, is_dir=True, inputs=inputs, ours=ours, what=what)
    folder = Path(os.path.abspath(path)).parent
    clean_stale_parts(folder)
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(path.name), suffix=".part", dir=folder))
    try:
        with _naming(tmp):
            yield tmp
        _publish_mode(tmp, is_dir=True)
        _publish_dir(tmp, path, force, ours, what)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _publish_dir(tmp: Path, path: Path, force: bool, ours, what: str) -> None:
    try:
        rename_noreplace(tmp, path)
        return
    except FileExistsError:
        if not force:
            raise _appeared(path) from None
    _check_replaceable(path, True, ours, what)  # what is there now, not what was there at the start
    if _exchange(tmp, path):  # tmp now holds the old folder; the finally above removes it
        return
    old = Path(tempfile.mkdtemp(prefix=temp_prefix(path.name), suffix=".part", dir=tmp.parent))
    os.rmdir(old)  # a unique free name for the old folder (never a user's ".NAME.old")
    os.rename(path, old)
    try:
        rename_noreplace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            rename_noreplace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)
