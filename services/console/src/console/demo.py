"""`uv run python -m console.demo`: demo data for an empty Aftercare, so the first page is a living desk.

It creates (through the services' own gRPC APIs, as an admin with the development secret) the two demo
companies the login page's customers belong to, their sites, contacts, contracts and cameras, two
engineers in dispatch when dispatch answers, and a day of cases in various states. Running it again
changes nothing (every step is keyed)."""

from __future__ import annotations

import asyncio
import sys

import grpc
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as dispatch_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.errors import AlreadyExists, DomainError

from console.adapters.services import Services
from console.domain.demo_users import ACME, BOREAL, DEMO_REGION
from console.settings import ConsoleSettings

COMPANIES = ((ACME, "ACME 制造", "+8613800000001", "Hikvision"),
             (BOREAL, "Boreal Logistics", "+8613800000002", "Dahua"))
# (company, priority, description, what happens to it: "" stays new, or assigned / acknowledged / waiting / resolved)
CASES = (
    (ACME, cases_pb.PRIORITY_P1, "3 号门摄像头无图像 / Gate 3 camera shows no picture", "assigned"),
    (ACME, cases_pb.PRIORITY_P2, "录像机硬盘告警 / NVR disk warning", "acknowledged"),
    (ACME, cases_pb.PRIORITY_P3, "夜视模式偏暗 / Night mode too dark", ""),
    (ACME, cases_pb.PRIORITY_P4, "申请操作培训 / Training request", "waiting"),
    (BOREAL, cases_pb.PRIORITY_P1, "仓库门禁离线 / Warehouse access control offline", ""),
    (BOREAL, cases_pb.PRIORITY_P2, "车牌识别率下降 / Plate recognition rate dropped", "assigned"),
    (BOREAL, cases_pb.PRIORITY_P3, "升级固件后重启 / Reboots after firmware upgrade", "resolved"),
)


async def _tolerate(call: object) -> None:
    try:
        await call  # type: ignore[misc]
    except AlreadyExists:
        pass


async def seed(settings: ConsoleSettings, say: object = print) -> int:
    """Create the demo data; returns how many cases it opened (0 when they were there already)."""
    services = Services(settings)
    admin = mint_token(settings, "demo-seeder", "admin", name="demo data")
    engineer = mint_token(settings, "eng-wang", "engineer", name="王强", regions=[DEMO_REGION])
    opened = 0
    try:
        for company_id, name, phone, maker in COMPANIES:
            intake = services.intake
            await _tolerate(services.call(intake.CreateCompany, intake_pb.CreateCompanyRequest(
                company=intake_pb.Company(company_id=company_id, name=name, region=DEMO_REGION)), admin))
            await _tolerate(services.call(intake.CreateSite, intake_pb.CreateSiteRequest(site=intake_pb.Site(
                site_id=f"{company_id}-S1", company_id=company_id, name="HQ", address="1 Harbour Road",
                region=DEMO_REGION)), admin))
            await _tolerate(services.call(intake.CreateContact, intake_pb.CreateContactRequest(
                contact=intake_pb.Contact(contact_id=f"{company_id}-K1", company_id=company_id, name="Li Lei",
                                          phone=phone, site_id=f"{company_id}-S1")), admin))
            await _tolerate(services.call(intake.CreateContract, intake_pb.CreateContractRequest(
                contract=intake_pb.Contract(contract_id=f"{company_id}-C1", company_id=company_id,
                                            sla_policy="default", start_on="2025-01-01",
                                            acceptance_on="2025-06-01")), admin))
            await _tolerate(services.call(intake.CreateAsset, intake_pb.CreateAssetRequest(asset=intake_pb.Asset(
                serial_number=f"CAM-{company_id[-4:]}", manufacturer=maker, model="DS-2CD2T47",
                site_id=f"{company_id}-S1", contract_id=f"{company_id}-C1")), admin))
        try:
            for subject, person in (("eng-wang", "王强"), ("eng-zhao", "赵敏")):
                await services.call(services.dispatch.PutEngineer, dispatch_pb.PutEngineerRequest(
                    engineer=dispatch_pb.Engineer(engineer_id=subject, subject=subject, name=person,
                                                  tier=dispatch_pb.ENGINEER_TIER_DUTY_ENGINEER,
                                                  regions=[DEMO_REGION], capacity=8, active=True)), admin)
        except DomainError as absent:
            say(f"dispatch: engineers not added ({absent.detail})")  # type: ignore[operator]
        for index, (company_id, priority, description, fate) in enumerate(CASES):
            created = await services.call(services.cases.CreateCase, cases_pb.CreateCaseRequest(
                request_id=f"console-demo-{index}", region=DEMO_REGION, company_id=company_id,
                contract_id=f"{company_id}-C1", caller=cases_pb.Caller(name="Li Lei", phone="+8613800000001"),
                description=description, priority=priority, channel=cases_pb.CHANNEL_HOTLINE,
                category=cases_pb.CATEGORY_A, kind=cases_pb.CASE_KIND_DEFECT), admin)
            if not created.created:
                continue
            opened += 1
            await _advance(services, created.case.case_id, fate, admin, engineer)
    finally:
        await services.close()
    return opened


async def _advance(services: Services, case_id: str, fate: str, admin: str, engineer: str) -> None:
    cases = services.cases
    if not fate:
        return
    await services.call(cases.Assign, cases_pb.AssignRequest(case_id=case_id, assignee_id="eng-wang",
                                                             tier=cases_pb.TIER_ENGINEER, reason="demo"), admin)
    if fate == "assigned":
        return
    await services.call(cases.Acknowledge, cases_pb.AcknowledgeRequest(case_id=case_id, message="正在处理"), engineer)
    if fate == "waiting":
        await services.call(cases.SetWaitingForCustomer, cases_pb.SetWaitingForCustomerRequest(
            case_id=case_id, reason="请提供设备日志 / please send the device log"), engineer)
    elif fate == "resolved":
        await services.call(cases.Resolve, cases_pb.ResolveRequest(case_id=case_id, fault_report=cases_pb.FaultReport(
            cause="固件缺陷", method="回退固件", result="运行正常", prevention="升级前先在测试机验证")), engineer)


def main() -> None:
    try:
        opened = asyncio.run(seed(ConsoleSettings()))
    except (DomainError, grpc.aio.AioRpcError) as failed:
        sys.exit(f"demo data not created: {failed} (are the services running? `make run`)")
    print(f"demo data ready: {opened} new cases; open {ConsoleSettings().public_url}/login")


if __name__ == "__main__":
    main()
