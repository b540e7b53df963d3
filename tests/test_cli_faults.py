"""Environment faults end every command with one line naming the setting to fix, and exit status 2.

The table walks every command that touches the fault with each fault (cli/boundary.py is the one place that
turns them into that line); the disk-full and read-only cases run on real file systems (a tiny tmpfs, a
read-only mount), and a killed scan's outputs and scan row are checked afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from PIL import Image
from typer.testing import CliRunner

from trailguard.cli import app
from trailguard.store import tables as tb
from trailguard.store.writer import Store

PASSWORD = "not-the-password-3141"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def invoke(args: list[str], env: dict[str, str], stdin: str = "") -> tuple[int, str]:
    outcome = CliRunner().invoke(app, [str(a) for a in args], env=env, input=stdin)
    return outcome.exit_code, outcome.output


def assert_one_line(code: int, output: str, *names: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2, output
    assert len(lines) == 1 and "Traceback" not in output, output
    assert all(name in lines[0] for name in names), output
    return lines[0]


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, list[str]]:
    """Every command with arguments that would work against a good environment."""
    items = tmp_path / "items.jsonl"
    items.write_bytes(b'{"id": "ad-1", "text": "call 555-0101 tonight"}\n')
    image = tmp_path / "img.png"
    Image.new("RGB", (64, 64), (40, 90, 160)).save(image)
    (tmp_path / "assessments.jsonl").write_bytes(b"")
    (tmp_path / "networks.json").write_bytes(b"[]")
    bank = tmp_path / "bank.csv"
    bank.write_text(f"type,value\npdq,{PDQ}\n")
    return {
        "scan": ["scan", str(items), "--out", str(tmp_path / "o")],
        "scan --no-store": ["scan", str(items), "--out", str(tmp_path / "o"), "--no-store"],
        "demo": ["demo", "--out", str(tmp_path / "d"), "--n", "5"],
        "extract": ["extract"],
        "link": ["link", str(tmp_path / "assessments.jsonl"), "--out", str(tmp_path / "l")],
        "hash": ["hash", str(image)],
        "match": ["match", str(image)],
        "bank create": ["bank", "create", "b"],
        "bank list": ["bank", "list"],
        "bank import": ["bank", "import", "b", str(bank)],
        "bank export": ["bank", "export", "b"],
        "bank add": ["bank", "add", "b", PDQ],
        "bank withdraw": ["bank", "withdraw", "b", "--reason", "test", "--id", "1"],
        "bank submit-victim-hash": [
            "bank",
            "submit-victim-hash",
            "--case",
            "TG-1234-5678",
            "--md5",
            "0" * 32,
        ],
    }


DATABASE_COMMANDS = [
    "scan", "scan --no-store", "demo", "match", "bank create", "bank list", "bank import", "bank export",
    "bank add", "bank withdraw", "bank submit-victim-hash",
]  # fmt: skip
SETTINGS_COMMANDS = [*DATABASE_COMMANDS, "extract", "link", "hash"]

SETTINGS_FAULTS = [
    ("TRAILGUARD_DEFAULT_REGION", "ZZ"),
    ("TRAILGUARD_PDQ_MAX_DISTANCE", "999"),
    ("TRAILGUARD_MAX_RECORD_BYTES", "0"),
    ("TRAILGUARD_WORKERS", "100000"),
    ("TRAILGUARD_MAX_NESTING", "lots"),
]


def database_faults(tmp_path: Path) -> list[tuple[str, str]]:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not a database\n" * 200)
    faults = [
        ("not a URL", "this is not a url"),
        ("unknown dialect", "nosuchdb://host/db"),
        ("PostgreSQL on a closed port", f"postgresql+psycopg://trailguard:{PASSWORD}@127.0.0.1:1/none"),
        ("SQLite at a directory", f"sqlite:///{tmp_path}"),
        ("SQLite at a file that is not a database", f"sqlite:///{not_a_db}"),
    ]
    marker = Path(__file__).resolve().parent.parent / ".test-database-url"
    real = os.environ.get("TRAILGUARD_TEST_DATABASE_URL") or (
        marker.read_text().strip() if marker.is_file() else ""
    )
    if real.startswith("postgresql") and "@" in real:
        scheme_user, _, host = real.rpartition("@")
        wrong = f"{scheme_user.rsplit(':', 1)[0]}:{PASSWORD}@{host}"
        faults.append(("PostgreSQL with a wrong password", wrong))
    return faults


def test_every_command_reports_a_database_fault_in_one_line(
    tmp_path: Path, workspace: dict[str, list[str]]
) -> None:
    for what, url in database_faults(tmp_path):
        for name in DATABASE_COMMANDS:
            env = {"TRAILGUARD_DATABASE_URL": url, "TRAILGUARD_WORKERS": "1"}
            code, output = invoke(workspace[name], env)
            line = assert_one_line(code, output, "TRAILGUARD_DATABASE_URL")
            assert PASSWORD not in line, (what, name, line)


def test_every_command_reports_a_bad_setting_in_one_line(
    tmp_path: Path, workspace: dict[str, list[str]]
) -> None:
    for variable, value in SETTINGS_FAULTS:
        for name in SETTINGS_COMMANDS:
            env = {"TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}", variable: value}
            assert_one_line(*invoke(workspace[name], env), variable)
    assert not (tmp_path / "o").exists() and not (tmp_path / "tg.db").exists()  # failed before any work


def test_options_and_variables_share_one_validation(tmp_path: Path, workspace: dict[str, list[str]]) -> None:
    env = {"TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}"}
    scan = workspace["scan"]
    for option, value in [("--max-record-bytes", "0"), ("--workers", "100000"), ("--region", "ZZ")]:
        assert_one_line(*invoke([*scan, option, value], env), option)
    assert_one_line(*invoke(scan, {**env, "TRAILGUARD_MAX_RECORD_BYTES": "0"}), "TRAILGUARD_MAX_RECORD_BYTES")
    assert_one_line(*invoke(["demo", "--out", tmp_path / "d", "--n", "-5"], env), "--n")
    assert_one_line(*invoke(["match", PDQ, "--max-distance", "99"], env), "--max-distance")


def test_output_paths_that_cannot_be_written_name_their_option(
    tmp_path: Path, workspace: dict[str, list[str]]
) -> None:
    env = {"TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}", "TRAILGUARD_WORKERS": "1"}
    networks, assessments = tmp_path / "networks.json", tmp_path / "assessments.jsonl"
    a_file, missing = tmp_path / "networks.json", tmp_path / "no" / "such" / "dir"
    cases = [
        (["export", "graphml", networks, "--out", tmp_path], "--out"),  # a directory
        (["export", "csv", networks, "--out", missing / "x.csv"], "--out"),
        (["generate", "--out", tmp_path, "--n", "3"], "--out"),
        (["generate", "--out", missing / "items.jsonl", "--n", "3"], "--out"),
        (["generate", "--out", tmp_path / "g.jsonl", "--n", "3", "--truth", missing / "t.json"], "--truth"),
        (["link", assessments, "--out", a_file], "--out"),
        (["scan", tmp_path / "items.jsonl", "--out", a_file / "sub"], "--out"),
        (["bank", "export", "b", missing / "out.csv"], "out.csv"),
    ]
    assert invoke(["bank", "create", "b"], env)[0] == 0
    for args, option in cases:
        assert_one_line(
            *invoke(args, env), option, "No such file or directory" if missing in args[-1:] else ""
        )


@contextlib.contextmanager
def mounted_tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A real, separate file system (a tmpfs) with `options`; skipped where mounting is not allowed."""
    where.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_ends_the_scan_in_one_line_and_leaves_no_partial_outputs(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    text = "Sweet new girl in town, call 555-0123 or text 555-0188, incall and outcall, ask for Jade. " * 3
    items.write_bytes(b"".join(orjson.dumps({"id": f"ad-{i}", "text": text}) + b"\n" for i in range(3000)))
    db = tmp_path / "tg.db"
    env = {"TRAILGUARD_DATABASE_URL": f"sqlite:///{db}", "TRAILGUARD_WORKERS": "1"}
    with mounted_tmpfs(tmp_path / "full", "size=256k") as full:
        code, output = invoke(["scan", items, "--out", full / "out"], env)
        assert_one_line(code, output, f"--out {full / 'out'}", "No space left on device")
        assert list((full / "out").iterdir()) == []  # no .part files left behind
    assert [row.status for row in Store(f"sqlite:///{db}").engine.connect().execute(tb.scans.select())] == [
        "aborted"
    ]


def test_a_read_only_output_directory_is_one_line(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_bytes(b'{"id": "ad-1", "text": "call 555-0101"}\n')
    env = {"TRAILGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'tg.db'}", "TRAILGUARD_WORKERS": "1"}
    with mounted_tmpfs(tmp_path / "ro", "ro,size=64k") as ro:
        for args in (["scan", items, "--out", ro], ["generate", "--out", ro / "x.jsonl", "--n", "2"]):
            assert_one_line(
                *invoke(args, env), f"--out {args[-3] if args[0] == 'generate' else ro}", "Read-only"
            )


def test_errors_from_the_real_entry_point_are_one_line(tmp_path: Path) -> None:
    """The installed `trailguard` command (cli.main), not only the Typer app, goes through the boundary."""
    env = {**os.environ, "TRAILGUARD_DATABASE_URL": f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:1/x"}
    proc = subprocess.run(
        [sys.executable, "-m", "trailguard.cli", "bank", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.count("\n") == 1 and "TRAILGUARD_DATABASE_URL" in proc.stderr
    assert PASSWORD not in proc.stderr and "Traceback" not in proc.stderr
