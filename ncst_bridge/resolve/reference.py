"""The reference still: a file, or a still of the current gallery album exported to a file.

Stdlib only, Python >= 3.8. Spec strings: a path; ``gallery`` (the newest still of the current
album: the API cannot read the gallery's selection); ``gallery:<label>`` (the still with that label).
``GalleryStillAlbum.ExportStills`` answers False unless the Gallery panel is open on the Color page,
and the panel cannot be opened from the API: that case gets its own message.
"""

import os

from .api import call, ok
from .errors import BridgeError

IMAGE_EXT = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".dpx", ".bmp", ".webp", ".ppm")
GALLERY_PANEL_CLOSED = ("Resolve did not export the gallery still: ExportStills works only while the "
                        "Gallery panel is open on the Color page (the API cannot open it). Open the "
                        "Gallery and run again, or choose a still file")


class Reference(object):
    def __init__(self, path, name, origin):
        self.path = path
        self.name = name      # shown in the version name
        self.origin = origin  # "file" or "gallery"

    def record(self):
        return {"path": self.path, "name": self.name, "origin": self.origin}


def is_gallery(spec):
    return spec is not None and (spec.strip().lower() == "gallery" or spec.strip().lower().startswith("gallery:"))


def from_file(spec):
    path = os.path.abspath(os.path.expanduser(spec.strip().strip('"')))
    if not os.path.isfile(path):
        raise BridgeError("reference still not found: %s" % path)
    if os.path.splitext(path)[1].lower() not in IMAGE_EXT:
        raise BridgeError("reference is not an image file (%s): %s" % ("/".join(IMAGE_EXT), path))
    return Reference(path, os.path.splitext(os.path.basename(path))[0], "file")


def gallery_stills(project):
    """(album, [(still, label)]) of the current still album, in the album's order."""
    gallery = call(project, "GetGallery")
    album = call(gallery, "GetCurrentStillAlbum")
    if not album:
        raise BridgeError("no current gallery still album (open the Gallery on the Color page)")
    stills = call(album, "GetStills") or []
    return album, [(s, call(album, "GetLabel", s) or "") for s in stills if s]


def from_gallery(project, spec, folder):
    """Export the chosen still as PNG into ``folder``; returns a Reference to the file."""
    label = spec.split(":", 1)[1].strip() if ":" in spec else ""
    album, stills = gallery_stills(project)
    if not stills:
        raise BridgeError("the current gallery album has no stills: grab one, or choose a still file")
    if label:
        chosen = [s for s in stills if s[1] == label]
        if not chosen:
            raise BridgeError("no gallery still labelled %r (labels: %s)" % (
                label, ", ".join(repr(s[1]) for s in stills if s[1]) or "none"))
        still, name = chosen[0]
    else:
        still, name = stills[-1]
        name = name or "gallery still %d" % len(stills)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    before = set(os.listdir(folder))
    if not ok(call(album, "ExportStills", [still], folder, "ncst_ref", "png")):
        raise BridgeError(GALLERY_PANEL_CLOSED)
    written = sorted(f for f in set(os.listdir(folder)) - before
                     if os.path.splitext(f)[1].lower() in IMAGE_EXT)
    if not written:
        raise BridgeError("ExportStills reported success but wrote no image into %s" % folder)
    return Reference(os.path.join(folder, written[0]), name, "gallery")


def resolve_reference(spec, project, folder):
    """A Reference for a spec (path or gallery form); BridgeError when there is none."""
    if not spec:
        raise BridgeError("no reference still: choose a file, use the gallery, or set NCST_REFERENCE")
    if is_gallery(spec):
        return from_gallery(project, spec.strip(), folder)
    return from_file(spec)
