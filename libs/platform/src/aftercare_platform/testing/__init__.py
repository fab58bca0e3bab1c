"""Test support: real PostgreSQL and RabbitMQ for integration tests (never skipped)."""
