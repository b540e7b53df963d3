"""The review model: routing rules, queue filters' job columns, second review, appeals, links to cases.

Columns are added to review_jobs and review_queues without foreign keys (SQLite would have to rebuild the
tables, and with foreign keys on, dropping the old review_jobs would cascade into the decisions); the code
keeps them consistent. Jobs made before this revision get their kind, platform and place from their items.

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
JOB_COLUMNS = (
    sa.Column("kind", sa.String(16)),
    sa.Column("platform", sa.String(200)),
    sa.Column("place", sa.String(200)),
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
    sa.Column("route_id", sa.Integer),
    sa.Column("review_of", sa.Integer),
    sa.Column("case_id", sa.String(64)),
)


def upgrade() -> None:
    for column in JOB_COLUMNS:
        op.add_column("review_jobs", column)
    op.add_column("review_queues", sa.Column("second_review", sa.String(64)))
    op.add_column("review_queues", sa.Column("severe_cap", sa.Integer))
    op.drop_index("ix_review_jobs_next", "review_jobs")
    op.create_index("ix_review_jobs_pick", "review_jobs", ["queue_id", "status", "priority", "score"])
    op.create_index("ix_review_jobs_kind", "review_jobs", ["queue_id", "status", "kind", "priority", "score"])
    op.create_index(
        "ix_review_jobs_platform", "review_jobs", ["queue_id", "status", "platform", "priority", "score"]
    )
    op.create_index("ix_review_jobs_place", "review_jobs", ["queue_id", "place"])
    op.create_index("ix_review_jobs_item", "review_jobs", ["item_id"])
    op.create_index("ix_review_jobs_review_of", "review_jobs", ["review_of"])
    items = sa.table(
        "items", sa.column("id"), sa.column("kind"), sa.column("platform"), sa.column("location")
    )
    jobs = sa.table(
        "review_jobs", sa.column("item_id"), *(sa.column(n) for n in ("kind", "platform", "place"))
    )
    of_item = sa.select(items).where(items.c.id == jobs.c.item_id)
    op.execute(
        jobs.update().values(
            kind=of_item.with_only_columns(items.c.kind).scalar_subquery(),
            platform=of_item.with_only_columns(sa.func.substr(items.c.platform, 1, 200)).scalar_subquery(),
            place=of_item.with_only_columns(
                sa.func.lower(sa.func.substr(items.c.location, 1, 200))
            ).scalar_subquery(),
        )
    )
    op.create_table(
        "review_routes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("position", sa.Integer, nullable=False, unique=True),
        sa.Column(
            "queue_id", sa.Integer, sa.ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("indicator", sa.String(128)),
        sa.Column("platform", sa.String(200)),
        sa.Column("kind", sa.String(16)),
        sa.Column("place", sa.String(200)),
        sa.Column("min_band", sa.String(16)),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "review_appeals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "decision_id",
            sa.Integer,
            sa.ForeignKey("review_decisions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("filed_by", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
        sa.Column("appellant", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("review_users.id")),
        sa.Column("outcome_reason", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ),
    )


def downgrade() -> None:
    op.drop_table("review_appeals")
    op.drop_table("review_routes")
    for name in (
        "ix_review_jobs_review_of",
        "ix_review_jobs_item",
        "ix_review_jobs_place",
        "ix_review_jobs_platform",
        "ix_review_jobs_kind",
    ):
        op.drop_index(name, "review_jobs")
    op.drop_index("ix_review_jobs_pick", "review_jobs")
    op.create_index("ix_review_jobs_next", "review_jobs", ["queue_id", "status", "score"])
    # Plain DROP COLUMN (SQLite 3.35 or later): a batch rebuild of review_jobs would drop the old table,
    # which with foreign keys on deletes the decisions and comments that reference it.
    op.drop_column("review_queues", "severe_cap")
    op.drop_column("review_queues", "second_review")
    for column in reversed(JOB_COLUMNS):
        op.drop_column("review_jobs", column.name)
