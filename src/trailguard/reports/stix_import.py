"""Read a partner's STIX 2.1 bundle: identifiers to the partner watch list, file hashes to a hash bank.

What is taken (docs/reports.md, "Importing STIX"):
- observables: url, email-addr, domain-name, the Trailguard phone and wallet SCOs, and `file` hashes
  (MD5, SHA-256);
- indicators with a STIX pattern of exactly one equality comparison on one of those (`[url:value = '...']`,
  `[file:hashes.'SHA-256' = '...']`); any other pattern (AND/OR of several, other operators, other object
  types) is counted as not understood, never guessed at.

Identifiers go to `partner_watchlist` (one row per type, value and partner, with the object's TLP level and
label); hashes go to the hash bank the caller names, through `banks.add_entries` (so withdrawn hashes stay
withdrawn). Without a bank, hashes are counted and skipped.

A bundle is hostile input: it is bounded in size and object count, must be JSON with `type: bundle`, and
each object is parsed by stix2 on its own, so one bad object is reported by its position and id, and the
rest are still imported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import stix2
import stix2.exceptions
from sqlalchemy import Engine, select
from stix2patterns.exceptions import ParseException
from stix2patterns.pattern import Pattern

from trailguard.reports import stix_objects as so
from trailguard.reports.tables import partner_watchlist
from trailguard.store.db import write_transaction

MAX_BUNDLE_BYTES = 50_000_000
MAX_OBJECTS = 200_000
# A watched value longer than this is refused: PostgreSQL's B-tree (the unique index) refuses keys over about
# 2.7 kB and would roll back the whole import; no real phone, email, domain or wallet comes near it.
MAX_VALUE_CHARS = 2048
_HASHES = {"SHA-256": "sha256", "SHA256": "sha256", "MD5": "md5"}


class BundleError(ValueError):
    """A bundle that cannot be read at all (not JSON, not a bundle, too big)."""


@dataclass(slots=True)
class ImportSummary:
    objects: int = 0
    watchlist_added: int = 0
    watchlist_known: int = 0  # already on the watch list from this partner
    hashes_added: int = 0
    hashes_known: int = 0  # already in the bank, or withdrawn there
    hashes_skipped: int = 0  # no bank given
    not_understood: Counter[str] = field(default_factory=Counter)  # reason -> count
    errors: list[str] = field(default_factory=list)  # "object N (id): reason"

    def as_dict(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "watchlist_added": self.watchlist_added,
            "watchlist_known": self.watchlist_known,
            "hashes_added": self.hashes_added,
            "hashes_known": self.hashes_known,
            "hashes_skipped": self.hashes_skipped,
            "not_understood": dict(self.not_understood),
            "errors": self.errors,
        }


@dataclass(frozen=True, slots=True)
class Found:
    type: str  # watch type, or `md5`/`sha256` for a file hash
    value: str
    stix_id: str
    tlp: str
    label: str


def read_bundle(data: bytes) -> list[Any]:
    """The raw objects of a bundle; BundleError naming what is wrong with it as a whole."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(f"bundle larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BundleError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        raise BundleError('not a STIX bundle: the top level must be an object with "type": "bundle"')
    objects = doc.get("objects", [])
    if not isinstance(objects, list):
        raise BundleError('the bundle\'s "objects" is not a list')
    if len(objects) > MAX_OBJECTS:
        raise BundleError(f"the bundle has {len(objects)} objects; at most {MAX_OBJECTS} are read")
    return objects


_TLP_BY_ID = {v: k for k, v in so.TLP2_IDS.items()} | so.TLP1_IDS


def _tlp(obj: Any) -> str:
    """The strictest TLP level among the object's markings; "" when it has none Trailguard knows."""
    levels = []
    for ref in obj.get("object_marking_refs", []) or []:
        level = _TLP_BY_ID.get(ref)
        if level:
            levels.append(level)
    return max(levels, key=so.TLP_ORDER.index) if levels else ""


def _e164(value: str) -> str:
    """The number in E.164, as extraction stores phones (so the watch list matches entity values)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"phone {value[:40]!r} is not in E.164 (+ and country code): {exc}") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"phone {value[:40]!r} is not a possible number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _from_observable(obj: Any, tlp: str) -> list[Found]:
    kind = obj["type"]
    label = ""
    if kind == "url":
        return [Found("url", obj["value"], obj["id"], tlp, label)]
    if kind == "email-addr":
        return [Found("email", obj["value"].lower(), obj["id"], tlp, label)]
    if kind == "domain-name":
        return [Found("domain", obj["value"].lower().rstrip("."), obj["id"], tlp, label)]
    if kind == so.PHONE_TYPE:
        return [Found("phone", _e164(obj["value"]), obj["id"], tlp, label)]
    if kind == so.WALLET_TYPE:
        return [Found("crypto", f"{obj['currency'].lower()}:{obj['address']}", obj["id"], tlp, label)]
    if kind == "file":
        hashes = obj.get("hashes") or {}
        return [
            Found(_HASHES[k], v.lower(), obj["id"], tlp, obj.get("name", ""))
            for k, v in hashes.items()
            if k in _HASHES
        ]
    return []


def _from_indicator(obj: Any, tlp: str) -> Found | str:
    """The one value the indicator's pattern matches, or why it is not taken."""
    if obj.get("pattern_type") != "stix":
        return f"indicator pattern type {obj.get('pattern_type')!r}"
    data = Pattern(obj["pattern"]).inspect()
    comparisons = [(t, path, op, value) for t, items in data.comparisons.items() for path, op, value in items]
    if len(comparisons) != 1 or data.observation_ops or data.qualifiers:
        return "indicator pattern with several comparisons or qualifiers"
    kind, path, op, literal = comparisons[0]
    if op != "=":
        return f"indicator pattern operator {op!r}"
    value = so.unquote(literal)
    name = str(obj.get("name", ""))
    target = {
        ("url", ("value",)): "url",
        ("email-addr", ("value",)): "email",
        ("domain-name", ("value",)): "domain",
        (so.PHONE_TYPE, ("value",)): "phone",
    }.get((kind, tuple(path)))
    if target == "phone":
        value = _e164(value)
    elif target == "domain":
        value = value.lower().rstrip(".")
    elif target == "email":
        value = value.lower()
    if target:
        return Found(target, value, obj["id"], tlp, name)
    if kind == "file" and len(path) == 2 and path[0] == "hashes" and path[1] in _HASHES:
        return Found(_HASHES[path[1]], value.lower(), obj["id"], tlp, name)
    if kind == so.WALLET_TYPE and list(path) == ["address"]:
        return Found("wallet-address", value, obj["id"], tlp, name)  # resolved by `parse`
    return f"indicator on {kind}:{'.'.join(str(p) for p in path)}"


