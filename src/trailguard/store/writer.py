"""Writes scan results to the store: the sink of the pipeline (stages never read from it).

Every write is an upsert keyed by item id (and, for versions, its content hash), one transaction per batch,
so re-scanning the same items updates them instead of duplicating them, a changed item adds a version
beside the earlier ones, and a scan killed part-way and started again converges to the same rows. Several
scans may write at once (store.db: `write_transaction`, `exclusive`).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Insert

from trailguard.batching import chunked
from trailguard.model import Assessment, Entity, Item, Network, Reject
from trailguard.store import tables as tb
from trailguard.store.db import create_schema, exclusive, make_engine, write_transaction
from trailguard.store.versions import ItemVersion

log = logging.getLogger(__name__)

MAX_SHARING = 5000  # stored items an identifier may be on and still pull them into a scan's linking
MAX_REACH = 200_000  # stored items a scan's linking stops gathering at (the memory guard decides the rest)
STALE_AFTER = timedelta(hours=1)  # a run on another machine silent this long is taken for dead


def _insert(dialect: str, table: Any) -> Any:
    """An INSERT that can take ON CONFLICT, for SQLite or PostgreSQL (both speak it; SQLAlchemy spells it twice)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database dialect {dialect!r}")  # pragma: no cover - guarded in Store


