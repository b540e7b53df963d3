"""`case import`: take over a case from a verified bundle, as the receiving end of a transfer of custody.

The bundle is verified first (evidence/verify.py, all of it hostile input) and nothing is imported from a
bundle with any problem. Then its WARC files are copied into `cases/CASE/archive/` under their own plain
names, each hashed again while it is copied and compared with what verification saw (the file may not
change in between), its custody entries are stored exactly as signed, and the receiving operator appends a
signed `transfer` entry naming the bundle, its signer and the head received. A case that exists here
already is refused, never merged.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import Engine

from trailguard.evidence import custody, keys
from trailguard.evidence.safezip import SafeZip, UnsafeBundle, name_problem
from trailguard.evidence.verify import CUSTODY, MAX_META, Result, verify
from trailguard.signing import canonical


class BundleRejected(ValueError):
    """A bundle that did not verify; `result.problems` names why."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"{len(result.problems)} problem(s); nothing imported")
        self.result = result


def import_bundle(engine: Engine, root: Path, bundle: Path, operator: str) -> custody.Entry:
    """Import the case of `bundle`; returns the `transfer` entry."""
    keys.check_operator(operator)
    result = verify(bundle)
    if result.problems or result.signed is None or not result.case_id:
        raise BundleRejected(result)
    case_id = result.case_id
    archive = root / "cases" / case_id / "archive"
    if archive.exists() and any(archive.iterdir()):
        raise custody.CaseError(f"{archive} holds files already; the case is not imported over them")
    with SafeZip(bundle) as zf:
        raw = _read_checked(zf, CUSTODY, result)
        chain = [_entry(line) for line in raw.splitlines()]
        _check_columns(case_id, chain)
        warcs = [n for n in zf.names if n.startswith("archive/")]
        archive.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        try:
            for name in warcs:
                written.append(_copy(zf, name, archive, result))
            custody.adopt(engine, case_id, chain)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    signed = result.signed
    details = {
        "received": bundle.name,
        "datapackage_sha256": signed["hash"],
        "signed_by": signed["operator"],
        "signer_key_fingerprint": keys.fingerprint(signed["publicKey"]),
        "head": custody.head(chain),
        "files": [p.name for p in written],
    }
    return custody.append(engine, root / "keys", case_id, "transfer", operator, details)


def _check_columns(case_id: str, chain: list[custody.Entry]) -> None:
    """What the tables will hold must fit them: a signed entry may still carry values no installation writes
    (signed with keys of the bundle's own making, whose owners are confirmed out of band)."""
    if not re.fullmatch(r"case-[0-9a-f]{16}", case_id):
        raise custody.CaseError(f"case id {case_id[:80]!r} is not one Trailguard makes")
    for n, entry in enumerate(chain):
        f = entry.fields
        try:
            keys.check_operator(str(f.get("operator")))
            datetime.fromisoformat(str(f.get("at")))
        except (keys.OperatorKeyError, ValueError) as exc:
            raise custody.CaseError(f"custody entry {n}: {exc}") from exc


def _entry(line: bytes) -> custody.Entry:
    record = orjson.loads(line)
    return custody.Entry(canonical(record["entry"]), record["hash"], record["signature"])


def _read_checked(zf: SafeZip, name: str, result: Result) -> bytes:
    data = zf.read(name, MAX_META)
    if hashlib.sha256(data).hexdigest() != result.hashes.get(name):
        raise UnsafeBundle(f"{name} changed after it was verified")
    return data


def _copy(zf: SafeZip, name: str, archive: Path, result: Result) -> Path:
    """Stream one WARC into the archive under its plain name (`x`-mode: never over an existing file)."""
    base = name.removeprefix("archive/")
    if "/" in base or name_problem(base) is not None:
        raise UnsafeBundle(f"{name}: not a plain file name under archive/")
    target = archive / base
    h = hashlib.sha256()
    dst = target.open("xb")  # ours from here on: removed below if anything goes wrong
    try:
        with zf.open(name) as src, dst:
            while block := src.read(1 << 20):
                h.update(block)
                dst.write(block)
        if h.hexdigest() != result.hashes.get(name):
            raise UnsafeBundle(f"{name} changed after it was verified")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