def parse(objects: list[Any], summary: ImportSummary) -> tuple[list[Found], str]:
    """What the objects share, and the partner's name (the identity most objects were created by)."""
    found: list[Found] = []
    identities: dict[str, str] = {}
    authors: Counter[str] = Counter()
    for position, raw in enumerate(objects):
        summary.objects += 1
        where = f"object {position}"
        if not isinstance(raw, dict):
            summary.errors.append(f"{where}: not a JSON object")
            continue
        where += f" ({str(raw.get('id', 'no id'))[:120]})"
        try:
            obj = stix2.parse(raw, allow_custom=True, version="2.1")
        except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as exc:
            summary.errors.append(f"{where}: {str(exc).splitlines()[0][:300]}")
            continue
        kind = obj["type"]
        tlp = _tlp(obj)
        if kind == "identity":
            identities[obj["id"]] = obj["name"]
        if "created_by_ref" in obj and obj["created_by_ref"] != so.TRAILGUARD_IDENTITY:
            authors[obj["created_by_ref"]] += 1
        if kind == "indicator":
            try:
                result = _from_indicator(obj, tlp)
            except ParseException as exc:
                summary.errors.append(f"{where}: pattern cannot be parsed: {str(exc)[:300]}")
                continue
            except ValueError as exc:
                summary.errors.append(f"{where}: {exc}")
                continue
            if isinstance(result, str):
                summary.not_understood[result] += 1
            else:
                found.append(result)
        else:
            try:
                found.extend(_from_observable(obj, tlp))
            except ValueError as exc:
                summary.errors.append(f"{where}: {exc}")
    # A wallet indicator matches the address only; the currency comes from the wallet observable.
    wallets = {f.value.split(":", 1)[1] for f in found if f.type == "crypto"}
    for f in found:
        if f.type == "wallet-address" and f.value not in wallets:
            summary.not_understood["wallet indicator without a wallet observable (its currency)"] += 1
    found = [f for f in found if f.type != "wallet-address"]
    author = authors.most_common(1)[0][0] if authors else ""
    return found, identities.get(author, author)


def import_bundle(
    engine: Engine,
    data: bytes,
    *,
    operator: str,
    source: str | None = None,
    bank: str | None = None,
) -> ImportSummary:
    """Import one bundle; BundleError when it cannot be read at all, else a summary (errors per object)."""
    from trailguard.evidence.keys import check_operator
    from trailguard.store import banks

    check_operator(operator)  # ValueError: recorded as imported_by (at most 64 characters)
    summary = ImportSummary()
    found, partner = parse(read_bundle(data), summary)
    source = (source or partner or "unknown partner").replace("\x00", "")[:200]
    storable = []
    for f in found:
        if len(f.value) > MAX_VALUE_CHARS or "\x00" in f.value:
            summary.errors.append(
                f"{f.stix_id[:120]}: value longer than {MAX_VALUE_CHARS} characters or with NUL"
            )
        else:
            storable.append(f)
    found = storable
    watch = {(f.type, f.value): f for f in found if f.type not in ("md5", "sha256")}
    hashes = {(f.type, f.value): f for f in found if f.type in ("md5", "sha256")}
    now = datetime.now(UTC)
    with write_transaction(engine, lock="partner_watchlist") as conn:
        known = {
            (r.type, r.value)
            for r in conn.execute(
                select(partner_watchlist.c.type, partner_watchlist.c.value).where(
                    partner_watchlist.c.source == source
                )
            )
        }
        rows = [
            {
                "type": f.type,
                "value": f.value,
                "source": source,
                "stix_id": f.stix_id[:200],
                "tlp": f.tlp,
                "label": f.label.replace("\x00", "")[:2000],
                "imported_at": now,
                "imported_by": operator,
            }
            for key, f in watch.items()
            if key not in known
        ]
        if rows:
            conn.execute(partner_watchlist.insert(), rows)
    summary.watchlist_added = len(rows)
    summary.watchlist_known = len(watch) - len(rows)
    if hashes and bank is None:
        summary.hashes_skipped = len(hashes)
    elif hashes and bank is not None:
        entries = [
            banks.NewEntry(
                hash_type=f.type, value=f.value, label=f.label, source=f"STIX {source} {f.stix_id}"
            )
            for f in hashes.values()
        ]
        report = banks.add_entries(engine, bank, entries, added_by=operator)
        summary.hashes_added = report.added
        summary.hashes_known = report.duplicates + report.previously_withdrawn
        summary.errors += [f"hash {n}: {reason}" for n, reason in report.rejected]
    return summary
