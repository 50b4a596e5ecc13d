"""Defensive access to Resolve's scripting objects (stdlib only, Python >= 3.8).

Resolve answers failures with a bare ``None``/``False`` rather than an exception, and every
attribute "exists" on its objects (``hasattr`` is always true), so capabilities are probed with
``name in dir(obj)`` and gated by the version that introduced them.
"""

import re

from .errors import BridgeError

STUDIO_PRODUCT = "DaVinci Resolve Studio"


def has(obj, name):
    """True when Resolve's object really offers ``name`` (``hasattr`` is always true on them)."""
    if obj is None:
        return False
    try:
        return name in dir(obj)
    except Exception:
        return False


def call(obj, name, *args):
    """``obj.name(*args)``, or None when the object is missing or the call raises."""
    if obj is None:
        return None
    try:
        return getattr(obj, name)(*args)
    except Exception:
        return None


def ok(value):
    """Resolve's success value: exactly True (or a truthy non-False object), never None/False."""
    return value is not None and value is not False and bool(value)


def parse_version(value, text=None):
    """``GetVersion()`` (``[major, minor, patch, build, suffix]``) or ``GetVersionString()`` -> tuple.

    Returns ``(major, minor, patch, build)`` as ints, or None when neither can be read.
    """
    if isinstance(value, (list, tuple)) and value:
        nums = []
        for part in list(value)[:4]:
            try:
                nums.append(int(part))
            except (TypeError, ValueError):
                break
        if nums:
            return tuple((nums + [0, 0, 0, 0])[:4])
    if isinstance(value, dict) and value:  # some builds return {1.0: major, ...}
        try:
            parts = [int(value[k]) for k in sorted(value)[:4]]
            return tuple((parts + [0, 0, 0, 0])[:4])
        except (TypeError, ValueError):
            pass
    if text:
        nums = [int(n) for n in re.findall(r"\d+", str(text))[:4]]
        if nums:
            return tuple((nums + [0, 0, 0, 0])[:4])
    return None


def version_text(version):
    return ".".join(str(v) for v in version) if version else "unknown"


class ResolveInfo(object):
    """What the running Resolve is: product, version, edition, and which API generation to use."""

    def __init__(self, resolve):
        self.product = call(resolve, "GetProductName") or ""
        self.version = parse_version(call(resolve, "GetVersion"), call(resolve, "GetVersionString"))
        studio = None
        if self.version is not None and self.version >= (21, 1) and has(resolve, "IsStudio"):
            answer = call(resolve, "IsStudio")  # documented from 21.1; older builds: the product name
            if answer is True or answer is False:
                studio = answer
        if studio is None:
            studio = str(self.product).strip() == STUDIO_PRODUCT
        self.studio = bool(studio)

    def at_least(self, *version):
        """True when the version is known and >= ``version``; unknown versions answer None."""
        if self.version is None:
            return None
        return self.version >= tuple(version)

    def describe(self):
        return "%s %s (%s)" % (self.product or "DaVinci Resolve", version_text(self.version),
                               "Studio" if self.studio else "free")


def feature(info, obj, name, since):
    """Whether ``obj.name`` may be used: listed by ``dir()`` and, when the version is known, new enough."""
    newer = info.at_least(*since) if info is not None else None
    if newer is False:
        return False
    return has(obj, name)


def require(value, what):
    """Raise BridgeError(what) when a Resolve call answered None/False."""
    if not ok(value):
        raise BridgeError(what)
    return value
