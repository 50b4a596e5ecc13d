"""One run: match the targeted clips to one reference and write each a new colour version.

Stdlib only, Python >= 3.8. Per clip: frames (media file + source range, or viewer stills) ->
``ncst match`` subprocess -> look bundle -> write-back. One clip's failure is recorded and the run
goes on; the page and playhead are put back at the end; a ``results.json`` lists every clip.
"""

import datetime
import json
import os

from . import capabilities, frames, matchrun, paths, settings as settings_mod, timeline as tl, writeback
from .api import ResolveInfo
from .errors import BridgeError
from .reference import resolve_reference


def _makedirs(path):
    if not os.path.isdir(path):
        os.makedirs(path)
    return path


def _run_dir(root, name, now):
    base = os.path.join(_makedirs(root), "%s_%s" % (now.strftime("%Y%m%d-%H%M%S"), writeback.clean(name)))
    path, n = base, 2
    while os.path.exists(path):
        path = "%s_%d" % (base, n)
        n += 1
    os.makedirs(path)
    return path


def check_lut_root(lut_root):
    if not os.path.isdir(lut_root):
        raise BridgeError("LUT folder %s does not exist: set NCST_LUT_DIR (or lut_dir in the config) to "
                          "Resolve's master LUT folder" % lut_root)
    sub = os.path.join(lut_root, paths.LUT_SUBFOLDER)
    probe = sub if os.path.isdir(sub) else lut_root
    if not os.access(probe, os.W_OK):
        raise BridgeError("LUT folder %s is not writable: fix its permissions or set NCST_LUT_DIR" % probe)


def match_clip(session, info, view, target, reference, config, run_dir, index, lut_root, python,
               project_root, log, now):
    clip_dir = os.path.join(run_dir, "%02d_%s" % (index, writeback.clean(target.name)))
    os.makedirs(clip_dir)
    source = frames.plan(session, info, target)
    notes = []
    if source.kind == "stills":
        log("  frames: %d stills from the viewer (%s)" % (config["keyframes"], source.reason))
        source.paths, notes = frames.export_stills(session, info, view, target, config["keyframes"],
                                                   _makedirs(os.path.join(clip_dir, "frames")))
        if not view.open_page("color"):
            raise BridgeError("could not return to the Color page")
    elif source.kind == "file":
        log("  frames: %s, source frames %d-%d" % (source.paths[0], source.start, source.end))
    else:
        log("  frames: still image %s" % source.paths[0])
    bundle_dir = os.path.join(clip_dir, "look")
    argv = matchrun.match_argv(python, source.paths, reference.path, bundle_dir, config,
                               source.start, source.end, command=config.get("match_command"))
    matchrun.run(argv, project_root, log)
    bundle = matchrun.Bundle(bundle_dir)
    return writeback.apply(session, info, target, bundle, reference, lut_root, now,
                           extra={"source": source.record(), "match_argv": argv}, notes=notes)


def run(resolve, config, python, project_root, log, now=None):
    """Run the match for ``config["scope"]``; returns the per-clip result dicts."""
    now = now or datetime.datetime.now().replace(microsecond=0)
    session = tl.Session(resolve)
    info = ResolveInfo(resolve)
    log("NCST Match on %s, timeline %r" % (info.describe(), session.name()))
    if info.at_least(17, 4, 6) is False:
        raise BridgeError("Resolve %s is too old: this tool needs 17.4.6 or newer" % info.describe())
    for level, text in capabilities.limits(info.version, info.studio):
        if level != capabilities.OK:
            log("note: " + text)
    scope, track = settings_mod.parse_scope(config.get("scope"))
    lut_root = paths.master_lut_dir(config.get("lut_dir"))
    check_lut_root(lut_root)
    run_dir = _run_dir(config.get("looks_dir") or paths.looks_dir(), session.name(), now)
    view = tl.ViewState(session)
    results = []
    try:
        if not view.open_page("color"):
            raise BridgeError("could not open the Color page (needed to add colour versions)")
        reference = resolve_reference(config.get("reference"), session.project, os.path.join(run_dir, "reference"))
        log("reference: %s" % reference.path)
        targets = tl.targets(session, scope, track)
        log("%d clip(s) to match; looks kept in %s; LUTs in %s" % (len(targets), run_dir,
                                                                   os.path.join(lut_root, paths.LUT_SUBFOLDER)))
        for i, target in enumerate(targets, 1):
            log("[%d/%d] %s" % (i, len(targets), target.label()))
            result = {"clip": target.name, "track": target.track, "start_frame": target.start,
                      "status": "failed", "version": None, "sidecar": None, "warnings": [], "message": ""}
            try:
                rec = match_clip(session, info, view, target, reference, config, run_dir, i, lut_root,
                                 python, project_root, log, now)
                result.update(status="ok", version=rec["version"]["name"], sidecar=rec["sidecar"],
                              warnings=rec["warnings"], cdl_applied=rec["cdl_applied"],
                              message="version %r: %s; LUT %s on node %d" % (
                                  rec["version"]["name"], "CDL on node 1" if rec["cdl_applied"] else "no CDL",
                                  rec["lut"]["set_lut_path"], rec["lut"]["node"]))
            except BridgeError as exc:
                result["message"] = str(exc)
            except Exception as exc:  # a bug: still one clip only, said in one line
                result["message"] = "internal error: %s: %s" % (type(exc).__name__, exc)
            for w in result["warnings"]:
                log("  warning: " + w)
            log("  %s: %s" % ("ok" if result["status"] == "ok" else "FAILED", result["message"]))
            results.append(result)
    finally:
        for problem in view.restore():
            log("warning: " + problem)
    with open(os.path.join(run_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump({"timeline": session.name(), "scope": config.get("scope"), "reference": reference.record(),
                   "results": results}, fh, indent=2)
    done = sum(r["status"] == "ok" for r in results)
    log("done: %d of %d clip(s) matched (results: %s)" % (done, len(results), os.path.join(run_dir, "results.json")))
    return results
