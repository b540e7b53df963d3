"""Where a store stands against the migrations, and bringing it up to date (`trailguard db upgrade`).

A store made before migrations existed has tables but no `alembic_version`; the baseline revision creates
only the tables it lacks, so upgrading it stamps it at the baseline without touching its rows and then applies
the later revisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from trailguard.store.db import write_transaction

UPGRADE_COMMAND = "trailguard db upgrade"


class StoreBehind(RuntimeError):
    """The store's schema is older than the code's: the message says which command fixes it."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None  # the store's revision; None when it has none (empty, or made before migrations)
    head: str  # the newest revision this code knows
    legacy: bool  # tables made by create_schema before migrations, no alembic_version

    @property
    def behind(self) -> bool:
        return self.current != self.head


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "trailguard:migrations")
    return cfg


def state(engine: Engine) -> SchemaState:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        legacy = current is None and bool(inspect(conn).get_table_names())
    return SchemaState(current, head, legacy)


def upgrade(engine: Engine, to: str = "head") -> SchemaState:
    """Apply every migration the store lacks, in one transaction that holds the store's schema lock (so two
    processes upgrading at once take turns, the second finding nothing to do); the state before."""
    before = state(engine)
    cfg = _config()
    with write_transaction(engine, lock="schema") as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)
    return before


def require_current(engine: Engine, url_shown: str, *, create_empty: bool = False) -> None:
    """StoreBehind, naming the fix, unless the store is at the newest revision; with `create_empty`, a store
    with no tables at all (a new SQLite file, a new PostgreSQL database) is first migrated to the newest."""
    s = state(engine)
    if create_empty and s.behind and s.current is None and not s.legacy:
        upgrade(engine)
        s = state(engine)
    if s.behind:
        at = "no revision (made before migrations)" if s.legacy else f"revision {s.current or 'none (empty)'}"
        raise StoreBehind(
            f"the store {url_shown} is at {at}, this Trailguard needs revision {s.head}: "
            f"run `{UPGRADE_COMMAND}` (with the same TRAILGUARD_DATABASE_URL)"
        )
