"""A fake ``DaVinciResolveScript`` module (Resolve's Developer/Scripting/Modules one) for tests.

``scriptapp("Resolve")`` answers with ``fake_resolve.active_world()``: the in-process world a test
set, or one built from the JSON file named by NCST_FAKE_RESOLVE_SPEC (subprocess runs, whose final
state is dumped to NCST_FAKE_RESOLVE_STATE). A free-edition world marked ``external_process``
answers None, as real Resolve does for a foreign process.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fake_resolve  # noqa: E402


def scriptapp(name):
    world = fake_resolve.active_world()
    if world is None:
        return None
    return world.scriptapp(name, external=bool(world.spec.get("external_process", False)))


def UIDispatcher(ui):  # noqa: N802
    world = fake_resolve.active_world()
    return fake_resolve.FakeDispatcher(world, ui)
