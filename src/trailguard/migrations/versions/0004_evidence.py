"""Evidence: cases and their hash-chained, signed custody log.

Tables already there are left alone: `create_schema` (which a scan still runs) makes them too, and they match
this revision.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("evidence_cases"):
        op.create_table(
            "evidence_cases",
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.String(64), nullable=False),
        )
    if not inspector.has_table("evidence_custody"):
        op.create_table(
            "evidence_custody",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("case_id", sa.String(64), sa.ForeignKey("evidence_cases.id"), nullable=False),
            sa.Column("seq", sa.Integer, nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("operator", sa.String(64), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("entry_hash", sa.String(64), nullable=False),
            sa.Column("signature", sa.String(128), nullable=False),
            sa.UniqueConstraint("case_id", "seq", name="uq_evidence_custody_case_seq"),
        )
        op.create_index("ix_evidence_custody_case_id", "evidence_custody", ["case_id"])


def downgrade() -> None:
    op.drop_table("evidence_custody")
    op.drop_table("evidence_cases")
