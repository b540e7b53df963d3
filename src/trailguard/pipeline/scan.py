"""One scan from a runner's records to its sinks: counts, the link stage, and failure handling, for every engine.

A runner hands `drive` the scan's records in input order: each `Reject`, and each analysed batch as a pair
(items, their assessments). `drive` counts them into the ScanResult, passes them to every sink, links the
scan once the assessments are complete, and on any failure (disk full, a database gone, a killed worker,
Ctrl-C) tells every sink so: no half-written outputs are left and the stored scan says it did not finish.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from trailguard.ingest import ReadStats
from trailguard.model import Assessment, Item, Reject
from trailguard.pipeline.contracts import ScanOptions, ScanResult, Sink
from trailguard.pipeline.sinks import AssessmentsFile
from trailguard.pipeline.stages import LinkStage

Record = Reject | tuple[Sequence[Item], Sequence[Assessment]]


def drive(
    records: Callable[[], Iterator[Record]],
    inputs: Sequence[str],
    options: ScanOptions,
    sinks: Sequence[Sink],
    stage: LinkStage,
    stats: ReadStats,
    progress: Callable[[int], None] | None = None,
    engine: str = "local",
) -> ScanResult:
    """Run the scan: `records()` is called once the sinks are open, and its records streamed through them.

    `stats` is the ingest's ReadStats, complete once `records()` is exhausted (skipped directory entries).
    """
    started = time.monotonic()
    result = ScanResult(out_dir=options.out_dir, engine=engine)
    opened: list[Sink] = []
    try:
        for sink in sinks:
            sink.open(result, inputs)
            opened.append(sink)
        stream = records()
        try:
            for record in stream:
                if isinstance(record, Reject):
                    result.rejected += 1
                    result.reject_reasons[record.reason[:160]] += 1
                    for sink in sinks:
                        sink.rejected(record)
                    continue
                items, assessments = record
                for a in assessments:
                    result.assessed += 1
                    result.bands[a.band] += 1
                    result.kinds[a.kind] += 1
                    result.entities_truncated += a.entities_truncated > 0
                for sink in sinks:
                    sink.assessed(items, assessments)
                if progress:
                    progress(result.assessed)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:  # a generator's pool or Spark job ends now, not when garbage collected
                close()
            _close_all(sinks)
        result.read = result.assessed + result.rejected
        result.skipped, result.skipped_files = stats.skipped, stats.skipped_names
        result.skip_reasons = stats.skip_reasons
        for sink in sinks:  # only reached when every record was written: a failed scan keeps the old outputs
            sink.analysed(result)
        linking = options.link and result.assessed > 0
        if linking and not _writes_assessments(sinks, result):
            result.link_skipped = NO_ASSESSMENTS_FILE
            linking = False
        if linking:
            result.networks, result.hubs, result.link_skipped = stage.run(
                result.assessments_path, result.assessed
            )
            linking = result.link_skipped is None
        for sink in sinks:
            sink.linked(result, linking)
        result.seconds = time.monotonic() - started
        for sink in sinks:
            sink.finished(result)
        return result
    except BaseException:
        for sink in reversed(opened):
            sink.failed()
        raise


NO_ASSESSMENTS_FILE = "linking reads assessments.jsonl back, and no sink of this scan wrote it"


def _writes_assessments(sinks: Sequence[Sink], result: ScanResult) -> bool:
    """Whether a sink wrote this scan's assessments.jsonl (the link stage streams it back: never an older one)."""
    return any(isinstance(s, AssessmentsFile) and s.path == result.assessments_path for s in sinks)


def _close_all(sinks: Sequence[Sink]) -> None:
    """Close every sink even when one fails to (the first error is raised once all were tried)."""
    error: BaseException | None = None
    for sink in sinks:
        try:
            sink.close()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error
