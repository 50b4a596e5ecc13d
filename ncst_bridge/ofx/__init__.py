"""The OpenFX plug-in's Python side: building the C bundle and installing it where OFX hosts look."""
