"""Start-up: ``ncst --help``, a command's ``--help`` and argument errors import no heavy library,
and the light copies the parsers use (help lines, video choices) agree with their owners."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ncst_bridge import cli

HEAVY = ("torch", "colour", "cv2", "av", "scipy")

_PROBE = """
import json, sys
from ncst_bridge.cli import main
code = main(sys.argv[1:])
heavy = [m for m in %r if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy, "numpy": "numpy" in sys.modules}), file=sys.stderr)
"""


def _run(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,), *argv], check=False, capture_output=True,
                          text=True,
                          timeout=60)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [("--help",), ("bake", "--help"), ("apply", "--help"), ("match", "--help"),
                                  ("frobnicate",), ("bake",), ("apply", "look", "in.png")])
def test_help_and_argument_errors_import_no_heavy_library(argv):
    got = _run(*argv)
    assert got["heavy"] == [], f"ncst {' '.join(argv)} imported {got['heavy']}"
    assert got["code"] in (0, 2)


def test_top_level_help_does_not_even_import_numpy():
    assert _run("--help")["numpy"] is False


def test_help_lines_are_the_ones_the_modules_register():
    parser = cli.build_parser()  # every module registers its parsers
    sub = next(a for a in parser._actions if a.dest == "command")
    registered = {a.dest: a.help for a in sub._choices_actions}
    assert registered == {name: help_line for name, (_, help_line) in cli.COMMANDS.items()}


def test_each_command_is_built_by_the_module_the_table_names():
    import argparse
    import importlib

    for name, (module, _) in cli.COMMANDS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        assert name in sub.choices, f"{module} does not register '{name}'"
        built = cli.build_parser(name, everything=False)
        action = next(a for a in built._actions if a.dest == "command")
        assert action.choices[name].add_help, f"'{name}' got the bare placeholder parser"


def test_video_choices_agree_with_the_encoder_and_engines():
    from ncst_bridge.io.video import CODECS, PRORES_PROFILES
    from ncst_bridge.render import options
    from ncst_bridge.render.engines import ENGINES

    assert options.CODEC_CHOICES == tuple(CODECS)
    assert options.PRORES_PROFILE_CHOICES == tuple(PRORES_PROFILES)
    assert options.ENGINE_CHOICES == ENGINES


def test_solver_choices_agree_with_the_pipeline():
    from ncst_bridge.commands.match import SOLVER_CHOICES
    from ncst_bridge.match.pipeline import SOLVERS

    assert SOLVER_CHOICES == tuple(SOLVERS)
