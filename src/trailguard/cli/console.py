"""`trailguard db upgrade`, `users`, `queue fill`, `queue route`, `audit verify` and `serve`: the console's
commands.

Each opens the store through `_store`, which refuses one that is behind the migrations with the command that
fixes it (`cli.store_ready`, the check `scan` makes too). The review, API and server modules are imported
inside the commands, so `trailguard --help` and the scan do not pay for them. `offer_console` ends `demo`.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trailguard.cli import terminal
from trailguard.cli.app import app
from trailguard.cli.store_ready import store_at_head
from trailguard.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from trailguard.review.audit import AuditLog

db_app = typer.Typer(help="The store's schema: migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Console users, their roles and API tokens.", no_args_is_help=True)
queue_app = typer.Typer(help="Review queues.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(queue_app, name="queue")
app.add_typer(audit_app, name="audit")
route_app = typer.Typer(
    help="Routing rules: which queue new items go to (first match wins).", no_args_is_help=True
)
queue_app.add_typer(route_app, name="route")

Role = Annotated[str, typer.Option("--role", help="admin, analyst, reviewer or auditor")]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli:unknown"


def _store(settings: Settings) -> AuditLog:
    """The audit log over the configured store; exit 1 naming `trailguard db upgrade` if it is behind."""
    from trailguard.review.audit import AuditLog, anchor_for

    engine = store_at_head(settings.database_url)
    anchor = anchor_for(settings.database_url, settings.audit_key_file, settings.audit_checkpoint_file)
    return AuditLog(engine, anchor)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the store's schema up to date (a store made before migrations is stamped at the baseline)."""
    from trailguard.review.schema import upgrade
    from trailguard.store.db import make_engine

    engine = make_engine(Settings.from_env().database_url)
    before = upgrade(engine)
    if before.legacy:
        typer.echo("store made before migrations: stamped at baseline 0001")
    if before.behind:
        start = before.current or ("0001" if before.legacy else "nothing")
        typer.echo(f"upgraded from {start} to {before.head}")
    else:
        typer.echo(f"already at {before.head}")


@users_app.command("add")
def users_add(
    name: str,
    role: Role,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (one line).")
    ] = False,
) -> None:
    """Add a user with a role; the password is read from standard input."""
    from trailguard.review.users import MAX_PASSWORD, add_user

    if not password_stdin:
        typer.echo("error: give the password on standard input with --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline(MAX_PASSWORD + 2).removesuffix("\n").removesuffix("\r")
    log = _store(Settings.from_env())
    try:
        with log.begin() as conn:
            user = add_user(conn, name, role, password, by=_actor())
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"added {user.name} ({user.role})")


@users_app.command("token")
def users_token(name: str) -> None:
    """Print a new API token for the user (send it as `Authorization: Bearer TOKEN`)."""
    from trailguard.review.users import find_user, new_token

    log = _store(Settings.from_env())
    with log.begin() as conn:
        user = find_user(conn, name)
        if user is None:
            typer.echo(f"error: no user {name!r}", err=True)
            raise typer.Exit(1)
        typer.echo(new_token(conn, user, by=_actor()))


@queue_app.command("fill")
def queue_fill() -> None:
    """Make a job for each stored assessment a queue takes and lacks (the default queue: medium and above)."""
    from trailguard.review.work import fill

    log = _store(Settings.from_env())
    with log.begin() as conn:
        made = fill(conn, by=_actor())
    for name, count in made.items():
        typer.echo(f"{name}: {count} new jobs")


@route_app.command("add")
def route_add(
    queue: Annotated[str, typer.Argument(help="The queue matching items go to (made if missing).")],
    indicator: Annotated[
        str | None, typer.Option(help="Indicator id; * matches any characters (ads.minor_*).")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="The item's platform, exactly.")] = None,
    kind: Annotated[str | None, typer.Option(help="ad, job, post, profile or chat.")] = None,
    place: Annotated[str | None, typer.Option(help="A prefix of the item's location, any case.")] = None,
    min_band: Annotated[str | None, typer.Option(help="low, medium, high or critical.")] = None,
    priority: Annotated[str, typer.Option(help="low, normal, high or urgent.")] = "normal",
) -> None:
    """Add a routing rule, tried after the existing ones; it applies to items that get jobs from now on."""
    from trailguard.cli.terminal import echo, emit_json
    from trailguard.review.routing import add_rule

    log = _store(Settings.from_env())
    try:
        with log.begin() as conn:
            rule = add_rule(
                conn,
                queue,
                _actor(),
                indicator=indicator,
                platform=platform,
                kind=kind,
                place=place,
                min_band=min_band,
                priority=priority,
            )
    except ValueError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    emit_json(rule)


@route_app.command("list")
def route_list() -> None:
    """The routing rules in the order they are tried, one JSON object a line."""
    from trailguard.cli.terminal import emit_json
    from trailguard.review.routing import list_rules

    for rule in list_rules(_store(Settings.from_env()).engine):
        emit_json(rule)


