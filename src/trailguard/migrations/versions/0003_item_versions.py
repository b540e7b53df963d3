"""Item versions: every distinct content of an item id with its assessment and hits, and one reject row per
record (the index the save looks them up by).

Tables and indexes already there are left alone: `create_schema` (which a scan still runs) adds them to a
store too, and they match this revision.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("item_versions"):
        op.create_table(
            "item_versions",
            sa.Column("item_id", sa.String(512), primary_key=True),
            sa.Column("content_sha256", sa.String(64), primary_key=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("band", sa.String(16), nullable=False),
            sa.Column("item", sa.JSON, nullable=False),
            sa.Column("assessment", sa.JSON, nullable=False),
            sa.Column("first_scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
            sa.Column("last_scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
        )
        op.create_index("ix_item_versions_band", "item_versions", ["band"])
    if not inspector.has_table("version_hits"):
        op.create_table(
            "version_hits",
            sa.Column("item_id", sa.String(512), primary_key=True),
            sa.Column("content_sha256", sa.String(64), primary_key=True),
            sa.Column("indicator", sa.String(128), primary_key=True),
            sa.Column("category", sa.String(64), nullable=False),
            sa.Column("weight", sa.Float, nullable=False),
            sa.Column("grade", sa.String(1), nullable=False),
            sa.Column("effect", sa.String(16), nullable=False),
        )
        op.create_index("ix_version_hits_indicator", "version_hits", ["indicator"])
    if "ix_rejects_source" not in {ix["name"] for ix in inspector.get_indexes("rejects")}:
        op.create_index("ix_rejects_source", "rejects", ["source"], postgresql_using="hash")


def downgrade() -> None:
    op.drop_index("ix_rejects_source", table_name="rejects")
    op.drop_table("version_hits")
    op.drop_table("item_versions")
