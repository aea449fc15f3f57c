"""PLACEHOLDER, being written: HTML/text -> Document."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from .types import Block, Document


def extract_text(text: str, *, url: str | None = None) -> Document:
    blocks: list[Block] = []
    pos = 0
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        blocks.append(Block(ln, pos, pos + len(ln)))
        pos += len(ln) + 1
    return Document(text="\n".join(lines), blocks=blocks, title=lines[0] if lines else "", url=url)


def extract_html(html: str, *, url: str | None = None) -> Document:
    tree = LexborHTMLParser(html)
    body = tree.body
    return extract_text(body.text(separator="\n") if body else "", url=url)
