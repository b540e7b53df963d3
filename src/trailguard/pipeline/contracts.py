"""What every scan runner shares: the options a scan takes, the result it returns, and the sink contract.

A runner (pipeline.local, pipeline.spark) only turns inputs into a stream of rejects and analysed batches, in
input order; everything a scan leaves behind (assessments.jsonl, rejected.jsonl, networks.json and hubs.json,
the store, report.html) is written by sinks (pipeline.sinks) that the caller wires together. So a second runner
writes the same outputs through the same code, and nothing below the CLI imports a runner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from trailguard.model import Assessment, Hub, Item, Network, Reject

BATCH = 200  # items per analysed batch: large enough to amortise pickling and store round trips, small enough to stream


@dataclass(slots=True)
class ScanOptions:
    out_dir: Path
    csv_mapping: dict[str, str] | None = None
    store: bool = True
    report_limit: int = 200  # items shown in full in the HTML report (the top by score)
    link: bool = True


@dataclass(slots=True)
class ScanResult:
    read: int = 0
    assessed: int = 0
    rejected: int = 0
    changed: int = 0  # stored items whose content differs from their stored version (a new version kept)
    skipped: int = 0  # entries of input directories not read (unknown name, link, FIFO, device...)
    skipped_files: list[str] = field(default_factory=list)  # the first of those, for the summary
    skip_reasons: Counter[str] = field(default_factory=Counter)  # why they were skipped, how many each
    entities_truncated: int = 0  # items that held more entities than Settings.max_entities
    bands: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    reject_reasons: Counter[str] = field(default_factory=Counter)
    top: list[tuple[Item, Assessment]] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    hubs: list[Hub] = field(default_factory=list)  # identifiers kept as facts, never merged (hubs.json)
    link_skipped: str | None = None  # why linking did not run although asked for (pipeline.memory)
    seconds: float = 0.0
    scan_id: int | None = None
    out_dir: Path = Path()
    engine: str = "local"  # which runner produced it (pipeline.local or pipeline.spark)

    @property
    def report_path(self) -> Path:
        return self.out_dir / "report.html"

    @property
    def assessments_path(self) -> Path:
        return self.out_dir / "assessments.jsonl"


class Sink(Protocol):
    """One destination of a scan's products. A scan calls, in this order:

    `open` once before any record; `rejected` and `assessed` as records arrive, in input order; `close` once
    every record has been handed over (flush: may raise, nothing is published yet); `analysed` once every sink
    closed (files renamed into place, counts final); `linked` once the networks are
    known (or linking was skipped: `result.networks` is then empty and `result.link_skipped` may say why);
    `finished` last. `failed` instead, on any error or interruption: the sink removes what it half-wrote.
    """

    def open(self, result: ScanResult, inputs: Sequence[str]) -> None: ...

    def rejected(self, reject: Reject) -> None: ...

    def assessed(self, items: Sequence[Item], assessments: Sequence[Assessment]) -> None: ...

    def close(self) -> None: ...

    def analysed(self, result: ScanResult) -> None: ...

    def linked(self, result: ScanResult, linking: bool) -> None: ...

    def finished(self, result: ScanResult) -> None: ...

    def failed(self) -> None: ...
