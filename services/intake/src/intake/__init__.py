"""Aftercare intake service: every channel normalised into one intake request."""
