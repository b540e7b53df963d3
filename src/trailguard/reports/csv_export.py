"""The identifiers of an approved case as CSV, for partners without STIX.

One row per captured page, per attached item and per identifier, with the same names as STIX import and the
watch list use (`phone`, `email`, `url`, `crypto`, ...). Every cell goes through csvsafe, because values
are attacker-written and partners open the file in a spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from trailguard.csvsafe import safe_row
from trailguard.reports.case_content import CaseContent

COLUMNS: tuple[str, ...] = ("case_id", "record", "type", "value", "item_id", "url", "sha256", "at")


def rows(content: CaseContent) -> Iterator[tuple[str, ...]]:
    for c in content.captures:
        yield (content.case_id, "capture", "url", c.url, "", c.url, c.sha256, c.at)
    for item in content.items:
        yield (content.case_id, "item", item.kind, item.id, item.id, item.url or "", "", item.posted_at or "")
        for ident in item.identifiers:
            yield (content.case_id, "identifier", ident.type, ident.value, item.id, item.url or "", "", "")


def write(content: CaseContent, out: TextIO) -> int:
    """Write the header and every row; returns the number of rows (not counting the header)."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows(content):
        writer.writerow(safe_row(row))
        count += 1
    return count
