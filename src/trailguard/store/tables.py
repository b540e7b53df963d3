"""Every table of the store, registered on `trailguard.store.db.metadata`.

Items and assessments keep their full JSON (the contract in model.py) so nothing read is lost, plus the
columns reviewers and investigators filter on (kind, band, score, entity type and value) as real indexed
columns. The same schema serves SQLite and PostgreSQL.

`items`, `assessments`, `entities` and `hits` hold each item's current version (the one last read: what
linking and the report use); `item_versions` and `version_hits` hold every version ever read, keyed by the
item id and `Item.content_hash()`, so a later version never erases an earlier one's hits. Schema changes are
additive only (new tables, new indexes in `LATER_INDEXES`): a store written by an older Trailguard opens as
it is, and `create_schema` adds what it lacks.
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

# A record that could not be read is one row however often it is read: `scan_id` is the last scan that read
# it (see Store.save_rejects).
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

# Every distinct content an item id has had (content-addressed), with the assessment of that content. The
# current version is also in `items`/`assessments`; an item stored before this table existed gains its row
# here when a later scan reads a different version of it (the stored one is copied over first).
item_versions = Table(
    "item_versions",
    metadata,
    Column("item_id", String(512), primary_key=True),
    Column("content_sha256", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("band", String(16), nullable=False, index=True),
    Column("item", JSON, nullable=False),
    Column("assessment", JSON, nullable=False),
    Column("first_scan_id", Integer, ForeignKey("scans.id"), nullable=False),
    Column("last_scan_id", Integer, ForeignKey("scans.id"), nullable=False),
)

version_hits = Table(
    "version_hits",
    metadata,
    Column("item_id", String(512), primary_key=True),
    Column("content_sha256", String(64), primary_key=True),
    Column("indicator", String(128), primary_key=True),
    Column("category", String(64), nullable=False),
    Column("weight", Float, nullable=False),
    Column("grade", String(1), nullable=False),
    Column("effect", String(16), nullable=False),
    Index("ix_version_hits_indicator", "indicator"),
)

# Indexes on tables older than the index: created by `create_schema` on stores that lack them. A hash index
# on PostgreSQL, whose B-trees refuse keys over about 2.7 kB (a deep path); SQLite ignores the option.
LATER_INDEXES = (Index("ix_rejects_source", rejects.c.source, postgresql_using="hash"),)
