"""Measurements on rendered results (temporal stability)."""
