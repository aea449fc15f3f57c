"""Shared trigger matching: one pass per text for the trigger literals of many rules.

Rules carry a ``trigger`` (``data/*.toml``): a small regex, nearly always an alternation of
literals (``'编辑|责编|编审|美编'``, ``'[上下]篇'``), that every hit of the rule's full pattern
contains. Detectors used to search each trigger with its own regex, block by block: the same
literals were searched again by every detector and for every block (~19k searches per 100 pages).

Here each distinct trigger is registered once in an index (``LiteralIndex.add``) and expanded
into the finite set of strings it matches (``literals``: ``'[上下]篇'`` -> ``上篇``, ``下篇``).
All of them go into one ``LiteralScanner``; one pass over a text then says which triggers are in
it and where:

- ``index.doc_hits(doc)``: one pass over ``doc.text``, cached in ``doc.cache``, giving the
  triggers of every block (``index.block_hits(doc, i)``: those of block ``i``);
- ``index.hits(text, doc)``: the hits in one string of page ``doc`` (the normalized view),
  remembered for that page in ``doc.cache``, so the detectors asking about it share one pass.

Nothing is remembered from one page to the next: a memo keyed by text that outlived its page
made the benchmark's repeated passes over the same pages look faster than a crawl would be.

A trigger that is not a small finite set of literals (a look-around, ``\\s*``, a flag) is kept
as a regex and searched as before (``exact`` is False): results never depend on the literal pass.

Two indexes: ``KEY_TRIGGERS`` for the footer rules (``KeyFinder``, used by the boilerplate,
related and damage detectors) and ``TRIGGERS`` for other detectors' rules (``ad.other``, on the
normalized view). Also here: ``LiteralScanner`` (every occurrence of many words: the disease
words of ``ad.medical``) and ``trie_alternation`` (a word list as a regex).
"""

from __future__ import annotations

import array
import bisect
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from re import _constants as _sre_c  # type: ignore[attr-defined]
from re import _parser as _sre  # type: ignore[attr-defined]
from typing import Any, Final

from ._native import pure_python
from .rules import Rule
from .types import Document

try:
    from . import _scan

    NATIVE_SCAN_BUILT = True
except ImportError:  # not built (no C compiler at install): LiteralScanner scans in Python
    NATIVE_SCAN_BUILT = False

__all__ = [
    "ASCII_FOLDS_BEYOND_ASCII",
    "KEY_TRIGGERS",
    "TRIGGERS",
    "DocHits",
    "KeyFinder",
    "LiteralIndex",
    "LiteralScanner",
    "TextHits",
    "caseless",
    "char_chunks",
    "first_chars",
    "literals",
    "native_scan_enabled",
    "trie_alternation",
    "unicode_classes",
]

LITERAL_LIMIT = 4096
"""Most strings a trigger may expand to (``'\\.\\d'`` is 1 x 660 Unicode digits); beyond it the
trigger stays a regex."""
_FINDER_BLOCKS = "match.finder_blocks"
"""``doc.cache`` key of ``KeyFinder.blocks``' results, by finder."""
DOC_CACHE_KEY = "match.triggers"
"""``doc.cache`` key of ``index.doc_hits(doc)``, followed by ``.`` and the index's name."""

GATE_LITERALS = 4
"""Most characters a gate (``LiteralIndex.gates``) may be: each is a literal of the page's scan, a hit
wherever it stands (``[a-z0-9]`` would be one at every letter)."""

_IGNORED_FLAGS = re.UNICODE  # what a str pattern always has; any other flag keeps the regex


# -- the strings a regex matches ------------------------------------------------------------------


def char_chunks(size: int = 0x10000) -> Iterator[str]:
    """Every code point but the surrogates, in order, ``size`` at a time (built in C, ~20 ms in
    all; one chunk at a time, so that a scan of all of Unicode never holds 4 MB of text)."""
    order = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
    for low in range(0, 0x110000, size):
        high = min(low + size, 0x110000)
        codes = array.array("I")
        for a, b in ((low, min(high, 0xD800)), (max(low, 0xE000), high)):
            if a < b:
                codes.extend(range(a, b))
        if codes.itemsize != 4:  # never on the platforms CPython ships for; stay correct anyway
            yield "".join(map(chr, codes))
        else:
            yield codes.tobytes().decode(order)


