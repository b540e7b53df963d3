"""One settings object for every stage, read from `TRAILGUARD_*` environment variables.

Stages receive the values they need as arguments; only the command line and the pipeline read settings, so
the pure stages stay testable without an environment. Every value is checked when a `Settings` is made, the
same way whether it came from the environment, a command-line option or code, so a bad value fails before
any input is read with a `SettingsError` naming where it came from.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

DEFAULT_REGION = "US"
# Worker processes a scan may start: past the core count more workers only add memory (about 160 MB each),
# and a typo like `--workers 100000` must not fork without bound.
MAX_WORKERS = max(64, 4 * (os.cpu_count() or 1))
PDQ_BITS = 256


def default_database_url() -> str:
    """SQLite in the user's data directory: works out of the box, survives between runs."""
    directory = Path(user_data_dir("trailguard", appauthor=False))
    return f"sqlite:///{directory / 'trailguard.db'}"


_PASSWORD = re.compile(r"(?<=://)([^/@:]*):[^/@]*@")


def hide_password(url: str) -> str:
    """A database URL as it may be printed: `postgresql://user:***@host/db`."""
    return _PASSWORD.sub(r"\1:***@", url)


class SettingsError(ValueError):
    """A setting with a value Trailguard cannot use. `name` is where the value came from (the variable, or
    the option that overrode it) and `problem` what is wrong, so the message names what the user must fix."""

    def __init__(self, field_name: str, problem: str, name: str | None = None) -> None:
        self.field_name = field_name
        self.problem = problem
        self.name = name or env_name(field_name)
        super().__init__(f"{self.name} {problem}")


def env_name(field_name: str) -> str:
    return f"TRAILGUARD_{field_name.upper()}"


# (least, greatest) accepted for each integer setting; None: no bound on that side.
_BOUNDS: dict[str, tuple[int, int | None]] = {
    "max_record_bytes": (1, None),
    "max_nesting": (1, None),
    "workers": (0, MAX_WORKERS),
    "pdq_min_quality": (0, 100),
    "pdq_max_distance": (0, PDQ_BITS),
    "max_image_pixels": (1, None),
    "max_image_bytes": (1, None),
    "max_decompressed_bytes": (1, None),
    "max_decompression_ratio": (1, None),
    "max_entities": (1, None),
    "claim_minutes": (1, None),
    "public_pow_bits": (1, 32),
    "public_rate_limit": (1, None),
}


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    default_region: str = DEFAULT_REGION  # region used to read phone numbers written without a country code
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
    chat_model: str = ""  # a trained chat scorer (trailguard model train); empty: rules only
    # An operator's own indicator catalogue files, added to the packaged ones: paths separated by os.pathsep.
    catalogues: str = ""
    # Entities kept per item (per chat); the rest are counted in the assessment, never silently dropped. Real
    # ads hold tens; a megabyte of "age 18 " holds 141k, which would cost a 13 MB assessment and store rows.
    max_entities: int = 1000
    # The console's audit anchor: the Ed25519 signing key and the signed checkpoint (default: beside a SQLite
    # database; for a server, in the user's data directory). Keep the key where the database's writers can't.
    audit_key_file: str = ""
    audit_checkpoint_file: str = ""
    claim_minutes: int = 30  # a reviewer's claim on a job lapses after this long
    # The public pages (docs/frontline.md): leading zero bits of SHA-256 a browser must find before a report
    # or hash submission (16: a median 0.9 s in desktop Chromium; a phone is slower), and requests per
    # minute per client address to /api/public/* and the public forms.
    public_pow_bits: int = 16
    public_rate_limit: int = 10
    # The operator's link decisions: a file of `hub KEY` / `not-hub KEY` lines (trailguard.link.config).
    link_overrides: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            bounds = _BOUNDS.get(f.name)
            if bounds is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingsError(f.name, f"must be an integer, got {value!r}")
            least, greatest = bounds
            if value < least or (greatest is not None and value > greatest):
                span = f"at least {least}" if greatest is None else f"{least}..{greatest}"
                raise SettingsError(f.name, f"must be {span}, got {value}")
        if not self.database_url.strip():
            raise SettingsError("database_url", "must not be empty")
        region = self.default_region
        if region != DEFAULT_REGION:  # the default is known good; checking it would import phonenumbers
            import phonenumbers

            if region not in phonenumbers.SUPPORTED_REGIONS:
                raise SettingsError(
                    "default_region", f"is an unknown region {region!r}: use a two-letter code such as US, GB"
                )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read `TRAILGUARD_<FIELD>` for every field; a malformed value is a SettingsError naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(env_name(f.name))
            if raw is None or raw == "":
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise SettingsError(f.name, f"must be an integer, got {raw!r}") from None
            elif f.name == "default_region":
                values[f.name] = raw.strip().upper()
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def override(self, options: Mapping[str, tuple[str, Any]]) -> Settings:
        """These settings with command-line values: {option name: (field, value)}, None values ignored.

        Checked by the same rules as the environment; a bad value is a SettingsError naming the option.
        """
        changes = {name: value for name, value in options.values() if value is not None}
        try:
            return dataclasses.replace(self, **changes)
        except SettingsError as exc:
            option = next((opt for opt, (name, _) in options.items() if name == exc.field_name), None)
            if option is None or exc.field_name not in changes:
                raise
            raise SettingsError(exc.field_name, exc.problem, option) from None
