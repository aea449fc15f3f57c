"""Helpers for the ad detector tests: build a ``Document`` from lines, run one detector."""

from __future__ import annotations

from functools import lru_cache

from newsieve.filters import Block, Document, FilterConfig, Rules, Span, load_rules


@lru_cache(maxsize=1)
def rules() -> Rules:
    return load_rules()


def doc_of(*lines: str | tuple[str, list[str]], title: str = "") -> Document:
    """One block per line; a ``(text, links)`` pair is a link paragraph (all of it inside <a>)."""
    blocks: list[Block] = []
    texts: list[str] = []
    pos = 0
    for line in lines:
        text, links = (line, []) if isinstance(line, str) else line
        blocks.append(Block(text, pos, pos + len(text), "p", len(text) if links else 0, list(links)))
        texts.append(text)
        pos += len(text) + 1
    return Document(text="\n".join(texts), blocks=blocks, title=title)


def spans_of(detector_cls: type, doc: Document) -> list[Span]:
    det = detector_cls(rules(), FilterConfig())
    found = [f for f in det.detect(doc) if isinstance(f, Span)]
    for span in found:  # the contract every span keeps
        assert doc.text[span.start : span.end] == span.text
        assert span.reason.startswith(span.label)
        assert 0 < span.confidence <= 1
    return found


def cleaned(doc: Document, spans: list[Span]) -> str:
    """The document's text with the spans cut out (what the pipeline keeps, roughly)."""
    keep = []
    pos = 0
    for start, end in sorted((s.start, s.end) for s in spans):
        if start > pos:
            keep.append(doc.text[pos:start])
        pos = max(pos, end)
    keep.append(doc.text[pos:])
    return "".join(keep)
