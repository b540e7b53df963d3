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


def test_chat_items_give_entities_per_message_and_bad_items_name_their_reason() -> None:
    chat = {"id": "c1", "kind": "chat", "messages": [{"text": "hi"}, {"text": "text me 617-555-0123"}]}
    out = run_extract(orjson.dumps(chat) + b"\n" + orjson.dumps({"id": "c2", "kind": "mail"}) + b"\n")
    assert [(e["value"], e["message"]) for e in out[0]["entities"]] == [("+16175550123", 1)]  # type: ignore[index]
    assert out[1]["id"] == "c2" and "field 'kind' must be one of" in str(out[1]["error"])


def test_unknown_region_is_a_usage_error_before_reading() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "trailguard.cli", "extract", "--region", "XX"],
        input=b"617-555-0123\n",
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 2 and b"unknown region 'XX'" in proc.stderr
