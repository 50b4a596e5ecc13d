"""The bridge's one user-facing exception (stdlib only, Python >= 3.8).

The bridge is imported by Resolve's own Python without the rest of ``ncst_bridge`` (whose package
imports need numpy/torch), so it cannot use ``ncst_bridge.errors.NcstError``; the CLI converts.
"""


class BridgeError(Exception):
    """Something the user can fix, said in one line (shown in the dialog log or the console)."""
