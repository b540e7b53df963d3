"""Writes scan results to the store: the sink of the pipeline (stages never read from it).

Every write is an upsert keyed by item id, one transaction per batch, so re-scanning the same items updates
them instead of duplicating them, and a scan killed part-way and started again converges to the same rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Insert

from trailguard.batching import chunked
from trailguard.model import Assessment, Item, Network, Reject
from trailguard.store import tables as tb
from trailguard.store.db import create_schema, make_engine


def content_hash(item: Item) -> str:
    """A digest of what the item says (not where it was read), to tell an edited item from a re-read one."""
    d = item.to_dict()
    d.pop("source", None)
    return hashlib.sha256(orjson.dumps(d, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _upsert(
    engine: Engine, table: Any, rows: list[dict[str, Any]], keys: Sequence[str], keep: Sequence[str] = ()
) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE for SQLite or PostgreSQL (both speak it; SQLAlchemy spells it twice).

    Columns in `keys` and `keep` keep their stored values on conflict; the rest take the new row's.
    """
    stmt: Any
    if engine.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(rows)
    elif engine.dialect.name == "sqlite":
        stmt = sqlite.insert(table).values(rows)
    else:  # pragma: no cover - guarded at Store construction
        raise ValueError(f"unsupported database dialect {engine.dialect.name!r}")
    fixed = set(keys) | set(keep)
    updated = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in fixed}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updated)


