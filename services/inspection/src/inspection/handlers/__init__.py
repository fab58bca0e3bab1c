"""Use cases: load, decide (domain/), save, emit — one method per command, in one unit of work."""
