"""`aftercare dlq list|replay`: look at parked messages and put them back once the cause is fixed."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.table import Table

from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.dlq import list_parked, replay
from aftercare_platform.settings import ServiceSettings

app = typer.Typer(help="Parked (dead-lettered) messages of a queue.", no_args_is_help=True)
_console = Console()


def _broker() -> AmqpBroker:
    return AmqpBroker(ServiceSettings().amqp_url, connection_name="aftercare-cli")


@app.command("list")
def list_command(
    queue: str = typer.Option(..., help="the work queue, e.g. notify.case-events (its parking queue is read)"),
    limit: int = typer.Option(50, min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per line"),
) -> None:
    """Show parked messages without removing them."""

    async def run() -> None:
        broker = _broker()
        await broker.connect()
        try:
            parked = await list_parked(broker, queue, limit)
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
        finally:
            await broker.close()

    moved = asyncio.run(run())
    typer.echo(f"replayed {moved} message(s) onto {queue}")
