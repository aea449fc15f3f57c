"""The one document type and the one verdict type that flow through the filters.

``Document`` is what extraction produces and detectors read: the extracted text (blocks
joined by ``\\n``), the blocks with their offsets, and metadata. Detectors never edit it;
they return ``Span`` (a removal proposal) and ``Flag`` (damage, text kept) objects, and
the pipeline merges them into a ``Verdict``.

Offsets (``start``/``end``) always index ``Document.text``, the extracted text *before*
cleaning, as Python string indices (code points), end exclusive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from mypy_extensions import mypyc_attr

SCHEMA_VERSION = "1.0"
"""Version of the verdict JSON schema (``schemas/verdict.schema.json``). Bump the minor for
added optional fields, the major for anything a consumer could trip on."""

# Removal labels (the category); a span's ``reason`` is the finer, stable rule id.
REMOVAL_LABELS: tuple[str, ...] = (
    "ad.medical",
    "ad.gambling",
    "ad.other",
    "boilerplate.prevnext",
    "boilerplate.repost",
    "boilerplate.related",
    "boilerplate.wechat",
    "boilerplate.other",
)
# Damage labels: the text is kept, consumers are warned.
FLAG_LABELS: tuple[str, ...] = (
    "damage.digits_stripped",
    "damage.mojibake",
    "damage.obfuscated",
)

Action = Literal["publish", "review", "reject"]
ACTIONS: tuple[str, ...] = ("publish", "review", "reject")

BlockKind = Literal["title", "heading", "p", "li", "caption", "meta", "tail"]


@dataclass(slots=True, init=False)
class Block:
    """One paragraph-like unit of the extracted text.

    ``kind`` is ``tail`` for blocks taken from just after the main content (footers,
    prev/next lists, repost notices): they are shown to the detectors so that what the
    repost site put there is labeled and its metadata (editor, source) is read, but an
    unlabeled tail block is not article text.

    Compiled, Block and Document are native classes: the detectors read their fields as C struct
    fields. Their ``__init__`` is written out (``init=False``) because mypyc compiles a written one
    and calls it directly, while a dataclass-generated one runs as Python (~2,400 instructions a
    block, ~71 blocks a page).
    """

    text: str
    start: int
    end: int
    kind: BlockKind
    link_chars: int
    """Characters of the block's text that sit inside ``<a>`` elements (0 for plain text)."""
    links: list[str]
    """``href`` values of the links in the block, in order (absolute when the page URL is known)."""

    def __init__(
        self,
        text: str,
        start: int,
        end: int,
        kind: BlockKind = "p",
        link_chars: int = 0,
        links: list[str] | None = None,
    ) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.kind = kind
        self.link_chars = link_chars
        self.links = [] if links is None else links


@dataclass(slots=True, init=False)
class Document:
    text: str
    blocks: list[Block]
    title: str
    url: str | None
    site: str | None
    content_type: str
    charset: str | None
    meta: dict[str, str]
    """Metadata found by extraction: ``author``, ``editor``, ``source``, ``published_at``, ``raw_title``."""
    cache: dict[str, Any]
    """Views derived from ``text`` that several detectors share (the normalized text, say),
    computed on first use by whoever needs them. Never part of a verdict."""

    def __init__(
        self,
        text: str,
        blocks: list[Block],
        title: str = "",
        url: str | None = None,
        site: str | None = None,
        content_type: str = "text/html",
        charset: str | None = None,
        meta: dict[str, str] | None = None,
        cache: dict[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.blocks = blocks
        self.title = title
        self.url = url
        self.site = site
        self.content_type = content_type
        self.charset = charset
        self.meta = {} if meta is None else meta
        self.cache = {} if cache is None else cache


@mypyc_attr(native_class=False)
@dataclass(slots=True)
class Span:
    """A proposed removal. ``reason`` is a stable id (``ad.medical.query``), ``label`` its category."""

    label: str
    reason: str
    start: int
    end: int
    text: str
    confidence: float = 1.0
    evidence: dict[str, Any] = field(default_factory=dict)
    detector: str = ""
    """``name@version`` of the detector that proposed it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "reason": self.reason,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "detector": self.detector,
        }


@mypyc_attr(native_class=False)
@dataclass(slots=True)
class Flag:
    """Damage the repost did: the text is kept and consumers are warned."""

    label: str
    reason: str
    confidence: float = 1.0
    count: int = 1
    examples: list[str] = field(default_factory=list)
    """Up to a few short excerpts around the damage, for people."""
    detector: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "reason": self.reason,
            "confidence": self.confidence,
            "count": self.count,
            "examples": list(self.examples),
            "detector": self.detector,
        }


@mypyc_attr(native_class=False)
@dataclass(slots=True)
class Meta:
    author: str | None = None
    editor: str | None = None
    source: str | None = None
    published_at: str | None = None
    url: str | None = None
    site: str | None = None


@mypyc_attr(native_class=False)
@dataclass(slots=True)
class Verdict:
    """The one object the filter API, the CLI and the queues all carry (schema ``SCHEMA_VERSION``)."""

    title: str
    text: str
    paragraphs: list[str]
    meta: Meta
    removed: list[Span]
    flags: list[Flag]
    spam_score: float
    action: Action
    reasons: list[str] = field(default_factory=list)
    """Why the action was chosen, as stable ids (``page.promotion``, ``span.low_confidence``...)."""
    original_text: str = ""
    """The extracted text before cleaning: what ``removed[*].start/end`` index."""
    content_hash: str = ""
    """sha256 hex of the cleaned ``text``; with the canonical URL it makes the article id."""
    detectors: list[str] = field(default_factory=list)
    """``name@version`` of every detector that ran, so a verdict can be traced to the rules."""
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "title": self.title,
            "text": self.text,
            "paragraphs": list(self.paragraphs),
            "meta": asdict(self.meta),
            "removed": [s.to_dict() for s in self.removed],
            "flags": [f.to_dict() for f in self.flags],
            "spam_score": self.spam_score,
            "action": self.action,
            "reasons": list(self.reasons),
            "original_text": self.original_text,
            "content_hash": self.content_hash,
            "detectors": list(self.detectors),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            schema_version=data.get("schema_version", SCHEMA_VERSION),
            title=data["title"],
            text=data["text"],
            paragraphs=list(data["paragraphs"]),
            meta=Meta(**data.get("meta", {})),
            removed=[Span(**s) for s in data.get("removed", [])],
            flags=[Flag(**f) for f in data.get("flags", [])],
            spam_score=float(data["spam_score"]),
            action=data["action"],
            reasons=list(data.get("reasons", [])),
            original_text=data.get("original_text", ""),
            content_hash=data.get("content_hash", ""),
            detectors=list(data.get("detectors", [])),
        )

    @property
    def flag_labels(self) -> list[str]:
        return [f.label for f in self.flags]
