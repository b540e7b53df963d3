"""The CyberTipline report XML of an approved case, and its validation against NCMEC's schema.

Built with the standard library's ElementTree, each parent's children appended in the order the schema's
`xs:sequence` declares them (NCMEC rejects out-of-order XML with code 4100), then validated with xmlschema
before anything is written or sent; every problem is reported as "element path: reason". The schema belongs
to NCMEC and is not shipped: `TRAILGUARD_NCMEC_XSD` names the copy a deployment fetched. It is loaded with
entity expansion refused and no network or out-of-directory access (xmlschema's `defuse`/`allow`), and the
same settings parse any XML this module reads back.

What maps where is in docs/reports.md. Trailguard flags for review and never labels a person: the reported
accounts are the posters of the attached items, described by what they posted, not by any judgement.
"""

from __future__ import annotations

import functools
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import phonenumbers

from trailguard.reports.case_content import Captured, CaseContent, CaseItem
from trailguard.reports.reporter import Reporter
from trailguard.settings import SettingsError

if TYPE_CHECKING:
    import xmlschema

XSD_VARIABLE = "TRAILGUARD_NCMEC_XSD"
MAX_XML_BYTES = 20_000_000  # a report or response read back; real reports are kilobytes
# The incident types NCMEC's schema enumerates; the one that fits Trailguard's work is the usual choice.
TRAFFICKING = "Child Sex Trafficking"


class ReportInvalidError(ValueError):
    """XML that does not conform to the schema, or is not well-formed; `problems` are "path: reason"."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{what} is not valid against the CyberTipline schema:\n  {shown}{more}")


def schema_path(explicit: str | None = None) -> Path:
    """The schema file: `explicit`, else TRAILGUARD_NCMEC_XSD; a SettingsError (exit 2) naming it otherwise."""
    raw = explicit or os.environ.get(XSD_VARIABLE, "")
    if not raw:
        raise SettingsError(
            "ncmec_xsd",
            "is not set: the path of NCMEC's CyberTipline schema (cyber_tipline.xsd, from the reporting API)",
            XSD_VARIABLE,
        )
    path = Path(raw).expanduser()
    if not path.is_file():
        raise SettingsError("ncmec_xsd", f"names {str(path)!r}, which is not a readable file", XSD_VARIABLE)
    return path


@functools.lru_cache(maxsize=4)
def load_schema(path: Path) -> xmlschema.XMLSchema:
    """The parsed schema (about a second to build, so kept per path for the process)."""
    import xmlschema

    path = path.resolve()
    try:
        return xmlschema.XMLSchema(str(path), base_url=str(path.parent), defuse="always", allow="sandbox")
    except (xmlschema.XMLSchemaException, ET.ParseError, OSError) as exc:
        raise SettingsError(
            "ncmec_xsd", f"names a file that is not a usable XML schema: {exc}", XSD_VARIABLE
        ) from exc


def problems(schema: xmlschema.XMLSchema, xml: bytes) -> list[str]:
    """Every way `xml` breaks the schema, each "element path: reason"; [] when valid."""
    import xmlschema

    if len(xml) > MAX_XML_BYTES:
        return [f"/: document larger than {MAX_XML_BYTES} bytes"]
    try:
        resource = xmlschema.XMLResource(xml, defuse="always", allow="none")
    except (xmlschema.XMLResourceError, ET.ParseError) as exc:
        return [f"/: not well-formed XML ({exc})"]
    found = []
    for error in schema.iter_errors(resource):
        path = getattr(error, "path", None) or "/"
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        found.append(f"{path}: {reason}")
    return found


def check(schema: xmlschema.XMLSchema, xml: bytes, what: str = "the report") -> bytes:
    """`xml` unchanged when valid; ReportInvalidError listing every problem otherwise."""
    found = problems(schema, xml)
    if found:
        raise ReportInvalidError(what, found)
    return xml


# Characters XML 1.0 cannot hold at all (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF):
# attacker text carrying them would make the whole report malformed, so they are dropped from text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = _NOT_XML.sub("", text)
    return child


def _phone(parent: ET.Element, tag: str, value: str) -> None:
    """E.164 split into the schema's calling code attribute and the national number."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        _sub(parent, tag, value)
        return
    _sub(
        parent,
        tag,
        str(number.national_number),
        countryCallingCode=f"+{number.country_code}",
    )


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def incident_time(content: CaseContent) -> tuple[datetime, str]:
    """The earliest time an attached item was posted, else the first capture's time, with which it is."""
    now = datetime.now(UTC)
    # `posted_at` is what the page claimed: a time in the future is not believed.
    posted = [w for w in (_when(i.posted_at) for i in content.items) if w is not None and w <= now]
    if posted:
        return min(posted), "The earliest posting time of the reported items, as the platform showed it."
    captured = [w for w in (_when(c.at) for c in content.captures) if w is not None]
    if captured:
        return min(captured), "The time the content was first captured; when it was posted is not known."
    when = _when(content.approved_at) or now
    return when, "The time the case was approved for reporting; when the content was posted is not known."


