"""The Spark scan runner: ingest and analyze on Spark executors, the same sinks and link stage on the driver.

The sources are listed on the driver with the local runner's rules (ingest.sources.list_sources: directories
sorted, links and special files skipped); a URI (s3a://, hdfs://, file://...) is listed and fetched by Spark
(`binaryFiles`). Each Spark partition reads its sources with the same reader functions and analyses its
items in batches with the same analyze stage (pipeline.stages.BatchAnalyzer, built once per executor process
and scan). The driver takes the results back partition by partition in input order (`toLocalIterator`, so
it holds a partition or two at a time, never the whole scan), applies the scan's one-record-per-id rule, and hands
them to the sinks through `pipeline.scan.drive` like the local runner: the files, the store and the report
are byte for byte what the local engine writes, in the same order. Linking then runs with the same link stage
(pipeline.stages.LinkStage) over the assessments file, in the same session: its template fine step and its
final clustering on the executors (pipeline.spark_link), the rest on the driver (docs/deployment.md).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trailguard.batching import chunked
from trailguard.ingest import ReadStats
from trailguard.ingest.csvfile import check_mapping
from trailguard.ingest.identity import first_of_each_id
from trailguard.ingest.sources import SKIPPED_NAMES_KEPT, Source, list_sources, read_bytes, read_source
from trailguard.media.index import MatchIndex
from trailguard.model import Assessment, Item, Reject
from trailguard.pipeline.contracts import BATCH, ScanOptions, ScanResult, Sink
from trailguard.pipeline.memory import link_shortfall
from trailguard.pipeline.scan import Record, drive
from trailguard.pipeline.sinks import standard_sinks
from trailguard.pipeline.spark_link import spark_runner
from trailguard.pipeline.stages import BatchAnalyzer, LinkStage, chat_scorer
from trailguard.settings import Settings

if TYPE_CHECKING:
    from pyspark import RDD, SparkContext
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
DRIVER_MEMORY = "1g"  # the driver JVM holds one partition of results at a time; linking is in its Python


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing: the environment, not the input, is at fault (the CLI exits 2)."""


def is_uri(entry: str) -> bool:
    """A URI Spark reads (s3a://bucket/x, hdfs://nn/x, file:///x) rather than a local path."""
    scheme, sep, _ = entry.partition("://")
    return bool(sep) and scheme.isascii() and scheme.replace("+", "").replace("-", "").isalnum()


