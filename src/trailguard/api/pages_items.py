"""The item and job pages, and the forms that work a job: claim, release, hold, decide, next job.

An item page shows the text with each piece of evidence highlighted (report.highlight, as the static report
does), every hit with its indicator, explanation, weight and source, the identifiers linked to their entity
pages, its images (blurred, see api.pages_images), its networks and, when the store holds more than one, its
versions and what changed between them. Each view is an audit event (review.work.view_item). The forms post
with the session's CSRF token and call review.work, which audits every change in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select

from trailguard.api.console_page import Ctx, ItemId, Seen, Visitor, check_csrf, page, refusal
from trailguard.model import Assessment, Item
from trailguard.report.highlight import highlight
from trailguard.report.html import TEXT_LIMIT, item_view
from trailguard.review import users, work
from trailguard.store import tables as st
from trailguard.store.versions import compare
from trailguard.store.writer import read_versions

router = APIRouter()
JobId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=100)]
Reason = Annotated[str, Form(max_length=work.MAX_REASON)]


def item_page_values(conn: Connection, item_id: str, who: Visitor) -> dict[str, Any]:
    """Everything the item template shows, read inside work.viewing_item (NotFound for an unknown id)."""
    found = work.view_item(conn, item_id)
    item = Item.from_dict(found["item"])
    if found["assessment"] is not None:
        assessment = Assessment.from_dict(found["assessment"])
        view = item_view(item, assessment)
    else:  # stored but never assessed: the text, escaped, with nothing marked
        assessment = None
        view = {"html": highlight(item.document(), [], TEXT_LIMIT), "entities": [], "entities_withheld": 0}
    ni = st.network_items
    networks = conn.execute(
        select(st.networks.c.id, st.networks.c.size, st.networks.c.band, st.networks.c.score)
        .join(ni, ni.c.network_id == st.networks.c.id)
        .where(ni.c.item_id == item_id)
        .order_by(st.networks.c.score.desc())
    ).all()
    versions = read_versions(conn, item_id)
    changes = [compare(old, new) for old, new in pairwise(versions)]
    images = assessment.images if assessment else []
    identifiers: dict[str, Any] = {}  # each identifier once, however often the text repeats it
    for e in view["entities"]:
        identifiers.setdefault(e.key(), e)
    return {
        "identifiers": list(identifiers.values()),
        "item": item,
        "a": assessment,
        "v": view,
        "decisions": found["decisions"],
        "networks": networks,
        "versions": [v.summary() for v in versions] if len(versions) > 1 else [],
        "changes": changes,
        "images": [(n, ref, images[n] if n < len(images) else None) for n, ref in enumerate(item.images)],
    }


@router.get("/items/{item_id:path}")
def item_page(item_id: ItemId, who: Seen, ctx: Ctx) -> Response:
    try:
        with work.viewing_item(ctx.log, item_id, who.user) as conn:
            values = item_page_values(conn, item_id, who)
    except work.NotFound as exc:
        return refusal(who, 404, str(exc))
    return page("item.html.j2", who, title=f"Item {item_id}", job=None, **values)


@router.get("/jobs/{job_id}")
def job_page(job_id: JobId, who: Seen, ctx: Ctx) -> Response:
    try:
        job = work.get_job(ctx.log.engine, job_id)
        with work.viewing_item(ctx.log, job["item_id"], who.user) as conn:
            values = item_page_values(conn, job["item_id"], who)
    except work.NotFound as exc:
        return refusal(who, 404, str(exc))
    mine = job["claimed_by"] == who.user.name and job["status"] == "open"
    workers = (
        [p["name"] for p in users.list_users(ctx.log.engine) if p["role"] in work.WORKERS]
        if who.user.role in ("admin", "analyst") and job["status"] != "decided"
        else []
    )
    return page(
        "item.html.j2",
        who,
        title=f"Job {job_id}",
        job=job,
        mine=mine,
        actions=sorted(("dismiss", "escalate", "confirm", "report")),
        workers=workers,
        **values,
    )


def _act(
    who: Visitor,
    csrf: str,
    job_id: int,
    ctx: Any,
    change: Callable[[Connection], object],
    roles: tuple[str, ...] = work.WORKERS,
) -> Response:
    """Run one change to a job for `roles`, in one transaction; back to the job page, or a page saying why not."""

    def in_transaction() -> None:
        with ctx.log.begin() as conn:
            change(conn)

    return _run(who, csrf, job_id, in_transaction, roles)


def _run(
    who: Visitor, csrf: str, job_id: int, action: Callable[[], object], roles: tuple[str, ...] = work.WORKERS
) -> Response:
    check_csrf(who, csrf)
    if who.user.role not in roles:
        return refusal(who, 403, f"a {who.user.role} may not do this")
    try:
        action()
    except work.NotFound as exc:
        return refusal(who, 404, str(exc))
    except work.Conflict as exc:
        return refusal(who, 409, str(exc))
    except work.EscalationFailed as exc:
        return refusal(who, 502, f"not recorded, try again or tell an admin: {exc}")
    except ValueError as exc:
        return refusal(who, 422, str(exc))
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)


@router.post("/jobs/{job_id}/claim")
def claim(job_id: JobId, who: Seen, ctx: Ctx, csrf: Csrf) -> Response:
    minutes = ctx.settings.claim_minutes
    return _act(who, csrf, job_id, ctx, lambda conn: work.claim(conn, job_id, who.user, minutes))


@router.post("/jobs/{job_id}/release")
def release(job_id: JobId, who: Seen, ctx: Ctx, csrf: Csrf) -> Response:
    return _act(who, csrf, job_id, ctx, lambda conn: work.release(conn, job_id, who.user))


@router.post("/jobs/{job_id}/hold")
def hold(job_id: JobId, who: Seen, ctx: Ctx, csrf: Csrf, reason: Reason = "") -> Response:
    return _act(who, csrf, job_id, ctx, lambda conn: work.hold(conn, job_id, who.user, reason))


@router.post("/jobs/{job_id}/decision")
def decide(
    job_id: JobId,
    request: Request,
    who: Seen,
    ctx: Ctx,
    csrf: Csrf,
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Reason = "",
    policy: Annotated[str, Form(max_length=work.MAX_POLICY)] = "",
) -> Response:
    hook = getattr(request.app.state, "on_escalate", None)  # the external step of a final report (reports)
    return _run(
        who,
        csrf,
        job_id,
        lambda: work.decide_logged(ctx.log, job_id, who.user, action, reason, policy, hook),
    )


@router.post("/jobs/{job_id}/reassign")
def reassign(
    job_id: JobId, who: Seen, ctx: Ctx, csrf: Csrf, user: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """Make an undecided job another reviewer's or analyst's claim (admins and analysts)."""
    minutes = ctx.settings.claim_minutes
    return _act(
        who,
        csrf,
        job_id,
        ctx,
        lambda conn: work.reassign(conn, job_id, user, who.user, minutes),
        roles=("admin", "analyst"),
    )


@router.post("/queues/{queue_id}/next")
def next_job(queue_id: Annotated[int, Path(ge=1, le=2**62)], who: Seen, ctx: Ctx, csrf: Csrf) -> Response:
    """Claim the queue's best open job and open it; back to the queues when there is none left."""
    check_csrf(who, csrf)
    if not who.works:
        return refusal(who, 403, f"a {who.user.role} does not work jobs")
    try:
        with ctx.log.begin() as conn:
            job_id = work.next_job(conn, queue_id, who.user, ctx.settings.claim_minutes)
    except work.NotFound as exc:
        return refusal(who, 404, str(exc))
    if job_id is None:
        return RedirectResponse(f"/console/queues?empty={queue_id}", status_code=303)
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)
