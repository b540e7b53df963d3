"""Evaluates indicator catalogues against a text and its entities, producing explained hits.

All lexicon phrases of all catalogues go into one Aho-Corasick automaton per item kind (pyahocorasick), so
the cost per text is one linear pass however many phrases the catalogues hold; patterns and entity
conditions are evaluated after it. The engine is immutable once built and safe to share across threads;
worker processes build their own copy from the same catalogues.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from trailguard.indicators.catalogue import Catalogue, EntityCondition, Indicator
from trailguard.indicators.prefilter import required_literals
from trailguard.model import Entity, Hit, Span

MAX_EVIDENCE_SPANS = 8  # per hit: enough to review, bounded against texts that repeat a phrase 10,000 times

# Same-length normalisation so offsets in the normalised text are offsets in the original:
# every whitespace character becomes a space, typographic quotes become straight ones.
_NORMALISE = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\u00a0": " ",
        "\u2028": " ",
        "\u2029": " ",
    }
)


def normalise_for_matching(text: str) -> str:
    """Lower-case and normalise `text` without changing its length, so match offsets stay valid."""
    return lower_same_length(text.translate(_NORMALISE))


def lower_same_length(text: str) -> str:
    """`text` lower-cased, keeping any character whose lower case is longer, so offsets stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _case_free(pattern: str) -> bool:
    """Whether `pattern` names no upper-case letter (outside escapes such as \\S or \\W): then matching it
    case-sensitively on lower-cased text finds what IGNORECASE finds on the text, at half the cost or less
    (Python's IGNORECASE folds case at every comparison)."""
    return not any(ch.isupper() for ch in re.sub(r"\\.", "", pattern))


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True, slots=True)
class _KindRules:
    automaton: ahocorasick.Automaton | None
    patterns: tuple[tuple[Indicator, re.Pattern[str], bool], ...]  # bool: run on the lower-cased text
    entity_rules: tuple[Indicator, ...]
    # indexes (into `patterns`) of the patterns that can match only when one of their literals occurs
    gate: ahocorasick.Automaton | None = None
    ungated: tuple[int, ...] = ()

    def candidates(self, lowered: str) -> list[int]:
        """The patterns worth running on `lowered` (indicators.prefilter), in catalogue order."""
        if self.gate is None:
            return list(range(len(self.patterns)))
        found = set(self.ungated)
        for _end, indexes in self.gate.iter(lowered):
            found.update(indexes)
        return sorted(found)


class Engine:
    """Compiled catalogues, ready to evaluate many texts quickly."""

    def __init__(self, catalogues: Sequence[Catalogue]) -> None:
        self.catalogues = tuple(catalogues)
        self.indicators: dict[str, Indicator] = {}
        for cat in self.catalogues:
            for ind in cat.indicators:
                if ind.id in self.indicators:
                    raise ValueError(f"indicator id {ind.id!r} appears in more than one catalogue")
                self.indicators[ind.id] = ind
        self._by_kind: dict[str, _KindRules] = {}

    def _rules(self, kind: str) -> _KindRules:
        rules = self._by_kind.get(kind)
        if rules is None:
            rules = self._compile([i for i in self.indicators.values() if kind in i.kinds])
            self._by_kind[kind] = rules
        return rules

    @staticmethod
    def _compile(indicators: Iterable[Indicator]) -> _KindRules:
        phrases: dict[str, list[Indicator]] = defaultdict(list)
        patterns: list[tuple[Indicator, re.Pattern[str], bool]] = []
        entity_rules: list[Indicator] = []
        for ind in indicators:
            for phrase in ind.lexicon:
                phrases[normalise_for_matching(phrase)].append(ind)
            regex = ind.regex
            if regex:
                if _case_free(regex):
                    patterns.append((ind, re.compile(regex), True))
                else:
                    patterns.append((ind, re.compile(regex, re.IGNORECASE), False))
            if ind.entities:
                entity_rules.append(ind)
        automaton = None
        if phrases:
            automaton = ahocorasick.Automaton()
            for phrase, inds in phrases.items():
                automaton.add_word(phrase, (len(phrase), tuple(inds)))
            automaton.make_automaton()
        gate, ungated = _gate(patterns)
        return _KindRules(automaton, tuple(patterns), tuple(entity_rules), gate, ungated)

    def evaluate(
        self, text: str, entities: Sequence[Entity], kind: str, message: int | None = None
    ) -> list[Hit]:
        """The hits of every indicator that applies to `kind`, in catalogue order, with evidence spans.

        `message` is the index of the chat message `text` belongs to; it is copied onto the evidence.
        """
        rules = self._rules(kind)
        spans: dict[str, list[Span]] = defaultdict(list)
        if rules.automaton is not None and text:
            norm = normalise_for_matching(text)
            n = len(norm)
            for end, (length, inds) in rules.automaton.iter(norm):
                start = end - length + 1
                # Word boundaries, only where the phrase itself begins or ends with a word character.
                if _is_word_char(norm[start]) and start > 0 and _is_word_char(norm[start - 1]):
                    continue
                if _is_word_char(norm[end]) and end + 1 < n and _is_word_char(norm[end + 1]):
                    continue
                for ind in inds:
                    found = spans[ind.id]
                    if len(found) < MAX_EVIDENCE_SPANS:
                        found.append(Span(start, end + 1, text[start : end + 1], message))
        lowered = lower_same_length(text) if rules.patterns else text
        for k in rules.candidates(lowered) if text else ():
            ind, rx, on_lowered = rules.patterns[k]
            for m in rx.finditer(lowered if on_lowered else text):
                if m.end() > m.start():
                    spans[ind.id].append(Span(m.start(), m.end(), text[m.start() : m.end()], message))
                    if len(spans[ind.id]) >= MAX_EVIDENCE_SPANS:
                        break
        for ind in rules.entity_rules:
            assert ind.entities is not None
            matched = _entity_matches(ind.entities, entities)
            if matched:
                spans[ind.id].extend(
                    Span(e.start, e.end, e.raw, e.message) for e in matched[:MAX_EVIDENCE_SPANS]
                )
        hits = []
        for ind_id, found in spans.items():
            ind = self.indicators[ind_id]
            found.sort(key=lambda s: (s.message or 0, s.start))
            hits.append(make_hit(ind, found))
        hits.sort(key=lambda h: (-h.weight, h.indicator))
        return hits


