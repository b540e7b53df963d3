"""Case bundles end to end through the CLI: capture from a local server, attach, export as WACZ, verify; then
every kind of tampering and every hostile zip the verifier must name. Rendering (Chromium) is covered in
tests/browser/test_evidence_render.py; these run with --no-render."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from conftest import missing
from evidence_bundles import forge, members, page_server, rewrite, url_of
from store_fixtures import write_inputs
from trailguard.cli import app
from trailguard.evidence import cdxj, custody
from trailguard.evidence.safezip import Limits, SafeZip, UnsafeBundle, name_problem
from trailguard.evidence.verify import verify
from trailguard.pipeline.local import ScanOptions, run_scan
from trailguard.settings import Settings as TrailguardSettings
from trailguard.store import banks
from trailguard.store.db import make_engine


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


@dataclass(frozen=True)
class Exported:
    root: Path  # the evidence directory
    case_id: str
    bundle: Path
    warc: str  # archive/NAME of the capture

    @property
    def key(self) -> Path:
        return self.root / "keys" / "carol.ed25519"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """One case captured twice, noted and exported by another operator; shared by the tamper tests (each
    writes its own copy)."""
    tmp = tmp_path_factory.mktemp("bundle")
    with pytest.MonkeyPatch.context() as mp, page_server() as httpd:
        mp.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp / 'tg.db'}")
        mp.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
        case_id = _run("case", "create", "Ads on example.org", "--operator", "alice")[1].strip()
        for path in ("/ad/1", "/ad/2?b=2&a=1"):
            code, _, err = _run("capture", url_of(httpd, path), "--case", case_id, "--operator", "alice",
                                "--no-render")  # fmt: skip
            assert code == 0, err
        assert _run("case", "note", case_id, "seen twice", "--operator", "bob")[0] == 0
        bundle = tmp / "case.wacz"
        code, out, err = _run("case", "export", case_id, "--out", str(bundle), "--operator", "carol",
                              "--no-render")  # fmt: skip
        assert code == 0, err
        assert json.loads(out)["entry"]["kind"] == "export"
        warc = sorted(n for n in members(bundle) if n.startswith("archive/"))[0]
        yield Exported(tmp / "evidence", case_id, bundle, warc)


def _verify(bundle: Path) -> tuple[int, str]:
    code, out, err = _run("case", "verify", str(bundle))
    return code, out + err


def _custody_lines(e: Exported) -> list[bytes]:
    return members(e.bundle)["case/custody.jsonl"].splitlines(keepends=True)


def test_an_intact_bundle_verifies(exported: Exported) -> None:
    code, text = _verify(exported.bundle)
    assert code == 0, text
    assert f"intact (case {exported.case_id}, 7 files, 5 custody entries)" in text


def test_the_bundle_follows_the_wacz_1_1_1_layout(exported: Exported) -> None:
    # Checked against the spec here; test_other_wacz_tools_read_the_bundle runs py-wacz and cdxj-indexer.
    files = members(exported.bundle)
    package = orjson.loads(files["datapackage.json"])
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
    assert {"title", "created", "software", "resources", "mainPageUrl", "mainPageDate"} <= set(package)
    listed = {r["path"]: r for r in package["resources"]}
    assert set(listed) == set(files) - {"datapackage.json", "datapackage-digest.json"}
    for path, data in files.items():
        if path in listed:
            assert listed[path]["bytes"] == len(data)
            assert listed[path]["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert {"indexes/index.cdxj", "pages/pages.jsonl", "case/custody.jsonl", "case/report.html",
            "case/certificate.html"} <= set(files)  # fmt: skip
    with zipfile.ZipFile(exported.bundle) as zf:
        assert all(
            i.compress_type == zipfile.ZIP_STORED for i in zf.infolist() if i.filename.startswith("archive/")
        )
    digest = orjson.loads(files["datapackage-digest.json"])
    assert digest["path"] == "datapackage.json"
    assert digest["hash"] == "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
    pages = [orjson.loads(line) for line in files["pages/pages.jsonl"].splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert [p["url"].split("/", 3)[3] for p in pages[1:]] == ["ad/1", "ad/2?b=2&a=1"]
    lines = files["indexes/index.cdxj"].decode().splitlines()
    assert lines == sorted(lines) and len(lines) == 2
    for line in lines:
        key, _, body = re.fullmatch(r"(\S+) (\d{14}) (\{.*\})", line).groups()  # type: ignore[union-attr]
        fields = json.loads(body)
        assert key.startswith("1,0,0,127:") and ")/ad/" in key
        # A reader seeks into the stored WARC at offset and reads length bytes: one gzip member, the record.
        member = files[f"archive/{fields['filename']}"][
            int(fields["offset"]) : int(fields["offset"]) + int(fields["length"])
        ]
        [record] = list(ArchiveIterator(io.BytesIO(member)))
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
        assert fields["mime"] == "text/html" and fields["status"] == "200"
    assert "2&a=1" not in key or "a=1&b=2" in key  # query arguments sorted in the key


def test_the_report_and_the_draft_certificate_describe_the_case(exported: Exported) -> None:
    files = members(exported.bundle)
    report = files["case/report.html"].decode()
    assert exported.case_id in report and "Ads on example.org" in report and "seen twice" in report
    certificate = files["case/certificate.html"].decode()
    assert "DRAFT" in certificate and "902(14)" in certificate and "Ed25519" in certificate
    package = orjson.loads(files["datapackage.json"])
    for r in package["resources"]:
        if r["path"].startswith("archive/"):
            assert r["path"].removeprefix("archive/") in certificate
            assert r["hash"].removeprefix("sha256:") in certificate


def _tampered(
    exported: Exported, tmp_path: Path, changes: dict[str, bytes | None], reseal: bool = False
) -> tuple[int, str]:
    bundle = rewrite(
        exported.bundle, tmp_path / "t.wacz", changes, reseal_key=exported.key if reseal else None
    )
    return _verify(bundle)


def test_a_flipped_byte_in_a_warc_is_named(exported: Exported, tmp_path: Path) -> None:
    data = bytearray(members(exported.bundle)[exported.warc])
    data[len(data) // 2] ^= 0x01
    code, text = _tampered(exported, tmp_path, {exported.warc: bytes(data)})
    assert code == 1 and f"{exported.warc}: its SHA-256 does not match datapackage.json (changed)" in text
    # Even resealed with the exporting key, the file is not the one its capture recorded, and not whole.
    code, text = _tampered(exported, tmp_path, {exported.warc: bytes(data)}, reseal=True)
    assert code == 1 and re.search(r"not the file its capture \(custody entry \d\) recorded", text)
    assert "corrupt gzip data" in text


def test_a_truncated_warc_is_named(exported: Exported, tmp_path: Path) -> None:
    data = members(exported.bundle)[exported.warc]
    code, text = _tampered(exported, tmp_path, {exported.warc: data[: len(data) * 2 // 3]}, reseal=True)
    assert code == 1 and f"{exported.warc}: truncated WARC" in text


def test_an_edited_custody_entry_is_named(exported: Exported, tmp_path: Path) -> None:
    lines = _custody_lines(exported)
    lines[3] = lines[3].replace(b"seen twice", b"seen once")
    code, text = _tampered(exported, tmp_path, {"case/custody.jsonl": b"".join(lines)}, reseal=True)
    assert code == 1
    assert "custody entry 3: its content does not match its hash (edited)" in text
    assert "custody entry 3: bad signature" in text


@pytest.mark.parametrize("how", ["remove", "insert", "reorder"])
def test_removed_inserted_or_reordered_custody_entries_are_named(
    exported: Exported, tmp_path: Path, how: str
) -> None:
    lines = _custody_lines(exported)
    if how == "remove":
        del lines[2]
    elif how == "insert":
        lines.insert(2, lines[1])
    else:
        lines[1], lines[2] = lines[2], lines[1]
    code, text = _tampered(exported, tmp_path, {"case/custody.jsonl": b"".join(lines)}, reseal=True)
    assert code == 1 and "(removed, inserted or reordered)" in text
    unsealed = _tampered(exported, tmp_path, {"case/custody.jsonl": b"".join(lines)})
    assert unsealed[0] == 1 and re.search(r"case/custody\.jsonl: .*\(changed\)", unsealed[1])


def test_a_custody_log_cut_short_is_named(exported: Exported, tmp_path: Path) -> None:
    lines = _custody_lines(exported)[:-1]
    code, text = _tampered(exported, tmp_path, {"case/custody.jsonl": b"".join(lines)}, reseal=True)
    assert code == 1 and "4 entries, but the signed head has 5 (cut short)" in text
    assert "not signed by the key of the log's last entry, the export" in text


def test_a_swapped_or_foreign_signature_is_named(exported: Exported, tmp_path: Path) -> None:
    files = members(exported.bundle)
    digest = orjson.loads(files["datapackage-digest.json"])
    digest["signedData"]["signature"] = "00" * 64
    code, text = _tampered(exported, tmp_path, {"datapackage-digest.json": orjson.dumps(digest)})
    assert code == 1 and "datapackage-digest.json: bad signature" in text
    # Signed by someone else's key (a custody entry's key that is not the exporter's): the signature is
    # valid, but not the export's.
    alice = exported.root / "keys" / "alice.ed25519"
    bundle = rewrite(exported.bundle, tmp_path / "a.wacz", {}, reseal_key=alice)
    code, text = _verify(bundle)
    assert code == 1 and "not signed by the key of the log's last entry, the export" in text


def test_an_edited_datapackage_is_named(exported: Exported, tmp_path: Path) -> None:
    package = orjson.loads(members(exported.bundle)["datapackage.json"])
    package["title"] = "Something else"
    code, text = _tampered(exported, tmp_path, {"datapackage.json": orjson.dumps(package)})
    assert code == 1 and "datapackage.json has changed" in text


def test_added_and_missing_files_are_named(exported: Exported, tmp_path: Path) -> None:
    code, text = _tampered(exported, tmp_path, {"case/extra.txt": b"planted"})
    assert code == 1 and "case/extra.txt: in the bundle but not in datapackage.json (added)" in text
    code, text = _tampered(exported, tmp_path, {"case/report.html": None})
    assert code == 1 and "case/report.html: listed in datapackage.json but missing from the bundle" in text


def test_an_index_pointing_outside_a_warc_is_named(exported: Exported, tmp_path: Path) -> None:
    index = members(exported.bundle)["indexes/index.cdxj"]
    moved = re.sub(rb'"offset":"\d+"', b'"offset":"99999999"', index, count=1)
    code, text = _tampered(exported, tmp_path, {"indexes/index.cdxj": moved}, reseal=True)
    assert code == 1 and re.search(r"index\.cdxj line \d: points outside archive/", text)
    shifted = re.sub(rb'"offset":"(\d+)"', lambda m: b'"offset":"%d"' % (int(m.group(1)) + 1), index, count=1)
    code, text = _tampered(exported, tmp_path, {"indexes/index.cdxj": shifted}, reseal=True)
    assert code == 1 and "does not match the record at offset" in text


def test_hostile_zip_entries_are_refused(exported: Exported, tmp_path: Path) -> None:
    for name, reason in [("../evil.txt", "path traversal"), ("/etc/evil", "absolute path"),
                         ("case/..\\evil", "backslash"), ("C:/evil", "drive letter"),
                         ("case/\x1b[2Jx", "control character")]:  # fmt: skip
        bundle = rewrite(exported.bundle, tmp_path / "h.wacz", {}, extra=[zipfile.ZipInfo(name)])
        code, text = _verify(bundle)
        assert code == 1 and reason in text, (name, text)
    link = zipfile.ZipInfo("case/link")
    link.external_attr = 0o120777 << 16
    code, text = _verify(rewrite(exported.bundle, tmp_path / "l.wacz", {}, extra=[link]))
    assert code == 1 and "a symbolic link" in text
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile warns, and writes it all the same
        duplicated = rewrite(
            exported.bundle, tmp_path / "d.wacz", {}, extra=[zipfile.ZipInfo("case/report.html")]
        )
    code, text = _verify(duplicated)
    assert code == 1 and "duplicate name" in text


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.wacz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", b"{}")
        with zf.open("archive/a.warc.gz", "w") as fh:
            for _ in range(64):
                fh.write(bytes(1 << 20))  # 64 MiB of zeros, about 64 kB compressed
    code, text = _verify(bomb)
    assert code == 1 and "zip bomb" in text
    with pytest.raises(UnsafeBundle, match="members total more than 1048576 bytes"):
        SafeZip(bomb, Limits(max_total=1 << 20, max_ratio=10**9))
    with pytest.raises(UnsafeBundle, match=r"bomb\.wacz is larger than 1024 bytes"):
        SafeZip(bomb, Limits(max_total=1024))


def test_a_header_that_understates_a_size_lets_no_more_bytes_through(tmp_path: Path) -> None:
    liar = tmp_path / "liar.zip"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("case/x", b"a" * 100_000)
    data = bytearray(liar.read_bytes())
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        start = data.index(signature)
        data[start + at : start + at + 4] = struct.pack("<I", 10)  # "10 bytes uncompressed"
    liar.write_bytes(bytes(data))
    with SafeZip(liar) as zf:
        assert zf.size("case/x") == 10
        with pytest.raises(UnsafeBundle, match="case/x: corrupt member"):
            zf.read("case/x", 1 << 20)


def test_not_a_zip_or_not_a_wacz_exits_2(tmp_path: Path) -> None:
    (tmp_path / "x.wacz").write_bytes(b"not a zip at all")
    code, text = _verify(tmp_path / "x.wacz")
    assert code == 2 and "not a zip file" in text
    with zipfile.ZipFile(tmp_path / "y.wacz", "w") as zf:
        zf.writestr("hello.txt", b"hi")
    code, text = _verify(tmp_path / "y.wacz")
    assert code == 2 and "not a WACZ bundle" in text


def test_export_refuses_a_warc_changed_or_truncated_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'tg.db'}")
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    with page_server() as httpd:
        case_id = _run("case", "create", "Case D", "--operator", "alice")[1].strip()
        code, out, _ = _run(
            "capture", url_of(httpd, "/x"), "--case", case_id, "--operator", "alice", "--no-render"
        )
    warc = tmp_path / "evidence" / "cases" / case_id / "archive" / json.loads(out)["entry"]["details"]["file"]
    data = warc.read_bytes()
    warc.write_bytes(data[:-20])
    code, _, err = _run(
        "case", "export", case_id, "--out", str(tmp_path / "d.wacz"), "--no-render", "--operator", "alice"
    )
    assert code == 2 and f"WARC file {warc.name} has changed since capture" in err
    assert not (tmp_path / "d.wacz").exists()
    warc.write_bytes(data)
    (tmp_path / "d.wacz").write_bytes(b"")
    code, _, err = _run(
        "case", "export", case_id, "--out", str(tmp_path / "d.wacz"), "--no-render", "--operator", "alice"
    )
    assert code == 2 and "already exists" in err


def test_attach_records_the_stored_content_hash_of_items_and_bank_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'tg.db'}"
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", url)
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    run_scan(
        write_inputs(tmp_path),
        TrailguardSettings(database_url=url, workers=1),
        ScanOptions(out_dir=tmp_path / "out"),
    )
    engine = make_engine(url)
    banks.create_bank(engine, "known", "known", created_by="alice")
    banks.add_entries(
        engine, "known", [banks.NewEntry("md5", "0" * 31 + "1", label="test hash")], added_by="alice"
    )
    [entry] = list(banks.active_entries(engine, "known"))
    from sqlalchemy import select

    from trailguard.store.tables import items

    with engine.connect() as conn:
        stored = conn.execute(select(items.c.content_sha256).where(items.c.id == "ad-1")).scalar_one()
    case_id = _run("case", "create", "Case E", "--operator", "alice")[1].strip()
    code, out, err = _run(
        "case", "attach", case_id, "--item", "ad-1", "--bank-entry", str(entry.id), "--operator", "alice"
    )
    assert code == 0, err
    first, second = (json.loads(line)["entry"] for line in out.splitlines())
    assert first["kind"] == "attach" and first["details"]["item"] == "ad-1"
    assert first["details"]["content_sha256"] == stored
    assert second["details"]["attached"] == "bank-entry"
    assert (second["details"]["hash_type"], second["details"]["value"]) == ("md5", "0" * 31 + "1")
    code, _, err = _run("case", "attach", case_id, "--item", "ad-missing", "--operator", "alice")
    assert code == 2 and "no stored item 'ad-missing'" in err
    code, _, err = _run("case", "attach", case_id, "--operator", "alice")
    assert code == 2 and "nothing to attach" in err


@given(
    st.text(max_size=80)
    | st.lists(st.sampled_from(["a", "..", ".", "", "/", "\\", "C:", "b.txt"]), max_size=6).map("/".join)
)
def test_a_zip_name_is_refused_or_stays_inside_the_bundle(name: str) -> None:
    problem = name_problem(name)
    if problem is None:
        root = Path("/bundle-root")
        resolved = Path(os.path.normpath(root / name))
        assert resolved.is_relative_to(root) and resolved != root
        assert "\\" not in name and not name.startswith("/") and "\x00" not in name


def test_a_gzip_inside_the_zip_that_inflates_without_end_is_refused(
    exported: Exported, tmp_path: Path
) -> None:
    # A WARC member that is itself a gzip bomb (stored in the zip, so the zip's ratio check passes).
    from trailguard.evidence import cdxj

    bomb = gzip.compress(bytes(8 << 20))
    with pytest.raises(cdxj.WARCError, match="inflates past"):
        cdxj.index(io.BytesIO(bomb), "bomb.warc.gz", max_uncompressed=1 << 20)


_NAMES = st.text(st.sampled_from("ab./\\:\x00\x1b C"), min_size=0, max_size=12)


@given(st.lists(_NAMES, min_size=1, max_size=5))
def test_any_zip_is_refused_or_holds_only_safe_distinct_names(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    path = tmp_path_factory.mktemp("names") / "n.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on the duplicates it is asked to write
        with zipfile.ZipFile(path, "w") as zf:
            for name in names:
                zf.writestr(zipfile.ZipInfo(name or "x"), b"x")
    try:
        with SafeZip(path) as zf:
            kept = zf.names
    except UnsafeBundle as exc:
        assert str(exc).startswith("entry ")
    else:
        assert all(name_problem(n) is None for n in kept) and len(set(kept)) == len(kept)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_change_to_a_resealed_custody_log_is_found_and_never_crashes(
    exported: Exported, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    log = members(exported.bundle)["case/custody.jsonl"]
    at = data.draw(st.integers(0, len(log) - 1))
    new = data.draw(st.binary(min_size=1, max_size=3).filter(lambda b: b != log[at : at + len(b)]))
    changed = log[:at] + new + log[at + len(new) :]
    bundle = rewrite(
        exported.bundle,
        tmp_path_factory.mktemp("fuzz") / "f.wacz",
        {"case/custody.jsonl": changed},
        reseal_key=exported.key,
    )
    assert verify(bundle).problems


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def receiving_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of a second installation, the one receiving a bundle."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'other.db'}"
    value: str = request.getfixturevalue("fresh_postgres_url")
    return value


def test_import_takes_over_the_case_and_a_re_export_verifies(
    exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiving_url: str
) -> None:
    # A second installation receives the bundle: its own database and evidence directory.
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", receiving_url)
    monkeypatch.setenv("TRAILGUARD_EVIDENCE_DIR", str(tmp_path / "evidence"))
    tampered = rewrite(exported.bundle, tmp_path / "t.wacz", {"case/extra.txt": b"planted"})
    code, _, err = _run("case", "import", str(tampered), "--operator", "dave")
    assert code == 1 and "(added)" in err and "nothing imported" in err
    assert not (tmp_path / "evidence" / "cases").exists()
    code, out, err = _run("case", "import", str(exported.bundle), "--operator", "dave")
    assert code == 0, err
    transfer = json.loads(out)["entry"]
    assert (
        transfer["kind"] == "transfer"
        and transfer["seq"] == 5
        and transfer["details"]["signed_by"] == "carol"
    )
    engine = make_engine(receiving_url)
    chain = custody.entries(engine, exported.case_id)
    assert custody.check_chain(chain, exported.case_id) == []
    assert [e.fields["operator"] for e in chain] == ["alice", "alice", "alice", "bob", "carol", "dave"]
    files = members(exported.bundle)
    archive = tmp_path / "evidence" / "cases" / exported.case_id / "archive"
    assert {f"archive/{p.name}": p.read_bytes() for p in archive.iterdir()} == {
        n: d for n, d in files.items() if n.startswith("archive/")
    }
    code, _, err = _run("case", "import", str(exported.bundle), "--operator", "dave")
    assert code == 2 and "holds files already" in err
    again = tmp_path / "again.wacz"
    assert (
        _run("case", "export", exported.case_id, "--out", str(again), "--operator", "dave", "--no-render")[0]
        == 0
    )
    code, text = _verify(again)
    assert code == 0 and "7 custody entries" in text


def test_a_forged_but_self_consistent_bundle_with_hostile_values_imports_nothing(
    exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    honest = forge(exported.bundle, tmp_path / "h.wacz", exported.key, lambda entry, n: None)
    assert _verify(honest)[0] == 0  # re-signed by one key throughout: it verifies; the fingerprints tell

    def hostile(entry: dict[str, object], n: int) -> None:
        if n == 1:
            entry["operator"] = "../../etc/passwd"

    forged = forge(exported.bundle, tmp_path / "f.wacz", exported.key, hostile)
    assert _verify(forged)[0] == 0
    code, _, err = _run("case", "import", str(forged), "--operator", "dave")
    assert code == 2 and "custody entry 1: operator name '../../etc/passwd' is not allowed" in err
    assert custody.entries(make_engine(f"sqlite:///{tmp_path / 'other.db'}"), exported.case_id) == []


def _dev_tool(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        missing(module, "install the dev dependencies: pip install -e .[dev]")


def test_other_wacz_tools_read_the_bundle(exported: Exported, tmp_path: Path) -> None:
    _dev_tool("wacz")
    command = [sys.executable, "-m", "wacz", "validate", "-f"]
    # `python -m wacz` exits 0 either way: its verdict is the last line it prints.
    done = subprocess.run([*command, str(exported.bundle)], capture_output=True, text=True, timeout=300)
    assert "Validation succeeded, the passed WACZ is valid" in done.stdout, done.stdout + done.stderr
    report = members(exported.bundle)["case/report.html"].replace(b"Case report", b"Case rep0rt")
    changed = rewrite(exported.bundle, tmp_path / "t.wacz", {"case/report.html": report})
    done = subprocess.run([*command, str(changed)], capture_output=True, text=True, timeout=300)
    assert "Validation failed, the passed WACZ is invalid" in done.stdout


def test_the_index_is_the_one_cdxj_indexer_writes(exported: Exported, tmp_path: Path) -> None:
    _dev_tool("cdxj_indexer")
    from cdxj_indexer.main import write_cdx_index

    files = members(exported.bundle)
    warcs = []
    for name, data in files.items():
        if name.startswith("archive/"):
            warcs.append(tmp_path / name.removeprefix("archive/"))
            warcs[-1].write_bytes(data)
    theirs = tmp_path / "theirs.cdxj"
    write_cdx_index(str(theirs), [str(w) for w in warcs], {"sort": True})

    def parsed(text: str) -> list[tuple[str, str, dict[str, str]]]:
        out = []
        for line in text.splitlines():
            key, ts, body = line.split(" ", 2)
            out.append((key, ts, json.loads(body)))
        return sorted(out, key=lambda t: (t[0], t[1]))

    assert parsed(files["indexes/index.cdxj"].decode()) == parsed(theirs.read_text())


_HOSTS = st.sampled_from(
    ["example.org", "www.example.org", "WWW.Example.ORG", "a.b.example.test", "127.0.0.1", "10.0.0.7"]
)
# Paths without dot segments, repeated slashes or percent escapes: the surt package normalises those and
# cdxj.surt keeps them as captured (docs/evidence.md).
_PATHS = st.lists(st.text("abcXYZ-_~019", min_size=1, max_size=6), max_size=3).map(
    lambda p: "/" + "/".join(p)
)
_QUERY = st.lists(st.text("abz=1", min_size=1, max_size=4), max_size=3).map("&".join)


@given(
    st.sampled_from(["http", "https"]), _HOSTS, st.sampled_from(["", ":80", ":443", ":8080"]), _PATHS, _QUERY
)
def test_the_surt_key_is_the_surt_packages(scheme: str, host: str, port: str, path: str, query: str) -> None:
    _dev_tool("surt")
    import surt as surt_package

    url = f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "")
    assert cdxj.surt(url) == surt_package.surt(url)


def test_operator_and_page_text_is_escaped_in_the_report_and_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'tg.db'}")
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    case_id = _run("case", "create", "<script>alert(1)</script>", "--operator", "alice")[1].strip()
    assert _run("case", "note", case_id, '<img src=x onerror="alert(2)">', "--operator", "alice")[0] == 0
    bundle = tmp_path / "x.wacz"
    assert _run("case", "export", case_id, "--out", str(bundle), "--operator", "alice", "--no-render")[0] == 0
    files = members(bundle)
    for name in ("case/report.html", "case/certificate.html"):
        html = files[name].decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in files["case/report.html"].decode()
    assert "20000000 bytes per response" in files["case/certificate.html"].decode()


def test_without_chromium_capture_keeps_the_original_and_export_stops_before_its_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'tg.db'}")
    monkeypatch.delenv("TRAILGUARD_EVIDENCE_DIR", raising=False)
    monkeypatch.setenv("TRAILGUARD_CHROMIUM", str(tmp_path / "no-chromium"))
    case_id = _run("case", "create", "Case F", "--operator", "alice")[1].strip()
    with page_server() as httpd:
        code, out, err = _run("capture", url_of(httpd, "/ad/1"), "--case", case_id, "--operator", "alice")
    assert code == 0 and "warning: capture kept without a rendering: no Chromium at" in err
    details = json.loads(out)["entry"]["details"]
    assert details["derived"] is None and "TRAILGUARD_CHROMIUM" in details["render_error"]
    code, _, err = _run("case", "export", case_id, "--out", str(tmp_path / "f.wacz"), "--operator", "alice")
    assert code == 2 and "pass --no-render" in err and not (tmp_path / "f.wacz").exists()
    engine = make_engine(f"sqlite:///{tmp_path / 'tg.db'}")
    assert [e.fields["kind"] for e in custody.entries(engine, case_id)] == ["create", "capture"]
