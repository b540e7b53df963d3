"""`trailguard model`: train and cross-validate a scorer on a team's own labelled conversations.

`trailguard model train --kind chat LABELLED.jsonl --out MODEL` writes a model file (arrays and JSON, no
pickle: learn.modelfile) that `trailguard scan --model MODEL` or TRAILGUARD_CHAT_MODEL adds to the rules;
`trailguard model evaluate --kind chat LABELLED.jsonl --folds 5 --json` prints cross-validated figures.
Labelled input is chat items in the item contract with a top-level `"label": 1` (risky) or `0` (benign),
read by the same readers as a scan (the label is kept in `extra`). A record that cannot be used (unreadable,
not a chat, no 0/1 label) is reported on stderr with its file, line and reason, and counted: read = used +
rejected. scikit-learn is imported by these commands only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from trailguard.cli.app import app
from trailguard.cli.terminal import echo, emit_json
from trailguard.ingest import ReadStats, read_sources
from trailguard.model import Item, Reject
from trailguard.settings import Settings

model_app = typer.Typer(
    help="Train and evaluate a scorer on your own labelled cases (chat only).", no_args_is_help=True
)
app.add_typer(model_app, name="model")

KINDS = ("chat",)
MAX_REPORTED_REJECTS = 20  # reasons printed one by one; the rest are counted


@dataclass(slots=True)
class Labelled:
    items: list[Item] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    read: int = 0
    rejected: int = 0


def _checked_kind(kind: str) -> None:
    if kind not in KINDS:
        raise typer.BadParameter(
            f"only {', '.join(KINDS)} can be trained for now, got {kind!r}", param_hint="--kind"
        )


def _label_problem(item: Item) -> str | None:
    if item.kind != "chat":
        return f"kind {item.kind!r}: only chat items can be used with --kind chat"
    label = item.extra.get("label")
    if type(label) is not int or label not in (0, 1):
        return f"label must be 1 (risky) or 0 (benign), got {label!r}"
    if not item.conversation():
        return "a chat with no messages"
    return None


def _read_labelled(path: Path) -> Labelled:
    """The usable labelled chats of `path`; every other record is reported on stderr and counted."""
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not path.exists():
        raise typer.BadParameter(f"{path}: no such file", param_hint="LABELLED")
    out = Labelled()
    stats = ReadStats()
    for read in read_sources([str(path)], settings, stats=stats):
        out.read += 1
        problem: str | None
        if isinstance(read, Reject):
            problem, where = read.reason, f"{read.source.file}:{read.source.line}"
        else:
            problem = _label_problem(read)
            where = f"{read.source.file}:{read.source.line}" if read.source else read.id
        if problem is None and isinstance(read, Item):
            out.items.append(read)
            out.labels.append(int(read.extra["label"]))
            continue
        out.rejected += 1
        if out.rejected <= MAX_REPORTED_REJECTS:
            echo(f"rejected {where}: {problem}", err=True)
    if out.rejected > MAX_REPORTED_REJECTS:
        echo(f"... and {out.rejected - MAX_REPORTED_REJECTS} more rejected records", err=True)
    positive = sum(out.labels)
    if positive == 0 or positive == len(out.labels):
        echo(
            f"{path}: {len(out.labels)} usable labelled chats ({positive} labelled 1); both labels are needed",
            err=True,
        )
        raise typer.Exit(1)
    return out


@model_app.command("train")
def train(
    labelled: Annotated[
        Path, typer.Argument(help='JSON Lines of chat items with "label": 1 or 0.', dir_okay=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="The model file to write.")],
    kind: Annotated[str, typer.Option("--kind", help="Item kind of the scorer (chat).")] = "chat",
) -> None:
    """Train a scorer on labelled items and write it as a model file."""
    _checked_kind(kind)
    data = _read_labelled(labelled)
    from trailguard.learn import chat_scorer, modelfile

    scorer = chat_scorer.train(data.items, data.labels)
    try:
        modelfile.save(scorer, out)
    except OSError as exc:
        echo(f"{out}: cannot write the model file: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    echo(
        f"trained on {len(data.items)} chats ({sum(data.labels)} risky) from {data.read} records "
        f"({data.rejected} rejected); wrote {out}"
    )


@model_app.command("evaluate")
def evaluate(
    labelled: Annotated[
        Path, typer.Argument(help='JSON Lines of chat items with "label": 1 or 0.', dir_okay=False)
    ],
    kind: Annotated[str, typer.Option("--kind", help="Item kind of the scorer (chat).")] = "chat",
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds (stratified).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fold shuffle.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Cross-validate the scorer on labelled items: ROC-AUC, precision, recall and F0.5 of the risky class."""
    _checked_kind(kind)
    data = _read_labelled(labelled)
    from trailguard.learn import chat_scorer

    try:
        figures = chat_scorer.cross_validate(data.items, data.labels, folds=folds, seed=seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--folds") from exc
    figures |= {"read": data.read, "rejected": data.rejected}
    if as_json:
        emit_json(figures)
        return
    for key in ("items", "positive", "folds", "roc_auc", "precision", "recall", "f05", "rejected"):
        echo(f"{key:>10}: {figures[key]}")
