"""A recorded routing or SLA decision as the contract's Decision (what ExplainAssignment answers)."""

from __future__ import annotations

from datetime import datetime

from aftercare.dispatch.v1 import dispatch_pb2 as pb

from dispatch.adapters.proto_values import stamp
from dispatch.adapters.store import StoredDecision


def decision_to_proto(d: StoredDecision) -> pb.Decision:
    candidates = []
    for c in d.candidates:
        score = c.get("score") or {}
        last = score.get("last_assigned_at")
        candidates.append(
            pb.Candidate(
                engineer_id=c["engineer_id"],
                failed=list(c.get("failed", [])),
                eligible=not c.get("failed"),
                key_account=bool(score.get("key_account")),
                open_cases=int(score.get("open_cases", 0)),
                assigned_today=int(score.get("assigned_today", 0)),
                last_assigned_time=stamp(datetime.fromisoformat(last)) if last else None,
            )
        )
    return pb.Decision(
        decision_key=d.key, case_id=d.case_id, purpose=d.purpose, chosen_engineer_id=d.chosen or "",
        previous_engineer_id=d.previous or "", rule=d.rule, summary=d.summary, candidates=candidates,
        decided_time=stamp(d.decided_at), state=d.state, outcome=d.outcome,
    )  # fmt: skip
