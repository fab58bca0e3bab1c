"""The platform's own migration history (outbox, inbox, and whatever the platform adds to every service
schema), applied into each service's schema before the service's own history; see db/migrations.py."""