def _upsert(dialect: str, table: Any, keys: Sequence[str], keep: Sequence[str] = ()) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE, executed with a list of rows (one statement compiled once and run as
    executemany: compiling a multi-row VALUES per batch cost more than writing it).

    Columns in `keys` and `keep` keep their stored values on conflict; the rest take the new row's.
    """
    stmt = _insert(dialect, table)
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
        with write_transaction(self.engine, lock="finish") as conn:
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
        with write_transaction(self.engine, lock="rejects") as conn:
            conn.execute(delete(tb.rejects).where(tb.rejects.c.scan_id == scan_id))
            conn.execute(update(tb.scans).where(tb.scans.c.id == scan_id).values(status="aborted"))

    def save_assessed(self, scan_id: int, pairs: Sequence[tuple[Item, Assessment]]) -> int:
        """Store items with their assessments, entities and hits in one transaction; return how many of them
        changed since their stored version.

        The item's row is its current version; every version also has its own row (`item_versions`, keyed by
        `Item.content_hash()`) that no later version overwrites. An id repeated in `pairs` is stored once: the
        first occurrence, as the scan keeps it (pipeline.local rejects the later ones).
        """
        first: dict[str, tuple[Item, Assessment]] = {}
        for item, a in pairs:
            first.setdefault(item.id, (item, a))
        # One order for every writer: concurrent PostgreSQL transactions lock the rows they share in the
        # same order, so they wait for each other instead of deadlocking.
        ordered = sorted(first.values(), key=lambda p: p[0].id)
        if not ordered:
            return 0
        versions = {item.id: item.content_hash() for item, _ in ordered}
        item_rows: list[dict[str, Any]] = []
        assessment_rows: list[dict[str, Any]] = []
        version_rows: list[dict[str, Any]] = []
        entity_rows: list[dict[str, Any]] = []
        hit_rows: list[dict[str, Any]] = []
        version_hit_rows: list[dict[str, Any]] = []
        for item, a in ordered:
            sha = versions[item.id]
            item_data, assessment_data = item.to_dict(), a.to_dict()
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
                    "content_sha256": sha,
                    "data": item_data,
                    "first_scan_id": scan_id,
                    "last_scan_id": scan_id,
                }
            )
            assessment_rows.append(
                {
                    "item_id": item.id,
                    "score": a.score,
                    "band": a.band,
                    "data": assessment_data,
                    "scan_id": scan_id,
                }
            )
            version_rows.append(
                _version_row(item.id, sha, item.kind, a.score, a.band, item_data, assessment_data, scan_id)
            )
            entity_rows += entity_rows_of(item.id, a.entities)
            hits = _hit_rows(item.id, [h.to_dict() for h in a.hits])
            hit_rows += hits
            version_hit_rows += [{**h, "content_sha256": sha} for h in hits]
        ids = list(versions)
        vh = tb.version_hits
        with write_transaction(self.engine) as conn:
            changed: list[str] = [
                item_id
                for id_chunk in chunked(ids, self.CHUNK)
                for item_id, stored in conn.execute(
                    select(tb.items.c.id, tb.items.c.content_sha256).where(tb.items.c.id.in_(id_chunk))
                )
                if stored != versions[item_id]
            ]
            if changed:
                _keep_stored_versions(conn, changed)
            dialect = self.engine.dialect.name
            conn.execute(_upsert(dialect, tb.items, ["id"], keep=["first_scan_id"]), item_rows)
            conn.execute(_upsert(dialect, tb.assessments, ["item_id"]), assessment_rows)
            version_key = ["item_id", "content_sha256"]
            conn.execute(
                _upsert(dialect, tb.item_versions, version_key, keep=["first_scan_id"]), version_rows
            )
            for id_chunk in chunked(ids, self.CHUNK):
                conn.execute(delete(tb.entities).where(tb.entities.c.item_id.in_(id_chunk)))
                conn.execute(delete(tb.hits).where(tb.hits.c.item_id.in_(id_chunk)))
                # The version read again is assessed again (a newer catalogue); other versions keep theirs.
                reread = [(i, versions[i]) for i in id_chunk]
                conn.execute(delete(vh).where(tuple_(vh.c.item_id, vh.c.content_sha256).in_(reread)))
            for chunk in chunked(entity_rows, self.CHUNK):
                conn.execute(insert(tb.entities), chunk)
            for chunk in chunked(hit_rows, self.CHUNK):
                conn.execute(insert(tb.hits), chunk)
            for chunk in chunked(version_hit_rows, self.CHUNK):
                conn.execute(insert(vh), chunk)
        return len(changed)

    def save_rejects(self, scan_id: int, rejects: Sequence[Reject]) -> None:
        """Store records that could not be read: one row per record (file, line, reason and text), owned by
        the last scan that read it, so scanning a file again does not add its bad lines twice."""
        rows: dict[tuple[str, int, str | None, str, str | None], dict[str, Any]] = {}
        for r in rejects:
            row = {
                "scan_id": scan_id,
                "source": _storable(r.source.file) or "",
                "line": r.source.line,
                "record_id": _storable(r.record_id),
                "reason": _storable(r.reason) or "",
                "raw": _storable(r.raw),
            }
            rows.setdefault(_reject_key(row), row)
        rj = tb.rejects
        # Under one lock: two scans of one file must not both find a record missing and both insert it.
        with write_transaction(self.engine, lock="rejects") as conn:
            for chunk in chunked(list(rows.values()), self.CHUNK):
                sources = sorted({r["source"] for r in chunk})
                lines = sorted({r["line"] for r in chunk})
                known: dict[tuple[str, int, str | None, str, str | None], int] = {}
                for stored in conn.execute(
                    select(rj.c.id, rj.c.source, rj.c.line, rj.c.record_id, rj.c.reason, rj.c.raw).where(
                        rj.c.source.in_(sources), rj.c.line.in_(lines)
                    )
                ):
                    known.setdefault(_reject_key(stored._mapping), stored.id)
                seen = [known[k] for k in map(_reject_key, chunk) if k in known]
                new = [r for r in chunk if _reject_key(r) not in known]
                if seen:
                    conn.execute(update(rj).where(rj.c.id.in_(seen)).values(scan_id=scan_id))
                if new:
                    conn.execute(insert(rj), new)

    def versions(self, item_id: str) -> list[ItemVersion]:
        """Every stored version of an item, oldest first (see `read_versions`)."""
        with self.engine.connect() as conn:
            return read_versions(conn, item_id)

    def changed_items(self, limit: int = 100) -> list[tuple[str, int]]:
        """Items with more than one stored version and how many, those most recently changed first."""
        iv = tb.item_versions
        query = (
            select(iv.c.item_id, func.count().label("n"), func.max(iv.c.first_scan_id).label("latest"))
            .group_by(iv.c.item_id)
            .having(func.count() > 1)
            .order_by(func.max(iv.c.first_scan_id).desc(), iv.c.item_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(row.item_id, int(row.n)) for row in conn.execute(query)]

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

        Items last written by another scan still at work are left out (and so are the identifiers only they
        hold): that scan links them in its own turn, after this one (Store.relinking), so the stored networks
        are those of the scans run one after the other, in the order they reach their turn.
        """
        max_sharing = MAX_SHARING if max_sharing is None else max_sharing
        max_items = MAX_REACH if max_items is None else max_items
        types = sorted(identifier_types)
        hubs: set[tuple[str, str]] = set()
        with self.engine.connect() as conn:
            at_work = _scans_at_work(conn, scan_id)
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
                for key, holders in _holders(conn, scan_id, frontier, at_work).items():
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
        # One writer at a time: two scans storing the same network (the same members give the same id) would
        # otherwise both delete it and both insert it, and one would fail on the primary key.
        with write_transaction(self.engine, lock="networks") as conn:
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

    @contextmanager
    def relinking(self) -> Iterator[None]:
        """Hold the store's relink lock: one scan at a time gathers the stored items its networks reach,
        links them again, writes the networks and finishes (pipeline.local.run_scan). Items of a scan still
        running are not gathered (`outside_members`): that scan's turn comes later and links them with
        everything stored by then. So scans run at once store the networks of the same scans run one after
        the other, in the order they reach this lock."""
        with exclusive(self.engine, "relink"):
            yield

    def count(self, table: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def read_versions(conn: Connection, item_id: str) -> list[ItemVersion]:
    """Every stored version of an item, oldest first (by the scan that first read it); [] for an unknown
    id. An item stored before versions were kept, and read once since, has its current version only.
    On a connection, so that the console reads them in the transaction that audits the view."""
    iv = tb.item_versions
    rows = conn.execute(
        select(iv)
        .where(iv.c.item_id == item_id)
        .order_by(iv.c.first_scan_id, iv.c.last_scan_id, iv.c.content_sha256)
    ).all()
    if not rows:
        rows = conn.execute(_stored_version_query([item_id])).all()
    return [
        ItemVersion(
            content_sha256=row.content_sha256,
            first_scan_id=row.first_scan_id,
            last_scan_id=row.last_scan_id,
            item=Item.from_dict(row.item),
            assessment=Assessment.from_dict(row.assessment),
        )
        for row in rows
    ]


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


def _scans_at_work(conn: Connection, scan_id: int) -> list[int]:
    """The other scans still running (not dead: see `_dead`)."""
    now = datetime.now(UTC)
    rows = conn.execute(
        select(tb.scans.c.id, tb.scan_runs.c.host, tb.scan_runs.c.pid, tb.scan_runs.c.seen_at)
        .outerjoin(tb.scan_runs, tb.scan_runs.c.scan_id == tb.scans.c.id)
        .where(tb.scans.c.status == "running", tb.scans.c.id != scan_id)
    )
    return [row.id for row in rows if not _dead(row.host, row.pid, row.seen_at, now)]


def _holders(
    conn: Connection, scan_id: int, keys: Collection[tuple[str, str]], at_work: Collection[int] = ()
) -> dict[tuple[str, str], set[str]]:
    """Per identifier, the items of other scans that carry it, but for those of scans `at_work` (one indexed
    look-up per identifier)."""
    e, it = tb.entities, tb.items
    out: dict[tuple[str, str], set[str]] = {}
    for chunk in chunked(sorted(keys), Store.CHUNK // 2):
        rows = conn.execute(
            select(e.c.type, e.c.value, e.c.item_id)
            .join(it, it.c.id == e.c.item_id)
            .where(
                tuple_(e.c.type, e.c.value).in_(chunk),
                it.c.last_scan_id != scan_id,
                it.c.last_scan_id.not_in(list(at_work)),
            )
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


def entity_rows_of(item_id: str, entities: Sequence[Entity]) -> list[dict[str, Any]]:
    """The `entities` rows of an item's entities, in order (also written by frontline.reports)."""
    return [
        {
            "item_id": item_id,
            "position": i,
            "type": e.type,
            "value": str(e.value),
            "raw": e.raw,
            "obfuscated": e.obfuscated,
            "message": e.message,
        }
        for i, e in enumerate(entities)
    ]


def _hit_rows(item_id: str, hits: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `hits` rows of an assessment's hits (as dicts): the first of each indicator."""
    rows: dict[str, dict[str, Any]] = {}
    for h in hits:
        rows.setdefault(
            h["indicator"],
            {
                "item_id": item_id,
                "indicator": h["indicator"],
                "category": h["category"],
                "weight": h["weight"],
                "grade": h["grade"],
                "effect": h.get("effect", "risk"),
            },
        )
    return list(rows.values())


def _version_row(
    item_id: str,
    sha: str,
    kind: str,
    score: float,
    band: str,
    item: dict[str, Any],
    assessment: dict[str, Any],
    scan_id: int,
) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "content_sha256": sha,
        "kind": kind,
        "score": score,
        "band": band,
        "item": item,
        "assessment": assessment,
        "first_scan_id": scan_id,
        "last_scan_id": scan_id,
    }


def _stored_version_query(item_ids: Sequence[str]) -> Any:
    """The current versions of `item_ids` as `item_versions` rows, from `items` and `assessments`."""
    it, a = tb.items, tb.assessments
    return (
        select(
            it.c.id.label("item_id"),
            it.c.content_sha256,
            it.c.kind,
            a.c.score,
            a.c.band,
            it.c.data.label("item"),
            a.c.data.label("assessment"),
            it.c.first_scan_id,
            it.c.last_scan_id,
        )
        .join(a, a.c.item_id == it.c.id)
        .where(it.c.id.in_(item_ids))
    )


def _keep_stored_versions(conn: Connection, item_ids: Sequence[str]) -> None:
    """Copy the current version of items about to change into `item_versions` when it is not there yet (a
    store written before versions were kept), so that the upsert of the new version loses nothing."""
    for id_chunk in chunked(sorted(item_ids), Store.CHUNK):
        rows = conn.execute(_stored_version_query(id_chunk)).all()
        versions = [dict(r._mapping) for r in rows]  # the query names its columns as item_versions does
        hits = [
            {**h, "content_sha256": r.content_sha256}
            for r in rows
            for h in _hit_rows(r.item_id, r.assessment.get("hits") or [])
        ]
        for table, table_rows in ((tb.item_versions, versions), (tb.version_hits, hits)):
            if table_rows:
                conn.execute(_insert(conn.dialect.name, table).on_conflict_do_nothing(), table_rows)


def _reject_key(row: Any) -> tuple[str, int, str | None, str, str | None]:
    """What makes two rejects one record: where it is, what it was and why it was refused."""
    return (row["source"], row["line"], row["record_id"], row["reason"], row["raw"])
