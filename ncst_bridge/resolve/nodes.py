"""Node access across Resolve generations: the Graph API on 19.0+, TimelineItem methods on 17.4.6-18.x.

Stdlib only, Python >= 3.8. Node indexes are 1-based (since 16.2). Fetch a NodeAccess *after*
loading the colour version to write into: a Graph belongs to the grade it was taken from.
"""

from .api import call, feature, has, ok
from .errors import BridgeError


class NodeAccess(object):
    def __init__(self, info, item):
        self.item = item
        self.graph = None
        if feature(info, item, "GetNodeGraph", (19, 0)):
            graph = call(item, "GetNodeGraph")
            if graph is None or graph is False:
                graph = call(item, "GetNodeGraph", 1)  # layer 1; 0 answers False
            if not graph:
                raise BridgeError("Resolve gave no node graph for %s" % (call(item, "GetName") or "the clip"))
            self.graph = graph
            self.api = "Graph (19.0+)"
        elif info.at_least(19, 0) is not True and has(item, "GetNumNodes") and has(item, "SetLUT"):
            self.api = "TimelineItem (17.4.6-18.x)"
        else:
            raise BridgeError("this Resolve offers neither Graph.SetLUT (19.0+) nor TimelineItem.GetNumNodes "
                              "(17.4.6+): update Resolve")

    @property
    def _target(self):
        return self.graph if self.graph is not None else self.item

    def count(self):
        n = call(self._target, "GetNumNodes")
        try:
            return int(n)
        except (TypeError, ValueError):
            return 0

    def set_lut(self, index, path):
        return ok(call(self._target, "SetLUT", int(index), path))

    def get_lut(self, index):
        value = call(self._target, "GetLUT", int(index))
        return value if isinstance(value, str) else ""

    def label(self, index):
        value = call(self._target, "GetNodeLabel", int(index))
        return value if isinstance(value, str) else ""
