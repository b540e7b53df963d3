"""Attaching what a scan found to a case: stored items and hash-bank entries, each as a signed custody entry.

The entry records the item's stored content hash (`items.content_sha256`, the version the reviewer saw) and
its current band, score and indicators (a bank match shows there as a `media.*` hit), or a bank entry's hash
type and value and where it came from, so the case keeps what was attached even if the store changes later.
No item text is copied into the custody log: it may hold a potential victim's personal details, and the
content hash is what ties the case to the stored version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from trailguard.evidence import custody
from trailguard.store.banks import bank_entries_table, banks_table
from trailguard.store.tables import assessments, hits, items


def item_details(engine: Engine, item_id: str) -> dict[str, Any]:
    """What an `attach` entry records of a stored item; CaseError when there is no such item."""
    with engine.connect() as conn:
        row = conn.execute(
            select(items.c.id, items.c.kind, items.c.platform, items.c.url, items.c.content_sha256,
                   items.c.last_scan_id, assessments.c.band, assessments.c.score)
            .select_from(items.outerjoin(assessments, assessments.c.item_id == items.c.id))
            .where(items.c.id == item_id)
        ).first()  # fmt: skip
        if row is None:
            raise custody.CaseError(f"no stored item {item_id[:200]!r}")
        indicators = sorted(conn.execute(select(hits.c.indicator).where(hits.c.item_id == item_id)).scalars())
    return {
        "attached": "item",
        "item": row.id,
        "kind": row.kind,
        "platform": row.platform,
        "url": row.url,
        "content_sha256": row.content_sha256,
        "scan": row.last_scan_id,
        "band": row.band,
        "score": row.score,
        "indicators": indicators,
    }


def bank_entry_details(engine: Engine, entry_id: int) -> dict[str, Any]:
    """What an `attach` entry records of a hash-bank entry; CaseError when there is none."""
    with engine.connect() as conn:
        row = conn.execute(
            select(bank_entries_table, banks_table.c.name.label("bank"), banks_table.c.kind.label("bank_kind"))
            .select_from(bank_entries_table.join(banks_table, banks_table.c.id == bank_entries_table.c.bank_id))
            .where(bank_entries_table.c.id == entry_id)
        ).first()  # fmt: skip
    if row is None:
        raise custody.CaseError(f"no hash-bank entry {entry_id}")
    return {
        "attached": "bank-entry",
        "entry": row.id,
        "bank": row.bank,
        "bank_kind": row.bank_kind,
        "hash_type": row.hash_type,
        "value": row.value,
        "quality": row.quality,
        "added_by": row.added_by,
        "added_at": row.added_at.isoformat() if row.added_at else None,
        "withdrawn": row.withdrawn_at is not None,
    }


def attach(engine: Engine, keydir: Path, case_id: str, operator: str, *, item_ids: list[str],
           bank_entries: list[int]) -> list[custody.Entry]:  # fmt: skip
    """One signed `attach` entry per item and bank entry; all are looked up before any is written."""
    custody.case_row(engine, case_id)
    details = [item_details(engine, i) for i in item_ids] + [
        bank_entry_details(engine, e) for e in bank_entries
    ]
    if not details:
        raise custody.CaseError("nothing to attach: give --item or --bank-entry")
    return [custody.append(engine, keydir, case_id, "attach", operator, d) for d in details]
