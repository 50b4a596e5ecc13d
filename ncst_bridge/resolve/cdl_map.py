"""The dict DaVinci Resolve's ``TimelineItem.SetCDL`` wants (stdlib only, Python >= 3.8).

Resolve takes every value as a string: NodeIndex is 1-based ("1"), Slope/Offset/Power are three
space-separated numbers, Saturation one. Python lists "succeed" but render a red frame.
"""


def _fmt(v):
    return "%.6f" % float(v)


def set_cdl_map(slope, offset, power, saturation, node_index=1):
    """Return ``{"NodeIndex", "Slope", "Offset", "Power", "Saturation"}`` with string values."""
    node_index = int(node_index)
    if node_index < 1:
        raise ValueError("Resolve node indexes are 1-based; got %d" % node_index)
    for name, triple in (("slope", slope), ("offset", offset), ("power", power)):
        if len(triple) != 3:
            raise ValueError("%s needs three values, got %d" % (name, len(triple)))
    return {
        "NodeIndex": str(node_index),
        "Slope": " ".join(_fmt(v) for v in slope),
        "Offset": " ".join(_fmt(v) for v in offset),
        "Power": " ".join(_fmt(v) for v in power),
        "Saturation": _fmt(saturation),
    }
