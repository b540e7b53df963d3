"""Hashcash-style proof of work for the public forms: the server issues a signed challenge, the browser finds
a counter whose SHA-256 with it starts with enough zero bits, and the server checks it once.

Why: a public form with no account and no third-party CAPTCHA (which would send visitors' data elsewhere)
still needs to make bulk submission cost something. A few seconds of one device's work is nothing for one
report and a real cost for ten thousand. Challenges are HMAC-signed with a key held only in memory, so the
server stores nothing until a solution arrives; each challenge expires, and a solved one is remembered until
it expires so it cannot be spent twice. One server process: a second process has its own key and memory
(docs/frontline.md, "Limits"). Hand-written: no maintained library does issue-and-verify for Web Crypto
clients, and the whole check is a few lines of hashlib and hmac.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_TOKEN = 200
MAX_COUNTER = 20  # decimal digits: more than any browser will count to
MAX_REMEMBERED = 100_000  # solved challenges held until they expire; past this, solutions are refused


class ProofRefused(ValueError):
    """A solution that does not count: `reason` is malformed, forged, expired, replayed or too_easy."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"proof of work refused: {reason}")


@dataclass(frozen=True, slots=True)
class Challenge:
    token: str
    bits: int
    expires: int  # Unix seconds


def leading_zero_bits(digest: bytes) -> int:
    count = 0
    for byte in digest:
        if byte:
            return count + 8 - byte.bit_length()
        count += 8
    return count


def solve(token: str, bits: int) -> str:
    """The first counter that meets `bits` (what the browser does; for tests and command-line clients)."""
    counter = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)


class ProofOfWork:
    def __init__(
        self,
        bits: int,
        ttl_seconds: int = 300,
        clock: Callable[[], float] = time.time,
        key: bytes | None = None,
    ) -> None:
        if not 1 <= bits <= 32:
            raise ValueError(f"proof-of-work bits must be 1..32, got {bits}")
        self.bits = bits
        self.ttl = ttl_seconds
        self._clock = clock
        self._key = key or secrets.token_bytes(32)
        self._spent: dict[str, int] = {}  # challenge nonce -> its expiry
        self._lock = threading.Lock()

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self) -> Challenge:
        nonce = secrets.token_urlsafe(16)
        expires = int(self._clock()) + self.ttl
        body = f"{nonce}.{expires}.{self.bits}"
        return Challenge(token=f"{body}.{self._mac(body)}", bits=self.bits, expires=expires)

    def verify(self, token: str, counter: str) -> None:
        """Accept one solution, once; ProofRefused with the reason otherwise."""
        if len(token) > MAX_TOKEN or not (0 < len(counter) <= MAX_COUNTER and counter.isdigit()):
            raise ProofRefused("malformed")
        parts = token.split(".")
        if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
            raise ProofRefused("malformed")
        nonce, expires_text, bits_text, mac = parts
        if not hmac.compare_digest(mac, self._mac(f"{nonce}.{expires_text}.{bits_text}")):
            raise ProofRefused("forged")
        expires, bits = int(expires_text), int(bits_text)
        now = int(self._clock())
        if expires < now:
            raise ProofRefused("expired")
        if (
            bits < self.bits
            or leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits
        ):
            raise ProofRefused("too_easy")
        with self._lock:
            if nonce in self._spent:
                raise ProofRefused("replayed")
            if len(self._spent) >= MAX_REMEMBERED:
                self._spent = {n: e for n, e in self._spent.items() if e >= now}
                if len(self._spent) >= MAX_REMEMBERED:
                    raise ProofRefused("replayed")  # cannot remember more: refuse rather than allow replays
            self._spent[nonce] = expires
