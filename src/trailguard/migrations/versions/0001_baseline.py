"""Baseline: the store as `create_schema` made it before migrations (scans, items, ..., hash banks).

Each table is created only when missing, so a store made by `create_schema` (perhaps only its bank tables,
which the bank commands create alone) is brought to this revision without touching what it holds.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("scans"):
        op.create_table(
            "scans",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("started_at", TZ, nullable=False),
            sa.Column("finished_at", TZ),
            sa.Column("inputs", sa.JSON, nullable=False),
            sa.Column("read", sa.Integer, nullable=False),
            sa.Column("assessed", sa.Integer, nullable=False),
            sa.Column("rejected", sa.Integer, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
        )
    if _missing("scan_runs"):
        op.create_table(
            "scan_runs",
            sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), primary_key=True),
            sa.Column("host", sa.String(255), nullable=False),
            sa.Column("pid", sa.Integer, nullable=False),
            sa.Column("seen_at", TZ, nullable=False),
        )
    if _missing("items"):
        op.create_table(
            "items",
            sa.Column("id", sa.String(512), primary_key=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("platform", sa.Text),
            sa.Column("url", sa.Text),
            sa.Column("posted_at", sa.String(40)),
            sa.Column("location", sa.Text),
            sa.Column("author", sa.Text),
            sa.Column("source_file", sa.Text),
            sa.Column("source_line", sa.Integer),
            sa.Column("content_sha256", sa.String(64), nullable=False),
            sa.Column("data", sa.JSON, nullable=False),
            sa.Column("first_scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
            sa.Column("last_scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
        )
        op.create_index("ix_items_kind", "items", ["kind"])
        op.create_index("ix_items_posted_at", "items", ["posted_at"])
    if _missing("assessments"):
        op.create_table(
            "assessments",
            sa.Column(
                "item_id", sa.String(512), sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("band", sa.String(16), nullable=False),
            sa.Column("data", sa.JSON, nullable=False),
            sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
        )
        op.create_index("ix_assessments_score", "assessments", ["score"])
        op.create_index("ix_assessments_band", "assessments", ["band"])
    if _missing("entities"):
        op.create_table(
            "entities",
            sa.Column(
                "item_id", sa.String(512), sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("position", sa.Integer, primary_key=True),
            sa.Column("type", sa.String(16), nullable=False),
            sa.Column("value", sa.Text, nullable=False),
            sa.Column("raw", sa.Text, nullable=False),
            sa.Column("obfuscated", sa.Boolean, nullable=False),
            sa.Column("message", sa.Integer),
        )
        op.create_index("ix_entities_type_value", "entities", ["type", "value"])
    if _missing("hits"):
        op.create_table(
            "hits",
            sa.Column(
                "item_id", sa.String(512), sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("indicator", sa.String(128), primary_key=True),
            sa.Column("category", sa.String(64), nullable=False),
            sa.Column("weight", sa.Float, nullable=False),
            sa.Column("grade", sa.String(1), nullable=False),
            sa.Column("effect", sa.String(16), nullable=False),
        )
        op.create_index("ix_hits_indicator", "hits", ["indicator"])
    if _missing("networks"):
        op.create_table(
            "networks",
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("band", sa.String(16), nullable=False),
            sa.Column("data", sa.JSON, nullable=False),
            sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
        )
        op.create_index("ix_networks_score", "networks", ["score"])
    if _missing("network_items"):
        op.create_table(
            "network_items",
            sa.Column(
                "network_id",
                sa.String(64),
                sa.ForeignKey("networks.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("item_id", sa.String(512), primary_key=True),
        )
        op.create_index("ix_network_items_item", "network_items", ["item_id"])
    if _missing("rejects"):
        op.create_table(
            "rejects",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("line", sa.Integer, nullable=False),
            sa.Column("record_id", sa.Text),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("raw", sa.Text),
        )
        op.create_index("ix_rejects_scan_id", "rejects", ["scan_id"])
    if _missing("media_banks"):
        op.create_table(
            "media_banks",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(200), nullable=False, unique=True),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("description", sa.Text, nullable=False),
            sa.Column("source", sa.String(500), nullable=False),
            sa.Column("created_by", sa.String(200), nullable=False),
            sa.Column("created_at", TZ, nullable=False),
        )
    if _missing("media_bank_entries"):
        op.create_table(
            "media_bank_entries",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "bank_id", sa.Integer, sa.ForeignKey("media_banks.id", ondelete="CASCADE"), nullable=False
            ),
            sa.Column("hash_type", sa.String(16), nullable=False),
            sa.Column("value", sa.String(64), nullable=False),
            sa.Column("quality", sa.Integer),
            sa.Column("label", sa.String(500), nullable=False),
            sa.Column("source", sa.String(500), nullable=False),
            sa.Column("case_ref", sa.String(200)),
            sa.Column("added_by", sa.String(200), nullable=False),
            sa.Column("added_at", TZ, nullable=False),
            sa.Column("withdrawn_at", TZ),
            sa.Column("withdrawn_by", sa.String(200)),
            sa.Column("withdraw_reason", sa.Text),
        )
        op.create_index(
            "ix_media_bank_entries_lookup", "media_bank_entries", ["bank_id", "hash_type", "value"]
        )


def downgrade() -> None:
    raise NotImplementedError("the baseline is where migrations start: there is nothing before it")
