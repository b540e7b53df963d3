"""The STIX 2.1 bundle of an approved case, for partners: observables, indicators, a grouping, TLP 2.0.

Every identifier of the case becomes an observable (url, email-addr, domain-name of each URL's host, a
`file` with SHA-256 for each captured WARC, and the Trailguard phone and wallet SCOs of stix_objects) and an
Indicator whose STIX pattern matches it; a Grouping (context `suspicious-activity`) holds them all. SDO ids
are random UUIDv4 as STIX asks (SCO ids are derived from their values by stix2, so the same phone number has
the same id in every bundle). The reporting organisation's Identity authors the SDOs; every object carries the chosen TLP
2.0 marking (default TLP:AMBER). The bundle is checked with stix2-validator before it is written.

Indicators say what was flagged for review, never a judgement about a person: their type is
`anomalous-activity` and their description says so.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import stix2

from trailguard.reports import stix_objects as so
from trailguard.reports.case_content import CaseContent

FLAGGED = (
    "Flagged for human review by Trailguard and approved for sharing by a reviewer. An indicator of content "
    "to look at, not a finding about any person."
)


class StixInvalidError(ValueError):
    """A bundle stix2-validator rejects; `problems` name the object and the reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the STIX bundle is not valid:\n  " + "\n  ".join(problems[:20]))


def _host_domain(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.rstrip(".").lower()
    return None  # an IP address is not a domain name


def observables(content: CaseContent, marks: list[str]) -> list[tuple[Any, str, str]]:
    """(SCO, STIX pattern, what it is in words) for each identifier of the case, each once, marked `marks`."""
    m = {"object_marking_refs": marks}
    out: dict[str, tuple[Any, str, str]] = {}

    def add(sco: Any, pattern: str, what: str) -> None:
        out.setdefault(sco.id, (sco, pattern, what))

    for url in content.urls():
        add(stix2.v21.URL(value=url, **m), f"[url:value = {so.quote(url)}]", "URL")
    for capture in content.captures:
        if capture.sha256:
            sco = stix2.v21.File(name=capture.file, hashes={"SHA-256": capture.sha256}, **m)
            add(sco, f"[file:hashes.'SHA-256' = {so.quote(capture.sha256)}]", "capture file")
    for ident in content.identifiers():
        if ident.type == "url":
            add(
                stix2.v21.URL(value=ident.value, **m),
                f"[url:value = {so.quote(ident.value)}]",
                "URL in a post",
            )
        elif ident.type == "email":
            sco = stix2.v21.EmailAddress(value=ident.value, **m)
            add(sco, f"[email-addr:value = {so.quote(ident.value)}]", "email address")
        elif ident.type == "phone":
            sco = so.PhoneNumber(value=ident.value, **m)
            add(sco, f"[{so.PHONE_TYPE}:value = {so.quote(ident.value)}]", "phone number")
        elif ident.type == "crypto" and ":" in ident.value:
            currency, address = ident.value.split(":", 1)
            sco = so.CryptoWallet(currency=currency, address=address, **m)
            add(sco, f"[{so.WALLET_TYPE}:address = {so.quote(address)}]", f"{currency} wallet")
    domains = [d for d in (_host_domain(u) for u in content.urls()) if d]
    for domain in dict.fromkeys(domains):
        add(stix2.v21.DomainName(value=domain, **m), f"[domain-name:value = {so.quote(domain)}]", "domain")
    return list(out.values())


def build(content: CaseContent, *, reporter_org: str, tlp: str = "amber") -> stix2.v21.Bundle:
    """The bundle; ValueError for an unknown TLP level."""
    marking = so.tlp_marking(tlp)
    marks = [marking.id]
    when = datetime.fromisoformat(content.approved_at)
    org = stix2.v21.Identity(
        created=when,
        modified=when,
        name=reporter_org,
        identity_class="organization",
        object_marking_refs=marks,
    )
    common = {"created_by_ref": org.id, "created": when, "modified": when, "object_marking_refs": marks}
    objects: list[Any] = [marking, *so.definitions(), org]
    refs: list[str] = []
    for sco, pattern, what in observables(content, marks):
        indicator = stix2.v21.Indicator(
            name=f"{what} in Trailguard case {content.case_id}",
            description=FLAGGED,
            indicator_types=["anomalous-activity"],
            pattern=pattern,
            pattern_type="stix",
            valid_from=when,
            **common,
        )
        objects += [sco, indicator]
        refs += [indicator.id, sco.id]
    grouping = stix2.v21.Grouping(
        name=f"Trailguard case {content.case_id}",
        description=FLAGGED,
        context="suspicious-activity",
        object_refs=refs or [org.id],
        allow_custom=True,
        **common,
    )
    objects.append(grouping)
    return stix2.v21.Bundle(objects=objects, allow_custom=True)


def problems(bundle_json: str) -> list[str]:
    """stix2-validator's errors for the bundle, each naming the object; [] when valid."""
    import stix2validator

    results = stix2validator.validate_string(bundle_json, stix2validator.ValidationOptions(version="2.1"))
    found: list[str] = []
    for result in results.object_results if hasattr(results, "object_results") else [results]:
        for error in getattr(result, "errors", []):
            found.append(f"{getattr(result, 'object_id', '') or 'bundle'}: {error}")
    return found
