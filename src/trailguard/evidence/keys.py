"""Per-operator Ed25519 signing keys, kept in the evidence data directory.

A key is created on the operator's first signed act; the private key file is created with mode 0600 in one
step (never world-readable, not even briefly). The public key travels inside every entry it signs, so a
bundle verifies on its own; whether a public key really belongs to that operator is checked out of band
(its fingerprint is printed in the case report).
"""

from __future__ import annotations

import getpass
import hashlib
import re
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trailguard.signing import load_private_key

_OPERATOR = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\Z")


class OperatorKeyError(ValueError):
    """An operator name that cannot name a key file, or an unreadable key."""


def check_operator(name: str) -> str:
    """Operator names become file names: letters, digits and . _ @ - only, 1-64 characters."""
    if not _OPERATOR.match(name):
        raise OperatorKeyError(
            f"operator name {name!r} is not allowed (letters, digits, . _ @ -; at most 64)"
        )
    return name


def load_or_create(keydir: Path, operator: str) -> Ed25519PrivateKey:
    """The operator's private key, created on first use."""
    path = keydir / f"{check_operator(operator)}.ed25519"
    keydir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        return load_private_key(path, create=True)
    except ValueError as exc:
        raise OperatorKeyError(str(exc)) from exc


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def fingerprint(public_key_hex: str) -> str:
    """SHA-256 of the raw public key, the form an operator reads out to confirm a key is theirs."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def verify(public_key_hex: str, signature_hex: str, data: bytes) -> bool:
    """True when the signature is valid; malformed keys or signatures are simply invalid."""
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(signature_hex), data
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def operator_or_login(name: str | None) -> str:
    """The operator named on the command line, else the login name of whoever runs the command."""
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
