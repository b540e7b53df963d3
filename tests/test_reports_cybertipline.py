"""The CyberTipline report of an approved case, validated against NCMEC's real schema (read from
../shared/data/ncmec/, never copied into the repository), and every kind of invalid report named by path."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from reports_case import Case, make_case, set_reporter, xsd_path
from trailguard.cli import app
from trailguard.reports import cybertipline


@pytest.fixture
def xsd(monkeypatch: pytest.MonkeyPatch) -> Path:
    path = xsd_path()
    monkeypatch.setenv("TRAILGUARD_NCMEC_XSD", str(path))
    return path


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xsd: Path) -> Case:
    set_reporter(monkeypatch)
    return make_case(tmp_path, monkeypatch)


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_report_of_an_approved_case_is_schema_valid_and_carries_the_case(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    code, stdout, stderr = _run("report", "cybertipline", "--case", case.case_id, "--out", str(out))
    assert code == 0, stderr
    assert '"valid":true' in stdout
    root = ET.fromstring(out.read_bytes())
    assert [c.tag for c in root] == [
        "incidentSummary",
        "internetDetails",
        "reporter",
        "personOrUserReported",
        "personOrUserReported",
        "additionalInfo",
    ]
    assert root.findtext("incidentSummary/incidentType") == "Child Sex Trafficking"
    assert root.findtext("incidentSummary/incidentDateTime") == "2026-03-01T09:30:00Z"
    urls = [u.text for u in root.findall("internetDetails/webPageIncident/url")]
    assert urls == [
        case.page_url,
        "https://classifieds.example.org/ad/1",
        "https://classifieds.example.org/ad/2",
    ]
    assert root.findtext("reporter/reportingPerson/email") == "reports@example.org"
    first, second = root.findall("personOrUserReported")
    assert first.findtext("screenName") == "roomsbyjo"
    assert first.findtext("espService") == "classifieds.example.org"
    phone = first.find("personOrUserReportedPerson/phone")
    assert phone is not None and (phone.text, phone.get("countryCallingCode")) == ("6175550123", "+1")
    assert first.findtext("personOrUserReportedPerson/email") == "rooms@example.org"
    assert "crypto btc:bc1qexample" in (first.findtext("additionalInfo") or "")
    assert "19" not in (first.findtext("additionalInfo") or "")  # facts (age) are not identifiers
    assert second.findtext("screenName") is None
    assert second.findtext("personOrUserReportedPerson/phone") == "6175550188"
    info = root.findtext("additionalInfo") or ""
    assert case.case_id in info and "rita" in info and "1 attached item(s) are no longer in the store" in info
    assert cybertipline.problems(cybertipline.load_schema(xsd_path()), out.read_bytes()) == []


def test_unapproved_case_is_refused_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xsd: Path
) -> None:
    set_reporter(monkeypatch)
    unapproved = make_case(tmp_path, monkeypatch, approve=False)
    out = tmp_path / "report.xml"
    code, _, stderr = _run("report", "cybertipline", "--case", unapproved.case_id, "--out", str(out))
    assert code == 2
    assert "is not approved for reporting" in stderr and f"case approve {unapproved.case_id}" in stderr
    assert not out.exists()


def test_missing_schema_setting_is_exit_2_naming_it(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAILGUARD_NCMEC_XSD")
    code, _, stderr = _run("report", "cybertipline", "--case", case.case_id, "--out", str(tmp_path / "r.xml"))
    assert code == 2 and "TRAILGUARD_NCMEC_XSD is not set" in stderr


def test_missing_reporter_is_exit_2_naming_the_setting(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAILGUARD_REPORTER_EMAIL")
    code, _, stderr = _run("report", "cybertipline", "--case", case.case_id, "--out", str(tmp_path / "r.xml"))
    assert code == 2 and "--reporter-email" in stderr and "TRAILGUARD_REPORTER_EMAIL" in stderr


def test_bad_enumeration_is_named_by_its_path(case: Case, tmp_path: Path) -> None:
    args = ["report", "cybertipline", "--case", case.case_id, "--out", str(tmp_path / "r.xml")]
    code, _, stderr = _run(*args, "--incident-type", "Spam")
    assert code == 2
    assert "/report/incidentSummary/incidentType: value must be one of" in stderr
    assert not (tmp_path / "r.xml").exists()


def _valid_report(case: Case, tmp_path: Path) -> ET.Element:
    out = tmp_path / "good.xml"
    assert _run("report", "cybertipline", "--case", case.case_id, "--out", str(out))[0] == 0
    return ET.fromstring(out.read_bytes())


def _check(tmp_path: Path, root: ET.Element) -> tuple[int, str]:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(ET.tostring(root))
    code, _, stderr = _run("report", "check", str(bad))
    return code, stderr


def test_missing_required_field_is_named_by_its_path(case: Case, tmp_path: Path) -> None:
    root = _valid_report(case, tmp_path)
    summary = root.find("incidentSummary")
    assert summary is not None
    summary.remove(summary.find("incidentDateTime"))  # type: ignore[arg-type]
    code, stderr = _check(tmp_path, root)
    assert code == 2
    assert "/report/incidentSummary: " in stderr and "incidentDateTime" in stderr


def test_elements_out_of_order_are_named_by_path(case: Case, tmp_path: Path) -> None:
    root = _valid_report(case, tmp_path)
    reporter = root.find("reporter")
    assert reporter is not None
    root.remove(reporter)
    root.insert(0, reporter)  # reporter before incidentSummary: NCMEC answers 4100
    code, stderr = _check(tmp_path, root)
    assert code == 2
    assert "/report: Unexpected child with tag 'reporter' at position 1" in stderr


def test_check_accepts_the_report_it_wrote(case: Case, tmp_path: Path) -> None:
    root = _valid_report(case, tmp_path)
    code, stderr = _check(tmp_path, root)
    assert code == 0, stderr


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"<report><incidentSummary>", "not well-formed XML"),
        (
            b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY e 'x'>]><report>&e;</report>",
            "Entities are forbidden",
        ),
        (b"", "not well-formed XML"),
    ],
    ids=["truncated", "entity", "empty"],
)
def test_malformed_xml_is_a_clear_error(xsd: Path, tmp_path: Path, data: bytes, expected: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(data)
    code, _, stderr = _run("report", "check", str(bad))
    assert code == 2 and f"{bad}: /: " in stderr and expected in stderr


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_problems_or_none_never_an_exception(data: bytes) -> None:
    found = cybertipline.problems(cybertipline.load_schema(xsd_path()), data)
    assert all(": " in p for p in found)
    assert found  # no random bytes form a complete, valid report


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_hostile_text_in_any_field_still_makes_a_valid_report(text: str) -> None:
    """Attacker text is escaped, never markup; characters XML cannot hold are dropped, not fatal."""
    from trailguard.reports.case_content import CaseContent, CaseItem, Identifier
    from trailguard.reports.reporter import Reporter

    item = CaseItem(
        "ad-x", "ad", text, "https://example.org/x", text, None, [Identifier("handle", text, "ad-x")]
    )
    content = CaseContent("case-x", text, "rita", "2026-03-01T00:00:00+00:00", items=[item])
    reporter = Reporter("Org", "Rita", "Reviewer", "reports@example.org")
    xml = cybertipline.build(content, reporter, cybertipline.TRAFFICKING)
    assert cybertipline.problems(cybertipline.load_schema(xsd_path()), xml) == []
    screen = ET.fromstring(xml).findtext("personOrUserReported/screenName")
    kept = "".join(c for c in text if c in "\t\n\r" or c >= " ")
    assert screen is None or screen.replace("\r", "\n") == kept.replace("\r\n", "\n").replace("\r", "\n")


def test_a_posting_time_in_the_future_is_not_believed() -> None:
    from datetime import UTC, datetime

    from trailguard.reports.case_content import Captured, CaseContent, CaseItem

    capture = Captured(
        "https://example.org/a", "a.warc.gz", "ab" * 32, "2026-03-02T08:00:00+00:00", "alice", 200
    )
    item = CaseItem("ad-1", "ad", None, None, None, "2999-01-01T00:00:00+00:00")
    content = CaseContent("case-x", "t", "rita", "2026-03-03T00:00:00+00:00", [capture], [item])
    when, how = cybertipline.incident_time(content)
    assert when == datetime(2026, 3, 2, 8, 0, tzinfo=UTC) and "first captured" in how
