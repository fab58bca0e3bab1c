"""Aftercare cases service: owns the case, its number, timeline and lifecycle."""
