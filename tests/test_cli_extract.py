"""`trailguard extract`: text or JSON items on stdin, one JSON object of entities per line on stdout."""

from __future__ import annotations

import subprocess
import sys

import orjson


def run_extract(data: bytes, *args: str) -> list[dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-m", "trailguard.cli", "extract", *args],
        input=data,
        capture_output=True,
        timeout=120,
        check=True,
    )
    return [orjson.loads(line) for line in proc.stdout.splitlines()]


def test_text_and_json_lines_each_give_one_output_line() -> None:
    lines = [
        b"call six1seven 555 o1two3 or jade at example dot com",
        orjson.dumps({"id": "ad-9", "title": "Hi", "text": "Cash App $JadeFake01, 22 yrs, in Boston, MA"}),
        b"nothing to see here",
        b'{"id": "broken", "text": ',
    ]
    out = run_extract(b"\n".join(lines) + b"\n")
    assert [o["line"] for o in out] == [1, 2, 3, 4]
    first = {(e["type"], e["value"], e["obfuscated"]) for e in out[0]["entities"]}  # type: ignore[union-attr]
    assert ("phone", "+16175550123", True) in first
    assert ("email", "jade@example.com", True) in first
    assert out[1]["id"] == "ad-9"
    second = {(e["type"], e["value"]) for e in out[1]["entities"]}  # type: ignore[union-attr]
    assert {("payment", "cashapp:$jadefake01"), ("age", 22), ("place", "Boston, MA")} <= second
    assert out[2]["entities"] == []
    # A line that looks like JSON but is not is read as text, never an error that stops the stream.
    assert out[3]["entities"] == []


def test_region_option_reads_local_numbers_of_that_region() -> None:
    [out] = run_extract(b"llamame al 020 7946 0123\n", "--region", "GB")
    assert [e["value"] for e in out["entities"]] == ["+442079460123"]  # type: ignore[index]
