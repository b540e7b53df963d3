"""The trainable chat scorer: training and cross-validation on conversations written for the tuned set, the
model file (arrays and JSON, refused when hostile), the explained hit it adds, and the CLI contract."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import trailguard.cli  # noqa: F401  (registers every command)
from trailguard.chat.assess import assess_chat
from trailguard.cli.app import app
from trailguard.extract import extract_entities
from trailguard.indicators.catalogue import packaged_catalogues
from trailguard.indicators.engine import Engine
from trailguard.learn import chat_scorer, modelfile
from trailguard.learn.features import SHAPE_FEATURES, shape
from trailguard.model import Item, Message

DATA = Path(__file__).parent / "data" / "chat_eval"
runner = CliRunner()


def tuned_set() -> tuple[list[Item], list[int]]:
    items, labels = [], []
    for name, label in (("risky", 1), ("benign", 0)):
        for line in (DATA / f"{name}.jsonl").read_bytes().splitlines():
            items.append(Item.from_dict(orjson.loads(line)))
            labels.append(label)
    return items, labels


@pytest.fixture(scope="module")
def labelled_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tuned set in the labelled format: a top-level "label": 1 or 0."""
    path = tmp_path_factory.mktemp("labelled") / "labelled.jsonl"
    with path.open("wb") as out:
        for name, label in (("risky", 1), ("benign", 0)):
            for line in (DATA / f"{name}.jsonl").read_bytes().splitlines():
                record = orjson.loads(line)
                del record["extra"]["label"]
                out.write(orjson.dumps({**record, "label": label}) + b"\n")
    return path


@pytest.fixture(scope="module")
def scorer() -> chat_scorer.ChatScorer:
    return chat_scorer.train(*tuned_set())


