"""The shared presence rows on the handler tier (SQLite, fake clock): every replica reads the same watches;
a replica's renewals keep its own alive, a watch nobody renews expires, and each change is notified."""

from datetime import timedelta

from aftercare_platform.clock import FakeClock
from aftercare_platform.testing.handlers import ServiceBench
from console.domain.presence import others, ttl_for
from console.handlers import PRESENCE_CHANGED, ConsoleHandlers
from console.reads import ConsoleReads

TTL = ttl_for(10.0)


async def test_watches_are_shared_renewed_by_their_replica_and_expire_without_it(
        bench: ServiceBench, clock: FakeClock) -> None:
    handlers, reads = ConsoleHandlers(bench.database), ConsoleReads(bench.database)
    heard: list[str] = []
    bench.database.listen_in_process(PRESENCE_CHANGED, heard.append)
    await handlers.join_case("w-a", "case-1", "eng-zhao", "Zhao  Lei")  # on replica A
    await handlers.join_case("w-b", "case-1", "sup-1", "Supervisor Wang")  # on replica B
    await handlers.join_case("w-c", "case-2", "eng-li", "Li Na")
    assert others(await reads.watches("case-1"), "sup-1", clock.now(), TTL) == ["Zhao Lei"]
    assert heard == ["case-1", "case-1", "case-2"]

    # replica A dies: only B renews; within the TTL A's viewer still shows, past it the row is gone
    clock.advance(timedelta(seconds=20))
    await handlers.renew_presence(["w-b", "w-c"], TTL)
    assert others(await reads.watches("case-1"), "sup-1", clock.now(), TTL) == ["Zhao Lei"]
    clock.advance(timedelta(seconds=15))
    await handlers.renew_presence(["w-b", "w-c"], TTL)
    assert [w.watch_id for w in await reads.watches("case-1")] == ["w-b"]
    assert heard[-1] == "case-1" and len(heard) == 4  # the expiry told every replica

    await handlers.leave_case("w-b", "case-1")
    assert await reads.watches("case-1") == [] and heard[-1] == "case-1"
    assert [w.name for w in await reads.watches("case-2")] == ["Li Na"]
