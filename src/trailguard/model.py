"""The data contracts every stage shares (see docs/architecture.md).

Plain slotted dataclasses rather than a validation framework: the scan builds millions of these per run and
the hot path cannot afford per-field validation. Validation of untrusted input happens once, in `ingest`;
everything after it trusts these types. Each type round-trips through `to_dict`/`from_dict` so the same
records travel to JSON Lines, the store and worker processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

KINDS: tuple[str, ...] = ("ad", "job", "post", "profile", "chat")
#: The entity types extraction produces (`Entity.type`); catalogue entity conditions may name only these.
ENTITY_TYPES: tuple[str, ...] = (
    "phone",
    "email",
    "url",
    "handle",
    "payment",
    "crypto",
    "age",
    "price",
    "place",
)
# Fields of `Item.extra` that say where an item was read, not what it says: not part of its version.
WHERE_READ_EXTRA: tuple[str, ...] = ("export_file",)
Kind = Literal["ad", "job", "post", "profile", "chat"]
BANDS: tuple[str, ...] = ("low", "medium", "high", "critical")
Band = Literal["low", "medium", "high", "critical"]


@dataclass(slots=True)
class SourceRef:
    """Where a record came from, so a reviewer can go back to the original line."""

    file: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}


@dataclass(slots=True)
class Message:
    id: str
    text: str = ""
    author: str | None = None
    sent_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "author": self.author, "sent_at": self.sent_at, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Message:
        return cls(id=d["id"], text=d.get("text") or "", author=d.get("author"), sent_at=d.get("sent_at"))


@dataclass(slots=True)
class Item:
    """One ad, job post, post, profile or chat, as read from a source.

    Offsets of entities and evidence refer to `document()` for every kind but `chat`; for chats they refer
    to the text of the message named by the span's `message` index in `conversation()`.
    """

    id: str
    kind: str = "ad"
    platform: str | None = None
    url: str | None = None
    posted_at: str | None = None
    title: str | None = None
    text: str | None = None
    location: str | None = None
    author: str | None = None
    images: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    source: SourceRef | None = None

    def document(self) -> str:
        """The text analysed for non-chat items: title and body, separated by a blank line."""
        if self.title and self.text:
            return f"{self.title}\n\n{self.text}"
        return self.title or self.text or ""

    def conversation(self) -> list[Message]:
        """The messages analysed for a chat. A text the chat record also carries (a pasted conversation, a
        report's description) comes first, as a message by the item's author: nothing a chat item holds goes
        unread, and message indices stay the same for every reader of the item. The title is not read: for
        an export it is the chat's name ("server / #channel"), which no participant wrote there."""
        lead = self.text
        if not lead:
            return self.messages
        return [
            Message(id=f"{self.id}#text", text=lead, author=self.author, sent_at=self.posted_at),
            *self.messages,
        ]

    def content_hash(self) -> str:
        """The item's version: a SHA-256 of what it says, not of where it was read (`source`, the export file).

        The one identity rule for every reader: `id` names the thing (an ad, a chat or a chat's part) and
        stays; each distinct content under that id is a version of it, and the store keeps them all (a chat
        exported again after a message was deleted is a new version of the same chat, not a replacement)."""
        d = self.to_dict()
        d.pop("source", None)
        if any(k in self.extra for k in WHERE_READ_EXTRA):
            d["extra"] = {k: v for k, v in self.extra.items() if k not in WHERE_READ_EXTRA}
            if not d["extra"]:
                del d["extra"]
        return hashlib.sha256(orjson.dumps(d, option=orjson.OPT_SORT_KEYS)).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind}
        for name in ("platform", "url", "posted_at", "title", "text", "location", "author"):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        if self.images:
            d["images"] = list(self.images)
        if self.messages:
            d["messages"] = [m.to_dict() for m in self.messages]
        if self.extra:
            d["extra"] = self.extra
        if self.source is not None:
            d["source"] = self.source.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Item:
        """Rebuild an Item from `to_dict` output (trusted data; untrusted input goes through ingest)."""
        src = d.get("source")
        return cls(
            id=d["id"],
            kind=d.get("kind", "ad"),
            platform=d.get("platform"),
            url=d.get("url"),
            posted_at=d.get("posted_at"),
            title=d.get("title"),
            text=d.get("text"),
            location=d.get("location"),
            author=d.get("author"),
            images=list(d.get("images") or []),
            messages=[Message.from_dict(m) for m in d.get("messages") or []],
            extra=dict(d.get("extra") or {}),
            source=SourceRef(src["file"], src["line"]) if src else None,
        )


