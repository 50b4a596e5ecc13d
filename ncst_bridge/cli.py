"""The ``ncst`` command. Each sub-command's module adds its own parser; this file only dispatches.

Errors the user can fix are NcstError: printed as one line, exit status 2. An OSError that reaches
here (disk full, permissions, a bad path) is the user's environment, not a bug: ``os_error_message``
is the one place that words it (errno name, the user's file -- never a staging temporary), exit 2.
Ctrl-C: exit 130 (the atomic writers have removed their temporaries on the way out). Anything else
is a bug, also printed as one line (the traceback with NCST_DEBUG=1), exit status 70.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import importlib
import os
import signal
import sys
import traceback

from ncst_bridge import __version__
from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import public_name
from ncst_bridge.io.limits import ENV as MAX_PIXELS_ENV
from ncst_bridge.io.limits import set_max_pixels

# Modules that provide ``register(subparsers)``; each sets ``func`` on its parser.
COMMAND_MODULES = (
    "ncst_bridge.commands.core",
    "ncst_bridge.commands.match",
    "ncst_bridge.commands.resolve",
    "ncst_bridge.ofx.install",
    "ncst_bridge.commands.ocio",
    "ncst_bridge.commands.pretrain",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise NcstError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ncst", description="NCST Bridge: match a clip to a reference still with "
                     "named grading parameters, exported as CDL, 3D LUT and OCIO looks.")
    parser.add_argument("--version", action="version", version=f"ncst {__version__}")
    parser.add_argument("--max-pixels", type=int, default=None, metavar="N",
                        help=f"refuse images and video frames above N pixels, checked from the header "
                             f"before decoding (default ${MAX_PIXELS_ENV} or 100000000)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def os_error_message(exc: OSError) -> str:
    """One line for an OS error: the user's file (not our temporary), what happened, the errno name."""
    name = errno.errorcode.get(exc.errno or 0, "")
    what = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    hint = {errno.ENOSPC: "; free some space or write elsewhere", errno.EFBIG: "; the file system or a "
            "file-size limit refuses a file this large", errno.EDQUOT: "; over the disk quota",
            errno.EACCES: "; check the permissions", errno.EROFS: "; write elsewhere"}.get(exc.errno or 0, "")
    files = [public_name(f) for f in (exc.filename, exc.filename2) if f not in (None, "")]
    where = " -> ".join(files)
    return f"{where + ': ' if where else ''}{what}{f' ({name})' if name else ''}{hint}"


def _quiet_exit() -> None:
    """Native extensions (OpenImageIO's nanobind) print leak reports at interpreter exit, after our
    one line; the command's output is complete by then, so stderr is closed for them."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 2)
        os.close(fd)
    except (OSError, ValueError):
        pass


_interrupted = False


def _on_sigint(signum, frame) -> None:
    """Python's own Ctrl-C behaviour, remembered: an extension module interrupted while importing
    turns KeyboardInterrupt into ImportError, which must still end as an interruption."""
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _exit_interrupted() -> None:
    """End the program with 130 now. A Ctrl-C that landed inside code a library ran through
    PyRun_* (some imports do) leaves CPython's "unhandled KeyboardInterrupt" flag set even though it
    was handled, and the interpreter would then kill itself with SIGINT at exit instead of
    returning 130. The outputs are already cleaned up (the atomic writers' finally blocks ran)."""
    _quiet_exit()
    os._exit(130)


def main(argv: list[str] | None = None) -> int:
    rc = _main(argv)
    if argv is None and rc == 130:
        _exit_interrupted()
    return rc


def _main(argv: list[str] | None) -> int:
    if argv is None:  # the program, not a caller in Python
        if not os.environ.get("NCST_DEBUG"):
            atexit.register(_quiet_exit)
        try:
            signal.signal(signal.SIGINT, _on_sigint)
        except ValueError:  # not the main thread
            pass
    try:
        args = build_parser().parse_args(argv)
        set_max_pixels(args.max_pixels)
        try:
            return int(args.func(args) or 0)
        finally:
            set_max_pixels(None)
    except NcstError as exc:
        if _interrupted:  # a consequence of the Ctrl-C (e.g. a codec told to stop), not the cause
            print("ncst: interrupted", file=sys.stderr)
            return 130
        print(f"ncst: {exc}", file=sys.stderr)
        return exc.exit_code
    except MemoryError:
        print("ncst: out of memory (lower --max-pixels, or use smaller inputs)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ncst: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ncst ... | head`: the reader left; not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except OSError as exc:  # disk full, permissions, bad paths: the environment, not a bug
        if _interrupted:
            print("ncst: interrupted", file=sys.stderr)
            return 130
        if os.environ.get("NCST_DEBUG"):
            traceback.print_exc()
        print(f"ncst: {os_error_message(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line unless asked for the traceback
        if _interrupted:
            print("ncst: interrupted", file=sys.stderr)
            return 130
        if os.environ.get("NCST_DEBUG"):
            traceback.print_exc()
        first = (str(exc).splitlines() or [""])[0][:200]
        print(f"ncst: internal error: {type(exc).__name__}: {first} (NCST_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
