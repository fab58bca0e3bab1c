"""`aftercare dlq list|replay`: look at parked messages and put them back once the cause is fixed."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from urllib.parse import unquote, urlsplit

import httpx
import typer
from aiormq.exceptions import ChannelNotFoundEntity
from rich.console import Console
from rich.table import Table

from aftercare_platform.bus import topology
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.dlq import list_parked, replay
from aftercare_platform.settings import ServiceSettings

app = typer.Typer(help="Parked (dead-lettered) messages of a queue.", no_args_is_help=True)
_console = Console()


def _broker() -> AmqpBroker:
    return AmqpBroker(ServiceSettings().amqp_url, connection_name="aftercare-cli")


def _no_such_queue(queue: str) -> typer.Exit:
    """A misspelt name: one line on stderr, not a traceback."""
    typer.echo(f"error: there is no queue {queue!r} (nor its parking queue {topology.parking_queue(queue)!r}) "
               "on the broker; `aftercare dlq list` shows every parking queue", err=True)
    return typer.Exit(2)


def parking_queue_depths(amqp_url: str) -> dict[str, int]:
    """Every `<queue>.dlq` on the broker's vhost with its depth: the management API when it answers,
    else rabbitmqctl on the broker's own host. AMQP itself cannot list queues."""
    parts = urlsplit(amqp_url)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    depths: dict[str, int] = {}
    try:
        response = httpx.get(f"http://{parts.hostname or '127.0.0.1'}:15672/api/queues/{vhost.replace('/', '%2F')}",
                             auth=(unquote(parts.username or "guest"), unquote(parts.password or "guest")),
                             timeout=5)
        response.raise_for_status()
        depths = {q["name"]: int(q.get("messages", 0)) for q in response.json()}
    except (httpx.HTTPError, ValueError):
        ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
        try:
            listed = subprocess.run([ctl, "-q", "list_queues", "-p", vhost, "name", "messages", "--formatter", "json"],
                                    capture_output=True, text=True, timeout=60, check=True)
        except (OSError, subprocess.SubprocessError) as unavailable:
            raise RuntimeError("listing queues needs the RabbitMQ management API (port 15672) or rabbitmqctl "
                               f"on this host: {unavailable}") from unavailable
        depths = {q["name"]: int(q.get("messages", 0)) for q in json.loads(listed.stdout or "[]")}
    return {name: depth for name, depth in sorted(depths.items()) if name.endswith(topology.PARKING_SUFFIX)}


async def _exact_depths(names: list[str]) -> dict[str, int]:
    """The listing's counts lag by the broker's statistics interval; AMQP's passive declare is exact."""
    broker = _broker()
    await broker.connect()
    try:
        return {name: await broker.queue_depth(name) for name in names}
    finally:
        await broker.close()


def _list_every_parking_queue() -> None:
    try:
        names = list(parking_queue_depths(ServiceSettings().amqp_url))
    except RuntimeError as unavailable:
        typer.echo(f"error: {unavailable}", err=True)
        raise typer.Exit(2) from unavailable
    depths = asyncio.run(_exact_depths(names))
    table = Table(title=f"parking queues: {len(depths)}, {sum(depths.values())} message(s) parked")
    table.add_column("parking queue")
    table.add_column("work queue")
    table.add_column("parked", justify="right")
    for name, depth in depths.items():
        table.add_row(name, name.removesuffix(topology.PARKING_SUFFIX), str(depth))
    _console.print(table)


@app.command("list")
def list_command(
    queue: str | None = typer.Option(None, help="the work queue, e.g. notify.case-events (its parking queue is "
                                                "read); without it, every parking queue with its depth"),
    limit: int = typer.Option(50, min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per line"),
) -> None:
    """Show parked messages without removing them (or, without --queue, every parking queue's depth)."""
    if queue is None:
        _list_every_parking_queue()
        return
    work_queue = queue

    async def run() -> None:
        broker = _broker()
        await broker.connect()
        try:
            parked = await list_parked(broker, work_queue, limit)
        except ChannelNotFoundEntity as missing:
            raise _no_such_queue(work_queue) from missing
        finally:
            await broker.close()
        if as_json:
            for message in parked:
                typer.echo(json.dumps({"message_id": message.message_id, "routing_key": message.routing_key,
                                       "body": message.body.decode(errors="replace")}, ensure_ascii=False))
            return
        table = Table(title=f"{queue}.dlq: {len(parked)} shown")
        for column in ("message id", "routing key", "type", "subject"):
            table.add_column(column)
        for message in parked:
            try:
                body = json.loads(message.body)
            except ValueError:
                body = {"type": "(not JSON)", "subject": ""}
            table.add_row(message.message_id or "", message.routing_key, str(body.get("type", "?")),
                          str(body.get("subject", "")))
        _console.print(table)

    asyncio.run(run())


@app.command("replay")
def replay_command(
    queue: str = typer.Option(..., help="the work queue whose parked messages go back onto it"),
    limit: int | None = typer.Option(None, min=1, help="at most this many (default: all)"),
) -> None:
    """Move parked messages back onto their queue; each leaves the parking queue only once confirmed."""

    async def run() -> int:
        broker = _broker()
        await broker.connect()
        try:
            return await replay(broker, queue, limit)
        except ChannelNotFoundEntity as missing:
            raise _no_such_queue(queue) from missing
        finally:
            await broker.close()

    moved = asyncio.run(run())
    typer.echo(f"replayed {moved} message(s) onto {queue}")
