"""The public pages of `trailguard serve` (no account): screening aid, help directory, public report, and the
victim's on-device image hashing page, with the API under /api/public that their scripts call.

Every page is Jinja2 with autoescaping, in the visitor's language (`?lang=`, else Accept-Language), under a
CSP that allows only this server's own scripts, styles and requests: no tracking and nothing from a third
party. Every request body is read with a size bound before it is parsed; every write is rate-limited per
client address and, for reports and hash submissions, needs a solved proof of work (frontline.proof_of_work).
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field, ValidationError

from trailguard.api.auth import PUBLIC, SESSION_COOKIE, WORKERS, Context, context
from trailguard.api.console_page import PAGE_CSP
from trailguard.evidence import custody
from trailguard.evidence.location import evidence_dir
from trailguard.frontline import reports, victim_hashes
from trailguard.frontline.directory import load_directory
from trailguard.frontline.i18n import Catalogue, catalogue, negotiate
from trailguard.frontline.proof_of_work import ProofOfWork, ProofRefused
from trailguard.frontline.rate_limit import RateLimiter
from trailguard.frontline.references import normalise
from trailguard.frontline.screening import load_checklist, summarise
from trailguard.review import users
from trailguard.review.users import User

router = APIRouter()
CASE_ID = re.compile(r"case-[0-9a-f]{16}")  # as custody.create_case names cases
Ctx = Annotated[Context, Depends(context)]
EXIT_URL = "https://www.google.com/"  # neutral, and common enough in any history not to stand out
MAX_BODY = 16 * 1024  # bytes of any public request body: a report's longest text fits several times over
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
_STATIC_NAME = re.compile(r"^[a-z0-9-]+\.(js|css)$")

_env = Environment(
    loader=PackageLoader("trailguard.api", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


@dataclass(slots=True)
class Guards:
    pow: ProofOfWork
    limiter: RateLimiter


_guards_lock = threading.Lock()


def guards(request: Request, ctx: Ctx) -> Guards:
    """This app's proof-of-work issuer and rate limiter, made on first use from its settings."""
    with _guards_lock:
        found: Guards | None = getattr(request.app.state, "frontline", None)
        if found is None:
            found = Guards(
                ProofOfWork(ctx.settings.public_pow_bits), RateLimiter(ctx.settings.public_rate_limit, 60.0)
            )
            request.app.state.frontline = found
        return found


Guarded = Annotated[Guards, Depends(guards)]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limited(request: Request, g: Guarded) -> None:
    """429 with Retry-After once this client has used its requests for now."""
    key = _client(request)
    if not g.limiter.allow(key):
        raise HTTPException(
            429, "too many requests", headers={"Retry-After": str(g.limiter.retry_after(key))}
        )


Limited = Depends(limited)


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes MAX_BODY (whatever Content-Length says)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"request body over {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"request body over {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(orjson.loads(await _body(request)))
    except orjson.JSONDecodeError:
        raise HTTPException(422, "the body must be JSON") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, problems) from None


