"""Aftercare console."""