@dataclass(slots=True)
class Reject:
    """A record that could not be read, kept with its reason so nothing is silently lost."""

    source: SourceRef
    reason: str
    record_id: str | None = None
    raw: str | None = None  # a bounded prefix of the offending record, for the reviewer

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.file,
            "line": self.source.line,
            "id": self.record_id,
            "reason": self.reason,
            "raw": self.raw,
        }


@dataclass(slots=True)
class Entity:
    """An identifier or fact found in text.

    `value` is normalised per type: phone E.164; email lower-case; url normalised; handle `platform:name`;
    payment `cashapp:$name` / `venmo:@name` / `paypal:name`; crypto `btc:...` / `eth:0x...`; age an int;
    price the amount as a float (currency and unit in `attrs`); place a display name (coordinates in `attrs`).
    """

    type: str
    value: Any
    raw: str
    start: int
    end: int
    obfuscated: bool = False
    message: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """The identity used for linking and deduplication: `type:value`."""
        return f"{self.type}:{self.value}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "value": self.value,
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "obfuscated": self.obfuscated,
        }
        if self.message is not None:
            d["message"] = self.message
        if self.attrs:
            d["attrs"] = self.attrs
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entity:
        return cls(
            type=d["type"],
            value=d["value"],
            raw=d["raw"],
            start=d["start"],
            end=d["end"],
            obfuscated=d.get("obfuscated", False),
            message=d.get("message"),
            attrs=dict(d.get("attrs") or {}),
        )


@dataclass(slots=True)
class Span:
    """Evidence: the exact text that made an indicator fire."""

    start: int
    end: int
    text: str
    message: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if self.message is not None:
            d["message"] = self.message
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Span:
        return cls(start=d["start"], end=d["end"], text=d["text"], message=d.get("message"))


@dataclass(slots=True)
class Hit:
    """One indicator that fired, with its evidence and the source that supports it.

    `effect` is "risk" for indicators that raise the score and "context" for facts a reviewer should see
    but that must never raise it (for example movement language, which case-outcome research found *less*
    common in trafficking ads).
    """

    indicator: str
    category: str
    weight: float
    grade: str
    evidence: list[Span]
    explanation: str
    source: str
    effect: str = "risk"
    stage: str | None = None  # conversation stage, for chat indicators

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "indicator": self.indicator,
            "category": self.category,
            "weight": self.weight,
            "grade": self.grade,
            "evidence": [s.to_dict() for s in self.evidence],
            "explanation": self.explanation,
            "source": self.source,
            "effect": self.effect,
        }
        if self.stage is not None:
            d["stage"] = self.stage
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hit:
        return cls(
            indicator=d["indicator"],
            category=d["category"],
            weight=d["weight"],
            grade=d["grade"],
            evidence=[Span.from_dict(s) for s in d.get("evidence") or []],
            explanation=d.get("explanation", ""),
            source=d.get("source", ""),
            effect=d.get("effect", "risk"),
            stage=d.get("stage"),
        )


@dataclass(slots=True)
class ImageHash:
    """Hashes of one image referenced by an item.

    `error` says why something is missing: a file that could not be read at all has no hashes; one that was
    read but not decoded as an image keeps its MD5 and SHA-256 (exact bank matches still work) without PDQ.
    """

    path: str
    pdq: str | None = None
    quality: int | None = None
    md5: str | None = None
    sha256: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path}
        for name in ("pdq", "quality", "md5", "sha256", "error"):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageHash:
        return cls(
            path=d["path"],
            pdq=d.get("pdq"),
            quality=d.get("quality"),
            md5=d.get("md5"),
            sha256=d.get("sha256"),
            error=d.get("error"),
        )


