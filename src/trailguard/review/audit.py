"""The tamper-evident audit log: every event hash-chained, the head anchored in a signed checkpoint file.

Each event's hash is SHA-256 over the previous event's hash and the canonical JSON (sorted keys, no spaces)
of its own fields, so editing, deleting, inserting or reordering any row breaks the chain from that row on.
Rewriting the whole chain, or cutting its tail, is caught by the checkpoint: a file outside the database that
holds the number of events and the head hash, signed with an Ed25519 key, rewritten after every commit that
added events. Whoever can write the database cannot forge it without the key.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, insert, make_url, select, update

from trailguard.review import tables as rt
from trailguard.signing import canonical, load_private_key
from trailguard.store.db import exclusive

GENESIS = "0" * 64
MAX_TARGET = 600  # characters of a target kept (an item id is at most 512)
RECORDED = "trailguard.audit.recorded"  # Connection.info key: the seq of the last event recorded on it


def event_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str, details: str) -> str:
    body = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "target": target,
        "details": orjson.loads(details),
    }
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(body)).hexdigest()


def record(
    conn: Connection, actor: str, action: str, target: str = "", details: dict[str, Any] | None = None
) -> int:
    """Append one event in the caller's transaction (so an action and its event commit together); its seq."""
    return record_many(conn, [Event(actor, action, target, details)])


@dataclass(frozen=True, slots=True)
class Event:
    actor: str
    action: str
    target: str = ""
    details: dict[str, Any] | None = None


def record_many(conn: Connection, events: Sequence[Event]) -> int:
    """Append events in order in the caller's transaction; the seq of the last.

    The head row is updated first: that takes the write lock (SQLite) or the row lock (PostgreSQL) before
    anything is read, so concurrent writers queue here instead of forking the chain.
    """
    head = conn.execute(
        update(rt.audit_head)
        .where(rt.audit_head.c.id == 1)
        .values(seq=rt.audit_head.c.seq + len(events))
        .returning(rt.audit_head.c.seq, rt.audit_head.c.hash)
    ).one()
    last, prev = int(head.seq), str(head.hash)
    rows = []
    for seq, e in enumerate(events, start=last - len(events) + 1):
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        target = e.target.replace("\x00", "\ufffd")[:MAX_TARGET]
        text = canonical(e.details or {}).decode()
        digest = event_hash(prev, seq, at, e.actor, e.action, target, text)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": e.actor,
                "action": e.action,
                "target": target,
                "details": text,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(insert(rt.audit_events), rows)
    conn.execute(update(rt.audit_head).where(rt.audit_head.c.id == 1).values(hash=prev))
    conn.info[RECORDED] = last  # for AuditLog.begin: what the checkpoint must anchor once this commits
    return last


@dataclass(frozen=True, slots=True)
class Checkpoint:
    count: int
    head: str
    at: str


