"""What a detector is, and the plain-value configuration of the filters.

A detector is a small object with a ``name``, a ``version`` and ``detect(doc)``, which
returns the spans it proposes to remove and the damage flags it raises. Detectors read the
``Document`` and never change it, nor each other's output. Metadata a detector reads off a
line it removes (``编辑丨解玮`` gives the editor) travels in ``span.evidence["meta"]``, and
the pipeline moves it into the verdict's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .types import Document, Flag, Span

if TYPE_CHECKING:
    from .rules import Rules

__all__ = ["Detector", "FilterConfig", "Finding"]

Finding = Span | Flag


@runtime_checkable
class Detector(Protocol):
    name: str
    version: str

    def detect(self, doc: Document) -> list[Finding]: ...


class DetectorFactory(Protocol):
    def __call__(self, rules: Rules, config: FilterConfig) -> Detector: ...


@dataclass(frozen=True, slots=True)
class FilterConfig:
    """Plain values for the filters (the application's ``Settings`` builds one).

    >>> FilterConfig(max_input_bytes=5_000_000).max_input_bytes
    5000000
    """

    max_input_bytes: int = 10 * 1024 * 1024
    """Inputs over this many bytes (UTF-8 bytes for str input) raise InputTooLarge before
    any decoding or parsing. News pages are well under 1 MB; 10 MB leaves room for inline
    images and scripts."""

    max_nesting_depth: int = 10_000
    """HTML whose elements nest deeper than this (as ``extract.markup_over`` estimates it,
    from the tags alone) raises InputTooDeep before parsing: lexbor's parse time grows with the
    square of the depth (0.4 s at 20,000 levels, 3 s at 40,000, minutes at 200,000; a 2 MB page
    can do that). The deepest of 1,452 real pages in the shared corpora estimates at 68."""

    max_element_attributes: int = 1_000
    """HTML with an element of more attributes than this (as ``extract.markup_over`` reads them
    from the tags) raises TooManyAttributes before parsing: lexbor checks each new attribute
    against all of the element's before it (0.2 s at 10,000 attributes, 81 s at 100,000; a 1 MB
    page can hold 300,000). No element of the 1,452 real pages in the shared corpora has 40."""

    rules_dirs: tuple[str, ...] = ()
    """Folders of local rule overrides, loaded after the shipped rules (later wins)."""

    review_confidence: float = 0.75
    """A removal proposed with a confidence below this sends the page to review rather than
    publishing it as cleaned."""

    reject_score: float = 0.8
    """A spam_score at or above this rejects the page (the page itself is promotion)."""

    review_score: float = 0.45
    """A spam_score at or above this (and below reject_score) sends the page to review."""

    disabled_detectors: tuple[str, ...] = field(default=())
    """Names of detectors not to run."""