@pytest.fixture(scope="module")
def model_path(scorer: chat_scorer.ChatScorer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "team.model"
    modelfile.save(scorer, path)
    return path


def test_file_round_trip_gives_the_same_scores(scorer: chat_scorer.ChatScorer, model_path: Path) -> None:
    items, _ = tuned_set()
    loaded = modelfile.load(model_path)
    assert loaded.name == "team.model" and loaded.info["items"] == len(items)
    np.testing.assert_allclose(loaded.probabilities(items[:20]), scorer.probabilities(items[:20]))
    # written exactly where asked: no ".npz" suffix appended
    assert model_path.is_file() and not model_path.with_name("team.model.npz").exists()


def test_cross_validated_figures_on_the_tuned_set() -> None:
    figures = chat_scorer.cross_validate(*tuned_set(), folds=3)
    assert {"roc_auc", "precision", "recall", "f05"} <= figures.keys()
    assert figures["roc_auc"] >= 0.9 and figures["f05"] >= 0.8
    assert len(figures["roc_auc_per_fold"]) == 3


def test_folds_must_fit_the_smaller_class() -> None:
    items, _ = tuned_set()
    with pytest.raises(ValueError, match="--folds"):
        chat_scorer.cross_validate(items[:3] + items[-2:], [1, 1, 1, 0, 0], folds=3)


def test_model_hit_is_explained_by_words_found_in_the_messages(model_path: Path) -> None:
    loaded = modelfile.load(model_path)
    item = Item(
        id="m1",
        kind="chat",
        messages=[
            Message(id="0", author="ace", text="hows my lil sweetie"),
            Message(id="1", author="bea", text="hi"),
            Message(id="2", author="ace", text="ur mom goes on trips often right? dont tell anyone about us"),
            Message(id="3", author="bea", text="she works nights"),
            Message(id="4", author="ace", text="good, delete our chats after ok? its our secret"),
            Message(id="5", author="ace", text="send me a pic of u, just for me"),
        ],
    )
    hit = loaded.hit(item)
    assert hit.indicator == chat_scorer.HIT_ID and hit.category == "model"
    # Counted from the model's calibrated alert threshold, and then weighing at least the high band's score.
    assert loaded.threshold > chat_scorer.THRESHOLD
    assert chat_scorer.HIGH_WEIGHT <= hit.weight <= chat_scorer.MAX_WEIGHT and hit.effect == "risk"
    assert hit.evidence and "'team.model'" in hit.explanation
    for span in hit.evidence:
        assert span.message is not None
        assert item.messages[span.message].text[span.start : span.end].lower() == span.text.lower()
    # The rules still explain and set floors beside it.
    a = assess_chat(item, Engine(packaged_catalogues()), extract_entities, loaded)
    assert chat_scorer.HIT_ID in {h.indicator for h in a.hits}
    assert "chat.supervision_plus_approach" in {h.indicator for h in a.hits}


def test_character_ngram_contributions_are_handed_back_to_the_words_holding_them(
    scorer: chat_scorer.ChatScorer,
) -> None:
    # The character n-grams carry much of the score; the explanation names words for that part too: each
    # column's contribution is split among the words holding it, so the shares add up to the whole part.
    item = Item(
        id="m2",
        kind="chat",
        messages=[
            Message(id="0", author="ace", text="ur passport stays wit me, u owe me 4 the flight"),
            Message(id="1", author="bea", text="ok..."),
        ],
    )
    row = scorer.matrix([item])
    n_words, n_chars = scorer.hashing.word_features, scorer.hashing.char_features
    chars = row[:, n_words : n_words + n_chars]
    char_part = float((chars @ scorer.char_coef)[0])
    shares = chat_scorer._char_shares(scorer, row, chat_scorer.conversation_text(item))
    assert {"passport", "owe", "flight", "ok"} <= shares.keys()
    assert sum(shares.values()) == pytest.approx(char_part, abs=1e-9)
    named = chat_scorer._top_terms(scorer, row, chat_scorer.conversation_text(item))
    assert named and all(w > 0 for _, w in named)
    assert "word and character n-grams together" in scorer.hit(item).explanation


def test_a_benign_chat_gets_a_context_hit_that_does_not_count(model_path: Path) -> None:
    loaded = modelfile.load(model_path)
    item = Item(
        id="b1",
        kind="chat",
        messages=[
            Message(id="0", author="mo", text="u still owe me for the electricity bill"),
            Message(id="1", author="jan", text="oh right, sending it now"),
        ],
    )
    a = assess_chat(item, Engine(packaged_catalogues()), extract_entities, loaded)
    model_hit = next(h for h in a.hits if h.indicator == chat_scorer.HIT_ID)
    assert (
        model_hit.effect == "context" and model_hit.weight == 0.0 and "not counted" in model_hit.explanation
    )
    assert a.band == "low"


def _tamper(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """A copy of `source` with some members replaced (or added) as raw bytes."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            if info.filename not in replace:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, data in replace.items():
            zout.writestr(name, data)
    return target


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def test_hostile_model_files_are_refused_with_a_reason(model_path: Path, tmp_path: Path) -> None:
    cases: dict[str, tuple[Path, str]] = {}
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a model at all")
    cases["garbage"] = (garbage, "not an .npz archive")
    pickled = np.array([{"a": 1}], dtype=object)
    cases["pickle"] = (
        _tamper(model_path, tmp_path / "pickle", {"intercept.npy": _npy(pickled, allow_pickle=True)}),
        "dtype object",
    )
    cases["extra member"] = (
        _tamper(model_path, tmp_path / "extra", {"payload.npy": _npy(np.zeros(1))}),
        "unexpected ['payload.npy']",
    )
    cases["wrong shape"] = (
        _tamper(model_path, tmp_path / "shape", {"shape_coef.npy": _npy(np.zeros(3))}),
        "shape (3,)",
    )
    cases["not finite"] = (
        _tamper(model_path, tmp_path / "nan", {"intercept.npy": _npy(np.array([np.nan]))}),
        "not finite",
    )
    # A header that declares far more data than the file holds is refused before anything is allocated.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)}
    )
    cases["huge declared shape"] = (
        _tamper(
            model_path, tmp_path / "huge", {"word_coef.npy": b"\x93NUMPY\x01\x00" + header.getvalue()[8:]}
        ),
        "shape",
    )
    meta = json.dumps({"format": "something-else"}).encode()
    cases["foreign meta"] = (
        _tamper(model_path, tmp_path / "meta", {"meta.npy": _npy(np.frombuffer(meta, dtype=np.uint8))}),
        "not a Trailguard chat model",
    )
    for name, (path, reason) in cases.items():
        with pytest.raises(modelfile.ModelFileError) as caught:
            modelfile.load(path)
        assert str(path) in str(caught.value) and reason in str(caught.value), (name, str(caught.value))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.text(max_size=60)), max_size=30))
def test_shape_is_finite_and_complete_for_any_conversation(lines: list[tuple[str | None, str]]) -> None:
    values = shape([Message(id=str(i), author=a, text=t) for i, (a, t) in enumerate(lines)])
    assert values.shape == (len(SHAPE_FEATURES),) and np.all(np.isfinite(values))


def test_cli_evaluate_prints_the_contract_json(labelled_file: Path) -> None:
    result = runner.invoke(
        app, ["model", "evaluate", "--kind", "chat", str(labelled_file), "--folds", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert {"roc_auc", "precision", "recall", "f05"} <= figures.keys()
    assert figures["folds"] == 3 and figures["rejected"] == 0


def test_cli_train_then_scan_with_the_model(labelled_file: Path, tmp_path: Path) -> None:
    model = tmp_path / "mine.model"
    trained = runner.invoke(
        app, ["model", "train", "--kind", "chat", str(labelled_file), "--out", str(model)]
    )
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "out"
    chats = tmp_path / "chats.jsonl"
    chats.write_bytes((DATA / "risky.jsonl").read_bytes().splitlines()[0] + b"\n")
    scanned = runner.invoke(
        app,
        [
            "scan",
            str(chats),
            "--out",
            str(out),
            "--no-store",
            "--no-link",
            "--workers",
            "1",
            "--model",
            str(model),
        ],
    )
    assert scanned.exit_code == 0, scanned.output
    record = orjson.loads((out / "assessments.jsonl").read_bytes().splitlines()[0])
    indicators = {h["indicator"] for h in record["hits"]}
    assert chat_scorer.HIT_ID in indicators and "chat.minor_plus_sexualisation" in indicators


def test_cli_rejects_unusable_records_and_needs_both_labels(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    rows = [
        {"id": "a", "kind": "chat", "messages": [{"id": "0", "text": "hi"}], "label": True},
        {"id": "b", "kind": "ad", "text": "an ad", "label": 1},
        {"id": "c", "kind": "chat", "messages": [{"id": "0", "text": "hello"}], "label": 1},
    ]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n{broken\n")
    result = runner.invoke(app, ["model", "evaluate", "--kind", "chat", str(path), "--json"])
    assert result.exit_code == 1
    assert "bad.jsonl:1: label must be 1 (risky) or 0 (benign), got True" in result.stderr
    assert "bad.jsonl:2: kind 'ad'" in result.stderr and "bad.jsonl:4: invalid JSON" in result.stderr
    assert "both labels are needed" in result.stderr
    wrong_kind = runner.invoke(
        app, ["model", "train", "--kind", "ad", str(path), "--out", str(tmp_path / "m")]
    )
    assert wrong_kind.exit_code == 2


def test_the_alert_threshold_lets_at_most_the_allowed_share_of_benign_scores_count() -> None:
    benign = np.linspace(0.0, 0.99, 100)  # 100 benign out-of-fold scores: 2 may count at 2%
    t = chat_scorer.alert_threshold(benign)
    assert int((benign >= t).sum()) == 2 and t > benign[-3]
    # never below 0.5, however low the benign scores are
    assert chat_scorer.alert_threshold(np.full(50, 0.1)) == chat_scorer.THRESHOLD
    # ties at the cut: none of the tied scores counts, rather than more than the allowed share
    tied = np.concatenate([np.full(10, 0.9), np.zeros(90)])
    assert int((tied >= chat_scorer.alert_threshold(tied)).sum()) == 0


def test_training_calibrates_the_threshold_out_of_fold(scorer: chat_scorer.ChatScorer) -> None:
    items, labels = tuned_set()
    y = np.asarray(labels)
    scores, _, _, _ = chat_scorer._out_of_fold(items, y, chat_scorer.CALIBRATION_FOLDS, 0, calibrate=False)
    assert scorer.threshold == chat_scorer.alert_threshold(scores[y == 0])
    assert (scores[y == 0] >= scorer.threshold).mean() <= chat_scorer.BENIGN_ALERT_RATE


def test_the_threshold_travels_in_the_file_and_older_files_count_from_one_half(
    scorer: chat_scorer.ChatScorer, model_path: Path, tmp_path: Path
) -> None:
    assert modelfile.load(model_path).threshold == scorer.threshold
    meta = json.loads(bytes(np.load(model_path)["meta"]).decode())
    for value, expected in ((None, chat_scorer.THRESHOLD), (0.2, None), (1.5, None), ("0.7", None)):
        changed = {k: v for k, v in meta.items() if k != "threshold"}
        if value is not None:
            changed["threshold"] = value
        raw = np.frombuffer(json.dumps(changed).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.save(buffer, raw, allow_pickle=False)
        target = _tamper(model_path, tmp_path / f"t{value}.model", {"meta.npy": buffer.getvalue()})
        if expected is None:
            with pytest.raises(modelfile.ModelFileError, match="threshold"):
                modelfile.load(target)
        else:
            assert modelfile.load(target).threshold == expected
