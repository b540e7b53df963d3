"""Where a scan's products go: one small class per destination, each following contracts.Sink.

`standard_sinks` is the set `trailguard scan` writes (the files, the store when asked for, the report); a
caller may wire fewer or others. Files are written under temporary names and renamed only once every file is
complete, so a killed or failed scan leaves the previous complete outputs in place, never a half-written set.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from trailguard.ingest.sources import display_name
from trailguard.model import Assessment, Hub, Item, Network, Reject
from trailguard.pipeline.contracts import BATCH, ScanOptions, ScanResult, Sink
from trailguard.pipeline.stages import LinkStage
from trailguard.report.html import render_report
from trailguard.settings import Settings
from trailguard.store.writer import Store

log = logging.getLogger(__name__)


class BaseSink:
    """Does nothing at every step: a sink overrides the steps it takes part in."""

    def open(self, result: ScanResult, inputs: Sequence[str]) -> None:
        pass

    def rejected(self, reject: Reject) -> None:
        pass

    def assessed(self, items: Sequence[Item], assessments: Sequence[Assessment]) -> None:
        pass

    def close(self) -> None:
        """Flush and close what was written (may raise: disk full arrives here); nothing is published yet."""

    def analysed(self, result: ScanResult) -> None:
        pass

    def linked(self, result: ScanResult, linking: bool) -> None:
        pass

    def finished(self, result: ScanResult) -> None:
        pass

    def failed(self) -> None:
        pass


class PartFile:
    """One output file being written under a temporary name. A write error (disk full arrives on a buffered
    write or at close, with no file name) is raised naming the file, so the error line says where."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self._fh: IO[bytes] = self._named(lambda: open(self.part, "wb"))  # noqa: SIM115

    def _named(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except OSError as exc:
            if exc.filename is not None:
                raise
            raise OSError(exc.errno, exc.strerror, str(self.part)) from exc

    def write(self, data: bytes) -> None:
        self._named(lambda: self._fh.write(data))

    def close(self) -> None:
        if not self._fh.closed:
            self._named(self._fh.close)

    def publish(self) -> None:
        os.replace(self.part, self.path)

    def discard(self) -> None:
        """Remove the temporary file of a scan that failed (best effort: the disk may be the fault)."""
        with contextlib.suppress(OSError):
            self._fh.close()
        with contextlib.suppress(OSError):
            os.unlink(self.part)


class _JsonLinesSink(BaseSink):
    """A JSON Lines output file; published (renamed into place) at `analysed`, after every sink closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: PartFile | None = None

    def open(self, result: ScanResult, inputs: Sequence[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = PartFile(self.path)

    def _write(self, record: dict[str, Any]) -> None:
        assert self._file is not None, "open() first"
        self._file.write(orjson.dumps(record) + b"\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def analysed(self, result: ScanResult) -> None:
        if self._file is not None:
            self._file.publish()

    def failed(self) -> None:
        if self._file is not None:
            self._file.discard()


class AssessmentsFile(_JsonLinesSink):
    """assessments.jsonl: one assessment per line, in input order (what `trailguard link` reads back)."""

    def assessed(self, items: Sequence[Item], assessments: Sequence[Assessment]) -> None:
        for a in assessments:
            self._write(a.to_dict())


class RejectsFile(_JsonLinesSink):
    """rejected.jsonl: every record that could not be read, with its source and reason."""

    def rejected(self, reject: Reject) -> None:
        self._write(reject.to_dict())


def write_link_outputs(out_dir: Path, networks: Sequence[Network], hubs: Sequence[Hub]) -> None:
    """networks.json and hubs.json, as `trailguard scan` and `trailguard link` both write them."""
    _write_json_list(out_dir / "networks.json", networks)
    _write_json_list(out_dir / "hubs.json", hubs)


def _write_json_list(path: Path, records: Iterable[Network | Hub]) -> None:
    """The bytes of `orjson.dumps([r.to_dict() ...], option=OPT_INDENT_2)`, one record at a time: the dicts
    of a million ads' networks are several hundred MiB when built all at once. (JSON escapes a newline inside
    a string, so every newline orjson writes is layout, indented one level deeper here.)"""
    with path.open("wb") as fh:
        sep = b"[\n  "
        for r in records:
            fh.write(sep)
            fh.write(orjson.dumps(r.to_dict(), option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  "))
            sep = b",\n  "
        fh.write(b"[]" if sep == b"[\n  " else b"\n]")


class LinkFiles(BaseSink):
    """networks.json and hubs.json (empty lists when linking did not run)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir

    def linked(self, result: ScanResult, linking: bool) -> None:
        write_link_outputs(self.out_dir, result.networks, result.hubs)


