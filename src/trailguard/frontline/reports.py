"""Public reports: a suspicious page, account or ad reported by anyone, made an item in the review queue.

A report is stored as a `post` item whose platform is "public report" (what the person saw is its text, the
page they name its URL, the platform they name in `extra`), with an unscored assessment (band low, score 0:
nothing has judged it yet), and put straight into the `public-reports` queue, all in one transaction with its
audit event. The identifiers in what the person saw (phones, e-mails, handles, ...) are extracted as a scan
would, so a reviewer sees them and later scans link the report to ads that share them. Nothing about the reporter is kept but the contact they chose to give; no IP address is stored.
The reporter gets a reference; the item's id is derived from its hash, so the status can be found from the
reference and the reference cannot be found from the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine, insert, select

from trailguard.extract import extract_entities
from trailguard.frontline.references import digest, new_reference
from trailguard.model import Assessment, Item
from trailguard.pipeline.analyze import cap_entities
from trailguard.review import audit, work
from trailguard.review import tables as rt
from trailguard.review.audit import AuditLog
from trailguard.store import tables as st
from trailguard.store.writer import entity_rows_of

SOURCE = "public report"
PREFIX = "TGR"
ACTOR = "public"
MAX_URL, MAX_PLATFORM, MAX_SEEN, MAX_CONTACT = 2000, 100, 5000, 200


@dataclass(frozen=True, slots=True)
class PublicReport:
    url: str
    platform: str
    seen: str
    contact: str = ""


def _clean(what: str, value: str, limit: int, required: bool) -> str:
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise ValueError(f"{what} is required")
    if len(value) > limit:
        raise ValueError(f"{what} must have at most {limit} characters, got {len(value)}")
    return value


def checked(url: str, platform: str, seen: str, contact: str = "") -> PublicReport:
    """A report whose fields fit their bounds; ValueError naming the field otherwise. The URL is kept as text
    for a reviewer and never fetched by Trailguard."""
    url = _clean("url", url, MAX_URL, required=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("url must be a web address starting with http:// or https://")
    return PublicReport(
        url=url,
        platform=_clean("platform", platform, MAX_PLATFORM, required=False),
        seen=_clean("seen", seen, MAX_SEEN, required=True),
        contact=_clean("contact", contact, MAX_CONTACT, required=False),
    )


def item_id(reference: str) -> str:
    return f"public-report:{digest(reference)[:40]}"


def submit(log: AuditLog, report: PublicReport, region: str, max_entities: int) -> str:
    """Store the report as an item with a job in the public-reports queue; the reporter's reference.
    `region` reads phone numbers written without a country code; `max_entities` caps what is kept."""
    reference = new_reference(PREFIX)
    now = datetime.now(UTC)
    extra: dict[str, object] = {"source": SOURCE, "received_at": now.isoformat(timespec="seconds")}
    if report.platform:
        extra["reported_platform"] = report.platform
    if report.contact:
        extra["contact"] = report.contact
    item = Item(
        id=item_id(reference), kind="post", platform=SOURCE, url=report.url, text=report.seen, extra=extra
    )
    entities, truncated = cap_entities(extract_entities(report.seen, region=region), max_entities)
    assessment = Assessment(
        item_id=item.id,
        kind="post",
        entities=entities,
        hits=[],
        score=0.0,
        band="low",
        platform=SOURCE,
        text=report.seen,
        entities_truncated=truncated,
    )
    sha = item.content_hash()
    with log.begin() as conn:
        scan = conn.execute(
            insert(st.scans).values(
                started_at=now,
                finished_at=now,
                inputs=[SOURCE],
                read=1,
                assessed=1,
                rejected=0,
                status="finished",
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(st.items).values(
                id=item.id,
                kind=item.kind,
                platform=SOURCE,
                url=item.url,
                source_file=SOURCE,
                content_sha256=sha,
                data=item.to_dict(),
                first_scan_id=scan,
                last_scan_id=scan,
            )
        )
        conn.execute(
            insert(st.assessments).values(
                item_id=item.id, score=0.0, band="low", data=assessment.to_dict(), scan_id=scan
            )
        )
        conn.execute(
            insert(st.item_versions).values(
                item_id=item.id,
                content_sha256=sha,
                kind=item.kind,
                score=0.0,
                band="low",
                item=item.to_dict(),
                assessment=assessment.to_dict(),
                first_scan_id=scan,
                last_scan_id=scan,
            )
        )
        if entities:
            conn.execute(insert(st.entities), entity_rows_of(item.id, entities))
        work.add_job(conn, work.PUBLIC_REPORTS, item.id, ACTOR)
        audit.record(
            conn, ACTOR, "public_report.receive", f"item:{item.id}", {"contact_given": bool(report.contact)}
        )
    return reference


def status(engine: Engine, reference: str) -> str | None:
    """received (waiting for a reviewer), in_review (a reviewer has it), reviewed; None for no such report.
    Never the decision itself: that is for the people handling the case."""
    j = rt.jobs
    with engine.connect() as conn:
        rows = conn.execute(select(j.c.status, j.c.claimed_by).where(j.c.item_id == item_id(reference))).all()
    if not rows:
        return None
    if any(r.status == "decided" for r in rows):
        return "reviewed"
    if any(r.status == "held" or r.claimed_by is not None for r in rows):
        return "in_review"
    return "received"
