"""Ingest: read untrusted inputs into `Item`s, and everything that cannot be read into `Reject`s with a reason.

Entry point: `read_sources`. Formats live in a registry (`formats.FORMATS`); validation shared by every format
is `validate.item_from_record`. The input contract is documented in docs/input-formats.md.
"""

from .formats import FORMATS, Format, register_format
from .sources import ReadStats, read_sources
from .validate import InvalidRecord, decode_json, item_from_record, normalise_timestamp

__all__ = [
    "FORMATS",
    "Format",
    "InvalidRecord",
    "ReadStats",
    "decode_json",
    "item_from_record",
    "normalise_timestamp",
    "read_sources",
    "register_format",
]
