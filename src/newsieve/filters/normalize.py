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
table, on first use. Only the runs of characters the table changes are translated (a regex
finds them): ``str.translate`` with a 30,000-entry dict costs a dict lookup per character,
and a page has few such characters.

Speed: the map back to original offsets is stored as runs (``_Runs``), not one int per
character: a page has a handful of edits, and a per-character index cost more to build than
the rest of the normalization together. Where the C extension ``_norm`` is built (``setup.py``;
optional) and ``NEWSIEVE_PURE_PYTHON`` is not set, the character steps (format characters, the
table, the gaps) run in one pass in C (``_norm.c``; the same view, ``tests/test_native_norm.py``):
the Python steps are several scans of the text, each a regex or a str method (``normalize`` 147 ->
29 us a page on the pages of bench/bench_filters.py). On the way the C pass measures the longest
run of ASCII letters and digits (``NormalizedText.alnum_run``), which spares the token triggers
their regex (ad.other 90 -> 58 us a page).
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from re import _parser as _sre  # type: ignore[attr-defined]

from ._match import LiteralScanner, unicode_classes
from ._native import pure_python
from .types import Document

try:
    from . import _norm

    NATIVE_NORM_BUILT = True
except ImportError:  # not built (no C compiler at install): the steps run in Python
    NATIVE_NORM_BUILT = False

__all__ = ["CACHE_KEY", "NormalizedText", "native_norm_enabled", "normalize", "normalized_view"]

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
# Symbols count too (`白★癜★风`, `白♥癜♥风`, an emoji): arrows, shapes, dingbats, emoji.
_GAP_CHAR = (r"[ \t.·•*_~/|\\+^`'\-#@=\u2190-\u21ff\u2500-\u27bf\u2b00-\u2bff"
             r"\U0001f300-\U0001faff]")
