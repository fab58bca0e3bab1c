"""Embedded mode: the same migrations on SQLite and the same API, for a laptop without PostgreSQL or RabbitMQ
(`aftercare run` starts every installed service this way)."""

import asyncio
import json

import grpc
import httpx
from aftercare.notify.v1 import notify_pb2, notify_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.embedded.runner import build_embedded
from aftercare_platform.servers.runner import ServiceRunner
from aftercare_platform.settings import ServiceSettings
from aftercare_platform.telemetry.setup import setup_telemetry
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.waiting import eventually
from notify.bootstrap import definition
from prometheus_client import CollectorRegistry


async def test_notify_runs_embedded_on_sqlite(tmp_path, monkeypatch):
    http_port, grpc_port = free_port(), free_port()
    for name, value in {"HTTP_PORT": http_port, "GRPC_PORT": grpc_port, "EMAIL_TRANSPORT": "file",
                        "SMS_PRIMARY": "file", "DEVELOPMENT": "true", "FILE_SINK_DIR": tmp_path / "out",
                        "STAFF": json.dumps([{"staff_id": "sup", "email": "sup@x.example",
                                              "supervisor_of_regions": ["east"]}])}.items():
        monkeypatch.setenv(f"AFTERCARE_{name}", str(value))
    settings = ServiceSettings(service_name="embedded-notify-test")
    runner = ServiceRunner(settings, telemetry=setup_telemetry(settings, registry=CollectorRegistry(),
                                                               set_global=False), handle_signals=False)
    running = asyncio.create_task(runner.run(lambda t: build_embedded([definition], tmp_path, t)))

    async def ready() -> bool:
        if running.done():
            running.result()
        try:
            async with httpx.AsyncClient() as http:
                return (await http.get(f"http://127.0.0.1:{http_port}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    await eventually(ready, what="the embedded service ready")
    try:
        admin = [("authorization", f"Bearer {mint_token(settings, 'admin-1', 'admin')}")]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            stub = notify_pb2_grpc.NotifyServiceStub(channel)
            template = notify_pb2.Template(event_type="case.created", channel=notify_pb2.DELIVERY_CHANNEL_SMS,
                                           language="en", body="Case {{ case_number }} opened")
            saved = await stub.SaveTemplate(notify_pb2.SaveTemplateRequest(template=template), metadata=admin)
            assert saved.template.version == 1
            listed = await stub.ListTemplates(notify_pb2.ListTemplatesRequest(event_type="case.created"),
                                              metadata=admin)
            assert any(t.version == 1 and t.language == "en" for t in listed.templates)
    finally:
        runner.request_shutdown("test over")
        await running
