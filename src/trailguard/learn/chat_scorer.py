"""The trainable chat scorer: logistic regression over hashed n-grams and the conversation's shape.

Linear on purpose: every score decomposes into term weights, so the hit it adds to an assessment names the
words that moved it most, like every rule does. Trained by a team on its own labelled conversations
(`trailguard model train`); Trailguard ships no trained model. The rules still explain and still set band
floors; the model is one more explained hit (`HIT_ID`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import fbeta_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler, normalize

from trailguard.learn.features import (
    SHAPE_FEATURES,
    TOKEN_PATTERN,
    Hashing,
    char_owners,
    conversation_text,
    shape,
    term_counts,
    term_indexes,
    word_terms,
)
from trailguard.learn.indicator import BENIGN_ALERT_RATE, HIGH_WEIGHT, MAX_WEIGHT, MODEL_SCORE, THRESHOLD
from trailguard.model import Hit, Item, Span

HIT_ID = MODEL_SCORE.id
DEFAULT_HASHING = Hashing(word_features=2**18, char_features=2**18, word_ngrams=(1, 2), char_ngrams=(2, 5))
C = 4.0  # inverse regularisation strength of the logistic regression
SHAPE_SCALE = 0.1  # standardised shape values are scaled to sit beside l2-normalised n-gram blocks
TOP_TERMS = 5
CALIBRATION_FOLDS = 5  # folds of the out-of-fold scores the alert threshold is chosen on


@dataclass(slots=True)
class ChatScorer:
    """A trained scorer: the arrays and settings its file holds (learn.modelfile)."""

    hashing: Hashing
    word_idf: np.ndarray
    char_idf: np.ndarray
    word_coef: np.ndarray
    char_coef: np.ndarray
    shape_coef: np.ndarray
    shape_mean: np.ndarray
    shape_scale: np.ndarray
    intercept: float
    threshold: float = THRESHOLD  # the probability at which its hit counts (alert_threshold, at training)
    info: dict[str, Any] = field(default_factory=dict)  # what it was trained on (counts, date, versions)
    name: str = "model"  # how explanations name it (the file name)

    def matrix(self, items: Sequence[Item]) -> sparse.csr_matrix:
        words, chars = term_counts(self.hashing, [conversation_text(i) for i in items])
        shapes = np.vstack([shape(i.conversation()) for i in items]) if items else np.zeros((0, 0))
        return _assemble(
            words, chars, shapes, self.word_idf, self.char_idf, self.shape_mean, self.shape_scale
        )

    @property
    def coef(self) -> np.ndarray:
        return np.concatenate([self.word_coef, self.char_coef, self.shape_coef])

    def probabilities(self, items: Sequence[Item]) -> np.ndarray:
        if not items:
            return np.zeros(0)
        z = self.matrix(items) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def hit(self, item: Item) -> Hit:
        """The model's explained hit for one conversation: counted at or above its alert threshold, else context."""
        row = self.matrix([item])
        p = float(1.0 / (1.0 + np.exp(-(row @ self.coef + self.intercept)[0])))
        messages = item.conversation()
        terms = _top_terms(self, row, conversation_text(item))
        evidence = [s for t, _ in terms for s in _locate(t, [m.text for m in messages])[:1]]
        shown = ", ".join(f"{t!r} ({w:+.2f})" for t, w in terms) or "none"
        n_words = self.hashing.word_features
        n_chars = self.hashing.char_features
        values = _columns(row)
        char_part = sum(
            v * self.char_coef[i - n_words] for i, v in values.items() if n_words <= i < n_words + n_chars
        )
        shape_values = np.asarray(
            [values.get(n_words + n_chars + k, 0.0) for k in range(len(SHAPE_FEATURES))]
        )
        shape_values = shape_values * self.shape_coef
        order = np.argsort(-shape_values)[:2]
        shape_note = ", ".join(f"{SHAPE_FEATURES[i]} ({shape_values[i]:+.2f})" for i in order)
        counted = p >= self.threshold
        trained = self.info.get("items", "?")
        return MODEL_SCORE.hit(
            f"The trained model {self.name!r} scores this conversation {p:.2f} (counted from its alert "
            f"threshold {self.threshold:.2f}, set when it was trained; a counted score weighs "
            f"{HIGH_WEIGHT}-{MAX_WEIGHT}). Words that "
            f"moved it most (their word and character n-grams together): {shown}; character n-grams in all "
            f"{char_part:+.2f}; conversation shape: {shape_note}."
            + ("" if counted else " Below the threshold: shown, not counted."),
            evidence,
            weight=round(min(max(p, HIGH_WEIGHT), MAX_WEIGHT), 4) if counted else 0.0,
            source=f"A logistic regression trained by its operator on {trained} labelled conversations "
            f"({self.info.get('positive', '?')} risky), {self.info.get('created', 'date unknown')}; "
            "not validated by Trailguard.",
            effect="risk" if counted else "context",
        )


