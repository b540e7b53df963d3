"""Reports: the partner watch list that `trailguard import stix` fills.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("partner_watchlist"):
        return  # made by `create_schema` already, and the same as this revision
    op.create_table(
        "partner_watchlist",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("stix_id", sa.String(200), nullable=False),
        sa.Column("tlp", sa.String(16), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("type", "value", "source", name="uq_partner_watchlist_entry"),
    )
    op.create_index("ix_partner_watchlist_lookup", "partner_watchlist", ["type", "value"])


def downgrade() -> None:
    op.drop_table("partner_watchlist")
