"""`trailguard scan`, `trailguard extract` and `trailguard demo`: the main job and the pieces others script.

Every `trailguard` invocation imports this module to list its commands, so what a command needs is imported
inside it: `--help` loads none of it, `extract` only extraction, never the scan pipeline, the store or the
match index (numpy, scipy, SQLAlchemy).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from trailguard.cli import terminal
from trailguard.cli.app import app
from trailguard.settings import Settings, hide_password

if TYPE_CHECKING:
    from trailguard.media.index import MatchIndex
    from trailguard.pipeline.contracts import ScanOptions, ScanResult, Sink

err = terminal.console(stderr=True)


def _parse_mapping(spec: str | None) -> dict[str, str] | None:
    """`col=field,col2=field2` → {"col": "field", ...}; a malformed pair is a usage error naming it."""
    from trailguard.ingest.csvfile import check_mapping

    if not spec:
        return None
    mapping = {}
    for pair in spec.split(","):
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise typer.BadParameter(f"expected COLUMN=FIELD, got {pair!r}", param_hint="--csv-map")
        mapping[column.strip()] = target.strip()
    try:
        check_mapping(mapping)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--csv-map") from exc
    return mapping


def _check_catalogues(settings: Settings) -> None:
    """Load the operator's catalogues once before the scan: a mistake is a usage error (exit 2) with its line."""
    from trailguard.indicators.catalogue import CatalogueError, catalogue_paths, load_catalogues

    try:
        load_catalogues(catalogue_paths(settings.catalogues))
    except CatalogueError as exc:
        terminal.echo(f"invalid catalogue: {exc}", err=True)
        raise typer.Exit(2) from exc


def _output_dir(out: Path) -> Path:
    """The output directory, created now: a path that cannot be one fails (error boundary: `--out DIR: ...`)
    before any input is read or any scan is recorded."""
    out.mkdir(parents=True, exist_ok=True)
    return out


def _load_index(settings: Settings) -> MatchIndex | None:
    """The image-match index over the store's active bank hashes; None when no bank holds any.

    Read even by `--no-store` scans: not writing results must not silently stop matching known images. A
    SQLite database that does not exist yet holds no banks, and is not created just to find that out.
    """
    url = settings.database_url
    if _no_sqlite_file(url):
        return None
    from trailguard.media.index import MatchIndex
    from trailguard.store.writer import Store

    index = MatchIndex.from_store(Store(url).engine, settings)
    return index if len(index) else None


def _no_sqlite_file(url: str) -> bool:
    """Whether `url` names a SQLite file that does not exist (yet)."""
    sqlite_file = url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:")
    return sqlite_file and not Path(url.removeprefix("sqlite:///")).expanduser().exists()


def _open_store(url: str) -> None:
    """Refuse a store behind the migrations (exit 1 naming `trailguard db upgrade`), before any input is read;
    an empty store is created at the newest revision. Store items are what the console reviews, so a scan
    must not write into a store whose review tables are missing or old."""
    from trailguard.cli.store_ready import store_at_head

    store_at_head(url, create_empty=True).dispose()


