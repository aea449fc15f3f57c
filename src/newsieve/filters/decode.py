"""PLACEHOLDER, being written: bytes -> str."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str | None
    source: str


def decode(data: bytes | str, *, charset: str | None = None, content_type: str | None = None) -> Decoded:
    if isinstance(data, str):
        return Decoded(data, None, "str")
    return Decoded(data.decode(charset or "utf-8", "replace"), charset or "utf-8", "placeholder")


def looks_like_html(text: str, content_type: str | None) -> bool:
    if content_type:
        return "html" in content_type
    return "<" in text[:2000] and ">" in text[:2000]
