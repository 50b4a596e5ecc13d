"""Imports point one way: each package of ncst_bridge imports only the layers below it.

The order (lowest first) is drawn in the README's architecture section. Every import is checked,
including the ones inside functions, so a lazy import cannot hide a reversed dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ncst_bridge"

# Lowest first. A module may import its own package and anything on an earlier line.
LAYERS = [
    {"errors", "__init__"},
    {"grade"},
    {"objective"},
    {"io"},
    {"colour"},
    {"model"},
    {"match"},
    {"render", "metrics"},
    {"resolve", "ofx"},
    {"commands"},
    {"cli"},
    {"__main__"},
]


def _layer(top: str) -> int:
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"ncst_bridge.{top} is in no layer: add it to LAYERS and to the README diagram")


def _top(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg_parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = pkg_parts[: len(pkg_parts) - node.level]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "ncst_bridge":  # from ncst_bridge import x: x is the package imported
                for alias in node.names:
                    yield node.lineno, f"ncst_bridge.{alias.name}"
            else:
                yield node.lineno, mod


def test_every_import_points_down():
    bad = []
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    for path in files:
        here = _top(path)
        for line, mod in _imports(path):
            parts = mod.split(".")
            if parts[0] != "ncst_bridge" or len(parts) < 2:
                continue
            there = parts[1]
            if there == "__version__":
                continue
            if there != here and _layer(there) >= _layer(here):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({here}) imports {mod} ({there})")
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_the_core_knows_nothing_of_resolve_or_the_solvers():
    for path in (PACKAGE / "grade").rglob("*.py"):
        for _, mod in _imports(path):
            assert not mod.startswith(("ncst_bridge.resolve", "ncst_bridge.match", "ncst_bridge.model")), (path, mod)
