"""The Resolve bridge stays importable by Resolve's Python: standard library only, Python >= 3.8.

Resolve runs Scripts-menu files with the system Python it finds (3.6+ documented, often 3.8-3.10),
which has no numpy or torch. These checks parse every bridge module as Python 3.8 would, refuse
3.9+ runtime idioms the parser cannot see, refuse non-stdlib imports, and load the bridge the way
the menu file does (under its own name, without the ncst_bridge package).
"""

import ast
import importlib.util
import subprocess
import sys

import pytest

from resolve_support import REPO, TESTS

BRIDGE = REPO / "ncst_bridge" / "resolve"
MENU = REPO / "ncst_bridge" / "resolve" / "scripts" / "NCST Match.py"
FILES = sorted(BRIDGE.glob("*.py")) + [MENU, TESTS / "fake_resolve.py", TESTS / "fake_dvr" / "DaVinciResolveScript.py"]
GENERIC_BUILTINS = {"list", "dict", "tuple", "set", "frozenset", "type"}
NEWER_ATTRS = {"removeprefix", "removesuffix", "cache", "is_relative_to", "bit_count", "pairwise",
               "to_thread", "readlink", "with_stem"}
NEWER_MODULES = {"zoneinfo", "graphlib", "tomllib"}


def _annotations(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
            args += [a for a in (node.args.vararg, node.args.kwarg) if a]
            yield from (a.annotation for a in args if a.annotation)
            if node.returns:
                yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def problems(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path), feature_version=(3, 8))   # 3.9+ syntax fails here
    out = []
    for ann in _annotations(tree):
        for n in ast.walk(ann):
            if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id in GENERIC_BUILTINS:
                out.append("%s:%d: %s[...] annotation needs 3.9" % (path.name, n.lineno, n.value.id))
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
                out.append("%s:%d: X | Y annotation needs 3.10" % (path.name, n.lineno))
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.attr in NEWER_ATTRS:
            out.append("%s:%d: .%s needs Python 3.9+" % (path.name, n.lineno, n.attr))
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr) and (
                isinstance(n.left, (ast.Dict, ast.DictComp)) or isinstance(n.right, (ast.Dict, ast.DictComp))):
            out.append("%s:%d: dict | dict needs 3.9" % (path.name, n.lineno))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "hasattr" \
                and path.parent == BRIDGE:
            out.append("%s:%d: hasattr() is always True on Resolve objects: use api.has()" % (path.name, n.lineno))
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            if isinstance(n, ast.ImportFrom) and n.level:
                continue
            names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module]
            for name in names:
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or (path.parent != BRIDGE and top in ("fake_resolve",))
                if top in NEWER_MODULES or not allowed:
                    out.append("%s:%d: import %s is not standard library on 3.8" % (path.name, n.lineno, name))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parses_as_python_3_8_and_uses_only_its_stdlib(path):
    assert problems(path) == []


def test_the_checker_catches_what_it_claims(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom . import x\n"
                   "def f(a: list[str]) -> int | None:\n    return 'x'.removeprefix('a') or hasattr(a, 'b')\n"
                   "y = {} | {1: 2}\n")
    found = problems(bad)
    assert len(found) == 5 and any("numpy" in p for p in found), found  # hasattr: bridge files only
    walrus_ok = tmp_path / "ok.py"
    walrus_ok.write_text("if (n := 3) > 2:\n    pass\n")
    assert problems(walrus_ok) == []
    match = tmp_path / "match.py"
    match.write_text("match 1:\n    case 1:\n        pass\n")
    with pytest.raises(SyntaxError):
        problems(match)


def test_bridge_modules_use_relative_imports_only():
    """Loaded as ``ncst_resolve_bridge`` by the menu file: absolute ncst_bridge imports would break."""
    for path in BRIDGE.glob("*.py"):
        for n in ast.walk(ast.parse(path.read_text())):
            if isinstance(n, ast.ImportFrom) and not n.level:
                assert not (n.module or "").startswith("ncst_bridge"), path.name


def test_bridge_loads_alone_without_the_package_or_numpy():
    code = ("import importlib, importlib.util, sys\n"
            "d = sys.argv[1]\n"
            "spec = importlib.util.spec_from_file_location('ncst_resolve_bridge', d + '/__init__.py', "
            "submodule_search_locations=[d])\n"
            "m = importlib.util.module_from_spec(spec); sys.modules['ncst_resolve_bridge'] = m\n"
            "spec.loader.exec_module(m)\n"
            "import pkgutil\n"
            "names = [n.name for n in pkgutil.iter_modules([d])]\n"
            "for n in names: importlib.import_module('ncst_resolve_bridge.' + n)\n"
            "bad = [k for k in ('ncst_bridge', 'numpy', 'torch', 'PIL', 'cv2') if k in sys.modules]\n"
            "print(len(names), bad)\n")
    res = subprocess.run([sys.executable, "-I", "-c", code, str(BRIDGE)], capture_output=True, text=True,
                         cwd=str(TESTS), timeout=60)
    assert res.returncode == 0, res.stderr
    count, bad = res.stdout.split(" ", 1)
    assert int(count) >= 14 and bad.strip() == "[]"


def test_set_cdl_map_gives_strings_and_1_based_nodes():
    spec = importlib.util.spec_from_file_location("cdl_map_alone", BRIDGE / "cdl_map.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.set_cdl_map([1.1, 1, 0.9], (0.01, 0, -0.02), [1, 1, 1.2], 0.8)
    assert m == {"NodeIndex": "1", "Slope": "1.100000 1.000000 0.900000", "Offset": "0.010000 0.000000 -0.020000",
                 "Power": "1.000000 1.000000 1.200000", "Saturation": "0.800000"}
    with pytest.raises(ValueError, match="1-based"):
        mod.set_cdl_map([1, 1, 1], [0, 0, 0], [1, 1, 1], 1, node_index=0)