# `(?<=CJK)SEP{1,3}(?=CJK)`, written to start with the separator so that the regex engine skips
# ahead to the next separator instead of trying the look-behind at every character (4x faster;
# the same matches).
_GAP = re.compile(
    rf"{_GAP_CHAR}(?<=[{_CJK}]{_GAP_CHAR}){_GAP_CHAR}{{0,{GAP_MAX - 1}}}(?=[{_CJK}])"
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
_FAST: _FastMap | None = None

# Full-width punctuation is most of what the table changes on a page (`，` alone ~140 times):
# these are replaced with str.replace, not one regex callback per run.
# (Each costs a scan of the text: only the ones found on most pages; the rest go to the regex.)
_FREQUENT = "，：（）？；！％\u3000"


@dataclass(frozen=True, slots=True)
class _FastMap:
    """The table applied as ``str.lower()``, a few ``str.replace`` and a regex over the rest.

    Exact for a text without ``unsafe`` characters: those whose ``lower()`` is not one character,
    or for which the table applied to ``lower(c)`` differs from the table applied to ``c`` (`À`,
    Greek and Cyrillic capitals), and without characters above U+FFFF (``_has_astral``). Other
    texts take the plain path.
    """

    unsafe: re.Pattern[str]
    frequent: tuple[tuple[str, str], ...]
    rest: re.Pattern[str]
    quiet: re.Pattern[str]
    """A format character or an ``unsafe`` one: a text without any (most pages) needs neither the
    format pass nor the unsafe one, and one scan tells (the two classes in one)."""


def _run_of(chars: str) -> str:
    """A regex of a run of ``chars``: ``[chars]+``, written ``[chars][chars]*``. The same matches, but
    a pattern that starts with a character class (not a repeat) lets the regex engine skip ahead to
    the next character of the class (`rest` of ``_fast_map``: 57 -> 25 us a page on bench_filters)."""
    one = f"[{re.escape(chars)}]"
    return f"{one}{one}*"


def _fast_map(table: dict[int, str]) -> _FastMap:
    def mapped(ch: str) -> str:
        return table.get(ord(ch), ch)

    unsafe = []
    for ch in unicode_classes()[2]:  # the characters whose lower() differs
        low = ch.lower()
        if len(low) != 1 or mapped(low) != mapped(ch):
            unsafe.append(ch)
    # replacing a character must not make one the table changes (one pass only, as in `normalize`)
    frequent = tuple((ch, table[ord(ch)]) for ch in _FREQUENT
                     if ord(ch) in table and ord(table[ord(ch)]) not in table)
    done = {ord(ch) for ch, _ in frequent} | set(range(ord("A"), ord("Z") + 1))
    rest = "".join(chr(cp) for cp in sorted(table) if cp not in done)
    # one class of BMP characters (a fast bitmap to the regex engine) and, apart, any astral
    # character (``_has_astral``; a class holding some is a slow list of ranges): a page with
    # emoji takes the plain path
    bmp = "".join(ch for ch in unsafe if ord(ch) < 0x10000)
    return _FastMap(
        unsafe=re.compile(f"[{re.escape(bmp)}]"),
        frequent=frequent,
        rest=re.compile(_run_of(rest)),
        quiet=re.compile(f"[{_FORMAT.pattern[1:-1]}{re.escape(bmp)}]"),
    )


def _tables() -> tuple[dict[int, str], re.Pattern[str]]:
    """The translation table, and a pattern of the runs of characters it changes."""
    global _TABLE, _TRAD, _FAST
    if _TABLE is None or _TRAD is None:
        with _lock:
            if _TABLE is None or _TRAD is None:
                base = _base_table()
                t2s = _t2s_table()
                # a traditional char that NFKC also maps keeps the NFKC result, then t2s applies
                merged = {**t2s, **{k: t2s.get(ord(v), v) for k, v in base.items()}}
                mapped = "".join(chr(cp) for cp in sorted(merged))
                _FAST = _fast_map(merged)
                _TRAD = re.compile(_run_of(mapped))
                _TABLE = merged
    return _TABLE, _TRAD


def _has_astral(text: str) -> bool:
    """Does ``text`` hold a character above U+FFFF? In UTF-16 such a character takes two code units,
    any other one (a lone surrogate too) one: a copy of the text instead of a regex scan of it
    (``[\U00010000-\U0010ffff]``: 19 -> 5 us a page)."""
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def _translate(text: str, *, safe: bool = False) -> str:
    """``table`` applied to every character of ``text`` (lengths and offsets unchanged). ``safe``:
    the caller knows that the text holds no ``_FAST.unsafe`` character."""
    table, mapped = _tables()
    fast = _FAST
    if fast is None or (not safe and fast.unsafe.search(text) is not None) or _has_astral(text):
        return mapped.sub(lambda m: m.group().translate(table), text)
    out = text.lower()
    for ch, rep in fast.frequent:
        if ch in out:
            out = out.replace(ch, rep)
    return fast.rest.sub(lambda m: m.group().translate(table), out)


class _Runs(Sequence[int]):
    """A non-decreasing map from normalized to original offsets, as runs.

    Run ``k`` covers normalized positions ``[starts[k], starts[k + 1])`` (the last one up to
    ``length``); a linear run maps ``n`` to ``origins[k] + n - starts[k]``, a constant run
    (the tail of a canonical word longer than its variant) maps all of them to ``origins[k]``.
    Reads like the per-character tuple it replaces (``runs[i]``, ``len(runs)``).
    """

    __slots__ = ("lasts", "length", "linear", "origins", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.origins: list[int] = []
        self.linear: list[bool] = []
        self.length = 0
        self.lasts: list[int] = []  # highest original offset of each run, for from_original

    def add(self, count: int, origin: int, linear: bool) -> None:
        """Append ``count`` normalized positions starting at original ``origin``."""
        if count <= 0:
            return
        if self.starts:
            k = len(self.starts) - 1
            if linear and self.linear[k] and self.origins[k] + self.length - self.starts[k] == origin:
                self.length += count  # continues the last run
                self.lasts[k] = origin + count - 1
                return
            if not linear and not self.linear[k] and self.origins[k] == origin:
                self.length += count
                return
        self.starts.append(self.length)
        self.origins.append(origin)
        self.linear.append(linear)
        self.lasts.append(origin + count - 1 if linear else origin)
        self.length += count

    def __len__(self) -> int:
        return self.length

    def at(self, pos: int) -> int:
        if not 0 <= pos < self.length:
            raise IndexError(pos)
        k = bisect.bisect_right(self.starts, pos) - 1
        origin = self.origins[k]
        return origin + pos - self.starts[k] if self.linear[k] else origin

    def __getitem__(self, pos):  # type: ignore[no-untyped-def,override]
        if isinstance(pos, slice):
            return [self.at(i) for i in range(*pos.indices(self.length))]
        return self.at(pos if pos >= 0 else pos + self.length)

    def first_at_or_after(self, orig: int) -> int:
        """The first position whose original offset is ``>= orig`` (``len(self)`` if none)."""
        k = bisect.bisect_left(self.lasts, orig)
        if k == len(self.starts):
            return self.length
        if self.linear[k]:
            return self.starts[k] + max(0, orig - self.origins[k])
        return self.starts[k]

    def extend_from(self, prev: _Runs | None, start: int, count: int) -> None:
        """Append the positions ``[start, start + count)`` of the previous step, through its map."""
        if prev is None:
            self.add(count, start, True)
            return
        k = bisect.bisect_right(prev.starts, start) - 1
        pos, end = start, start + count
        while pos < end:
            run_end = prev.starts[k + 1] if k + 1 < len(prev.starts) else prev.length
            take = min(end, run_end) - pos
            if prev.linear[k]:
                self.add(take, prev.origins[k] + pos - prev.starts[k], True)
            else:
                self.add(take, prev.origins[k], False)
            pos += take
            k += 1

    def repeat_from(self, prev: _Runs | None, at: int, count: int) -> None:
        """Append ``count`` positions that all map where position ``at`` of the previous step does."""
        self.add(count, at if prev is None else prev.at(at), False)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """``text`` for matching; ``index[i]`` is the original offset of ``text[i]``."""

    text: str
    index: _Runs | None
    """``index[i]`` is the original offset of ``text[i]``; None when the view has the same
    length and offsets as the original (the common case)."""
    original_length: int
    variants: int = 0
    """How many variant words were replaced by their canonical word (the only step that may take
    ASCII letters out of the text: `白dian风`; a gate on ASCII runs of the view reads it)."""
    alnum_run: int | None = None
    """The length of the longest run of ASCII letters and digits (``[a-z0-9]``) in ``text``, when
    the C steps measured it on the way (None: not known; the Python steps do not measure it, nor
    does anyone after a variant was replaced). ``_ads.regex_trigger_spans`` reads it."""

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized ``[start, end)`` to the original text (end exclusive)."""
        index = self.index
        if index is None:
            return start, end
        if start >= index.length:
            return self.original_length, self.original_length
        # index.at(start), index.at(end - 1) + 1, inlined: detectors call this per hit and block
        starts = index.starts
        k = bisect.bisect_right(starts, start) - 1
        o_start = index.origins[k] + start - starts[k] if index.linear[k] else index.origins[k]
        if end <= start:
            return o_start, o_start
        last = end - 1
        if not 0 <= last < index.length:
            raise IndexError(last)
        k = bisect.bisect_right(starts, last) - 1
        o_last = index.origins[k] + last - starts[k] if index.linear[k] else index.origins[k]
        return o_start, o_last + 1

    def from_original(self, pos: int) -> int:
        """The first normalized position whose original offset is ``>= pos``."""
        index = self.index
        if index is None:
            return min(pos, len(self.text))
        # index.first_at_or_after(pos), inlined
        k = bisect.bisect_left(index.lasts, pos)
        if k == len(index.starts):
            return index.length
        if index.linear[k]:
            return index.starts[k] + max(0, pos - index.origins[k])
        return index.starts[k]


def _drop(text: str, index: _Runs | None, pattern: re.Pattern[str]) -> tuple[str, _Runs | None]:
    """Remove every match of ``pattern``, carrying the offset map."""
    matches = list(pattern.finditer(text))
    if not matches:
        return text, index
    pieces: list[str] = []
    runs = _Runs()
    pos = 0
    for m in matches:
        pieces.append(text[pos : m.start()])
        runs.extend_from(index, pos, m.start() - pos)
        pos = m.end()
    pieces.append(text[pos:])
    runs.extend_from(index, pos, len(text) - pos)
    return "".join(pieces), runs


@dataclass(frozen=True, slots=True)
class _Variants:
    scanner: LiteralScanner
    canonical: Mapping[str, str]


def _variant_automaton(variants: Mapping[str, str]) -> _Variants | None:
    if not variants:
        return None
    return _Variants(LiteralScanner(variants), dict(variants))


def _replace_variants(
    text: str, index: _Runs | None, auto: _Variants | None
) -> tuple[str, _Runs | None, int]:
    """The text with its variants replaced, its map, and how many were replaced."""
    if auto is None:
        return text, index, 0
    hits: list[tuple[int, int, str]] = []
    last_end = -1
    # longest-leftmost, non-overlapping (the scan gives every occurrence by start, longest first)
    canonical = auto.canonical
    found = [(start, start + len(word), canonical[word]) for start, word in auto.scanner.scan(text)]
    for start, end, canon in found:
        if start >= last_end:
            hits.append((start, end, canon))
            last_end = end
    if not hits:
        return text, index, 0
    pieces: list[str] = []
    runs = _Runs()
    pos = 0
    for start, end, canon in hits:
        pieces.append(text[pos:start])
        runs.extend_from(index, pos, start - pos)
        pieces.append(canon)
        # canonical character k maps where variant character min(k, len - 1) was
        width = end - start
        runs.extend_from(index, start, min(len(canon), width))
        runs.repeat_from(index, end - 1, len(canon) - width)
        pos = end
    pieces.append(text[pos:])
    runs.extend_from(index, pos, len(text) - pos)
    return "".join(pieces), runs, len(hits)


def native_norm_enabled() -> bool:
    """Whether the C steps ``_norm`` are built (``setup.py``; optional) and not turned off with
    ``NEWSIEVE_PURE_PYTHON=1`` (as ``_match.native_scan_enabled``)."""
    return NATIVE_NORM_BUILT and not pure_python()


_NATIVE: _norm.Normalizer | None = None


def _class_ranges(pattern: str) -> list[tuple[int, int]]:
    """The code point ranges of a regex that is one character class (``[...]``), from re's parser."""
    parsed = list(_sre.parse(pattern))
    if len(parsed) != 1 or parsed[0][0] is not _sre.IN:
        raise ValueError(f"not one character class: {pattern!r}")
    ranges = []
    for op, arg in parsed[0][1]:
        if op is _sre.LITERAL:
            ranges.append((arg, arg))
        elif op is _sre.RANGE:
            ranges.append(arg)
        else:  # a negated class, \d, ...: not written so, not handled
            raise ValueError(f"unhandled item {op} in {pattern!r}")
    return ranges


def _native_kinds() -> bytes:
    """The classes of the character steps as flags by code point, for ``_norm.Normalizer``: 1 a
    format character (``_FORMAT``), 2 a gap character (``_GAP_CHAR``), 4 a CJK one (``_CJK``)."""
    kinds = bytearray(0x110000)
    for flag, pattern in ((1, _FORMAT.pattern), (2, _GAP_CHAR), (4, f"[{_CJK}]")):
        for lo, hi in _class_ranges(pattern):
            # (a loop, not ``bytes(k | flag for k in kinds[lo : hi + 1])``: mypyc 2.4 fails on that
            # generator over a bytearray with an internal error)
            for cp in range(lo, hi + 1):
                kinds[cp] |= flag
    return bytes(kinds)


def _native() -> _norm.Normalizer | None:
    """The C steps, built on first use (None where not built or turned off)."""
    global _NATIVE
    if not native_norm_enabled():
        return None
    if _NATIVE is None:
        table, _ = _tables()
        with _lock:
            if _NATIVE is None:
                # the table maps BMP characters only (NFKC of U+00A0..U+FFFF, OpenCC's CJK range)
                if any(cp >= 0x10000 for cp in table):
                    raise RuntimeError("normalize: the table maps a character above U+FFFF")
                chars = "".join(table.get(cp, chr(cp)) for cp in range(0x10000))
                _NATIVE = _norm.Normalizer(chars, _native_kinds(), GAP_MAX)
    return _NATIVE


def _runs_of(flat: list[int]) -> _Runs:
    """The ``_Runs`` of the C steps' ``[origin, count, ...]`` (maximal runs, as ``_drop`` builds)."""
    runs = _Runs()
    for i in range(0, len(flat), 2):
        runs.add(flat[i + 1], flat[i], True)
    return runs


def normalize(text: str, variants: Mapping[str, str] | None = None) -> NormalizedText:
    """Build the matching view of ``text`` (see the module docstring)."""
    native = _native()
    index: _Runs | None
    alnum_run: int | None = None
    if native is not None:
        out, flat, alnum_run = native.normalize(text)
        index = None if flat is None else _runs_of(flat)
    else:
        out, index = _python_steps(text)
    out, index, replaced = _replace_variants(out, index, _automaton_for(variants or {}))
    return NormalizedText(out, index, len(text), replaced, alnum_run if replaced == 0 else None)


def _python_steps(text: str) -> tuple[str, _Runs | None]:
    """The format characters dropped, the table applied, the gaps dropped (``_norm.c`` in C)."""
    _tables()
    fast = _FAST
    index: _Runs | None
    if fast is not None and fast.quiet.search(text) is None:
        out, index = _translate(text, safe=True), None  # no format character to drop, none unsafe
    else:
        out, index = _drop(text, None, _FORMAT)
        out = _translate(out)
    return _drop(out, index, _GAP)


_automata: dict[int, tuple[Mapping[str, str], _Variants | None]] = {}


def _automaton_for(variants: Mapping[str, str]) -> _Variants | None:
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
