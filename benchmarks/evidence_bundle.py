"""Benchmark: exporting and verifying a case bundle, by number and size of captures.

    PYTHONPATH=src .venv/bin/python benchmarks/evidence_bundle.py                  # 20 captures of 1 MB
    PYTHONPATH=src .venv/bin/python benchmarks/evidence_bundle.py --captures 50 --mb 5

Captures come from a page server on 127.0.0.1 (random, incompressible bytes so gzip does not shrink them),
without rendering (Chromium's start dominates a rendered capture and is measured by hand in
docs/benchmarks.md). Reported: wall time of `case export --no-render` and of `case verify`, each run as
the CLI runs (in-process through the Typer app, so interpreter start is not counted), and the bundle size.
Bounded: at most 200 captures and 20 MB each; everything is written to a temporary directory and removed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from evidence_bundles import page_server, url_of
from trailguard.cli import app


def _run(*args: str) -> str:
    r = CliRunner().invoke(app, list(args))
    if r.exit_code != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed ({r.exit_code}): {r.stderr}")
    return r.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=20)
    parser.add_argument("--mb", type=float, default=1.0)
    args = parser.parse_args()
    if not (1 <= args.captures <= 200 and 0 < args.mb <= 20):
        raise SystemExit("--captures 1..200 and --mb up to 20")
    body = os.urandom(int(args.mb * 1_000_000))
    with tempfile.TemporaryDirectory() as tmp, page_server(body) as httpd:
        os.environ["TRAILGUARD_DATABASE_URL"] = f"sqlite:///{tmp}/tg.db"
        os.environ.pop("TRAILGUARD_EVIDENCE_DIR", None)
        case_id = _run("case", "create", "Benchmark", "--operator", "bench").strip()
        started = time.perf_counter()
        for n in range(args.captures):
            _run("capture", url_of(httpd, f"/p/{n}"), "--case", case_id, "--operator", "bench", "--no-render")
        capture_s = time.perf_counter() - started
        bundle = Path(tmp) / "case.wacz"
        started = time.perf_counter()
        _run("case", "export", case_id, "--out", str(bundle), "--operator", "bench", "--no-render")
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        _run("case", "verify", str(bundle))
        verify_s = time.perf_counter() - started
        size = bundle.stat().st_size
    print(f"{args.captures} captures of {args.mb:g} MB: capture {capture_s / args.captures * 1000:.0f} ms each, "
          f"export {export_s:.2f} s, verify {verify_s:.2f} s, bundle {size / 1e6:.1f} MB "
          f"(verify {size / 1e6 / verify_s:.0f} MB/s); load {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
