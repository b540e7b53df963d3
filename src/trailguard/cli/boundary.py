"""The CLI's one error boundary: whatever a command fails on outside its own logic (an unwritable file, a full
disk, a database that is down or is not one, a bad setting, a worker killed by the system) ends it with one
line on stderr that names the setting or option to fix, and exit status 2; never a traceback.

It wraps every command, so no command needs its own handlers for these and a new command is covered too.
A bug (any other exception) still shows its traceback: hiding it would hide the bug. Usage errors raised while
a command runs are printed as one line the same way, through the terminal sanitiser like every other line.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import typer
from typer._click.exceptions import ClickException  # the click typer bundles; typer exports no alias
from typer.core import TyperGroup

from trailguard.cli.terminal import echo, install_log_handler
from trailguard.settings import SettingsError, default_database_url, env_name, hide_password


class FaultBoundary(TyperGroup):
    """The Typer group class of the `trailguard` app (see app.py)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["trailguard.args"] = list(args)  # kept to name the option a failed path came from
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        install_log_handler()
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group called bare: its help is printed
                raise
            echo(f"Error: {exc.format_message()}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            line = describe_fault(exc, lambda: _parameters(self, ctx))
            if line is None:
                raise
            echo(f"Error: {line}", err=True)
            raise typer.Exit(2) from None


def describe_fault(exc: BaseException, parameters: Any = lambda: iter(())) -> str | None:
    """One line for an environment fault, naming what to fix; None for anything else (a bug).

    `parameters` gives (option name, value) pairs of the command, to name the option a failed path came from.
    """
    if isinstance(exc, SettingsError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno != errno.EPIPE:
        return _os_error(exc, list(parameters()))
    if isinstance(exc, MemoryError):
        return "out of memory: free memory or scan fewer items at once (see docs/deployment.md)"
    sa = sys.modules.get("sqlalchemy.exc")  # not imported: cannot be a database error
    if sa is not None and isinstance(exc, sa.DBAPIError | sa.ArgumentError):
        reason = str(exc.orig) if isinstance(exc, sa.DBAPIError) and exc.orig is not None else str(exc)
        first = next((line.strip() for line in reason.splitlines() if line.strip()), type(exc).__name__)
        return f"{env_name('database_url')}={_database_url()}: {first}"
    pool = sys.modules.get("concurrent.futures.process")
    if pool is not None and isinstance(exc, pool.BrokenProcessPool):
        return (
            "a scan worker process was killed (by the system, perhaps out of memory); "
            f"lower {env_name('workers')} or --workers, or free memory"
        )
    return None


def _os_error(exc: OSError, parameters: Iterable[tuple[str, object]]) -> str:
    what = exc.strerror or str(exc)
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    where = ": " + " -> ".join(os.fsdecode(n) for n in names) if names else ""
    for target in names:
        option = _option_for(Path(os.fsdecode(target)), parameters)
        if option is not None:
            return f"{option}: {what}{where}"
    return f"{what}{where}"


def _option_for(target: Path, parameters: Iterable[tuple[str, object]]) -> str | None:
    """`--out DIR` when `target` is DIR or lies in it (the longest such path wins); None when no option named it."""
    best: tuple[int, str] | None = None
    target = Path(os.path.abspath(target))
    for name, value in parameters:
        for v in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(v, str | Path) or v in ("", "-"):
                continue
            path = Path(os.path.abspath(v))
            if target == path or target.is_relative_to(path):
                depth = len(path.parts)
                if best is None or depth > best[0]:
                    best = (depth, f"{name} {v}")
    return None if best is None else best[1]


def _parameters(group: TyperGroup, ctx: Any) -> Iterator[tuple[str, object]]:
    """(option or argument name, value) of the command that failed, parsed again from the arguments the
    boundary kept (resilient parsing: nothing is validated or run twice)."""
    args = list(ctx.meta.get("trailguard.args", []))
    command: Any = group
    parent = ctx
    while args and hasattr(command, "resolve_command"):
        try:
            name, command, args = command.resolve_command(parent, args)
            parent = command.make_context(name, list(args), parent=parent, resilient_parsing=True)
        except Exception:  # the command line parsed once already; if not again, no option is named
            return
        for param in command.params:
            option = param.param_type_name == "option" and param.opts
            yield param.opts[0] if option else str(param.name).upper(), parent.params.get(param.name)
        args = [*getattr(parent, "_protected_args", []), *parent.args]


def _database_url() -> str:
    """The database URL in use, its password hidden."""
    url = os.environ.get(env_name("database_url")) or default_database_url()
    return hide_password(url)
