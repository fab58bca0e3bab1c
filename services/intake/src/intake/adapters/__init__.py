"""Intake's adapters: tables and repositories, the cases client, attachment storage, rate limits."""
