"""Hash banks: named lists of image hashes with who added each one, when, why, and whether it was withdrawn.

A withdrawn entry is kept (the audit trail must show that it existed and who withdrew it) but is never
returned by `active_entries`, so it stops matching as soon as an index is rebuilt and never reaches an export;
re-importing it later is refused unless the caller says `readd=True`, so a partner's stale list cannot bring
back what a reviewer withdrew.
The same Core tables run on SQLite and PostgreSQL, so every string is checked in Python first: PostgreSQL
refuses an over-long VARCHAR or a NUL character and would roll back a whole import. Who-fields (`added_by`,
`created_by`, `withdrawn_by`), bank names and sources and case references are validated (ValueError);
descriptive entry text (`label`, `source`) is cut to its column width with NULs removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    select,
    update,
)

from trailguard.media.hashtypes import MD5, PDQ, hash_type
from trailguard.store.db import metadata

BANK_KINDS: tuple[str, ...] = ("known", "negative", "victim_submission")
VICTIM_BANK = "victim-submissions"

banks_table = Table(
    "media_banks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("source", String(500), nullable=False, default=""),
    Column("created_by", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

bank_entries_table = Table(
    "media_bank_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bank_id", Integer, ForeignKey("media_banks.id", ondelete="CASCADE"), nullable=False),
    Column("hash_type", String(16), nullable=False),  # a registered name (media/hashtypes.py)
    Column("value", String(64), nullable=False),
    Column("quality", Integer, nullable=True),  # PDQ quality when known
    Column("label", String(500), nullable=False, default=""),
    Column("source", String(500), nullable=False, default=""),
    Column("case_ref", String(200), nullable=True),
    Column("added_by", String(200), nullable=False, default=""),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_by", String(200), nullable=True),
    Column("withdraw_reason", Text, nullable=True),
    Index("ix_media_bank_entries_lookup", "bank_id", "hash_type", "value"),
)


@dataclass(frozen=True, slots=True)
class Bank:
    id: int
    name: str
    kind: str
    description: str
    source: str
    created_by: str
    created_at: datetime
    active_entries: int = 0


@dataclass(frozen=True, slots=True)
class BankEntry:
    id: int
    bank: str
    bank_kind: str
    hash_type: str
    value: str
    quality: int | None
    label: str
    source: str
    case_ref: str | None
    added_by: str
    added_at: datetime


@dataclass(slots=True)
class NewEntry:
    """One hash to add, as read from a file or a form (validated by `add_entries`)."""

    hash_type: str
    value: str
    quality: int | None = None
    label: str = ""
    source: str = ""
    case_ref: str | None = None
    error: str | None = None  # set by a file reader for a record it could not parse
    line: int | None = None  # physical line in the file it came from, for error reports


@dataclass(slots=True)
class AddReport:
    """What happened to each record offered: read = added + duplicates + previously_withdrawn + rejected."""

    read: int = 0
    added: int = 0
    duplicates: int = 0
    previously_withdrawn: int = 0  # withdrawn from this bank before and not re-added (see `readd`)
    # (line in the file, or the record's 1-based position when it came from no file, reason)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def _checked(what: str, value: str, limit: int | None) -> str:
    """`value` if it fits its column on every database; ValueError naming the field otherwise."""
    if limit is not None and len(value) > limit:
        raise ValueError(f"{what} must have at most {limit} characters, got {len(value)}")
    if "\x00" in value:
        raise ValueError(f"{what} must not contain a NUL character")
    return value


def _text(value: str, limit: int) -> str:
    return value.replace("\x00", "")[:limit]


def create_bank(
    engine: Engine, name: str, kind: str, *, description: str = "", source: str = "", created_by: str = ""
) -> Bank:
    """Create a bank; ValueError for an unknown kind or a name already taken."""
    if kind not in BANK_KINDS:
        raise ValueError(f"unknown bank kind {kind!r} (expected one of {', '.join(BANK_KINDS)})")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("a bank name must have 1 to 200 characters")
    _checked("bank name", name, 200)
    _checked("description", description, None)
    _checked("source", source, 500)
    _checked("created_by", created_by, 200)
    with engine.begin() as conn:
        if conn.execute(select(banks_table.c.id).where(banks_table.c.name == name)).first():
            raise ValueError(f"a bank named {name!r} already exists")
        conn.execute(
            insert(banks_table).values(
                name=name,
                kind=kind,
                description=description,
                source=source,
                created_by=created_by,
                created_at=_now(),
            )
        )
    return get_bank(engine, name)


def _active() -> ColumnElement[bool]:
    return bank_entries_table.c.withdrawn_at.is_(None)


def _bank_query() -> Select[Any]:
    active = (
        select(func.count())
        .where(and_(bank_entries_table.c.bank_id == banks_table.c.id, _active()))
        .scalar_subquery()
    )
    return select(banks_table, active.label("active"))


def _bank(r: Row[Any]) -> Bank:
    return Bank(
        id=r.id,
        name=r.name,
        kind=r.kind,
        description=r.description,
        source=r.source,
        created_by=r.created_by,
        created_at=r.created_at,
        active_entries=int(r.active),
    )


def list_banks(engine: Engine) -> list[Bank]:
    """Every bank with its number of active (not withdrawn) entries."""
    with engine.connect() as conn:
        return [_bank(r) for r in conn.execute(_bank_query().order_by(banks_table.c.name))]


def get_bank(engine: Engine, name: str) -> Bank:
    """The bank called `name`; KeyError when there is none. One row, counted through the lookup index."""
    with engine.connect() as conn:
        row = conn.execute(_bank_query().where(banks_table.c.name == name)).first()
    if row is None:
        raise KeyError(f"no bank named {name!r}")
    return _bank(row)


def add_entries(
    engine: Engine, bank_name: str, entries: Iterable[NewEntry], *, added_by: str, readd: bool = False
) -> AddReport:
    """Validate and add hashes to a bank in one transaction; bad records are reported, not fatal.

    A hash already active in the bank counts as a duplicate and is not added twice. A hash withdrawn from
    this bank and not active again is skipped and counted as `previously_withdrawn`, unless `readd`: a
    withdrawal is a reviewer's decision and an old partner file must not silently undo it.
    In a victim-submission bank the case reference is part of that identity: each person's request is its
    own entry, so a second case submitting the same image is recorded (not a duplicate), and withdrawing one
    case's entry leaves the hash matching for the other.
    ValueError for an invalid `added_by` (nothing is written).
    """
    _checked("added_by", added_by, 200)
    bank = get_bank(engine, bank_name)
    report = AddReport()
    per_case = bank.kind == "victim_submission"

    def key(hash_type: str, value: str, case_ref: str | None) -> tuple[str, str, str | None]:
        return hash_type, value, case_ref if per_case else None

    with engine.begin() as conn:
        existing: set[tuple[str, str, str | None]] = set()
        withdrawn: set[tuple[str, str, str | None]] = set()
        for r in conn.execute(
            select(
                bank_entries_table.c.hash_type,
                bank_entries_table.c.value,
                bank_entries_table.c.case_ref,
                bank_entries_table.c.withdrawn_at,
            ).where(bank_entries_table.c.bank_id == bank.id)
        ):
            (withdrawn if r.withdrawn_at is not None else existing).add(key(r.hash_type, r.value, r.case_ref))
        withdrawn -= existing
        rows = []
        now = _now()
        for number, entry in enumerate(entries, start=1):
            report.read += 1
            try:
                if entry.error is not None:
                    raise ValueError(entry.error)
                kind = hash_type(entry.hash_type)
                value = kind.normalise(entry.value)
                if entry.quality is not None and not 0 <= entry.quality <= 100:
                    raise ValueError(f"quality must be 0..100, got {entry.quality}")
                case_ref = _checked("case_ref", entry.case_ref.strip(), 200) if entry.case_ref else None
                case_ref = case_ref or None
            except ValueError as exc:
                report.rejected.append((entry.line or number, str(exc)))
                continue
            identity = key(kind.name, value, case_ref)
            if identity in existing:
                report.duplicates += 1
                continue
            if identity in withdrawn and not readd:
                report.previously_withdrawn += 1
                continue
            existing.add(identity)
            rows.append(
                {
                    "bank_id": bank.id,
                    "hash_type": kind.name,
                    "value": value,
                    "quality": entry.quality,
                    "label": _text(entry.label, 500),
                    "source": _text(entry.source, 500),
                    "case_ref": case_ref,
                    "added_by": added_by,
                    "added_at": now,
                }
            )
        for start in range(0, len(rows), 5000):
            conn.execute(insert(bank_entries_table), rows[start : start + 5000])
        report.added = len(rows)
    return report


def withdraw(
    engine: Engine,
    bank_name: str,
    *,
    by: str,
    reason: str,
    entry_id: int | None = None,
    value: str | None = None,
    case_ref: str | None = None,
) -> int:
    """Withdraw one entry (by id), or every active entry with this hash value and/or case reference.

    Returns how many were withdrawn. `case_ref` is how a person's request is withdrawn at their word from the
    victim-submission bank without touching another case's entry for the same image.
    """
    if (entry_id is None) == (value is None and case_ref is None):
        raise ValueError("give either entry_id, or value and/or case_ref")
    _checked("withdrawn_by", by, 200)
    _checked("reason", reason, None)
    bank = get_bank(engine, bank_name)
    condition = and_(bank_entries_table.c.bank_id == bank.id, _active())
    if entry_id is not None:
        condition = and_(condition, bank_entries_table.c.id == entry_id)
    if value is not None:
        condition = and_(condition, bank_entries_table.c.value == value.strip().lower())
    if case_ref is not None:
        condition = and_(condition, bank_entries_table.c.case_ref == case_ref.strip())
    with engine.begin() as conn:
        result = conn.execute(
            update(bank_entries_table)
            .where(condition)
            .values(withdrawn_at=_now(), withdrawn_by=by, withdraw_reason=reason)
        )
        return int(result.rowcount or 0)


def active_entries(engine: Engine, bank_name: str | None = None) -> Iterator[BankEntry]:
    """Every entry not withdrawn, of one bank or all, in id order (streamed, so large banks fit in memory)."""
    query = (
        select(bank_entries_table, banks_table.c.name.label("bank"), banks_table.c.kind.label("bank_kind"))
        .select_from(bank_entries_table.join(banks_table, banks_table.c.id == bank_entries_table.c.bank_id))
        .where(_active())
        .order_by(bank_entries_table.c.id)
    )
    if bank_name is not None:
        query = query.where(banks_table.c.name == bank_name)
    with engine.connect() as conn:
        for r in conn.execution_options(stream_results=True, yield_per=10_000).execute(query):
            yield BankEntry(
                id=r.id,
                bank=r.bank,
                bank_kind=r.bank_kind,
                hash_type=r.hash_type,
                value=r.value,
                quality=r.quality,
                label=r.label,
                source=r.source,
                case_ref=r.case_ref,
                added_by=r.added_by,
                added_at=r.added_at,
            )


def submit_victim_hash(
    engine: Engine, *, case_ref: str, pdq: str | None, quality: int | None, md5: str | None, submitted_by: str
) -> AddReport:
    """A person's own image, blocked by hash alone: the hashes land in the victim-submission bank.

    The bank is created on first use. No image is ever received; the case reference ties the hashes to the
    person's request so it can be withdrawn at their word (`withdraw(..., case_ref=...)`). Each case gets its
    own entries, even for a hash another case already submitted (see `add_entries`). A person who withdrew a
    request and asks again is heard: their own new request overrides their own withdrawal (`readd`).
    """
    case_ref = case_ref.strip()
    if not case_ref:
        raise ValueError("a victim submission needs a case reference")
    try:
        get_bank(engine, VICTIM_BANK)
    except KeyError:
        create_bank(
            engine,
            VICTIM_BANK,
            "victim_submission",
            description="Hashes submitted by people asking for their own images to be blocked",
            created_by="trailguard",
        )
    offered = []
    if pdq:
        offered.append(
            NewEntry(PDQ.name, pdq, quality=quality, case_ref=case_ref, source="victim submission")
        )
    if md5:
        offered.append(NewEntry(MD5.name, md5, case_ref=case_ref, source="victim submission"))
    if not offered:
        raise ValueError("a victim submission needs a PDQ or an MD5 hash")
    return add_entries(engine, VICTIM_BANK, offered, added_by=submitted_by, readd=True)


def ensure_schema(engine: Engine) -> None:
    """Create the bank tables if missing (idempotent); `create_schema` does the same for the whole store."""
    metadata.create_all(engine, tables=[banks_table, bank_entries_table])
