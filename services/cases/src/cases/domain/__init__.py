"""The pure rules of a case: state, lifecycle, numbers, timeline, visibility, queries. No I/O.

vocabulary    Status, Category, Kind, Priority, Tier, Visibility, Channel, Entitlement, ...
actors        Role, Actor: who acts, and for whom
case          the Case aggregate and its parts (Caller, Asset, FaultReport, Complaint, ...)
case_numbers  EA-20261121-000042: format, parse, the region's local day
lifecycle     the status machine: Action, TRANSITIONS, InvalidTransition
permissions   which role may run which action
activities    calls, visits, remote sessions, RMA steps, diagnosis reports, loaners
commands      (case, actor, at, *, args) -> Decision(case, events, entries)
decisions     Decision, DomainEvent, the event snapshot
timeline      append-only entries, the hash chain, verify_chain
visibility    who sees a case and which entries
queries       filters, sort, page size, scoping to the asker
cursor        signed opaque page tokens
"""
