"""The evidence tables, on the store's one `metadata` (so `create_schema` and the migrations see them).

A custody entry keeps the exact canonical JSON that was hashed and signed (`body`), so verifying never
depends on re-serialising columns; the other columns are copies for querying.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from trailguard.store.db import metadata

evidence_cases = Table(
    "evidence_cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)

evidence_custody = Table(
    "evidence_custody",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("evidence_cases.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("operator", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    UniqueConstraint(
        "case_id", "seq", name="uq_evidence_custody_case_seq"
    ),  # two writers cannot fork the chain
)
