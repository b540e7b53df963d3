"""The Spark engine against the local one: the same files byte for byte, the same store, the same CLI faults.

Marked `spark` (select with `-m spark`). They need PySpark and Java: skipped locally with the reason when
either is missing, failed under CI=true. Each Spark scan starts a JVM (about 20 s on 2 cores), so the
comparisons run on a few thousand items here; the 100k comparison is benchmarks/spark_vs_local.py. Linking on
Spark (pipeline.spark_link: the template fine step and the clustering on executors) is checked to have run
there, not only to agree.
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import missing
from trailguard.demo.corpus import iter_items, write_corpus
from trailguard.pipeline.contracts import ScanOptions, ScanResult
from trailguard.pipeline.local import run_scan
from trailguard.settings import Settings
from trailguard.store import tables as tb
from trailguard.store.writer import Store

pytestmark = [pytest.mark.spark, pytest.mark.slow]

OUTPUTS = ("assessments.jsonl", "rejected.jsonl", "networks.json", "hubs.json")


@pytest.fixture(scope="module")
def spark_ready() -> None:
    from trailguard.pipeline.spark import SparkUnavailable, check_spark

    try:
        check_spark()
    except SparkUnavailable as exc:
        missing("Spark", str(exc))


def _spark(inputs: list[str], settings: Settings, options: ScanOptions) -> ScanResult:
    from trailguard.pipeline.spark import run_scan_spark

    return run_scan_spark(inputs, settings, options, master="local[2]")


@pytest.fixture
def spark_link_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each Spark link step ran (they run in this process, the driver, and send work to executors)."""
    from trailguard.pipeline import spark_link

    calls: Counter[str] = Counter()
    for name in ("find_templates", "components"):
        real = getattr(spark_link, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(spark_link, name, counted)
    return calls


def _same_files(a: Path, b: Path, names: tuple[str, ...] = OUTPUTS) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between engines"


def _stored(url: str) -> dict[str, Any]:
    """What the store holds, without what differs between any two runs (scan ids, times)."""
    with Store(url).engine.connect() as conn:
        return {
            "assessments": sorted(
                conn.execute(select(tb.assessments.c.item_id, tb.assessments.c.data)).all()
            ),
            "items": sorted(
                conn.execute(
                    select(
                        tb.items.c.id,
                        tb.items.c.content_sha256,
                        tb.items.c.source_file,
                        tb.items.c.source_line,
                    )
                ).all()
            ),
            "entities": sorted(conn.execute(select(tb.entities)).all()),
            "hits": sorted(
                conn.execute(select(tb.hits.c.item_id, tb.hits.c.indicator, tb.hits.c.weight)).all()
            ),
            "networks": sorted(conn.execute(select(tb.networks.c.id, tb.networks.c.data)).all()),
            "members": sorted(conn.execute(select(tb.network_items)).all()),
            "rejects": sorted(
                (r.source, r.line, r.record_id, r.reason) for r in conn.execute(select(tb.rejects)).all()
            ),
            "scans": [(s.status, s.read, s.assessed, s.rejected) for s in conn.execute(select(tb.scans))],
        }


def test_demo_corpus_gives_the_same_files_and_store(
    tmp_path: Path, spark_ready: None, spark_link_calls: Counter[str]
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 1500, 7)
    results = {}
    for engine in ("local", "spark"):
        settings = Settings(database_url=f"sqlite:///{tmp_path / engine}.db", workers=2)
        options = ScanOptions(out_dir=tmp_path / engine)
        run = _spark if engine == "spark" else run_scan
        results[engine] = run([str(corpus)], settings, options)
    local, spark = results["local"], results["spark"]
    assert spark.engine == "spark" and local.assessed == spark.assessed == 1500
    assert len(local.networks) > 10 and local.networks == spark.networks and local.hubs == spark.hubs
    assert [i.id for i, _ in local.top] == [i.id for i, _ in spark.top]
    _same_files(tmp_path / "local", tmp_path / "spark")
    stored = _stored(f"sqlite:///{tmp_path / 'local'}.db")
    assert stored["networks"] and stored == _stored(f"sqlite:///{tmp_path / 'spark'}.db")
    # linked on Spark: the scan's link, then its relink with the store (which holds nothing else)
    assert spark_link_calls == {"find_templates": 1, "components": 1}


def test_templates_hubs_copied_scripts_and_relinking_with_the_store_match(
    tmp_path: Path, spark_ready: None, spark_link_calls: Counter[str]
) -> None:
    """A generated corpus with group templates, hubs and copied scripts, scanned after a first scan that left
    overlapping items in the store: the scan and its relink with the stored items run on Spark."""
    lines = [orjson.dumps(d) for d in iter_items(4000, 11)]
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"\n".join(lines[:1500]) + b"\n")
    second.write_bytes(b"\n".join(lines[1500:]) + b"\n")
    db = {engine: tmp_path / f"{engine}.db" for engine in ("local", "spark")}
    for path in db.values():  # the same first scan into each store
        run_scan(
            [str(first)], Settings(database_url=f"sqlite:///{path}"), ScanOptions(out_dir=tmp_path / "o")
        )
    results = {}
    for engine, run in (("local", run_scan), ("spark", _spark)):
        settings = Settings(database_url=f"sqlite:///{db[engine]}", workers=2)
        results[engine] = run([str(second)], settings, ScanOptions(out_dir=tmp_path / engine))
    local, spark = results["local"], results["spark"]
    assert local.networks == spark.networks and local.hubs == spark.hubs
    hub_types = Counter(h.type for h in local.hubs)
    assert hub_types["template"] >= 1 and sum(hub_types.values()) > hub_types["template"], hub_types
    merged_by_template = [r for n in local.networks for r in n.reasons if r.kind == "template" and r.merged]
    assert merged_by_template
    _same_files(tmp_path / "local", tmp_path / "spark")
    stored = _stored(f"sqlite:///{db['local']}")
    assert stored == _stored(f"sqlite:///{db['spark']}")
    # the relink took in stored items: a stored network holds items of both scans
    first_ids = {orjson.loads(line)["id"] for line in lines[:1500]}
    scans_of: dict[str, set[bool]] = {}
    for network, item in stored["members"]:
        scans_of.setdefault(network, set()).add(item in first_ids)
    assert any(len(both) == 2 for both in scans_of.values())
    assert spark_link_calls == {"find_templates": 2, "components": 2}


