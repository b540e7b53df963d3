"""Conversation analysis on the labelled evaluation set: per-stage precision and recall (message level), the
conversation-level false-positive rate on benign chats, recall on risky chats, median messages-to-alert, and
assessment throughput.

Run: .venv/bin/python benchmarks/chat_eval.py [--repeat 5] [--long 20000] [--set tests/data/chat_tune2]; prints the
docs/benchmarks.md section. `--set` measures another labelled folder of the same format (the second tuning set).
Entities come from the real extractor (`trailguard.extract.extract_entities`), as in a scan; the throughput
includes it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from trailguard.chat.assess import assess_chat
from trailguard.chat.evaluation import EvalReport, evaluate_labelled
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.ingest import jsonl
from trailguard.model import Entity, Item, Message
from trailguard.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LabelledSet:
    """One labelled conversation set and how its section of docs/benchmarks.md names it."""

    folder: str
    heading: str
    command: str
    caveat: str


TUNED = LabelledSet(
    "tests/data/chat_eval",
    "## Conversations (chat analysis)",
    "benchmarks/chat_eval.py",
    "The set is synthetic and was written by the same helper who wrote the rules, so these figures are an "
    "upper bound on real-world performance; they guard against regressions, they do not validate the rules.",
)


def load(folder: str) -> list[Item]:
    """The set's files through the JSON Lines reader a scan uses; a rejected line stops the run, naming it."""
    items: list[Item] = []
    settings = Settings.from_env()
    for path in sorted((ROOT / folder).glob("*.jsonl")):
        with path.open("rb") as stream:
            for read in jsonl.read(stream, path.name, settings):
                if not isinstance(read, Item):
                    raise SystemExit(f"{read.source.file}:{read.source.line}: {read.reason}")
                items.append(read)
    return items


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def long_chat(items: list[Item], size: int) -> Item:
    """One conversation of `size` messages made of the set's messages in turn: the cost of a long chat."""
    pool = [m for item in items for m in item.messages]
    messages = [
        Message(id=str(i), author=pool[i % len(pool)].author, text=pool[i % len(pool)].text)
        for i in range(size)
    ]
    return Item(id="long", kind="chat", messages=messages)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process over `repeat` calls. The CPU time is the cost on
    one core, whatever else the machine runs (the development machine is shared)."""
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def markdown(
    labelled: LabelledSet,
    report: EvalReport,
    throughput: tuple[float, float],
    messages: int,
    machine: str,
    long: tuple[int, float],
    rules_only: float,
) -> str:
    lines = [
        labelled.heading,
        "",
        f"Labelled synthetic set `{labelled.folder}/`: {report.risky} risky and {report.benign} benign "
        f"conversations ({messages} messages). Command: `.venv/bin/python {labelled.command}`.",
        f"Machine: {machine}.",
        "",
        "| conversation level | value |",
        "|---|---|",
        f"| risky reaching high or critical (recall) | {report.risky_alerted}/{report.risky} = "
        f"{report.risky_recall:.3f} |",
        f"| benign reaching high or critical (false-positive rate) | {report.benign_alerted}/{report.benign} = "
        f"{report.false_positive_rate:.3f} |",
        f"| benign reaching medium or above | {len(report.benign_medium)}/{report.benign} = "
        f"{report.benign_medium_rate:.3f} |",
        f"| median messages read before the alert (early-warning index + 1) | "
        f"{fmt(report.median_messages_to_alert)} |",
        f"| assessment throughput, set, wall clock (median of repeats, entity extraction included) | "
        f"{throughput[0]:,.0f} messages/s |",
        f"| assessment throughput per core (CPU time of the process, entity extraction included) | "
        f"{throughput[1]:,.0f} messages/s |",
        f"| rules alone per core (catalogue evaluation, context and conversation rules, no entity extraction) | "
        f"{rules_only:,.0f} messages/s |",
        f"| one conversation of {long[0]:,} messages (median of repeats) | {long[1]:.2f} s |",
        "",
        "| stage (message level) | labelled | precision | recall |",
        "|---|---|---|---|",
    ]
    for stage, c in report.stages.items():
        lines.append(f"| {stage} | {c.tp + c.fn} | {fmt(c.precision)} | {fmt(c.recall)} |")
    lines += [
        "",
        "Message-level: a stage counts as found on a message when a counted (not context-discounted) signal "
        "of that stage fires on it; every signal on a benign conversation is a false positive. "
        f"Missed risky: {', '.join(report.missed) or 'none'}. "
        f"False alarms: {', '.join(report.false_alarms) or 'none'}. "
        f"Benign at medium or above: {', '.join(report.benign_medium) or 'none'}.",
        labelled.caveat,
    ]
    return "\n".join(lines) + "\n"


def describe_machine() -> str:
    """CPU model, cores, memory and Python version, read from /proc where it exists."""
    model, memory = platform.processor() or platform.machine(), ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = next(
            (ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), model
        )
        kib = next(
            int(ln.split()[1])
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{model}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def run(labelled: LabelledSet) -> None:
    """Measure `labelled` and print its section of docs/benchmarks.md (shared by chat_heldout.py)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--long", type=int, default=20_000, help="messages in the long-conversation timing")
    parser.add_argument(
        "--set", help="another labelled folder to measure instead, e.g. tests/data/chat_tune2"
    )
    args = parser.parse_args()
    if args.set:
        labelled = replace(
            labelled,
            folder=args.set,
            heading=f"## Conversations, `{args.set}` (chat analysis)",
            command=f"benchmarks/chat_eval.py --set {args.set}",
        )
    items = load(labelled.folder)
    engine = Engine(packaged_catalogues())
    report = evaluate_labelled(items, engine, extract_entities)
    messages = sum(len(i.messages) for i in items)
    wall, cpu = timed(lambda: [assess_chat(i, engine, extract_entities) for i in items], args.repeat)
    _, rules_cpu = timed(lambda: [assess_chat(i, engine, _no_entities) for i in items], args.repeat)
    big = long_chat(items, args.long)
    long = (args.long, timed(lambda: assess_chat(big, engine, extract_entities), args.repeat)[0])
    throughput = (messages / wall, messages / cpu)
    print(markdown(labelled, report, throughput, messages, describe_machine(), long, messages / rules_cpu))


def _no_entities(_text: str) -> list[Entity]:
    return []


if __name__ == "__main__":
    run(TUNED)
