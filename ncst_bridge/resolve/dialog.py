"""The UIManager dialog: reference still, scope, keyframes, solver, device, Match / Close, a log.

Stdlib only, Python >= 3.8. Built with Fusion's UIManager (``ui.VGroup``, ``disp.AddWindow``,
``win.On.<ID>.Clicked``, ``disp.RunLoop``). A Scripts-menu script runs in its own process, so the
blocking loop does not freeze Resolve; the match runs inside the Match handler and writes to the log.
"""

from . import job
from .api import call, has
from .errors import BridgeError

WINDOW_ID = "NCSTMatch"
SCOPES = (("Current clip", "clip"), ("Whole timeline", "timeline"), ("One video track", "track"))
DEVICES = ("auto", "cpu", "cuda", "mps")
# ncst match's --solver choices, auto first (ncst_bridge.match.pipeline.SOLVERS; a test ties them:
# this bridge runs on Resolve's own Python and imports nothing of the package)
SOLVERS = ("auto", "direct", "neural", "look", "prior")


def _layout(ui, config):
    return ui.VGroup({"Spacing": 6}, [
        ui.HGroup({"Weight": 0}, [
            ui.Label({"Text": "Reference still", "Weight": 0}),
            ui.LineEdit({"ID": "Reference", "Text": config.get("reference") or "",
                         "PlaceholderText": "image file, or 'gallery' / 'gallery:<label>'"}),
            ui.Button({"ID": "BrowseButton", "Text": "Browse...", "Weight": 0}),
            ui.Button({"ID": "GalleryButton", "Text": "Newest gallery still", "Weight": 0}),
        ]),
        ui.HGroup({"Weight": 0}, [
            ui.Label({"Text": "Scope", "Weight": 0}), ui.ComboBox({"ID": "Scope"}),
            ui.Label({"Text": "Track", "Weight": 0}),
            ui.SpinBox({"ID": "Track", "Minimum": 1, "Maximum": 99, "Value": 1}),
            ui.Label({"Text": "Keyframes", "Weight": 0}),
            ui.SpinBox({"ID": "Keyframes", "Minimum": 1, "Maximum": 64, "Value": int(config.get("keyframes") or 5)}),
        ]),
        ui.HGroup({"Weight": 0}, [
            ui.Label({"Text": "Solver", "Weight": 0}),
            ui.ComboBox({"ID": "Solver"}),
            ui.Label({"Text": "Iterations", "Weight": 0}),
            ui.SpinBox({"ID": "Iterations", "Minimum": 0, "Maximum": 100000,
                        "Value": int(config.get("iterations") or 0)}),
            ui.Label({"Text": "Strength", "Weight": 0}),
            ui.LineEdit({"ID": "Strength", "Text": "" if config.get("strength") is None else "%g" % config["strength"],
                         "PlaceholderText": "1"}),
            ui.Label({"Text": "Device", "Weight": 0}), ui.ComboBox({"ID": "Device"}),
        ]),
        ui.HGroup({"Weight": 0}, [
            ui.Button({"ID": "MatchButton", "Text": "Match"}),
            ui.Button({"ID": "CloseButton", "Text": "Close"}),
        ]),
        ui.TextEdit({"ID": "Log", "ReadOnly": True, "PlaceholderText": "progress and results"}),
    ])


def settings_from_items(items, config):
    """The run settings the widgets hold (0 iterations = ncst match's default)."""
    out = dict(config)
    out["reference"] = (items["Reference"].Text or "").strip() or None
    scope = SCOPES[max(0, min(len(SCOPES) - 1, int(items["Scope"].CurrentIndex or 0)))][1]
    out["scope"] = "track:%d" % int(items["Track"].Value) if scope == "track" else scope
    out["keyframes"] = int(items["Keyframes"].Value)
    solver = items["Solver"].CurrentText or "auto"
    out["solver"] = None if solver == "auto" else solver  # None: ncst match's default, auto
    out["iterations"] = int(items["Iterations"].Value) or None
    out["strength"] = (items["Strength"].Text or "").strip() or None  # checked by settings.validate
    out["device"] = items["Device"].CurrentText or "auto"
    return out


def show(fusion, ui, disp, resolve, config, python, project_root, echo=print):
    """Show the dialog and block until Close; returns the results of the last Match (or [])."""
    win = disp.AddWindow({"ID": WINDOW_ID, "WindowTitle": "NCST Match", "Geometry": [200, 200, 720, 460]},
                         _layout(ui, config))
    items = win.GetItems()
    for label, _ in SCOPES:
        items["Scope"].AddItem(label)
    scope = str(config.get("scope") or "clip")
    items["Scope"].CurrentIndex = 1 if scope == "timeline" else 2 if scope.startswith("track") else 0
    if scope.startswith("track:"):
        items["Track"].Value = int(scope.split(":", 1)[1])
    for d in DEVICES:
        items["Device"].AddItem(d)
    for s in SOLVERS:
        items["Solver"].AddItem(s)
    solver = config.get("solver") or "auto"
    items["Solver"].CurrentIndex = SOLVERS.index(solver) if solver in SOLVERS else 0
    items["Device"].CurrentIndex = DEVICES.index(config.get("device") or "auto")
    lines = []
    state = {"results": []}

    def log(text):
        echo(text)
        lines.append(text)
        items["Log"].PlainText = "\n".join(lines)

    def on_close(ev):
        disp.ExitLoop()

    def on_browse(ev):
        path = call(fusion, "RequestFile") if has(fusion, "RequestFile") else None
        if path:
            items["Reference"].Text = str(path)
        else:
            log("no file browser here: type or paste the still's path")

    def on_gallery(ev):
        items["Reference"].Text = "gallery"

    def on_match(ev):
        items["MatchButton"].Enabled = False
        try:
            run_config = settings_from_items(items, config)
            from . import settings as settings_mod
            settings_mod.validate(run_config)
            state["results"] = job.run(resolve, run_config, python, project_root, log)
        except BridgeError as exc:
            log("error: %s" % exc)
        except Exception as exc:
            log("internal error: %s: %s" % (type(exc).__name__, exc))
        finally:
            items["MatchButton"].Enabled = True

    win.On[WINDOW_ID].Close = on_close
    win.On.CloseButton.Clicked = on_close
    win.On.BrowseButton.Clicked = on_browse
    win.On.GalleryButton.Clicked = on_gallery
    win.On.MatchButton.Clicked = on_match
    win.Show()
    disp.RunLoop()
    win.Hide()
    return state["results"]
