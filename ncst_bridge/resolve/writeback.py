"""Write a look into a clip without losing anything: a new local colour version with the CDL and LUT.

Stdlib only, Python >= 3.8. Steps, each read back (Resolve fails with bare False, or True without
effect): AddVersion "NCST <reference> <date>" (local) -> LoadVersionByName -> GetCurrentVersion ->
node count -> SetCDL (string values) on node 1 -> copy the LUT into <master LUT folder>/NCST/ ->
RefreshLUTList -> SetLUT (residual on node 2 when there are >= 2 nodes, else the whole look on
node 1 and no CDL) -> GetLUT -> version list -> sidecar JSON (Resolve has no GetCDL). Any failure
loads the user's version back, deletes the new one and the copied LUT: the clip ends as it began.

When the project's nodes work in a space other than display-referred Rec.709/sRGB (``look_in``:
colour-managed timelines, see colour_run), SetCDL is skipped -- the CDL's numbers are meant for
Rec.709/sRGB values -- and the look made for that space (``look_in_<space>.cube``) goes on node 1,
first in the chain, where it sees the clip as the match did.
"""

import json
import os
import re
import tempfile

from . import paths
from .api import call, ok
from .cdl_map import set_cdl_map
from .errors import BridgeError
from .nodes import NodeAccess

LOCAL, REMOTE = 0, 1
SIDECAR_FORMAT = "ncst-resolve-write/1"


def clean(text, limit=40):
    """A file-name-safe fragment of ``text``."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("._")
    return (out or "clip")[:limit]


def _name_list(item, kind):
    names = call(item, "GetVersionNameList", kind)
    return [str(n) for n in names] if isinstance(names, (list, tuple)) else None


class VersionState(object):
    """The clip's current version and version lists, as Resolve reports them."""

    def __init__(self, item):
        cur = call(item, "GetCurrentVersion")
        if not isinstance(cur, dict) or not cur.get("versionName"):
            raise BridgeError("cannot read the clip's current colour version (GetCurrentVersion)")
        self.name = str(cur.get("versionName"))
        try:
            self.kind = int(cur.get("versionType", LOCAL))
        except (TypeError, ValueError):
            self.kind = LOCAL
        self.local = _name_list(item, LOCAL)
        self.remote = _name_list(item, REMOTE)
        if self.local is None:
            raise BridgeError("cannot read the clip's local version list (GetVersionNameList)")

    def record(self):
        return {"name": self.name, "type": "remote" if self.kind == REMOTE else "local"}

    def same(self, other):
        return (self.name, self.kind, self.local, self.remote) == (other.name, other.kind, other.local, other.remote)


def version_name(reference_name, now, existing):
    """``NCST <reference> <YYYY-MM-DD HH:MM>``, made unique against ``existing``."""
    ref = re.sub(r"\s+", " ", str(reference_name)).strip()[:40] or "reference"
    base = "NCST %s %s" % (ref, now.strftime("%Y-%m-%d %H:%M"))
    name, n = base, 2
    while name in existing:
        name = "%s (%d)" % (base, n)
        n += 1
    return name


def _norm(p):
    return p.replace("\\", "/").strip().strip("/").lower()


def lut_readback_ok(readback, rel, absolute):
    """GetLUT answers the path relative to the LUT folders (some builds: as given)."""
    if not readback:
        return False
    rb = _norm(readback)
    return rb == _norm(rel) or rb == _norm(absolute) or rb.endswith("/" + _norm(rel))


def _write_new(path, write):
    """Write via a temporary file in the same folder, then rename (never a partial file)."""
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".ncst-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)
        if os.path.exists(path):
            raise BridgeError("%s appeared while writing; not replacing it" % path)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def unique_stem(folder, stem):
    n, out = 2, stem
    while os.path.exists(os.path.join(folder, out + ".cube")) or os.path.exists(os.path.join(folder, out + ".json")):
        out = "%s_%d" % (stem, n)
        n += 1
    return out


