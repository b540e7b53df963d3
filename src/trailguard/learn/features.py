"""What the chat scorer reads: word and character n-grams of the conversation, and its shape.

The n-grams are hashed (scikit-learn's `HashingVectorizer`), so a model needs no vocabulary and its file is
a few fixed-size arrays; words are recovered for the explanation by hashing the conversation's own terms
(`term_indexes`). The shape is the part that words miss: who writes how much, who asks the questions, and
whether the questioning and message length escalate towards the end.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from trailguard.chat.participants import author_of
from trailguard.model import Item, Message

# Single-character tokens are words in chat spelling ("u", "r", "2", "c"), so they are kept.
TOKEN_PATTERN = r"(?u)\b\w+\b"
MAX_TEXT_CHARS = 200_000  # the conversation text a model reads (the rules read all of it)

SHAPE_FEATURES: tuple[str, ...] = (
    "log_messages",
    "participants",
    "top_author_message_share",
    "top_author_char_share",
    "question_rate",
    "top_asker_question_share",
    "top_asker_question_rate",
    "question_escalation",
    "log_mean_length",
    "length_escalation",
    "double_text_rate",
)


@dataclass(frozen=True, slots=True)
class Hashing:
    """The n-gram settings a model was trained with (saved in its file)."""

    word_features: int
    char_features: int
    word_ngrams: tuple[int, int]
    char_ngrams: tuple[int, int]

    def word_vectorizer(self) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=self.word_features,
            ngram_range=self.word_ngrams,
            token_pattern=TOKEN_PATTERN,
            alternate_sign=False,
            norm=None,
        )

    def char_vectorizer(self) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=self.char_features,
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            alternate_sign=False,
            norm=None,
        )


def conversation_text(item: Item) -> str:
    """The messages, one per line, bounded: what the n-grams read."""
    return "\n".join(m.text for m in item.conversation())[:MAX_TEXT_CHARS]


def term_counts(hashing: Hashing, texts: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Raw word and character n-gram counts, one row per text."""
    words, chars = _vectorizers(hashing)
    return sparse.csr_matrix(words.transform(texts)), sparse.csr_matrix(chars.transform(texts))


@lru_cache(maxsize=8)
def _vectorizers(hashing: Hashing) -> tuple[HashingVectorizer, HashingVectorizer]:
    """Stateless, so one pair per setting serves every call (and every thread)."""
    return hashing.word_vectorizer(), hashing.char_vectorizer()


def word_terms(hashing: Hashing, text: str) -> list[str]:
    """The word n-grams of `text`, in order of first appearance (what the explanation can name)."""
    analyzer = _vectorizers(hashing)[0].build_analyzer()
    return list(dict.fromkeys(analyzer(text)))


def char_owners(hashing: Hashing, text: str) -> tuple[list[str], sparse.csr_matrix]:
    """The words of `text` as the character n-grams see them (whitespace-separated, lower case), and for each
    word how often it holds each character n-gram column, times how often the word occurs.

    A character n-gram belongs to the words it was cut from (`char_wb` never crosses a word boundary), so a
    column's contribution to the score can be handed back to those words: this is what lets the explanation
    name words for the part of the score the character n-grams carry."""
    vectorizer = _vectorizers(hashing)[1]
    occurrences = Counter(vectorizer.build_preprocessor()(text).split())
    words = list(occurrences)
    if not words:
        return [], sparse.csr_matrix((0, hashing.char_features))
    per_word = sparse.csr_matrix(vectorizer.transform(words), dtype=np.float64)
    times = sparse.diags(np.asarray([occurrences[w] for w in words], dtype=np.float64))
    return words, sparse.csr_matrix(times @ per_word)


def term_indexes(hashing: Hashing, terms: Sequence[str]) -> list[int]:
    """The column each word n-gram hashes to, by the same hashing the model was trained with."""
    if not terms:
        return []
    one_term = HashingVectorizer(
        n_features=hashing.word_features,
        analyzer=_identity,
        alternate_sign=False,
        norm=None,
    )
    rows = sparse.csr_matrix(one_term.transform([[t] for t in terms]))
    return [int(rows.indices[rows.indptr[i]]) for i in range(len(terms))]


def _identity(doc: list[str]) -> list[str]:
    return doc


def shape(messages: Sequence[Message]) -> np.ndarray:
    """The conversation's shape, one value per name in SHAPE_FEATURES."""
    n = len(messages)
    if n == 0:
        return np.zeros(len(SHAPE_FEATURES))
    authors = [author_of(m) for m in messages]
    lengths = [len(m.text) for m in messages]
    asks = ["?" in m.text for m in messages]
    by_author = Counter(authors)
    chars: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    for a, length, asked in zip(authors, lengths, asks, strict=True):
        chars[a] += length
        questions[a] += asked
    top_asker, top_questions = max(questions.items(), key=lambda kv: (kv[1], kv[0]))
    total_questions = sum(asks)
    half = n // 2
    first, second = slice(0, max(half, 1)), slice(half, n)
    doubles = sum(1 for i in range(1, n) if authors[i] == authors[i - 1])
    values = [
        math.log1p(n),
        min(len(by_author), 10) / 10,
        max(by_author.values()) / n,
        max(chars.values()) / max(sum(lengths), 1),
        total_questions / n,
        top_questions / total_questions if total_questions else 0.0,
        top_questions / by_author[top_asker] if total_questions else 0.0,
        _mean(asks[second]) - _mean(asks[first]),
        math.log1p(sum(lengths) / n),
        math.log1p(_mean(lengths[second])) - math.log1p(_mean(lengths[first])),
        doubles / max(n - 1, 1),
    ]
    return np.asarray(values, dtype=np.float64)


def _mean(values: Sequence[float] | Sequence[int] | Sequence[bool]) -> float:
    return float(sum(values)) / len(values) if len(values) else 0.0
