"""SlaClock <-> JSON-ready dict (for a JSON column); exact round trip, times as RFC 3339.

The firing loop decodes and encodes every clock it fires, so the few distinct targets and
action lists are parsed and rendered once and then reused (they are immutable values)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sla_timer.domain.clock_model import (
    ClockStatus,
    CycleSummary,
    DueItem,
    Firing,
    Pause,
    SkippedItem,
    SlaClock,
    TargetRevision,
)
from sla_timer.domain.policy import Action, ClockTarget
from sla_timer.domain.policy_yaml import action_to_dict, target_from_dict, target_to_dict
from sla_timer.domain.vocabulary import ActionKind, Channel, ClockKind, Priority, Role

# 2: `upcoming` (every item still to fire) replaces `next_due`; revisions carry `target_key`
FORMAT_VERSION = 2
_CACHE_LIMIT = 4096
# content key -> target, and target -> (key, its dict): a clock names its target's key, so decoding
# one of the few targets in use is a dictionary lookup, not a parse
_targets_in: dict[str, ClockTarget] = {}
_targets_out: dict[ClockTarget, tuple[str, dict[str, Any]]] = {}
_actions_in: dict[str, tuple[Action, ...]] = {}


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    return cache


def _content_key(document: dict[str, Any]) -> str:
    return hashlib.blake2b(json.dumps(document, sort_keys=True).encode(), digest_size=12).hexdigest()


def _target_in(data: dict[str, Any], key: str | None) -> ClockTarget:
    found = _targets_in.get(key) if key else None
    if found is None:
        found = target_from_dict(data)
        _bounded(_targets_in)[key or _content_key(data)] = found
    return found


def _target_out(target: ClockTarget) -> tuple[str, dict[str, Any]]:
    found = _targets_out.get(target)
    if found is None:
        document = target_to_dict(target)
        key = _content_key(document)
        found = _bounded(_targets_out)[target] = (key, document)
        _bounded(_targets_in).setdefault(key, target)
    return found


def _actions_list_in(data: list[dict[str, Any]]) -> tuple[Action, ...]:
    if not data:
        return ()
    key = json.dumps(data, sort_keys=True)
    found = _actions_in.get(key)
    if found is None:
        found = _bounded(_actions_in)[key] = tuple(_action(a) for a in data)
    return found


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _pt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _us(value: timedelta | None) -> int | None:
    return None if value is None else value // timedelta(microseconds=1)


def _action(data: dict[str, Any]) -> Action:
    return Action(
        ActionKind(data["type"]),
        roles=tuple(Role(r) for r in data.get("roles", [])),
        channels=tuple(Channel(c) for c in data.get("channels", [])),
        tiers=int(data.get("tiers", 0)),
    )


@lru_cache(maxsize=1024)
def _actions_out(actions: tuple[Action, ...]) -> list[dict[str, Any]]:
    # shared between documents: they are only serialised, never changed (the firing loop's hot path)
    return [action_to_dict(a) for a in actions]


def firing_to_dict(f: Firing) -> dict[str, Any]:
    return {
        "item": f.item,
        "label": f.label,
        "due_at": _t(f.due_at),
        "fired_at": _t(f.fired_at),
        "actions": _actions_out(f.actions),
        "withdrawn_at": _t(f.withdrawn_at),
        "withdrawn_reason": f.withdrawn_reason,
    }


def _firing_in(d: dict[str, Any]) -> Firing:
    return Firing(
        item=d["item"],
        label=d["label"],
        due_at=datetime.fromisoformat(d["due_at"]),
        fired_at=datetime.fromisoformat(d["fired_at"]),
        actions=_actions_list_in(d.get("actions", [])),
        withdrawn_at=_pt(d.get("withdrawn_at")),
        withdrawn_reason=d.get("withdrawn_reason", ""),
    )


def _revision_target(target: ClockTarget | None) -> dict[str, Any]:
    if target is None:
        return {"target": None}
    key, document = _target_out(target)
    return {"target": document, "target_key": key}


def _revisions_out(revisions: tuple[TargetRevision, ...]) -> list[dict[str, Any]]:
    return [
        {"effective_at": _t(r.effective_at), "priority": r.priority.value, "policy": r.policy,
         **_revision_target(r.target)}
        for r in revisions
    ]  # fmt: skip


def _revisions_in(data: list[dict[str, Any]]) -> tuple[TargetRevision, ...]:
    return tuple(
        TargetRevision(
            effective_at=datetime.fromisoformat(r["effective_at"]),
            priority=Priority(r["priority"]),
            policy=r["policy"],
            target=None if r["target"] is None else _target_in(r["target"], r.get("target_key")),
        )
        for r in data
    )


def clock_to_dict(clock: SlaClock) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "case_id": clock.case_id,
        "kind": clock.kind.value,
        "status": clock.status.value,
        "cycle": clock.cycle,
        "started_at": _t(clock.started_at),
        "stopped_at": _t(clock.stopped_at),
        "stop_reason": clock.stop_reason,
        "last_transition_at": _t(clock.last_transition_at),
        "revisions": _revisions_out(clock.revisions),
        "pauses": [{"start": _t(p.start), "end": _t(p.end), "reason": p.reason} for p in clock.pauses],
        "firings": [firing_to_dict(f) for f in clock.firings],
        "skipped": [{"item": s.item, "label": s.label, "reason": s.reason} for s in clock.skipped],
        "upcoming": [{"item": d.item, "label": d.label, "due_at": _t(d.due_at)} for d in clock.upcoming],
        "business_elapsed_at_stop_us": _us(clock.business_elapsed_at_stop),
        "pending_stop_at": _t(clock.pending_stop_at),
        "pending_stop_reason": clock.pending_stop_reason,
        "history": [
            {
                "cycle": c.cycle,
                "started_at": _t(c.started_at),
                "stopped_at": _t(c.stopped_at),
                "status": c.status.value,
                "business_elapsed_us": _us(c.business_elapsed),
                "firings": [firing_to_dict(f) for f in c.firings],
                "revisions": _revisions_out(c.revisions),
            }
            for c in clock.history
        ],
        "version": clock.version,
    }


def clock_from_dict(data: dict[str, Any]) -> SlaClock:
    elapsed_us = data.get("business_elapsed_at_stop_us")
    upcoming = tuple(DueItem(d["item"], d["label"], datetime.fromisoformat(d["due_at"])) for d in data["upcoming"])
    return SlaClock(
        case_id=data["case_id"],
        kind=ClockKind(data["kind"]),
        status=ClockStatus(data["status"]),
        cycle=int(data["cycle"]),
        started_at=datetime.fromisoformat(data["started_at"]),
        stopped_at=_pt(data.get("stopped_at")),
        stop_reason=data.get("stop_reason", ""),
        last_transition_at=datetime.fromisoformat(data["last_transition_at"]),
        revisions=_revisions_in(data["revisions"]),
        pauses=tuple(Pause(datetime.fromisoformat(p["start"]), _pt(p["end"]), p["reason"]) for p in data["pauses"]),
        firings=tuple(_firing_in(f) for f in data["firings"]),
        skipped=tuple(SkippedItem(s["item"], s["label"], s["reason"]) for s in data["skipped"]),
        upcoming=upcoming,
        business_elapsed_at_stop=None if elapsed_us is None else timedelta(microseconds=elapsed_us),
        pending_stop_at=_pt(data.get("pending_stop_at")),
        pending_stop_reason=data.get("pending_stop_reason", ""),
        history=tuple(
            CycleSummary(
                cycle=c["cycle"],
                started_at=datetime.fromisoformat(c["started_at"]),
                stopped_at=_pt(c["stopped_at"]),
                status=ClockStatus(c["status"]),
                business_elapsed=timedelta(microseconds=c["business_elapsed_us"]),
                firings=tuple(_firing_in(f) for f in c["firings"]),
                # cycles closed before the history kept their targets have none
                revisions=_revisions_in(c.get("revisions", [])),
            )
            for c in data["history"]
        ),
        version=int(data.get("version", 0)),
    )