async def _form(request: Request) -> dict[str, list[str]]:
    return parse_qs((await _body(request)).decode("utf-8", "replace"), max_num_fields=100)


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI text for a route that reads its JSON body itself (bounded), so the document still shows it."""
    schema = {"content": {"application/json": {"schema": model.model_json_schema()}}, "required": True}
    return {**PUBLIC, "requestBody": schema}


# Pages ------------------------------------------------------------------------------------------------


def _lang(request: Request) -> str:
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def _page(request: Request, name: str, page: str, status: int = 200, **values: Any) -> HTMLResponse:
    lang = _lang(request)
    t: Catalogue = catalogue(lang)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    switch = f"{request.url.path}?{urlencode({**query, 'lang': t('lang.other')})}"
    html = _env.get_template(f"public/{name}").render(
        t=t, lang=lang, page=page, switch_url=switch, exit_url=EXIT_URL, **values
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP})


@router.get("/screening", include_in_schema=False)
def screening_page(request: Request) -> HTMLResponse:
    return _page(request, "screening.html.j2", "screening", checklist=load_checklist(), summary=None)


def _console_worker(request: Request, ctx: Context) -> tuple[User, str] | None:
    """The console user (and their session's CSRF token) of this browser, when one who works cases is logged
    in: only they are offered to save a summary to a case."""
    found = users.user_for_session(ctx.log.engine, request.cookies.get(SESSION_COOKIE, ""))
    return found if found is not None and found[0].role in WORKERS else None


@router.post("/screening", include_in_schema=False)
async def screening_summary(request: Request, ctx: Ctx) -> HTMLResponse:
    """The summary, rendered once from the ticked boxes and never stored (the response is no-store). A
    logged-in console worker is also offered a form to save it to a case; nobody else is."""
    form = await _form(request)
    checklist = load_checklist()
    summary = summarise(checklist, form.get("sign", []), minor=bool(form.get("minor")))
    worker = _console_worker(request, ctx)
    save = {"csrf": worker[1], "signs": summary.sign_ids} if worker else None
    return _page(request, "screening.html.j2", "screening", checklist=checklist, summary=summary, save=save)


@router.post("/screening/save", include_in_schema=False)
async def screening_save(request: Request, ctx: Ctx) -> Response:
    """Save a summary to an evidence case, by choice of a logged-in console worker: a signed custody note in
    their name holding the ticked signs' ids and the minor flag (no free text: nothing a visitor typed), and
    an audit event. The summary is rebuilt from the checklist, so only known signs are kept."""
    form = await _form(request)
    worker = _console_worker(request, ctx)
    if worker is None:
        raise HTTPException(403, "log in to the console as a reviewer or analyst to save a summary to a case")
    user, csrf = worker
    if not secrets.compare_digest((form.get("csrf") or [""])[0], csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page")
    case_id = (form.get("case") or [""])[0].strip()
    if not CASE_ID.fullmatch(case_id):
        raise HTTPException(422, "a case id looks like case-0123456789abcdef")
    summary = summarise(load_checklist(), form.get("sign", []), minor=bool(form.get("minor")))
    details = {
        "screening": {"signs": list(summary.sign_ids), "minor": summary.minor, "urgent": summary.urgent},
        "via": "screening page",
    }
    try:
        entry = custody.append(
            ctx.log.engine, evidence_dir(ctx.settings) / "keys", case_id, "note", user.name, details
        )
    except custody.CaseError as exc:
        raise HTTPException(404, str(exc)) from None
    ctx.log.record(user.name, "case.screening_saved", f"case:{case_id}", {"custody_hash": entry.entry_hash})
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.get("/help", include_in_schema=False)
def help_page(request: Request, country: Annotated[str, Query(max_length=2)] = "") -> HTMLResponse:
    directory = load_directory()
    code = country.upper() if country.upper() in directory.countries else ""
    return _page(
        request,
        "help.html.j2",
        "help",
        directory=directory,
        country=code,
        entries=directory.for_country(code) if code else (),
    )


@router.get("/report", include_in_schema=False)
def report_page(request: Request) -> HTMLResponse:
    return _page(request, "report.html.j2", "report")


@router.get("/report/status", include_in_schema=False)
def report_status_page(request: Request) -> HTMLResponse:
    return _page(request, "status.html.j2", "report", outcome=None)


@router.post("/report/status", include_in_schema=False, dependencies=[Limited])
async def report_status_form(request: Request, ctx: Ctx) -> HTMLResponse:
    reference = (await _form(request)).get("reference", [""])[0]
    try:
        found = reports.status(ctx.log.engine, normalise(reference))
    except ValueError:
        return _page(request, "status.html.j2", "report", status=422, outcome="status.invalid")
    return _page(request, "status.html.j2", "report", outcome=f"status.{found or 'unknown'}")


@router.get("/hash", include_in_schema=False)
def hash_page(request: Request) -> HTMLResponse:
    return _page(request, "hash.html.j2", "hash")


@router.get("/hash/withdraw", include_in_schema=False)
def withdraw_page(request: Request) -> HTMLResponse:
    return _page(request, "withdraw.html.j2", "hash", outcome=None)


@router.post("/hash/withdraw", include_in_schema=False, dependencies=[Limited])
async def withdraw_form(request: Request, ctx: Ctx) -> HTMLResponse:
    reference = (await _form(request)).get("reference", [""])[0]
    try:
        count = victim_hashes.withdraw(ctx.log.engine, normalise(reference))
    except ValueError:
        return _page(request, "withdraw.html.j2", "hash", status=422, outcome="withdraw.invalid")
    return _page(request, "withdraw.html.j2", "hash", outcome="withdraw.done" if count else "withdraw.none")


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    """This package's own scripts and styles (web/static), by exact name: no path, no other file type."""
    if not _STATIC_NAME.match(name) or not (STATIC / name).is_file():
        raise HTTPException(404, "no such file")
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(STATIC / name, media_type=media)


# API --------------------------------------------------------------------------------------------------


class Proof(BaseModel):
    challenge: str = Field(max_length=200)
    counter: str = Field(max_length=20)


class ReportIn(Proof):
    url: str = Field(max_length=reports.MAX_URL)
    platform: str = Field("", max_length=reports.MAX_PLATFORM)
    seen: str = Field(max_length=reports.MAX_SEEN)
    contact: str = Field("", max_length=reports.MAX_CONTACT)


class HashesIn(Proof):
    case: str = Field("", max_length=32, description="the page's case number; not stored")
    pdq: str | None = Field(None, max_length=64)
    quality: int | None = Field(None, ge=0, le=100)
    md5: str | None = Field(None, max_length=32)


class ReferenceIn(BaseModel):
    reference: str = Field(max_length=64)


def _proved(g: Guards, body: Proof) -> None:
    try:
        g.pow.verify(body.challenge, body.counter)
    except ProofRefused as exc:
        raise HTTPException(403, str(exc)) from None


@router.post("/api/public/challenge", openapi_extra=PUBLIC, dependencies=[Limited])
def challenge(g: Guarded) -> dict[str, Any]:
    """A proof-of-work challenge: find a counter so that SHA-256(token + ":" + counter) starts with `bits`
    zero bits, and send both with the report or submission before `expires` (Unix seconds)."""
    issued = g.pow.issue()
    return {"token": issued.token, "bits": issued.bits, "expires": issued.expires}


@router.post(
    "/api/public/reports", openapi_extra=_body_doc(ReportIn), dependencies=[Limited], status_code=201
)
async def submit_report(request: Request, ctx: Ctx, g: Guarded) -> JSONResponse:
    """Report a page, account or ad: it becomes an item in the review queue, marked "public report"."""
    body: ReportIn = await _json(request, ReportIn)
    _proved(g, body)
    report = reports.checked(body.url, body.platform, body.seen, body.contact)
    reference = reports.submit(ctx.log, report, ctx.settings.default_region, ctx.settings.max_entities)
    return JSONResponse({"reference": reference}, status_code=201)


@router.post("/api/public/reports/status", openapi_extra=_body_doc(ReferenceIn), dependencies=[Limited])
async def report_status(request: Request, ctx: Ctx) -> dict[str, str]:
    """received, in_review or reviewed; 404 for a reference with no report."""
    body: ReferenceIn = await _json(request, ReferenceIn)
    found = reports.status(ctx.log.engine, normalise(body.reference))
    if found is None:
        raise LookupError("no report with this reference")
    return {"status": found}


@router.post(
    "/api/public/victim-submissions",
    openapi_extra=_body_doc(HashesIn),
    dependencies=[Limited],
    status_code=201,
)
async def submit_hashes(request: Request, ctx: Ctx, g: Guarded) -> JSONResponse:
    """A person's own image, by its PDQ and/or MD5 code only, into the victim-submission bank; the reference
    that withdraws it."""
    body: HashesIn = await _json(request, HashesIn)
    _proved(g, body)
    reference = victim_hashes.submit(ctx.log.engine, body.pdq, body.quality, body.md5)
    return JSONResponse({"reference": reference}, status_code=201)


@router.post(
    "/api/public/victim-submissions/withdraw", openapi_extra=_body_doc(ReferenceIn), dependencies=[Limited]
)
async def withdraw_hashes(request: Request, ctx: Ctx) -> dict[str, int]:
    """Withdraw the request with this reference; how many hash entries stopped being used."""
    body: ReferenceIn = await _json(request, ReferenceIn)
    return {"withdrawn": victim_hashes.withdraw(ctx.log.engine, normalise(body.reference))}