class StoreSink(BaseSink):
    """The database: the scan row, items with their assessments, rejects, and the networks relinked against
    what the store already holds (LinkStage.store_networks). A failed scan is marked aborted."""

    def __init__(self, url: str, stage: LinkStage) -> None:
        self.url = url
        self.stage = stage
        self.store: Store | None = None
        self.scan_id: int | None = None
        self._pending: list[Reject] = []
        self._changed = 0

    def open(self, result: ScanResult, inputs: Sequence[str]) -> None:
        self.store = Store(self.url)
        self.scan_id = result.scan_id = self.store.start_scan([_input_name(i) for i in inputs])

    def _ready(self) -> tuple[Store, int]:
        assert self.store is not None and self.scan_id is not None, "open() first"
        return self.store, self.scan_id

    def rejected(self, reject: Reject) -> None:
        self._pending.append(reject)
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        store, scan_id = self._ready()
        if self._pending:
            store.save_rejects(scan_id, self._pending)
            self._pending = []

    def assessed(self, items: Sequence[Item], assessments: Sequence[Assessment]) -> None:
        store, scan_id = self._ready()
        self._changed += store.save_assessed(scan_id, list(zip(items, assessments, strict=True)))

    def analysed(self, result: ScanResult) -> None:
        store, scan_id = self._ready()
        self._flush()
        result.changed += self._changed
        store.heartbeat(scan_id)  # linking a large scan writes nothing for minutes

    def linked(self, result: ScanResult, linking: bool) -> None:
        store, scan_id = self._ready()
        # One scan at a time, through finishing: the next one then links this one's items with its own, and a
        # scan still running is left out until its turn (Store.relinking).
        with store.relinking():
            if linking:  # without linking, the stored networks stay as they were
                self.stage.store_networks(
                    store, scan_id, result.networks, result.assessments_path, result.assessed
                )
            store.finish_scan(scan_id, result.read, result.assessed, result.rejected)

    def failed(self) -> None:
        # Its rejects are dropped: a rerun saves them all again.
        if self.store is not None and self.scan_id is not None:
            try:
                self.store.abort_scan(self.scan_id)
            except Exception:  # the store may be the fault; a later scan marks a dead run aborted anyway
                log.warning("scan %d could not be marked aborted in the store", self.scan_id)


def _input_name(given: str) -> str:
    """How the store names an input: absolute and normalised, so that a restarted scan of "./ads.jsonl" is
    recognised as a run of "ads.jsonl" (see Store.finish_scan); `-` (stdin) and URIs as they are."""
    return given if given == "-" or "://" in given else display_name(os.path.abspath(given))


class Report(BaseSink):
    """report.html, with the `limit` highest-scoring items in full (kept as a bounded heap while streaming);
    also sets `result.top` for the terminal summary."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self._top: list[tuple[float, int, Item, Assessment]] = []  # a min-heap of the highest scores
        self._seq = 0

    def assessed(self, items: Sequence[Item], assessments: Sequence[Assessment]) -> None:
        for item, a in zip(items, assessments, strict=True):
            self._seq += 1
            entry = (a.score, -self._seq, item, a)
            if len(self._top) < self.limit:
                heapq.heappush(self._top, entry)
            elif self._top and a.score > self._top[0][0]:  # empty when the limit is 0: no item listed
                heapq.heapreplace(self._top, entry)

    def finished(self, result: ScanResult) -> None:
        result.top = [(item, a) for _, _, item, a in sorted(self._top, key=lambda e: (-e[0], -e[1]))]
        render_report(result, self.path)


def standard_sinks(settings: Settings, options: ScanOptions, stage: LinkStage) -> list[Sink]:
    """What `trailguard scan` writes: assessments.jsonl, rejected.jsonl, networks.json and hubs.json, the
    store (unless `options.store` is off) and report.html."""
    out = options.out_dir
    sinks: list[Sink] = [AssessmentsFile(out / "assessments.jsonl"), RejectsFile(out / "rejected.jsonl")]
    sinks.append(LinkFiles(out))  # before the store relinks: networks.json is the scan's own networks
    if options.store:
        sinks.append(StoreSink(settings.database_url, stage))
    sinks.append(Report(out / "report.html", options.report_limit))
    return sinks
