"""Entry point the installed Workspace > Scripts file calls (stdlib only, Python >= 3.8).

``main(globals())`` finds Resolve, loads the settings and shows the dialog; it runs headless
(console output only) when there is no UIManager (free edition 19.1+) or when NCST_REFERENCE is set.
"""

import os
import sys

from . import connect, job, settings
from .errors import BridgeError


def _echo(text):
    print(text)
    sys.stdout.flush()


def main(namespace, python=None, project_root=None, environ=None, echo=_echo):
    """Run once. Returns 0 when every clip matched, 1 when some failed, 2 when nothing could run."""
    env = os.environ if environ is None else environ
    try:
        config, config_path = settings.load(env)
        resolve, how = connect.find_resolve(namespace)
        if resolve is None:
            raise BridgeError("cannot reach DaVinci Resolve (tried %s); inside Resolve run this from "
                              "Workspace > Scripts; outside it needs Studio with external scripting on" % how)
        if config_path:
            echo("NCST: settings from %s" % config_path)
        if env.get("NCST_REFERENCE"):
            fusion, ui, disp = None, None, None
            reason = "NCST_REFERENCE is set"
        else:
            fusion, ui, disp = connect.find_ui(namespace, resolve)
            reason = "no UIManager (free edition 19.1+, or no Fusion object)"
        if ui is None:
            echo("NCST: running without a dialog (%s)" % reason)
            results = job.run(resolve, config, python, project_root, lambda t: echo("NCST: " + t))
        else:
            from . import dialog
            results = dialog.show(fusion, ui, disp, resolve, config, python, project_root, echo=echo)
            if not results:
                return 0
        return 0 if all(r["status"] == "ok" for r in results) else 1
    except BridgeError as exc:
        echo("NCST: %s" % exc)
        return 2
    except Exception as exc:  # a bug: one line, never a traceback in Resolve's console
        echo("NCST: internal error: %s: %s" % (type(exc).__name__, exc))
        return 2