@cache
def unicode_classes() -> tuple[str, str, str]:
    """``(\\d, \\s, cased)``: the decimal digits and the white space of str patterns, and the
    characters whose ``lower()`` differs from them, from one pass over all of Unicode (~0.1 s,
    once per process; what normalize's fast path and the trigger literals need)."""
    digit, space = re.compile(r"\d"), re.compile(r"\s")
    digits: list[str] = []
    spaces: list[str] = []
    cased: list[str] = []
    for chunk in char_chunks():
        digits += digit.findall(chunk)
        spaces += space.findall(chunk)
        for at in range(0, len(chunk), 256):
            piece = chunk[at : at + 256]
            if piece.lower() != piece:  # most runs of 256 code points have no upper case at all
                cased.extend(ch for ch in piece if ch.lower() != ch)
    return "".join(digits), "".join(spaces), "".join(cased)


@cache
def _category(name: str) -> str:
    """All characters of an ``re`` category (``\\d``, ``\\s``, ``\\w`` of str patterns)."""
    # the parser says CATEGORY_DIGIT; a str pattern without re.ASCII compiles it to the Unicode one
    kind = name.removeprefix("CATEGORY_").removeprefix("UNI_")
    if kind == "DIGIT":
        return unicode_classes()[0]
    if kind == "SPACE":
        return unicode_classes()[1]
    if kind != "WORD":
        return ""
    word = re.compile(r"\w")
    return "".join(ch for chunk in char_chunks() for ch in word.findall(chunk))


def _chars(items: Any) -> set[str] | None:
    """The characters of a ``[...]`` set, or None (negated, or too many)."""
    out: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.add(chr(av))
        elif name == "RANGE":
            if av[1] - av[0] > LITERAL_LIMIT:
                return None
            out.update(chr(c) for c in range(av[0], av[1] + 1))
        elif name == "CATEGORY":
            found = _category(str(av))
            if not found:
                return None
            out.update(found)
        else:  # NEGATE and anything unexpected
            return None
        if len(out) > LITERAL_LIMIT:
            return None
    return out


