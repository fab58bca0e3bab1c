"""ListCases and SearchCases on PostgreSQL: filters, a total order over keyset pages, signed page tokens,
closed cases kept (the archive), Chinese text found by substring, and the same over HTTP."""

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.common.v1 import common_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import AGENT, create_request

FAULT = pb.FaultReport(cause="c", method="m", result="r", prevention="p")


async def _seed(cases) -> dict[str, pb.Case]:
    agent, engineer = cases.auth(*AGENT), cases.auth("eng-1", "engineer")
    specs = {
        "p1-hik": {"priority": pb.PRIORITY_P1, "asset": pb.Asset(manufacturer="Hikvision")},
        "p2-dahua": {"priority": pb.PRIORITY_P2, "asset": pb.Asset(manufacturer="Dahua")},
        "p3-b": {"priority": pb.PRIORITY_P3, "company_id": "company-b", "category": pb.CATEGORY_B},
        "p4-consult": {"priority": pb.PRIORITY_P4, "kind": pb.CASE_KIND_CONSULTATION},
        "chinese": {"priority": pb.PRIORITY_P2, "description": "门口摄像头无图像，错误码见附件",
                    "error_codes": ["E-2001"]},
        "closed": {"priority": pb.PRIORITY_P1, "asset": pb.Asset(manufacturer="HIKVISION")},
        "p3-late": {"priority": pb.PRIORITY_P3},
    }
    made = {}
    for name, fields in specs.items():
        fields.setdefault("asset", pb.Asset(manufacturer="Uniview"))
        made[name] = (await cases.stub.CreateCase(create_request(name, **fields), metadata=agent)).case
    ref = {"case_id": made["closed"].case_id}
    await cases.stub.Assign(pb.AssignRequest(**ref, assignee_id="eng-1"), metadata=agent)
    await cases.stub.Acknowledge(pb.AcknowledgeRequest(**ref), metadata=engineer)
    await cases.stub.AddNote(pb.AddNoteRequest(**ref, text="replaced the 光纤 transceiver"), metadata=engineer)
    await cases.stub.Resolve(pb.ResolveRequest(**ref, fault_report=FAULT), metadata=engineer)
    await cases.stub.Close(pb.CloseRequest(**ref), metadata=agent)
    return made


def _span(start: datetime, end: datetime) -> common_pb2.TimeRange:
    first, last = Timestamp(), Timestamp()
    first.FromDatetime(start)
    last.FromDatetime(end)
    return common_pb2.TimeRange(start_time=first, end_time=last)


async def test_filters_sorts_and_pages(cases):
    made = await _seed(cases)
    agent = cases.auth(*AGENT)

    async def listed(**fields) -> list[str]:
        reply = await cases.stub.ListCases(pb.ListCasesRequest(**fields), metadata=agent)
        names = {c.case_id: n for n, c in made.items()}
        return [names[c.case_id] for c in reply.cases]

    everything = await listed(sort_field=pb.CASE_SORT_FIELD_CREATED_AT, sort_direction=pb.SORT_DIRECTION_ASCENDING)
    assert everything == list(made)
    assert await listed() == list(reversed(made))  # newest first by default
    assert await listed(filter=pb.CaseFilter(asset_manufacturer="hikVISION")) == ["closed", "p1-hik"]
    assert await listed(filter=pb.CaseFilter(statuses=[pb.CASE_STATUS_CLOSED])) == ["closed"]
    now = datetime.now(UTC)
    assert await listed(filter=pb.CaseFilter(closed=_span(now - timedelta(hours=1), now + timedelta(hours=1)))) == [
        "closed"
    ]
    assert await listed(filter=pb.CaseFilter(company_ids=["company-b"])) == ["p3-b"]
    assert await listed(filter=pb.CaseFilter(kinds=[pb.CASE_KIND_CONSULTATION], priorities=[pb.PRIORITY_P4])) == [
        "p4-consult"
    ]
    assert await listed(filter=pb.CaseFilter(assignee_ids=["eng-1"], tiers=[pb.TIER_DESK])) == ["closed"]
    by_priority = await listed(sort_field=pb.CASE_SORT_FIELD_PRIORITY, sort_direction=pb.SORT_DIRECTION_ASCENDING)
    assert [made[n].priority for n in by_priority] == sorted(c.priority for c in made.values())

    pages, token = [], ""
    while True:
        reply = await cases.stub.ListCases(pb.ListCasesRequest(
            sort_field=pb.CASE_SORT_FIELD_PRIORITY, page=common_pb2.PageRequest(page_size=3, page_token=token)),
            metadata=agent)
        pages.append([c.case_id for c in reply.cases])
        token = reply.page.next_page_token
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    walked = [case_id for page in pages for case_id in page]
    whole = await cases.stub.ListCases(pb.ListCasesRequest(sort_field=pb.CASE_SORT_FIELD_PRIORITY), metadata=agent)
    assert walked == [c.case_id for c in whole.cases]

    first = await cases.stub.ListCases(pb.ListCasesRequest(page=common_pb2.PageRequest(page_size=2)), metadata=agent)
    with pytest.raises(grpc.aio.AioRpcError) as other_filter:
        await cases.stub.ListCases(pb.ListCasesRequest(
            filter=pb.CaseFilter(regions=["east"]),
            page=common_pb2.PageRequest(page_size=2, page_token=first.page.next_page_token)), metadata=agent)
    assert other_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page.page_token" in other_filter.value.details()


