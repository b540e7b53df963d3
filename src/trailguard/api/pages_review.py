"""Console pages for appeals and evidence cases: lists, a page for each, and the forms that decide an appeal
and approve a case, for a browser with a session cookie.

They share the pages' templates, autoescaping and Content-Security-Policy (api.pages). Each form carries the
session's CSRF token, checked before anything is written; the action itself is the same review function the
API calls, so the rules (someone other than the decider, one outcome per appeal, a signed approval) hold here
too. A refused action shows the page again with the reason.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse

from trailguard.api.auth import SESSION_COOKIE, WORKERS, Context, context
from trailguard.api.pages import _page
from trailguard.cli.evidence import evidence_dir
from trailguard.review import appeals, cases, users, work
from trailguard.review.users import User

router = APIRouter(prefix="/console", include_in_schema=False)
Ctx = Annotated[Context, Depends(context)]
LISTED = 200
AppealId = Annotated[int, Path(ge=1, le=2**62)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


def _session(request: Request, ctx: Context) -> tuple[User, str] | None:
    return users.user_for_session(ctx.log.engine, request.cookies.get(SESSION_COOKIE, ""))


def _login() -> Response:
    return RedirectResponse("/console/login", status_code=303)


def _refused(csrf: str, sent: str) -> bool:
    return not secrets.compare_digest(csrf, sent)


@router.get("/appeals")
def appeals_page(request: Request, ctx: Ctx) -> Response:
    found = _session(request, ctx)
    if found is None:
        return _login()
    rows = appeals.list_appeals(ctx.log.engine, None, LISTED, 0)
    return _page("review_appeals.html.j2", title="Appeals", user=found[0], appeals=rows)


def _appeal_page(ctx: Context, user: User, csrf: str, appeal_id: int, problem: str = "") -> Response:
    appeal = appeals.get_appeal(ctx.log.engine, appeal_id)
    may_decide = appeal["status"] == "open" and user.role in WORKERS and appeal["decided_by"] != user.name
    return _page(
        "review_appeal.html.j2",
        status=409 if problem else 200,
        title=f"Appeal {appeal_id}",
        user=user,
        appeal=appeal,
        csrf=csrf,
        may_decide=may_decide,
        problem=problem,
    )


@router.get("/appeals/{appeal_id}")
def appeal_page(appeal_id: AppealId, request: Request, ctx: Ctx) -> Response:
    found = _session(request, ctx)
    if found is None:
        return _login()
    return _appeal_page(ctx, *found, appeal_id)


@router.post("/appeals/{appeal_id}")
def appeal_form(
    appeal_id: AppealId,
    request: Request,
    ctx: Ctx,
    outcome: Annotated[Literal["upheld", "overturned"], Form()],
    reason: Annotated[str, Form(min_length=1, max_length=appeals.MAX_BODY)],
    csrf_token: Annotated[str, Form(max_length=128)],
) -> Response:
    found = _session(request, ctx)
    if found is None:
        return _login()
    user, csrf = found
    if _refused(csrf, csrf_token):
        return _appeal_page(ctx, user, csrf, appeal_id, "the form is stale: load the page again")
    try:
        with ctx.log.begin() as conn:
            appeals.decide(conn, appeal_id, user, outcome, reason)
    except work.Conflict as exc:
        return _appeal_page(ctx, user, csrf, appeal_id, str(exc))
    return RedirectResponse(f"/console/appeals/{appeal_id}", status_code=303)


@router.get("/cases")
def cases_page(request: Request, ctx: Ctx) -> Response:
    found = _session(request, ctx)
    if found is None:
        return _login()
    rows = cases.list_cases(ctx.log.engine, LISTED, 0)
    return _page("review_cases.html.j2", title="Cases", user=found[0], cases=rows)


def _case_page(ctx: Context, user: User, csrf: str, case_id: str, problem: str = "") -> Response:
    with ctx.log.begin() as conn:
        case: dict[str, Any] = cases.read_case(conn, case_id, user)
    return _page(
        "review_case.html.j2",
        status=409 if problem else 200,
        title=f"Case {case_id}",
        user=user,
        case=case,
        csrf=csrf,
        may_approve=user.role in WORKERS and user.name not in case["approved_by"],
        problem=problem,
    )


@router.get("/cases/{case_id}")
def case_page(case_id: CaseId, request: Request, ctx: Ctx) -> Response:
    found = _session(request, ctx)
    if found is None:
        return _login()
    return _case_page(ctx, *found, case_id)


@router.post("/cases/{case_id}")
def case_form(
    case_id: CaseId, request: Request, ctx: Ctx, csrf_token: Annotated[str, Form(max_length=128)]
) -> Response:
    found = _session(request, ctx)
    if found is None:
        return _login()
    user, csrf = found
    if _refused(csrf, csrf_token):
        return _case_page(ctx, user, csrf, case_id, "the form is stale: load the page again")
    if user.role not in WORKERS:
        return _case_page(ctx, user, csrf, case_id, f"a {user.role} may not approve cases")
    cases.approve(ctx.log, evidence_dir(ctx.settings) / "keys", case_id, user)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)
