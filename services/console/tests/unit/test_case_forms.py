"""The case page's forms as the CaseService requests they become; what the service decides is not here."""

import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare_platform.errors import InvalidArgument
from console.entrypoints.case_forms import ACTIONS, offered


def test_a_remote_session_carries_the_permission_and_every_command() -> None:
    request = ACTIONS["activity"].request({"kind": "remote_session", "summary": "RAID check", "permission_given": "on",
                                           "command_log": "megacli -PDList\n\n  megacli -LDInfo  \n"}, "c1", "r" * 32)
    assert isinstance(request, pb.RecordActivityRequest)
    assert (request.activity.kind, request.activity.permission_given) == (pb.ACTIVITY_KIND_REMOTE_SESSION, True)
    assert list(request.activity.command_log) == ["megacli -PDList", "megacli -LDInfo"]
    assert request.request_id == "r" * 32


def test_a_missing_or_unknown_value_names_its_field() -> None:
    with pytest.raises(InvalidArgument, match="cause"):
        ACTIONS["resolve"].request({"method": "m", "result": "r", "prevention": "p"}, "c1", "r" * 32)
    with pytest.raises(InvalidArgument, match="kind"):
        ACTIONS["activity"].request({"kind": "telepathy", "summary": "x"}, "c1", "r" * 32)
    with pytest.raises(InvalidArgument, match="priority"):
        ACTIONS["priority"].request({"priority": "P9", "reason": "x"}, "c1", "r" * 32)
    note = ACTIONS["note"].request({"text": "hi", "internal": "on"}, "c1", "r" * 32)
    assert isinstance(note, pb.AddNoteRequest) and note.visibility == pb.VISIBILITY_INTERNAL


def test_customers_are_offered_only_the_customers_forms() -> None:
    allowed = [pb.CASE_ACTION_ADD_NOTE, pb.CASE_ACTION_RESOLVE, pb.CASE_ACTION_CONFIRM, pb.CASE_ACTION_FILE_COMPLAINT]
    assert offered(allowed, customer=True) == ["note", "confirm", "complaint"]
    assert offered(allowed, customer=False) == ["note", "resolve", "confirm", "complaint"]


def test_a_case_is_reached_by_number_or_by_id() -> None:
    from console.entrypoints.case_pages import _ref

    assert _ref("EA-20261121-000042") == {"case_number": "EA-20261121-000042"}
    assert _ref("fa836f38-0940-4020-8c2b-2832dc56b340") == {"case_id": "fa836f38-0940-4020-8c2b-2832dc56b340"}


async def test_files_chosen_on_the_new_case_form_travel_to_intakes_web_form() -> None:
    import base64
    import io

    from aftercare.intake.v1 import intake_pb2 as intake_pb
    from console.entrypoints.case_pages import attachments, web_form_report
    from starlette.datastructures import Headers, UploadFile

    log = UploadFile(io.BytesIO(b"disk 3 failed"), filename="raid.log", headers=Headers({"content-type": "text/plain"}))
    empty = UploadFile(io.BytesIO(b""), filename="")  # what a browser posts when no file is chosen
    files = await attachments([log, empty, "not a file"])
    assert [(f.filename, f.content_type, f.content) for f in files] == [("raid.log", "text/plain", b"disk 3 failed")]
    report = web_form_report(intake_pb.SubmitCaseRequest(description="down", attachments=files))
    assert report["attachments"] == [{"filename": "raid.log", "content_type": "text/plain",
                                      "content_base64": base64.b64encode(b"disk 3 failed").decode()}]
    with pytest.raises(InvalidArgument, match="attachment"):
        await attachments([UploadFile(io.BytesIO(b"x"), filename=f"{i}.txt") for i in range(11)])


def test_a_supervisor_answers_an_open_complaint_by_replacing_the_engineer() -> None:
    from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb

    allowed = [pb.CASE_ACTION_ADD_NOTE]
    assert "replace_engineer" in offered(allowed, customer=False, supervisor=True, open_complaints=1)
    assert "replace_engineer" not in offered(allowed, customer=False, supervisor=True, open_complaints=0)
    assert "replace_engineer" not in offered(allowed, customer=False, supervisor=False, open_complaints=1)
    request = ACTIONS["replace_engineer"].request({"complaint_sequence": "2", "engineer_id": " eng-li ",
                                                   "reason": "customer asked"}, "c1", "r" * 32)
    assert isinstance(request, dispatch_pb.ReplaceAssigneeRequest)
    assert (request.engineer_id, request.complaint_sequence, request.reason) == ("eng-li", 2, "customer asked")
    picked = ACTIONS["replace_engineer"].request({"reason": "r"}, "c1", "r" * 32)
    assert not picked.HasField("complaint_sequence") and picked.engineer_id == ""  # type: ignore[attr-defined]
    with pytest.raises(InvalidArgument, match="reason"):
        ACTIONS["replace_engineer"].request({"complaint_sequence": "2"}, "c1", "r" * 32)
