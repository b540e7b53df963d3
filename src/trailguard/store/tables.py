"""Every table of the store, registered on `trailguard.store.db.metadata`.

Items and assessments keep their full JSON (the contract in model.py) so nothing read is lost, plus the
columns reviewers and investigators filter on (kind, band, score, entity type and value) as real indexed
columns. The same schema serves SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from trailguard.store import banks  # noqa: F401  (registers the hash-bank tables on the same metadata)
from trailguard.store.db import metadata

scans = Table(
    "scans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("inputs", JSON, nullable=False),
    Column("read", Integer, nullable=False, default=0),
    Column("assessed", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # running, finished, aborted
)

# Who is running a scan, and when it last wrote: how a finishing scan tells a killed run of the same inputs
# (its process gone, or silent for an hour) from one still at work beside it. A table of its own, so that
# databases made before it existed gain it from create_all without a migration.
scan_runs = Table(
    "scan_runs",
    metadata,
    Column("scan_id", Integer, ForeignKey("scans.id"), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("platform", Text),
    Column("url", Text),
    Column("posted_at", String(40), index=True),
    Column("location", Text),
    Column("author", Text),
    Column("source_file", Text),
    Column("source_line", Integer),
    Column("content_sha256", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("first_scan_id", Integer, ForeignKey("scans.id"), nullable=False),
    Column("last_scan_id", Integer, ForeignKey("scans.id"), nullable=False),
)

assessments = Table(
    "assessments",
    metadata,
    Column("item_id", String(512), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Float, nullable=False, index=True),
    Column("band", String(16), nullable=False, index=True),
    Column("data", JSON, nullable=False),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False),
)

entities = Table(
    "entities",
    metadata,
    Column("item_id", String(512), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("type", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("obfuscated", Boolean, nullable=False),
    Column("message", Integer),
    Index("ix_entities_type_value", "type", "value"),
)

hits = Table(
    "hits",
    metadata,
    Column("item_id", String(512), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator", String(128), primary_key=True),
    Column("category", String(64), nullable=False),
    Column("weight", Float, nullable=False),
    Column("grade", String(1), nullable=False),
    Column("effect", String(16), nullable=False),
    Index("ix_hits_indicator", "indicator"),
)

networks = Table(
    "networks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("score", Float, nullable=False, index=True),
    Column("band", String(16), nullable=False),
    Column("data", JSON, nullable=False),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False),
)

network_items = Table(
    "network_items",
    metadata,
    Column("network_id", String(64), ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", String(512), primary_key=True),
    Index("ix_network_items_item", "item_id"),
)

rejects = Table(
    "rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False, index=True),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("record_id", Text),
    Column("reason", Text, nullable=False),
    Column("raw", Text),
)