@dataclass(slots=True)
class Assessment:
    """What the analyze stage concluded about one item: its identifiers, the indicators that fired, a score.

    It carries the item's metadata that later stages (link, report) need, so that linking is a pure
    function of assessments. `text` is the analysed document (for chats: the messages joined by newlines)
    so templates and near-duplicates can be found without going back to the store.
    """

    item_id: str
    kind: str
    entities: list[Entity]
    hits: list[Hit]
    score: float
    band: str
    posted_at: str | None = None
    location: str | None = None
    platform: str | None = None
    author: str | None = None
    text: str = ""
    images: list[ImageHash] = field(default_factory=list)
    conversation: dict[str, Any] | None = None  # chat-level findings (stages, early warning), chats only
    entities_truncated: int = 0  # entities found past the per-item cap (Settings.max_entities), not kept

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "item_id": self.item_id,
            "kind": self.kind,
            "score": self.score,
            "band": self.band,
            "entities": [e.to_dict() for e in self.entities],
            "hits": [h.to_dict() for h in self.hits],
            "posted_at": self.posted_at,
            "location": self.location,
            "platform": self.platform,
            "author": self.author,
            "text": self.text,
        }
        if self.images:
            d["images"] = [i.to_dict() for i in self.images]
        if self.conversation is not None:
            d["conversation"] = self.conversation
        if self.entities_truncated:
            d["entities_truncated"] = self.entities_truncated
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Assessment:
        return cls(
            item_id=d["item_id"],
            kind=d.get("kind", "ad"),
            entities=[Entity.from_dict(e) for e in d.get("entities") or []],
            hits=[Hit.from_dict(h) for h in d.get("hits") or []],
            score=d["score"],
            band=d["band"],
            posted_at=d.get("posted_at"),
            location=d.get("location"),
            platform=d.get("platform"),
            author=d.get("author"),
            text=d.get("text", ""),
            images=[ImageHash.from_dict(i) for i in d.get("images") or []],
            conversation=d.get("conversation"),
            entities_truncated=int(d.get("entities_truncated") or 0),
        )


@dataclass(slots=True)
class LinkReason:
    """Why two or more items are in one network: a checkable fact, never an opaque similarity."""

    kind: str  # shared_phone, shared_email, shared_handle, shared_payment, shared_image, template, ...
    value: str
    items: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    merged: bool = True  # False for hub identifiers: recorded as a fact, not used to merge groups

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "value": self.value,
            "items": self.items,
            "merged": self.merged,
        }
        if self.detail:
            d["detail"] = self.detail
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinkReason:
        return cls(
            kind=d["kind"],
            value=d["value"],
            items=list(d.get("items") or []),
            detail=dict(d.get("detail") or {}),
            merged=d.get("merged", True),
        )


@dataclass(slots=True)
class Network:
    id: str
    items: list[str]
    reasons: list[LinkReason]
    places: list[dict[str, Any]] = field(default_factory=list)
    score: float = 0.0
    band: str = "low"
    hits: list[Hit] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "items": self.items,
            "reasons": [r.to_dict() for r in self.reasons],
            "places": self.places,
            "score": self.score,
            "band": self.band,
            "hits": [h.to_dict() for h in self.hits],
            "templates": self.templates,
            "identifiers": self.identifiers,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Network:
        return cls(
            id=d["id"],
            items=list(d["items"]),
            reasons=[LinkReason.from_dict(r) for r in d.get("reasons") or []],
            places=list(d.get("places") or []),
            score=d.get("score", 0.0),
            band=d.get("band", "low"),
            hits=[Hit.from_dict(h) for h in d.get("hits") or []],
            templates=list(d.get("templates") or []),
            identifiers=list(d.get("identifiers") or []),
        )


@dataclass(slots=True)
class Hub:
    """An identifier judged a hub: kept as a fact, never used to merge (a site's address, a hotline).

    Listed on its own because a hub quoted by unrelated single posts is in no network, yet a reviewer needs to
    see it (and may want it on the operator allow-list, or off it).
    """

    type: str
    value: str
    items: int
    examples: list[str]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "items": self.items, "examples": self.examples,
                "reason": self.reason}  # fmt: skip
