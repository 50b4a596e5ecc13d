"""NCST Match: match the current clip (or the timeline) to a reference still in a new colour version.

DaVinci Resolve > Workspace > Scripts > Utility > NCST Match. Put here by `ncst resolve install`,
which writes the three paths below. Thin on purpose: the logic is the standard-library bridge in
ncst_bridge/resolve/, loaded from its recorded absolute path (Resolve's Python defines no __file__
and does not put this folder on sys.path); the heavy matching runs as `ncst match` in the
project's own Python, because Resolve's Python has no torch.
"""
# ncst-resolve-menu/1

NCST_BRIDGE_DIR = None  # set by `ncst resolve install`: .../ncst_bridge/resolve
NCST_PYTHON = None  # set by `ncst resolve install`: the project's Python
NCST_PROJECT_ROOT = None  # set by `ncst resolve install`: the folder holding ncst_bridge


def _ncst_main(namespace):
    import importlib
    import importlib.util
    import os
    import sys

    if not NCST_BRIDGE_DIR:
        print("NCST: this copy is not installed; run `ncst resolve install` from the project")
        return 2
    init = os.path.join(NCST_BRIDGE_DIR, "__init__.py")
    if not os.path.isfile(init):
        print("NCST: the bridge is no longer at %s; run `ncst resolve install` again" % NCST_BRIDGE_DIR)
        return 2
    # Load the bridge under its own name so ncst_bridge/__init__ (and numpy/torch) is never imported.
    name = "ncst_resolve_bridge"
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[NCST_BRIDGE_DIR])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    menu = importlib.import_module(name + ".menu")
    return menu.main(namespace, python=NCST_PYTHON, project_root=NCST_PROJECT_ROOT)


ncst_status = _ncst_main(globals())