def _groups(items: list[CaseItem]) -> dict[tuple[str | None, str | None], list[CaseItem]]:
    """Items by who posted them (platform, author); items with no author are each their own poster."""
    groups: dict[tuple[str | None, str | None], list[CaseItem]] = {}
    for item in items:
        key = (item.platform, item.author) if item.author else (item.platform, f"\x00{item.id}")
        groups.setdefault(key, []).append(item)
    return groups


def _reported(root: ET.Element, platform: str | None, author: str | None, items: list[CaseItem]) -> None:
    idents = list(dict.fromkeys((i.type, i.value) for item in items for i in item.identifiers))
    phones = [v for t, v in idents if t == "phone"]
    emails = [v for t, v in idents if t == "email"]
    others = [f"{t} {v}" for t, v in idents if t not in ("phone", "email")]
    if not (phones or emails or others or author):
        return
    el = _sub(root, "personOrUserReported")
    if phones or emails:
        person = _sub(el, "personOrUserReportedPerson")
        for value in phones:
            _phone(person, "phone", value)
        for value in emails:
            _sub(person, "email", value)
    if platform:
        _sub(el, "espService", platform)
    if author:
        _sub(el, "screenName", author)
    info = ["Poster of " + ", ".join(f"item {i.id}" + (f" ({i.url})" if i.url else "") for i in items) + "."]
    if others:
        info.append("Other identifiers in the posts: " + "; ".join(others) + ".")
    _sub(el, "additionalInfo", " ".join(info))


def build(
    content: CaseContent,
    reporter: Reporter,
    incident_type: str,
    *,
    platform: str | None = None,
) -> bytes:
    """The report XML (UTF-8, with declaration). Not yet validated: pass it to `check`."""
    root = ET.Element("report")
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", incident_type)
    if platform:
        _sub(summary, "platform", platform)
    when, how = incident_time(content)
    _sub(summary, "incidentDateTime", when.astimezone(UTC).isoformat().replace("+00:00", "Z"))
    _sub(summary, "incidentDateTimeDescription", how)
    urls = content.urls()
    if urls:
        web = _sub(_sub(root, "internetDetails"), "webPageIncident")
        for url in urls:
            _sub(web, "url", url)
        if content.captures:
            _sub(
                web,
                "additionalInfo",
                f"{len(content.captures)} page(s) captured as WARC files with SHA-256 digests; "
                "the files are uploaded with this report.",
            )
    rep = _sub(root, "reporter")
    person = _sub(rep, "reportingPerson")
    _sub(person, "firstName", reporter.first_name)
    _sub(person, "lastName", reporter.last_name)
    if reporter.phone:
        _phone(person, "phone", reporter.phone)
    _sub(person, "email", reporter.email)
    for (group_platform, author), items in _groups(content.items).items():
        real_author = author if author and not author.startswith("\x00") else None
        _reported(root, group_platform, real_author, items)
    info = (
        f"Trailguard case {content.case_id}, approved for reporting by reviewer {content.approved_by} "
        f"at {content.approved_at}."
    )
    if reporter.org:
        info = f"Reported by {reporter.org}. " + info
    if content.missing_items:
        info += f" {len(content.missing_items)} attached item(s) are no longer in the store and are not described."
    _sub(root, "additionalInfo", info)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def file_details(report_id: str, file_id: str, capture: Captured) -> bytes:
    """The `fileDetails` XML that describes one uploaded capture (`POST /fileinfo`)."""
    root = ET.Element("fileDetails")
    _sub(root, "reportId", report_id)
    _sub(root, "fileId", file_id)
    _sub(root, "fileName", capture.file)
    _sub(root, "locationOfFile", capture.url)
    _sub(root, "fileViewedByEsp", "true")  # a reviewer approved the case after viewing it
    _sub(root, "publiclyAvailable", "true")  # captured without credentials from a public URL
    if capture.sha256:
        _sub(root, "originalFileHash", capture.sha256, hashType="SHA256")
    details = _sub(root, "details")
    for name, value in (
        ("format", "WARC 1.1, gzip"),
        ("capturedAt", capture.at),
        ("capturedBy", capture.operator),
        ("httpStatus", "" if capture.final_status is None else str(capture.final_status)),
    ):
        pair = _sub(details, "nameValuePair")
        _sub(pair, "name", name)
        _sub(pair, "value", value)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