class Anchor:
    """The signed checkpoint file and its Ed25519 key (created on first use, readable by its owner only)."""

    def __init__(self, key_path: Path, checkpoint_path: Path) -> None:
        self.key_path = key_path
        self.path = checkpoint_path
        self._lock = threading.Lock()
        self._loaded: Ed25519PrivateKey | None = None
        self._anchored = 0  # the count this process last saw signed into the file (by it or another)

    def _key(self, create: bool) -> Ed25519PrivateKey:
        # Loaded once: every audited commit (each item view) verifies and signs the checkpoint, and parsing
        # the PEM file twice per commit was about a tenth of an item view's time.
        if self._loaded is not None:
            return self._loaded
        if create:
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._loaded = load_private_key(self.key_path, create)
        except FileNotFoundError:
            raise FileNotFoundError(f"no audit signing key at {self.key_path}") from None
        return self._loaded

    def read(self) -> Checkpoint | None:
        """The checkpoint, its signature checked; None when there is none. ValueError if it is not valid."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = orjson.loads(raw)
            checkpoint = Checkpoint(int(doc["count"]), str(doc["head"]), str(doc["at"]))
            signature = base64.b64decode(doc["signature"], validate=True)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"checkpoint {self.path} is unreadable: {exc}") from exc
        try:
            self._key(create=False).public_key().verify(signature, canonical(asdict(checkpoint)))
        except InvalidSignature as exc:
            raise ValueError(f"checkpoint {self.path} has a bad signature") from exc
        return checkpoint

    def write(self, engine: Engine, upto: int | None = None) -> None:
        """Sign the database's current head into the checkpoint, unless the checkpoint anchors event `upto`
        (the last one the caller committed; None: the current head) already.

        Callers waiting at once are anchored together: whoever holds the lock signs the head as it is then,
        which covers every event committed before, so those waiting for those events find them anchored and
        return without writing. Rewriting the file was 3 ms (its rename makes ext4 flush it) against 0.6 ms
        for an item view's transaction, and every view waited its turn for it. A file lock orders writers
        across processes, so a slower one never puts back an older head.
        """
        with self._lock:
            if upto is not None and self._anchored >= upto:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a") as lock_fh:
                fcntl.flock(lock_fh, fcntl.LOCK_EX)
                current = self.read()
                if current is not None and upto is not None and current.count >= upto:
                    self._anchored = current.count  # another process anchored it meanwhile
                    return
                with engine.connect() as conn:
                    head = conn.execute(select(rt.audit_head.c.seq, rt.audit_head.c.hash)).one()
                if current is not None and current.count >= head.seq:
                    self._anchored = current.count
                    return
                checkpoint = Checkpoint(
                    int(head.seq), str(head.hash), datetime.now(UTC).isoformat(timespec="seconds")
                )
                signature = self._key(create=True).sign(canonical(asdict(checkpoint)))
                doc = {**asdict(checkpoint), "signature": base64.b64encode(signature).decode()}
                tmp = self.path.with_name(self.path.name + ".tmp")
                tmp.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
                os.replace(tmp, self.path)
                self._anchored = checkpoint.count


class AuditLog:
    """Transactions that may record events, each anchored in the checkpoint once committed."""

    def __init__(self, engine: Engine, anchor: Anchor) -> None:
        self.engine = engine
        self.anchor = anchor
        self._depth = threading.local()  # how many `begin` blocks this thread is inside
        self._views = _SharedCommits(self)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction; once it commits, the checkpoint anchors every event it recorded (or, when it
        recorded none, the head as it is: this heals a gap a crash between a commit and its anchor left)."""
        with self._one_writer(), self.engine.begin() as conn:
            conn.info.pop(RECORDED, None)  # a pooled connection may keep a failed transaction's
            yield conn
            recorded = conn.info.pop(RECORDED, None)
        self.anchor.write(self.engine, recorded)

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        """On SQLite, one audited transaction at a time across the threads and processes of this database.

        SQLite lets one writer in and makes the others retry in growing sleeps (its busy handler), so under
        a server's concurrent item views a writer often slept long after the lock was free: most of the
        console's 99th percentile. Waiting on a lock instead hands the database over as soon as it is free.
        Only the outermost block of a thread takes it (an inner one would wait for itself). PostgreSQL
        queues writers on the chain head's row lock already.
        """
        depth = getattr(self._depth, "n", 0)
        if self.engine.dialect.name != "sqlite" or depth:
            yield
            return
        self._depth.n = 1
        try:
            with exclusive(self.engine, "audit-writes"):
                yield
        finally:
            self._depth.n = 0

    def record(self, actor: str, action: str, target: str = "", details: dict[str, Any] | None = None) -> int:
        with self.begin() as conn:
            return record(conn, actor, action, target, details)

    @contextmanager
    def view(
        self, actor: str, action: str, target: str = "", details: dict[str, Any] | None = None
    ) -> Iterator[Connection]:
        """A read that is an audit event: the block reads on its own connection, then the event is committed
        and anchored before the block's result goes anywhere. A block that raises (an unknown id) records
        nothing.

        A view changes nothing but the log, so concurrent views share one transaction and one checkpoint
        signature (_SharedCommits) instead of each waiting its turn on the chain head through its own
        commit: under 20 reviewers that wait was most of an item view's time.
        """
        with self.engine.connect() as conn:
            yield conn
        self._views.record(Event(actor, action, target, details))


@dataclass(slots=True)
class _Waiting:
    event: Event
    done: bool = False
    error: BaseException | None = None


