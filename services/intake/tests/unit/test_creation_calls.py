"""How a batch of creations is split into CreateCases calls small enough for gRPC."""

from aftercare.cases.v1 import cases_pb2 as pb
from intake.adapters.cases_gateway import calls_within


def creation(n: int, size: int) -> pb.CreateCaseRequest:
    return pb.CreateCaseRequest(request_id=f"r-{n}", description="x" * size)


def test_creations_are_split_in_order_into_calls_within_the_budget():
    creations = [creation(n, 300) for n in range(10)]
    calls = calls_within(creations, max_bytes=1000)
    assert [c.request_id for call in calls for c in call] == [f"r-{n}" for n in range(10)]
    assert all(sum(c.ByteSize() for c in call) <= 1000 for call in calls)
    assert [len(call) for call in calls] == [3, 3, 3, 1]


def test_one_creation_larger_than_the_budget_goes_in_a_call_of_its_own():
    creations = [creation(0, 10), creation(1, 5000), creation(2, 10)]
    assert [[c.request_id for c in call] for call in calls_within(creations, max_bytes=1000)] == [
        ["r-0"], ["r-1"], ["r-2"]]


def test_small_creations_go_in_one_call_and_none_gives_no_call():
    assert len(calls_within([creation(n, 50) for n in range(100)])) == 1
    assert calls_within([]) == []
