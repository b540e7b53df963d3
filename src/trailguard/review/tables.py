"""The tables of review state, on the store's `metadata` (created by migration 0002, see migrations/).

Decisions and audit events are append-only: the code never updates or deletes them, and the audit log's hash
chain (see `review.audit`) shows it when anyone else does.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from trailguard.store.db import metadata

ROLES: tuple[str, ...] = ("admin", "analyst", "reviewer", "auditor")
ACTIONS: tuple[str, ...] = ("dismiss", "escalate", "confirm", "report")

users = Table(
    "review_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters and salt
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "review_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("review_users.id", ondelete="CASCADE"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),  # never the token itself
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

sessions = Table(
    "review_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),  # the cookie's value is never stored
    Column("user_id", Integer, ForeignKey("review_users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

queues = Table(
    "review_queues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("min_band", String(16), nullable=False),  # routing: items at this band or above
    Column("kind", String(16)),  # routing: only items of this kind (NULL: every kind)
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Actions that a second reviewer must confirm ("confirm,report"; NULL: none), see review.second.
    Column("second_review", String(64)),
    # The most jobs of the most severe bands (SEVERE) one reviewer is handed in this queue per UTC day
    # (NULL: no cap), see review.wellness.
    Column("severe_cap", Integer),
)

jobs = Table(
    "review_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue_id", Integer, ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", String(512), ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("score", Float, nullable=False),  # the assessment's when the job was made: the queue's order
    Column("band", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # open, held, decided
    Column("claimed_by", Integer, ForeignKey("review_users.id")),
    Column("claim_expires_at", DateTime(timezone=True)),
    Column("held_by", Integer, ForeignKey("review_users.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Copied from the item when the job is made (migration 0006), so that queue filters are indexed
    # lookups on this table instead of joins into the store's JSON. Plain columns without foreign keys:
    # SQLite cannot add a constraint to an existing table without rebuilding it.
    Column("kind", String(16)),
    Column("platform", String(200)),
    Column("place", String(200)),  # the item's location, lower-cased, for prefix filters
    Column("priority", Integer, nullable=False, server_default="0"),  # from the routing rule; higher first
    Column("route_id", Integer),  # the review_routes rule that made it (NULL: a queue's own band rule)
    Column("review_of", Integer),  # a second-review job: the review_decisions row it checks
    Column("case_id", String(64)),  # the evidence case (evidence_cases.id) it is linked to
    UniqueConstraint("queue_id", "item_id", name="uq_review_jobs_queue_item"),
    Index("ix_review_jobs_pick", "queue_id", "status", "priority", "score"),
    # Equality filters in the hand-out order: the first jobs that pass are read from the index, unsorted.
    Index("ix_review_jobs_kind", "queue_id", "status", "kind", "priority", "score"),
    Index("ix_review_jobs_platform", "queue_id", "status", "platform", "priority", "score"),
    Index("ix_review_jobs_place", "queue_id", "place"),
    Index("ix_review_jobs_item", "item_id"),
    Index("ix_review_jobs_review_of", "review_of"),
)

# How many jobs each queue has in each status, for the queue page: counting 100k jobs took most of its time.
# Written only by triggers on review_jobs (migration 0008), one row per change (+1 or -1), never updated in
# place, so concurrent writers never wait on a shared counter row (nor deadlock on two); a status's count is
# the sum of its rows, folded into one row per (queue, status) by `review.work.fold_counts`. No foreign key:
# the rows of a deleted queue's cascaded jobs arrive after the queue is gone, and sum to nothing.
queue_counts = Table(
    "review_queue_counts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("n", Integer, nullable=False),
)

# Routing rules: evaluated in `position` order when jobs are made; the first rule an item matches puts it in
# that rule's queue (with the rule's priority). A condition left NULL matches everything.
routes = Table(
    "review_routes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("position", Integer, nullable=False, unique=True),
    Column("queue_id", Integer, ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False),
    Column("indicator", String(128)),  # an indicator id, `*` matching any characters ("ads.minor_*")
    Column("platform", String(200)),
    Column("kind", String(16)),
    Column("place", String(200)),  # prefix of the item's location, any case
    Column("min_band", String(16)),
    Column("priority", Integer, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One appeal per decision (the unique constraint makes two racing filings one success and one conflict).
appeals = Table(
    "review_appeals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "decision_id",
        Integer,
        ForeignKey("review_decisions.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("filed_by", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("appellant", String(200), nullable=False),  # on whose behalf (the poster, a platform, ...)
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open, upheld, overturned
    Column("decided_by", Integer, ForeignKey("review_users.id")),
    Column("outcome_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
)

decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, ForeignKey("review_jobs.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("item_id", String(512), nullable=False, index=True),
    Column("user_id", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("action", String(16), nullable=False),  # dismiss, escalate, confirm, report
    Column("reason", Text, nullable=False),
    Column("policy", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

comments = Table(
    "review_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, ForeignKey("review_jobs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The hash chain: `hash` = SHA-256(previous hash + canonical JSON of seq, at, actor, action, target, details).
# `at` is kept as the ISO text that was hashed, and `details` as its canonical JSON, so that reading a row back
# on either database gives the bytes that were hashed.
audit_events = Table(
    "review_audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row: the chain's head. Appending updates it first, which serialises writers on both databases (a row
# lock on PostgreSQL, the write lock on SQLite) so that no two events get the same number or predecessor.
audit_head = Table(
    "review_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
