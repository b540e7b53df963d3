"""Fresh databases for the review and API tests: a SQLite file, or a new database on the PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


@contextmanager
def fresh_database(kind: str, tmp_path: Path, postgres_url: str | None) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards (PostgreSQL)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tg.db'}"
        return
    assert postgres_url is not None
    name = f"tg_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
