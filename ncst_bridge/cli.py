"""The ``ncst`` command. Each sub-command's module adds its own parser; this file only dispatches.

Errors the user can fix are NcstError: printed as one line, exit status 2. Anything else is a bug,
also printed as one line (the traceback with NCST_DEBUG=1), exit status 70.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import NoReturn

from ncst_bridge import __version__
from ncst_bridge.errors import NcstError

# Each command: the module whose ``register(subparsers)`` adds its parser (and sets ``func``), and its
# one-line help. Only the module of the command being run is imported: ``ncst --help`` and argument
# errors import no heavy library (torch alone takes seconds). tests/test_cli_startup.py checks that
# these lines are the ones the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "bake": ("ncst_bridge.commands.core",
             "write look.cube, look.cc, residual.cube and an OCIO config from params.json"),
    "apply": ("ncst_bridge.commands.core",
              "render a look onto an image or video (direct f_P, sharpness included)"),
    "fidelity": ("ncst_bridge.commands.core", "ΔE2000 of each export of a bundle against the direct render"),
    "match": ("ncst_bridge.commands.match", "match clips or stills to a reference still; write a look bundle"),
    "resolve": ("ncst_bridge.commands.resolve",
                "install, remove or check the DaVinci Resolve Scripts-menu entry"),
    "ofx": ("ncst_bridge.ofx.install",
            "build or install the OpenFX plug-in (NCST Look) for Resolve, Nuke, Vegas, Natron ..."),
    "ocio": ("ncst_bridge.commands.ocio", "OCIO configs: add a look to an existing config, list colour spaces"),
    "pretrain": ("ncst_bridge.commands.pretrain",
                 "pretrain the NCST network on a folder of images (any layout, MS-COCO works)"),
}
COMMAND_MODULES = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise NcstError(f"{self.prog}: {message}")


def build_parser(command: str | None = None, everything: bool = True) -> argparse.ArgumentParser:
    """The ``ncst`` parser. With ``everything`` every command's module adds its parser; otherwise only
    the module of ``command`` does, and the other commands get a bare parser carrying their help line."""
    parser = _Parser(prog="ncst", description="NCST Bridge: match a clip to a reference still with "
                     "named grading parameters, exported as CDL, 3D LUT and OCIO looks.")
    parser.add_argument("--version", action="version", version=f"ncst {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    wanted = COMMAND_MODULES if everything else tuple(
        m for name, (m, _) in COMMANDS.items() if name == command)
    for name in wanted:
        importlib.import_module(name).register(sub)
    for name, (module, help_line) in COMMANDS.items():
        if module not in wanted:
            sub.add_parser(name, help=help_line, add_help=False)
    sub._choices_actions.sort(key=lambda a: list(COMMANDS).index(a.dest) if a.dest in COMMANDS else 99)
    return parser


def command_in(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (its first word that is not an option), or None."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(command_in(argv), everything=False).parse_args(argv)
        return int(args.func(args) or 0)
    except NcstError as exc:
        print(f"ncst: {exc}", file=sys.stderr)
        return exc.exit_code
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
    except Exception as exc:  # a bug: still one line unless asked for the traceback
        if os.environ.get("NCST_DEBUG"):
            traceback.print_exc()
        first = (str(exc).splitlines() or [""])[0][:200]
        print(f"ncst: internal error: {type(exc).__name__}: {first} (NCST_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
