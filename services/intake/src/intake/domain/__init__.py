"""Intake rules and shapes, free of I/O: the intake request, warranty, duplicates, priority."""
