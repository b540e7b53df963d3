"""What an approved case holds, read once for every report format: captures, attached items, identifiers.

A case's content is its custody log: `capture` entries (URL, hops, WARC file and its SHA-256), `note`
entries, `attach` entries naming store items (evidence.attach: `attached: item`, `item`), and the `approve`
entry a reviewer signed. Items and their identifiers are read from the store by the attached ids. A case
whose custody chain does not verify, or that no reviewer approved, is refused: a report must never carry
evidence that was altered or that nobody signed off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from trailguard.evidence import custody
from trailguard.store import tables as st

# Entity types that identify an account or a contact; facts (age, price, place) are not identifiers.
IDENTIFIER_TYPES: tuple[str, ...] = ("phone", "email", "url", "handle", "payment", "crypto")
MAX_ITEMS = 10_000  # attached items read into one report


class NotApprovedError(custody.CaseError):
    """The case has no reviewer's approval, or its custody log does not verify."""


@dataclass(frozen=True, slots=True)
class Captured:
    """One captured page: the WARC file in the case archive and what it holds."""

    url: str
    file: str
    sha256: str
    at: str  # when the capture entry was signed (ISO 8601, UTC)
    operator: str
    final_status: int | None


@dataclass(frozen=True, slots=True)
class Identifier:
    type: str  # one of IDENTIFIER_TYPES
    value: str  # normalised as extraction writes it (phone E.164, crypto `btc:...`)
    item_id: str


@dataclass(slots=True)
class CaseItem:
    id: str
    kind: str
    platform: str | None
    url: str | None
    author: str | None
    posted_at: str | None
    identifiers: list[Identifier] = field(default_factory=list)


@dataclass(slots=True)
class CaseContent:
    case_id: str
    title: str
    approved_by: str
    approved_at: str
    captures: list[Captured] = field(default_factory=list)
    items: list[CaseItem] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)  # attached ids the store no longer has
    notes: list[str] = field(default_factory=list)

    def urls(self) -> list[str]:
        """Captured URLs, then item URLs, each once, in that order."""
        seen = [c.url for c in self.captures] + [i.url for i in self.items if i.url]
        return list(dict.fromkeys(seen))

    def identifiers(self) -> list[Identifier]:
        """Every identifier of every item, each (type, value) once (the first item that has it)."""
        out: dict[tuple[str, str], Identifier] = {}
        for item in self.items:
            for ident in item.identifiers:
                out.setdefault((ident.type, ident.value), ident)
        return list(out.values())


def _attached_ids(details: dict[str, Any]) -> list[str]:
    """The store item an `attach` entry names (evidence.attach.item_details); a bank entry names none."""
    item = details.get("item") if details.get("attached") == "item" else None
    return [item] if isinstance(item, str) and item else []


def load(engine: Engine, case_id: str) -> CaseContent:
    """The approved case's content; NotApprovedError when unapproved or tampered, CaseError when unknown."""
    row = custody.case_row(engine, case_id)
    chain = custody.entries(engine, case_id)
    problems = custody.check_chain(chain, case_id)
    if problems:
        raise NotApprovedError(
            f"case {case_id} cannot be reported: its custody log does not verify ({'; '.join(problems[:3])})"
        )
    fields = [e.fields for e in chain]
    approvals = [f for f in fields if f["kind"] == "approve"]
    if not approvals:
        raise NotApprovedError(
            f"case {case_id} is not approved for reporting: a reviewer must approve it first "
            f"(`trailguard case approve {case_id} --user NAME`, or in the console)"
        )
    content = CaseContent(
        case_id=case_id,
        title=row["title"],
        approved_by=approvals[-1]["operator"],
        approved_at=approvals[-1]["at"],
    )
    attached: list[str] = []
    for f in fields:
        details = f.get("details") or {}
        if f["kind"] == "capture" and isinstance(details.get("url"), str):
            hops = details.get("hops") or []
            content.captures.append(
                Captured(
                    url=details["url"],
                    file=str(details.get("file", "")),
                    sha256=str(details.get("sha256", "")),
                    at=f["at"],
                    operator=f["operator"],
                    final_status=hops[-1].get("status") if hops and isinstance(hops[-1], dict) else None,
                )
            )
        elif f["kind"] == "note" and isinstance(details.get("text"), str):
            content.notes.append(details["text"])
        elif f["kind"] == "attach":
            attached.extend(_attached_ids(details))
    attached = list(dict.fromkeys(attached))[:MAX_ITEMS]
    content.items, content.missing_items = _items(engine, attached)
    return content


def _items(engine: Engine, ids: list[str]) -> tuple[list[CaseItem], list[str]]:
    if not ids:
        return [], []
    found: dict[str, CaseItem] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for r in conn.execute(
                select(
                    st.items.c.id,
                    st.items.c.kind,
                    st.items.c.platform,
                    st.items.c.url,
                    st.items.c.author,
                    st.items.c.posted_at,
                ).where(st.items.c.id.in_(chunk))
            ):
                found[r.id] = CaseItem(r.id, r.kind, r.platform, r.url, r.author, r.posted_at)
            for e in conn.execute(
                select(st.entities.c.item_id, st.entities.c.type, st.entities.c.value)
                .where(st.entities.c.item_id.in_(chunk), st.entities.c.type.in_(IDENTIFIER_TYPES))
                .order_by(st.entities.c.item_id, st.entities.c.position)
            ):
                found[e.item_id].identifiers.append(Identifier(e.type, e.value, e.item_id))
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]
