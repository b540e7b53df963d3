"""Routes of the work itself: items, queues and their filters, routing rules, jobs, claims, decisions (with
second review and the escalation hook) and appeals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from trailguard.api.auth import Admin, Anyone, Context, Manager, Worker, context
from trailguard.model import KINDS
from trailguard.review import appeals, cases, routing, work
from trailguard.review.filters import MAX_TEXT, JobFilter

router = APIRouter(prefix="/api")
Ctx = Annotated[Context, Depends(context)]
JobId = Annotated[int, Path(ge=1, le=2**62)]
QueueId = Annotated[int, Path(ge=1, le=2**62)]
Band = Literal["low", "medium", "high", "critical"]
Kind = Literal[KINDS]  # type: ignore[valid-type]
Action = Literal["dismiss", "escalate", "confirm", "report"]
Cap = Annotated[int | None, Field(ge=1, le=10_000)]
Text200 = Annotated[str | None, Field(min_length=1, max_length=MAX_TEXT)]


class QueueSettings(BaseModel):
    second_review: list[Action] = Field(
        [], max_length=4, description="Actions a second, different reviewer must decide again."
    )
    severe_cap: Cap = Field(None, description="Severe-band jobs handed to one reviewer per UTC day.")


class NewQueue(QueueSettings):
    name: str = Field(min_length=1, max_length=64)
    min_band: Band = "medium"
    kind: Kind | None = None
    description: str = Field("", max_length=2000)


class NewRoute(BaseModel):
    queue: str = Field(min_length=1, max_length=64, description="Made if it does not exist.")
    indicator: Annotated[str | None, Field(min_length=1, max_length=128)] = Field(
        None, description="An indicator id; `*` matches any characters (ads.minor_*)."
    )
    platform: Text200 = None
    kind: Kind | None = None
    place: Text200 = Field(None, description="A prefix of the item's location, any case.")
    min_band: Band | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


class Appeal(BaseModel):
    appellant: str = Field(min_length=1, max_length=appeals.MAX_APPELLANT, description="On whose behalf.")
    body: str = Field(min_length=1, max_length=appeals.MAX_BODY)


class AppealOutcome(BaseModel):
    outcome: Literal["upheld", "overturned"]
    reason: str = Field(min_length=1, max_length=appeals.MAX_BODY)


class CaseLink(BaseModel):
    case_id: str = Field(min_length=1, max_length=64)


def job_filter(
    score_min: Annotated[float | None, Query(ge=0, le=100)] = None,
    score_max: Annotated[float | None, Query(ge=0, le=100)] = None,
    band: Annotated[list[Band] | None, Query(max_length=4, description="Repeat for several.")] = None,
    kind: Kind | None = None,
    indicator: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    place: Annotated[str | None, Query(min_length=1, max_length=MAX_TEXT, description="Prefix.")] = None,
    platform: Annotated[str | None, Query(min_length=1, max_length=MAX_TEXT)] = None,
    min_age_hours: Annotated[float | None, Query(ge=0, le=87_600)] = None,
    max_age_hours: Annotated[float | None, Query(ge=0, le=87_600)] = None,
) -> JobFilter:
    """The queue filters, from query parameters (each optional; all given must hold)."""
    return JobFilter(
        score_min,
        score_max,
        tuple(band or ()),
        kind,
        indicator,
        place,
        platform,
        min_age_hours,
        max_age_hours,
    )


Filter = Annotated[JobFilter, Depends(job_filter)]


class Decision(BaseModel):
    action: Literal["dismiss", "escalate", "confirm", "report"]
    reason: str = Field(min_length=1, max_length=work.MAX_REASON)
    policy: str = Field(min_length=1, max_length=work.MAX_POLICY)


class Hold(BaseModel):
    reason: str = Field(min_length=1, max_length=work.MAX_REASON)


class Reassign(BaseModel):
    user: str = Field(min_length=1, max_length=64)


class Comment(BaseModel):
    body: str = Field(min_length=1, max_length=work.MAX_COMMENT)


@router.get("/items/{item_id:path}")
def read_item(item_id: Annotated[str, Path(max_length=512)], user: Anyone, ctx: Ctx) -> dict[str, Any]:
    """The stored item, its assessment with every hit (evidence, weight, source) and its decisions."""
    with work.viewing_item(ctx.log, item_id, user) as conn:
        return work.view_item(conn, item_id)


@router.get("/queues")
def list_queues(user: Anyone, ctx: Ctx) -> list[dict[str, Any]]:
    return work.list_queues(ctx.log.engine)


@router.post("/queues", status_code=201)
def create_queue(body: NewQueue, user: Admin, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        return work.create_queue(
            conn,
            body.name,
            body.min_band,
            body.kind,
            body.description,
            by=user.name,
            second_review=list(body.second_review),
            severe_cap=body.severe_cap,
        )


@router.put("/queues/{queue_id}/settings")
def configure_queue(queue_id: QueueId, body: QueueSettings, user: Admin, ctx: Ctx) -> dict[str, Any]:
    """Set the queue's second-review actions and severe-band cap."""
    with ctx.log.begin() as conn:
        work.configure_queue(conn, queue_id, user.name, list(body.second_review), body.severe_cap)
    return next(q for q in work.list_queues(ctx.log.engine) if q["id"] == queue_id)


@router.get("/routes")
def list_routes(user: Admin, ctx: Ctx) -> list[dict[str, Any]]:
    """The routing rules in the order they are tried."""
    return routing.list_rules(ctx.log.engine)


@router.post("/routes", status_code=201)
def add_route(body: NewRoute, user: Admin, ctx: Ctx) -> dict[str, Any]:
    """Append a routing rule (tried last); it applies to items that get jobs from now on."""
    with ctx.log.begin() as conn:
        return routing.add_rule(conn, by=user.name, **body.model_dump())


