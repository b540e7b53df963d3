"""The partner watch list: identifiers partners shared (STIX indicators and observables), on the store's
`metadata` so `create_schema` and the migrations (revision 0007) see it.

One row per (type, value, source): the same phone number shared by two partners is two rows, so each
partner's marking and label stay with what that partner said. File hashes do not come here; they go to a
hash bank, where matching already looks.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint

from trailguard.store.db import metadata

WATCH_TYPES: tuple[str, ...] = ("phone", "email", "url", "domain", "crypto")

partner_watchlist = Table(
    "partner_watchlist",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),  # one of WATCH_TYPES, named as extraction names entities
    Column("value", Text, nullable=False),  # normalised as extraction writes it (phone E.164, `btc:addr`)
    Column("source", String(200), nullable=False),  # the partner: the bundle's author identity, or --source
    Column("stix_id", String(200), nullable=False),  # the indicator or observable it came from
    Column("tlp", String(16), nullable=False),  # clear, green, amber, amber+strict, red; "" when unmarked
    Column("label", Text, nullable=False),  # the indicator's name, as the partner wrote it
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(64), nullable=False),
    UniqueConstraint("type", "value", "source", name="uq_partner_watchlist_entry"),
    Index("ix_partner_watchlist_lookup", "type", "value"),
)
