"""Routes of the work itself: items, queues, jobs, claims and decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from trailguard.api.auth import Admin, Anyone, Context, Manager, Worker, context
from trailguard.model import KINDS
from trailguard.review import work

router = APIRouter(prefix="/api")
Ctx = Annotated[Context, Depends(context)]
JobId = Annotated[int, Path(ge=1, le=2**62)]
QueueId = Annotated[int, Path(ge=1, le=2**62)]
Band = Literal["low", "medium", "high", "critical"]


class NewQueue(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    min_band: Band = "medium"
    kind: Literal[KINDS] | None = None  # type: ignore[valid-type]
    description: str = Field("", max_length=2000)


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
    with ctx.log.begin() as conn:
        return work.view_item(conn, item_id, user)


@router.get("/queues")
def list_queues(user: Anyone, ctx: Ctx) -> list[dict[str, Any]]:
    return work.list_queues(ctx.log.engine)


@router.post("/queues", status_code=201)
def create_queue(body: NewQueue, user: Admin, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        return work.create_queue(conn, body.name, body.min_band, body.kind, body.description, by=user.name)


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
    status: Literal["open", "held", "decided"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    return work.list_jobs(ctx.log.engine, queue_id, status, limit, offset)


@router.post("/queues/{queue_id}/next", responses={204: {"description": "The queue has no job to hand out."}})
def next_job(queue_id: QueueId, user: Worker, ctx: Ctx) -> Any:
    """Claim the best open job of the queue; concurrent callers always get different jobs."""
    with ctx.log.begin() as conn:
        job_id = work.next_job(conn, queue_id, user, ctx.settings.claim_minutes)
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


@router.post("/jobs/{job_id}/decision", status_code=201)
def decide(job_id: JobId, body: Decision, user: Worker, ctx: Ctx) -> dict[str, Any]:
    """Decide a job you have claimed; final (a decision is never changed)."""
    with ctx.log.begin() as conn:
        work.decide(conn, job_id, user, body.action, body.reason, body.policy)
    return work.get_job(ctx.log.engine, job_id)


@router.post("/jobs/{job_id}/comments", status_code=201)
def add_comment(job_id: JobId, body: Comment, user: Worker, ctx: Ctx) -> dict[str, Any]:
    with ctx.log.begin() as conn:
        work.comment(conn, job_id, user, body.body)
    return work.get_job(ctx.log.engine, job_id)