def print_summary(result: ScanResult, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Trailguard scan", show_header=False)
    table.add_row("read", str(result.read))
    table.add_row("assessed", str(result.assessed))
    table.add_row("rejected", str(result.rejected))
    if result.skipped:
        table.add_row("files skipped", str(result.skipped))
    if result.entities_truncated:
        table.add_row("items with entities capped", str(result.entities_truncated))
    for band in ("critical", "high", "medium", "low"):
        table.add_row(f"band {band}", str(result.bands.get(band, 0)))
    table.add_row("networks", str(len(result.networks)))
    if result.hubs:
        table.add_row("hubs and copied scripts", str(len(result.hubs)))
    table.add_row("seconds", f"{result.seconds:.1f}")
    console.print(table)
    if result.top:
        top = Table(title="Top items for review")
        for col in ("item", "kind", "band", "score", "indicators"):
            top.add_column(col)
        for item, a in result.top[:10]:
            names = ", ".join(h.indicator for h in a.hits if h.effect == "risk")
            # Item ids come from hostile input: print them as plain text, never as console markup.
            top.add_row(item.id, a.kind, a.band, f"{a.score:.2f}", names, style=None)
        console.print(top, markup=False)
    if result.networks:
        nets = Table(title="Largest networks")
        for col in ("network", "items", "band", "score", "places"):
            nets.add_column(col)
        for n in sorted(result.networks, key=lambda n: (-len(n.items), n.id))[:5]:
            places = " → ".join(str(p.get("place")) for p in n.places[:6])
            nets.add_row(n.id, str(len(n.items)), n.band, f"{n.score:.2f}", places)
        console.print(nets, markup=False)
    console.print(f"Report: {result.report_path}", markup=False, highlight=False)
    console.print(f"Assessments: {result.out_dir / 'assessments.jsonl'}", markup=False, highlight=False)
    if result.rejected:
        console.print(f"Rejected records: {result.out_dir / 'rejected.jsonl'}", markup=False, highlight=False)
    if result.link_skipped:
        console.print(f"Networks: {result.link_skipped}.", markup=False, highlight=False, style="bold")
    if result.changed:
        console.print(
            f"{result.changed} items changed since their stored version; earlier versions kept "
            "(trailguard versions ITEM_ID shows what changed).",
            markup=False,
            highlight=False,
        )
    if result.entities_truncated:
        console.print(
            f"Entities: {result.entities_truncated} items held more than the cap; the rest are counted in "
            "each assessment's entities_truncated (TRAILGUARD_MAX_ENTITIES)."
        )
    if result.skipped:
        reasons = "; ".join(f"{n} {reason}" for reason, n in sorted(result.skip_reasons.items()))
        names = ", ".join(result.skipped_files)
        more = result.skipped - len(result.skipped_files)
        console.print(f"Skipped files ({reasons}): {names}" + (f" and {more} more" if more else ""))


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def scan_inputs(
    inputs: list[str],
    settings: Settings,
    options: ScanOptions,
    engine: Engine = Engine.local,
    master: str | None = None,
) -> ScanResult:
    """Run the scan on `engine` with a progress display on a terminal; shared by `scan` and `demo`.

    The outputs are the same whichever engine runs it: the CLI wires the same sinks (pipeline.sinks) to both.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from trailguard.pipeline.memory import link_shortfall
    from trailguard.pipeline.sinks import standard_sinks
    from trailguard.pipeline.stages import LinkStage

    index = _load_index(settings)
    sinks = standard_sinks(settings, options, LinkStage(settings, link_shortfall))
    runner = _runner(engine, master)
    if err.is_terminal:
        with Progress(
            SpinnerColumn(),
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("scan", total=None)
            return runner(inputs, settings, options, index, lambda n: bar.update(task, completed=n), sinks)
    return runner(inputs, settings, options, index, None, sinks)


def _runner(engine: Engine, master: str | None) -> Callable[..., ScanResult]:
    """The engine's run function; PySpark is imported (and Java looked for) only for `--engine spark`, and
    their absence is an environment fault: one line naming what to install, exit 2."""
    if engine is Engine.local:
        from trailguard.pipeline.local import run_scan

        return run_scan
    from trailguard.pipeline.spark import DEFAULT_MASTER, SparkUnavailable, check_spark, run_scan_spark

    try:
        check_spark()
    except SparkUnavailable as exc:
        terminal.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc

    def run(
        inputs: list[str],
        settings: Settings,
        options: ScanOptions,
        index: MatchIndex | None,
        progress: Callable[[int], None] | None,
        sinks: list[Sink],
    ) -> ScanResult:
        try:
            return run_scan_spark(inputs, settings, options, index, progress, sinks, master or DEFAULT_MASTER)
        except SparkUnavailable as exc:  # Spark did not start on that master: the environment, not the input
            terminal.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from exc

    return run


@app.command()
def scan(
    inputs: Annotated[
        list[str], typer.Argument(help="Files or directories (JSONL, CSV, .gz, chat exports); - for stdin.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", file_okay=False, help="Directory for the output files.")
    ],
    csv_map: Annotated[
        str | None, typer.Option(help="CSV column mapping, e.g. 'body=text,ad_id=id,city=location'.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Region for numbers without a country code (e.g. US).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    max_record_bytes: Annotated[int | None, typer.Option(help="Reject records larger than this.")] = None,
    report_limit: Annotated[
        int, typer.Option(min=0, help="Items shown in full in report.html (0: none, only the counts).")
    ] = 200,
    no_store: Annotated[
        bool,
        typer.Option(
            "--no-store",
            help="Do not write results to the database (its hash banks are still used for matching).",
        ),
    ] = False,
    catalogue: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalogue",
            help="An indicator catalogue file of your own, used with the packaged ones (repeatable; "
            "replaces TRAILGUARD_CATALOGUES). Checked before any input is read: a mistake exits 2 naming "
            "the file and line.",
        ),
    ] = None,
    no_link: Annotated[
        bool,
        typer.Option(
            "--no-link",
            help="Skip linking (networks.json stays empty). Linking holds compact columns of every item "
            "(about 1.6 GiB per million items); the rest of the scan runs in flat memory at any input size.",
        ),
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            dir_okay=False,
            help="A trained chat scorer (trailguard model train); default: TRAILGUARD_CHAT_MODEL, else rules only.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="Where ingest and analysis run: local (a process pool) or spark (PySpark and Java needed; "
            "inputs may then also be URIs Spark reads, e.g. s3a://bucket/ads/). Same outputs either way."
        ),
    ] = Engine.local,
    master: Annotated[
        str | None,
        typer.Option(help="Spark master URL with --engine spark (default local[*]), e.g. spark://host:7077."),
    ] = None,
) -> None:
    """Read items, find identifiers and explained indicators, link networks, write outputs and the store."""
    from trailguard.pipeline.contracts import ScanOptions

    if engine is Engine.local and master is not None:
        raise typer.BadParameter("only with --engine spark", param_hint="--master")
    if engine is Engine.spark and "-" in inputs:
        raise typer.BadParameter("--engine spark reads files and URIs, not stdin (-)", param_hint="INPUTS")

    catalogues = os.pathsep.join(str(p.resolve()) for p in catalogue) if catalogue else None
    settings = Settings.from_env().override(
        {
            "--region": ("default_region", region.upper() if region else None),
            "--workers": ("workers", workers),
            "--max-record-bytes": ("max_record_bytes", max_record_bytes),
            "--model": ("chat_model", str(model) if model is not None else None),
            "--catalogue": ("catalogues", catalogues),
        }
    )
    _check_catalogues(settings)
    csv_mapping = _parse_mapping(csv_map)
    options = ScanOptions(
        out_dir=_output_dir(out),
        csv_mapping=csv_mapping,
        store=not no_store,
        report_limit=report_limit,
        link=not no_link,
    )
    if settings.chat_model:
        from trailguard.learn.modelfile import ModelFileError, load  # scikit-learn only when asked for

        try:
            load(Path(settings.chat_model))
        except ModelFileError as exc:
            raise typer.BadParameter(str(exc), param_hint="--model / TRAILGUARD_CHAT_MODEL") from exc
    if not (no_store and _no_sqlite_file(settings.database_url)):
        _open_store(settings.database_url)
    result = scan_inputs(inputs, settings, options, engine, master)
    print_summary(result, terminal.console())
    if options.store and result.assessed:
        from trailguard.cli.console import fill_after_scan

        fill_after_scan(settings)
    if result.read == 0:
        err.print("Nothing could be read from the inputs.", markup=False)
        raise typer.Exit(1)
    if result.assessed == 0:
        err.print(
            f"No item could be read: every record was rejected (see {result.out_dir / 'rejected.jsonl'}).",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)


@app.command()
def extract(
    region: Annotated[str | None, typer.Option(help="Region for numbers without a country code.")] = None,
) -> None:
    """Entities from stdin: a JSON item or plain text per line in, one JSON object of entities per line out.

    A JSON object is read as an item (validated like `scan` input): its title and text, or for a chat each
    message, with the message index on each entity. Any other line is plain text.
    """
    from trailguard.extract import extract_entities
    from trailguard.ingest.lines import iter_lines
    from trailguard.ingest.validate import InvalidRecord, decode_json, item_from_record
    from trailguard.model import Reject, SourceRef

    settings = Settings.from_env().override(
        {"--region": ("default_region", region.upper() if region else None)}
    )
    region = settings.default_region
    for number, line, oversize in iter_lines(sys.stdin.buffer, settings.max_record_bytes, skip_blank=False):
        out: dict[str, object] = {"line": number}
        if oversize:
            out["error"] = f"line larger than {settings.max_record_bytes} bytes"
            terminal.emit_json(out)
            continue
        line = line.rstrip(b"\r\n")
        record = None
        if line.lstrip().startswith(b"{"):
            try:
                record = decode_json(line, settings.max_nesting)
            except InvalidRecord:
                record = None  # not JSON after all: read as text
        if isinstance(record, dict):
            item = item_from_record(record, SourceRef("-", number), settings)
            if isinstance(item, Reject):
                out.update(id=item.record_id, error=item.reason)
                terminal.emit_json(out)
                continue
            out["id"] = item.id
            if item.kind == "chat":
                entities = [
                    e
                    for i, m in enumerate(item.conversation())
                    for e in extract_entities(m.text, region, message=i)
                ]
            else:
                entities = extract_entities(item.document(), region)
        else:
            entities = extract_entities(line.decode("utf-8", errors="replace"), region)
        out["entities"] = [e.to_dict() for e in entities]
        terminal.emit_json(out)


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the corpus and the scan outputs.")
    ] = Path("demo-out"),
    n: Annotated[int, typer.Option(min=0, help="Items to generate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic corpus.")] = 7,
) -> None:
    """Generate the synthetic demo corpus (fictional identifiers only), scan it into the default database and
    make it ready for the console (queues filled, an admin with a one-time password; no server started)."""
    from trailguard.cli.console import offer_console
    from trailguard.demo.corpus import write_corpus
    from trailguard.pipeline.contracts import ScanOptions

    settings = Settings.from_env()
    _check_catalogues(settings)
    _output_dir(out)
    # A database that cannot be used, or is behind the migrations, fails now, before the corpus is written.
    _open_store(settings.database_url)
    corpus_path = out / "corpus.jsonl"
    write_corpus(corpus_path, n, seed)
    err.print(f"Generated {n} synthetic items in {corpus_path}")
    err.print(f"Database: {hide_password(settings.database_url)}")
    result = scan_inputs([str(corpus_path)], settings, ScanOptions(out_dir=out))
    print_summary(result, terminal.console())
    offer_console(settings)
