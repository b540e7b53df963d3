"""The custody log: per case, append-only, hash-chained, every entry signed by its operator.

An entry's body is canonical JSON (sorted keys, orjson) holding the case, its sequence number, the kind, the
time, the operator, the details, the previous entry's hash and the operator's public key. Its hash is the
SHA-256 of those bytes and its signature is Ed25519 over the same bytes. Editing an entry breaks its hash
and signature; removing, inserting or reordering breaks `seq` or `prev`; cutting the log short is caught by
the head (last hash and count) anchored in a signed export.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from trailguard.evidence import keys
from trailguard.evidence.tables import evidence_cases, evidence_custody
from trailguard.signing import canonical

KINDS = ("create", "capture", "attach", "view", "export", "transfer", "note", "approve")
GENESIS = "0" * 64


class CaseError(ValueError):
    """An unknown case or a custody act that is not allowed."""


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes  # the canonical JSON that was hashed and signed
    entry_hash: str
    signature: str

    @property
    def fields(self) -> dict[str, Any]:
        parsed: dict[str, Any] = orjson.loads(self.body)
        return parsed

    def to_record(self) -> dict[str, Any]:
        """The entry as the exported log and the CLI show it: its fields, hash and signature."""
        return {"entry": self.fields, "hash": self.entry_hash, "signature": self.signature}

    def to_line(self) -> bytes:
        """One JSON Lines record of the exported log (its `entry` re-serialised canonically is the body)."""
        return orjson.dumps(self.to_record())


def create_case(engine: Engine, keydir: Path, title: str, operator: str) -> str:
    """A new case and its first custody entry; returns the case id."""
    title = title.strip()
    if not title or len(title) > 500:
        raise CaseError("a case title must have 1-500 characters")
    case_id = f"case-{uuid.uuid4().hex[:16]}"
    keys.check_operator(operator)
    with engine.begin() as conn:
        conn.execute(
            insert(evidence_cases).values(
                id=case_id, title=title, created_at=datetime.now(UTC), created_by=operator
            )
        )
    append(engine, keydir, case_id, "create", operator, {"title": title})
    return case_id


def case_row(engine: Engine, case_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(evidence_cases).where(evidence_cases.c.id == case_id)).mappings().first()
    if row is None:
        raise CaseError(f"no case {case_id!r}")
    return dict(row)


def entries(engine: Engine, case_id: str) -> list[Entry]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(evidence_custody.c.body, evidence_custody.c.entry_hash, evidence_custody.c.signature)
            .where(evidence_custody.c.case_id == case_id)
            .order_by(evidence_custody.c.seq)
        ).all()
    return [Entry(body=r.body.encode(), entry_hash=r.entry_hash, signature=r.signature) for r in rows]


def append(
    engine: Engine, keydir: Path, case_id: str, kind: str, operator: str, details: dict[str, Any]
) -> Entry:
    """Sign and append one entry. The (case, seq) unique constraint makes a racing second writer fail
    rather than fork the chain."""
    if kind not in KINDS:
        raise CaseError(f"unknown custody entry kind {kind!r}")
    key = keys.load_or_create(keydir, operator)
    case_row(engine, case_id)
    with engine.begin() as conn:
        last = conn.execute(
            select(evidence_custody.c.seq, evidence_custody.c.entry_hash)
            .where(evidence_custody.c.case_id == case_id)
            .order_by(evidence_custody.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev = (0, GENESIS) if last is None else (last.seq + 1, last.entry_hash)
        at = datetime.now(UTC)
        body = canonical(
            {
                "case": case_id,
                "seq": seq,
                "kind": kind,
                "at": at.isoformat(),
                "operator": operator,
                "details": details,
                "prev": prev,
                "key": keys.public_hex(key),
            }
        )
        entry = Entry(body=body, entry_hash=hashlib.sha256(body).hexdigest(), signature=key.sign(body).hex())
        conn.execute(
            insert(evidence_custody).values(
                case_id=case_id,
                seq=seq,
                kind=kind,
                at=at,
                operator=operator,
                body=body.decode(),
                entry_hash=entry.entry_hash,
                signature=entry.signature,
            )
        )
    return entry


def check_chain(chain: list[Entry], case_id: str) -> list[str]:
    """Every problem with the chain, each naming the entry; an empty list means intact."""
    problems: list[str] = []
    prev = GENESIS
    for position, entry in enumerate(chain):
        where = f"custody entry {position}"
        if hashlib.sha256(entry.body).hexdigest() != entry.entry_hash:
            problems.append(f"{where}: its content does not match its hash (edited)")
        try:
            f = entry.fields
        except orjson.JSONDecodeError:
            problems.append(f"{where}: not JSON")
            prev = entry.entry_hash
            continue
        if not isinstance(f, dict):
            problems.append(f"{where}: not a JSON object")
            prev = entry.entry_hash
            continue
        if f.get("case") != case_id:
            problems.append(f"{where}: belongs to case {f.get('case')!r}, not {case_id!r}")
        if f.get("seq") != position:
            problems.append(f"{where}: has sequence number {f.get('seq')!r} (removed, inserted or reordered)")
        if f.get("prev") != prev:
            problems.append(f"{where}: does not follow the entry before it (removed, inserted or reordered)")
        if f.get("kind") not in KINDS:
            problems.append(f"{where}: unknown kind {f.get('kind')!r}")
        if not isinstance(f.get("key"), str) or not keys.verify(f["key"], entry.signature, entry.body):
            problems.append(f"{where}: bad signature")
        prev = entry.entry_hash
    return problems


def head(chain: list[Entry]) -> dict[str, Any]:
    """What an export anchors: the last hash and the number of entries."""
    return {"count": len(chain), "last_hash": chain[-1].entry_hash if chain else GENESIS}


def adopt(engine: Engine, case_id: str, chain: list[Entry]) -> None:
    """Take over a verified case from another installation: its case row (from its `create` entry) and every
    custody entry exactly as signed, in one transaction. CaseError when the case exists here already."""
    first = chain[0].fields
    if first.get("kind") != "create" or not isinstance(first.get("details"), dict):
        raise CaseError("the custody log does not start with the case's `create` entry")
    with engine.begin() as conn:
        if conn.execute(select(evidence_cases.c.id).where(evidence_cases.c.id == case_id)).first():
            raise CaseError(f"case {case_id!r} exists here already; it is not merged or overwritten")
        conn.execute(
            insert(evidence_cases).values(
                id=case_id,
                title=str(first["details"].get("title", ""))[:500],
                created_at=datetime.fromisoformat(first["at"]),
                created_by=first["operator"],
            )
        )
        conn.execute(
            insert(evidence_custody),
            [
                {
                    "case_id": case_id,
                    "seq": e.fields["seq"],
                    "kind": e.fields["kind"],
                    "at": datetime.fromisoformat(e.fields["at"]),
                    "operator": e.fields["operator"],
                    "body": e.body.decode(),
                    "entry_hash": e.entry_hash,
                    "signature": e.signature,
                }
                for e in chain
            ],
        )