def _product(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > LITERAL_LIMIT:
        return None
    return {a + b for a in left for b in right}


def _language(items: Any) -> set[str] | None:
    """The strings a parsed sequence matches, or None when not a small finite set."""
    out: set[str] = {""}
    for op, av in items:
        name = str(op)
        part: set[str] | None
        if name == "LITERAL":
            part = {chr(av)}
        elif name == "IN":
            part = _chars(av)
        elif name == "BRANCH":
            part = set()
            for branch in av[1]:
                sub = _language(branch)
                if sub is None:
                    return None
                part |= sub
        elif name == "SUBPATTERN":
            _group, add_flags, del_flags, sub_items = av
            if add_flags or del_flags:
                return None
            part = _language(sub_items)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, sub_items = av
            if high is _sre_c.MAXREPEAT or high > 8:
                return None
            one = _language(sub_items)
            if one is None:
                return None
            part = set()
            power: set[str] | None = {""}
            for count in range(high + 1):
                if count >= low and power is not None:
                    part |= power
                if count < high:
                    power = _product(power, one) if power is not None else None
                    if power is None:
                        return None
        else:  # anchors, look-arounds, `.`, back references
            return None
        if part is None:
            return None
        product = _product(out, part)
        if product is None:
            return None
        out = product
    return out


def _parse(pattern: str) -> list[Any] | None:
    """``pattern`` parsed by the ``re`` module's own parser, or None when it does not compile or
    sets flags other than those that cannot change what it matches here."""
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & ~_IGNORED_FLAGS:
        return None
    return list(parsed)


def literals(pattern: str) -> frozenset[str] | None:
    """The finite set of strings ``pattern`` matches, when it is one of at most ``LITERAL_LIMIT``
    non-empty strings; else None (then the pattern must be searched as a regex).

    >>> sorted(literals("[上下]篇|Next"))
    ['Next', '上篇', '下篇']
    >>> literals("转载(?=请)") is None
    True
    """
    parsed = _parse(pattern)
    if parsed is None:
        return None
    found = _language(parsed)
    if not found or "" in found:
        return None
    return frozenset(found)


def _first_items(items: Any) -> list[tuple[str, Any]] | None:
    """The ``LITERAL``/``RANGE``/``CATEGORY`` items a match of a parsed sequence can start with."""
    if not items:
        return None
    op, av = items[0]
    name = str(op)
    if name == "LITERAL":
        return [("LITERAL", av)]
    if name == "IN":
        if any(str(o) not in ("LITERAL", "RANGE", "CATEGORY") for o, _ in av):
            return None  # a negated set
        return [(str(o), a) for o, a in av]
    if name == "BRANCH":
        out: list[tuple[str, Any]] = []
        for branch in av[1]:
            found = _first_items(list(branch))
            if found is None:
                return None
            out += found
        return out
    if name == "SUBPATTERN":
        if av[1] or av[2]:
            return None  # flags
        return _first_items(list(av[3]))
    if name in ("MAX_REPEAT", "MIN_REPEAT") and av[0] >= 1:
        return _first_items(list(av[2]))
    return None  # anchors, look-arounds, optional items, `.`


_CATEGORY_CLASS = {"DIGIT": r"\d", "SPACE": r"\s", "WORD": r"\w"}


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def first_chars(pattern: str) -> str | None:
    r"""A regex character class of the characters a match of ``pattern`` can start with, or None
    when that cannot be told (a look-around or an optional item first, a negated set, flags).

    >>> first_chars("锟斤拷|烫烫烫|[\u00c2-\u00ef]x")
    '[\\u951f\\u70eb\\u00c2-\\u00ef]'
    """
    parsed = _parse(pattern)
    if parsed is None:
        return None
    items = _first_items(parsed)
    if not items:
        return None
    parts: list[str] = []
    for kind, value in items:
        if kind == "LITERAL":
            parts.append(_escape(value))
        elif kind == "RANGE":
            parts.append(f"{_escape(value[0])}-{_escape(value[1])}")
        else:
            cls = _CATEGORY_CLASS.get(str(value).removeprefix("CATEGORY_").removeprefix("UNI_"))
            if cls is None:
                return None
            parts.append(cls)
    return "[" + "".join(dict.fromkeys(parts)) + "]"


ASCII_FOLDS_BEYOND_ASCII = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
"""What an ASCII letter matches under ``re.IGNORECASE`` besides its two cases: `İ` and `ı` for `i`,
the Kelvin sign for `k`, the long s for `s` (``tests/test_normalize.py`` checks this against all of
Unicode)."""


def caseless(word: str) -> str:
    """A regex matching what ``re.escape(word)`` matches with ``re.IGNORECASE``, without the flag.

    A case-insensitive regex gets no fast skip to its possible first characters: the regex engine
    tries every position of the text (``_ads._URL_HINT``: 81 -> 25 us a page written this way).

    >>> caseless("tv")
    '[Tt][Vv]'
    """
    out = []
    for ch in word:
        if ch.isascii() and ch.isalpha():
            low = ch.lower()
            out.append("[" + "".join(sorted(low.upper() + low + ASCII_FOLDS_BEYOND_ASCII.get(low, ""))) + "]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


# -- all occurrences of many literals --------------------------------------------------------------


def trie_alternation(words: Iterable[str]) -> str:
    """One regex matching exactly ``words``, as a trie (`来(?:源|自)?`), so that the regex engine
    skips ahead to the next character that starts a word and branches once per character.

    A drop-in for an alternation of the words sorted longest first (``_ads.alternation``): at one
    position two words can only both match when one is a prefix of the other, and the trie tries
    the longer first too, so a pattern holding it finds the same matches.

    >>> trie_alternation(["来源", "来自", "来源于"])
    '来(?:源(?:于)?|自)'
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any], top: bool = False) -> str:
        # children that end a word and go no further make one character class (`\\.\\d` is 660
        # words `.0` ... `.९`: one class, not 660 branches to try at every `.`); not at the top,
        # where every branch must start with its character for the regex engine to skip ahead
        leaves = [] if top else [ch for ch, child in sorted(node.items()) if ch and list(child) == [""]]
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())
                if ch and not (len(leaves) > 1 and ch in leaves)]
        if len(leaves) > 1:
            alts.append("[" + "".join(re.escape(ch) for ch in leaves) + "]")
        if not alts:
            return ""
        body = "(?:" + "|".join(alts) + ")" if len(alts) > 1 or "" in node else alts[0]
        return body + "?" if "" in node else body

    return emit(root, top=True)


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(re.escape(ch) for ch in chars) + "]"


def native_scan_enabled() -> bool:
    """Whether the C scanner ``_scan`` is built (``setup.py``; optional) and not turned off with
    ``NEWSIEVE_PURE_PYTHON=1`` (as ``_tree.native_enabled``; not imported from there: ``_tree``
    is the extraction's, and this module the detectors')."""
    return NATIVE_SCAN_BUILT and not pure_python()


class LiteralScanner:
    """Every occurrence of a set of literals in a text, overlapping ones included.

    The regex engine finds the next position where some literal can start (a character class and
    a look-ahead for the second character; a class for the one-character words), and the literals
    starting there are read off by their first character and length. On the pages of
    ``bench/bench_filters.py`` its trie-regex predecessor was already 1.6x (boilerplate triggers)
    to 2.6x (disease words) faster than pyahocorasick, whose automaton tries every first character
    of the words in turn at each character of the text.

    Where the C extension ``_scan`` is built (and ``native_scan_enabled``), a trie walked in C from
    each place where a word can start does the same (``_scan.c``), and the regexes are not built:
    the 7 scanners' passes on the pages of ``bench_filters`` went 287 -> 46 us a page, and
    ``Sieve.clean`` 0.2 to 0.3 ms a page faster (7-11%).

    >>> LiteralScanner(["来源", "来源于", "源于"]).scan("本文来源于网络")
    [(2, '来源于'), (2, '来源'), (3, '源于')]
    """

    def __init__(self, words: Iterable[str], native: bool | None = None) -> None:
        distinct = list(dict.fromkeys(w for w in words if w))
        self._count = len(distinct)
        # the C scanner (``_scan.c``) when built and enabled (``native``: None = as
        # ``native_scan_enabled`` says); the regexes below are only built for the Python one
        self._native: _scan.Scanner | None = None
        if native_scan_enabled() if native is None else native:
            if not NATIVE_SCAN_BUILT:
                raise RuntimeError("the C scanner newsieve.filters._scan is not built")
            self._native = _scan.Scanner(distinct)
            return
        # One-character words (`年`, `：` of the digit rules; the 6,600 private-use characters of
        # damage) are one character class: a place at each of them, read off as it is. The longer
        # words: one regex finds the places where a first character stands before one of the words'
        # second characters (a class and a look-ahead: no branch to try at each place), and the
        # words starting there are read off by length (a set per length, longest first: `.` starts
        # 661 words of two lengths, two lookups). Cheaper than trie regexes over all the words on
        # the pages of bench_filters (trigger passes 173 -> 155 and 107 -> 89 us a page, disease
        # words 72 -> 37), which tried every one-character branch at every place.
        singles = [w for w in distinct if len(w) == 1]
        longer = [w for w in distinct if len(w) > 1]
        self._single = re.compile(_char_class(singles)) if singles else None
        by_first: dict[str, list[str]] = {}
        for word in longer:
            by_first.setdefault(word[0], []).append(word)
        self._lengths: dict[str, list[tuple[int, frozenset[str]]]] = {
            first: [(n, frozenset(w for w in group if len(w) == n))
                    for n in sorted({len(w) for w in group}, reverse=True)]
            for first, group in by_first.items()
        }
        self._pairs: re.Pattern[str] | None = None
        self._trie: re.Pattern[str] | None = None
        if by_first and singles:
            # beside one-character words (damage's `\n[`, `(w`, `www.`: first characters that
            # stand everywhere), a trie regex of the longer ones, searched from place to place, costs
            # less than the pairs' look-ahead at each first character
            self._trie = re.compile(trie_alternation(longer))
        elif by_first:
            seconds = sorted({w[1] for w in longer})
            self._pairs = re.compile(_char_class(sorted(by_first)) + "(?=" + _char_class(seconds) + ")")

    def __len__(self) -> int:
        return self._count

    @property
    def native(self) -> bool:
        """Does ``scan`` run in C (``_scan.c``)?"""
        return self._native is not None

    def _places(self, text: str, pos: int, end: int) -> Iterator[int]:
        """Where a longer word (two characters or more) may start in ``text[pos:end]``, in order."""
        if self._pairs is not None:
            for place in self._pairs.finditer(text, pos, end):
                yield place.start()
        elif self._trie is not None:
            trie = self._trie
            found = trie.search(text, pos, end)
            while found is not None:  # (from the next place on: words may overlap)
                yield found.start()
                found = trie.search(text, found.start() + 1, end)

    def scan(self, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, str]]:
        """``(start, literal)`` of every occurrence wholly inside ``text[pos:endpos]``, by start
        (longest first at one start). The C scanner gives the same list, its literals being the
        word objects given (the Python one's are equal slices of the text)."""
        if self._native is not None:
            return self._native.scan(text, pos, endpos)
        end = len(text) if endpos is None else endpos
        lengths = self._lengths
        out: list[tuple[int, str]] = []
        for start in self._places(text, pos, end):
            for n, words in lengths[text[start]]:
                if start + n <= end:
                    piece = text[start : start + n]
                    if piece in words:
                        out.append((start, piece))
        if self._single is not None:
            singles = [(m.start(), m.group()) for m in self._single.finditer(text, pos, end)]
            if singles:
                out += singles
                out.sort(key=lambda hit: (hit[0], -len(hit[1])))  # (a start has one word of a length)
        return out


# -- hits in one text -----------------------------------------------------------------------------


class TextHits:
    """Where the exact triggers are in one text: ``spans[trigger id]`` = ``(start, end)`` of each
    literal occurrence (overlapping ones included), by start. (Not dataclasses, this and
    ``DocHits``: compiled, a dataclass is made by the ``__init__`` that ``dataclasses`` writes, run
    as Python, ~2,100 instructions a ``TextHits``; a plain ``__init__`` is compiled with them.)"""

    __slots__ = ("spans",)

    def __init__(self, spans: dict[int, list[tuple[int, int]]]) -> None:
        self.spans: Final = spans

    @property
    def ids(self) -> Iterable[int]:
        return self.spans.keys()

    def has(self, trigger: int, pos: int = 0, endpos: int | None = None) -> bool:
        """Is a literal of ``trigger`` wholly inside ``text[pos:endpos]`` (what ``search`` would say)?"""
        found = self.spans.get(trigger)
        if not found:
            return False
        if pos <= 0 and endpos is None:
            return True
        return any(start >= pos and (endpos is None or end <= endpos) for start, end in found)


_NO_HITS = TextHits({})


class DocHits:
    """The triggers of each block of one document, from one pass over ``doc.text``."""

    __slots__ = ("blocks", "generation", "regex_blocks", "starts")

    def __init__(
        self,
        generation: int,
        blocks: dict[int, TextHits],
        regex_blocks: dict[int, list[int]],
        starts: list[int],
    ) -> None:
        self.generation = generation
        self.blocks = blocks
        """Block index -> the exact triggers' literals wholly inside the block, offsets into the
        block's text (what ``hits`` of the block's text says); the blocks without any are left out."""
        self.regex_blocks = regex_blocks
        """Trigger id (of a trigger kept as a regex) -> blocks where a match starts, filled on demand."""
        self.starts = starts
        """Where each block of the document starts (read once a page: a Block's attribute is a
        generic lookup, compiled too)."""


class LiteralIndex:
    """Triggers by id, their literals in one ``LiteralScanner``, and the passes of one page.

    Ids are stable for the life of the process; adding a trigger rebuilds the scanner on next
    use (a ``generation`` tells results of an older scanner from current ones).
    """

    def __init__(self, name: str = "triggers", *, gates: bool = False) -> None:
        self.name = name
        self._gated = gates
        self._cache_key = f"{DOC_CACHE_KEY}.{name}"
        self._memo_key = f"{DOC_CACHE_KEY}.{name}.texts"
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        self.patterns: list[re.Pattern[str]] = []
        self.exact: list[bool] = []
        self._literals: dict[str, set[int]] = {}
        self._scanner: LiteralScanner | None = None
        self._ids_of: dict[str, list[int]] = {}
        """``_literals`` as lists, made with the scanner: compiled, a loop over a list is C, over a
        set a generic iteration."""
        self.generation = 0
        self.gates: dict[int, int] = {}
        """With ``gates``: trigger id (of a trigger kept as a regex) -> the id of an exact trigger of the
        characters its matches start with (``first_chars``), when those are few (``GATE_LITERALS``): a block
        without one of them in the page's pass holds no match (``regex_blocks``; boilerplate's
        ``_regex_triggered``)."""

    def add(self, trigger: str) -> int:
        """The id of ``trigger`` (a regex), registering it on first sight."""
        found = self._ids.get(trigger)
        if found is not None:
            return found
        tid = self._add(trigger)
        starts = None if self.exact[tid] or not self._gated else first_chars(trigger)
        if starts is not None and starts != trigger and 0 < len(literals(starts) or ()) <= GATE_LITERALS:
            self.gates[tid] = self.add(starts)
        return tid

    def _add(self, trigger: str) -> int:
        with self._lock:
            found = self._ids.get(trigger)
            if found is not None:
                return found
            tid = len(self.patterns)
            self.patterns.append(re.compile(trigger))
            lits = literals(trigger)
            self.exact.append(lits is not None)
            for lit in lits or ():
                self._literals.setdefault(lit, set()).add(tid)
            if lits:
                self._scanner = None
                self.generation += 1
            self._ids[trigger] = tid
            return tid

    def _current(self) -> tuple[LiteralScanner, int]:
        scanner, generation = self._scanner, self.generation
        if scanner is not None:
            return scanner, generation
        with self._lock:
            if self._scanner is None:
                # (each list in its set's order: ``_add`` changes a set only with a new scanner)
                self._ids_of = {lit: list(ids) for lit, ids in self._literals.items()}
                self._scanner = LiteralScanner(self._literals)
            return self._scanner, self.generation

    def _scan(self, scanner: LiteralScanner, text: str) -> TextHits:
        spans: dict[int, list[tuple[int, int]]] = {}
        ids_of = self._ids_of
        for start, lit in scanner.scan(text):
            end = start + len(lit)
            for tid in ids_of[lit]:
                spans.setdefault(tid, []).append((start, end))
        return TextHits(spans) if spans else _NO_HITS

    def hits(self, text: str, doc: Document | None = None) -> TextHits:
        """The exact triggers' literals in ``text``. With ``doc`` (the page ``text`` is from), the
        result is remembered for that page (``doc.cache``): the detectors asking about the same
        string share one pass. Without, a pass of its own (the text of a block of ``doc``: ask
        ``block_hits``, read off the page's one pass)."""
        if doc is None:
            return self._scan(self._current()[0], text)
        scanner, generation = self._current()
        memo: dict[str, tuple[int, TextHits]] | None = doc.cache.get(self._memo_key)
        if memo is None:
            memo = doc.cache[self._memo_key] = {}
        cached = memo.get(text)
        if cached is not None and cached[0] == generation:
            return cached[1]
        result = self._scan(scanner, text)
        memo[text] = (generation, result)
        return result

    def doc_hits(self, doc: Document) -> DocHits:
        """Triggers by block from one pass over ``doc.text`` (cached in ``doc.cache``). The blocks'
        hits are kept by block index (``block_hits``), not as a memo by block text: filling one cost a
        slice and a hash per block with a hit, and each lookup hashed the block's text again
        (``doc_hits`` 40 -> 35 us a page on bench_filters, the scan in C 11 of them). Compiled, the hits
        find their block by walking the blocks' starts along with them, not by a ``bisect`` call each,
        and each block's end is read once (with the plain ``TextHits``: 248k -> 169k instructions a page)."""
        scanner, generation = self._current()
        cached = doc.cache.get(self._cache_key)
        if isinstance(cached, DocHits) and cached.generation == generation:
            return cached
        blocks = doc.blocks
        starts = [b.start for b in blocks]
        n_blocks = len(starts)
        ids_of = self._ids_of
        per_block: dict[int, dict[int, list[tuple[int, int]]]] = {}
        # the scan gives its hits by start: each block's spans come out in order, and the block of
        # each hit (the last one starting at or before it) is at or after the previous hit's
        i = -1
        base = block_end = 0
        spans: dict[int, list[tuple[int, int]]] = {}
        for start, lit in scanner.scan(doc.text):
            if i + 1 < n_blocks and starts[i + 1] <= start:
                i += 1
                while i + 1 < n_blocks and starts[i + 1] <= start:
                    i += 1
                base, block_end = starts[i], blocks[i].end
                spans = {}
            if i < 0:
                continue
            end = start + len(lit)
            if end > block_end:
                continue
            if not spans:
                per_block[i] = spans
            for tid in ids_of[lit]:
                spans.setdefault(tid, []).append((start - base, end - base))
        result = DocHits(generation, {i: TextHits(s) for i, s in per_block.items()}, {}, starts)
        doc.cache[self._cache_key] = result
        return result

    def block_hits(self, doc: Document, index: int) -> TextHits:
        """``hits`` of the text of block ``index``, read off the page's pass (``doc_hits``)."""
        return self.doc_hits(doc).blocks.get(index, _NO_HITS)

    def regex_blocks(self, doc: Document, tid: int) -> list[int]:
        """Blocks where a match of trigger ``tid`` starts, by a regex pass (cached per document)."""
        hits = self.doc_hits(doc)
        found = hits.regex_blocks.get(tid)
        if found is not None:
            return found
        gate = self.gates.get(tid)
        if gate is not None and not any(gate in block.spans for block in hits.blocks.values()):
            # no block holds a character a match starts with: no pass over the page (`篇\s*[)）]`, one page in
            # twenty of bench_filters has a `篇`)
            hits.regex_blocks[tid] = []
            return []
        pattern = self.patterns[tid]
        starts, blocks = hits.starts, doc.blocks
        out: list[int] = []
        m = pattern.search(doc.text)
        while m is not None:
            i = bisect.bisect_right(starts, m.start()) - 1
            pos = m.end()
            if i >= 0:
                block_end = blocks[i].end
                if m.start() < block_end:
                    out.append(i)
                    pos = max(pos, block_end)  # one hit is enough: on to the next block
            m = pattern.search(doc.text, pos)
        hits.regex_blocks[tid] = out
        return out


TRIGGERS = LiteralIndex("triggers")
"""The index detectors register their own rules' triggers in (``ad.other`` on the normalized view)."""

KEY_TRIGGERS = LiteralIndex("keys", gates=True)
"""The index of the footer rules' triggers (``KeyFinder``: boilerplate, related and damage share it,
one pass per page over ``doc.text``). Kept apart from ``TRIGGERS``: a scan costs about the number of
places where some literal's first character stands times the number of distinct first characters,
so two families of literals scanned over two different texts are cheaper in two indexes than in one.
With ``gates``: the footer finders ask ``regex_blocks`` of the page (``TRIGGERS``' regex trigger is searched
by its detector, and its gate would be every letter)."""


# -- KeyFinder ------------------------------------------------------------------------------------


class KeyFinder:
    """Finds the earliest hit of any of a set of rules, fast: each distinct ``trigger`` (a few
    literals) is looked up in the shared trigger pass (``KEY_TRIGGERS``), and only the rules whose
    trigger is present run their full pattern. A drop-in for
    ``combined_pattern(rules).search``/``.finditer``.

    Each lookup takes ``doc`` and ``index`` when ``text`` is the text of block ``index`` of ``doc``
    (the detectors loop over blocks): its triggers are then read off the page's pass
    (``LiteralIndex.doc_hits``) instead of a scan of ``text``."""

    def __init__(self, rules: Iterable[Rule], index: LiteralIndex | None = None) -> None:
        self.rules = list(rules)
        self.index = index or KEY_TRIGGERS
        groups: dict[str, list[Rule]] = {}
        self.always: list[Rule] = []
        for r in self.rules:
            trig = r.extra.get("trigger")
            if trig:
                groups.setdefault(str(trig), []).append(r)
            else:
                self.always.append(r)
        self.groups = [(re.compile(t), rs) for t, rs in groups.items()]
        self._ids = [self.index.add(t) for t in groups]
        self._exact = [self.index.exact[t] for t in self._ids]
        self._id_set = frozenset(t for t, ok in zip(self._ids, self._exact, strict=True) if ok)
        self._all_exact = all(self._exact)
        self._position = {tid: k for k, tid in enumerate(self._ids)}
        self._regex_groups = [k for k, exact in enumerate(self._exact) if not exact]

    def __bool__(self) -> bool:
        return bool(self.rules)

    @property
    def exact_only(self) -> bool:
        """Has every rule a trigger, all of them literals? Then a block that ``blocks(doc)`` leaves
        out holds none of them: ``triggered`` names no rule there and ``search`` finds nothing."""
        return not self.always and self._all_exact

    def triggered(self, text: str, pos: int = 0, endpos: int | None = None, *,
                  doc: Document | None = None, index: int | None = None) -> list[Rule]:
        """The rules whose trigger is in ``text[pos:endpos]`` (and those without a trigger).
        ``doc``, ``index``: ``text`` is the text of block ``index`` of ``doc``."""
        end = len(text) if endpos is None else endpos
        out = list(self.always)
        if not self._id_set:
            hits = _NO_HITS
        elif doc is not None and index is not None:
            hits = self.index.block_hits(doc, index)
        else:
            hits = self.index.hits(text, doc)
        whole = pos <= 0 and end >= len(text)
        if self._all_exact and self._id_set.isdisjoint(hits.spans):
            return out  # most blocks: none of the triggers
        # the triggers found, and those kept as regexes that match, in the order of the groups
        # (not a test per group: most of a finder's triggers are not in a given block)
        position = self._position
        present = [position[tid] for tid in hits.spans if tid in position]
        present += [k for k in self._regex_groups if self.groups[k][0].search(text, pos, end) is not None]
        for k in sorted(present):
            if whole or not self._exact[k] or hits.has(self._ids[k], pos, end):
                out.extend(self.groups[k][1])
        return out

    def finditer(self, text: str, pos: int = 0, *, doc: Document | None = None,
                 index: int | None = None) -> list[re.Match[str]]:
        """All hits from ``pos`` on, by start (hits of different rules may overlap)."""
        live = self.triggered(text, pos, doc=doc, index=index)
        found = [m for r in live for m in r.pattern.finditer(text, pos)]
        return sorted(found, key=lambda m: (m.start(), -m.end()))

    def search(self, text: str, pos: int = 0, *, doc: Document | None = None,
               index: int | None = None) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for r in self.triggered(text, pos, doc=doc, index=index):
            m = r.pattern.search(text, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def blocks(self, doc: Document) -> list[int]:
        """Indexes of the blocks where some trigger (or a rule without one) hits, in order (once a
        page: the related detector asks three or four times; a copy, the caller's to keep)."""
        if not self.rules or not doc.blocks:
            return []
        if self.always:
            return list(range(len(doc.blocks)))
        hits = self.index.doc_hits(doc)
        per_page: dict[int, tuple[int, list[int]]] | None = doc.cache.get(_FINDER_BLOCKS)
        if per_page is None:
            per_page = doc.cache[_FINDER_BLOCKS] = {}
        # (finders live as long as their detectors: an id stays its finder's while a page is read)
        cached = per_page.get(id(self))
        if cached is not None and cached[0] == hits.generation:
            return list(cached[1])
        mine = self._id_set
        where = {i for i, block in hits.blocks.items() if not mine.isdisjoint(block.spans)}
        for k in self._regex_groups:
            where.update(self.index.regex_blocks(doc, self._ids[k]))
        found = sorted(where)
        per_page[id(self)] = (hits.generation, found)
        return list(found)
