"""The chat scorer's file: NumPy arrays and one JSON document in a zip (.npz), safe to load from a stranger.

No pickle anywhere: every member is a plain `.npy` array read with `allow_pickle=False`, and the settings are
JSON (stored as a byte array). Before any array is read, the file's size, its member names and each member's
declared dtype and shape are checked against what the JSON settings imply, so a hostile file can neither run
code nor make the loader allocate more than the model it claims to be. Every failure is a `ModelFileError`
naming the file and the reason.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from trailguard.learn.chat_scorer import ChatScorer
from trailguard.learn.features import SHAPE_FEATURES, Hashing
from trailguard.learn.indicator import THRESHOLD

FORMAT = "trailguard-chat-model"
VERSION = 1
MAX_FILE_BYTES = 64 << 20
MAX_META_BYTES = 64 << 10
MAX_HASH_FEATURES = 1 << 22
MAX_NGRAM = 8
_HEADER_SLACK = 4096  # an .npy header is at most a few hundred bytes
_VECTORS = ("word_idf", "char_idf", "word_coef", "char_coef", "shape_coef", "shape_mean", "shape_scale")
_MEMBERS = frozenset({"meta.npy", "intercept.npy", *(f"{k}.npy" for k in _VECTORS)})


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and why."""


def save(scorer: ChatScorer, path: Path) -> None:
    """Write `scorer` to `path` exactly (no suffix added), replacing it only once the file is complete."""
    h = scorer.hashing
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "kind": "chat",
        "word_features": h.word_features,
        "char_features": h.char_features,
        "word_ngrams": list(h.word_ngrams),
        "char_ngrams": list(h.char_ngrams),
        "shape_features": list(SHAPE_FEATURES),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "threshold": scorer.threshold,
        **{k: v for k, v in scorer.info.items() if k in ("items", "positive")},
    }
    arrays: dict[str, np.ndarray] = {k: np.asarray(getattr(scorer, k), dtype=np.float64) for k in _VECTORS}
    arrays["intercept"] = np.asarray([scorer.intercept], dtype=np.float64)
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".model-", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez_compressed(out, allow_pickle=False, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> ChatScorer:
    """Read and validate a model file (see the module docstring for what is checked)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read the model file: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: {size} bytes, over the {MAX_FILE_BYTES} a chat model may have")
    try:
        with zipfile.ZipFile(path) as archive:
            return _read(path, archive)
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{path}: not a Trailguard model file (not an .npz archive): {exc}") from exc
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: unreadable model file: {exc}") from exc


def _read(path: Path, archive: zipfile.ZipFile) -> ChatScorer:
    infos = {i.filename: i for i in archive.infolist()}
    if set(infos) != _MEMBERS:
        missing, extra = sorted(_MEMBERS - set(infos)), sorted(set(infos) - _MEMBERS)
        raise ModelFileError(
            f"{path}: members differ from a chat model's (missing {missing}, unexpected {extra})"
        )
    meta_info = infos["meta.npy"]
    if meta_info.file_size > MAX_META_BYTES + _HEADER_SLACK:
        raise ModelFileError(f"{path}: meta.npy is {meta_info.file_size} bytes, over {MAX_META_BYTES}")
    raw_meta = _array(path, archive, "meta.npy", np.dtype(np.uint8), None)
    try:
        meta = json.loads(raw_meta.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: meta.npy is not UTF-8 JSON: {exc}") from exc
    hashing = _hashing(path, meta)
    sizes = {
        "word_idf": hashing.word_features,
        "word_coef": hashing.word_features,
        "char_idf": hashing.char_features,
        "char_coef": hashing.char_features,
        "shape_coef": len(SHAPE_FEATURES),
        "shape_mean": len(SHAPE_FEATURES),
        "shape_scale": len(SHAPE_FEATURES),
    }
    f64 = np.dtype(np.float64)
    arrays = {k: _array(path, archive, f"{k}.npy", f64, (n,)) for k, n in sizes.items()}
    intercept = _array(path, archive, "intercept.npy", f64, (1,))
    for name, values in [*arrays.items(), ("intercept", intercept)]:
        if not np.all(np.isfinite(values)):
            raise ModelFileError(f"{path}: {name} holds values that are not finite numbers")
    for name in ("word_idf", "char_idf", "shape_scale"):
        if np.any(arrays[name] <= 0):
            raise ModelFileError(f"{path}: {name} must be positive everywhere")
    return ChatScorer(
        hashing=hashing,
        intercept=float(intercept[0]),
        threshold=_threshold(path, meta),
        info={k: meta[k] for k in ("items", "positive", "created") if k in meta},
        name=path.name,
        **arrays,
    )


def _threshold(path: Path, meta: dict[str, Any]) -> float:
    """The alert threshold the model was calibrated to; a file written before calibration counts from 0.5."""
    value = meta.get("threshold", THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, int | float) or not THRESHOLD <= value < 1:
        raise ModelFileError(f"{path}: threshold must be a number from {THRESHOLD} to below 1, got {value!r}")
    return float(value)


def _hashing(path: Path, meta: Any) -> Hashing:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a Trailguard chat model (format {FORMAT!r} expected)")
    if meta.get("version") != VERSION or meta.get("kind") != "chat":
        raise ModelFileError(
            f"{path}: model version {meta.get('version')!r} kind {meta.get('kind')!r}; this Trailguard reads "
            f"version {VERSION} chat models"
        )
    if meta.get("shape_features") != list(SHAPE_FEATURES):
        raise ModelFileError(
            f"{path}: conversation-shape features differ from this Trailguard's {SHAPE_FEATURES}"
        )
    for key in ("word_features", "char_features"):
        n = meta.get(key)
        if type(n) is not int or not 1 <= n <= MAX_HASH_FEATURES:
            raise ModelFileError(f"{path}: {key} must be an integer from 1 to {MAX_HASH_FEATURES}, got {n!r}")
    ngrams = {}
    for key in ("word_ngrams", "char_ngrams"):
        pair = meta.get(key)
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(type(v) is int for v in pair)
            or not 1 <= pair[0] <= pair[1] <= MAX_NGRAM
        ):
            raise ModelFileError(
                f"{path}: {key} must be [low, high] with 1 <= low <= high <= {MAX_NGRAM}, got {pair!r}"
            )
        ngrams[key] = (pair[0], pair[1])
    return Hashing(meta["word_features"], meta["char_features"], ngrams["word_ngrams"], ngrams["char_ngrams"])


def _array(
    path: Path, archive: zipfile.ZipFile, member: str, dtype: np.dtype[Any], shape: tuple[int, ...] | None
) -> np.ndarray:
    """One member, its header checked (dtype, shape, declared size) before its data is read."""
    info = archive.getinfo(member)
    with archive.open(info) as fp:
        declared_shape, fortran, declared_dtype = _header(path, member, fp)
    if declared_dtype != dtype or fortran:
        raise ModelFileError(
            f"{path}: {member} has dtype {declared_dtype} (fortran {fortran}); {dtype} expected"
        )
    if shape is not None and declared_shape != shape:
        raise ModelFileError(f"{path}: {member} has shape {declared_shape}; {shape} expected")
    if len(declared_shape) != 1:
        raise ModelFileError(f"{path}: {member} must be one-dimensional, got shape {declared_shape}")
    needed = declared_shape[0] * dtype.itemsize
    if info.file_size > needed + _HEADER_SLACK or needed > MAX_FILE_BYTES * 16:
        raise ModelFileError(f"{path}: {member} is {info.file_size} bytes for {needed} bytes of data")
    with archive.open(info) as fp:
        try:
            values = np.lib.format.read_array(fp, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise ModelFileError(f"{path}: {member} is damaged: {exc}") from exc
    return np.asarray(values)


def _header(path: Path, member: str, fp: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fp)
        if version == (1, 0):
            return fmt.read_array_header_1_0(fp)
        if version == (2, 0):
            return fmt.read_array_header_2_0(fp)
    except (ValueError, EOFError, SyntaxError) as exc:
        raise ModelFileError(f"{path}: {member} is not a NumPy array: {exc}") from exc
    raise ModelFileError(f"{path}: {member} has .npy format version {version}; 1.0 or 2.0 expected")
