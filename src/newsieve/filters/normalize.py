"""A normalized view of a document's text for matching, with a map back to original offsets.

Injected ads dodge keyword lists; detectors match on a view of the text where the dodges are
undone, then report spans in ORIGINAL offsets through ``NormalizedText.to_original``::

    full-width forms  ＱＱ：１２３、ｗｗｗ．ｘｘ．ｃｏｍ   -> NFKC (one char to one char only)
    case              QQ, WWW.XX.COM                      -> lower case
    traditional       北京哪家治療白癜風正規              -> simplified (OpenCC t2s, char by char)
    zero-width        白\\u200b癜风                       -> dropped (every Unicode format char, Cf)
    inserted gaps     白 癜 风, 白.癜.风, 白★癜★风         -> dropped between two CJK characters
    homophones        白颠风, 牛皮鲜, 颠痫                 -> the canonical word (lexicon ``variants``)

Newlines are never touched, so blocks stay apart. Every step but the gap and zero-width
removal maps one character to one character; those two and the variants build the index
map. The view is cached in ``doc.cache[CACHE_KEY]`` so that all detectors share one.

The traditional -> simplified table is built once per process from OpenCC's character
table, on first use, and only when a text holds a character outside ASCII and the common
simplified range that the table changes (OpenCC is the slow part; the table lookup is
``str.translate``).
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ahocorasick

from .types import Document

__all__ = ["CACHE_KEY", "NormalizedText", "normalize", "normalized_view"]

CACHE_KEY = "normalized"

# Format characters (Cf: zero-width space/joiners, BOM, soft hyphen, bidi marks) carry no text;
# injected ads put them between the characters of a disease name.
_FORMAT = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                     "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Separators inserted between the characters of a word: one to three of them between two CJK
# characters (`白 癜 风`, `白.癜.风`, `白-癜-风`). Runs of 4+ are layout, not a dodge. Chinese
# sentence punctuation (，。、) is not in the set: dropping it would glue sentences together.
GAP_MAX = 3
_UPPER = re.compile("[A-Z]")
# Symbols count too (`白★癜★风`, `白♥癜♥风`, an emoji): arrows, shapes, dingbats, emoji.
_GAP = re.compile(
    rf"(?<=[{_CJK}])[ \t.·•*_~/|\\+^`'\-#@=\u2190-\u21ff\u2500-\u27bf\u2b00-\u2bff"
    rf"\U0001f300-\U0001faff]{{1,{GAP_MAX}}}(?=[{_CJK}])"
)


def _base_table() -> dict[int, str]:
    """NFKC for characters it maps to exactly one character, plus lower case."""
    table: dict[int, str] = {}
    for cp in range(0xA0, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        norm = unicodedata.normalize("NFKC", ch)
        if norm != ch and len(norm) == 1:
            table[cp] = norm.lower()
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp).lower()
    table[0x3000] = " "  # ideographic space: NFKC leaves it, it is a space
    return table


def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified, one character to one character, from OpenCC's table."""
    import opencc

    chars = [chr(cp) for cp in range(0x3400, 0xA000)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    table: dict[int, str] = {}
    if len(converted) != len(chars):  # never seen; stay correct rather than misaligned
        return table
    for src, dst in zip(chars, converted, strict=True):
        if dst != src and len(dst) == 1:
            table[ord(src)] = dst
    return table


_lock = threading.Lock()
_TABLE: dict[int, str] | None = None
_TRAD: re.Pattern[str] | None = None


def _tables() -> tuple[dict[int, str], re.Pattern[str]]:
    global _TABLE, _TRAD
    if _TABLE is None or _TRAD is None:
        with _lock:
            if _TABLE is None or _TRAD is None:
                base = _base_table()
                t2s = _t2s_table()
                # a traditional char that NFKC also maps keeps the NFKC result, then t2s applies
                merged = {**t2s, **{k: t2s.get(ord(v), v) for k, v in base.items()}}
                trad_chars = "".join(chr(cp) for cp in sorted(merged) if cp >= 0x80)
                _TRAD = re.compile(f"[{re.escape(trad_chars)}]")
                _TABLE = merged
    return _TABLE, _TRAD


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """``text`` for matching; ``index[i]`` is the original offset of ``text[i]``."""

    text: str
    index: tuple[int, ...] | None
    """None when the view has the same length and offsets as the original (the common case)."""
    original_length: int

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized ``[start, end)`` to the original text (end exclusive)."""
        if self.index is None:
            return start, end
        if start >= len(self.index):
            return self.original_length, self.original_length
        o_start = self.index[start]
        o_end = self.index[end - 1] + 1 if end > start else o_start
        return o_start, o_end

    def from_original(self, pos: int) -> int:
        """The first normalized position whose original offset is ``>= pos``."""
        if self.index is None:
            return min(pos, len(self.text))
        return bisect.bisect_left(self.index, pos)


def _drop(text: str, index: list[int] | None, pattern: re.Pattern[str]) -> tuple[str, list[int] | None]:
    """Remove every match of ``pattern``, carrying the index map."""
    matches = list(pattern.finditer(text))
    if not matches:
        return text, index
    src = index if index is not None else range(len(text))
    pieces: list[str] = []
    new_index: list[int] = []
    pos = 0
    for m in matches:
        pieces.append(text[pos : m.start()])
        new_index.extend(src[pos : m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    new_index.extend(src[pos:])
    return "".join(pieces), new_index


def _variant_automaton(variants: Mapping[str, str]) -> ahocorasick.Automaton | None:
    if not variants:
        return None
    auto = ahocorasick.Automaton()
    for variant, canonical in variants.items():
        auto.add_word(variant, (len(variant), canonical))
    auto.make_automaton()
    return auto


def _replace_variants(
    text: str, index: list[int] | None, auto: ahocorasick.Automaton | None
) -> tuple[str, list[int] | None]:
    if auto is None:
        return text, index
    hits: list[tuple[int, int, str]] = []
    last_end = -1
    # longest-leftmost, non-overlapping
    found = sorted(((end - n + 1, end + 1, canon) for end, (n, canon) in auto.iter(text)),
                   key=lambda h: (h[0], -(h[1] - h[0])))
    for start, end, canon in found:
        if start >= last_end:
            hits.append((start, end, canon))
            last_end = end
    if not hits:
        return text, index
    src = index if index is not None else list(range(len(text)))
    pieces: list[str] = []
    new_index: list[int] = []
    pos = 0
    for start, end, canon in hits:
        pieces.append(text[pos:start])
        new_index.extend(src[pos:start])
        pieces.append(canon)
        new_index.extend(src[start + min(k, end - start - 1)] for k in range(len(canon)))
        pos = end
    pieces.append(text[pos:])
    new_index.extend(src[pos:])
    return "".join(pieces), new_index


def normalize(text: str, variants: Mapping[str, str] | None = None) -> NormalizedText:
    """Build the matching view of ``text`` (see the module docstring)."""
    table, trad = _tables()
    out, index = _drop(text, None, _FORMAT)
    if trad.search(out) is not None or _UPPER.search(out) is not None:
        out = out.translate(table)
    out, index = _drop(out, index, _GAP)
    out, index = _replace_variants(out, index, _automaton_for(variants or {}))
    return NormalizedText(out, tuple(index) if index is not None else None, len(text))


_automata: dict[int, tuple[Mapping[str, str], ahocorasick.Automaton | None]] = {}


def _automaton_for(variants: Mapping[str, str]) -> ahocorasick.Automaton | None:
    key = id(variants)
    cached = _automata.get(key)
    if cached is not None and cached[0] is variants:
        return cached[1]
    auto = _variant_automaton(variants)
    _automata[key] = (variants, auto)
    return auto


def merged_variants(lexicons: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """One variant -> canonical map from several lexicons (first wins)."""
    out: dict[str, str] = {}
    for variants in lexicons:
        for k, v in variants.items():
            out.setdefault(k.lower(), v.lower())
    return out


def normalized_view(doc: Document, variants: Mapping[str, str] | None = None) -> NormalizedText:
    """The document's normalized view, computed once and cached in ``doc.cache``."""
    view = doc.cache.get(CACHE_KEY)
    if isinstance(view, NormalizedText) and view.original_length == len(doc.text):
        return view
    view = normalize(doc.text, variants)
    doc.cache[CACHE_KEY] = view
    return view
