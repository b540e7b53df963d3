"""The public endpoints' guards: proof of work (wrong, forged, replayed, expired refused), the per-client
rate limiter, follow-up references, and the Accept-Language reader (property-tested: it reads hostile text)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trailguard.frontline.i18n import negotiate
from trailguard.frontline.proof_of_work import ProofOfWork, ProofRefused, leading_zero_bits, solve
from trailguard.frontline.rate_limit import RateLimiter
from trailguard.frontline.references import digest, new_reference, normalise


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _refused(pow_: ProofOfWork, token: str, counter: str) -> str:
    with pytest.raises(ProofRefused) as err:
        pow_.verify(token, counter)
    return err.value.reason


def test_a_solved_challenge_counts_once() -> None:
    pow_ = ProofOfWork(bits=10)
    c = pow_.issue()
    counter = solve(c.token, c.bits)
    assert leading_zero_bits(hashlib.sha256(f"{c.token}:{counter}".encode()).digest()) >= 10
    pow_.verify(c.token, counter)
    assert _refused(pow_, c.token, counter) == "replayed"


def test_a_wrong_counter_is_too_easy_and_a_forged_token_is_forged() -> None:
    pow_ = ProofOfWork(bits=12)
    c = pow_.issue()
    right = solve(c.token, c.bits)
    wrong = next(
        str(n)
        for n in range(10_000)
        if leading_zero_bits(hashlib.sha256(f"{c.token}:{n}".encode()).digest()) < 12
    )
    assert _refused(pow_, c.token, wrong) == "too_easy"
    nonce, expires, _bits, mac = c.token.split(".")
    easier = f"{nonce}.{expires}.1.{mac}"  # claims a 1-bit challenge under the 12-bit signature
    assert _refused(pow_, easier, solve(easier, 1)) == "forged"
    other = ProofOfWork(bits=12)  # another server's key
    foreign = other.issue()
    assert _refused(pow_, foreign.token, solve(foreign.token, 12)) == "forged"
    assert _refused(pow_, "not a token", "1") == "malformed"
    assert _refused(pow_, c.token, "12a") == "malformed"
    assert _refused(pow_, c.token, "9" * 21) == "malformed"
    pow_.verify(c.token, right)  # the refusals spent nothing


def test_an_expired_challenge_is_refused_and_a_lower_setting_is_not_honoured() -> None:
    clock = Clock()
    pow_ = ProofOfWork(bits=8, ttl_seconds=60, clock=clock, key=b"k" * 32)
    c = pow_.issue()
    counter = solve(c.token, c.bits)
    clock.now += 61
    assert _refused(pow_, c.token, counter) == "expired"
    # The same key with a stricter setting does not accept a challenge issued at the weaker one.
    stricter = ProofOfWork(bits=16, clock=clock, key=b"k" * 32)
    clock.now -= 61
    assert _refused(stricter, c.token, counter) == "too_easy"


def test_the_rate_limiter_refuses_past_capacity_per_client_and_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60.0, clock=clock)
    assert [limiter.allow("198.51.100.7") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("198.51.100.8")  # another client has its own bucket
    assert 1 <= limiter.retry_after("198.51.100.7") <= 20
    clock.now += 20  # one token back (3 per 60 s)
    assert limiter.allow("198.51.100.7") and not limiter.allow("198.51.100.7")


def test_references_are_unguessable_readable_and_stored_only_as_a_hash() -> None:
    refs = {new_reference("TGR") for _ in range(200)}
    assert len(refs) == 200
    ref = refs.pop()
    assert normalise(f"  {ref.lower()} ") == ref
    assert digest(ref) == hashlib.sha256(ref.encode()).hexdigest() and ref not in digest(ref)
    for bad in ("", "TGR-AAAA", "TGR-AAAA-AAAA-AAAA-AAAA-AAAA-AAA1", "x" * 10_000):
        with pytest.raises(ValueError):
            normalise(bad)


@given(st.text(max_size=2000))
def test_any_accept_language_header_gives_a_language_we_have(header: str) -> None:
    assert negotiate(None, header) in ("en", "es")


def test_accept_language_and_the_query_choose_as_a_visitor_expects() -> None:
    assert negotiate(None, "es-MX,es;q=0.9,en;q=0.8") == "es"
    assert negotiate(None, "fr-FR, en;q=0.5, es;q=0.7") == "es"
    assert negotiate(None, "de") == "en"
    assert negotiate("en", "es") == "en" and negotiate("es", None) == "es"
    assert negotiate("xx", "es") == "es"