class _SharedCommits:
    """Group commit for view events: whoever finds no commit running writes every event waiting then (its
    own among them) in one audited transaction; the rest wait for it, and the first of those still waiting
    when it ends writes the next batch. Each caller returns only once its own event is committed and anchored,
    so nothing is shown unaudited, and a failed commit fails every view in it."""

    def __init__(self, log: AuditLog) -> None:
        self._log = log
        self._cond = threading.Condition()
        self._queue: list[_Waiting] = []
        self._writing = False

    def record(self, event: Event) -> None:
        mine = _Waiting(event)
        with self._cond:
            self._queue.append(mine)
            while self._writing and not mine.done:
                self._cond.wait()
            lead = not mine.done  # no commit running and this event not yet written: write the batch
            if lead:
                self._writing = True
                batch, self._queue = self._queue, []
        if lead:
            try:
                with self._log.begin() as conn:
                    record_many(conn, [w.event for w in batch])
            except BaseException as exc:
                for w in batch:
                    w.error = exc
            finally:
                with self._cond:
                    for w in batch:
                        w.done = True
                    self._writing = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise RuntimeError(f"the audit event of this view was not recorded: {mine.error}") from mine.error


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    count: int  # events read from the table
    anchored: int  # events the checkpoint vouches for
    problem: str | None = None
    first_bad: int | None = None  # the seq of the first bad entry


def verify(engine: Engine, anchor: Anchor, _retries: int = 2) -> Verdict:
    """Walk the chain from the first event; the first break found, or the checkpoint's disagreement.

    Events newer than the checkpoint fail it too (a server anchors every commit); when a running server
    anchored them while the table was read, the walk is made again, a bounded number of times.
    """
    try:
        checkpoint = anchor.read()
    except (ValueError, FileNotFoundError) as exc:
        return Verdict(False, 0, 0, str(exc))
    anchored = checkpoint.count if checkpoint else 0
    prev, count, head_at_anchor = GENESIS, 0, None
    with engine.connect() as conn:
        rows = conn.execute(select(rt.audit_events).order_by(rt.audit_events.c.seq))
        for row in rows:
            expected = count + 1
            if row.seq != expected:
                what = "missing" if row.seq > expected else "out of order"
                return Verdict(
                    False, count, anchored, f"entry {expected}: {what} (next row is {row.seq})", expected
                )
            if row.prev_hash != prev:
                return Verdict(
                    False, count, anchored, f"entry {row.seq}: does not follow entry {count}", row.seq
                )
            digest = event_hash(prev, row.seq, row.at, row.actor, row.action, row.target, row.details)
            if digest != row.hash:
                return Verdict(
                    False, count, anchored, f"entry {row.seq}: its content does not match its hash", row.seq
                )
            prev, count = digest, expected
            if count == anchored:
                head_at_anchor = digest
    if checkpoint is None:
        if count:
            return Verdict(False, count, 0, f"entry 1: no checkpoint anchors the log ({anchor.path})", 1)
        return Verdict(True, 0, 0)
    if count < checkpoint.count:
        return Verdict(
            False,
            count,
            anchored,
            f"entry {count + 1}: missing (the log is cut short: the checkpoint anchors {checkpoint.count})",
            count + 1,
        )
    if head_at_anchor != checkpoint.head:
        return Verdict(
            False,
            count,
            anchored,
            f"entry {checkpoint.count}: differs from the signed checkpoint (the log was rewritten up to it)",
            checkpoint.count,
        )
    if count > checkpoint.count:
        later = anchor.read()
        if later is not None and later.count > checkpoint.count and _retries > 0:
            return verify(engine, anchor, _retries - 1)
        first = checkpoint.count + 1
        return Verdict(False, count, anchored, f"entry {first}: not anchored by the checkpoint", first)
    return Verdict(True, count, anchored)


def anchor_for(database_url: str, key_file: str = "", checkpoint_file: str = "") -> Anchor:
    """The anchor configured (TRAILGUARD_AUDIT_KEY_FILE, TRAILGUARD_AUDIT_CHECKPOINT_FILE), or the default:
    beside a SQLite database file, or in the user's data directory named after a server's database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        base = Path(url.database).expanduser()
    else:
        name = f"{url.host or 'local'}-{url.port or ''}-{url.database or ''}".replace("/", "_")
        base = Path(user_data_dir("trailguard", appauthor=False)) / "audit" / name
    key = Path(key_file) if key_file else base.with_name(base.name + ".audit-key.pem")
    checkpoint = (
        Path(checkpoint_file) if checkpoint_file else base.with_name(base.name + ".audit-checkpoint.json")
    )
    return Anchor(key, checkpoint)


def event_dict(row: Any) -> dict[str, Any]:
    """One audit_events row as the API and the console's audit page show it."""
    return {
        "seq": row.seq,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "details": orjson.loads(row.details),
        "hash": row.hash,
    }
