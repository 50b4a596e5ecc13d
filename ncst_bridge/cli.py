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
from typing import NoReturn

from ncst_bridge import __version__
from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import public_name
from ncst_bridge.io.limits import ENV as MAX_PIXELS_ENV
from ncst_bridge.io.limits import set_max_pixels

# Each command: the module whose ``register(subparsers)`` adds its parser (and sets ``func``), and its
# one-line help. Only the module of the command being run is imported: ``ncst --help`` and argument
# errors import no heavy library (torch alone takes seconds). tests/test_cli_startup.py checks that
# these lines are the ones the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "bake": (
        "ncst_bridge.commands.core",
        "write look.cube, look.cc, residual.cube and an OCIO config from params.json",
    ),
    "apply": ("ncst_bridge.commands.core", "render a look onto an image or video (direct f_P, sharpness included)"),
    "fidelity": ("ncst_bridge.commands.core", "ΔE2000 of each export of a bundle against the direct render"),
    "match": ("ncst_bridge.commands.match", "match clips or stills to a reference still; write a look bundle"),
    "resolve": ("ncst_bridge.commands.resolve", "install, remove or check the DaVinci Resolve Scripts-menu entry"),
    "ofx": (
        "ncst_bridge.ofx.install",
        "build or install the OpenFX plug-in (NCST Look) for Resolve, Nuke, Vegas, Natron ...",
    ),
    "ocio": ("ncst_bridge.commands.ocio", "OCIO configs: add a look to an existing config, list colour spaces"),
    "pretrain": (
        "ncst_bridge.commands.pretrain",
        "pretrain the NCST network on a folder of images (any layout, MS-COCO works)",
    ),
}
COMMAND_MODULES = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise NcstError(f"{self.prog}: {message}")


def build_parser(command: str | None = None, everything: bool = True) -> argparse.ArgumentParser:
    """The ``ncst`` parser. With ``everything`` every command's module adds its parser; otherwise only
    the module of ``command`` does, and the other commands get a bare parser carrying their help line."""
    parser = _Parser(
        prog="ncst",
        description="NCST Bridge: match a clip to a reference still with "
        "named grading parameters, exported as CDL, 3D LUT and OCIO looks.",
    )
    parser.add_argument("--version", action="version", version=f"ncst {__version__}")
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        metavar="N",
        help=f"refuse images and video frames above N pixels, checked from the header "
        f"before decoding (default ${MAX_PIXELS_ENV} or 100000000)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    wanted = COMMAND_MODULES if everything else tuple(m for name, (m, _) in COMMANDS.items() if name == command)
    for name in wanted:
        importlib.import_module(name).register(sub)
    for name, (module, help_line) in COMMANDS.items():
        if module not in wanted:
            sub.add_parser(name, help=help_line, add_help=False)
    sub._choices_actions.sort(key=lambda a: list(COMMANDS).index(a.dest) if a.dest in COMMANDS else 99)
    return parser


def command_in(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (its first word that is not an option), or None."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--max-pixels":  # the global option's value is not the command
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def os_error_message(exc: OSError) -> str:
    """One line for an OS error: the user's file (not our temporary), what happened, the errno name."""
    name = errno.errorcode.get(exc.errno or 0, "")
    what = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    hint = {
        errno.ENOSPC: "; free some space or write elsewhere",
        errno.EFBIG: "; the file system or a file-size limit refuses a file this large",
        errno.EDQUOT: "; over the disk quota",
        errno.EACCES: "; check the permissions",
        errno.EROFS: "; write elsewhere",
    }.get(exc.errno or 0, "")
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
    program = argv is None  # the program, not a caller in Python
    argv = sys.argv[1:] if argv is None else list(argv)
    if program:
        if not os.environ.get("NCST_DEBUG"):
            atexit.register(_quiet_exit)
        try:
            signal.signal(signal.SIGINT, _on_sigint)
        except ValueError:  # not the main thread
            pass
    try:
        args = build_parser(command_in(argv), everything=False).parse_args(argv)
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
        print(
            f"ncst: internal error: {type(exc).__name__}: {first} (NCST_DEBUG=1 shows the traceback)", file=sys.stderr
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
