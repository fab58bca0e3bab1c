"""notify: messages/s per channel against local servers (aiosmtpd, an HTTP server speaking like the two SMS
gateway shapes, a webhook receiver), and end to end: p50/p99 from an SLA breach event published on RabbitMQ
to the SMTP server accepting the mail, at a steady 50 events/s, with `python -m notify` in its own process
on PostgreSQL.

    uv run python bench/bench_notify.py [--messages 400] [--concurrency 16] [--rate 50] [--seconds 10]

Prints figures; asserts nothing about time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from google.protobuf.timestamp_pb2 import Timestamp

sys.path.insert(0, str(Path(__file__).parent))
from aftercare.cases.v1 import cases_pb2
from aftercare.sla.v1 import events_pb2, sla_pb2
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.envelope import CloudEvent, payload_to_dict
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.testing.infra import create_database, drop_database, start_servers
from aftercare_platform.testing.ports import free_port
from machine import describe, percentile
from notify.channels.base import ChannelSender, Outgoing
from notify.channels.sms_gateways import BasicAuthGatewayConfig, BasicAuthSms, SignedGatewayConfig, SignedRequestSms
from notify.channels.smtp import SmtpConfig, SmtpSender
from notify.channels.webhook import WebhookSender
from notify.domain.vocabulary import Channel
from notify.testing.local_servers import SmtpServer, http_providers


async def rate(name: str, sender: ChannelSender, channel: Channel, address: str, n: int, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await sender.send(Outgoing(f"bench-{name}-{i}", channel, address, f"Case EA-{i:06d} breached",
                                       subject=f"[EA-{i:06d}] SLA breached", case_id=f"case-{i}"))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - started
    print(f"  {name:<22} {n} messages in {elapsed:6.2f} s = {n / elapsed:7.1f} messages/s")


async def channels(args: argparse.Namespace) -> None:
    print(f"channels, {args.messages} messages each, {args.concurrency} at a time:")
    smtp = SmtpServer(free_port())
    smtp.start()
    port = free_port()
    try:
        async with http_providers(port) as fake, httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as client:
            base = f"http://127.0.0.1:{port}"
            await rate("smtp (aiosmtpd)", SmtpSender(SmtpConfig(port=smtp.port, security="none")), Channel.EMAIL,
                       "bench@example.com", args.messages, args.concurrency)
            await rate("sms signed-request", SignedRequestSms(SignedGatewayConfig(f"{base}/aliyun", "k", fake.secret),
                                                              client), Channel.SMS, "+8613800000000", args.messages,
                       args.concurrency)
            await rate("sms basic-auth", BasicAuthSms(BasicAuthGatewayConfig(
                f"{base}/twilio", *fake.account, "+1"), client), Channel.SMS, "+8613800000000", args.messages,
                args.concurrency)
            await rate("webhook (HMAC)", WebhookSender("s", client), Channel.WEBHOOK, f"{base}/hook", args.messages,
                       args.concurrency)
    finally:
        smtp.stop()


def breach(i: int) -> CloudEvent:
    action = sla_pb2.Action(kind=sla_pb2.ACTION_KIND_NOTIFY, roles=[sla_pb2.NOTIFY_ROLE_SUPERVISOR],
                            channels=[sla_pb2.NOTIFY_CHANNEL_EMAIL])
    number = f"EA-20261121-{i:06d}"
    occurred = Timestamp()
    occurred.GetCurrentTime()
    message = events_pb2.SlaBreached(case_id=f"bench-case-{i}", case_number=number, region="east",
                                     company_id="bench", priority=cases_pb2.PRIORITY_P1, actions=[action],
                                     occurred_at=occurred)
    return CloudEvent(type="aftercare.sla.breached.v1", source="/services/sla-timer", subject=f"bench-case-{i}",
                      region="east", data=payload_to_dict(message))


async def end_to_end(admin_url: str, amqp_url: str, args: argparse.Namespace) -> None:
    total = int(args.rate * args.seconds)
    print(f"end to end: {total} breach events at {args.rate}/s -> e-mail accepted by aiosmtpd")
    name, url = await create_database(admin_url, "aftercare_bench")
    smtp = SmtpServer(free_port())
    smtp.start()
    http_port = free_port()
    env = {**os.environ, "AFTERCARE_DATABASE_URL": url, "AFTERCARE_AMQP_URL": amqp_url,
           "AFTERCARE_HTTP_HOST": "127.0.0.1", "AFTERCARE_GRPC_HOST": "127.0.0.1",
           "AFTERCARE_HTTP_PORT": str(http_port), "AFTERCARE_GRPC_PORT": str(free_port()),
           "AFTERCARE_LOG_LEVEL": "WARNING", "AFTERCARE_LOG_JSON": "false", "AFTERCARE_SMTP_PORT": str(smtp.port),
           "AFTERCARE_SMTP_SECURITY": "none", "AFTERCARE_SENDER_POLL_SECONDS": "0.05",
           "AFTERCARE_SENDER_CONCURRENCY": os.environ.get("BENCH_NOTIFY_CONCURRENCY", "16"),
           "AFTERCARE_DISPATCH_GRPC_TARGET": "",  # the supervisor from the staff table: no rosters in the bench
           "AFTERCARE_STAFF": json.dumps([{"staff_id": "sup", "email": "sup@example.com",
                                           "supervisor_of_regions": ["east"]}])}
    # notify in its own process, as deployed: the SMTP server and the publisher stay in this one
    # BENCH_NOTIFY_PROFILE=<file>: notify runs under cProfile and writes its profile there on exit
    out = os.environ.get("BENCH_NOTIFY_PROFILE")
    profile = ["-m", "cProfile", "-o", out] if out else []
    process = await asyncio.create_subprocess_exec(sys.executable, *profile, "-m", "notify", env=env,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    broker = AmqpBroker(amqp_url, connection_name="notify-bench")
    await broker.connect()
    published: dict[str, float] = {}
    try:
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    if (await http.get(f"http://127.0.0.1:{http_port}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.returncode is not None:
                    raise RuntimeError(f"notify exited with {process.returncode}")
                await asyncio.sleep(0.2)
        started = time.monotonic()
        for i in range(total):
            await asyncio.sleep(max(0.0, started + i / args.rate - time.monotonic()))
            event = breach(i)
            published[f"EA-20261121-{i:06d}"] = time.monotonic()
            await broker.publish(OutgoingMessage(body=event.to_json(), message_id=event.id,
                                                 routing_key=event.routing_key))
        # the SMTP server runs in its own thread: polled, it has no event to await
        while len(smtp.box.mails) < total and time.monotonic() - started < args.seconds + 120:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await stages(url)
    finally:
        process.terminate()
        await process.wait()
        await broker.close()
        smtp.stop()
        await drop_database(admin_url, name)
    latencies = sorted((m.at - published[m.message["Subject"].split("]")[0].strip("[")]) * 1000
                       for m in smtp.box.mails)
    print(f"  accepted {len(latencies)}/{total}; event -> SMTP accepted: p50 {percentile(latencies, 0.5):.0f} ms, "
          f"p99 {percentile(latencies, 0.99):.0f} ms, max {latencies[-1]:.0f} ms")


async def stages(url: str) -> None:
    """Where the time goes: planned -> claimed (sending) -> accepted (sent), from the delivery rows."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        row = await connection.fetchrow(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at"
            " - (SELECT (n.document->>'occurred_at')::timestamptz FROM notify.notices n"
            "    WHERE n.event_id = d.event_id))) AS plan,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sending_at - created_at)) AS wait,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - sending_at)) AS send"
            " FROM notify.deliveries d WHERE state = 'sent'")
    finally:
        await connection.close()
    print(f"  median published -> planned {row['plan'] * 1000:.0f} ms,"
          f" planned -> claimed {row['wait'] * 1000:.0f} ms, claimed -> accepted {row['send'] * 1000:.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    print(describe())
    await channels(args)
    with ExitStack() as stack:
        servers = start_servers(stack)
        await end_to_end(servers.pg_admin_url, servers.amqp_url, args)


if __name__ == "__main__":
    asyncio.run(main())
