"""`aftercare dlq list` without a queue shows every parking queue with its depth; a misspelt queue is one line."""

import asyncio
import os
import sys

from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.testing.harness import open_broker


async def _aftercare(amqp_url: str, *args: str) -> tuple[int, str, str]:
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aftercare_platform.cli.main", *args,
        env={**os.environ, "AFTERCARE_AMQP_URL": amqp_url, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await command.communicate()
    return command.returncode or 0, out.decode(), err.decode()


async def test_list_without_a_queue_shows_each_parking_queue_and_its_depth(amqp_url, topic):
    broker = await open_broker(amqp_url)
    full, empty = topic.queue("full"), topic.queue("empty")
    for queue in (full, empty):
        await broker.declare_work_queue(queue, [topic.binding], 5)
    for n in range(3):
        await broker.send_to_queue(full + ".dlq", OutgoingMessage(b"{}", f"m{n}", f"{topic.aggregate}.x.east"))
    await broker.close()

    code, out, err = await _aftercare(amqp_url, "dlq", "list")
    assert code == 0, err
    rows = {line.split("│")[1].strip(): line.split("│")[3].strip() for line in out.splitlines() if ".dlq" in line}
    assert rows[full + ".dlq"] == "3"
    assert rows[empty + ".dlq"] == "0"


async def test_a_misspelt_queue_is_a_one_line_error(amqp_url, topic):
    code, _out, err = await _aftercare(amqp_url, "dlq", "list", "--queue", topic.queue("typo"))
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert topic.queue("typo") in err
