"""Resolve bridge logic. Standard library only, Python >= 3.8: Resolve's own interpreter imports it."""
