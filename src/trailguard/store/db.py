"""Database engine, the one SQLAlchemy `MetaData` every table of the store is declared on, and the locks that
make the store safe for several Trailguard processes at once.

SQLite by default (one file, no server) and PostgreSQL for teams: the same schema, chosen by URL.

Concurrency (docs/deployment.md, "What a team may run at once"): every write transaction that reads before it
writes is `write_transaction`: on SQLite `BEGIN IMMEDIATE` (it takes the database's write lock at the start,
so it never fails half-way with "database is locked" when another process wrote in between; others wait up to
`BUSY_TIMEOUT_MS`), on PostgreSQL optionally under a transaction-level advisory lock. Work that must see the
store unchanged by other scans for longer than one transaction (a scan's relink and network write) holds
`exclusive`: a PostgreSQL session advisory lock, or on SQLite an exclusive `flock` on a file beside the
database; both are released by the operating system or the server when the process dies, so a killed scan
never leaves the store locked.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Index, MetaData, create_engine, event, inspect, text

metadata = MetaData()

# How long a SQLite writer waits for another's transaction before giving up. Store transactions last
# milliseconds to seconds (a batch of items, one scan's networks); waiting is always better than failing.
BUSY_TIMEOUT_MS = 600_000

_MEMORY_LOCK = threading.Lock()  # `exclusive` for an in-memory SQLite database (one process by definition)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite, create the file's directory and use WAL so readers never block a scan."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # orjson for the JSON columns (item and assessment documents): several times faster than the standard
    # library, and the writes of a scan run serially in its parent process.
    kwargs.setdefault("json_serializer", _json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # First, so that switching a new file to WAL waits for a concurrent process doing the same.
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def lock_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for a lock name, the same in every process."""
    return int.from_bytes(hashlib.sha256(f"trailguard:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def write_transaction(engine: Engine, lock: str | None = None) -> Iterator[Connection]:
    """A transaction that holds the right to write from its start: `BEGIN IMMEDIATE` on SQLite; on PostgreSQL
    the advisory lock `lock` (if named) until it commits, so that read-then-write sequences of two processes
    (which rows exist yet, then insert) never interleave."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # pysqlite begins transactions lazily (before the first INSERT/UPDATE/DELETE) and never as
            # IMMEDIATE; an explicit BEGIN first makes the whole block one immediate transaction, which
            # SQLAlchemy then commits or rolls back through the driver as usual.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif lock is not None:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(lock)})
        yield conn


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the store-wide lock `name` (across many transactions) against every other Trailguard process and
    thread using this database; wait for it if another holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = lock_key(name)
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()  # the session lock outlives the transaction; do not sit idle in one
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _MEMORY_LOCK:
            yield
        return
    # flock, not fcntl's POSIX locks: those are per process, so two threads of one process would both get it.
    lock_path = Path(database).expanduser().with_name(Path(database).name + f".{name}.lock")
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def create_schema(engine: Engine) -> None:
    """Make an empty database a store at the newest migration, and give a store made before migrations the
    tables it lacks (as before: `trailguard db upgrade` stamps it). Idempotent, and safe when several
    processes start on an empty database at once: they take turns under one lock.

    An empty database is migrated, not made from the declared tables: the migrations build the newest
    schema exactly, whichever module declares a table. A store the migrations manage (it has
    `alembic_version`) is left as it is: only `db upgrade` changes it, and the commands refuse it while it is
    behind (cli/store_ready.py).
    """
    # Import the table modules so their tables are registered on `metadata` before create_all.
    from trailguard.evidence import tables as _evidence_tables  # noqa: F401
    from trailguard.reports import tables as _reports_tables  # noqa: F401
    from trailguard.store import tables

    if _schema_complete(engine, tables.LATER_INDEXES):
        return  # the usual case: no lock taken, so opening a store never waits for (or needs) a writer
    if not inspect(engine).get_table_names():
        from trailguard.review.schema import upgrade

        upgrade(engine)  # under the schema lock: a second process finds the store at head, with nothing to do
        return
    with write_transaction(engine, lock="schema") as conn:
        if inspect(conn).has_table("alembic_version"):
            return
        metadata.create_all(conn)
        # Indexes added to tables that existed before them: create_all only indexes the tables it creates.
        for index in tables.LATER_INDEXES:
            index.create(conn, checkfirst=True)


def _schema_complete(engine: Engine, later_indexes: Iterable[Index]) -> bool:
    """Whether every table on `metadata` and every later index exists already."""
    inspector = inspect(engine)
    if not set(metadata.tables) <= set(inspector.get_table_names()):
        return False
    return all(
        index.name in {i["name"] for i in inspector.get_indexes(index.table.name)}  # type: ignore[union-attr]
        for index in later_indexes
    )
