"""STIX 2.1 export of an approved case (valid under stix2-validator, TLP 2.0 by the OASIS ids), import of
partner bundles into the watch list and a hash bank, the round trip, and malformed bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stix2validator
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from reports_case import Case, make_case
from trailguard.cli import app
from trailguard.reports import stix_import, stix_objects
from trailguard.reports.tables import partner_watchlist
from trailguard.store import banks
from trailguard.store.db import create_schema, make_engine

# The published OASIS TLP 2.0 marking ids, written out here on purpose (not imported from the code).
OASIS_TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    monkeypatch.setenv("TRAILGUARD_REPORTER_ORG", "Example Safety Team")
    return make_case(tmp_path, monkeypatch)


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _export(case: Case, tmp_path: Path, *extra: str) -> dict[str, object]:
    out = tmp_path / "bundle.json"
    code, _, stderr = _run("report", "stix", "--case", case.case_id, "--out", str(out), *extra)
    assert code == 0, stderr
    bundle: dict[str, object] = json.loads(out.read_text())
    return bundle


def _objects(bundle: dict[str, object]) -> list[dict[str, Any]]:
    objects = bundle["objects"]
    assert isinstance(objects, list)
    return objects


def test_export_is_valid_stix_with_tlp_amber_by_default(case: Case, tmp_path: Path) -> None:
    bundle = _export(case, tmp_path)
    results = stix2validator.validate_string(
        json.dumps(bundle), stix2validator.ValidationOptions(version="2.1")
    )
    assert results.is_valid, [str(e) for e in results.errors]
    objects = _objects(bundle)
    markings = [o for o in objects if o["type"] == "marking-definition"]
    assert [m["id"] for m in markings] == [OASIS_TLP2["amber"]]
    assert markings[0]["extensions"] == {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension",
            "tlp_2_0": "amber",
        }
    }
    marked = [o for o in objects if o["type"] not in ("marking-definition", "extension-definition")]
    marked = [o for o in marked if o["id"] != stix_objects.TRAILGUARD_IDENTITY]
    assert marked and all(o["object_marking_refs"] == [OASIS_TLP2["amber"]] for o in marked)
    patterns = {o["pattern"] for o in objects if o["type"] == "indicator"}
    assert "[x-trailguard-phone:value = '+16175550123']" in patterns
    assert "[email-addr:value = 'rooms@example.org']" in patterns
    assert "[url:value = 'https://classifieds.example.org/ad/1']" in patterns
    assert "[domain-name:value = 'classifieds.example.org']" in patterns
    assert any(p.startswith("[file:hashes.'SHA-256' = '") for p in patterns)
    assert all(o["indicator_types"] == ["anomalous-activity"] for o in objects if o["type"] == "indicator")
    phones = [o for o in objects if o["type"] == "x-trailguard-phone"]
    assert {p["value"] for p in phones} == {"+16175550123", "+16175550188"}
    assert all(stix_objects.PHONE_EXTENSION in p["extensions"] for p in phones)
    wallet = next(o for o in objects if o["type"] == "x-trailguard-crypto-wallet")
    assert (wallet["currency"], wallet["address"]) == ("btc", "bc1qexampleexampleexampleexample0000")
    definitions = {o["id"]: o for o in objects if o["type"] == "extension-definition"}
    assert set(definitions) == {stix_objects.PHONE_EXTENSION, stix_objects.WALLET_EXTENSION}
    assert all(d["extension_types"] == ["new-sco"] for d in definitions.values())
    (group,) = [o for o in objects if o["type"] == "grouping"]
    refs = group["object_refs"]
    assert isinstance(refs, list)
    assert {o["id"] for o in objects if o["type"] == "indicator"} <= set(refs)
    org = next(o for o in objects if o["type"] == "identity" and o["name"] == "Example Safety Team")
    assert all(o["created_by_ref"] == org["id"] for o in objects if o["type"] in ("indicator", "grouping"))


@pytest.mark.parametrize("level", sorted(OASIS_TLP2))
def test_each_tlp_level_uses_its_oasis_id(case: Case, tmp_path: Path, level: str) -> None:
    objects = _objects(_export(case, tmp_path, "--tlp", level))
    (marking,) = [o for o in objects if o["type"] == "marking-definition"]
    assert marking["id"] == OASIS_TLP2[level] and marking["name"] == f"TLP:{level.upper()}"


def test_unknown_tlp_and_unapproved_case_are_refused(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, stderr = _run(
        "report", "stix", "--case", case.case_id, "--out", str(tmp_path / "b.json"), "--tlp", "white"
    )
    assert code == 2 and "--tlp must be one of" in stderr
    monkeypatch.delenv("TRAILGUARD_REPORTER_ORG")
    code, _, stderr = _run("report", "stix", "--case", case.case_id, "--out", str(tmp_path / "b.json"))
    assert code == 2 and "TRAILGUARD_REPORTER_ORG is not set: give --reporter-org" in stderr
    monkeypatch.setenv("TRAILGUARD_REPORTER_ORG", "Example Safety Team")
    other = make_case(tmp_path / "other", monkeypatch, approve=False)
    code, _, stderr = _run("report", "stix", "--case", other.case_id, "--out", str(tmp_path / "b.json"))
    assert code == 2 and "is not approved for reporting" in stderr
    assert not (tmp_path / "b.json").exists()


def test_round_trip_export_then_import(case: Case, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(_export(case, tmp_path, "--tlp", "green")))
    partner_db = f"sqlite:///{tmp_path / 'partner.db'}"
    engine = make_engine(partner_db)
    create_schema(engine)
    banks.create_bank(engine, "partner-hashes", "known", created_by="pat")
    result = CliRunner().invoke(
        app,
        ["import", "stix", str(bundle), "--bank", "partner-hashes", "--by", "pat"],
        env={"TRAILGUARD_DATABASE_URL": partner_db},
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["errors"] == [] and summary["not_understood"] == {}
    with engine.connect() as conn:
        rows = conn.execute(select(partner_watchlist)).mappings().all()
    watched = {(r["type"], r["value"]) for r in rows}
    assert {
        ("phone", "+16175550123"),
        ("phone", "+16175550188"),
        ("email", "rooms@example.org"),
        ("url", "https://classifieds.example.org/ad/1"),
        ("url", "https://classifieds.example.org/ad/2"),
        ("url", case.page_url),
        ("domain", "classifieds.example.org"),
        ("crypto", "btc:bc1qexampleexampleexampleexample0000"),
    } == watched
    assert {r["source"] for r in rows} == {"Example Safety Team"} and {r["tlp"] for r in rows} == {"green"}
    assert {r["imported_by"] for r in rows} == {"pat"}
    hashes = [e for e in banks.active_entries(engine, "partner-hashes")]
    assert [e.hash_type for e in hashes] == ["sha256"] and summary["hashes_added"] == 1
    again = CliRunner().invoke(
        app,
        ["import", "stix", str(bundle), "--bank", "partner-hashes"],
        env={"TRAILGUARD_DATABASE_URL": partner_db},
    )
    second = json.loads(again.stdout)
    assert second["watchlist_added"] == 0 and second["watchlist_known"] == len(watched)
    assert second["hashes_added"] == 0 and second["hashes_known"] == 1
    engine.dispose()


def _bundle(*objects: object) -> bytes:
    return json.dumps(
        {"type": "bundle", "id": "bundle--3c1b2a0e-6f0e-4d6b-9d55-6c1f3e0d7a11", "objects": list(objects)}
    ).encode()


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--1b1f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e",
    "created": "2026-01-01T00:00:00.000Z",
    "modified": "2026-01-01T00:00:00.000Z",
    "name": "partner phone",
    "pattern": "[x-trailguard-phone:value = '+16175550177']",
    "pattern_type": "stix",
    "valid_from": "2026-01-01T00:00:00Z",
    "object_marking_refs": [OASIS_TLP2["red"]],
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'p.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    e = make_engine(url)
    create_schema(e)
    yield e
    e.dispose()


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"{not json", "not JSON"),
        (b"[]", "not a STIX bundle"),
        (b'{"type": "indicator"}', "not a STIX bundle"),
        (b'{"type": "bundle", "objects": {}}', "is not a list"),
    ],
    ids=["json", "array", "not-bundle", "objects"],
)
def test_malformed_bundle_is_a_clear_error(engine, data: bytes, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(stix_import.BundleError, match=expected):
        stix_import.import_bundle(engine, data, operator="pat")


def test_bad_objects_are_named_and_the_rest_imported(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad_pattern = INDICATOR | {
        "id": "indicator--2c2f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e",
        "pattern": "[url:value = ",
    }
    missing = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--3d3f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e",
    }
    both = INDICATOR | {
        "id": "indicator--4e4f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e",
        "pattern": "[url:value = 'https://a.example.org/'] OR [url:value = 'https://b.example.org/']",
    }
    data = _bundle(INDICATOR, "a string", bad_pattern, missing, both)
    summary = stix_import.import_bundle(engine, data, operator="pat", source="Partner X")
    assert summary.objects == 5 and summary.watchlist_added == 1
    assert summary.errors[0] == "object 1: not a JSON object"
    assert summary.errors[1].startswith("object 2 (indicator--2c2f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e): ")
    assert "pattern" in summary.errors[1]
    assert summary.errors[2].startswith("object 3 (indicator--3d3f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e): ")
    assert len(summary.errors) == 3
    assert summary.not_understood == {"indicator pattern with several comparisons or qualifiers": 1}
    with engine.connect() as conn:
        (row,) = conn.execute(select(partner_watchlist)).mappings().all()
    assert (row["type"], row["value"], row["tlp"], row["source"], row["label"]) == (
        "phone",
        "+16175550177",
        "red",
        "Partner X",
        "partner phone",
    )
    path = tmp_path / "b.json"
    path.write_bytes(data)
    code, _, stderr = _run("import", "stix", str(path))
    assert code == 1 and f"{path}: object 1: not a JSON object" in stderr


def test_partner_phones_are_normalised_or_rejected_by_object(engine) -> None:  # type: ignore[no-untyped-def]
    spaced = INDICATOR | {"pattern": "[x-trailguard-phone:value = '+1 617 555 0177']"}
    local = INDICATOR | {
        "id": "indicator--5f5f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e",
        "pattern": "[x-trailguard-phone:value = '617 555 0199']",
    }
    summary = stix_import.import_bundle(engine, _bundle(spaced, local), operator="pat", source="P")
    assert summary.watchlist_added == 1
    (error,) = summary.errors
    assert error.startswith(
        "object 1 (indicator--5f5f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e): phone '617 555 0199'"
    )
    with engine.connect() as conn:
        assert conn.execute(select(partner_watchlist.c.value)).scalars().all() == ["+16175550177"]


def test_hostile_text_is_stored_without_nul_and_an_unsignable_importer_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    url = INDICATOR | {"name": "a\x00b", "pattern": "[url:value = 'https://example.org/a']"}
    summary = stix_import.import_bundle(engine, _bundle(url), operator="pat", source="P\x00Q")
    assert summary.watchlist_added == 1 and summary.errors == []
    with engine.connect() as conn:
        row = conn.execute(select(partner_watchlist)).mappings().one()
    assert (row["label"], row["source"]) == ("ab", "PQ")
    with pytest.raises(ValueError, match="is not allowed"):
        stix_import.import_bundle(engine, _bundle(url), operator="x" * 65)


def test_an_overlong_value_is_refused_and_the_rest_imported(engine) -> None:  # type: ignore[no-untyped-def]
    long_url = INDICATOR | {
        "id": "indicator--6a6f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e",
        "pattern": f"[url:value = 'https://example.org/{'a' * 5000}']",
    }
    summary = stix_import.import_bundle(engine, _bundle(INDICATOR, long_url), operator="pat", source="P")
    assert summary.watchlist_added == 1
    assert summary.errors == [
        "indicator--6a6f8ad2-6a5c-4c63-9d8e-2f1a0d3c4b5e: value longer than 2048 characters or with NUL"
    ]


def test_hashes_without_a_bank_are_counted_not_lost(engine) -> None:  # type: ignore[no-untyped-def]
    md5 = INDICATOR | {"pattern": "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']"}
    summary = stix_import.import_bundle(engine, _bundle(md5), operator="pat")
    assert summary.hashes_skipped == 1 and summary.watchlist_added == 0


def test_oversized_bundle_is_refused_before_parsing(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(stix_import, "MAX_BUNDLE_BYTES", 100)
    with pytest.raises(stix_import.BundleError, match="larger than 100 bytes"):
        stix_import.import_bundle(engine, _bundle(INDICATOR), operator="pat")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_reader(data: bytes) -> None:
    try:
        objects = stix_import.read_bundle(data)
    except stix_import.BundleError:
        return
    summary = stix_import.ImportSummary()
    stix_import.parse(objects, summary)
    assert summary.objects == len(objects)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=60))
def test_pattern_literals_round_trip(value: str) -> None:
    """A value quoted for a pattern reads back as itself through stix2-patterns."""
    from stix2patterns.pattern import Pattern

    pattern = f"[url:value = {stix_objects.quote(value)}]"
    (comparison,) = Pattern(pattern).inspect().comparisons["url"]
    assert stix_objects.unquote(comparison[2]) == value
