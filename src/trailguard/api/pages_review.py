"""Console pages for appeals and evidence cases: lists, a page for each, and the forms that decide an appeal
and approve a case, for a browser with a session cookie.

They share the console's templates, session, CSRF check and Content-Security-Policy (api.console_page). The
action itself is the same review function the API calls, so the rules (someone other than the decider, one
outcome per appeal, a signed approval) hold here too. A refused action shows the page again with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Response
from fastapi.responses import RedirectResponse

from trailguard.api.auth import WORKERS, Context, context
from trailguard.api.console_page import Seen, check_csrf, page
from trailguard.evidence.location import evidence_dir
from trailguard.review import appeals, cases, work

router = APIRouter(prefix="/console", include_in_schema=False)
Ctx = Annotated[Context, Depends(context)]
LISTED = 200
AppealId = Annotated[int, Path(ge=1, le=2**62)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/appeals")
def appeals_page(who: Seen, ctx: Ctx) -> Response:
    rows = appeals.list_appeals(ctx.log.engine, None, LISTED, 0)
    return page("review_appeals.html.j2", who, title="Appeals", appeals=rows)


def _appeal_page(ctx: Context, who: Seen, appeal_id: int, problem: str = "") -> Response:
    appeal = appeals.get_appeal(ctx.log.engine, appeal_id)
    user = who.user
    may_decide = appeal["status"] == "open" and user.role in WORKERS and appeal["decided_by"] != user.name
    return page(
        "review_appeal.html.j2",
        who,
        409 if problem else 200,
        title=f"Appeal {appeal_id}",
        appeal=appeal,
        may_decide=may_decide,
        problem=problem,
    )


@router.get("/appeals/{appeal_id}")
def appeal_page(appeal_id: AppealId, who: Seen, ctx: Ctx) -> Response:
    return _appeal_page(ctx, who, appeal_id)


@router.post("/appeals/{appeal_id}")
def appeal_form(
    appeal_id: AppealId,
    who: Seen,
    ctx: Ctx,
    outcome: Annotated[Literal["upheld", "overturned"], Form()],
    reason: Annotated[str, Form(min_length=1, max_length=appeals.MAX_BODY)],
    csrf: Annotated[str, Form(max_length=128)],
) -> Response:
    check_csrf(who, csrf)
    try:
        with ctx.log.begin() as conn:
            appeals.decide(conn, appeal_id, who.user, outcome, reason)
    except work.Conflict as exc:
        return _appeal_page(ctx, who, appeal_id, str(exc))
    return RedirectResponse(f"/console/appeals/{appeal_id}", status_code=303)


@router.get("/cases")
def cases_page(who: Seen, ctx: Ctx) -> Response:
    rows = cases.list_cases(ctx.log.engine, LISTED, 0)
    return page("review_cases.html.j2", who, title="Cases", cases=rows)


def _case_page(ctx: Context, who: Seen, case_id: str, problem: str = "") -> Response:
    with ctx.log.begin() as conn:
        case: dict[str, Any] = cases.read_case(conn, case_id, who.user)
    return page(
        "review_case.html.j2",
        who,
        409 if problem else 200,
        title=f"Case {case_id}",
        case=case,
        may_approve=who.user.role in WORKERS and who.user.name not in case["approved_by"],
        problem=problem,
    )


@router.get("/cases/{case_id}")
def case_page(case_id: CaseId, who: Seen, ctx: Ctx) -> Response:
    return _case_page(ctx, who, case_id)


@router.post("/cases/{case_id}")
def case_form(case_id: CaseId, who: Seen, ctx: Ctx, csrf: Annotated[str, Form(max_length=128)]) -> Response:
    check_csrf(who, csrf)
    if who.user.role not in WORKERS:
        return _case_page(ctx, who, case_id, f"a {who.user.role} may not approve cases")
    cases.approve(ctx.log, evidence_dir(ctx.settings) / "keys", case_id, who.user)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)
