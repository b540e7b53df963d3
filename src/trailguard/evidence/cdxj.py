"""CDXJ index lines for the WARC files of a bundle, the `indexes/index.cdxj` of a WACZ package.

One line per response and resource record: `SURT-KEY TIMESTAMP {"url", "mime", "status", "digest", "length",
"offset", "filename"}`, sorted, the format pywb and ReplayWeb.page read. Offsets and lengths are of the
gzip member holding the record, as warcio's ArchiveIterator reports them.

The SURT key is written by hand: the `surt` package is not a dependency of Trailguard. It follows the same
rules for what a bundle holds (http(s) URLs and `urn:` records): scheme and a leading `www.` dropped, host
labels reversed and comma-joined (IP addresses kept as they are), default ports dropped, `)` before the path, query arguments sorted,
everything lower-cased.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import BinaryIO
from urllib.parse import urlsplit

import orjson
from warcio.archiveiterator import ArchiveIterator

INDEXED = ("response", "resource", "revisit")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def surt(url: str) -> str:
    """The sort-friendly key of `url`; non-http(s) URIs (urn:...) are keyed by themselves, lower-cased."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.lower()
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url.lower()
    try:
        host = str(ipaddress.ip_address(parts.hostname))  # addresses are not reversed
    except ValueError:
        labels = parts.hostname.strip(".").split(".")
        if labels and labels[0] == "www":
            labels = labels[1:]
        host = ",".join(reversed(labels))
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host += f":{port}"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{host}){parts.path or '/'}{'?' + query if query else ''}".lower()


def timestamp(warc_date: str) -> str:
    """`2026-12-02T02:25:59Z` (or with fractions) as the 14-digit CDX timestamp `20261202022559`."""
    digits = "".join(c for c in warc_date if c.isdigit())
    return digits[:14].ljust(14, "0")


def index(stream: BinaryIO, filename: str) -> list[str]:
    """CDXJ lines of every indexed record of one WARC file (unsorted). warcio raises on a corrupt file."""
    lines: list[str] = []
    iterator = ArchiveIterator(stream)
    for record in iterator:
        if record.rec_type not in INDEXED:
            continue
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        fields: dict[str, str] = {"url": url}
        if record.http_headers is not None and record.rec_type != "resource":
            fields["mime"] = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
            fields["status"] = str(record.http_headers.get_statuscode() or "")
        else:
            fields["mime"] = (headers.get_header("Content-Type") or "").split(";")[0].strip()
        digest = headers.get_header("WARC-Payload-Digest") or headers.get_header("WARC-Block-Digest") or ""
        fields["digest"] = digest
        iterator.read_to_end(record)  # so the iterator knows where the record's gzip member ends
        fields["length"] = str(iterator.get_record_length())
        fields["offset"] = str(iterator.get_record_offset())
        fields["filename"] = filename
        date = headers.get_header("WARC-Date") or ""
        lines.append(f"{surt(url)} {timestamp(date)} {orjson.dumps(fields).decode()}")
    return lines


def join(lines: Iterable[str]) -> bytes:
    """The index file: lines sorted (byte order, as CDXJ readers binary-search them), newline-terminated."""
    return "".join(line + "\n" for line in sorted(lines)).encode()
