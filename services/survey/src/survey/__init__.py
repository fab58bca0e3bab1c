"""Aftercare survey."""
