"""The case row's document keeps the whole aggregate: every status, complaints, loaners, reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from cases.adapters.case_codec import case_columns, case_from_document, case_to_document
from cases.adapters.repository import search_texts
from cases.domain import commands
from cases.domain.activities import Activity, ActivityKind
from cases.domain.case import Case
from cases.domain.decisions import EntryDraft
from cases.domain.timeline import ChainHead, seal
from cases.domain.vocabulary import CancelReason, ComplaintAbout, Status, Visibility


@pytest.mark.parametrize("status", list(Status))
def test_every_status_round_trips(status: Status, case_in: Callable[..., Case]) -> None:
    case = case_in(status)
    assert case_from_document(case_to_document(case)) == case


def test_a_busy_case_round_trips(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    at = case.updated_at + timedelta(minutes=1)
    case = commands.escalate(case, people.engineer, at, reason="hardware", to_rma=True).case
    case = commands.record_activity(case, people.engineer, at, activity=Activity(
        ActivityKind.LOANER_ISSUED, "loaner NVR", device_serial="L-1", device_class="NVR-16")).case
    case = commands.record_activity(case, people.engineer, at, activity=Activity(
        ActivityKind.REMOTE_SESSION, "checked disks", permission_given=True, command_log=("df -h",))).case
    case = commands.file_complaint(case, people.customer, at, about=ComplaintAbout.ENGINEER, text="rude").case
    case = commands.reassign(case, people.supervisor, at, assignee="eng-2", reason="complaint",
                             complaint_sequence=1).case
    assert case_from_document(case_to_document(case)) == case
    cancelled = commands.cancel(case_in(Status.NEW), people.agent, at, reason=CancelReason.DUPLICATE, text="twice",
                                duplicate_of="EA-20261121-000001").case
    assert case_from_document(case_to_document(cancelled)) == cancelled
    assert case_columns(case)["manufacturer_key"] == "hikvision"


def test_search_text_keeps_internal_notes_apart(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.NEW)
    drafts = [
        EntryDraft(case.created_at, people.agent.ref(), "note_added", Visibility.PUBLIC, {"text": "public words"}),
        EntryDraft(case.created_at, people.agent.ref(), "note_added", Visibility.INTERNAL, {"text": "staff words"}),
        EntryDraft(case.created_at, people.agent.ref(), "assigned", Visibility.PUBLIC, {"text": "not a note"}),
    ]
    entries, _ = seal(ChainHead.genesis(case.id), drafts)
    public, internal = search_texts(case, entries)
    assert public.split()[:1] == [case.number] and "E-1001" in public and "public words" in public
    assert "staff words" not in public and internal == "staff words" and "not a note" not in public
