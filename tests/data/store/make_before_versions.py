"""Write before-versions.sql: a store as Trailguard wrote it before item versions were kept.

Run with the source tree of commit d7930f1 (the last before versions) first on the path, from the repository:

    git archive d7930f1 src | tar -x -C /tmp/tg-old
    PYTHONPATH=/tmp/tg-old/src python tests/data/store/make_before_versions.py

It scans tests/store_fixtures.py's inputs (the first export of the chat, with the threat) in a temporary
directory and dumps the database as SQL. tests/test_store_versions.py loads it and opens it with this code.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for store_fixtures

from store_fixtures import write_inputs  # noqa: E402
from trailguard.pipeline.local import ScanOptions, run_scan  # noqa: E402
from trailguard.settings import Settings  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    inputs = write_inputs(Path(tmp))
    db = Path(tmp) / "tg.db"
    settings = Settings(database_url=f"sqlite:///{db}", workers=1)
    run_scan(inputs, settings, ScanOptions(out_dir=Path(tmp) / "out"))
    conn = sqlite3.connect(db)
    (HERE / "before-versions.sql").write_text("\n".join(conn.iterdump()) + "\n")
    conn.close()
