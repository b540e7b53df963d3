"""CDXJ index lines for the WARC files of a bundle, the `indexes/index.cdxj` of a WACZ package.

One line per response and resource record: `SURT-KEY TIMESTAMP {"url", "mime", "status", "digest", "length",
"offset", "filename"}`, sorted, the format pywb and ReplayWeb.page read. Offsets and lengths are of the
gzip member holding the record, as warcio's ArchiveIterator reports them.

The SURT key is written by hand: the `surt` package is not a runtime dependency of Trailguard. It follows
the package's default rules for what a bundle holds (http(s) URLs; `urn:` records keyed by themselves, as
cdxj-indexer does): scheme and a leading `www.` (`www2.` ...) dropped, host labels reversed and comma-joined (IP
addresses too), default ports dropped, `)` before the path (a trailing `/` dropped), query arguments sorted, all lower-cased.
tests/test_evidence_bundle.py compares it with the package, and the index with cdxj-indexer's.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable
from typing import BinaryIO
from urllib.parse import urlsplit

import orjson
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

INDEXED = ("response", "resource", "revisit")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WWW = re.compile(r"\Awww\d*\.")
MAX_UNCOMPRESSED = 4 * 1024**3  # bytes of one WARC file, inflated


def surt(url: str) -> str:
    """The sort-friendly key of `url`; non-http(s) URIs (urn:...) are keyed by themselves."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    labels = _WWW.sub("", parts.hostname.strip("."), count=1).split(".")
    host = ",".join(reversed(labels))  # IP addresses too, as the surt package does by default
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host += f":{port}"
    # sorted by (name, value), so `a&a=1` and `a=1&a` key the same
    query = "&".join("=".join(p) for p in sorted(tuple(a.split("=", 1)) for a in parts.query.split("&")))
    path = parts.path.rstrip("/") or "/"  # `/a/` keys as `/a`; the root stays `/`
    return f"{host}){path}{'?' + query if query else ''}".lower()


def timestamp(warc_date: str) -> str:
    """`2026-12-02T02:25:59Z` (or with fractions) as the 14-digit CDX timestamp `20261202022559`."""
    digits = "".join(c for c in warc_date if c.isdigit())
    return digits[:14].ljust(14, "0")


class WARCError(ValueError):
    """A WARC file that is truncated or not a WARC file."""


def index(stream: BinaryIO, filename: str, max_uncompressed: int = MAX_UNCOMPRESSED) -> list[str]:
    """CDXJ lines of every indexed record of one WARC file (unsorted); WARCError naming the file and offset
    when it is truncated, corrupt or inflates past `max_uncompressed` bytes."""
    _check_gzip(stream, filename, max_uncompressed)
    lines: list[str] = []
    iterator = ArchiveIterator(stream)
    records = 0
    try:
        for record in iterator:
            records += 1
            if not record.format.startswith("warc"):
                raise WARCError(f"{filename}: not a WARC record at offset {iterator.offset}")
            line = _line(iterator, record, filename)
            if line is not None:
                lines.append(line)
    except (
        ArchiveLoadFailed,
        StatusAndHeadersParserException,
        zlib.error,
        EOFError,
        UnicodeDecodeError,
    ) as exc:
        reason = str(exc).split("\n", 1)[0][:80]
        raise WARCError(f"{filename}: corrupt WARC near offset {iterator.offset}: {reason!r}") from exc
    if not records:
        raise WARCError(f"{filename}: holds no WARC record")
    return lines


def _check_gzip(stream: BinaryIO, filename: str, max_uncompressed: int) -> None:
    """A `.gz` WARC must be whole gzip members to its last byte (warcio reads a cut-off member quietly);
    the stream is read through once and rewound."""
    if stream.read(2) != b"\x1f\x8b":
        raise WARCError(f"{filename}: not a gzipped WARC file")
    stream.seek(0)
    total = 0
    try:
        with gzip.GzipFile(fileobj=stream) as unzipped:
            while block := unzipped.read(1 << 20):
                total += len(block)
                if total > max_uncompressed:
                    raise WARCError(f"{filename}: inflates past {max_uncompressed} bytes (gzip bomb?)")
    except EOFError as exc:
        raise WARCError(f"{filename}: truncated WARC (its gzip data ends early)") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise WARCError(f"{filename}: corrupt gzip data: {str(exc)[:80]!r}") from exc
    stream.seek(0)


def _line(iterator: ArchiveIterator, record: ArcWarcRecord, filename: str) -> str | None:
    """The record's CDXJ line (None for a record type not indexed), once it is read to its end: warcio ends
    quietly on a file cut short, so a record with fewer bytes than its Content-Length is refused here."""
    iterator.read_to_end(record)
    if isinstance(record.raw_stream, LimitReader) and record.raw_stream.limit > 0:
        raise WARCError(
            f"{filename}: truncated WARC: the record at offset {iterator.get_record_offset()} lacks "
            f"{record.raw_stream.limit} of its bytes"
        )
    if record.rec_type not in INDEXED:
        return None
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
    fields["length"] = str(iterator.get_record_length())
    fields["offset"] = str(iterator.get_record_offset())
    fields["filename"] = filename
    date = headers.get_header("WARC-Date") or ""
    return f"{surt(url)} {timestamp(date)} {orjson.dumps(fields).decode()}"


def join(lines: Iterable[str]) -> bytes:
    """The index file: lines sorted (byte order, as CDXJ readers binary-search them), newline-terminated."""
    return "".join(line + "\n" for line in sorted(lines)).encode()