async def test_search_finds_words_in_descriptions_error_codes_and_notes_chinese_included(cases):
    made = await _seed(cases)
    agent = cases.auth(*AGENT)

    async def found(query: str, **fields) -> set[str]:
        reply = await cases.stub.SearchCases(pb.SearchCasesRequest(query=query, **fields), metadata=agent)
        names = {c.case_id: n for n, c in made.items()}
        return {names[c.case_id] for c in reply.cases}

    assert await found("无图像") == {"chinese"}
    assert await found("e-2001 摄像头") == {"chinese"}
    assert await found("无图像 missing") == set()
    assert await found("光纤") == {"closed"}  # a note on a closed case: the archive stays searchable
    assert await found("E-1001") == set(made) - {"chinese"}
    assert await found("E-1001", filter=pb.CaseFilter(priorities=[pb.PRIORITY_P1])) == {"p1-hik", "closed"}
    assert await found("100%") == set()  # wildcards are plain characters


async def test_http_lists_searches_and_documents_itself(cases):
    made = await _seed(cases)
    http, agent = cases.http, cases.headers(*AGENT)
    reply = await http.get("/v1/cases", params={"priority": ["P1", "P2"], "sort": "priority",
                                                "direction": "ascending"}, headers=agent)
    assert reply.status_code == 200
    assert [c["priority"] for c in reply.json()["cases"]] == ["P1", "P1", "P2", "P2"]
    closed = (await http.get("/v1/cases", params={"status": "closed"}, headers=agent)).json()["cases"]
    assert [c["case_number"] for c in closed] == [made["closed"].case_number] and closed[0]["status"] == "closed"
    searched = (await http.get("/v1/cases", params={"q": "无图像"}, headers=agent)).json()["cases"]
    assert [c["case_id"] for c in searched] == [made["chinese"].case_id]
    page = (await http.get("/v1/cases", params={"page_size": 4}, headers=agent)).json()
    rest = (await http.get("/v1/cases", params={"page_size": 4, "page_token": page["next_page_token"]},
                           headers=agent)).json()
    assert len(page["cases"]) == 4 and len(rest["cases"]) == 3 and rest["next_page_token"] == ""
    mine = (await http.get("/v1/me/cases", headers=cases.headers("eng-1", "engineer"))).json()["cases"]
    assert [c["case_id"] for c in mine] == [made["closed"].case_id]

    document = (await http.get("/openapi.json")).json()
    paths = document["paths"]
    for path in ("/v1/cases", "/v1/me/cases", "/v1/cases/{case}", "/v1/cases/{case}/timeline",
                 "/v1/cases/{case}/notes", "/v1/cases/{case}/actions/acknowledge", "/v1/cases/{case}/actions/resolve"):
        assert path in paths, path
    assert set(document["components"]["schemas"]["Priority"]["enum"]) == {"P1", "P2", "P3", "P4"}
