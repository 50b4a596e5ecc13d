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
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise NcstError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ncst", description="NCST Bridge: match a clip to a reference still with "
                     "named grading parameters, exported as CDL, 3D LUT and OCIO looks.")
    parser.add_argument("--version", action="version", version=f"ncst {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
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
