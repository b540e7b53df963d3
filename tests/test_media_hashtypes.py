"""The hash-type registry: one conformance suite every registered type passes, and the CLI's typed queries.

`HashTypeConformance` is the contract a hash type signs (after python-threatexchange's SignalTypeAutoTest):
a subclass names the type and how to make realistic values (random ones and near variants of one), and
inherits every test. `test_every_registered_type_has_a_conformance_suite` keeps the two lists in step, so a
newly registered type cannot skip the suite.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import trailguard.cli.media  # noqa: F401  (registers the commands on the app)
from trailguard.cli.app import app
from trailguard.media.hashtypes import HASH_TYPES, MD5, PDQ, SHA256, HashType, Registry, hash_type
from trailguard.media.index import MatchIndex
from trailguard.model import ImageHash
from trailguard.store.banks import BankEntry


def _entry(i: int, kind: str, value: str, bank_kind: str = "known") -> BankEntry:
    return BankEntry(i, f"bank-{bank_kind}", bank_kind, kind, value, None, "", "", None, "t",
                     datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


# One inherited property test runs on each subclass (each hash type): that is the point of the mixin, and the
# examples stay per type because each run draws values through its own `kind`.
_PER_TYPE = [HealthCheck.differing_executors]


class HashTypeConformance:
    """Inherited by one test class per hash type; `kind` and `value` are all a type must provide."""

    kind: ClassVar[type[HashType]]

    def value(self, rng: random.Random) -> str:
        return f"{rng.getrandbits(self.kind.hex_digits * 4):0{self.kind.hex_digits}x}"

    def variant(self, value: str, rng: random.Random) -> str:
        """A value near `value` (a re-encoded copy, for a similarity hash); exact types have no near values."""
        return value

    def test_registered_under_its_name_and_aliases(self) -> None:
        assert self.kind.name == self.kind.name.lower() and self.kind.name in HASH_TYPES.names()
        for spelling in (self.kind.name, self.kind.name.upper(), *self.kind.aliases):
            assert hash_type(spelling) is self.kind
        assert self.kind.label and self.kind.description
        assert hasattr(ImageHash(path=""), self.kind.name)  # the field an image's hash of this type lives in

    def test_normalise_accepts_its_own_text_and_names_the_type_on_anything_else(self) -> None:
        rng = random.Random(1)
        value = self.value(rng)
        assert self.kind.normalise(f"  {value.upper()}\n") == value
        for bad in (value[:-1], value + "0", "g" + value[1:], "", value[:10] + " " + value[11:]):
            with pytest.raises(ValueError, match=f"not a {self.kind.name} hash"):
                self.kind.normalise(bad)
            assert not self.kind.is_valid(bad)

    @settings(max_examples=200, deadline=None, suppress_health_check=_PER_TYPE)
    @given(text=st.text(alphabet="0123456789abcdefABCDEFxyz \t-:", max_size=70))
    def test_normalise_is_total_and_idempotent(self, text: str) -> None:
        try:
            value = self.kind.normalise(text)
        except ValueError:
            return
        assert len(value) == self.kind.hex_digits and value == value.lower()
        assert self.kind.normalise(value) == value

    @settings(max_examples=60, deadline=None, suppress_health_check=_PER_TYPE)
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1))
    def test_distance_is_a_metric(self, seed: int) -> None:
        rng = random.Random(seed)
        a = self.value(rng)
        b, c = self.variant(a, rng), self.value(rng)
        d = self.kind.distance
        for x, y in ((a, b), (a, c), (b, c)):
            assert d(x, y) == d(y, x)
            assert 0 <= d(x, y) <= self.kind.max_distance
        assert d(a, a) == 0
        assert d(a, c) <= d(a, b) + d(b, c)
        assert (d(a, c) == 0) == (a == c)

    def test_index_finds_exactly_what_the_distance_says(self) -> None:
        rng = random.Random(7)
        bases = [self.value(rng) for _ in range(40)]
        values = (
            bases + [self.variant(b, rng) for b in bases for _ in range(3)] + bases[:5]
        )  # with duplicates
        limit = 0 if self.kind.exact else 31
        index = self.kind.build_index(values, limit)
        assert len(index) == len(values)
        queries = (
            bases[:10] + [self.variant(b, rng) for b in bases[10:20]] + [self.value(rng) for _ in range(5)]
        )
        for q in queries:
            for within in sorted({0, limit // 2, limit}):
                got = index.query(q, within)
                truth = {(r, self.kind.distance(q, v)) for r, v in enumerate(values)}
                assert set(got) == {(r, dist) for r, dist in truth if dist <= within}
                assert got == sorted(got, key=lambda rd: (rd[1], rd[0]))  # nearest first
        assert self.kind.build_index([], limit).query(queries[0], limit) == []

    def test_an_image_carrying_the_hash_matches_its_bank_entry(self) -> None:
        rng = random.Random(3)
        value, other = self.value(rng), self.value(rng)
        image = self.kind.as_image(value.upper(), path="q")
        assert self.kind.of_image(image) == value.upper()
        assert all(t.of_image(image) is None for t in HASH_TYPES if t is not self.kind)
        index = MatchIndex([_entry(1, self.kind.name, value), _entry(2, self.kind.name, other)])
        result = index.match(self.kind.as_image(value))
        assert [(m.entry_id, m.hash_type, m.distance) for m in result.matches] == [(1, self.kind.name, 0)]
        assert index.query(self.kind.name, value.upper())[0].entry_id == 1


def _flip_bits(value: str, rng: random.Random, most: int = 40) -> str:
    mask = 0
    for bit in rng.sample(range(256), rng.randint(0, most)):
        mask |= 1 << bit
    return f"{int(value, 16) ^ mask:064x}"


class TestPDQ(HashTypeConformance):
    kind = PDQ

    def variant(self, value: str, rng: random.Random) -> str:
        return _flip_bits(value, rng)


class TestMD5(HashTypeConformance):
    kind = MD5


class TestSHA256(HashTypeConformance):
    kind = SHA256


def test_every_registered_type_has_a_conformance_suite() -> None:
    suites = {c.kind for c in HashTypeConformance.__subclasses__()}
    assert suites == set(HASH_TYPES)


def test_registry_refuses_a_taken_name_or_alias_and_lists_the_known_ones() -> None:
    registry = Registry()
    registry.register(MD5)

    class Clash(MD5):
        name = "photo_md5"  # MD5's alias

    with pytest.raises(ValueError, match="already taken by MD5"):
        registry.register(Clash)
    with pytest.raises(ValueError, match=r"unknown hash type 'crc32' \(expected one of pdq, md5, sha256\)"):
        hash_type("crc32")


def test_tagged_values_name_their_type() -> None:
    digest = hashlib.sha256(b"benign test bytes").hexdigest()
    assert HASH_TYPES.parse_tagged(f"sha256:{digest.upper()}") == (SHA256, digest)
    assert HASH_TYPES.parse_tagged(f"SHA-256:{digest}") == (SHA256, digest)
    assert HASH_TYPES.parse_tagged(digest) is None
    assert HASH_TYPES.parse_tagged("C:/photos/a.jpg") is None  # a Windows path is no tag
    with pytest.raises(ValueError, match="not a md5 hash"):
        HASH_TYPES.parse_tagged(f"md5:{digest}")


def test_cli_matches_sha256_by_type_or_tag_and_keeps_untyped_hex_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SHA-256 is 64 hex digits like a PDQ: untyped it is read as PDQ (as always), typed it is matched."""
    monkeypatch.setenv("TRAILGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> list[dict[str, object]]:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    data = b"bytes of a banked file"
    sha, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()
    pdq = hashlib.sha256(b"stands in for a PDQ").hexdigest()  # 64 hex, about 128 bits from `sha`
    run("bank", "create", "k", "--by", "alice")
    run("bank", "add", "k", sha, "--type", "sha256", "--by", "alice")
    run("bank", "add", "k", md5, "--type", "md5", "--by", "alice")
    run("bank", "add", "k", pdq, "--by", "alice")

    [untyped, tagged, typed_md5] = run("match", sha, f"sha256:{sha}", md5)
    assert untyped["matches"] == []  # read as a PDQ, as before: far from the banked PDQ
    assert [(m["hash_type"], m["distance"]) for m in tagged["matches"]] == [("sha256", 0)]
    assert [m["hash_type"] for m in typed_md5["matches"]] == ["md5"]
    [by_option] = run("match", "--type", "sha256", sha.upper())
    assert [m["hash_type"] for m in by_option["matches"]] == ["sha256"]
    [pdq_hit, bad] = run("match", pdq, "sha256:abc")
    assert [m["hash_type"] for m in pdq_hit["matches"]] == ["pdq"]
    assert bad == {"query": "sha256:abc", "error": "not a sha256 hash: expected 64 hex digits, got 'abc'"}
    [wrong_type] = run("match", "--type", "md5", sha, code=1)  # every query failed: exit 1, as `hash` does
    assert "not a md5 hash" in str(wrong_type["error"])
    unknown = runner.invoke(app, ["match", "--type", "crc32", sha])
    assert unknown.exit_code == 2 and "unknown hash type 'crc32'" in unknown.output
