"""Compact per-item columns for the link stage: what it keeps of a million assessments in tens of megabytes.

A Python string, tuple or list per item costs 50-100 bytes of object overhead; a million items times a
dozen fields is gigabytes. Here strings share one UTF-8 buffer, repeated values (places, name tuples) are
stored once with a uint32 code per item, and item-identifier pairs are two uint32 arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T", bound=Hashable)


class Strings:
    """Strings appended in item order, in one UTF-8 buffer with end offsets."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._ends = array("Q")

    def append(self, value: str) -> None:
        self._buf += value.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._buf[start : self._ends[i]].decode("utf-8", "surrogatepass")


class Coded(Generic[T]):
    """Values with few distinct forms (places, tuples of names): each distinct value once, a code per item."""

    def __init__(self) -> None:
        self._codes: dict[T, int] = {}
        self._values: list[T] = []
        self._per_item = array("I")

    def append(self, value: T) -> None:
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self._values)
            self._values.append(value)
        self._per_item.append(code)

    def __getitem__(self, i: int) -> T:
        return self._values[self._per_item[i]]


class Identifiers:
    """Item-identifier pairs: keys like "phone:+16175550123" stored once, (item, key id) pairs as arrays."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.keys: list[str] = []
        self._item = array("I")
        self._key = array("I")

    def add(self, item: int, key: str) -> None:
        kid = self._ids.get(key)
        if kid is None:
            kid = self._ids[key] = len(self.keys)
            self.keys.append(key)
        self._item.append(item)
        self._key.append(kid)

    def freeze(self, n: int) -> Frozen:
        self._ids.clear()
        item = np.frombuffer(self._item, dtype=np.uint32).astype(np.int64)
        key = np.frombuffer(self._key, dtype=np.uint32).astype(np.int64)
        return Frozen(n, self.keys, item, key)


class Frozen:
    """The pairs indexed both ways: items per key (for shared keys) and keys per item (for descriptions)."""

    def __init__(self, n: int, keys: list[str], item: np.ndarray, key: np.ndarray) -> None:
        self.n = n
        self.keys = keys
        order = np.lexsort((key, item))
        self.item_key = key[order]
        self.item_start = np.searchsorted(item[order], np.arange(n + 1))
        self.count = np.bincount(key, minlength=len(keys))
        rows = self.count[key] >= 2
        order = np.lexsort((item[rows], key[rows]))
        items, kids = item[rows][order], key[rows][order]
        cuts = (
            np.flatnonzero(np.r_[True, kids[1:] != kids[:-1], True]) if len(kids) else np.zeros(1, np.int64)
        )
        # Items of every key on two or more items, in item order: the only keys that can link anything.
        self.shared: dict[str, list[int]] = {}
        self._shared_id: dict[str, int] = {}
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            kid = int(kids[a])
            self.shared[keys[kid]] = items[a:b].tolist()
            self._shared_id[keys[kid]] = kid

    def of_item(self, i: int) -> np.ndarray:
        return self.item_key[self.item_start[i] : self.item_start[i + 1]]

    def identified(self, leave_out: set[str]) -> np.ndarray:
        """Items with at least one identifier other than those left out."""
        out = np.zeros(self.n, dtype=bool)
        skip = np.zeros(len(self.keys), dtype=bool)
        for k in leave_out:
            if k in self._shared_id:
                skip[self._shared_id[k]] = True
        has = ~skip[self.item_key]
        out[np.repeat(np.arange(self.n), np.diff(self.item_start))[has]] = True
        return out

    def distinct_partners(self, items: list[int]) -> int:
        """How many distinct keys the given items carry in all (their own key included)."""
        idx = np.asarray(items, dtype=np.int64)
        lo, hi = self.item_start[idx], self.item_start[idx + 1]
        total = np.concatenate([self.item_key[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        return len(np.unique(total))
