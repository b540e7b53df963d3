"""Conversation analysis on the held-out labelled set (tests/data/chat_heldout): the same table as
benchmarks/chat_eval.py, for a set written without sight of the rules or the tuned set, so the figures show
how far the rules generalise rather than how well they fit the examples they were tuned on.

Run: .venv/bin/python benchmarks/chat_heldout.py [--repeat 5] [--long 20000] (as a script, from the repo
root, like chat_eval.py, which it imports from this folder).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chat_eval import describe_machine, long_chat, markdown, timed
from trailguard.chat.assess import assess_chat
from trailguard.chat.evaluation import evaluate_labelled
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.ingest import jsonl
from trailguard.model import Item
from trailguard.settings import Settings

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "chat_heldout"
TUNED_NAME = "tests/data/chat_eval/"


def load() -> list[Item]:
    """Both files through the JSON Lines reader a scan uses; a rejected line stops the run, naming it."""
    items: list[Item] = []
    settings = Settings.from_env()
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open("rb") as stream:
            for read in jsonl.read(stream, path.name, settings):
                if not isinstance(read, Item):
                    raise SystemExit(f"{read.source.file}:{read.source.line}: {read.reason}")
                items.append(read)
    return items


def retitle(section: str) -> str:
    """chat_eval's table, relabelled for this set: its heading, data path, command and closing caveat."""
    lines = section.splitlines()
    lines[0] = "## Conversations, held-out set (chat analysis)"
    out = [
        ln.replace(TUNED_NAME, "tests/data/chat_heldout/").replace(
            "benchmarks/chat_eval.py", "benchmarks/chat_heldout.py"
        )
        for ln in lines
        if not ln.startswith("The set is synthetic and was written by the same helper")
    ]
    out.append(
        "The held-out set is synthetic and was written without reading the chats catalogue, the conversation "
        "rules or the tuned set; it measures generalisation and must not be used to tune the rules."
    )
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--long", type=int, default=20_000, help="messages in the long-conversation timing")
    args = parser.parse_args()
    items = load()
    engine = Engine(packaged_catalogues())
    report = evaluate_labelled(items, engine, extract_entities)
    messages = sum(len(i.messages) for i in items)
    throughput = messages / timed(
        lambda: [assess_chat(i, engine, extract_entities) for i in items], args.repeat
    )
    big = long_chat(items, args.long)
    long = (args.long, timed(lambda: assess_chat(big, engine, extract_entities), args.repeat))
    print(retitle(markdown(report, throughput, messages, describe_machine(), long)))


if __name__ == "__main__":
    main()
