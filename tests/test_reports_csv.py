"""CSV of an approved case for partners without STIX: every row, and hostile cells made safe for spreadsheets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports_case import Case, make_case
from trailguard.cli import app
from trailguard.reports import csv_export
from trailguard.reports.case_content import CaseContent, CaseItem, Identifier


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    return make_case(tmp_path, monkeypatch)


def test_csv_has_the_captures_items_and_identifiers(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "case.csv"
    r = CliRunner().invoke(app, ["report", "csv", "--case", case.case_id, "--out", str(out)])
    assert r.exit_code == 0, r.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert json.loads(r.stdout)["rows"] == len(rows) == 1 + 2 + 4
    assert list(rows[0]) == list(csv_export.COLUMNS)
    capture = rows[0]
    assert (capture["record"], capture["value"]) == ("capture", case.page_url) and len(
        capture["sha256"]
    ) == 64
    idents = {(r["type"], r["value"], r["item_id"]) for r in rows if r["record"] == "identifier"}
    assert idents == {
        ("phone", "+16175550123", "ad-1"),
        ("email", "rooms@example.org", "ad-1"),
        ("crypto", "btc:bc1qexampleexampleexampleexample0000", "ad-1"),
        ("phone", "+16175550188", "ad-2"),
    }
    assert all(r["case_id"] == case.case_id for r in rows)


def test_an_unapproved_case_has_no_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = make_case(tmp_path, monkeypatch, approve=False)
    out = tmp_path / "case.csv"
    r = CliRunner().invoke(app, ["report", "csv", "--case", other.case_id, "--out", str(out)])
    assert r.exit_code == 2 and "is not approved" in r.stderr and not out.exists()


@pytest.mark.parametrize(
    "hostile", ['=HYPERLINK("https://example.test/x","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
)
def test_formula_cells_are_neutralised(tmp_path: Path, hostile: str) -> None:
    item = CaseItem(hostile, "ad", None, hostile, None, None, [Identifier("handle", hostile, hostile)])
    content = CaseContent("case-x", "t", "rita", "2026-03-01T00:00:00+00:00", items=[item])
    out = tmp_path / "x.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        csv_export.write(content, fh)
    with out.open(newline="", encoding="utf-8") as fh:
        cells = [c for row in list(csv.reader(fh))[1:] for c in row]
    assert hostile not in cells and f"'{hostile}" in cells
    assert not any(c.startswith(("=", "+", "@", "-")) for c in cells)


def test_phone_numbers_stay_as_they_are() -> None:
    item = CaseItem("ad-1", "ad", None, None, None, None, [Identifier("phone", "+16175550123", "ad-1")])
    content = CaseContent("case-x", "t", "rita", "2026-03-01T00:00:00+00:00", items=[item])
    assert ("case-x", "identifier", "phone", "+16175550123", "ad-1", "", "", "") in list(
        csv_export.rows(content)
    )
    import io

    buf = io.StringIO()
    csv_export.write(content, buf)
    assert "+16175550123" in buf.getvalue() and "'+16175550123" not in buf.getvalue()
