"""The local scan runner: ingest → analyze (a process pool) → outputs and store → link → report.

Memory stays flat however large the input: items stream from the readers in batches, at most a few batches
are in flight, results are written as they arrive, and only a bounded top-N of items is kept for the report.
Linking then streams the assessments back from `assessments.jsonl`.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import heapq
import logging
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from trailguard.batching import chunked
from trailguard.indicators.catalogue import catalogue_paths, load_catalogues
from trailguard.ingest import ReadStats, read_sources
from trailguard.ingest.csvfile import check_mapping
from trailguard.ingest.identity import first_of_each_id
from trailguard.ingest.sources import display_name
from trailguard.link import LinkConfig, link, link_assessments
from trailguard.link.config import read_overrides
from trailguard.media.index import MatchIndex
from trailguard.media.scan import ImageCache, hash_item_images, match_item_images, pdq_neighbours
from trailguard.model import Assessment, Hub, Item, Network, Reject
from trailguard.pipeline.analyze import Analyzer
from trailguard.pipeline.memory import link_shortfall
from trailguard.report.html import render_report
from trailguard.settings import Settings, SettingsError
from trailguard.store.writer import Store

if TYPE_CHECKING:
    from trailguard.learn.chat_scorer import ChatScorer

log = logging.getLogger(__name__)

BATCH = 200  # items per task sent to a worker: large enough to amortise pickling, small enough to stream


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

    @property
    def report_path(self) -> Path:
        return self.out_dir / "report.html"


# --- worker side -------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


def die_with_parent(parent_pid: int) -> None:
    """End this worker process as soon as the scan that started it is gone.

    A worker is not told when its parent is killed (kill -9, the out-of-memory killer): the pool's pipes stay
    open in the sibling workers, so each would wait forever holding its ~160 MB. On Linux the kernel is asked
    to SIGKILL the worker when the parent dies (prctl PR_SET_PDEATHSIG, through ctypes: no library wraps it).
    That signal follows the parent *thread* that forked the worker; the pool forks from the thread that
    submits, which lives as long as the scan, and a parent-pid watchdog thread covers every other case (and
    other systems): once the worker has been re-parented, its parent is gone.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc symbol (an unusual libc): the watchdog alone does it
            pass
    if os.getppid() != parent_pid:  # the parent died before the request above was made
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="trailguard-parent-watchdog", daemon=True).start()


def _init_worker(settings: Settings, index: MatchIndex | None, parent_pid: int | None = None) -> None:
    if parent_pid is not None:
        die_with_parent(parent_pid)
    matcher = None
    if index is not None:
        matcher = lambda hashes: match_item_images(list(hashes), index)  # noqa: E731
    scorer = _chat_scorer(settings)
    catalogues = load_catalogues(catalogue_paths(settings.catalogues))  # checked by the CLI before the scan
    _WORKER["analyzer"] = Analyzer(
        catalogues,
        region=settings.default_region,
        image_matcher=matcher,
        chat_scorer=scorer,
        max_entities=settings.max_entities,
    )
    _WORKER["settings"] = settings
    _WORKER["images"] = ImageCache()  # one per scan: a file named by many items is hashed once


def _chat_scorer(settings: Settings) -> ChatScorer | None:
    """The trained chat scorer the settings name, if any (scikit-learn is imported only then)."""
    if not settings.chat_model:
        return None
    from trailguard.learn.modelfile import load

    return load(Path(settings.chat_model))


def _image_base(item: Item) -> Path:
    """Image paths in an item are relative to the file the item was read from (or the working directory)."""
    if item.source is not None and item.source.file not in ("-", "<stdin>"):
        return Path(item.source.file).resolve().parent
    return Path.cwd()


def _analyze_batch(items: Sequence[Item]) -> list[Assessment]:
    analyzer: Analyzer = _WORKER["analyzer"]
    settings: Settings = _WORKER["settings"]
    out = []
    for item in items:
        images = (
            hash_item_images(_image_base(item), item.images, settings, _WORKER["images"])
            if item.images
            else []
        )
        out.append(analyzer.analyze(item, images))
    return out


# --- parent side -------------------------------------------------------------------------------------------


