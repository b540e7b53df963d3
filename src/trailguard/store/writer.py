"""Writes scan results to the store: the sink of the pipeline (stages never read from it).

Every write is an upsert keyed by item id, one transaction per batch, so re-scanning the same items updates
them instead of duplicating them, and a scan killed part-way and started again converges to the same rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Insert

from trailguard.batching import chunked
from trailguard.model import Assessment, Item, Network, Reject
from trailguard.store import tables as tb
from trailguard.store.db import create_schema, make_engine

log = logging.getLogger(__name__)

MAX_SHARING = 5000  # stored items an identifier may be on and still pull them into a scan's linking
MAX_REACH = 200_000  # stored items a scan's linking stops gathering at (the memory guard decides the rest)
STALE_AFTER = timedelta(hours=1)  # a run on another machine silent this long is taken for dead


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
        """A new `running` scan of `inputs` (named as the caller wants them compared: see `finish_scan`)."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(tb.scans).values(started_at=now, inputs=list(inputs), status="running", read=0)
            )
            scan_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            conn.execute(
                insert(tb.scan_runs).values(
                    scan_id=scan_id, host=socket.gethostname(), pid=os.getpid(), seen_at=now
                )
            )
            return scan_id

    def heartbeat(self, scan_id: int) -> None:
        """Say the scan is still at work (called with each batch it saves, and around long stages)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(tb.scan_runs)
                .where(tb.scan_runs.c.scan_id == scan_id)
                .values(seen_at=datetime.now(UTC))
            )

    def finish_scan(self, scan_id: int, read: int, assessed: int, rejected: int) -> None:
        """Record the counts, and mark earlier runs of the same inputs that died before finishing `aborted`.

        A scan killed part-way stays `running` with the rejects it had saved; once a scan of the same inputs
        finishes, it has read everything the killed one had, so those rejects are deleted: a restarted scan
        ends with the same reject rows as one clean scan. (Items and assessments are upserts and converge.)
        Only a dead run is touched (`_dead`): one still at work beside this one keeps its rows and status.
        """
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            inputs = conn.execute(select(tb.scans.c.inputs).where(tb.scans.c.id == scan_id)).scalar_one()
            unfinished = conn.execute(
                select(
                    tb.scans.c.id,
                    tb.scans.c.inputs,
                    tb.scan_runs.c.host,
                    tb.scan_runs.c.pid,
                    tb.scan_runs.c.seen_at,
                )
                .outerjoin(tb.scan_runs, tb.scan_runs.c.scan_id == tb.scans.c.id)
                .where(tb.scans.c.status == "running", tb.scans.c.id < scan_id)
            ).all()
            aborted = [
                row.id
                for row in unfinished
                if row.inputs == inputs and _dead(row.host, row.pid, row.seen_at, now)
            ]
            if aborted:
                conn.execute(delete(tb.rejects).where(tb.rejects.c.scan_id.in_(aborted)))
                conn.execute(update(tb.scans).where(tb.scans.c.id.in_(aborted)).values(status="aborted"))
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

    def abort_scan(self, scan_id: int) -> None:
        """Mark a scan that failed in this process `aborted` and drop its rejects (as `finish_scan` does for a
        run found dead): its outputs were discarded, and a rerun of the same inputs saves every reject again."""
        with self.engine.begin() as conn:
            conn.execute(delete(tb.rejects).where(tb.rejects.c.scan_id == scan_id))
            conn.execute(update(tb.scans).where(tb.scans.c.id == scan_id).values(status="aborted"))

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

    def outside_members(
        self,
        scan_id: int,
        identifier_types: Collection[str],
        max_sharing: int | None = None,
        max_items: int | None = None,
    ) -> Reach:
        """Stored items this scan did not read that its networks may reach, and the identifiers not followed.

        Reached: every member of a stored network holding an item the scan read; every stored item sharing an
        identifier with those or with the scan's items, and every member of its network; and so on until
        nothing new is reached (an item stored by a `--no-link` scan can bridge two networks), or `max_items`.
        The pipeline links them again together with the scan (from their stored assessments), so that a new
        ad with a stored network's number joins that network, and every stored network the scan touches is
        recomputed whole instead of being kept beside overlapping new ones. An identifier on more than
        `max_sharing` (MAX_SHARING) stored items is not followed: it is a hub (a hotline, a site address) by any measure,
        returned in `hubs` so that the relink keeps it from merging, and it would pull a large part of the
        store into every scan.
        """
        max_sharing = MAX_SHARING if max_sharing is None else max_sharing
        max_items = MAX_REACH if max_items is None else max_items
        types = sorted(identifier_types)
        hubs: set[tuple[str, str]] = set()
        with self.engine.connect() as conn:
            found = {
                item
                for members in _touching_networks(conn, scan_id).values()
                for item, read in members
                if not read
            }
            frontier = _keys_of(conn, types, scan_id=scan_id) | _keys_of(conn, types, items=found)
            seen = set(frontier)
            while frontier and len(found) <= max_items:
                new: set[str] = set()
                for key, holders in _holders(conn, scan_id, frontier).items():
                    if len(holders) > max_sharing:
                        hubs.add(key)
                    else:
                        new |= holders
                new -= found
                if not new:
                    break
                new |= _network_members(conn, scan_id, new)
                found |= new
                frontier = _keys_of(conn, types, items=new) - seen
                seen |= frontier
        return Reach(sorted(found), sorted(f"{t}:{v}" for t, v in hubs))

    def load_assessments(self, item_ids: Sequence[str]) -> Iterator[Assessment]:
        """The stored assessments of these items (those the store holds), a chunk of rows at a time."""
        for id_chunk in chunked(list(item_ids), self.CHUNK):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(tb.assessments.c.data).where(tb.assessments.c.item_id.in_(id_chunk))
                ).scalars()
                yield from (Assessment.from_dict(data) for data in rows)

    def save_networks(
        self, scan_id: int, networks: Sequence[Network], relinked: Collection[str] = ()
    ) -> list[Network]:
        """Store the networks just computed, replacing the stored ones they supersede; returns those stored.

        A stored network is superseded when each of its items was re-assessed by this scan or is in `relinked`
        (read from the store and linked again with the scan): the link stage saw all of its evidence, so its
        members may have split, merged or gone. Any other stored network is kept: a partial re-scan must not
        erase links it cannot see. Every item stays in at most one stored network: a new network that
        shares an item with a kept one is not stored (the kept one holds evidence this scan did not see;
        the pipeline avoids the case by linking the kept networks' other items again, see `outside_members`).
        """
        relinked = set(relinked)
        ids = {n.id for n in networks}
        with self.engine.begin() as conn:
            touching = _touching_networks(conn, scan_id, relinked)
            stale = [
                nid
                for nid, members in touching.items()
                if all(read or item in relinked for item, read in members)
            ]
            replaced = set(stale) | ids
            kept_owner: dict[str, str] = {}
            ni = tb.network_items
            for id_chunk in chunked(sorted({i for n in networks for i in n.items}), self.CHUNK):
                for network_id, item_id in conn.execute(
                    select(ni.c.network_id, ni.c.item_id).where(ni.c.item_id.in_(id_chunk))
                ):
                    if network_id not in replaced:
                        kept_owner[item_id] = network_id
            stored: list[Network] = []
            for n in networks:
                owners = sorted({kept_owner[i] for i in n.items if i in kept_owner})
                if owners:
                    log.warning(
                        "network %s not stored: it shares items with kept %s", n.id, ", ".join(owners)
                    )
                else:
                    stored.append(n)
            rows: list[dict[str, Any]] = [
                {
                    "id": n.id,
                    "size": len(n.items),
                    "score": n.score,
                    "band": n.band,
                    "data": n.to_dict(),
                    "scan_id": scan_id,
                }
                for n in stored
            ]
            members = [{"network_id": n.id, "item_id": i} for n in stored for i in n.items]
            for id_chunk in chunked(sorted(replaced), self.CHUNK):
                conn.execute(delete(ni).where(ni.c.network_id.in_(id_chunk)))
                conn.execute(delete(tb.networks).where(tb.networks.c.id.in_(id_chunk)))
            for chunk in chunked(rows, self.CHUNK):
                conn.execute(insert(tb.networks), chunk)
            for chunk in chunked(members, self.CHUNK):
                conn.execute(insert(ni), chunk)
        return stored

    def count(self, table: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _dead(host: str | None, pid: int | None, seen_at: datetime | None, now: datetime) -> bool:
    """Whether an unfinished run is gone. Silent for `STALE_AFTER` anywhere: gone (a live scan writes with
    every batch, and before linking). On this machine also when its process no longer exists, or is this very
    process (which is finishing another scan, so that run died in it: a library caller's exception, a
    container's PID 1 restarted under the same host name). A run with no record predates the records."""
    if host is None or pid is None or seen_at is None:
        return True
    if seen_at.tzinfo is None:  # SQLite hands back naive datetimes
        seen_at = seen_at.replace(tzinfo=UTC)
    if now - seen_at > STALE_AFTER:
        return True
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


@dataclass(frozen=True, slots=True)
class Reach:
    """What a scan's linking must take in from the store (see Store.outside_members)."""

    items: list[str]  # stored items to link again with the scan
    hubs: list[str]  # "type:value" identifiers too widespread to follow: never merged by the relink


def _keys_of(
    conn: Connection, types: Sequence[str], *, scan_id: int | None = None, items: Collection[str] = ()
) -> set[tuple[str, str]]:
    """The identifiers (of `types`) of the items this scan read, or of `items`."""
    e, it = tb.entities, tb.items
    keys: set[tuple[str, str]] = set()
    if scan_id is not None:
        query = select(e.c.type, e.c.value).join(it, it.c.id == e.c.item_id)
        rows = conn.execute(query.where(it.c.last_scan_id == scan_id, e.c.type.in_(types)).distinct())
        keys.update((t, v) for t, v in rows)
    for chunk in chunked(sorted(items), Store.CHUNK):
        rows = conn.execute(select(e.c.type, e.c.value).where(e.c.item_id.in_(chunk), e.c.type.in_(types)))
        keys.update((t, v) for t, v in rows)
    return keys


def _holders(
    conn: Connection, scan_id: int, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], set[str]]:
    """Per identifier, the items of earlier scans that carry it (one indexed look-up per identifier)."""
    e, it = tb.entities, tb.items
    out: dict[tuple[str, str], set[str]] = {}
    for chunk in chunked(sorted(keys), Store.CHUNK // 2):
        rows = conn.execute(
            select(e.c.type, e.c.value, e.c.item_id)
            .join(it, it.c.id == e.c.item_id)
            .where(tuple_(e.c.type, e.c.value).in_(chunk), it.c.last_scan_id != scan_id)
        )
        for typ, value, item_id in rows:
            out.setdefault((typ, value), set()).add(item_id)
    return out


def _network_members(conn: Connection, scan_id: int, items: Collection[str]) -> set[str]:
    """The members, not read by this scan, of the stored networks that hold any of `items`."""
    return {
        item
        for members in _touching_networks(conn, scan_id, items, include_scan=False).values()
        for item, read in members
        if not read
    }


def _touching_networks(
    conn: Connection, scan_id: int, also: Collection[str] = (), include_scan: bool = True
) -> dict[str, list[tuple[str, bool]]]:
    """Stored networks with an item this scan assessed (unless not `include_scan`) or an item in `also`:
    their members, each with whether this scan read it."""
    ni, it = tb.network_items, tb.items
    ids: set[str] = set()
    if include_scan:
        ids.update(
            conn.execute(
                select(ni.c.network_id)
                .join(it, it.c.id == ni.c.item_id)
                .where(it.c.last_scan_id == scan_id)
                .distinct()
            ).scalars()
        )
    for chunk in chunked(sorted(also), Store.CHUNK):
        ids.update(conn.execute(select(ni.c.network_id).where(ni.c.item_id.in_(chunk)).distinct()).scalars())
    members: dict[str, list[tuple[str, bool]]] = {}
    for chunk in chunked(sorted(ids), Store.CHUNK):
        rows = conn.execute(
            select(ni.c.network_id, ni.c.item_id, it.c.last_scan_id)
            .outerjoin(it, it.c.id == ni.c.item_id)
            .where(ni.c.network_id.in_(chunk))
        )
        for network_id, item_id, last_scan_id in rows:
            members.setdefault(network_id, []).append((item_id, last_scan_id == scan_id))
    return members


def _storable(text: str | None) -> str | None:
    """A rejected record's text as PostgreSQL can hold it: NUL, which it refuses, becomes U+FFFD."""
    return None if text is None else text.replace("\x00", "\ufffd")
