"""Database engine and the one SQLAlchemy `MetaData` every table of the store is declared on.

SQLite by default (one file, no server) and PostgreSQL for teams: the same schema, chosen by URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event

metadata = MetaData()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite, create the file's directory and use WAL so readers never block a scan."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def create_schema(engine: Engine) -> None:
    """Create every table declared on `metadata` that does not exist yet (idempotent)."""
    # Import the table modules so their tables are registered on `metadata` before create_all.
    from trailguard.evidence import tables as _evidence_tables  # noqa: F401
    from trailguard.store import tables  # noqa: F401

    metadata.create_all(engine)
