"""Review state: users, API tokens, sessions, queues, jobs, decisions, comments and the audit log.

Tables already there are left alone: a process that imported the review tables before this revision ran
may have had `create_all` make them (they match this revision).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
USER = "review_users.id"


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("review_users"):
        op.create_table(
            "review_users",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(64), nullable=False, unique=True),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("password_hash", sa.Text, nullable=False),
            sa.Column("failed_logins", sa.Integer, nullable=False),
            sa.Column("locked_until", TZ),
            sa.Column("created_at", TZ, nullable=False),
        )
    if _missing("review_api_tokens"):
        op.create_table(
            "review_api_tokens",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("user_id", sa.Integer, sa.ForeignKey(USER, ondelete="CASCADE"), nullable=False),
            sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
            sa.Column("created_at", TZ, nullable=False),
            sa.Column("revoked_at", TZ),
        )
    if _missing("review_sessions"):
        op.create_table(
            "review_sessions",
            sa.Column("id_sha256", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.Integer, sa.ForeignKey(USER, ondelete="CASCADE"), nullable=False),
            sa.Column("csrf_token", sa.String(64), nullable=False),
            sa.Column("created_at", TZ, nullable=False),
            sa.Column("expires_at", TZ, nullable=False),
        )
    if _missing("review_queues"):
        op.create_table(
            "review_queues",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(64), nullable=False, unique=True),
            sa.Column("description", sa.Text, nullable=False),
            sa.Column("min_band", sa.String(16), nullable=False),
            sa.Column("kind", sa.String(16)),
            sa.Column("created_at", TZ, nullable=False),
        )
    if _missing("review_jobs"):
        op.create_table(
            "review_jobs",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "queue_id", sa.Integer, sa.ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False
            ),
            sa.Column(
                "item_id", sa.String(512), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
            ),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("band", sa.String(16), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("claimed_by", sa.Integer, sa.ForeignKey(USER)),
            sa.Column("claim_expires_at", TZ),
            sa.Column("held_by", sa.Integer, sa.ForeignKey(USER)),
            sa.Column("created_at", TZ, nullable=False),
            sa.UniqueConstraint("queue_id", "item_id", name="uq_review_jobs_queue_item"),
        )
        op.create_index("ix_review_jobs_next", "review_jobs", ["queue_id", "status", "score"])
    if _missing("review_decisions"):
        op.create_table(
            "review_decisions",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "job_id",
                sa.Integer,
                sa.ForeignKey("review_jobs.id", ondelete="CASCADE"),
                nullable=False,
                unique=True,
            ),
            sa.Column("item_id", sa.String(512), nullable=False),
            sa.Column("user_id", sa.Integer, sa.ForeignKey(USER), nullable=False),
            sa.Column("action", sa.String(16), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("policy", sa.String(128), nullable=False),
            sa.Column("created_at", TZ, nullable=False),
        )
        op.create_index("ix_review_decisions_item_id", "review_decisions", ["item_id"])
    if _missing("review_comments"):
        op.create_table(
            "review_comments",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "job_id", sa.Integer, sa.ForeignKey("review_jobs.id", ondelete="CASCADE"), nullable=False
            ),
            sa.Column("user_id", sa.Integer, sa.ForeignKey(USER), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("created_at", TZ, nullable=False),
        )
        op.create_index("ix_review_comments_job_id", "review_comments", ["job_id"])
    if _missing("review_audit_events"):
        op.create_table(
            "review_audit_events",
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("at", sa.String(40), nullable=False),
            sa.Column("actor", sa.String(64), nullable=False),
            sa.Column("action", sa.String(64), nullable=False),
            sa.Column("target", sa.Text, nullable=False),
            sa.Column("details", sa.Text, nullable=False),
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
        )
    if _missing("review_audit_head"):
        op.create_table(
            "review_audit_head",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("seq", sa.Integer, nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
        )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM review_audit_head")).scalar_one() == 0:
        bind.execute(
            sa.text("INSERT INTO review_audit_head (id, seq, hash) VALUES (1, 0, :genesis)"),
            {"genesis": "0" * 64},
        )


def downgrade() -> None:
    for name in ("review_audit_head", "review_audit_events", "review_comments", "review_decisions", "review_jobs",
                 "review_queues", "review_sessions", "review_api_tokens", "review_users"):  # fmt: skip
        op.drop_table(name)