def train(
    items: Sequence[Item], labels: Sequence[int], hashing: Hashing = DEFAULT_HASHING, calibrate: bool = True
) -> ChatScorer:
    """Fit the scorer on labelled conversations (1: risky, 0: benign); both classes must be present.

    With `calibrate`, the hit's alert threshold is chosen on the same conversations, each scored by a model
    trained without it (alert_threshold): a probability of 0.5 put 12-32% of other authors' benign
    look-alikes at medium in the held-out sets (docs/benchmarks.md), and a model's own training scores say
    nothing about how high a benign conversation it never saw may score.
    """
    y = np.asarray(labels, dtype=np.int64)
    if len(items) != len(y) or set(np.unique(y)) != {0, 1}:
        raise ValueError("training needs conversations of both labels (1 and 0), one label per item")
    words, chars = term_counts(hashing, [conversation_text(i) for i in items])
    shapes = np.vstack([shape(i.conversation()) for i in items])
    word_idf = _idf(words)
    char_idf = _idf(chars)
    scaler = StandardScaler().fit(shapes)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    x = _assemble(words, chars, shapes, word_idf, char_idf, scaler.mean_, scale)
    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=2000)
    model.fit(x, y)
    coef = model.coef_[0]
    nw, nc = hashing.word_features, hashing.char_features
    return ChatScorer(
        hashing=hashing,
        word_idf=word_idf,
        char_idf=char_idf,
        word_coef=coef[:nw].copy(),
        char_coef=coef[nw : nw + nc].copy(),
        shape_coef=coef[nw + nc :].copy(),
        shape_mean=np.asarray(scaler.mean_, dtype=np.float64),
        shape_scale=np.asarray(scale, dtype=np.float64),
        intercept=float(model.intercept_[0]),
        threshold=_calibrated(items, y) if calibrate else THRESHOLD,
        info={"items": len(items), "positive": int(y.sum())},
    )


def alert_threshold(benign_scores: np.ndarray) -> float:
    """The lowest probability, never below THRESHOLD, that at most BENIGN_ALERT_RATE of these benign
    conversations' out-of-fold scores reach."""
    allowed = int(np.floor(BENIGN_ALERT_RATE * len(benign_scores)))
    ordered = np.sort(np.asarray(benign_scores, dtype=np.float64))[::-1]
    if allowed >= len(ordered):
        return THRESHOLD
    # just above the highest benign score that must not count
    return float(max(THRESHOLD, np.nextafter(ordered[allowed], np.inf)))


def _calibrated(items: Sequence[Item], y: np.ndarray) -> float:
    """alert_threshold over out-of-fold benign scores; THRESHOLD when a class is too small to fold."""
    if min(int(y.sum()), int(len(y) - y.sum())) < CALIBRATION_FOLDS:
        return THRESHOLD
    scores, _, _, _ = _out_of_fold(items, y, CALIBRATION_FOLDS, 0, calibrate=False)
    return alert_threshold(scores[y == 0])


def _out_of_fold(
    items: Sequence[Item], y: np.ndarray, folds: int, seed: int, calibrate: bool
) -> tuple[np.ndarray, np.ndarray, list[float], list[float]]:
    """Each conversation's probability and counted verdict from a model trained on the other folds, and each
    fold's ROC-AUC and alert threshold."""
    scores = np.zeros(len(y))
    counted = np.zeros(len(y), dtype=np.int64)
    per_fold: list[float] = []
    thresholds: list[float] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        scorer = train([items[i] for i in train_idx], y[train_idx].tolist(), calibrate=calibrate)
        scores[test_idx] = scorer.probabilities([items[i] for i in test_idx])
        counted[test_idx] = scores[test_idx] >= scorer.threshold
        per_fold.append(round(float(roc_auc_score(y[test_idx], scores[test_idx])), 4))
        thresholds.append(round(scorer.threshold, 4))
    return scores, counted, per_fold, thresholds