def _gate(
    patterns: Sequence[tuple[Indicator, re.Pattern[str], bool]],
) -> tuple[ahocorasick.Automaton | None, tuple[int, ...]]:
    """One automaton of the patterns' necessary literals (only for patterns run on lower-cased text, where a
    literal is matched exactly), and the patterns that must always run."""
    by_literal: dict[str, list[int]] = defaultdict(list)
    ungated: list[int] = []
    for k, (_ind, rx, on_lowered) in enumerate(patterns):
        literals = required_literals(rx.pattern) if on_lowered else None
        if literals is None:
            ungated.append(k)
            continue
        for literal in literals:
            by_literal[literal].append(k)
    if not by_literal:
        return None, tuple(ungated)
    gate = ahocorasick.Automaton()
    for literal, indexes in by_literal.items():
        gate.add_word(literal, tuple(indexes))
    gate.make_automaton()
    return gate, tuple(ungated)


def make_hit(ind: Indicator, evidence: list[Span]) -> Hit:
    """A Hit for `ind`, its explanation naming the words that fired it."""
    words = sorted({s.text for s in evidence})
    quoted = ", ".join(repr(w) for w in words[:5])
    more = f" and {len(words) - 5} more" if len(words) > 5 else ""
    return Hit(
        indicator=ind.id,
        category=ind.category,
        weight=ind.weight,
        grade=ind.grade,
        evidence=evidence,
        explanation=f"{ind.explanation} Matched: {quoted}{more}.",
        source=ind.source,
        effect=ind.effect,
        stage=ind.stage,
    )


def _entity_matches(cond: EntityCondition, entities: Sequence[Entity]) -> list[Entity]:
    """Entities satisfying `cond`, or [] when the condition as a whole (counts, distinct values) fails."""
    selected = []
    for e in entities:
        if e.type != cond.type:
            continue
        if cond.obfuscated is not None and e.obfuscated != cond.obfuscated:
            continue
        if cond.min is not None or cond.max is not None:
            if not isinstance(e.value, int | float):
                continue
            if cond.min is not None and e.value < cond.min:
                continue
            if cond.max is not None and e.value > cond.max:
                continue
        if cond.attr and any(e.attrs.get(k) != v for k, v in cond.attr.items()):
            continue
        selected.append(e)
    if len(selected) < cond.count_at_least:
        return []
    if cond.distinct_at_least is not None and len({str(e.value) for e in selected}) < cond.distinct_at_least:
        return []
    return selected
