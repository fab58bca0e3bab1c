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

from cases.domain.activities import Activity, ActivityKind
from cases.domain.actors import Actor, Role, system_actor
from cases.domain.case import Asset, Caller, Cancellation, Case, CaseFlags, Complaint, FaultReport
from cases.domain.case_numbers import CaseNumber, format_case_number, local_day, parse_case_number
from cases.domain.decisions import Decision, DomainEvent
from cases.domain.lifecycle import Action, InvalidTransition, allowed_actions
from cases.domain.timeline import ChainHead, EntryDraft, TimelineEntry, VerificationResult, seal, verify_chain
from cases.domain.visibility import CaseNotFound, timeline_for, visible_to
from cases.domain.vocabulary import (
    CancelReason,
    Category,
    Channel,
    ComplaintAbout,
    Entitlement,
    Kind,
    Priority,
    Status,
    Tier,
    Visibility,
)

__all__ = [
    "Action",
    "Activity",
    "ActivityKind",
    "Actor",
    "Asset",
    "Caller",
    "CancelReason",
    "Cancellation",
    "Case",
    "CaseFlags",
    "CaseNotFound",
    "CaseNumber",
    "Category",
    "ChainHead",
    "Channel",
    "Complaint",
    "ComplaintAbout",
    "Decision",
    "DomainEvent",
    "Entitlement",
    "EntryDraft",
    "FaultReport",
    "InvalidTransition",
    "Kind",
    "Priority",
    "Role",
    "Status",
    "Tier",
    "TimelineEntry",
    "VerificationResult",
    "Visibility",
    "allowed_actions",
    "format_case_number",
    "local_day",
    "parse_case_number",
    "seal",
    "system_actor",
    "timeline_for",
    "verify_chain",
    "visible_to",
]
