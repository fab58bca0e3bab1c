"""Aftercare inspection."""
