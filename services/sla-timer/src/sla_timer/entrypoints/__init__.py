"""The sla-timer's entry points: event consumer, firing scheduler, gRPC and HTTP."""
