"""Build a service-shaped Database and broker for tests of the platform itself."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, text

from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.in_process import InProcessBroker
from aftercare_platform.bus.ports import Broker
from aftercare_platform.clock import Clock, SystemClock
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.statements import is_postgres
from aftercare_platform.db.unit_of_work import Database
from aftercare_platform.outbox.tables import define_platform_tables


def effects_table(metadata: MetaData) -> Table:
    """A table whose rows are a handler's effects: one row per application, no dedup of its own."""
    return Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("consumer", String(200), nullable=False),
    )


async def open_database(url: str, schema: str, *, service_name: str = "platform-test",
                        clock: Clock | None = None, partitions: int = 16) -> tuple[Database, Table]:
    metadata = MetaData(schema=schema)
    tables = define_platform_tables(metadata)
    effects = effects_table(metadata)
    engine = create_engine(url, schema)
    async with engine.begin() as connection:
        if is_postgres(engine):
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await connection.run_sync(metadata.create_all)
    database = Database(engine, schema=schema, service_name=service_name, tables=tables,
                        clock=clock or SystemClock(), partitions=partitions)
    return database, effects


async def open_broker(amqp_url: str, name: str = "platform-test") -> Broker:
    broker: Broker
    broker = InProcessBroker() if not amqp_url else AmqpBroker(amqp_url, connection_name=name)
    await broker.connect()
    return broker
