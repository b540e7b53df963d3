"""Crypto wallets: only checksum-valid addresses, from addresses generated here from fixed seeds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import base58
import bech32
import pytest
from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from trailguard.extract.crypto import eip55_checksum, find_wallets, valid_segwit_address

LABELLED = Path(__file__).parent / "data" / "labelled"
BECH32M = 0x2BC830A3


def p2pkh(payload: bytes, version: int = 0) -> str:
    return base58.b58encode_check(bytes([version]) + hashlib.sha256(payload).digest()[:20]).decode()


def segwit(payload: bytes, witver: int = 0, size: int = 20, hrp: str = "bc") -> str:
    program = list(hashlib.sha256(payload).digest()[:size])
    if witver == 0:
        address = bech32.encode(hrp, 0, program)
        assert address is not None
        return address
    data = [witver, *(bech32.convertbits(program, 8, 5) or [])]
    polymod = bech32.bech32_polymod([*bech32.bech32_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ BECH32M
    return (
        hrp
        + "1"
        + "".join(bech32.CHARSET[d] for d in data + [(polymod >> 5 * (5 - i)) & 31 for i in range(6)])
    )


def eth(payload: bytes) -> str:
    """EIP-55 written out here from the spec, independently of the module under test."""
    hexpart = hashlib.sha256(payload).hexdigest()[:40]
    digest = keccak.new(digest_bits=256, data=hexpart.encode()).hexdigest()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(hexpart, digest, strict=False))


def test_eip55_spec_vectors() -> None:
    # Test vectors published in EIP-55 itself.
    for address in (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    ):
        assert eip55_checksum(address.lower()) == address


def test_bip173_spec_vector() -> None:
    assert valid_segwit_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
    assert not valid_segwit_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T5")


@pytest.mark.parametrize(
    ("address", "value"),
    [
        (p2pkh(b"a"), f"btc:{p2pkh(b'a')}"),
        (p2pkh(b"b", 5), f"btc:{p2pkh(b'b', 5)}"),
        (segwit(b"c"), f"btc:{segwit(b'c')}"),
        (segwit(b"c").upper(), f"btc:{segwit(b'c')}"),
        (segwit(b"d", size=32), f"btc:{segwit(b'd', size=32)}"),
        (segwit(b"e", witver=1, size=32), f"btc:{segwit(b'e', witver=1, size=32)}"),
        (segwit(b"f", hrp="tb"), f"btc:{segwit(b'f', hrp='tb')}"),
        (eth(b"g"), f"eth:{eth(b'g').lower()}"),
        (eth(b"g").lower(), f"eth:{eth(b'g').lower()}"),
        ("0x" + eth(b"g")[2:].upper(), f"eth:{eth(b'g').lower()}"),
    ],
)
def test_valid_addresses(address: str, value: str) -> None:
    text = f"Deposit first: {address}. Thanks"
    (found,) = find_wallets(text)
    assert found.value == value
    assert found.raw == address == text[found.start : found.end]


def test_checksummed_flag() -> None:
    (mixed,) = find_wallets(eth(b"h"))
    (lower,) = find_wallets(eth(b"h").lower())
    assert mixed.attrs == {"checksummed": True}
    assert lower.attrs == {"checksummed": False}
    assert mixed.key() == lower.key()  # both writes of one address link


@pytest.mark.parametrize(
    "text",
    [
        "0x" + hashlib.sha256(b"tx").hexdigest(),  # a 64-hex transaction hash
        "order 1A2b3C4d5E6f7G8h9J1k2L3m4N5p6Q",
        p2pkh(b"testnet", 0x6F),  # testnet base58 is not a mainnet wallet
        segwit(b"i", witver=1, size=32).replace("bc1p", "bc1q"),  # v0 marker on a Bech32m checksum
        "bc1" + "q" * 39,
        segwit(b"j")[:-1] + segwit(b"j")[-1].upper(),  # mixed case is invalid Bech32
    ],
)
def test_decoys(text: str) -> None:
    assert find_wallets(text) == []


def test_labelled_set() -> None:
    lines = (LABELLED / "crypto.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 40
    for line in lines:
        case = json.loads(line)
        assert sorted(e.value for e in find_wallets(case["text"])) == sorted(
            e["value"] for e in case["expected"]
        )


SEEDS = st.binary(min_size=1, max_size=16)
FILLER = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


def replace_one(address: str, index: int, alphabet: str) -> str:
    i = 3 + index % (len(address) - 3)  # keep the prefix ("1", "3", "bc1") so the shape still matches
    choices = [c for c in alphabet if c != address[i]]
    return address[:i] + choices[index % len(choices)] + address[i + 1 :]


def flip_case(address: str, index: int) -> str | None:
    letters = [i for i, c in enumerate(address) if i >= 2 and c.isalpha()]
    if not letters:
        return None
    i = letters[index % len(letters)]
    bad = address[:i] + address[i].swapcase() + address[i + 1 :]
    hexpart = bad[2:]
    return None if hexpart in (hexpart.lower(), hexpart.upper()) else bad  # one case: no checksum to break


@settings(max_examples=150, deadline=None)
@given(SEEDS, st.integers(0, 10_000), FILLER)
def test_corrupted_checksums_never_accepted(seed: bytes, index: int, filler: str) -> None:
    b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    corrupted = [
        replace_one(p2pkh(seed), index, b58),
        replace_one(segwit(seed), index, bech32.CHARSET),
        replace_one(segwit(seed, witver=1, size=32), index, bech32.CHARSET),
        flip_case(eth(seed), index),
    ]
    for bad in corrupted:
        if bad is not None:
            assert find_wallets(f"{filler} {bad} {filler}") == [], bad


@settings(max_examples=150, deadline=None)
@given(SEEDS, FILLER, FILLER)
def test_embedded_valid_address_is_found(seed: bytes, before: str, after: str) -> None:
    for address, value in ((p2pkh(seed), f"btc:{p2pkh(seed)}"), (eth(seed), f"eth:{eth(seed).lower()}")):
        text = f"{before} {address} {after}"
        found = find_wallets(text)
        assert value in [e.value for e in found]
        for e in found:
            assert e.raw == text[e.start : e.end]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    for e in find_wallets(text):
        assert e.raw == text[e.start : e.end]
