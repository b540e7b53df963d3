"""The local scan runner: ingest → analyze (a process pool) → the sinks (pipeline.sinks) → link.

Memory stays flat however large the input: items stream from the readers in batches, at most a few batches
are in flight, and results are handed to the sinks as they arrive (pipeline.scan.drive); only a bounded top-N
of items is kept for the report. Linking then streams the assessments back from `assessments.jsonl`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from trailguard.batching import chunked
from trailguard.ingest import ReadStats
from trailguard.ingest.csvfile import check_mapping
from trailguard.media.index import MatchIndex
from trailguard.model import Assessment, Item, Reject
from trailguard.pipeline.contracts import BATCH, ScanOptions, ScanResult, Sink
from trailguard.pipeline.memory import link_shortfall
from trailguard.pipeline.scan import Record, drive
from trailguard.pipeline.sinks import standard_sinks
from trailguard.pipeline.stages import BatchAnalyzer, LinkStage, chat_scorer, ingest
from trailguard.settings import Settings

__all__ = ["BATCH", "ScanOptions", "ScanResult", "die_with_parent", "run_scan"]

# --- worker side -------------------------------------------------------------------------------------------

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


_ANALYZE: BatchAnalyzer | None = None  # this worker process's analyze stage, set by its initializer


def _init_worker(
    settings: Settings, index: MatchIndex | None, parent_pid: int | None = None, images: Path | None = None
) -> None:
    global _ANALYZE
    if parent_pid is not None:
        die_with_parent(parent_pid)
    _ANALYZE = BatchAnalyzer.build(settings, index, images)


def _analyze_batch(items: Sequence[Item]) -> list[Assessment]:
    assert _ANALYZE is not None, "the pool's initializer builds the analyze stage"
    return _ANALYZE(items)


# --- parent side -------------------------------------------------------------------------------------------


def run_scan(
    inputs: Sequence[str],
    settings: Settings,
    options: ScanOptions,
    index: MatchIndex | None = None,
    progress: Callable[[int], None] | None = None,
    sinks: Sequence[Sink] | None = None,
) -> ScanResult:
    """Scan `inputs` into `sinks` (default: pipeline.sinks.standard_sinks of the options); `progress` is called
    with items done so far.

    A CSV mapping to a field items do not have, or a chat model file that cannot be used
    (`learn.modelfile.ModelFileError`), raises ValueError before anything is written.
    """
    if options.csv_mapping:
        check_mapping(options.csv_mapping)
    chat_scorer(settings)  # a bad model file fails here, before any output, not in every worker
    stage = LinkStage(settings, link_shortfall)
    if sinks is None:
        sinks = standard_sinks(settings, options, stage)
    stats = ReadStats()
    records = lambda: _analysed(inputs, settings, options, index, stats)  # noqa: E731
    return drive(records, inputs, options, sinks, stage, stats, progress, engine="local")


def _analysed(
    inputs: Sequence[str],
    settings: Settings,
    options: ScanOptions,
    index: MatchIndex | None,
    stats: ReadStats,
) -> Iterator[Record]:
    """The scan's rejects and analysed batches in input order, at most 2 batches per worker in flight."""
    rejects: list[Reject] = []

    def items() -> Iterator[Item]:
        for record in ingest(inputs, settings, options.csv_mapping, stats):
            if isinstance(record, Reject):
                rejects.append(record)
            else:
                yield record

    workers = settings.workers or os.cpu_count() or 1
    if workers == 1:
        analyze = BatchAnalyzer.build(settings, index)
        for batch in chunked(items(), BATCH):
            yield from _drain(rejects)
            yield batch, analyze(batch)
        yield from _drain(rejects)
        return
    # The workers' shared image results (media.scan.ImageCache): a file is decoded once per scan, not per worker.
    images = tempfile.TemporaryDirectory(prefix="trailguard-images-")
    initargs = (settings, index, os.getpid(), Path(images.name))
    with images, ProcessPoolExecutor(workers, initializer=_init_worker, initargs=initargs) as pool:
        in_flight: deque[tuple[list[Item], Future[list[Assessment]]]] = deque()
        for batch in chunked(items(), BATCH):
            yield from _drain(rejects)
            in_flight.append((batch, pool.submit(_analyze_batch, batch)))
            while len(in_flight) > 2 * workers:
                done_items, fut = in_flight.popleft()
                yield done_items, fut.result()
        yield from _drain(rejects)
        while in_flight:
            done_items, fut = in_flight.popleft()
            yield done_items, fut.result()


def _drain(rejects: list[Reject]) -> Iterator[Reject]:
    yield from rejects
    rejects.clear()
