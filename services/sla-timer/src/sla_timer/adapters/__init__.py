"""Database tables and repositories, event payloads and proto mappings of the sla-timer service."""
