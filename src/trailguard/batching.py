"""Fixed-size batches from any iterable, lazily: the one batching helper of the pipeline and the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def chunked(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` rows (the last may be shorter), consuming `rows` only as far as needed."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
