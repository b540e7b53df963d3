"""Cryptocurrency addresses, accepted only when their checksum holds.

A checksum turns "a long run of letters and digits" into near-certainty: a random 34-character string passes
Base58Check with probability 2**-32. So every candidate is validated with the format's own checksum:
Base58Check (the `base58` package) for legacy Bitcoin, Bech32/Bech32m (the `bech32` package's polymod) for
SegWit, and EIP-55 (Keccak-256 from pycryptodome) for mixed-case Ethereum addresses.

Decisions:
- Ethereum values are `eth:0x` + lower-case hex, so a checksummed and an all-lower write of the same address
  link. All-lower or all-upper hex carries no EIP-55 checksum and is accepted (attrs `checksummed: False`);
  mixed case with a wrong checksum is a mistyped or forged address and is rejected.
- Bitcoin: mainnet P2PKH/P2SH (version bytes 0x00/0x05); SegWit with hrp `bc` or `tb` (testnet), v0 as
  Bech32, v1+ as Bech32m (BIP 350). Values keep the Base58 address as written (it is case-sensitive) and
  lower-case SegWit addresses (case-insensitive by BIP 173).
"""

from __future__ import annotations

import re

import base58
import bech32
from Crypto.Hash import keccak

from trailguard.model import Entity

# No leading look-behind (it disables the engine's first-character scan); the character before is checked in code.
_BASE58 = re.compile(r"[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![0-9A-Za-z])")
_SEGWIT = re.compile(r"(?<![0-9A-Za-z])(?:bc|tb)1[ac-hj-np-z02-9]{8,87}(?![0-9A-Za-z])", re.IGNORECASE)
_ETH = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")
_BASE58_VERSIONS = (0x00, 0x05)  # P2PKH, P2SH on mainnet
_BECH32M_CONST = 0x2BC830A3  # BIP 350; the `bech32` package (1.2) implements only BIP 173's constant 1


def valid_base58_address(address: str) -> bool:
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return False
    return len(payload) == 21 and payload[0] in _BASE58_VERSIONS


def valid_segwit_address(address: str) -> bool:
    """BIP 173 / BIP 350 validation, on the package's polymod (it lacks the Bech32m constant)."""
    if address.lower() != address and address.upper() != address:
        return False
    address = address.lower()
    pos = address.rfind("1")
    hrp, data_part = address[:pos], address[pos + 1 :]
    if hrp not in ("bc", "tb") or len(address) > 90 or len(data_part) < 7:
        return False
    data = [bech32.CHARSET.find(c) for c in data_part]
    if -1 in data:
        return False
    const = bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data)
    witver = data[0]
    if witver > 16 or const != (1 if witver == 0 else _BECH32M_CONST):
        return False
    program = bech32.convertbits(data[1:-6], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return False
    return witver != 0 or len(program) in (20, 32)


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a 0x address."""
    hexpart = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=hexpart.encode("ascii")).hexdigest()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(hexpart, digest[:40], strict=True)
    )


def eth_checksum_state(address: str) -> bool | None:
    """True: valid EIP-55 checksum; False: mixed case with a wrong checksum; None: no checksum (one case)."""
    hexpart = address[2:]
    if hexpart == hexpart.lower() or hexpart == hexpart.upper():
        return None
    return eip55_checksum(address) == address


def find_wallets(text: str) -> list[Entity]:
    """Bitcoin and Ethereum addresses whose checksums hold (type "crypto")."""
    found: list[Entity] = []
    if "0x" in text:
        for m in _ETH.finditer(text):
            raw = m.group(0)
            state = eth_checksum_state(raw)
            if state is False:
                continue
            found.append(
                Entity(
                    "crypto",
                    "eth:" + raw.lower(),
                    raw,
                    m.start(),
                    m.end(),
                    attrs={"checksummed": bool(state)},
                )
            )
    for m in _BASE58.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        if valid_base58_address(m.group(0)):
            found.append(Entity("crypto", "btc:" + m.group(0), m.group(0), m.start(), m.end()))
    lowered = text.lower()
    if "bc1" in lowered or "tb1" in lowered:
        for m in _SEGWIT.finditer(text):
            if valid_segwit_address(m.group(0)):
                found.append(Entity("crypto", "btc:" + m.group(0).lower(), m.group(0), m.start(), m.end()))
    found.sort(key=lambda e: e.start)
    return found
