"""A command loads what it uses: `trailguard --help` and `extract` never import the scan's heavy libraries.

Checked by module, not by clock (a timing test fails on a busy machine and passes on a fast one): each
command runs in a fresh interpreter, as the installed `trailguard` script starts it, and reports the modules
it imported when it exits. benchmarks/startup.py measures the time itself (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
# The libraries that made every command take 2.4-3.0 s and 108 MiB before anything ran.
HEAVY = (
    "numpy",
    "scipy",
    "sqlalchemy",
    "faiss",
    "PIL",
    "pdqhash",
    "networkx",
    "datasketch",
    "jinja2",
    "psycopg",
)
# Trailguard's own heavy layers: none of them is needed to list commands or to extract entities.
PIPELINE = (
    "trailguard.pipeline",
    "trailguard.store",
    "trailguard.link",
    "trailguard.report",
    "trailguard.media.index",
)
_LAUNCH = """
import atexit, json, pathlib, sys
out = pathlib.Path(sys.argv.pop(1))
atexit.register(lambda: out.write_text(json.dumps(sorted(sys.modules))))
sys.argv[0] = "trailguard"
from trailguard.cli import main
main()
"""


def _modules(tmp_path: Path, *args: str, stdin: bytes = b"") -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(SRC), "TRAILGUARD_DATABASE_URL": "sqlite:///:memory:"}
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCH, str(out), *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return set(json.loads(out.read_text()))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("args", [("--help",), ("scan", "--help"), ("bank", "--help"), ("match", "--help")])
def test_help_imports_no_heavy_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    modules = _modules(tmp_path, *args)
    assert "trailguard.cli.scan" in modules  # the command modules were loaded, so the check means something
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, (*PIPELINE, "trailguard.extract", "trailguard.indicators")) == []


def test_extract_loads_extraction_only(tmp_path: Path) -> None:
    modules = _modules(tmp_path, "extract", stdin=b"")
    assert "trailguard.extract.phones" in modules
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, PIPELINE) == []


def test_a_command_still_loads_what_it_needs(tmp_path: Path) -> None:
    """The lazy imports are real imports: `match` on an empty store builds the index (numpy, SQLAlchemy)."""
    modules = _modules(tmp_path, "match", "--type", "md5", "0" * 32)
    assert {"numpy", "sqlalchemy", "trailguard.media.index"} <= modules
