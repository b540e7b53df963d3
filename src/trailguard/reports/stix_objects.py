"""The STIX 2.1 vocabulary Trailguard writes and reads: TLP 2.0 markings, and two observables STIX lacks.

TLP 2.0 markings are the OASIS objects, by their published ids (cti-stix-common-objects, extension
`extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`); stix2's predefined TLP_* are TLP 1.0 and are
only recognised on import. STIX has no observable for a phone number or a cryptocurrency wallet, so they are
new SCOs defined by extension-definition objects (docs/reports.md, "STIX extensions"), with fixed ids so that
a partner can recognise them across bundles:

- `x-trailguard-phone`: `value`, the number in E.164 (`+16175550123`); its id is derived from `value`.
- `x-trailguard-crypto-wallet`: `currency` (lower-case ticker as extraction writes it: `btc`, `eth`, ...)
  and `address`; its id is derived from both.
"""

from __future__ import annotations

import json
from typing import Any

import stix2
from stix2.properties import StringProperty

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 as STIX 2.1 predefines it, read on import (white is TLP 2.0's clear).
TLP1_IDS: dict[str, str] = {
    stix2.v21.TLP_WHITE.id: "clear",
    stix2.v21.TLP_GREEN.id: "green",
    stix2.v21.TLP_AMBER.id: "amber",
    stix2.v21.TLP_RED.id: "red",
}
TLP_ORDER: tuple[str, ...] = ("clear", "green", "amber", "amber+strict", "red")

# The Trailguard project as the author of its extension definitions (not the reporting organisation).
TRAILGUARD_IDENTITY = "identity--240a206e-ec27-4d14-bbad-8b7837622ac9"
PHONE_EXTENSION = "extension-definition--6d885335-f938-4ecd-adde-198ed4448690"
WALLET_EXTENSION = "extension-definition--9af71754-9e32-4cf4-80b3-913c0424dee2"
DEFINED = "2026-12-01T00:00:00.000Z"

PHONE_TYPE = "x-trailguard-phone"
WALLET_TYPE = "x-trailguard-crypto-wallet"


class _Phone:
    """A phone number (E.164) seen in flagged content."""


class _Wallet:
    """A cryptocurrency address seen in flagged content."""


# Registered with stix2 (so `stix2.parse` builds them), typed Any: the decorator's classes take keyword
# properties that no static type describes.
PhoneNumber: Any = stix2.v21.CustomObservable(
    PHONE_TYPE, [("value", StringProperty(required=True))], ["value"], extension_name=PHONE_EXTENSION
)(_Phone)
CryptoWallet: Any = stix2.v21.CustomObservable(
    WALLET_TYPE,
    [("currency", StringProperty(required=True)), ("address", StringProperty(required=True))],
    ["currency", "address"],
    extension_name=WALLET_EXTENSION,
)(_Wallet)


def tlp_marking(level: str) -> stix2.v21.MarkingDefinition:
    """The OASIS TLP 2.0 marking definition for `level` (clear, green, amber, amber+strict, red)."""
    if level not in TLP2_IDS:
        raise ValueError(f"unknown TLP level {level!r} (expected one of {', '.join(TLP_ORDER)})")
    return stix2.v21.MarkingDefinition(
        id=TLP2_IDS[level],
        created=TLP2_CREATED,
        name=f"TLP:{level.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    )


def _schema(title: str, required: dict[str, str]) -> str:
    return json.dumps(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "type": "object",
            "required": ["type", "id", *required],
            "properties": {"type": {"const": title}}
            | {k: {"type": "string", "description": v} for k, v in required.items()},
        },
        sort_keys=True,
    )


def definitions() -> list[stix2.v21._STIXBase21]:
    """The Trailguard identity and the two extension definitions, to put in every bundle that uses them."""
    author = stix2.v21.Identity(
        id=TRAILGUARD_IDENTITY,
        created=DEFINED,
        modified=DEFINED,
        name="Trailguard project",
        identity_class="organization",
        description="Author of the Trailguard STIX extensions (open-source software; not a reporter).",
    )
    phone = stix2.v21.ExtensionDefinition(
        id=PHONE_EXTENSION,
        created=DEFINED,
        modified=DEFINED,
        created_by_ref=TRAILGUARD_IDENTITY,
        name=PHONE_TYPE,
        description="A phone number seen in flagged content, in E.164.",
        schema=_schema(PHONE_TYPE, {"value": "E.164 phone number"}),
        version="1.0.0",
        extension_types=["new-sco"],
    )
    wallet = stix2.v21.ExtensionDefinition(
        id=WALLET_EXTENSION,
        created=DEFINED,
        modified=DEFINED,
        created_by_ref=TRAILGUARD_IDENTITY,
        name=WALLET_TYPE,
        description="A cryptocurrency address seen in flagged content.",
        schema=_schema(
            WALLET_TYPE, {"currency": "lower-case ticker (btc, eth, ...)", "address": "the address"}
        ),
        version="1.0.0",
        extension_types=["new-sco"],
    )
    return [author, phone, wallet]


def quote(value: str) -> str:
    """A STIX patterning string literal: backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def unquote(literal: str) -> str:
    """The value of a patterning string literal as stix2-patterns returns it (quotes and escapes in place)."""
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        body = literal[1:-1]
        out, escaped = [], False
        for ch in body:
            if escaped or ch != "\\":
                out.append(ch)
                escaped = False
            else:
                escaped = True
        return "".join(out)
    return literal
