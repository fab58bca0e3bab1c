"""Every change announces itself: the handler writes its events to the outbox in the same transaction,
and the relay publishes them to RabbitMQ, in order, routed `case.<verb>.<region>`."""

from aftercare.cases.v1 import cases_pb2 as pb

from .conftest import AGENT, create_request

FAULT_REPORT = pb.FaultReport(cause="PoE port failed", method="moved to port 7", result="picture back",
                              prevention="watch the PoE budget")


async def test_every_change_emits_its_event_through_the_outbox(cases, events):
    agent, engineer = cases.auth(*AGENT), cases.auth("eng-1", "engineer")
    expert, customer = cases.auth("expert-1", "expert"), cases.auth("cust-1", "customer", "company-a")
    supervisor = cases.auth("sup-1", "supervisor")
    case = (await cases.stub.CreateCase(create_request("events-1"), metadata=agent)).case
    ref = {"case_id": case.case_id}
    steps = [
        ("Assign", pb.AssignRequest(**ref, assignee_id="eng-1", tier=pb.TIER_ENGINEER), agent),
        ("Acknowledge", pb.AcknowledgeRequest(**ref, message="on it"), engineer),
        ("ChangePriority", pb.ChangePriorityRequest(**ref, priority=pb.PRIORITY_P2, reason="whole gate"), agent),
        ("AddNote", pb.AddNoteRequest(**ref, text="customer says gate 3 only"), customer),
        ("AddNote", pb.AddNoteRequest(**ref, text="suspect the PoE switch", visibility=pb.VISIBILITY_INTERNAL),
         engineer),
        ("CorrectTimelineEntry", pb.CorrectTimelineEntryRequest(**ref, position=6, text="PoE switch 2"), engineer),
        ("RecordActivity", pb.RecordActivityRequest(**ref, activity=pb.Activity(
            kind=pb.ACTIVITY_KIND_DIAGNOSIS_REPORT, summary="port 3 dead")), engineer),
        ("Escalate", pb.EscalateRequest(**ref, reason="needs the panel"), engineer),
        ("ConfirmVendorEscalation", pb.ConfirmVendorEscalationRequest(**ref, reason="firmware bug"), expert),
        ("SetWaitingForCustomer", pb.SetWaitingForCustomerRequest(**ref, reason="need the logs"), engineer),
        ("Resume", pb.ResumeRequest(**ref, reason="logs received"), engineer),
        ("FileComplaint", pb.FileComplaintRequest(**ref, about=pb.COMPLAINT_ABOUT_FIX, text="too slow"), customer),
        ("Resolve", pb.ResolveRequest(**ref, fault_report=FAULT_REPORT), engineer),
        ("Reject", pb.RejectRequest(**ref, reason="still black"), customer),
        ("Resolve", pb.ResolveRequest(**ref, fault_report=FAULT_REPORT), engineer),
        ("Confirm", pb.ConfirmRequest(**ref, comment="works"), customer),
        ("Reopen", pb.ReopenRequest(**ref, reason="survey: unsatisfied"), supervisor),
        ("TakeOver", pb.TakeOverRequest(**ref, reason="I know this site"), cases.auth("eng-2", "engineer")),
        ("Reassign", pb.ReassignRequest(**ref, assignee_id="eng-3"), agent),
    ]
    for method, request, metadata in steps:
        await getattr(cases.stub, method)(request, metadata=metadata)
    other = (await cases.stub.CreateCase(create_request("events-2"), metadata=agent)).case
    await cases.stub.Cancel(pb.CancelRequest(case_id=other.case_id, reason=pb.CANCEL_REASON_DUPLICATE,
                                             text="same call twice", duplicate_of=case.case_number), metadata=agent)

    expected = ["created", "assigned", "acknowledged", "priority_changed", "note_added", "note_added",
                "entry_corrected", "activity_recorded", "diagnosis_reported", "escalated",
                "vendor_escalation_confirmed", "waiting_for_customer", "resumed", "complaint_filed",
                "priority_changed", "resolved", "rejected", "resolved", "confirmed", "closed", "reopened",
                "assigned", "assigned"]
    received = await events.collect(len(expected), subject=case.case_id)
    assert [e["type"] for e in received] == [f"aftercare.case.{verb}.v1" for verb in expected]
    assert events.routing_keys(case.case_id) == [f"case.{verb}.east" for verb in expected]
    first = received[0]
    assert first["source"] == "/services/cases" and first["specversion"] == "1.0"
    assert first["data"]["caseNumber"] == case.case_number and first["data"]["companyId"] == "company-a"
    assert first["data"]["priority"] == "PRIORITY_P3" and first["data"]["actor"]["subjectId"] == "agent-1"
    public_note, internal_note = received[4]["data"], received[5]["data"]
    assert public_note["text"] == "customer says gate 3 only" and not public_note.get("internal")
    assert internal_note["internal"] is True and "text" not in internal_note  # the words stay in the timeline
    assert received[-1]["data"]["assigneeId"] == "eng-3"

    cancelled = await events.collect(2, subject=other.case_id)
    assert [e["type"] for e in cancelled] == ["aftercare.case.created.v1", "aftercare.case.cancelled.v1"]
    assert cancelled[1]["data"]["duplicateOf"] == case.case_number