def check_spark() -> None:
    """Raise SparkUnavailable naming what is missing and how to install it."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailable(
            "--engine spark needs PySpark: pip install 'trailguard[spark]' (and Java 17+)"
        ) from exc
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise SparkUnavailable(
            "--engine spark needs Java 17 or later: install it (Debian: apt-get install default-jre-headless, "
            "see scripts/system-deps.sh) or set JAVA_HOME"
        )


def spark_session(master: str = DEFAULT_MASTER, app: str = "trailguard-scan") -> SparkSession:
    """A session on `master` with the UI off, a small driver and quiet logs; executors run this Python."""
    check_spark()
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", DRIVER_MEMORY)
        .config("spark.log.level", "ERROR")
    )
    # Executors run the driver's Python (its virtual environment, trailguard installed) unless told otherwise;
    # PySpark reads the variable, not a config key, when it starts the context.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start (PySparkRuntimeError: JAVA_GATEWAY_EXITED, ...)
        raise SparkUnavailable(f"Spark could not start on {master}: {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_scan_spark(
    inputs: Sequence[str],
    settings: Settings,
    options: ScanOptions,
    index: MatchIndex | None = None,
    progress: Callable[[int], None] | None = None,
    sinks: Sequence[Sink] | None = None,
    master: str = DEFAULT_MASTER,
) -> ScanResult:
    """Scan `inputs` (local paths or URIs) on Spark into `sinks` (default: standard_sinks of the options).

    Raises SparkUnavailable before anything is written when PySpark or Java is missing, ValueError for a
    stdin input, a bad CSV mapping or an unusable chat model file (as run_scan does).
    """
    if "-" in inputs:
        raise ValueError("--engine spark reads files and URIs, not stdin (-)")
    if options.csv_mapping:
        check_mapping(options.csv_mapping)
    chat_scorer(settings)
    check_spark()
    session = spark_session(master)
    try:
        sc = session.sparkContext
        stage = LinkStage(settings, link_shortfall, spark_runner(sc))
        if sinks is None:
            sinks = standard_sinks(settings, options, stage)
        stats = ReadStats()
        records = lambda: _records(sc, inputs, settings, options.csv_mapping, index, stats)  # noqa: E731
        return drive(records, inputs, options, sinks, stage, stats, progress, engine="spark")
    finally:
        session.stop()


# --- driver side -------------------------------------------------------------------------------------------


def _records(
    sc: SparkContext,
    inputs: Sequence[str],
    settings: Settings,
    csv_mapping: Mapping[str, str] | None,
    index: MatchIndex | None,
    stats: ReadStats,
) -> Iterator[Record]:
    """Rejects and analysed batches in input order (the session stays for linking)."""
    shared = sc.broadcast(index) if index is not None else None
    try:
        rdd = _sources(sc, inputs, stats).mapPartitions(
            _partition_task(settings, csv_mapping, shared, uuid.uuid4().hex)
        )
        yield from _first_of_each_id(_unpack(rdd.toLocalIterator(prefetchPartitions=True), stats))
    finally:
        if shared is not None:
            shared.unpersist()


def _sources(sc: SparkContext, inputs: Sequence[str], stats: ReadStats) -> RDD[Any]:
    """One RDD of what to read, partitions in input order: a local source (or a listing's Reject) per
    partition, and Spark's own listing of each URI (`(uri, bytes)` pairs, in the file system's order)."""
    parts: list[RDD[Any]] = []
    local: list[Source | Reject] = []

    def flush() -> None:
        if local:
            parts.append(sc.parallelize(list(local), len(local)))
            local.clear()

    for entry in inputs:
        if is_uri(entry):
            flush()
            parts.append(sc.binaryFiles(entry))
        else:
            local.extend(list_sources([entry], stats))
    flush()
    return sc.union(parts) if parts else sc.emptyRDD()


def _unpack(
    results: Iterable[tuple[Any, ...]], stats: ReadStats
) -> Iterator[tuple[Item | Reject, Assessment | None]]:
    """Each record in input order with its assessment (None for a reject); the executors' skip counts are
    merged into `stats`."""
    for tag, *rest in results:
        if tag == "reject":
            yield rest[0], None
        elif tag == "records":
            records, assessments = rest
            analysed = iter(assessments)
            for record in records:
                yield record, (next(analysed) if isinstance(record, Item) else None)
        else:  # "skips": entries an executor found not to be regular files when it opened them
            count, names, reasons = rest
            stats.skipped += count
            stats.skip_reasons.update(reasons)
            stats.skipped_names.extend(names[: SKIPPED_NAMES_KEPT - len(stats.skipped_names)])


def _first_of_each_id(pairs: Iterable[tuple[Item | Reject, Assessment | None]]) -> Iterator[Record]:
    """The scan's records after ingest.identity.first_of_each_id (a repeated id is a reject, as in the local
    runner, which applies it before analysis), items regrouped in batches of BATCH for the sinks."""
    pending: deque[Assessment | None] = deque()

    def records() -> Iterator[Item | Reject]:
        for record, assessment in pairs:
            pending.append(assessment)
            yield record

    items: list[Item] = []
    assessments: list[Assessment] = []
    for record in first_of_each_id(records()):  # one record out for each record in, in order
        assessment = pending.popleft()
        if isinstance(record, Reject):
            yield record
            continue
        assert assessment is not None
        items.append(record)
        assessments.append(assessment)
        if len(items) == BATCH:
            yield items, assessments
            items, assessments = [], []
    if items:
        yield items, assessments


# --- executor side -----------------------------------------------------------------------------------------

_ANALYZE: tuple[str, BatchAnalyzer] | None = None  # (scan token, its analyze stage) in this executor process


def _analyzer(token: str, settings: Settings, index: MatchIndex | None) -> BatchAnalyzer:
    """The scan's analyze stage, built once per Python worker (Spark reuses them across tasks)."""
    global _ANALYZE
    if _ANALYZE is None or _ANALYZE[0] != token:
        _ANALYZE = (token, BatchAnalyzer.build(settings, index))
    return _ANALYZE[1]


def _partition_task(
    settings: Settings, csv_mapping: Mapping[str, str] | None, shared: Any, token: str
) -> Callable[[Iterable[Any]], Iterator[tuple[Any, ...]]]:
    def task(entries: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        analyze = _analyzer(token, settings, shared.value if shared is not None else None)
        stats = ReadStats()
        for entry in entries:
            if isinstance(entry, Reject):
                yield ("reject", entry)
                continue
            if isinstance(entry, Source):
                records = read_source(entry, settings, csv_mapping, stats)
            else:
                uri, data = entry
                records = read_bytes(data, uri, settings, csv_mapping, stats)
            yield from _analysed(records, analyze)
        if stats.skipped:
            yield ("skips", stats.skipped, stats.skipped_names, dict(stats.skip_reasons))

    return task


def _analysed(records: Iterable[Item | Reject], analyze: BatchAnalyzer) -> Iterator[tuple[Any, ...]]:
    """Chunks of records in their order, each with the assessments of its items (rejects keep their place)."""
    for chunk in chunked(records, BATCH):
        items = [r for r in chunk if isinstance(r, Item)]
        yield ("records", chunk, analyze(items) if items else [])
