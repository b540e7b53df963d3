"""What the audit log and the custody log both sign with: one canonical JSON form and Ed25519 key files.

Both chains hash and sign bytes that must come out the same on every machine and in every version, and both
keep private keys that nobody but their owner may ever read; one implementation keeps the two from drifting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def canonical(obj: Any) -> bytes:
    """The bytes that are hashed and signed: JSON with sorted keys, no whitespace, UTF-8."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def load_private_key(path: Path, create: bool) -> Ed25519PrivateKey:
    """The Ed25519 private key at `path`; with `create`, made on first use as a file of mode 0600 from the
    start (never readable by others, not even briefly). FileNotFoundError when it is missing and not to be
    made; ValueError when the file holds something else."""
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no signing key at {path}")
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it between the check and here: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key
