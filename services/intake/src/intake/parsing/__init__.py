"""Parsers for what channels deliver: inbound email, SMS webhooks, CSV imports. No I/O."""
