"""Intake's handlers: one unit of work each — load, decide (the domain), save, emit."""