class _PartFile:
    """One output file being written under a temporary name. A write error (disk full arrives on a buffered
    write or at close, with no file name) is raised naming the file, so the error line says where."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] = self._named(lambda: open(path, "wb"))  # noqa: SIM115

    def _named(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except OSError as exc:
            if exc.filename is not None:
                raise
            raise OSError(exc.errno, exc.strerror, str(self.path)) from exc

    def write(self, data: bytes) -> None:
        self._named(lambda: self._fh.write(data))

    def close(self) -> None:
        self._named(self._fh.close)


class _Outputs:
    """The scan's files, written to temporary names and renamed at the end so a killed scan leaves the
    previous complete outputs in place, never a half-written set; a scan that fails removes its own."""

    NAMES = ("assessments.jsonl", "rejected.jsonl")

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.assessments = _PartFile(out_dir / "assessments.jsonl.part")
        try:
            self.rejected = _PartFile(out_dir / "rejected.jsonl.part")
        except OSError:
            self.discard()
            raise

    def finish(self) -> None:
        for name in self.NAMES:
            os.replace(self.out_dir / f"{name}.part", self.out_dir / name)

    def close(self) -> None:
        try:
            self.assessments.close()
        finally:
            self.rejected.close()

    def discard(self) -> None:
        """Remove the temporary files of a scan that failed (best effort: the disk may be the fault)."""
        for name in self.NAMES:
            with contextlib.suppress(OSError):
                os.unlink(self.out_dir / f"{name}.part")


def _items(stream: Iterator[Item | Reject], on_reject: Callable[[Reject], None]) -> Iterator[Item]:
    """The items of `stream`; each reject is handed to `on_reject` as it passes."""
    for record in stream:
        if isinstance(record, Reject):
            on_reject(record)
        else:
            yield record


def run_scan(
    inputs: Sequence[str],
    settings: Settings,
    options: ScanOptions,
    index: MatchIndex | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScanResult:
    """Scan `inputs` into `options.out_dir` (and the store); `progress` is called with items done so far.

    A CSV mapping to a field items do not have, or a chat model file that cannot be used
    (`learn.modelfile.ModelFileError`), raises ValueError before anything is written.
    """
    started = time.monotonic()
    if options.csv_mapping:
        check_mapping(options.csv_mapping)
    _chat_scorer(settings)  # a bad model file fails here, before any output, not in every worker
    outputs = _Outputs(options.out_dir)
    store: Store | None = None
    scan_id: int | None = None
    try:
        store = Store(settings.database_url) if options.store else None
        scan_id = store.start_scan([_input_name(i) for i in inputs]) if store else None
        return _run(inputs, settings, options, index, progress, outputs, store, scan_id, started)
    except BaseException:
        # Disk full, a database gone, a killed worker, Ctrl-C: no half-written outputs are left, and the
        # scan row says it did not finish (its rejects are dropped: a rerun saves them all again).
        outputs.discard()
        if store is not None and scan_id is not None:
            try:
                store.abort_scan(scan_id)
            except Exception:  # the store may be the fault; a later scan marks a dead run aborted anyway
                log.warning("scan %d could not be marked aborted in the store", scan_id)
        raise


def _run(
    inputs: Sequence[str],
    settings: Settings,
    options: ScanOptions,
    index: MatchIndex | None,
    progress: Callable[[int], None] | None,
    outputs: _Outputs,
    store: Store | None,
    scan_id: int | None,
    started: float,
) -> ScanResult:
    result = ScanResult(out_dir=options.out_dir, scan_id=scan_id)
    pending_rejects: list[Reject] = []
    top: list[tuple[float, int, Item, Assessment]] = []  # a min-heap of the highest scores
    seq = 0

    def on_reject(r: Reject) -> None:
        result.rejected += 1
        result.reject_reasons[r.reason[:160]] += 1
        outputs.rejected.write(orjson.dumps(r.to_dict()) + b"\n")
        pending_rejects.append(r)
        if store and len(pending_rejects) >= BATCH:
            store.save_rejects(scan_id or 0, pending_rejects)
            pending_rejects.clear()

    def on_results(items: Sequence[Item], assessments: Sequence[Assessment]) -> None:
        nonlocal seq
        for item, a in zip(items, assessments, strict=True):
            outputs.assessments.write(orjson.dumps(a.to_dict()) + b"\n")
            result.assessed += 1
            result.bands[a.band] += 1
            result.kinds[a.kind] += 1
            result.entities_truncated += a.entities_truncated > 0
            seq += 1
            entry = (a.score, -seq, item, a)
            if len(top) < options.report_limit:
                heapq.heappush(top, entry)
            elif top and a.score > top[0][0]:  # empty when report_limit is 0: no item listed
                heapq.heapreplace(top, entry)
        if store:
            result.changed += store.save_assessed(scan_id or 0, list(zip(items, assessments, strict=True)))
        if progress:
            progress(result.assessed)

    workers = settings.workers or os.cpu_count() or 1
    stats = ReadStats()
    stream = first_of_each_id(
        read_sources(list(inputs), settings, csv_mapping=options.csv_mapping, stats=stats)
    )
    try:
        if workers == 1:
            _init_worker(settings, index)
            for batch in chunked(_items(stream, on_reject), BATCH):
                on_results(batch, _analyze_batch(batch))
        else:
            initargs = (settings, index, os.getpid())
            with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=initargs) as pool:
                in_flight: deque[tuple[list[Item], Future[list[Assessment]]]] = deque()
                for batch in chunked(_items(stream, on_reject), BATCH):
                    in_flight.append((batch, pool.submit(_analyze_batch, batch)))
                    while len(in_flight) > 2 * workers:
                        done_items, fut = in_flight.popleft()
                        on_results(done_items, fut.result())
                while in_flight:
                    done_items, fut = in_flight.popleft()
                    on_results(done_items, fut.result())
    finally:
        outputs.close()
    outputs.finish()  # only reached when every record was written: a failed scan keeps the old outputs
    if store and pending_rejects:
        store.save_rejects(scan_id or 0, pending_rejects)
    result.read = result.assessed + result.rejected
    result.skipped, result.skipped_files = stats.skipped, stats.skipped_names
    result.skip_reasons = stats.skip_reasons

    assessed_path = options.out_dir / "assessments.jsonl"
    linking = options.link and result.assessed > 0
    if linking:
        result.link_skipped = link_shortfall(result.assessed, assessed_path.stat().st_size)
        linking = result.link_skipped is None
    if linking:
        if store:
            store.heartbeat(scan_id or 0)  # linking a large scan writes nothing for minutes
        linked = link(read_assessments(assessed_path), link_config(settings))
        result.networks, result.hubs = linked.networks, linked.hubs
    write_link_outputs(options.out_dir, result.networks, result.hubs)
    if store:
        # One scan at a time, through finishing: the next one then links this one's items with its own, and a
        # scan still running is left out until its turn (Store.relinking).
        with store.relinking():
            if linking:  # without linking, the stored networks stay as they were
                _store_networks(
                    store, scan_id or 0, result.networks, assessed_path, settings, result.assessed
                )
            store.finish_scan(scan_id or 0, result.read, result.assessed, result.rejected)
    result.top = [(item, a) for _, _, item, a in sorted(top, key=lambda e: (-e[0], -e[1]))]
    result.seconds = time.monotonic() - started
    render_report(result, options.out_dir / "report.html")
    return result


def write_link_outputs(out_dir: Path, networks: Sequence[Network], hubs: Sequence[Hub]) -> None:
    """networks.json and hubs.json, as `trailguard scan` and `trailguard link` both write them."""
    (out_dir / "networks.json").write_bytes(
        orjson.dumps([n.to_dict() for n in networks], option=orjson.OPT_INDENT_2)
    )
    (out_dir / "hubs.json").write_bytes(orjson.dumps([h.to_dict() for h in hubs], option=orjson.OPT_INDENT_2))


def _input_name(given: str) -> str:
    """How the store names an input: absolute and normalised, so that a restarted scan of "./ads.jsonl" is
    recognised as a run of "ads.jsonl" (see Store.finish_scan); `-` (stdin) as it is."""
    return given if given == "-" else display_name(os.path.abspath(given))


def _store_networks(
    store: Store, scan_id: int, networks: list[Network], assessed_path: Path, settings: Settings, scanned: int
) -> None:
    """Save the scan's networks so that each stored item stays in one network, whatever was scanned before.

    A stored network that reaches items this scan did not read cannot be kept beside the new ones (an item
    would be in both) nor dropped (its links would be lost); and a stored item that shares an identifier with
    an item of this scan belongs with it. So the scan is linked again together with those stored items and
    their whole networks (Store.outside_members), from their stored assessments, and the result replaces the
    networks it touched. networks.json keeps the networks of the scan's own items.
    """
    cfg = link_config(settings)
    reach = store.outside_members(scan_id, cfg.identifier_types)
    outside = reach.items
    if outside and link_shortfall(scanned + len(outside), assessed_path.stat().st_size) is not None:
        # Too many stored items to link again in this memory: a new network that would overlap a kept one
        # is then not stored (Store.save_networks), so no item ends up in two.
        log.warning("%d stored items too many to link again with this scan in free memory", len(outside))
        outside = []
    if outside or reach.hubs:
        store.heartbeat(scan_id)
        # An identifier on thousands of stored items is a hub even when this scan alone holds it a few times.
        cfg = dataclasses.replace(cfg, never_merge=cfg.never_merge | frozenset(reach.hubs))
        assessments = chain(read_assessments(assessed_path), store.load_assessments(outside))
        networks = link_assessments(assessments, cfg)
    store.save_networks(scan_id, networks, relinked=outside)


def link_config(settings: Settings) -> LinkConfig:
    """The link stage as the scan runs it: image links through the same PDQ index and bounds as the banks,
    and the operator's hub decisions (settings.link_overrides)."""
    never: frozenset[str] = frozenset()
    always: frozenset[str] = frozenset()
    if settings.link_overrides:
        try:
            never, always = read_overrides(Path(settings.link_overrides))
        except (OSError, ValueError) as exc:
            raise SettingsError("link_overrides", f"names a file that cannot be used: {exc}") from None
    return LinkConfig(
        never_merge=never,
        always_merge=always,
        pdq_min_quality=settings.pdq_min_quality,
        image_neighbours=partial(pdq_neighbours, max_distance=settings.pdq_max_distance),
    )


def read_assessments(path: Path, rejected: list[str] | None = None) -> Iterator[Assessment]:
    """Assessments from a JSON Lines file, one at a time.

    With `rejected`, a malformed line is recorded there (file, line number, reason) and reading goes on, for
    files from elsewhere; without it, the error is raised (the scan's own output must be well formed).
    """
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield Assessment.from_dict(orjson.loads(line))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                if rejected is None:
                    raise
                rejected.append(f"{path}:{number}: {type(exc).__name__}: {exc}"[:300])
