"""Alembic's environment: run on the connection `trailguard.review.schema` hands over (never a URL of its own)."""

from __future__ import annotations

from alembic import context

from trailguard.evidence import tables as _evidence  # noqa: F401
from trailguard.reports import tables as _reports  # noqa: F401
from trailguard.review import tables as _review  # noqa: F401  (registers the review tables for autogenerate)
from trailguard.store import tables as _store  # noqa: F401
from trailguard.store.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
