"""The one way Trailguard text reaches a terminal: control characters made visible, never obeyed.

Item ids, file names, indicator evidence and error messages all come from hostile input. Printed raw, an id
holding `ESC[31m` recolours the summary, a file named with `ESC[2J` clears the analyst's screen, and an OSC
sequence can retitle the window or plant a link. So every console (`console()`), every log line
(`install_log_handler`) and every error line of the CLI goes through `safe()`, and JSON written to stdout
goes through `json_line()`.

Hand-written because no maintained library covers both cases: rich strips only a few controls (BEL, BS, CR...)
and keeps ESC, and JSON encoders escape C0 controls but leave C1 controls (U+009B is CSI on its own) and
bidirectional overrides (which make a terminal show text in another order than it is written).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
from rich.console import Console
from rich.text import Text

# C0 controls except tab and newline (each is shown, never a line break: one record, one line), DEL, the C1
# controls, and the bidirectional embeddings, overrides and isolates.
_UNSAFE = [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F)]
_UNSAFE += [*range(0x2066, 0x206A)]
_SHOWN = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _UNSAFE}
# Inside JSON text those characters can only stand in strings, where `\uXXXX` means the same character: the
# line stays the same JSON value while no terminal sees the raw control. C0 is escaped by orjson already.
_JSON_SHOWN = {code: f"\\u{code:04x}" for code in _UNSAFE if code >= 0x7F}


def safe(text: object) -> str:
    """`text` with every control, C1 and bidi character written as a visible escape (`\\x1b`, `\\u202e`).

    Newlines are escaped too: a caller that prints several lines prints them one `safe()` call each.
    """
    return str(text).translate(_SHOWN)


def json_line(obj: object, *, indent: bool = False) -> str:
    """One JSON value (on one line unless `indent`), safe to print: the same value as `orjson.dumps(obj)`
    reads back."""
    option = orjson.OPT_INDENT_2 if indent else None
    return orjson.dumps(obj, option=option).decode().translate(_JSON_SHOWN)


def emit_json(obj: object, *, indent: bool = False) -> None:
    """Write one JSON result to stdout, made safe, and flush (a pipe reader sees each result at once)."""
    sys.stdout.write(json_line(obj, indent=indent) + "\n")
    sys.stdout.flush()


class SafeConsole(Console):
    """A rich Console that never interprets text as markup or emoji and renders every string through
    `safe()`: table cells, titles and printed lines alike (rich turns all of them into Text here)."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(safe(text), **kwargs)


def console(*, stderr: bool = False) -> SafeConsole:
    """The console every command prints through."""
    return SafeConsole(stderr=stderr, markup=False, emoji=False, highlight=False)


def echo(text: object, *, err: bool = False) -> None:
    """One line of plain text (a result, a rejected record, an error) to stdout or stderr, made safe."""
    stream = sys.stderr if err else sys.stdout
    stream.write(safe(text) + "\n")
    stream.flush()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (as logging's own last-resort handler does), so a test
    runner that swaps stderr sees the lines."""

    def __init__(self) -> None:
        logging.Handler.__init__(self, logging.WARNING)

    @property
    def stream(self) -> Any:
        return sys.stderr


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # The traceback of a logged exception keeps its lines; each line is made safe on its own.
        return "\n".join(safe(line) for line in super().format(record).split("\n"))


def install_log_handler() -> None:
    """Log warnings and errors to stderr as safe lines (the stages log file names and reader failures).

    Installed once on the root logger by the CLI, before any worker is forked, so workers log the same way.
    """
    root = logging.getLogger()
    if any(isinstance(h.formatter, _SafeFormatter) for h in root.handlers):
        return
    handler = _StderrHandler()
    handler.setFormatter(_SafeFormatter("%(message)s"))
    root.addHandler(handler)