class Store:
    """The results store: SQLite by default, PostgreSQL for teams, chosen by URL."""

    # Rows per INSERT statement: stays under SQLite's 32,766 bound-parameter limit for the widest table.
    CHUNK = 500

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        if self.engine.dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {self.engine.dialect.name!r}: use SQLite or PostgreSQL")
        create_schema(self.engine)

    def start_scan(self, inputs: Sequence[str]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(tb.scans).values(
                    started_at=datetime.now(UTC), inputs=list(inputs), status="running", read=0
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_scan(self, scan_id: int, read: int, assessed: int, rejected: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(tb.scans)
                .where(tb.scans.c.id == scan_id)
                .values(
                    finished_at=datetime.now(UTC),
                    read=read,
                    assessed=assessed,
                    rejected=rejected,
                    status="finished",
                )
            )

    def save_assessed(self, scan_id: int, pairs: Sequence[tuple[Item, Assessment]]) -> None:
        """Upsert items with their assessments, entities and hits in one transaction."""
        # The last occurrence of an id in the batch wins, as it would across batches.
        latest = {item.id: (item, a) for item, a in pairs}
        item_rows: list[dict[str, Any]] = []
        assessment_rows: list[dict[str, Any]] = []
        entity_rows: list[dict[str, Any]] = []
        hit_rows: list[dict[str, Any]] = []
        for item, a in latest.values():
            item_rows.append(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "platform": item.platform,
                    "url": item.url,
                    "posted_at": item.posted_at,
                    "location": item.location,
                    "author": item.author,
                    "source_file": item.source.file if item.source else None,
                    "source_line": item.source.line if item.source else None,
                    "content_sha256": content_hash(item),
                    "data": item.to_dict(),
                    "first_scan_id": scan_id,
                    "last_scan_id": scan_id,
                }
            )
            assessment_rows.append(
                {
                    "item_id": item.id,
                    "score": a.score,
                    "band": a.band,
                    "data": a.to_dict(),
                    "scan_id": scan_id,
                }
            )
            entity_rows += [
                {
                    "item_id": item.id,
                    "position": i,
                    "type": e.type,
                    "value": str(e.value),
                    "raw": e.raw,
                    "obfuscated": e.obfuscated,
                    "message": e.message,
                }
                for i, e in enumerate(a.entities)
            ]
            seen: set[str] = set()
            for h in a.hits:
                if h.indicator not in seen:
                    seen.add(h.indicator)
                    hit_rows.append(
                        {
                            "item_id": item.id,
                            "indicator": h.indicator,
                            "category": h.category,
                            "weight": h.weight,
                            "grade": h.grade,
                            "effect": h.effect,
                        }
                    )
        ids = list(latest)
        with self.engine.begin() as conn:
            for chunk in chunked(item_rows, self.CHUNK):
                conn.execute(_upsert(self.engine, tb.items, chunk, ["id"], keep=["first_scan_id"]))
            for chunk in chunked(assessment_rows, self.CHUNK):
                conn.execute(_upsert(self.engine, tb.assessments, chunk, ["item_id"]))
            for id_chunk in chunked(ids, self.CHUNK):
                conn.execute(delete(tb.entities).where(tb.entities.c.item_id.in_(id_chunk)))
                conn.execute(delete(tb.hits).where(tb.hits.c.item_id.in_(id_chunk)))
            for chunk in chunked(entity_rows, self.CHUNK):
                conn.execute(insert(tb.entities), chunk)
            for chunk in chunked(hit_rows, self.CHUNK):
                conn.execute(insert(tb.hits), chunk)

    def save_rejects(self, scan_id: int, rejects: Sequence[Reject]) -> None:
        rows = [
            {
                "scan_id": scan_id,
                "source": r.source.file,
                "line": r.source.line,
                "record_id": _storable(r.record_id),
                "reason": _storable(r.reason),
                "raw": _storable(r.raw),
            }
            for r in rejects
        ]
        with self.engine.begin() as conn:
            for chunk in chunked(rows, self.CHUNK):
                conn.execute(insert(tb.rejects), chunk)

    def save_networks(self, scan_id: int, networks: Sequence[Network]) -> None:
        """Store the networks just computed, replacing the stored ones this scan has wholly re-assessed."""
        rows: list[dict[str, Any]] = [
            {
                "id": n.id,
                "size": len(n.items),
                "score": n.score,
                "band": n.band,
                "data": n.to_dict(),
                "scan_id": scan_id,
            }
            for n in networks
        ]
        members: list[dict[str, Any]] = [
            {"network_id": n.id, "item_id": i} for n in networks for i in n.items
        ]
        # A stored network is superseded when every one of its items was re-assessed in this scan: this scan
        # saw all of its evidence and recomputed it (its members may have split, merged or gone). A network
        # with a member this scan did not read is kept: a partial re-scan must not erase links it cannot see.
        ni, it = tb.network_items, tb.items
        touching = (
            select(ni.c.network_id).join(it, it.c.id == ni.c.item_id).where(it.c.last_scan_id == scan_id)
        )
        reaching_out = (
            select(ni.c.network_id)
            .outerjoin(it, it.c.id == ni.c.item_id)
            .where(or_(it.c.id.is_(None), it.c.last_scan_id != scan_id))
        )
        superseded = select(tb.networks.c.id).where(
            tb.networks.c.id.in_(touching), tb.networks.c.id.not_in(reaching_out)
        )
        ids = [n.id for n in networks]
        with self.engine.begin() as conn:
            stale = list(
                conn.execute(select(tb.networks.c.id).where(tb.networks.c.id.in_(superseded))).scalars()
            )
            for id_chunk in chunked([*stale, *ids], self.CHUNK):
                conn.execute(delete(tb.network_items).where(tb.network_items.c.network_id.in_(id_chunk)))
                conn.execute(delete(tb.networks).where(tb.networks.c.id.in_(id_chunk)))
            for chunk in chunked(rows, self.CHUNK):
                conn.execute(insert(tb.networks), chunk)
            for chunk in chunked(members, self.CHUNK):
                conn.execute(insert(tb.network_items), chunk)

    def count(self, table: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _storable(text: str | None) -> str | None:
    """A rejected record's text as PostgreSQL can hold it: NUL, which it refuses, becomes U+FFFD."""
    return None if text is None else text.replace("\x00", "\ufffd")
