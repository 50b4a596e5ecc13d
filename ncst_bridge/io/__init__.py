"""Files in and out: images, video, LUT and CDL files, OCIO configs, look bundles."""
