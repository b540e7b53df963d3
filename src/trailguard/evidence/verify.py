"""`case verify`: check a WACZ bundle, read as hostile input, and name every problem found.

What is checked, in order: the zip itself (safezip: names, links, bombs), datapackage.json (WACZ fields),
the signature of datapackage-digest.json and that it covers this datapackage.json, that the zip holds
exactly the files listed with their SHA-256 and sizes, the custody log (chain, signatures, its end at the
signed head, the signing key being the exporting operator's, captures matching their files), every WARC
(whole gzip, no record cut short) and that every index line is the line of a real record.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from trailguard.evidence import cdxj, custody, keys, wacz
from trailguard.evidence.safezip import Limits, NotABundle, SafeZip, UnsafeBundle
from trailguard.signing import canonical

MAX_META = 64 * 1024**2  # bytes of datapackage.json, the digest, the custody log and the index each
CUSTODY = "case/custody.jsonl"
INDEX = "indexes/index.cdxj"
_CDXJ = re.compile(r"\A(\S+) (\d{14}) (\{.*\})\Z")


@dataclass(slots=True)
class Result:
    case_id: str | None = None
    files: int = 0
    custody_entries: int = 0
    problems: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # path: SHA-256 hex of each file that checked out
    signed: dict[str, Any] | None = None  # signedData, when its signature is good


def verify(path: Path, limits: Limits | None = None) -> Result:
    """Every problem of the bundle at `path` (none: intact). NotABundle when it is not a zip or not a WACZ."""
    result = Result()
    try:
        with SafeZip(path, limits) as zf:
            _verify(zf, result)
    except UnsafeBundle as exc:
        result.problems.append(str(exc))
    return result


def _verify(zf: SafeZip, result: Result) -> None:
    if wacz.DATAPACKAGE not in zf.names:
        raise NotABundle(f"no {wacz.DATAPACKAGE}: not a WACZ bundle")
    raw = zf.read(wacz.DATAPACKAGE, MAX_META)
    package = _json(raw, wacz.DATAPACKAGE, result)
    resources = _resources(package, result)
    if resources is None:
        return
    signed = _signed(zf, raw, result)
    result.case_id = (signed or {}).get("case") or (package or {}).get("trailguard:case")
    result.signed = signed
    hashes = result.hashes = _files(zf, resources, result)
    result.files = len(hashes)
    _custody(zf, signed, hashes, result)
    lines = _warcs(zf, hashes, result)
    _index(zf, lines, result)


def _json(raw: bytes, name: str, result: Result) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        result.problems.append(f"{name}: not JSON ({exc})")
        return None


def _resources(package: Any, result: Result) -> dict[str, dict[str, Any]] | None:
    """The resources of datapackage.json by path, once its WACZ fields check out."""
    p = result.problems
    if not isinstance(package, dict):
        p.append(f"{wacz.DATAPACKAGE}: not a JSON object")
        return None
    if package.get("profile") != "data-package":
        p.append(f"{wacz.DATAPACKAGE}: profile is {package.get('profile')!r}, not 'data-package'")
    if not isinstance(package.get("wacz_version"), str):
        p.append(f"{wacz.DATAPACKAGE}: no wacz_version")
    listed: dict[str, dict[str, Any]] = {}
    resources = package.get("resources")
    if not isinstance(resources, list):
        p.append(f"{wacz.DATAPACKAGE}: no resources list")
        return None
    for n, r in enumerate(resources):
        ok = isinstance(r, dict) and isinstance(r.get("path"), str) and isinstance(r.get("bytes"), int)
        if not ok or not re.fullmatch(r"sha256:[0-9a-f]{64}", str(r.get("hash"))):
            p.append(f"{wacz.DATAPACKAGE}: resource {n} lacks a path, a sha256 hash or a size in bytes")
            return None
        if r["path"] in listed:
            p.append(f"{wacz.DATAPACKAGE}: {r['path']!r} is listed twice")
        listed[r["path"]] = r
    return listed


def _signed(zf: SafeZip, package: bytes, result: Result) -> dict[str, Any] | None:
    """signedData of datapackage-digest.json when its signature is good and it covers this datapackage."""
    p = result.problems
    if wacz.DIGEST not in zf.names:
        p.append(f"{wacz.DIGEST} is missing: the bundle is not signed")
        return None
    digest = _json(zf.read(wacz.DIGEST, MAX_META), wacz.DIGEST, result)
    signed = digest.get("signedData") if isinstance(digest, dict) else None
    if not isinstance(signed, dict) or not all(
        isinstance(signed.get(k), str) for k in ("hash", "publicKey", "signature", "case", "operator")
    ):
        p.append(f"{wacz.DIGEST}: no signedData with hash, publicKey, signature, case and operator")
        return None
    actual = "sha256:" + hashlib.sha256(package).hexdigest()
    if digest.get("hash") != actual or signed["hash"] != actual:
        p.append(f"{wacz.DATAPACKAGE} has changed: its SHA-256 is not the one in {wacz.DIGEST}")
    if signed.get("algorithm") != wacz.ALGORITHM or not keys.verify(
        signed["publicKey"], signed["signature"], wacz.signing_bytes(signed)
    ):
        p.append(f"{wacz.DIGEST}: bad signature")
        return None
    return signed


def _files(zf: SafeZip, listed: dict[str, dict[str, Any]], result: Result) -> dict[str, str]:
    """SHA-256 (hex) of every listed file whose hash and size check out."""
    p = result.problems
    good: dict[str, str] = {}
    for name in zf.names:
        if name not in listed and name not in (wacz.DATAPACKAGE, wacz.DIGEST):
            p.append(f"{name}: in the bundle but not in {wacz.DATAPACKAGE} (added)")
    for name, r in listed.items():
        if name not in zf.infos:
            p.append(f"{name}: listed in {wacz.DATAPACKAGE} but missing from the bundle")
            continue
        h, size = hashlib.sha256(), 0
        with zf.open(name) as fh:
            while block := fh.read(1 << 20):
                h.update(block)
                size += len(block)
        if size != r["bytes"]:
            p.append(f"{name}: {size} bytes, but {wacz.DATAPACKAGE} says {r['bytes']} (changed)")
        elif "sha256:" + h.hexdigest() != r["hash"]:
            p.append(f"{name}: its SHA-256 does not match {wacz.DATAPACKAGE} (changed)")
        else:
            good[name] = h.hexdigest()
    return good


def _custody(zf: SafeZip, signed: dict[str, Any] | None, hashes: dict[str, str], result: Result) -> None:
    p = result.problems
    if CUSTODY not in zf.names:
        p.append(f"{CUSTODY} is missing")
        return
    chain: list[custody.Entry] = []
    for n, line in enumerate(zf.read(CUSTODY, MAX_META).splitlines(), start=1):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            p.append(f"{CUSTODY} line {n}: not JSON ({exc})")
            return
        if not isinstance(record, dict) or not isinstance(record.get("entry"), dict):
            p.append(f"{CUSTODY} line {n}: not a custody entry (no 'entry' object)")
            return
        try:
            chain.append(
                custody.Entry(
                    canonical(record["entry"]), str(record.get("hash")), str(record.get("signature"))
                )
            )
        except TypeError as exc:  # a value canonical JSON cannot hold (an integer past 64 bits)
            p.append(f"{CUSTODY} line {n}: not a custody entry ({exc})")
            return
    result.custody_entries = len(chain)
    case_id = result.case_id or ""
    p.extend(f"{CUSTODY}: {problem}" for problem in custody.check_chain(chain, case_id))
    if signed is None:
        return
    anchored = signed.get("custodyHead")
    actual = custody.head(chain)
    if not isinstance(anchored, dict) or not isinstance(anchored.get("count"), int):
        p.append(f"{wacz.DIGEST}: no custody head")
    elif actual["count"] < anchored["count"]:
        p.append(
            f"{CUSTODY}: {actual['count']} entries, but the signed head has {anchored.get('count')} (cut short)"
        )
    elif actual != anchored:
        p.append(f"{CUSTODY}: does not end at the signed head (entries added, removed or changed)")
    last = chain[-1].fields if chain else {}
    if last.get("kind") != "export" or last.get("key") != signed["publicKey"]:
        p.append(f"{wacz.DIGEST}: not signed by the key of the log's last entry, the export")
    for entry in chain:
        f = entry.fields
        if f.get("kind") != "capture" or not isinstance(f.get("details"), dict):
            continue
        name = f"archive/{f['details'].get('file')}"
        if name in hashes and hashes[name] != f["details"].get("sha256"):
            p.append(f"{name}: not the file its capture (custody entry {f.get('seq')}) recorded")


def _warcs(zf: SafeZip, hashes: dict[str, str], result: Result) -> set[str]:
    """The index lines of every intact WARC (the bytes were hash-checked already)."""
    lines: set[str] = set()
    for name in zf.names:
        if not name.startswith("archive/"):
            continue
        if not name.endswith(".warc.gz"):
            result.problems.append(f"{name}: not a .warc.gz file")
            continue
        with zf.open(name) as fh:
            try:
                lines.update(cdxj.index(fh, name.removeprefix("archive/")))  # type: ignore[arg-type]
            except cdxj.WARCError as exc:
                result.problems.append(f"archive/{exc}")
    return lines


def _index(zf: SafeZip, computed: set[str], result: Result) -> None:
    p = result.problems
    if INDEX not in zf.names:
        p.append(f"{INDEX} is missing")
        return
    for n, line in enumerate(zf.read(INDEX, MAX_META).decode("utf-8", "replace").splitlines(), start=1):
        m = _CDXJ.match(line)
        try:
            fields = orjson.loads(m.group(3)) if m else None
        except orjson.JSONDecodeError:
            fields = None
        if not isinstance(fields, dict):
            p.append(f"{INDEX} line {n}: not a CDXJ line")
            continue
        name = f"archive/{fields.get('filename')}"
        try:
            offset, length = int(fields.get("offset", -1)), int(fields.get("length", -1))
        except (TypeError, ValueError):
            offset, length = -1, -1
        if name not in zf.infos:
            p.append(f"{INDEX} line {n}: points to {name[:200]!r}, which is not in the bundle")
        elif offset < 0 or length <= 0 or offset + length > zf.size(name):
            p.append(f"{INDEX} line {n}: points outside {name}")
        elif line not in computed:
            p.append(
                f"{INDEX} line {n}: does not match the record at offset {fields.get('offset')} of {name}"
            )
