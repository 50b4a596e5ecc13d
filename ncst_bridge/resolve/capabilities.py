"""What a given Resolve build and edition allow this tool to do (stdlib only, Python >= 3.8).

From Blackmagic's scripting README and release notes: the Python Scripts menu is
Studio-only from 21.1; UIManager is None on the free edition from 19.1; external scripting (the
``doctor`` probe) is Studio-only; GetNumNodes/GetLUT need 17.4.6; ExportCurrentFrameAsStill 18.5;
GetSourceStartFrame 19.0.2; the Graph API 19.0.
"""

OK, WARN, FAIL = "ok", "warn", "fail"


def limits(version, studio):
    """[(level, text)] for a version tuple (or None) and an edition."""
    out = []
    if version is None:
        return [(WARN, "Resolve's version is unknown: features are probed with dir()")]
    v = tuple(version)
    if v < (17, 4, 6):
        out.append((FAIL, "Resolve %s is too old: writing LUTs with a read-back needs 17.4.6+ (GetNumNodes/GetLUT)"
                    % ".".join(map(str, v[:3]))))
    elif v < (19, 0):
        out.append((OK, "nodes via TimelineItem.SetLUT/GetLUT (17.4.6-18.x API)"))
    else:
        out.append((OK, "nodes via the Graph API (19.0+)"))
    if v < (18, 5):
        out.append((WARN, "clips without a decodable media file cannot be matched: ExportCurrentFrameAsStill needs 18.5+"))
    if v < (19, 0, 2):
        out.append((WARN, "source ranges come from GetLeftOffset (GetSourceStartFrame needs 19.0.2+): may be off by one frame"))
    if not studio:
        if v >= (21, 1):
            out.append((FAIL, "free edition 21.1+: Python scripts are Studio-only (they do not show in Workspace > Scripts)"))
        if v >= (19, 1):
            out.append((WARN, "free edition 19.1+: no dialog (UIManager is None); runs headless from NCST_REFERENCE / the config file"))
        out.append((WARN, "free edition: external scripting (ncst resolve doctor's live probe) needs Studio"))
    return out