def copy_lut(src, folder, stem):
    """Copy ``src`` to ``folder/stem.cube`` (new file, never overwriting)."""
    with open(src, "rb") as fh:
        data = fh.read()
    dst = os.path.join(folder, stem + ".cube")
    _write_new(dst, lambda out: out.write(data))
    return dst


def write_sidecar(path, obj):
    data = (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode("utf-8")
    _write_new(path, lambda out: out.write(data))


def rollback(item, before, new_name):
    """Load the user's version again and delete ours; returns problems (empty when all is back)."""
    problems = []
    cur = call(item, "GetCurrentVersion")
    if not (isinstance(cur, dict) and cur.get("versionName") == before.name):
        if not ok(call(item, "LoadVersionByName", before.name, before.kind)):
            problems.append("could not load the original version %r again" % before.name)
    if new_name and new_name in (_name_list(item, LOCAL) or []):
        if not ok(call(item, "DeleteVersionByName", new_name, LOCAL)):
            problems.append("could not delete the new version %r" % new_name)
    try:
        after = VersionState(item)
        if not after.same(before):
            problems.append("versions differ from before (now %r, local %s)" % (after.name, after.local))
    except BridgeError as exc:
        problems.append(str(exc))
    return problems


def _nodes_from(first, count):
    return "node %d" % first if count == first else "nodes %d-%d" % (first, count)


def apply(session, info, target, bundle, reference, lut_root, now, extra=None, notes=None, look_in=None):
    """Write ``bundle`` into a new colour version of ``target``; returns the sidecar record.

    ``look_in``: None for the CDL path, or ``{"path", "space", "reason", ...}`` of the one LUT that
    holds the look in the node space (no SetCDL). Raises BridgeError after undoing everything when
    any step fails.
    """
    item = target.item
    before = VersionState(item)
    name = version_name(reference.name, now, set(before.local) | set(before.remote or []))
    lut_folder = os.path.join(lut_root, paths.LUT_SUBFOLDER)
    created, copied, warnings = False, [], list(notes or [])
    try:
        if not os.path.isdir(lut_root):
            raise BridgeError("LUT folder %s does not exist (set NCST_LUT_DIR to Resolve's master LUT folder)" % lut_root)
        if not os.path.isdir(lut_folder):
            os.makedirs(lut_folder)
        added = ok(call(item, "AddVersion", name, LOCAL))
        created = name in (_name_list(item, LOCAL) or [])
        if not (added and created):
            raise BridgeError("Resolve refused to add colour version %r (Color page closed, or the grade is locked?)" % name)
        cur = call(item, "GetCurrentVersion")
        if not (isinstance(cur, dict) and cur.get("versionName") == name):
            ok(call(item, "LoadVersionByName", name, LOCAL))
            cur = call(item, "GetCurrentVersion")
            if not (isinstance(cur, dict) and cur.get("versionName") == name):
                raise BridgeError("Resolve did not load the new version %r" % name)

        nodes = NodeAccess(info, item)
        count = nodes.count()
        if count < 1:
            raise BridgeError("cannot read the node count of the new version")
        cdl_record = None
        lut_space = "working"  # display-referred Rec.709/sRGB in and out
        if look_in is not None:
            lut_node, lut_src, lut_space = 1, look_in["path"], look_in["space"]
            old = nodes.get_lut(1)
            if old:
                warnings.append("node 1 held LUT %s (copied from your grade); this version has the NCST look "
                                "there instead" % old)
            warnings.append(look_in["reason"])
            if count > 1:
                warnings.append("%s of the copied grade still apply after the look" % _nodes_from(2, count))
        elif count >= 2:
            lut_node, lut_name = 2, "residual.cube"
            old = nodes.get_lut(1)
            if old:
                warnings.append("node 1 already holds LUT %s; the CDL acts before it" % old)
            cdl = set_cdl_map(bundle.slope, bundle.offset, bundle.power, bundle.saturation, node_index=1)
            if ok(call(item, "SetCDL", cdl)):
                cdl_record = {"node": 1, "set_cdl": cdl}
            else:  # refused on still and generator clips [observed]; a locked grade fails at SetLUT too
                lut_name = "look.cube"
                warnings.append("Resolve refused SetCDL on this clip (a still or generator?): the whole look "
                                "went into node 2's LUT and the CDL was NOT applied")
            if count > 2:
                warnings.append("%s of the copied grade still apply after the look" % _nodes_from(3, count))
        else:
            lut_node, lut_name = 1, "look.cube"
            warnings.append("the new version has one node: the whole look went into node 1's LUT and "
                            "the CDL was NOT applied (add a second node, serial, and run again for an "
                            "editable CDL)")
        if look_in is None:
            lut_src = bundle.path(lut_name)
        lut_name = os.path.basename(lut_src)

        stem = unique_stem(lut_folder, clean("%s_%s_%s" % (session.name(), target.name, now.strftime("%Y%m%d-%H%M%S")), 90))
        lut_abs = copy_lut(lut_src, lut_folder, stem)
        copied.append(lut_abs)
        lut_rel = paths.LUT_SUBFOLDER + "/" + os.path.basename(lut_abs)
        if not ok(call(session.project, "RefreshLUTList")):
            warnings.append("RefreshLUTList answered False")
        sent = lut_rel
        if not nodes.set_lut(lut_node, lut_rel):
            sent = lut_abs
            if not nodes.set_lut(lut_node, lut_abs):
                raise BridgeError("SetLUT on node %d failed for %s (is %s a LUT folder Resolve scans? "
                                  "set NCST_LUT_DIR to the master LUT folder)" % (lut_node, lut_rel, lut_root))
        readback = nodes.get_lut(lut_node)
        if not lut_readback_ok(readback, lut_rel, lut_abs):
            raise BridgeError("node %d reads back LUT %r, not %r" % (lut_node, readback, lut_rel))

        after = VersionState(item)
        if after.name != name:
            raise BridgeError("the current version changed to %r while writing" % after.name)
        if before.name not in after.local + (after.remote or []) or not set(before.local) <= set(after.local):
            raise BridgeError("the original versions are not all there any more")

        record = {
            "format": SIDECAR_FORMAT,
            "written_at": now.isoformat(),
            "resolve": info.describe(),
            "node_api": nodes.api,
            "timeline": session.name(),
            "clip": {"name": target.name, "unique_id": call(item, "GetUniqueId"), "track": target.track,
                     "start_frame": target.start, "end_frame": target.end},
            "version": {"name": name, "type": "local"},
            "original_version": before.record(),
            "node_count": count,
            "cdl_applied": cdl_record is not None,
            "cdl": cdl_record,
            "cdl_skipped": None if look_in is None else look_in["reason"],
            "lut": {"node": lut_node, "content": lut_name, "source": lut_src, "space": lut_space,
                    "file": lut_abs, "set_lut_path": sent, "get_lut": readback},
            "look": {"bundle": bundle.folder, "params": bundle.params,
                     "cdl": {"slope": bundle.slope, "offset": bundle.offset, "power": bundle.power,
                             "saturation": bundle.saturation},
                     "not_representable": bundle.not_representable},
            "reference": reference.record(),
            "warnings": list(warnings),
        }
        record.update(extra or {})
        sidecar = os.path.join(lut_folder, stem + ".json")
        write_sidecar(sidecar, record)
        copied.append(sidecar)
        record["sidecar"] = sidecar
        return record
    except Exception as exc:
        problems = rollback(item, before, name) if created else []
        for path in copied:
            try:
                os.remove(path)
            except OSError:
                problems.append("could not remove %s" % path)
        if copied:
            call(session.project, "RefreshLUTList")
        msg = str(exc) if isinstance(exc, BridgeError) else "%s: %s" % (type(exc).__name__, exc)
        if problems:
            msg += "; UNDO INCOMPLETE: " + "; ".join(problems)
        else:
            msg += " (the clip is as it was)"
        raise BridgeError(msg) from exc
