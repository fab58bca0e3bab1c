"""Adapters: translation to and from the outside (proto messages, database rows, the bus)."""
