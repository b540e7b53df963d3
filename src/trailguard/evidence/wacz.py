"""Write a case bundle as a WACZ 1.1.1 package (the Webrecorder format), signed by the exporting operator.

Layout: `archive/*.warc.gz` (stored, not deflated, so offsets in the index point straight into the zip
member, as the spec asks), `indexes/index.cdxj`, `pages/pages.jsonl`, `case/...` (custody log, report,
certificate), `datapackage.json` listing every other file with its SHA-256 and size, and
`datapackage-digest.json` holding the SHA-256 of datapackage.json and `signedData`: that hash, the case, the
operator, the custody head (count and last hash) and the Ed25519 public key, signed over their canonical
JSON. Anchoring the head there is what makes a custody log cut short detectable.

The WACZ signing spec signs with ECDSA P-256 or a domain certificate; Trailguard signs with the operator's
Ed25519 custody key instead (so the bundle and its custody log are signed by the same keys), and says so in
`signedData.algorithm`. Other WACZ readers check the hashes and ignore a signature they do not know.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import trailguard
from trailguard.evidence import keys
from trailguard.signing import canonical

WACZ_VERSION = "1.1.1"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
ALGORITHM = "Ed25519"
SOFTWARE = f"Trailguard/{trailguard.__version__}"


@dataclass(frozen=True, slots=True)
class Member:
    """One file of the bundle: its path inside the zip, its bytes (or a file to copy), and what it is."""

    path: str
    role: str
    data: bytes | Path


def signed_data(datapackage: bytes, key: Ed25519PrivateKey, *, case_id: str, operator: str,
                head: dict[str, Any], created: str) -> dict[str, Any]:  # fmt: skip
    """The `signedData` object of datapackage-digest.json, its `signature` over `signing_bytes` of it."""
    data = {
        "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest(),
        "created": created,
        "software": SOFTWARE,
        "algorithm": ALGORITHM,
        "publicKey": keys.public_hex(key),
        "case": case_id,
        "operator": operator,
        "custodyHead": head,
    }
    return data | {"signature": key.sign(signing_bytes(data)).hex()}


def signing_bytes(signed: dict[str, Any]) -> bytes:
    """What the signature covers: the canonical JSON of `signedData` without its `signature`."""
    return canonical({k: v for k, v in signed.items() if k != "signature"})


def datapackage(resources: list[dict[str, Any]], *, title: str, case_id: str, created: str,
                main_page: dict[str, str] | None) -> bytes:  # fmt: skip
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "description": f"Trailguard evidence bundle of case {case_id}; derived renderings are labelled "
        "'derived', originals 'original'",
        "created": created,
        "modified": created,
        "software": SOFTWARE,
        "trailguard:case": case_id,
        "resources": resources,
    }
    if main_page:
        package["mainPageUrl"], package["mainPageDate"] = main_page["url"], main_page["ts"]
    return orjson.dumps(package, option=orjson.OPT_INDENT_2)


def write(out: Path, members: list[Member], key: Ed25519PrivateKey, *, title: str, case_id: str,
          operator: str, head: dict[str, Any], main_page: dict[str, str] | None = None) -> None:  # fmt: skip
    """Write the bundle to `out` (through a temporary file beside it: a failed export leaves nothing).

    Each file is hashed as it is copied in, so the datapackage describes exactly the bytes in the zip."""
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = datetime.now(UTC).timetuple()[:6]
    partial = out.with_name(f".{out.name}.partial")
    try:
        with zipfile.ZipFile(partial, "x") as zf:
            resources = [_copy(zf, m, stamp) for m in members]
            package = datapackage(resources, title=title, case_id=case_id, created=created,
                                  main_page=main_page)  # fmt: skip
            digest = {
                "path": DATAPACKAGE,
                "hash": "sha256:" + hashlib.sha256(package).hexdigest(),
                "signedData": signed_data(package, key, case_id=case_id, operator=operator, head=head,
                                          created=created),
            }  # fmt: skip
            zf.writestr(_info(DATAPACKAGE, stamp, zipfile.ZIP_DEFLATED), package)
            zf.writestr(
                _info(DIGEST, stamp, zipfile.ZIP_DEFLATED), orjson.dumps(digest, option=orjson.OPT_INDENT_2)
            )
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _info(path: str, stamp: tuple[int, ...], method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=stamp)  # type: ignore[arg-type]
    info.compress_type = method
    info.external_attr = 0o644 << 16  # a plain file, never a link
    return info


def _copy(zf: zipfile.ZipFile, m: Member, stamp: tuple[int, ...]) -> dict[str, Any]:
    """Copy one member into the zip and return its datapackage resource."""
    method = zipfile.ZIP_STORED if m.path.startswith("archive/") else zipfile.ZIP_DEFLATED
    h, size = hashlib.sha256(), 0
    with zf.open(_info(m.path, stamp, method), "w", force_zip64=True) as dst:
        if isinstance(m.data, bytes):
            dst.write(m.data)
            h.update(m.data)
            size = len(m.data)
        else:
            with m.data.open("rb") as src:
                for block in iter(lambda: src.read(1 << 20), b""):
                    dst.write(block)
                    h.update(block)
                    size += len(block)
    return {"name": m.path.rsplit("/", 1)[-1], "path": m.path, "hash": f"sha256:{h.hexdigest()}",
            "bytes": size, "trailguard:role": m.role}  # fmt: skip