@route_app.command("remove")
def route_remove(rule_id: Annotated[int, typer.Argument(help="The rule's id (see `list`).", min=1)]) -> None:
    """Remove a routing rule; jobs it made stay where they are."""
    from trailguard.cli.terminal import echo
    from trailguard.review.routing import remove_rule

    log = _store(Settings.from_env())
    try:
        with log.begin() as conn:
            remove_rule(conn, rule_id, _actor())
    except LookupError as exc:
        echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from exc
    echo(f"removed rule {rule_id}")


def fill_after_scan(settings: Settings) -> None:
    """Make jobs for what a scan stored, through the routing rules, when the store has the review schema
    (a store that was never upgraded has no queues: nothing to do, and the scan is not the place to say so)."""
    from trailguard.cli.terminal import echo
    from trailguard.review.audit import AuditLog, anchor_for
    from trailguard.review.schema import state
    from trailguard.review.work import fill
    from trailguard.store.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        if state(engine).behind:
            return
        anchor = anchor_for(settings.database_url, settings.audit_key_file, settings.audit_checkpoint_file)
        log = AuditLog(engine, anchor)
        with log.begin() as conn:
            made = fill(conn, by="scan")
        echo(f"review queues: {sum(made.values())} new jobs", err=True)
    finally:
        engine.dispose()


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain against the signed checkpoint; exit 1 naming the first bad entry."""
    from trailguard.review.audit import verify

    log = _store(Settings.from_env())
    verdict = verify(log.engine, log.anchor)
    if not verdict.ok:
        typer.echo(f"audit log NOT intact: {verdict.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {verdict.count} entries, anchored by {log.anchor.path}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes sharing the port (one Python process uses one core at most); claims "
            "and the audit chain are kept by the database, so any number is safe.",
            min=1,
            max=64,
        ),
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log a line per request (off by default: the audit log records every view already, and "
            "writing the line costs the server time under load).",
        ),
    ] = False,
) -> None:
    """Serve the console's HTTP API on TRAILGUARD_DATABASE_URL (jobs are made for new items at start)."""
    import uvicorn

    from trailguard.review.work import fill

    settings = Settings.from_env()
    log = _store(settings)
    with log.begin() as conn:
        made = fill(conn, by="serve")
    typer.echo(f"queues filled: {made}", err=True)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "access_log": access_log}
    if workers == 1:
        uvicorn.run(_console_app(log, settings), **options)
    else:  # each worker process builds its own application (engine, key) from the same environment
        typer.echo(
            f"note: {workers} workers: the public pages' proof-of-work key, spent challenges and rate limit "
            "are each worker's own (a challenge solved for one is refused by another): serve the public "
            "pages from a --workers 1 server (docs/deployment.md)",
            err=True,
        )
        log.engine.dispose()
        uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)


def _console_app(log: AuditLog, settings: Settings) -> FastAPI:
    from trailguard.api.app import create_app
    from trailguard.reports.escalation import escalation_hook

    hook = escalation_hook(log.engine, settings)  # reports to NCMEC when configured (docs/reports.md)
    return create_app(log, settings, on_escalate=hook)


def worker_app() -> FastAPI:
    """The application of one `serve --workers N` process (uvicorn calls it in each)."""
    settings = Settings.from_env()
    return _console_app(_store(settings), settings)


DEMO_ADMIN = "admin"


def offer_console(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Make the store ready to review and say how to open it: the queues filled, and the user `admin` with a
    new random password, printed this once (a rerun replaces it). Starts no server: `make demo` must end."""
    import secrets

    from trailguard.review.users import add_user, find_user, set_password
    from trailguard.review.work import fill

    password = secrets.token_urlsafe(18)
    log = _store(settings)
    with log.begin() as conn:
        if find_user(conn, DEMO_ADMIN) is None:
            add_user(conn, DEMO_ADMIN, "admin", password, by=_actor())
        else:
            set_password(conn, DEMO_ADMIN, password, by=_actor())
        made = fill(conn, by=_actor())
    log.engine.dispose()
    jobs = ", ".join(f"{count} new jobs in {name}" for name, count in made.items()) or "no new jobs"
    env = " (with TRAILGUARD_DATABASE_URL as now)" if os.environ.get("TRAILGUARD_DATABASE_URL") else ""
    terminal.echo(f"Console ready: {jobs}. It is not running; to review:")
    terminal.echo(f"  start it:  {_self_command()} serve --host {host} --port {port}{env}")
    terminal.echo(f"  open:      http://{host}:{port}/console/login")
    terminal.echo(
        f"  log in:    {DEMO_ADMIN} / {password}   (one-time: shown only now; a new demo makes another)"
    )


def _self_command() -> str:
    """How this `trailguard` was started (`.venv/bin/trailguard` under `make demo`), so the printed command
    works as it is; plain `trailguard` otherwise."""
    invoked = sys.argv[0] if sys.argv else ""
    return invoked if os.path.basename(invoked) == "trailguard" else "trailguard"
