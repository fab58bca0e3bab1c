"""Aftercare sla-timer: SLA policies on business calendars, clocks, warnings and breaches."""
