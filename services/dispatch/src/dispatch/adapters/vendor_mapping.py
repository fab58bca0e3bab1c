"""The original vendor on a case: the domain <-> the contract's VendorEngagement and its stored document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aftercare.dispatch.v1 import dispatch_pb2 as pb

from dispatch.adapters.proto_values import duration, from_document, instant, required_instant, stamp
from dispatch.domain.vendor import VendorEngagement


def engagement_to_proto(e: VendorEngagement, now: datetime) -> pb.VendorEngagement:
    return pb.VendorEngagement(
        case_id=e.case_id, manufacturer=e.manufacturer, vendor_contact_id=e.contact_id, vendor_ticket=e.ticket,
        promised_response=duration(e.promised_response), engaged_time=stamp(e.engaged_at),
        promised_time=stamp(e.promised_at), responded_time=stamp(e.responded_at), response=e.response,
        late=e.late(now),
    )  # fmt: skip


def engagement_from_document(doc: dict[str, Any]) -> VendorEngagement:
    m = from_document(doc, pb.VendorEngagement())
    return VendorEngagement(
        case_id=m.case_id, manufacturer=m.manufacturer, contact_id=m.vendor_contact_id, ticket=m.vendor_ticket,
        promised_response=m.promised_response.ToTimedelta(),
        engaged_at=required_instant(m.engaged_time, "engaged_time"),
        responded_at=instant(m.responded_time, "responded_time", required=False), response=m.response,
    )  # fmt: skip
