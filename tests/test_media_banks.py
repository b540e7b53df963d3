"""Bank store, bank files, negative banks, victim submissions and matching, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import trailguard.cli.media  # noqa: F401  (registers the commands on the app)
from media_images import encode, scene
from trailguard.cli.app import app
from trailguard.media import bankfiles
from trailguard.media.hashing import hash_bytes
from trailguard.media.index import MatchIndex
from trailguard.model import ImageHash
from trailguard.settings import Settings
from trailguard.store import banks
from trailguard.store.db import make_engine

SETTINGS = Settings(database_url="sqlite:///:memory:")


def _flip_hex(pdq: str, nbits: int) -> str:
    return f"{int(pdq, 16) ^ ((1 << nbits) - 1):064x}"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'tg.db'}")
    banks.ensure_schema(eng)
    return eng


def _image(seed: int) -> ImageHash:
    return hash_bytes(encode(scene(seed)), f"img/{seed}.png", SETTINGS)


def _exercise_store(engine: Engine) -> None:
    known = _image(1)
    assert known.pdq and known.md5
    banks.create_bank(engine, "ncii-test", "known", source="synthetic", created_by="alice")
    with pytest.raises(ValueError, match="already exists"):
        banks.create_bank(engine, "ncii-test", "known")
    with pytest.raises(ValueError, match="unknown bank kind"):
        banks.create_bank(engine, "x", "secret")
    report = banks.add_entries(
        engine,
        "ncii-test",
        [
            banks.NewEntry("pdq", known.pdq.upper(), quality=known.quality, label="case 1"),
            banks.NewEntry("md5", known.md5, case_ref="C-1"),
            banks.NewEntry("pdq", known.pdq),  # duplicate
            banks.NewEntry("pdq", "xyz"),  # not hex
            banks.NewEntry("sha256", "ab" * 31),  # too short
            banks.NewEntry("pdq", "0" * 64, quality=10),  # kept, never matched
        ],
        added_by="alice",
    )
    assert (report.read, report.added, report.duplicates, len(report.rejected)) == (6, 3, 1, 2)
    assert report.read == report.added + report.duplicates + len(report.rejected)
    assert [n for n, _ in report.rejected] == [4, 5]
    [bank] = banks.list_banks(engine)
    assert (bank.name, bank.kind, bank.active_entries, bank.created_by) == ("ncii-test", "known", 3, "alice")

    index = MatchIndex.from_store(engine, SETTINGS)
    assert index.low_quality == 1
    near = ImageHash(path="q", pdq=_flip_hex(known.pdq, 6), quality=90)
    result = index.match(near)
    assert [(m.bank, m.distance, m.label) for m in result.matches] == [("ncii-test", 6, "case 1")]
    assert index.match(ImageHash(path="q", pdq=_flip_hex(known.pdq, 32), quality=90)).matches == []
    assert index.match(ImageHash(path="q", pdq="0" * 64, quality=100)).matches == []
    low = index.match(ImageHash(path="q", pdq=known.pdq, quality=20))
    assert low.matches == [] and low.skipped and "below 50" in low.skipped
    exact = index.match(ImageHash(path="q", md5=known.md5))
    assert [(m.hash_type, m.case_ref) for m in exact.matches] == [("md5", "C-1")]

    # Negative bank: a stock image known to collide suppresses the match.
    banks.create_bank(engine, "stock-photos", "negative")
    banks.add_entries(
        engine, "stock-photos", [banks.NewEntry("pdq", _flip_hex(known.pdq, 3))], added_by="bob"
    )
    suppressed = MatchIndex.from_store(engine, SETTINGS).match(near)
    assert suppressed.matches == [] and [m.bank for m in suppressed.suppressed] == ["ncii-test"]
    assert [m.bank for m in suppressed.negative] == ["stock-photos"]
    banks.withdraw(engine, "stock-photos", by="bob", reason="bad entry", value=_flip_hex(known.pdq, 3))

    # Withdrawal: stops matching at once, leaves exports, stays in the audit trail.
    entry_id = index.match(near).matches[0].entry_id
    assert banks.withdraw(engine, "ncii-test", by="carol", reason="appeal upheld", entry_id=entry_id) == 1
    assert MatchIndex.from_store(engine, SETTINGS).match(near).matches == []
    out = io.StringIO()
    assert bankfiles.write_entries(banks.active_entries(engine, "ncii-test"), out, "csv") == 2
    assert known.pdq not in out.getvalue() and known.md5 in out.getvalue()
    with engine.connect() as conn:
        who = conn.execute(
            text("SELECT withdrawn_by, withdraw_reason FROM media_bank_entries WHERE id = :i"),
            {"i": entry_id},
        ).one()
    assert tuple(who) == ("carol", "appeal upheld")
    # Re-adding after withdrawal takes an explicit readd (a new entry, new audit record).
    readd = [banks.NewEntry("pdq", known.pdq)]
    assert banks.add_entries(engine, "ncii-test", readd, added_by="dan").previously_withdrawn == 1
    assert banks.add_entries(engine, "ncii-test", readd, added_by="dan", readd=True).added == 1

    # Victim submission: hash and case number only.
    victim = _image(2)
    rep = banks.submit_victim_hash(
        engine,
        case_ref="TG-ABCD-EFGH",
        pdq=victim.pdq,
        quality=victim.quality,
        md5=victim.md5,
        submitted_by="web",
    )
    assert rep.added == 2
    result = MatchIndex.from_store(engine, SETTINGS).match(victim)
    assert {(m.bank_kind, m.case_ref) for m in result.matches} == {("victim_submission", "TG-ABCD-EFGH")}


def _exercise_limits(engine: Engine) -> None:
    """Over-long and NUL-bearing strings are refused or cut the same way on every database."""
    with pytest.raises(ValueError, match="source must have at most 500"):
        banks.create_bank(engine, "limits", "known", source="s" * 501)
    with pytest.raises(ValueError, match="created_by must have at most 200"):
        banks.create_bank(engine, "limits", "known", created_by="c" * 201)
    banks.create_bank(engine, "limits", "known", source="s" * 500, created_by="c" * 200)
    a, b = _image(11), _image(12)
    assert a.pdq and b.pdq
    with pytest.raises(ValueError, match="added_by must have at most 200 characters, got 300"):
        banks.add_entries(engine, "limits", [banks.NewEntry("pdq", a.pdq)], added_by="x" * 300)
    report = banks.add_entries(
        engine,
        "limits",
        [
            banks.NewEntry("pdq", a.pdq, label="l\x00" + "l" * 600, source="s" * 600),
            banks.NewEntry("pdq", b.pdq, case_ref="C" * 201),
        ],
        added_by="y" * 200,
    )
    assert (report.added, report.rejected) == (1, [(2, "case_ref must have at most 200 characters, got 201")])
    [entry] = banks.active_entries(engine, "limits")
    assert (entry.label, entry.source, entry.added_by) == ("l" * 500, "s" * 500, "y" * 200)
    with pytest.raises(ValueError, match="withdrawn_by must have at most 200"):
        banks.withdraw(engine, "limits", by="w" * 201, reason="r", value=a.pdq)
    with pytest.raises(ValueError, match="reason must not contain a NUL"):
        banks.withdraw(engine, "limits", by="w", reason="r\x00", value=a.pdq)
    assert banks.withdraw(engine, "limits", by="w" * 200, reason="r", value=a.pdq) == 1


def test_bank_store_on_sqlite(engine: Engine) -> None:
    _exercise_store(engine)
    _exercise_limits(engine)


@pytest.mark.postgres
def test_bank_store_on_postgresql(postgres_url: str) -> None:
    # A schema of its own, so parallel tests sharing the database never see these tables.
    schema = f"tg_media_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        banks.ensure_schema(engine)
        _exercise_store(engine)
        _exercise_limits(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_bank_files_round_trip_and_hma_style_csv(engine: Engine) -> None:
    banks.create_bank(engine, "b", "known")
    a, b = _image(3), _image(4)
    hma = f"signal_type,signal_value\npdq,{a.pdq}\nphoto_md5,{b.md5}\nvideo_md5,{b.md5}\n"
    report = banks.add_entries(engine, "b", bankfiles.read_entries(io.StringIO(hma), "csv"), added_by="x")
    assert (report.added, [r for _, r in report.rejected]) == (
        2,
        ["unknown hash type 'video_md5' (expected one of pdq, md5, sha256)"],
    )
    lines = f"# from pdq-photo-hasher\n{b.pdq},{b.quality},img.jpg\n{a.pdq},notanumber\n"
    report = banks.add_entries(
        engine, "b", bankfiles.read_entries(io.StringIO(lines), "pdq-lines"), added_by="x"
    )
    assert (report.read, report.added, len(report.rejected)) == (2, 1, 1)
    out = io.StringIO()
    bankfiles.write_entries(banks.active_entries(engine, "b"), out, "csv")
    banks.create_bank(engine, "copy", "known")
    again = banks.add_entries(
        engine, "copy", bankfiles.read_entries(io.StringIO(out.getvalue()), "csv"), added_by="y"
    )
    assert again.added == 3
    pdq_out = io.StringIO()
    assert bankfiles.write_entries(banks.active_entries(engine, "copy"), pdq_out, "pdq-lines") == 2


def test_bank_and_match_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    img = tmp_path / "known.png"
    img.write_bytes(encode(scene(9)))
    rotated = tmp_path / "rotated.png"
    rotated.write_bytes(encode(scene(9).transpose(2)))  # rotated 90 degrees
    h = hash_bytes(img.read_bytes(), "known.png", SETTINGS)

    def run(*args: str) -> list[dict[str, object]]:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    run("bank", "create", "known-test", "--kind", "known", "--by", "alice")
    bank_csv = tmp_path / "bank.csv"
    bank_csv.write_text(f"hash_type,value,quality,label\npdq,{h.pdq},{h.quality},synthetic\nmd5,nothex,,\n")
    assert run("bank", "import", "known-test", str(bank_csv), "--by", "alice")[-2:] == [
        {"line": 3, "rejected": "not a md5 hash: expected 32 hex digits, got 'nothex'"},
        {"read": 2, "added": 1, "duplicates": 0, "previously_withdrawn": 0, "rejected": 1}]  # fmt: skip
    [listed] = run("bank", "list")
    assert (listed["name"], listed["active_entries"]) == ("known-test", 1)
    [by_file, by_hash, nonsense] = run("match", str(img), h.pdq or "", "hello")
    assert by_file["matches"][0]["distance"] == 0 and by_hash["matches"][0]["bank"] == "known-test"
    assert "error" in nonsense
    [rot] = run("match", str(rotated), "--dihedral")
    assert rot["matches"] == [] and any(v["matches"] for v in rot["dihedral"].values())
    # A banked file Pillow cannot decode (a HEIC stand-in) still matches by MD5; why PDQ was not used is said.
    heic = tmp_path / "known.heic"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)))
    run("bank", "add", "known-test", hashlib.md5(heic.read_bytes()).hexdigest(), "--type", "md5")
    [undecodable] = run("match", str(heic))
    assert [(m["hash_type"], m["bank"]) for m in undecodable["matches"]] == [("md5", "known-test")]
    assert str(undecodable["skipped"]).startswith("no PDQ: not an image format")
    # Every query failed (a directory is not an image): exit 1, as `hash` does; one that worked: exit 0.
    unread = runner.invoke(app, ["match", str(tmp_path)])
    assert unread.exit_code == 1 and set(json.loads(unread.output)) == {"query", "error"}
    assert runner.invoke(app, ["match", str(tmp_path), str(heic)]).exit_code == 0
    run("bank", "submit-victim-hash", "--case", "TG-1234-5678", "--md5", h.md5 or "")
    assert run("bank", "withdraw", "known-test", "--value", h.pdq or "", "--reason", "test") == [
        {"withdrawn": 1}
    ]
    [after] = run("match", str(img))
    assert [m["bank"] for m in after["matches"]] == ["victim-submissions"]
    export = tmp_path / "out.csv"
    run("bank", "export", "known-test", str(export))
    assert (h.pdq or "") not in export.read_text()
    # The withdrawn hash does not come back with the old file unless --readd says so.
    assert run("bank", "import", "known-test", str(bank_csv))[-1] == {
        "read": 2, "added": 0, "duplicates": 0, "previously_withdrawn": 1, "rejected": 1}  # fmt: skip
    assert run("bank", "add", "known-test", h.pdq or "", "--readd")[-1]["added"] == 1
    # An over-long --by is refused with a clear error before anything is written.
    refused = runner.invoke(app, ["bank", "import", "known-test", str(bank_csv), "--by", "x" * 300])
    assert refused.exit_code == 2 and "added_by must have at most 200 characters" in refused.output


def test_oversized_and_broken_csv_records_are_rejected_by_line(engine: Engine) -> None:
    banks.create_bank(engine, "b", "known")
    good = [_image(s) for s in (5, 6, 7)]
    text = (
        "hash_type,value,label\n"
        f"pdq,{good[0].pdq},first\n"
        f"pdq,{good[1].pdq},{'x' * 200_000}\n"  # over the csv module's own field limit
        "\n"
        f"pdq,{good[1].pdq},{'y' * 5000}\n"  # under it, over ours
        f'pdq,{good[2].pdq},"a label\nover two lines"\n'
        f'md5,{good[0].md5},=HYPERLINK("http://evil.example")\n'
    )
    report = banks.add_entries(engine, "b", bankfiles.read_entries(io.StringIO(text), "csv"), added_by="x")
    assert (report.read, report.added, report.duplicates, report.previously_withdrawn) == (6, 2, 0, 0)
    assert report.rejected == [
        (3, f"line is over {bankfiles.MAX_LINE} characters"),
        (5, f"field 'label' is over {bankfiles.MAX_FIELD} characters"),
        # One record per physical line: a field may not span lines (see the unclosed-quote test).
        (6, "unreadable CSV record: unexpected end of data"),
        (7, "unknown hash type 'over two lines\"' (expected one of pdq, md5, sha256)"),
    ]
    assert report.read == report.added + report.duplicates + report.previously_withdrawn + len(
        report.rejected
    )
    lines = f"# list\n\n{good[0].pdq},90\n{'f' * 100_000}\n{good[1].pdq},zz\n{good[1].pdq},1_00\n{good[1].pdq},+50\n"
    report = banks.add_entries(
        engine, "b", bankfiles.read_entries(io.StringIO(lines), "pdq-lines"), added_by="x"
    )
    assert (report.read, report.duplicates) == (5, 1)
    assert report.rejected == [
        (4, f"line is over {bankfiles.MAX_LINE} characters"),
        (5, "quality must be a whole number from 0 to 100, got 'zz'"),
        (6, "quality must be a whole number from 0 to 100, got '1_00'"),
        (7, "quality must be a whole number from 0 to 100, got '+50'"),
    ]


def test_bank_csv_export_neutralises_formulas(engine: Engine) -> None:
    banks.create_bank(engine, "b", "known")
    a, b = _image(8), _image(9)
    hostile = [
        banks.NewEntry("pdq", a.pdq or "", label='=HYPERLINK("http://evil.example","x")', source="@SUM(1+1)"),
        banks.NewEntry("md5", b.md5 or "", label="-2+3", source="+cmd", case_ref="\t=1"),
    ]
    banks.add_entries(engine, "b", hostile, added_by="-alice")
    out = io.StringIO()
    bankfiles.write_entries(banks.active_entries(engine, "b"), out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    cells = [(r["label"], r["source"], r["case_ref"], r["added_by"]) for r in rows]
    assert cells == [
        ('\'=HYPERLINK("http://evil.example","x")', "'@SUM(1+1)", "", "'-alice"),
        ("'-2+3", "'+cmd", "'=1", "'-alice"),  # case references are stored stripped
    ]
    assert [r["value"] for r in rows] == [a.pdq, b.md5]  # hex hashes untouched


def test_withdrawn_hash_is_not_readded_without_readd(engine: Engine) -> None:
    banks.create_bank(engine, "b", "known")
    a = _image(10)
    assert a.pdq
    banks.add_entries(engine, "b", [banks.NewEntry("pdq", a.pdq)], added_by="x")
    assert banks.withdraw(engine, "b", by="rev", reason="false positive", value=a.pdq) == 1
    again = banks.add_entries(engine, "b", [banks.NewEntry("pdq", a.pdq.upper())], added_by="x")
    assert (again.read, again.added, again.previously_withdrawn) == (1, 0, 1)
    assert banks.get_bank(engine, "b").active_entries == 0
    back = banks.add_entries(engine, "b", [banks.NewEntry("pdq", a.pdq)] * 2, added_by="x", readd=True)
    assert (back.added, back.duplicates, back.previously_withdrawn) == (1, 1, 0)
    assert banks.get_bank(engine, "b").active_entries == 1


def _hashes(seeds: range) -> list[ImageHash]:
    out = [_image(s) for s in seeds]
    assert all(h.pdq and h.md5 for h in out)
    return out


def test_an_unclosed_quote_rejects_only_its_own_line(engine: Engine) -> None:
    # A partner file with one broken label: before, the csv reader read every following record into that
    # one field, losing them all without a word.
    banks.create_bank(engine, "b", "known")
    good = _hashes(range(20, 26))
    text = "hash_type,value,quality,label\n" + f'pdq,{good[0].pdq},100,"series 12\n'
    text += "".join(f"pdq,{h.pdq},100,ok{i}\n" for i, h in enumerate(good[1:]))
    text += f'md5,{good[0].md5},,"closed" late\n'  # text after a closing quote: its own line only, too
    report = banks.add_entries(engine, "b", bankfiles.read_entries(io.StringIO(text), "csv"), added_by="x")
    assert report.rejected == [
        (2, "unreadable CSV record: unexpected end of data"),
        (8, "unreadable CSV record: ',' expected after '\"'"),
    ]
    assert (report.read, report.added) == (7, 5)
    assert report.read == report.added + report.duplicates + report.previously_withdrawn + len(
        report.rejected
    )
    assert [e.label for e in banks.active_entries(engine, "b")] == ["ok0", "ok1", "ok2", "ok3", "ok4"]


_CSV_TEXT = st.text(
    st.one_of(
        st.sampled_from(',"'), st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
    ),
    max_size=60,
)  # quotes and commas often, so quoted fields open, close and break


@settings(max_examples=150, deadline=None)
@given(st.lists(_CSV_TEXT))
def test_every_csv_line_gives_exactly_one_entry_or_is_blank(lines: list[str]) -> None:
    # Quotes, commas and garbage anywhere: each non-blank line after the header is one entry (accepted or
    # rejected) carrying its own line number, so nothing is lost and no line takes another with it.
    text = "hash_type,value,label\n" + "".join(line + "\n" for line in lines)
    entries = list(bankfiles.read_csv(io.StringIO(text)))
    assert [e.line for e in entries] == [n for n, line in enumerate(lines, start=2) if line]


def test_a_utf8_byte_order_mark_is_ignored_in_every_format(tmp_path: Path, engine: Engine) -> None:
    # Excel's "CSV UTF-8" and Notepad start the file with U+FEFF; before, the header became "\ufeffhash_type"
    # (or HMA's header was not found) and the first hash of a pdq-lines file was rejected.
    a, b = _hashes(range(27, 29))
    files = {
        "trailguard.csv": ("csv", f"hash_type,value,quality,label\npdq,{a.pdq},{a.quality},x\nmd5,{b.md5},,y\n"),
        "hma.csv": ("csv", f"signal_type,signal_value\npdq,{a.pdq}\nphoto_md5,{b.md5}\n"),
        "md5-only.csv": ("csv", f"hash_type,value\nmd5,{a.md5}\n"),
        "hasher.txt": ("pdq-lines", f"{a.pdq},{a.quality}\n{b.pdq},{b.quality}\n"),
    }  # fmt: skip
    for name, (fmt, content) in files.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8-sig")
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        banks.create_bank(engine, name, "known")
        with path.open(encoding="utf-8", newline="") as fh:  # as a library caller would open it
            report = banks.add_entries(engine, name, bankfiles.read_entries(fh, fmt), added_by="x")
        assert (report.rejected, report.added) == ([], content.count("\n") - (fmt == "csv")), name
    assert {e.hash_type for e in banks.active_entries(engine, "md5-only.csv")} == {"md5"}


def test_each_case_keeps_its_own_victim_submission(engine: Engine) -> None:
    # Two people (two cases) ask for the same image to be blocked; one later withdraws. Before, the second
    # submission was counted a duplicate and recorded nowhere, so the first withdrawal unblocked both.
    [img] = _hashes(range(30, 31))

    def submit(case: str) -> banks.AddReport:
        return banks.submit_victim_hash(
            engine, case_ref=case, pdq=img.pdq, quality=img.quality, md5=img.md5, submitted_by="staff"
        )

    first, second, again = submit("TG-AAAA-AAAA"), submit("TG-BBBB-BBBB"), submit("TG-BBBB-BBBB")
    assert (first.added, second.added, second.duplicates, again.added, again.duplicates) == (2, 2, 0, 0, 2)
    # Both active entries of the same hash are reported, one match per case (each case can be told).
    result = MatchIndex.from_store(engine, SETTINGS).match(img)
    assert sorted((m.hash_type, m.case_ref) for m in result.matches) == [
        ("md5", "TG-AAAA-AAAA"), ("md5", "TG-BBBB-BBBB"), ("pdq", "TG-AAAA-AAAA"), ("pdq", "TG-BBBB-BBBB")]  # fmt: skip
    assert len({m.entry_id for m in result.matches}) == 4
    assert banks.withdraw(engine, banks.VICTIM_BANK, by="staff", reason="asked", case_ref="TG-AAAA-AAAA") == 2
    result = MatchIndex.from_store(engine, SETTINGS).match(img)
    assert {m.case_ref for m in result.matches} == {"TG-BBBB-BBBB"} and len(result.matches) == 2
    # The person who withdrew asks again: their own new request is heard (spaces around the case ignored).
    renewed = submit(" TG-AAAA-AAAA ")
    assert (renewed.added, renewed.previously_withdrawn) == (2, 0)
    assert (
        banks.withdraw(engine, banks.VICTIM_BANK, by="staff", reason="asked", case_ref="TG-BBBB-BBBB ") == 2
    )
    result = MatchIndex.from_store(engine, SETTINGS).match(img)
    assert {m.case_ref for m in result.matches} == {"TG-AAAA-AAAA"}
    assert banks.withdraw(engine, banks.VICTIM_BANK, by="staff", reason="asked", case_ref="TG-AAAA-AAAA") == 2
    assert MatchIndex.from_store(engine, SETTINGS).match(img).matches == []
    # Other banks keep one entry per hash, whatever the case reference.
    banks.create_bank(engine, "k", "known")
    entries = [
        banks.NewEntry("md5", img.md5 or "", case_ref="C-1"),
        banks.NewEntry("md5", img.md5 or "", case_ref="C-2"),
    ]
    assert banks.add_entries(engine, "k", entries, added_by="x").duplicates == 1  # fmt: skip


def test_negative_banks_hold_at_any_query_distance_and_spare_exact_matches(engine: Engine) -> None:
    [known] = _hashes(range(32, 33))
    assert known.pdq and known.md5 and known.sha256
    banks.create_bank(engine, "k", "known")
    banks.add_entries(
        engine,
        "k",
        [banks.NewEntry("pdq", known.pdq), banks.NewEntry("md5", known.md5), banks.NewEntry("sha256", known.sha256)],
        added_by="x",
    )  # fmt: skip
    banks.create_bank(engine, "stock", "negative")
    banks.add_entries(engine, "stock", [banks.NewEntry("pdq", _flip_hex(known.pdq, 12))], added_by="x")
    index = MatchIndex.from_store(engine, SETTINGS)
    near = ImageHash(path="q", pdq=_flip_hex(known.pdq, 4), quality=100)
    # A stricter distance for positives used to drop the negative match (8 bits away) and with it the
    # suppression: the look-alike of a stock photo was reported as a known image.
    for distance in (None, 31, 10, 4):
        strict = index.match(near, distance)
        assert strict.matches == [], distance
        assert [(m.bank, m.distance) for m in strict.suppressed] == [("k", 4)]
        assert [(m.bank, m.distance) for m in strict.negative] == [("stock", 8)]
    assert index.match(near, 3).suppressed == []  # positives beyond the caller's distance are not reported
    # The identical known file: its MD5 and SHA-256 matches stand, only its PDQ match yields to the stock photo.
    same_file = ImageHash(path="q", pdq=known.pdq, quality=100, md5=known.md5, sha256=known.sha256)
    result = index.match(same_file)
    assert sorted(m.hash_type for m in result.matches) == ["md5", "sha256"]
    assert [m.hash_type for m in result.suppressed] == ["pdq"]
    # An exact negative of the same hash does suppress it (the file itself is listed as a false match).
    banks.add_entries(engine, "stock", [banks.NewEntry("md5", known.md5)], added_by="x")
    result = MatchIndex.from_store(engine, SETTINGS).match(same_file)
    assert [m.hash_type for m in result.matches] == ["sha256"]
    assert sorted(m.hash_type for m in result.suppressed) == ["md5", "pdq"]
    with pytest.raises(ValueError, match="index built for distance <= 31"):
        index.match(near, 32)


def test_export_to_an_unwritable_path_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["bank", "create", "k"]).exit_code == 0
    result = runner.invoke(app, ["bank", "export", "k", str(tmp_path / "missing" / "out.csv")])
    assert (
        result.exit_code == 2 and result.exception is not None and not isinstance(result.exception, OSError)
    )
    assert "cannot write" in result.output and "No such file or directory" in result.output


def test_exported_labels_stay_on_one_line_and_round_trip(engine: Engine) -> None:
    banks.create_bank(engine, "b", "known")
    a, b = _hashes(range(34, 36))
    labelled = [
        banks.NewEntry("pdq", a.pdq or "", label="series 12\nsecond line"),
        banks.NewEntry("md5", b.md5 or ""),
    ]
    banks.add_entries(engine, "b", labelled, added_by="x\r\ny")  # fmt: skip
    out = io.StringIO()
    assert bankfiles.write_entries(banks.active_entries(engine, "b"), out, "csv") == 2
    assert len(out.getvalue().splitlines()) == 3
    banks.create_bank(engine, "copy", "known")
    report = banks.add_entries(
        engine, "copy", bankfiles.read_entries(io.StringIO(out.getvalue()), "csv"), added_by="y"
    )
    assert (report.added, report.rejected) == (2, [])
    assert [e.label for e in banks.active_entries(engine, "copy")] == ["series 12 second line", ""]


def test_a_line_cut_at_the_limit_inside_its_crlf_does_not_shift_the_line_numbers() -> None:
    good = "pdq," + "f" * 64 + ",90,ok"
    for n in (bankfiles.MAX_LINE - 1, bankfiles.MAX_LINE, bankfiles.MAX_LINE + 1, 3 * bankfiles.MAX_LINE):
        data = "hash_type,value,quality,label\r\n" + "x" * n + "\r\n" + good + "\r\n" + good + "\r\n"
        entries = list(bankfiles.read_entries(io.StringIO(data, newline=""), "csv"))
        assert [e.line for e in entries] == [2, 3, 4], n