@router.delete("/routes/{route_id}", status_code=204)
def remove_route(route_id: Annotated[int, Path(ge=1, le=2**62)], user: Admin, ctx: Ctx) -> Response:
    with ctx.log.begin() as conn:
        routing.remove_rule(conn, route_id, user.name)
    return Response(status_code=204)


@router.post("/queues/fill")
def fill_queues(user: Manager, ctx: Ctx) -> dict[str, int]:
    """Make jobs for stored assessments the queues take and lack (as `trailguard queue fill`)."""
    with ctx.log.begin() as conn:
        return work.fill(conn, by=user.name)


@router.get("/queues/{queue_id}/jobs")
def list_jobs(
    queue_id: QueueId,
    user: Anyone,
    ctx: Ctx,
    where: Filter,
    status: Literal["open", "held", "decided"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """The queue's jobs in the order they are handed out (priority, then score), filtered."""
    return work.list_jobs(ctx.log.engine, queue_id, status, limit, offset, where)


@router.post("/queues/{queue_id}/next", responses={204: {"description": "The queue has no job to hand out."}})
def next_job(queue_id: QueueId, user: Worker, ctx: Ctx, where: Filter) -> Any:
    """Claim the first open job of the queue that passes the filters; concurrent callers always get
    different jobs, and never the second review of their own decision."""
    with ctx.log.begin() as conn:
        job_id = work.next_job(conn, queue_id, user, ctx.settings.claim_minutes, where)
    if job_id is None:
        return Response(status_code=204)
    return work.get_job(ctx.log.engine, job_id)


@router.get("/jobs/{job_id}")
def read_job(job_id: JobId, user: Anyone, ctx: Ctx) -> dict[str, Any]:
    return work.get_job(ctx.log.engine, job_id)


@router.post("/jobs/{job_id}/claim")
def claim(job_id: JobId, user: Worker, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        work.claim(conn, job_id, user, ctx.settings.claim_minutes)
    return work.get_job(ctx.log.engine, job_id)


@router.post("/jobs/{job_id}/release")
def release(job_id: JobId, user: Worker, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        work.release(conn, job_id, user)
    return work.get_job(ctx.log.engine, job_id)


@router.post("/jobs/{job_id}/hold")
def hold(job_id: JobId, body: Hold, user: Worker, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        work.hold(conn, job_id, user, body.reason)
    return work.get_job(ctx.log.engine, job_id)


@router.post("/jobs/{job_id}/reassign")
def reassign(job_id: JobId, body: Reassign, user: Manager, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        work.reassign(conn, job_id, body.user, user, ctx.settings.claim_minutes)
    return work.get_job(ctx.log.engine, job_id)


@router.post(
    "/jobs/{job_id}/decision",
    status_code=201,
    responses={502: {"description": "The escalation's external step failed; nothing was recorded."}},
)
def decide(job_id: JobId, body: Decision, user: Worker, ctx: Ctx, request: Request) -> dict[str, Any]:
    """Decide a job you have claimed (a decision is never changed). In a queue with second review for the
    action, another reviewer must decide it again; a final escalation or report runs the server's
    escalation step, and if that fails the answer is 502 and the job stays claimed by you."""
    hook = getattr(request.app.state, "on_escalate", None)
    try:
        work.decide_logged(ctx.log, job_id, user, body.action, body.reason, body.policy, hook)
    except work.EscalationFailed as exc:
        raise HTTPException(502, f"not recorded, try again or tell an admin: {exc}") from exc
    return work.get_job(ctx.log.engine, job_id)


@router.post("/jobs/{job_id}/case")
def link_case(job_id: JobId, body: CaseLink, user: Worker, ctx: Ctx) -> dict[str, Any]:
    """Link the job to an evidence case (`trailguard case create`)."""
    with ctx.log.begin() as conn:
        cases.link(conn, job_id, body.case_id, user)
    return work.get_job(ctx.log.engine, job_id)


@router.post("/decisions/{decision_id}/appeals", status_code=201)
def file_appeal(
    decision_id: Annotated[int, Path(ge=1, le=2**62)], body: Appeal, user: Manager, ctx: Ctx
) -> dict[str, Any]:
    """File an appeal against a decision on behalf of the appellant (one appeal per decision)."""
    with ctx.log.begin() as conn:
        appeal_id = appeals.file(conn, decision_id, user, body.appellant, body.body)
    return appeals.get_appeal(ctx.log.engine, appeal_id)


@router.get("/appeals")
def list_appeals(
    user: Anyone,
    ctx: Ctx,
    status: Literal["open", "upheld", "overturned"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    return appeals.list_appeals(ctx.log.engine, status, limit, offset)


@router.get("/appeals/{appeal_id}")
def read_appeal(appeal_id: Annotated[int, Path(ge=1, le=2**62)], user: Anyone, ctx: Ctx) -> dict[str, Any]:
    return appeals.get_appeal(ctx.log.engine, appeal_id)


@router.post("/appeals/{appeal_id}/decision")
def decide_appeal(
    appeal_id: Annotated[int, Path(ge=1, le=2**62)], body: AppealOutcome, user: Worker, ctx: Ctx
) -> dict[str, Any]:
    """Uphold or overturn an appeal; refused (409) to the one who made the decision appealed against."""
    with ctx.log.begin() as conn:
        appeals.decide(conn, appeal_id, user, body.outcome, body.reason)
    return appeals.get_appeal(ctx.log.engine, appeal_id)


@router.post("/jobs/{job_id}/comments", status_code=201)
def add_comment(job_id: JobId, body: Comment, user: Worker, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        work.comment(conn, job_id, user, body.body)
    return work.get_job(ctx.log.engine, job_id)
