"""Cells safe to open in a spreadsheet: partner labels and hostile item ids must not run as formulas.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` (and, after
trimming, a tab or carriage return) as a formula, so `=HYPERLINK(...)` in a partner's label would become a
live link in an analyst's sheet (OWASP "CSV injection"). No library does this one-line job, so it is here,
shared by every CSV writer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number or an E.164 phone number (`+16175550123`, `-12`, `1.5e3`) stays as it is: spreadsheets
# read it as a value, never a formula, and quoting it would corrupt the identifier.
_PLAIN_NUMBER = re.compile(r"\A[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def safe_cell(value: object) -> object:
    """The value to write: a string that a spreadsheet would run as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """`safe_cell` over a row (any iterable of cells)."""
    return [safe_cell(v) for v in values]
