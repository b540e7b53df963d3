"""Item identity within one scan: the first record of each id is the item; a later one is a counted reject.

Across scans, an id names one thing (an ad, a post, a chat or one part of a chat) and each distinct content
under it is a version (`Item.content_hash`), all of which the store keeps. Within one scan an id must name
one record: the link stage, `assessments.jsonl` and the store would otherwise each keep a different one of
them (a network citing a phone number its stored item does not have). The first read wins everywhere, and
each later record with the same id is rejected with a reason, so read = assessed + rejected still holds
and nothing goes unreported; scanned on its own, such a record is stored as a new version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import orjson

from trailguard.ingest.validate import raw_prefix
from trailguard.model import Item, Reject, SourceRef

DUPLICATE_REASON = (
    "duplicate id in this scan: an earlier record has the same id and is the one kept "
    "(scan this record on its own to store it as a new version)"
)


def first_of_each_id(records: Iterable[Item | Reject]) -> Iterator[Item | Reject]:
    """`records` with every item whose id an earlier item of the stream had turned into a Reject.

    Remembers a 16-byte digest per id rather than the id (up to 512 characters): about 80 bytes per item.
    """
    seen: set[bytes] = set()
    for record in records:
        if isinstance(record, Item):
            key = hashlib.blake2b(record.id.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if key in seen:
                yield Reject(
                    source=record.source or SourceRef("-", 0),
                    reason=DUPLICATE_REASON,
                    record_id=record.id,
                    raw=raw_prefix(orjson.dumps(record.to_dict())),
                )
                continue
            seen.add(key)
        yield record
