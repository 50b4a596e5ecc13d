"""One run: match the targeted clips to one reference and write each a new colour version.

Stdlib only, Python >= 3.8. Once per run: the project's colour settings (``colour_run``) decide
the space Resolve's nodes work in. Per clip: frames (media file + source range, or viewer stills)
-> ``ncst match`` subprocess (with the frames' and the reference's colour spaces) -> look bundle ->
(``ncst bake --input-space`` when the nodes work in another space than the frames) -> write-back:
the CDL path, or the look as one LUT in the node space. One clip's failure is recorded and the run
goes on; the page and playhead are put back at the end; a ``results.json`` lists every clip.
"""

import datetime
import json
import os

from . import capabilities, colour_run, frames, matchrun, paths, settings as settings_mod, timeline as tl, writeback
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


def node_look(colour, bundle, frames_space, clip_dir, config, python, project_root, log):
    """None for the CDL path, else {path, space, made_by, reason} of the LUT for a node in ``colour.node_space``.

    The bundle's own ``look_in_<space>.cube`` serves when ``ncst match`` ran with the node space as
    ``--input-space``; otherwise ``ncst bake --input-space <node space>`` makes it from the parameters.
    """
    space = colour.node_space
    if colour.cdl_applies:
        return None
    made_by = "ncst match"
    got, working, path = matchrun.camera_look(bundle.folder) if frames_space == space else (None, None, None)
    if path is None:
        folder = os.path.join(clip_dir, "look_in_" + colour_run.slug(space))
        log("  nodes work in '%s', the frames are in %s: ncst bake --input-space '%s'" % (
            space, "'%s'" % frames_space if frames_space else "display-referred Rec.709/sRGB", space))
        matchrun.run(matchrun.bake_argv(python, bundle.path("params.json"), folder, space, config), project_root,
                     log, what="ncst bake (the look in '%s')" % space)
        got, working, path = matchrun.camera_look(folder)
        made_by = "ncst bake"
    if got is not None and got == working:
        return None  # the node space is the working space under another name: the CDL path is exact
    if path is None:
        raise BridgeError("%s made no %s (params.json has no look in the input space)" % (
            made_by, colour_run.look_in_name(space)))
    why = ("the project is colour managed (%s) and its nodes work in '%s'" % (colour.plan["mode"], got)
           if colour.handling == "managed" else
           "input_space '%s' names the clips' own encoding, which the nodes see (not colour managed)" % got)
    reason = ("%s, not in display-referred Rec.709/sRGB: the CDL was NOT applied (its numbers are meant for "
              "Rec.709/sRGB values); the whole look went into node 1 as %s ('%s' in and out)"
              % (why, os.path.basename(path), got))
    return {"path": path, "space": got, "made_by": made_by, "reason": reason}


def match_clip(session, info, view, target, reference, config, run_dir, index, lut_root, python,
               project_root, log, now, colour, reference_space):
    clip_dir = os.path.join(run_dir, "%02d_%s" % (index, writeback.clean(target.name)))
    os.makedirs(clip_dir)
    source = frames.plan(session, info, target)
    frames_space, frames_how, notes = colour.frames_space(target, source)
    if source.kind == "stills":
        log("  frames: %d stills from the viewer (%s)" % (config["keyframes"], source.reason))
        source.paths, still_notes = frames.export_stills(session, info, view, target, config["keyframes"],
                                                         _makedirs(os.path.join(clip_dir, "frames")))
        notes = notes + still_notes
        if not view.open_page("color"):
            raise BridgeError("could not return to the Color page")
    elif source.kind == "file":
        log("  frames: %s, source frames %d-%d" % (source.paths[0], source.start, source.end))
    else:
        log("  frames: still image %s" % source.paths[0])
    log("  frames colour space: %s (%s)" % (frames_space or "display-referred Rec.709/sRGB", frames_how))
    bundle_dir = os.path.join(clip_dir, "look")
    argv = matchrun.match_argv(python, source.paths, reference.path, bundle_dir, config,
                               source.start, source.end, command=config.get("match_command"),
                               extra=colour_run.match_options(frames_space, reference_space[0], config))
    matchrun.run(argv, project_root, log)
    bundle = matchrun.Bundle(bundle_dir)
    look_in = node_look(colour, bundle, frames_space, clip_dir, config, python, project_root, log)
    clip_colour = {"frames_space": frames_space, "frames_space_from": frames_how,
                   "reference_space": reference_space[0], "reference_space_from": reference_space[1],
                   "node_space": colour.node_space, "cdl_applies": look_in is None,
                   "node_lut": None if look_in is None else {
                       "file": look_in["path"], "space": look_in["space"], "made_by": look_in["made_by"]},
                   "project": colour.record()}
    return writeback.apply(session, info, target, bundle, reference, lut_root, now,
                           extra={"source": source.record(), "match_argv": argv, "colour": clip_colour},
                           notes=notes, look_in=look_in)


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
    colour = colour_run.prepare(session, config)   # refuses before anything changes
    for line in colour.describe():
        log(line)
    for w in colour.warnings:
        log("warning: " + w)
    results = []
    try:
        if not view.open_page("color"):
            raise BridgeError("could not open the Color page (needed to add colour versions)")
        reference = resolve_reference(config.get("reference"), session.project, os.path.join(run_dir, "reference"))
        reference_space = colour.reference_space(reference)
        log("reference: %s; colour space: %s (%s)" % (
            reference.path, reference_space[0] or "display-referred Rec.709/sRGB", reference_space[1]))
        targets = tl.targets(session, scope, track)
        log("%d clip(s) to match; looks kept in %s; LUTs in %s" % (len(targets), run_dir,
                                                                   os.path.join(lut_root, paths.LUT_SUBFOLDER)))
        for i, target in enumerate(targets, 1):
            log("[%d/%d] %s" % (i, len(targets), target.label()))
            result = {"clip": target.name, "track": target.track, "start_frame": target.start,
                      "status": "failed", "version": None, "sidecar": None, "warnings": [], "message": ""}
            try:
                rec = match_clip(session, info, view, target, reference, config, run_dir, i, lut_root,
                                 python, project_root, log, now, colour, reference_space)
                result.update(status="ok", version=rec["version"]["name"], sidecar=rec["sidecar"],
                              warnings=rec["warnings"], cdl_applied=rec["cdl_applied"],
                              lut_space=rec["lut"]["space"],
                              message="version %r: %s; LUT %s (%s) on node %d" % (
                                  rec["version"]["name"], "CDL on node 1" if rec["cdl_applied"] else "no CDL",
                                  rec["lut"]["set_lut_path"], rec["lut"]["content"], rec["lut"]["node"]))
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
                   "reference_space": reference_space[0], "colour": colour.record(), "results": results},
                  fh, indent=2)
    done = sum(r["status"] == "ok" for r in results)
    log("done: %d of %d clip(s) matched (results: %s)" % (done, len(results), os.path.join(run_dir, "results.json")))
    return results
