"""One settings object for every stage, read from `TRAILGUARD_*` environment variables.

Stages receive the values they need as arguments; only the command line and the pipeline read settings, so
the pure stages stay testable without an environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from platformdirs import user_data_dir


def default_database_url() -> str:
    """SQLite in the user's data directory: works out of the box, survives between runs."""
    directory = Path(user_data_dir("trailguard", appauthor=False))
    return f"sqlite:///{directory / 'trailguard.db'}"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    default_region: str = "US"  # region used to read phone numbers written without a country code
    max_record_bytes: int = 1_000_000  # a record longer than this is rejected, never parsed
    max_nesting: int = 32  # JSON deeper than this is rejected
    workers: int = 0  # 0: one worker process per CPU core
    pdq_min_quality: int = 50  # hashes below this are kept but never matched (upstream convention)
    pdq_max_distance: int = 31  # Hamming distance of 256 bits counted as a match (upstream convention)
    max_image_pixels: int = 50_000_000  # decompression-bomb guard for images
    max_image_bytes: int = 50_000_000
    # Per compressed source: past either bound the rest of the source is one reject. 256 GiB lets a real 10 GB
    # gzip (typically 5-20x) scan whole; no real input expands 1000x (deflate's ceiling is about 1030x).
    max_decompressed_bytes: int = 256 << 30
    max_decompression_ratio: int = 1000
    # The console's audit anchor: the Ed25519 signing key and the signed checkpoint (default: beside a SQLite
    # database; for a server, in the user's data directory). Keep the key where the database's writers can't.
    audit_key_file: str = ""
    audit_checkpoint_file: str = ""
    claim_minutes: int = 30  # a reviewer's claim on a job lapses after this long

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read `TRAILGUARD_<FIELD>` for every field; a malformed value is an error that names the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"TRAILGUARD_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ValueError(f"TRAILGUARD_{f.name.upper()} must be an integer, got {raw!r}") from exc
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]
