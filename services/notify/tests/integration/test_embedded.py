"""Embedded mode: the same migrations on SQLite and the same API, for a laptop without PostgreSQL or RabbitMQ
(`aftercare run` starts every installed service this way)."""

import json

import grpc
from aftercare.notify.v1 import notify_pb2, notify_pb2_grpc
from notify.bootstrap import definition


async def test_notify_runs_embedded_on_sqlite(embedded, tmp_path):
    staff = json.dumps([{"staff_id": "sup", "email": "sup@x.example", "supervisor_of_regions": ["east"]}])
    async with embedded(definition, email_transport="file", sms_primary="file", development="true",
                        file_sink_dir=tmp_path / "out", staff=staff) as service:
        admin = service.auth("admin-1", "admin")
        async with grpc.aio.insecure_channel(service.grpc_target) as channel:
            stub = notify_pb2_grpc.NotifyServiceStub(channel)
            template = notify_pb2.Template(event_type="case.created", channel=notify_pb2.DELIVERY_CHANNEL_SMS,
                                           language="en", body="Case {{ case_number }} opened")
            saved = await stub.SaveTemplate(notify_pb2.SaveTemplateRequest(template=template), metadata=admin)
            assert saved.template.version == 1
            listed = await stub.ListTemplates(notify_pb2.ListTemplatesRequest(event_type="case.created"),
                                              metadata=admin)
            assert any(t.version == 1 and t.language == "en" for t in listed.templates)
