"""Shared fixtures: where the reference data and the optional services are.

The reference vectors (PDQ images and hash lists, BSD licence) are carried under tests/data/pdq, so a clone
alone runs every media test. A test that needs a service (PostgreSQL, Chromium) skips on a developer machine
that lacks it, with a message that says how to get it; under CI (CI=true) a missing service is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PDQ_DATA = ROOT / "tests" / "data" / "pdq"
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(what: str, how: str) -> None:
    """Skip locally, fail under CI."""
    message = f"{what} is not available: {how}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pdq_data() -> Path:
    """tests/data/pdq: the ThreatExchange reference files the media tests read (see its README)."""
    return PDQ_DATA


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("TRAILGUARD_TEST_DATABASE_URL")
    marker = ROOT / ".test-database-url"
    if not url and marker.is_file():
        url = marker.read_text().strip()
    if not url:
        missing("PostgreSQL", "run `make system-deps` as root, or set TRAILGUARD_TEST_DATABASE_URL")
    assert url is not None
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        missing("Chromium", "run `make system-deps` as root (Debian package chromium)")
    return path


# The flags every browser test runs the system's Chromium with (headless, nothing fetched on its own).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """A headless Chromium for one test module (Playwright, imported only by the browser tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_postgres_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A maker of new, empty PostgreSQL databases (their URLs), all dropped after the test, so that tests never
    see each other's rows."""
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"tg_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return postgres_url.rsplit("/", 1)[0] + f"/{name}"

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_postgres_url(new_postgres_database: Callable[[], str]) -> str:
    """The URL of one new, empty PostgreSQL database (see `new_postgres_database`)."""
    return new_postgres_database()
