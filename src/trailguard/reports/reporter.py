"""Who is reporting: the reporting organisation and person, from `TRAILGUARD_REPORTER_*` or command options.

These details are never invented or defaulted: a report names a real contact person who can be reached, so a
missing one is a SettingsError naming the variable to set (exit 2 on the command line).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from trailguard.settings import SettingsError

FIELDS: tuple[str, ...] = ("org", "first_name", "last_name", "email", "phone")


def variable(name: str) -> str:
    return f"TRAILGUARD_REPORTER_{name.upper()}"


@dataclass(frozen=True, slots=True)
class Reporter:
    org: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""  # E.164 (`+15555550100`) or as the organisation writes it

    def require(self, *names: str) -> Reporter:
        """These details, or a SettingsError naming the first missing one's variable and option."""
        for name in names:
            if not getattr(self, name).strip():
                option = "--reporter-" + name.replace("_", "-")
                raise SettingsError(
                    name, f"is not set: give {option} or set {variable(name)}", variable(name)
                )
        return self


def from_env(
    overrides: Mapping[str, str | None] | None = None, environ: Mapping[str, str] | None = None
) -> Reporter:
    """`TRAILGUARD_REPORTER_<FIELD>` for each field, replaced by any non-empty override (command options)."""
    env = os.environ if environ is None else environ
    given = overrides or {}
    values = {}
    for name in FIELDS:
        value = given.get(name) or env.get(variable(name), "")
        if len(value) > 200 or any(ord(c) < 0x20 for c in value):
            raise SettingsError(
                name, "must be at most 200 characters without control characters", variable(name)
            )
        values[name] = value.strip()
    return Reporter(**values)
