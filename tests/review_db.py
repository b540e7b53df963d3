"""Fresh databases for the review and API tests: a SQLite file, or a new database on the PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


@contextmanager
def fresh_database(kind: str, tmp_path: Path, postgres_url: str | None) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards (PostgreSQL)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tg.db'}"
        return
    assert postgres_url is not None
    name = f"tg_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_items(url: str, count: int) -> list[str]:
    """Store `count` synthetic ads (fictional 555-01xx numbers) at every band in turn; their ids."""
    from trailguard.model import Assessment, Entity, Hit, Item, Span
    from trailguard.store.writer import Store

    bands = [("low", 0.1), ("medium", 0.4), ("high", 0.65), ("critical", 0.9)]
    pairs = []
    for i in range(count):
        band, score = bands[i % 4]
        phone = f"+1617555{100 + i % 100:04d}"
        body = f"new in town, call six1seven 555 01{i % 100:02d} <script>alert({i})</script>"
        item = Item(id=f"ad-{i}", kind="ad", text=body, location="Boston, MA", platform="example.com")
        hit = Hit(
            "ads.obscured_phone",
            "deception",
            0.35,
            "A",
            [Span(12, 21, "six1seven")],
            "digits as words",
            "src",
        )
        pairs.append(
            (
                item,
                Assessment(
                    item_id=item.id,
                    kind="ad",
                    entities=[Entity("phone", phone, "six1seven", 12, 21, True)],
                    hits=[hit],
                    score=score + i / 10_000,
                    band=band,
                    text=body,
                ),
            )
        )
    store = Store(url)
    scan = store.start_scan(["seed.jsonl"])
    store.save_assessed(scan, pairs)
    store.finish_scan(scan, read=count, assessed=count, rejected=0)
    store.engine.dispose()
    return [item.id for item, _ in pairs]


def console(url: str, tmp_path: Path, items: int, people: dict[str, str]) -> tuple[object, dict[str, str]]:
    """A migrated store with `items` seeded ads, filled queues and one user per name -> role; the audit log
    and each user's API token."""
    from trailguard.review import audit, schema, users, work
    from trailguard.store.db import make_engine

    engine = make_engine(url)
    schema.upgrade(engine)
    seed_items(url, items)
    log = audit.AuditLog(engine, audit.Anchor(tmp_path / "audit-key.pem", tmp_path / "checkpoint.json"))
    tokens = {}
    with log.begin() as conn:
        for name, role in people.items():
            user = users.add_user(conn, name, role, "correct horse battery", by="test")
            tokens[name] = users.new_token(conn, user, by="test")
        work.fill(conn, by="test")
    return log, tokens


def seed_network(url: str, items: list[str]) -> str:
    """Store one synthetic network over stored `items`: a shared handle whose value is hostile markup (for
    the escaping tests), a hub e-mail recorded but not used to link, a template over all of them and a
    circuit of two places; its id."""
    from trailguard.model import LinkReason, Network
    from trailguard.store.writer import Store

    handle = 'example:<img src=x onerror="window.pwned=1">'
    network = Network(
        id="net-" + "0123456789abcdef",
        items=sorted(items),
        reasons=[
            LinkReason("shared_handle", handle, sorted(items[:2])),
            LinkReason("shared_email", "desk@example.org", sorted(items), {"hub": "on many posts"}, False),
            LinkReason("template", "tpl:new in town", sorted(items), {"template": "new in town, call *"}),
        ],
        places=[
            {"place": "Boston, MA", "first_seen": "2026-01-02", "last_seen": "2026-01-05", "items": 2},
            {"place": "Worcester, MA", "first_seen": "2026-01-09", "last_seen": "2026-01-09", "items": 1},
        ],
        score=0.7,
        band="high",
        templates=[
            {"template": "new in town, call * <script>alert(1)</script>", "slots": [], "items": items}
        ],
    )
    store = Store(url)
    scan = store.start_scan(["link"])
    store.save_networks(scan, [network])
    store.finish_scan(scan, read=0, assessed=0, rejected=0)
    store.engine.dispose()
    return network.id
