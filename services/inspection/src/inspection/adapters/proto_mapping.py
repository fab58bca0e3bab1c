"""Proto messages to domain values and back: one EnumMap per vocabulary, days as "YYYY-MM-DD"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare_platform.contracts import EnumMap
from aftercare_platform.errors import InvalidArgument

from inspection.adapters.events import timestamp
from inspection.domain.checklists import Checklist, Item, ItemKind, ItemResult
from inspection.domain.compliance import Tally
from inspection.domain.findings import Finding
from inspection.domain.plans import (
    DEFAULT_NOTICE_WORKING_DAYS,
    DEFAULT_REPORT_WORKING_DAYS,
    Anchoring,
    HolidayPolicy,
    Mode,
    Plan,
    ReportDue,
    rule_for,
)
from inspection.domain.reports import Report, ReportState
from inspection.domain.visits import Visit, VisitStatus
from inspection.domain.watch import Watch

HOLIDAY_POLICIES = EnumMap(pb.HolidayPolicy, HolidayPolicy)
ANCHORINGS = EnumMap(pb.Anchoring, Anchoring)
MODES = EnumMap(pb.InspectionMode, Mode)
REPORT_DUE_RULES = EnumMap(pb.ReportDueRule, ReportDue)
STATUSES = EnumMap(pb.InspectionStatus, VisitStatus)
ITEM_KINDS = EnumMap(pb.ItemKind, ItemKind)
REPORT_STATES = EnumMap(pb.ReportState, ReportState)


def _number(words: EnumMap[Any], value: Any) -> Any:
    """A domain value's proto number (typed loosely: the stubs' enum ValueTypes are ints)."""
    return words.number(value)


def day(text: str, field: str, *, required: bool = True) -> date | None:
    if not text.strip():
        if required:
            raise InvalidArgument.for_field(field, "required, as YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument.for_field(field, f"not a day YYYY-MM-DD: {text!r}") from None


def required_day(text: str, field: str) -> date:
    found = day(text, field)
    assert found is not None
    return found


def instant(message: pb.CompleteInspectionRequest) -> datetime | None:
    return message.performed_time.ToDatetime(tzinfo=UTC) if message.HasField("performed_time") else None


def _text(value: date | None) -> str:
    return value.isoformat() if value else ""


def plan_to_proto(plan: Plan) -> pb.Plan:
    return pb.Plan(plan_id=plan.id, company_id=plan.company_id, contract_id=plan.contract_id, site_id=plan.site_id,
                   asset_group=plan.asset_group, region=plan.region, title=plan.title, rule=plan.rule,
                   starts_on=plan.starts_on.isoformat(), ends_on=_text(plan.ends_on),
                   anchoring=_number(ANCHORINGS, plan.anchoring),
                   holiday_policy=_number(HOLIDAY_POLICIES, plan.holiday_policy),
                   mode=_number(MODES, plan.mode), checklist_id=plan.checklist_id,
                   notice_working_days=plan.notice_working_days, report_working_days=plan.report_working_days,
                   report_due=_number(REPORT_DUE_RULES, plan.report_due), horizon_days=plan.horizon_days,
                   time_zone=plan.time_zone, calendar=plan.calendar)


def result_to_proto(result: ItemResult) -> pb.ItemResult:
    message = pb.ItemResult(item_id=result.item_id, section=result.section, title=result.title,
                            outcome=result.outcome, text=result.text, file_ref=result.file_ref,
                            needs_work=result.needs_work, recorded_by=result.by)
    if result.value is not None:
        message.value = result.value
    if result.at is not None:
        message.recorded_time.CopyFrom(timestamp(result.at))
    return message


def finding_to_proto(finding: Finding) -> pb.Finding:
    return pb.Finding(finding_id=finding.id, item_id=finding.item_id, summary=finding.summary,
                      state=finding.state.value, receipt_id=finding.receipt_id, case_id=finding.case_id,
                      case_number=finding.case_number, error=finding.error)


def visit_to_proto(visit: Visit, findings: list[Finding] | None = None) -> pb.Inspection:
    message = pb.Inspection(
        inspection_id=visit.id, plan_id=visit.plan_id, company_id=visit.company_id, site_id=visit.site_id,
        region=visit.region, mode=_number(MODES, visit.mode), kind=visit.kind.value,
        nominal_on=visit.nominal_on.isoformat(), scheduled_on=visit.scheduled_on.isoformat(),
        notice_on=_text(visit.notice_on), moved=visit.moved, status=_number(STATUSES, visit.status),
        checklist_id=visit.checklist_id, checklist_version=visit.checklist_version, started_by=visit.started_by,
        results=[result_to_proto(r) for r in visit.results],
        findings=[finding_to_proto(f) for f in findings or []], dispatch_visit_id=visit.dispatch_visit_id,
        dispatch_case_id=visit.dispatch_case_id, contract_id=visit.contract_id,
        data_sets=[pb.DataSet(data_set_id=d.id, filename=d.filename, content_type=d.content_type, size_bytes=d.size,
                              sha256=d.sha256, uploaded_by=d.by, uploaded_time=timestamp(d.at))
                   for d in visit.data_sets])
    for field, value in (("notice_sent_time", visit.notice_sent_at), ("started_time", visit.started_at),
                         ("performed_time", visit.performed_at)):
        if value is not None:
            getattr(message, field).CopyFrom(timestamp(value))
    return message


def checklist_to_proto(checklist: Checklist) -> pb.Checklist:
    items = []
    for item in checklist.items:
        message = pb.ChecklistItem(item_id=item.id, section=item.section, title=item.title,
                                   kind=_number(ITEM_KINDS, item.kind), unit=item.unit)
        if item.low is not None:
            message.low = item.low
        if item.high is not None:
            message.high = item.high
        items.append(message)
    return pb.Checklist(checklist_id=checklist.id, version=checklist.version, name=checklist.name, items=items)


def items_from_proto(checklist: pb.Checklist) -> tuple[Item, ...]:
    return tuple(Item(id=item.item_id.strip(), section=item.section.strip(), title=item.title.strip(),
                      kind=ITEM_KINDS.member(item.kind, f"checklist.items[{index}].kind"),
                      low=item.low if item.HasField("low") else None,
                      high=item.high if item.HasField("high") else None, unit=item.unit)
                 for index, item in enumerate(checklist.items))


def report_to_proto(report: Report) -> pb.Report:
    message = pb.Report(inspection_id=report.visit_id, state=_number(REPORT_STATES, report.state),
                        due_time=timestamp(report.due_at), warn_time=timestamp(report.warn_at),
                        summary=report.summary, signed_off_by=report.signed_off_by,
                        overdue=report.overdue_at is not None or report.on_time is False)
    if report.submitted_at is not None:
        message.submitted_time.CopyFrom(timestamp(report.submitted_at))
    if report.signed_off_at is not None:
        message.signed_off_time.CopyFrom(timestamp(report.signed_off_at))
    return message


def watch_to_proto(watch: Watch) -> pb.Watch:
    return pb.Watch(watch_id=watch.id, company_id=watch.company_id, contract_id=watch.contract_id,
                    region=watch.region, event_name=watch.event_name, starts_on=watch.starts_on.isoformat(),
                    ends_on=watch.ends_on.isoformat(), sites=list(watch.sites), systems=list(watch.systems),
                    on_site_from=watch.on_site_from.isoformat(), pre_event_inspection_id=watch.pre_event_visit_id,
                    duty_log=[pb.DutyLogEntry(day=e.day.isoformat(), text=e.text, by=e.by,
                                              logged_time=timestamp(e.logged_at)) for e in watch.duty_log],
                    roster_id=watch.roster_id, engineer_ids=list(watch.engineer_ids))


def tally_to_proto(tally: Tally) -> pb.CompliancePeriod:
    return pb.CompliancePeriod(company_id=tally.company_id, site_id=tally.site_id, period=tally.period, due=tally.due,
                               done_on_time=tally.done_on_time, done_late=tally.done_late, missed=tally.missed,
                               reports_on_time=tally.reports_on_time, reports_late=tally.reports_late)


def plan_from_proto(message: pb.Plan) -> Plan:
    """A plan as asked for: zeros and blanks mean the defaults."""
    return Plan(
        id=message.plan_id.strip(), company_id=message.company_id.strip(), contract_id=message.contract_id.strip(),
        site_id=message.site_id.strip(), asset_group=message.asset_group.strip(), region=message.region.strip(),
        title=message.title.strip(), rule=rule_for(message.preset.strip(), message.rule),
        starts_on=required_day(message.starts_on, "plan.starts_on"),
        ends_on=day(message.ends_on, "plan.ends_on", required=False),
        anchoring=ANCHORINGS.optional(message.anchoring, "plan.anchoring") or Anchoring.FIXED,
        holiday_policy=HOLIDAY_POLICIES.optional(message.holiday_policy, "plan.holiday_policy") or HolidayPolicy.NEXT,
        mode=MODES.optional(message.mode, "plan.mode") or Mode.ON_SITE, checklist_id=message.checklist_id.strip(),
        notice_working_days=message.notice_working_days or DEFAULT_NOTICE_WORKING_DAYS,
        report_working_days=message.report_working_days or DEFAULT_REPORT_WORKING_DAYS,
        report_due=REPORT_DUE_RULES.optional(message.report_due, "plan.report_due") or ReportDue.AFTER_VISIT,
        horizon_days=message.horizon_days or 120, time_zone=message.time_zone.strip() or "Asia/Shanghai",
        calendar=message.calendar.strip() or "CN")
