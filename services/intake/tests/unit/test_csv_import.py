"""CSV import: good rows are kept, bad rows are reported with row number, field and reason."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from intake.domain.registry import Asset, Company, Contact, Contract, Site
from intake.parsing.csv_import import ImportKind, RowError, columns, iter_import, parse_import

HEADER = "serial_number,manufacturer,model,site_id,contract_id,installed_on,accepted_on,manufacturer_warranty_end"
ASSETS = (
    "\ufeff"
    + HEADER
    + """
SN-001,Hikvision,DS-9632NI,S-1,C-1,2024-11-01,2024-11-21,2027-12-31
SN-002,,DS-2CD,S-1,C-1,2024-11-01,2024-11-21,
SN-003,Dahua,NVR,S-1,C-1,2024/11/01,2024年11月21日,
SN-004,Dahua,NVR,S-1,C-1,2024-11-30,2024-11-21,
,Dahua,NVR,S-1,,,,

SN-001,HIKVISION,duplicate,S-1,C-1,,,
SN-005,Huawei,"S5735, 48 ports",S-2,C-1,,2025-02-30,
SN 006,Huawei,,,,,,
"""
)


def test_good_rows_kept_bad_rows_reported_with_row_numbers() -> None:
    result = parse_import(ImportKind.ASSETS, ASSETS)
    assert [asset.serial_number for asset in result.good] == ["SN-001", "SN-003"]
    assert result.good[0] == Asset(
        "SN-001", "Hikvision", "DS-9632NI", "S-1", "C-1", date(2024, 11, 1), date(2024, 11, 21), date(2027, 12, 31)
    )
    assert result.good[1].accepted_on == date(2024, 11, 21)  # type: ignore[union-attr]
    assert result.errors == [
        RowError(3, "manufacturer", "required"),
        RowError(5, "accepted_on", "2024-11-21 is before installed_on 2024-11-30"),
        RowError(6, "serial_number", "required"),
        RowError(8, "serial_number", "duplicate of row 2"),
        RowError(9, "accepted_on", "'2025-02-30' is not a real date"),
        RowError(10, "serial_number", "must not contain spaces"),
    ]
    assert result.rows_read == 8  # the blank row 7 is skipped
    assert result.bad_rows == 6


def test_every_problem_of_a_row_is_reported() -> None:
    text = "contact_id,company_id,name,phone,email\nK-1,,王五,12345,not-an-email\n"
    result = parse_import(ImportKind.CONTACTS, text)
    assert result.good == []
    assert {(e.row, e.field) for e in result.errors} == {(2, "company_id"), (2, "phone"), (2, "email")}


def test_contacts() -> None:
    text = (
        "Contact_ID , Company_ID , Name , Phone , Email , Role, notes\n"
        "K-1,CO-1,王五,138 0013 8000,wangwu@Example.cn,系统管理员,ignored column\n"
        "K-2,CO-1,赵六,,,,\n"
    )
    result = parse_import(ImportKind.CONTACTS, text)
    assert result.good == [Contact("K-1", "CO-1", "王五", "+8613800138000", "wangwu@example.cn", "系统管理员")]
    assert result.errors == [RowError(3, "phone", "a contact needs a phone or an email")]


def test_companies_contracts_sites() -> None:
    companies = parse_import(ImportKind.COMPANIES, "company_id,name,region\nCO-1,市第一医院,EA\nCO-2,x,east coast\n")
    assert companies.good == [Company("CO-1", "市第一医院", "EA")]
    assert companies.errors[0].field == "region"

    contracts = parse_import(
        ImportKind.CONTRACTS,
        "contract_id,company_id,sla_policy,start_on,acceptance_on,warranty_months,billable_rule\n"
        "C-1,CO-1,gold,2024-01-01,2024-11-21,,per visit\n"
        "C-2,CO-1,gold,2024-01-01,,36,\n"
        "C-3,CO-1,gold,2024-01-01,,two years,\n"
        "C-4,CO-1,gold,,,-1,\n",
    )
    assert contracts.good == [
        Contract("C-1", "CO-1", "gold", date(2024, 1, 1), date(2024, 11, 21), 24, "per visit"),
        Contract("C-2", "CO-1", "gold", date(2024, 1, 1), None, 36, None),
    ]
    assert [(e.row, e.field) for e in contracts.errors] == [
        (4, "warranty_months"),
        (5, "start_on"),
        (5, "warranty_months"),
    ]

    sites = parse_import(
        ImportKind.SITES,
        "site_id,company_id,name,address,region,time_zone\n"
        "S-1,CO-1,门诊楼,北京市东城区,EA,\n"
        "S-2,CO-1,住院楼,北京市东城区,EA,Mars/Olympus\n",
    )
    assert sites.good == [Site("S-1", "CO-1", "门诊楼", "北京市东城区", "EA", "Asia/Shanghai")]
    assert sites.errors[0] == RowError(3, "time_zone", "'Mars/Olympus' is not an IANA time zone like Asia/Shanghai")


def test_missing_required_column_rejects_the_file() -> None:
    result = parse_import(ImportKind.SITES, "site_id,name\nS-1,x\n")
    assert result.good == []
    assert {e.field for e in result.errors} == {"company_id", "address", "region"}
    assert {e.row for e in result.errors} == {1}


def test_empty_file_and_ragged_rows() -> None:
    assert parse_import(ImportKind.COMPANIES, "").errors == [RowError(1, "header", "the file is empty")]
    result = parse_import(ImportKind.COMPANIES, "company_id,name\nCO-1,a,extra\nCO-2\n")
    assert result.errors == [RowError(2, "row", "3 cells but 2 columns"), RowError(3, "name", "required")]


def test_streaming_yields_one_outcome_per_row_for_progress() -> None:
    lines = ["company_id,name\n"] + [f"CO-{i},Company {i}\n" for i in range(1000)]
    outcomes = list(iter_import(ImportKind.COMPANIES, iter(lines)))
    assert len(outcomes) == 1000 and outcomes[-1].row == 1001
    assert all(outcome.record is not None for outcome in outcomes)


def test_columns_describe_the_template() -> None:
    assert columns(ImportKind.COMPANIES) == [("company_id", True), ("name", True), ("region", False)]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(ImportKind)), st.text(max_size=500))
def test_any_text_gives_rows_or_row_errors(kind: ImportKind, text: str) -> None:
    result = parse_import(kind, text)
    assert all(error.row >= 1 and error.field and error.reason for error in result.errors)
    assert len(result.good) <= result.rows_read


def test_a_contacts_language_is_read_as_people_write_it_and_a_foreign_one_is_named() -> None:
    result = parse_import(ImportKind.CONTACTS, "contact_id,company_id,name,email,language\n"
                                               "K-1,CO-1,Ann,ann@example.com,English\n"
                                               "K-2,CO-1,李雷,li@example.cn,zh_cn\n"
                                               "K-3,CO-1,Marie,marie@example.fr,fr\n"
                                               "K-4,CO-1,王五,wang@example.cn,\n")
    assert [(c.contact_id, c.language) for c in result.good] == [("K-1", "en"), ("K-2", "zh-CN"), ("K-4", None)]
    assert result.errors == [RowError(4, "language", "'fr' is not a language we write in: zh-CN or en")]