def test_connected_components_on_spark_are_scipys(spark_ready: None) -> None:
    """Long chains in shuffled order (many large-star/small-star rounds), random edges, self-loops and lone
    items: the same grouping as scipy's components, each labelled by its smallest item."""
    from trailguard.link.templates import components as here
    from trailguard.pipeline.spark import spark_session
    from trailguard.pipeline.spark_link import components

    rng = np.random.default_rng(5)
    chain = np.stack([np.arange(799), np.arange(1, 800)], axis=1)[rng.permutation(799)] + 1000
    pairs = np.concatenate([chain, rng.integers(0, 900, size=(600, 2)), [[950, 950]]])
    session = spark_session("local[2]")
    try:
        labels = components(session.sparkContext, 2000, pairs)
    finally:
        session.stop()
    expected = here(2000, pairs)
    smallest = {lab: i for i, lab in reversed(list(enumerate(expected.tolist())))}
    assert labels.tolist() == [smallest[lab] for lab in expected.tolist()]
    assert len(set(labels[1000:1800].tolist())) == 1 and labels[950] == 950 and labels[1999] == 1999


def test_directories_faults_and_uris_read_as_the_local_engine_reads_them(
    tmp_path: Path, spark_ready: None
) -> None:
    """Several files (one partition each), a gzip file, malformed lines, an id repeated across files, a file
    no format takes, and a URI: the same records in the same order, the same rejects and skips."""
    data = tmp_path / "in"
    (data / "sub").mkdir(parents=True)
    lines = [orjson.dumps(d) for d in iter_items(1200, 11)]
    (data / "a.jsonl").write_bytes(b"\n".join(lines[:400]) + b"\n{not json\n")
    with gzip.open(data / "sub" / "b.jsonl.gz", "wb") as fh:
        fh.write(b"\n".join([*lines[400:800], lines[5]]) + b"\n")  # lines[5] repeats an id of a.jsonl
    (data / "notes.bin").write_bytes(b"not an input")
    extra = tmp_path / "extra.jsonl"  # read through Spark's own file system as a URI
    extra.write_bytes(b"\n".join(lines[800:]) + b"\n")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", workers=2)
    local = run_scan([str(data), str(extra)], settings, ScanOptions(out_dir=tmp_path / "local", store=False))
    spark = _spark(
        [str(data), extra.as_uri()], settings, ScanOptions(out_dir=tmp_path / "spark", store=False)
    )
    assert local.assessed == spark.assessed == 1200 and local.rejected == spark.rejected == 2
    assert local.skipped == spark.skipped == 1 and local.skip_reasons == spark.skip_reasons
    assert local.reject_reasons == spark.reject_reasons
    _same_files(tmp_path / "local", tmp_path / "spark")


def test_a_standalone_cluster_of_two_workers_gives_the_same_files(tmp_path: Path, spark_ready: None) -> None:
    """The run docs/deployment.md describes: a master and two workers on 127.0.0.1, `--master spark://...`."""
    from spark_cluster import StandaloneCluster
    from trailguard.pipeline.spark import run_scan_spark

    data = tmp_path / "in"
    data.mkdir()
    lines = [orjson.dumps(d) for d in iter_items(800, 11)]
    for k in range(4):  # four partitions over two executors
        (data / f"part-{k}.jsonl").write_bytes(b"\n".join(lines[k * 200 : (k + 1) * 200]) + b"\n")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", workers=2)
    local = run_scan([str(data)], settings, ScanOptions(out_dir=tmp_path / "local", store=False))
    cluster = StandaloneCluster(tmp_path / "cluster")
    try:
        remote = run_scan_spark(
            [str(data)], settings, ScanOptions(out_dir=tmp_path / "spark", store=False), master=cluster.url
        )
    finally:
        cluster.stop()
    assert remote.assessed == local.assessed == 800 and remote.networks == local.networks
    _same_files(tmp_path / "local", tmp_path / "spark")
    assert all(p.poll() is not None for p in cluster.procs)  # the cluster's processes are gone


def test_spark_engine_without_java_is_an_environment_fault(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    from trailguard.cli import app

    corpus = tmp_path / "c.jsonl"
    write_corpus(corpus, 5, 1)
    env = {"JAVA_HOME": str(tmp_path / "no-java"), "TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    result = CliRunner().invoke(
        app, ["scan", str(corpus), "--out", str(tmp_path / "o"), "--engine", "spark"], env=env
    )
    assert result.exit_code == 2
    assert "needs Java 17 or later" in result.output
    assert not (tmp_path / "o" / "assessments.jsonl").exists()


def test_master_without_spark_engine_and_stdin_on_spark_are_usage_errors(tmp_path: Path) -> None:
    from trailguard.cli import app

    env = {"TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    out = str(tmp_path / "o")
    local = CliRunner().invoke(app, ["scan", "-", "--out", out, "--master", "local[2]"], env=env, input="")
    assert local.exit_code == 2 and "--master" in local.output
    stdin = CliRunner().invoke(app, ["scan", "-", "--out", out, "--engine", "spark"], env=env, input="")
    assert stdin.exit_code == 2 and "not stdin" in stdin.output