def cross_validate(
    items: Sequence[Item], labels: Sequence[int], folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Out-of-fold figures of the positive class: each conversation is scored by a model that never saw it,
    counted at that model's own alert threshold (calibrated inside its training folds, as `train` does)."""
    y = np.asarray(labels, dtype=np.int64)
    smallest = min(int(y.sum()), int(len(y) - y.sum()))
    if folds < 2 or folds > smallest:
        raise ValueError(
            f"--folds must be between 2 and the size of the smaller class ({smallest}), got {folds}"
        )
    scores, predicted, per_fold, thresholds = _out_of_fold(items, y, folds, seed, calibrate=True)
    return {
        "kind": "chat",
        "items": len(y),
        "positive": int(y.sum()),
        "negative": int(len(y) - y.sum()),
        "folds": folds,
        "seed": seed,
        "threshold": float(np.median(thresholds)),  # each fold's model counts from its own alert threshold
        "threshold_per_fold": thresholds,
        "benign_alert_rate": round(float(predicted[y == 0].mean()), 4),
        "roc_auc": round(float(roc_auc_score(y, scores)), 4),
        "roc_auc_per_fold": per_fold,
        "precision": round(float(precision_score(y, predicted, zero_division=0)), 4),
        "recall": round(float(recall_score(y, predicted, zero_division=0)), 4),
        "f05": round(float(fbeta_score(y, predicted, beta=0.5, zero_division=0)), 4),
    }


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, fitted by scikit-learn and kept as an array for the file."""
    return np.asarray(TfidfTransformer(sublinear_tf=True).fit(counts).idf_, dtype=np.float64)


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf times idf, rows l2-normalised: the same weighting in training and scoring."""
    tf = sparse.csr_matrix(counts, dtype=np.float64, copy=True)
    tf.data = (1.0 + np.log(tf.data)) * idf[tf.indices]
    return sparse.csr_matrix(normalize(tf, norm="l2"))


def _assemble(
    words: sparse.csr_matrix,
    chars: sparse.csr_matrix,
    shapes: np.ndarray,
    word_idf: np.ndarray,
    char_idf: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
) -> sparse.csr_matrix:
    standard = (shapes - mean) / scale * SHAPE_SCALE if shapes.size else np.zeros((0, len(mean)))
    blocks = [_weigh(words, word_idf), _weigh(chars, char_idf), sparse.csr_matrix(standard)]
    return sparse.csr_matrix(sparse.hstack(blocks, format="csr"))


def _top_terms(scorer: ChatScorer, row: sparse.csr_matrix, text: str) -> list[tuple[str, float]]:
    """The conversation's words and word n-grams with the largest positive contributions: a word n-gram's own
    weight x value, plus, for a single word, the share of the character n-gram contributions it holds
    (`_char_shares`), so that the words named are the ones that moved the score, whichever features carried it."""
    terms = word_terms(scorer.hashing, text)
    indexes = term_indexes(scorer.hashing, terms)
    values = _columns(row)
    from_chars = _char_shares(scorer, row, text)
    seen: set[int] = set()
    scored: dict[str, float] = {}
    for term, idx in zip(terms, indexes, strict=True):
        if idx in seen:
            continue  # a hash collision: the first term that hashes here stands for the column
        seen.add(idx)
        scored[term] = float(values.get(idx, 0.0) * scorer.word_coef[idx]) + from_chars.pop(term, 0.0)
    for word, share in from_chars.items():  # words the word n-grams split otherwise ("u?" holds "u")
        scored[word] = scored.get(word, 0.0) + share
    ranked = sorted(((t, w) for t, w in scored.items() if w > 0), key=lambda tw: (-tw[1], tw[0]))
    return ranked[:TOP_TERMS]


def _char_shares(scorer: ChatScorer, row: sparse.csr_matrix, text: str) -> dict[str, float]:
    """Each word's share of the character n-gram contributions: a column's contribution (value x weight) is
    split among the words holding that n-gram in proportion to how often each holds it. The sublinear tf makes
    this an apportionment rather than an exact decomposition; the shares add up to the character part."""
    words, owners = char_owners(scorer.hashing, text)
    if not words:
        return {}
    n_words = scorer.hashing.word_features
    chars = row[:, n_words : n_words + scorer.hashing.char_features]
    contribution = np.asarray(chars.multiply(scorer.char_coef.reshape(1, -1)).todense()).ravel()
    held = np.asarray(owners.sum(axis=0)).ravel()
    per_count = np.divide(contribution, held, out=np.zeros_like(contribution), where=held > 0)
    shares = np.asarray(owners @ per_count).ravel()
    out: dict[str, float] = {}
    for word, share in zip(words, shares, strict=True):
        key = " ".join(re.findall(TOKEN_PATTERN, word))  # as the word n-grams and _locate write it
        if key:
            out[key] = out.get(key, 0.0) + float(share)
    return out


def _columns(row: sparse.csr_matrix) -> dict[int, float]:
    """The non-zero values of a one-row matrix, by column (without densifying 500,000 columns)."""
    return {int(i): float(v) for i, v in zip(row.indices, row.data, strict=True)}


def _locate(term: str, texts: Sequence[str]) -> list[Span]:
    """Where a word n-gram first occurs in the messages (the analyzer lower-cases and splits on non-words)."""
    rx = re.compile(r"\b" + r"\W+".join(re.escape(p) for p in term.split()) + r"\b", re.IGNORECASE)
    for i, text in enumerate(texts):
        m = rx.search(text)
        if m is not None:
            return [Span(m.start(), m.end(), m.group(0), i)]
    return []
