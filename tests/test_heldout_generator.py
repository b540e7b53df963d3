"""The held-out planted-network generator (benchmarks/heldout) keeps its contract: deterministic for a seed,
valid Trailguard items that the project's own reader accepts, only fictional numbers, a truth for every item.

Nothing here measures the linker: the held-out set must never be tuned on (benchmarks/heldout/README.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "benchmarks" / "heldout"
FICTIONAL = re.compile(r"^\+1[2-9]\d\d55501\d\d$|^\+447700900\d{3}$|^\+61491570\d{3}$")
# Digit runs as a reader would join them across the separators posters use.
DIGIT_RUN = re.compile(r"\d(?:[\s.\-/$;'\"*()+|~_•]*\d)*")
TRAILGUARD = str(Path(sys.executable).with_name("trailguard"))


def _generate(out: Path, n: int, seed: int) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            str(HELDOUT / "network_gen.py"),
            "--n",
            str(n),
            "--seed",
            str(seed),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heldout") / "a"
    _generate(out, 600, 11)
    return out


def test_same_seed_same_bytes_other_seed_other_corpus(corpus: Path, tmp_path: Path) -> None:
    _generate(tmp_path / "b", 600, 11)
    _generate(tmp_path / "c", 600, 12)
    for name in ("items.jsonl", "truth.jsonl"):
        assert (tmp_path / "b" / name).read_bytes() == (corpus / name).read_bytes()
    assert (tmp_path / "c" / "items.jsonl").read_bytes() != (corpus / "items.jsonl").read_bytes()


def test_items_follow_the_input_contract_and_truth_covers_each_once(corpus: Path) -> None:
    items = _lines(corpus / "items.jsonl")
    truth = _lines(corpus / "truth.jsonl")
    assert len(items) == 600
    assert [t["id"] for t in truth] == [i["id"] for i in items]
    assert len({i["id"] for i in items}) == 600
    kinds = set()
    for it in items:
        assert set(it) <= {
            "id",
            "kind",
            "platform",
            "posted_at",
            "title",
            "text",
            "location",
            "author",
            "images",
        }
        assert it["kind"] in ("ad", "job")
        kinds.add(it["kind"])
        assert it["text"].strip() and it["title"].strip()
        assert datetime.strptime(it["posted_at"], "%Y-%m-%dT%H:%M:%SZ")
        assert all(isinstance(x, str) and x for x in it.get("images", []))
        assert isinstance(it["location"], str) and it["location"]
    assert kinds == {"ad", "job"}
    types_of: dict[str, set[str]] = {}
    for t in truth:
        types_of.setdefault(t["group"], set()).add(t["type"])
    assert all(len(v) == 1 for v in types_of.values())
    planted = {next(iter(v)) for v in types_of.values()}
    assert {"network", "recruiter", "burner", "operator", "copier", "single_ad"} <= planted
    # Posts are in time order, as a board lists them.
    stamps = [it["posted_at"] for it in items]
    assert stamps == sorted(stamps)


def test_only_fictional_numbers(corpus: Path) -> None:
    sys.path.insert(0, str(HELDOUT))
    try:
        import network_gen
    finally:
        sys.path.remove(str(HELDOUT))
    actors, hubs, _ = network_gen.make_plan(600, 11)
    planned = [p for a in actors for p in a.phones + [x for ag in a.agencies for x in ag]]
    planned += [a.booker for a in actors if a.booker] + list(hubs.values())
    assert planned and all(FICTIONAL.match(p.e164) for p in planned)
    # And in the text itself: every long digit run (keycaps, full-width and bold digits folded) is part of a
    # planned number, written nationally, internationally or as +44 (0)7700 ...
    forms = "|".join(f"{p.national}|{p.e164[1:]}|{p.e164[1:3]}{p.national}" for p in planned)
    long_runs = 0
    for it in _lines(corpus / "items.jsonl"):
        text = unicodedata.normalize("NFKC", it["title"] + "\n" + it["text"]).replace("\ufe0f\u20e3", "")
        for m in DIGIT_RUN.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if len(digits) >= 7:
                long_runs += 1
                assert digits in forms, (it["id"], m.group())
    assert long_runs > 100


def test_the_project_reader_accepts_every_item(corpus: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAILGUARD_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT / "src"))
    out = tmp_path / "out"
    subprocess.run(
        [TRAILGUARD, "scan", str(corpus / "items.jsonl"), "--out", str(out), "--no-store", "--no-link"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert (out / "rejected.jsonl").read_text(encoding="utf-8") == ""
    assert len((out / "assessments.jsonl").read_text(encoding="utf-8").splitlines()) == 600


def test_phone_set_is_labelled_with_fictional_e164_and_has_decoys() -> None:
    rows = _lines(HELDOUT / "phones_heldout.jsonl")
    with_phone = [r for r in rows if r["phones"]]
    decoys = [r for r in rows if not r["phones"]]
    assert len(with_phone) >= 150 and len(decoys) >= 50
    assert all(FICTIONAL.match(p) for r in with_phone for p in r["phones"])
    assert all(r.get("region") in (None, "US", "GB", "AU") for r in rows)
    assert len({r["text"] for r in rows}) == len(rows)
