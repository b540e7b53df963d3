"""Routes of evidence cases in review: list and read them (every role), approve one for reporting
(reviewers and analysts): a signed custody entry in the approver's name, as `trailguard case approve`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from trailguard.api.auth import Anyone, Context, Worker, context
from trailguard.evidence.location import evidence_dir
from trailguard.review import cases

router = APIRouter(prefix="/api")
Ctx = Annotated[Context, Depends(context)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/cases")
def list_cases(
    user: Anyone,
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Cases, newest first, with how many jobs are linked and who approved each."""
    return cases.list_cases(ctx.log.engine, limit, offset)


@router.get("/cases/{case_id}")
def read_case(case_id: CaseId, user: Anyone, ctx: Ctx) -> dict[str, Any]:
    """A case, its custody log (checked) and its jobs; the view is an audit event."""
    with ctx.log.begin() as conn:
        return cases.read_case(conn, case_id, user)


@router.post("/cases/{case_id}/approve")
def approve_case(case_id: CaseId, user: Worker, ctx: Ctx) -> dict[str, Any]:
    """Approve the case for reporting: a signed `approve` custody entry by you."""
    return cases.approve(ctx.log, evidence_dir(ctx.settings) / "keys", case_id, user)
