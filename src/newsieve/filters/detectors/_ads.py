"""Helpers shared by the advertisement detectors (medical, gambling, other_ads).

- placeholder expansion of rule patterns (``{diseases}`` -> an alternation from a lexicon);
- URLs in text and in ``Block.links``, and the entry name of an encyclopedia URL;
- the block holding an offset;
- how far an ad fragment reaches inside its block (``Fragment``), and whether what is left
  of the block after removing it is still text;
- page-level signals, which the detectors leave in ``doc.cache[PAGE_SIGNALS]`` for ``score.py``.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from newsieve.exceptions import RulesError

from .._match import TRIGGERS, LiteralScanner, caseless
from ..normalize import NormalizedText
from ..rules import Rule
from ..types import Block, Document

PAGE_SIGNALS: Final = "page_signals"
"""``doc.cache`` key: ``{detector label: {signal: value}}``, read by ``filters/score.py``."""

_PLACEHOLDER: Final = re.compile(r"\{([a-z_]+)\}")

URL: Final = re.compile(
    r"(?:https?://|www\.)[^\s\u3000\u3400-\u9fff，。；！？“”‘’、（）()<>\"']+"
    r"|(?<![\w@.])[a-z0-9][a-z0-9-]{1,62}(?:\.[a-z0-9-]{1,62})*\.(?:com|cn|net|org|cc|top|vip|xyz|info|hk|tv|me)"
    r"(?:\.cn)?(?::\d+)?(?:/[^\s\u3000\u3400-\u9fff，。；！？“”‘’、（）()<>\"']*)?",
    re.IGNORECASE,
)
# Where one sentence (or one pasted piece) ends and another begins.
BOUNDARY: Final = frozenset("。！？!?；;…\n\t \u3000|│丨")
# What may sit between the pieces of one ad (`北京哪家治疗白癜风正规 https://...`, `...：电话`).
GLUE: Final = frozenset(" \t\u3000:：,，、-—|│丨>»·")
# What is left of a block that is not text (bullets, separators, brackets, punctuation).
_LEFTOVER: Final = re.compile(r"^[\s\W_]*$")
_CJK: Final = re.compile(r"[\u3400-\u9fff]")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first (so the longest word wins)."""
    uniq = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not uniq:
        raise RulesError("an alternation needs at least one word")
    return "|".join(re.escape(w) for w in uniq)


def expand(rule: Rule, values: Mapping[str, str]) -> re.Pattern[str]:
    """Compile ``rule.pattern`` with ``{name}`` placeholders replaced by ``values[name]``."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            raise RulesError(f"{rule.source}: rule {rule.id!r}: unknown placeholder {{{name}}}")
        return values[name]

    source = rule.pattern.pattern
    try:
        return re.compile(_PLACEHOLDER.sub(sub, source))
    except re.error as exc:
        raise RulesError(
            f"{rule.source}: rule {rule.id!r}: expanded pattern does not compile: {exc}"
        ) from exc


def reason_of(rule: Rule) -> str:
    return str(rule.extra.get("reason") or rule.id)


def encyclopedia_entry(url: str) -> str | None:
    """The entry name of a baike.baidu.com / baike.com / wikipedia URL (percent-decoded)."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not (host.endswith("baike.baidu.com") or host.endswith("baike.com") or "wikipedia.org" in host
            or host.endswith("baike.sogou.com") or host.endswith("baike.so.com")):
        return None
    segs = [unquote(s) for s in parts.path.split("/") if s]
    for i, seg in enumerate(segs):
        if seg in ("item", "wiki", "doc", "view", "v") and i + 1 < len(segs):
            name = segs[i + 1]
            return name.removesuffix(".htm").removesuffix(".html") or None
    return None


def url_host(url: str) -> str:
    try:
        return (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
    except ValueError:
        return ""


def block_index(doc: Document) -> list[int]:
    starts = doc.cache.get("block_starts")
    if not isinstance(starts, list) or len(starts) != len(doc.blocks):
        starts = [b.start for b in doc.blocks]
        doc.cache["block_starts"] = starts
    return starts


def block_at(doc: Document, pos: int) -> int | None:
    """Index of the block holding original offset ``pos``."""
    starts = block_index(doc)
    i = bisect.bisect_right(starts, pos) - 1
    if i < 0:
        return None
    # (the block's fields read once: ``Block`` is not compiled, each read is a generic attribute lookup)
    block = doc.blocks[i]
    start: int = block.start
    if start <= pos < max(block.end, start + 1):
        return i
    return None


class PageWords:
    """The word lists of several detectors (ad.medical's disease words, ad.gambling's brands), found on
    the page's normalized view in one scan whose hits are kept in ``doc.cache``; each detector takes
    the hits of its own words (``hits``). The scan gives every occurrence of every word, by start,
    longest first: those of one list are, in the same order, what a scanner of that list alone gives.
    (Two scans of the whole view, ~4.5 us a page each on bench_filters, became one of ~7 us.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._words: dict[str, None] = {}
        self._scanner: LiteralScanner | None = None
        self._generation = 0

    def add(self, words: Iterable[str]) -> frozenset[str]:
        """Registers ``words``; returns them as the set ``hits`` takes."""
        own = frozenset(w for w in words if w)
        with self._lock:
            new = own.difference(self._words)
            if new:
                self._words.update(dict.fromkeys(sorted(new)))
                self._scanner = None
                self._generation += 1
        return own

    def hits(self, doc: Document, view: NormalizedText, own: frozenset[str]) -> list[tuple[int, str]]:
        """``LiteralScanner(own).scan(view.text)``, read off the page's one scan."""
        cached = doc.cache.get(PAGE_WORDS_KEY)
        if not (isinstance(cached, tuple) and cached[0] is view and cached[1] == self._generation):
            with self._lock:
                if self._scanner is None:
                    self._scanner = LiteralScanner(self._words)
                scanner, generation = self._scanner, self._generation
            cached = (view, generation, scanner.scan(view.text))
            doc.cache[PAGE_WORDS_KEY] = cached
        found: list[tuple[int, str]] = cached[2]
        return [hit for hit in found if hit[1] in own] if found else []


PAGE_WORDS_KEY: Final = "ads.page_words"
"""``doc.cache`` key of the hits of ``PAGE_WORDS`` on the normalized view."""
PAGE_WORDS: Final = PageWords()
"""The lists scanned together (ad.medical's and ad.gambling's)."""


def strip_urls(text: str) -> str:
    """``URL.sub("", text)``, skipped when the text holds no ``_URL_HINT`` (no URL can match)."""
    return URL.sub("", text) if _URL_HINT.search(text) is not None else text


def is_leftover(text: str) -> bool:
    """True when ``text`` holds nothing a reader would call text (only punctuation, space, digits)."""
    stripped = strip_urls(text)
    return _LEFTOVER.match(stripped) is not None or (not _CJK.search(stripped) and len(stripped.strip()) <= 3)


@dataclass(slots=True)
class Fragment:
    """An ad fragment inside one block: ``[start, end)`` in original offsets."""

    start: int
    end: int
    where: str = "inside"
    """``block`` (the whole block), ``front``, ``end``, ``own`` (a sentence of its own) or ``inside``."""


# A URL glued to the paragraph after it swallows the paragraph's first Latin letters
# (`http://www.yyzx.cn/A股三大股指`): a final path segment of 1-3 letters right before a Chinese
# character is given back.
_GLUED_TAIL: Final = re.compile(r"/([A-Za-z]{1,3})$")


def urls_in(
    text: str, start: int, end: int, view: NormalizedText | None = None
) -> list[tuple[int, int, str]]:
    """URLs in ``text[start:end]`` as ``(start, end, url)`` in original offsets.

    With ``view``, they are found on the normalized text (a full-width `ｗｗｗ．ｂｄｆ１２０．ｃｏｍ`
    is a URL too); ``url`` is then the original text when that is ASCII, else the normalized one.
    """
    if view is None:
        found = [(m.start(), m.end(), m.group(0)) for m in URL.finditer(text, start, end)]
    else:
        n_start, n_end = view.from_original(start), view.from_original(end)
        found = []
        for m in URL.finditer(view.text, n_start, n_end):
            o_start, o_end = view.to_original(m.start(), m.end())
            raw = text[o_start:o_end]
            found.append((o_start, o_end, raw if raw.isascii() else m.group(0)))
    return [_untangle(text, u_start, u_end, url, end) for u_start, u_end, url in found]


def _untangle(text: str, u_start: int, u_end: int, url: str, end: int) -> tuple[int, int, str]:
    """A URL found in ``text[:end]``, less the Latin letters it swallowed from a paragraph glued to
    it (``_GLUED_TAIL``)."""
    if u_end < end and _CJK.match(text, u_end):
        tail = _GLUED_TAIL.search(url)
        if tail:
            u_end -= len(tail.group(1))
            url = url[: -len(tail.group(1))]
    return u_start, u_end, url


# Every match of URL holds one of these (its scheme, `www.` or its top-level domain): lines
# without one are not scanned with URL, whose leading look-behind makes it slow to scan. As
# `://|www\.|\.(?:com|cn|…)` with re.IGNORECASE, the same matches, but written to start with a
# character class, without the flag: the regex engine then skips to the next `:`, `w` or `.`
# instead of trying every position (81 -> 25 us a page on the normalized views of bench_filters).
_URL_HINT_TLDS: Final = ("com", "cn", "net", "org", "cc", "top", "vip", "xyz", "info", "hk", "tv", "me")
_URL_HINT: Final = re.compile(
    "[:.{w}](?:(?<=:)//|(?<=[{w}]){ww}\\.|(?<=\\.)(?:{tlds}))".format(
        w=caseless("w")[1:-1], ww=caseless("ww"), tlds="|".join(caseless(t) for t in _URL_HINT_TLDS)
    )
)

_DOT_HINT: Final = re.compile(
    "\\.(?:{tlds}|(?<={www}\\.))".format(
        tlds="|".join(caseless(t) for t in _URL_HINT_TLDS), www=caseless("www")
    )
)
"""A `.` that is part of a ``_URL_HINT`` (`.com`, `www.`): a line holds a hint exactly when it holds
one of these or a `://` (``_hints``)."""


def _lines_urls(text: str) -> Iterator[re.Match[str]]:
    """``URL.finditer(text)``, scanning only the lines that hold a ``_URL_HINT`` (no URL spans
    a newline, and the look-behind sees the newline before a line either way)."""
    pos = 0  # where the next line to scan may start
    for at in _hints(text):
        if at < pos:
            continue  # in a line scanned already
        start = max(text.rfind("\n", pos, at) + 1, pos)
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        yield from URL.finditer(text, start, end)
        pos = end + 1


def _hints(text: str) -> Iterator[int]:
    """Where the ``_URL_HINT``s of ``text`` are, in order (a `www.` by the `.` after it). Every hint
    holds a `.` (`www.`, `.com`) or is a `://`: ``str.find`` skips to those, and ``_DOT_HINT`` is
    tried at each `.`. The regex searched over the text tried its character class at every
    character (a normalized view holds ~6 `.` and a `:` after every `来源`: 15 -> 7 us a page on
    bench_filters; one match a `.`, not ``_URL_HINT`` at the `.` and three characters before it:
    ``block_urls`` ~2 us a page less)."""
    dot, scheme = text.find("."), text.find("://")
    while dot >= 0 or scheme >= 0:
        if scheme < 0 or 0 <= dot < scheme:
            if _DOT_HINT.match(text, dot) is not None:
                yield dot
            dot = text.find(".", dot + 1)
        else:
            yield scheme
            scheme = text.find("://", scheme + 1)


BLOCK_URLS: Final = "block_urls"
"""``doc.cache`` key: the URLs of each block on the normalized view (see ``block_urls``)."""


def block_urls(doc: Document, view: NormalizedText) -> dict[int, list[tuple[int, int, str]]]:
    """``urls_in(doc.text, block.start, block.end, view)`` of every block that has one, by block
    index, from one scan of the whole view (cached in ``doc.cache``).

    The same as one scan per block: a URL never spans a newline, blocks hold none, and the
    view keeps the newlines between blocks, so every match lies inside one block's range."""
    cached = doc.cache.get(BLOCK_URLS)
    if isinstance(cached, tuple) and cached[0] is view:
        return cached[1]  # type: ignore[no-any-return]
    text = doc.text
    out: dict[int, list[tuple[int, int, str]]] = {}
    for m in _lines_urls(view.text):
        u_start, u_end = view.to_original(m.start(), m.end())
        bi = block_at(doc, u_start)
        if bi is None:
            continue
        end = doc.blocks[bi].end
        if u_end > end:  # blocks not kept apart by newlines (a hand-built document): one by one
            out = {}
            for bj, block in enumerate(doc.blocks):
                found = urls_in(text, block.start, block.end, view)
                if found:
                    out[bj] = found
            break
        raw = text[u_start:u_end]
        url = raw if raw.isascii() else m.group(0)
        out.setdefault(bi, []).append(_untangle(text, u_start, u_end, url, end))
    doc.cache[BLOCK_URLS] = (view, out)
    return out


REGEX_TRIGGERS: Final = "ads.regex_triggers"
"""``doc.cache`` key: the matches on the normalized view of the triggers kept as regexes (see
``regex_trigger_spans``)."""


def regex_trigger_spans(doc: Document, view: NormalizedText, tid: int) -> list[tuple[int, int]]:
    """``(start, end)`` of every match of trigger ``tid`` (one of ``TRIGGERS`` kept as a regex, not
    a list of literals) on the normalized view: one ``finditer`` per page, cached in ``doc.cache``
    (ad.other's candidate blocks and promotion's random-token gate read the same pass)."""
    cached = doc.cache.get(REGEX_TRIGGERS)
    if not (isinstance(cached, tuple) and cached[0] is view):
        cached = (view, {})
        doc.cache[REGEX_TRIGGERS] = cached
    table: dict[int, list[tuple[int, int]]] = cached[1]
    found = table.get(tid)
    if found is None:
        pattern = TRIGGERS.patterns[tid]
        need = _alnum_run_length(pattern.pattern)
        if need is not None and view.alnum_run is not None and view.alnum_run < need:
            found = table[tid] = []  # no run that long in the view (9 pages in 10: 30 us a page)
        elif need is not None:
            found = table[tid] = _alnum_chunks(view.text, need)
        else:
            found = table[tid] = [m.span() for m in pattern.finditer(view.text)]
    return found


_ALNUM_RUN: Final = re.compile(r"\[a-z0-9\]\[a-z0-9\]\{(\d+)\}")


_ALNUM_MARKS: Final = bytes(
    0x61 if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 0x20 for c in range(256)
)
"""Byte table: `a` for an ASCII lower-case letter or digit, a space for any other byte."""


def _alnum_chunks(text: str, n: int) -> list[tuple[int, int]]:
    """The spans of ``[a-z0-9][a-z0-9]{n-1}``'s ``finditer`` over ``text``: each run of ASCII lower-case
    letters and digits of n or more, cut in pieces of n from its start. The runs are found with
    ``bytes.find`` on a byte per character (`?` for any other than ASCII, then ``_ALNUM_MARKS``):
    the regex tried a match at each letter and digit (63 -> 18 us on each of the 13 pages in 100 of
    bench_filters whose view holds such a run)."""
    marks = text.encode("ascii", "replace").translate(_ALNUM_MARKS)
    run = b"a" * n
    out: list[tuple[int, int]] = []
    pos = marks.find(run)
    while pos >= 0:
        end = marks.find(b" ", pos + n)
        if end < 0:
            end = len(marks)
        out.extend((start, start + n) for start in range(pos, end - n + 1, n))
        pos = marks.find(run, end)
    return out


def _alnum_run_length(trigger: str) -> int | None:
    """n for a trigger that is a run of n ASCII letters or digits (``[a-z0-9][a-z0-9]{n-1}``, the
    token triggers): the view's ``alnum_run`` then says without a regex that it holds none."""
    m = _ALNUM_RUN.fullmatch(trigger)
    return None if m is None else int(m.group(1)) + 1


def reach(
    text: str,
    block: Block,
    start: int,
    end: int,
    attachments: list[tuple[int, int]],
    lead_max: int,
) -> Fragment:
    """How far an ad hit at ``[start, end)`` reaches in ``block``.

    Rightwards it takes in glue characters and any ``attachments`` (URLs, contacts, calls to
    action) that follow with only glue between. Leftwards it takes in glue and, when the
    previous boundary is at most ``lead_max`` characters away, the characters up to it (an
    unknown city name before `哪家治疗...`). Then it says where the fragment sits.
    """
    # (the block's range read once: ``Block`` is not compiled, each read is a generic attribute lookup,
    # and the loops below read its end at every step)
    b_start: int = block.start
    b_end: int = block.end
    atts = sorted(attachments)
    moved = True
    while moved:
        moved = False
        pos = end
        while pos < b_end and text[pos] in GLUE:
            pos += 1
        for a_start, a_end in atts:
            if a_start <= pos < a_end or (a_start == pos and a_end > end):
                end = a_end
                moved = True
                break
    # a question or exclamation mark closing the ad, then trailing glue (space, comma, colon)
    if end < b_end and text[end] in "？?！!":
        end += 1
    while end < b_end and text[end] in GLUE:
        end += 1
    # leftwards: up to `lead_max` characters back to the previous boundary or clause mark
    lead = start
    while lead > b_start and text[lead - 1] not in BOUNDARY and text[lead - 1] not in "，,：:":
        lead -= 1
    if start - lead <= lead_max:
        start = lead
    before = text[b_start : start]
    after = text[end : b_end]
    if is_leftover(before) and is_leftover(after):
        return Fragment(b_start, b_end, "block")
    if is_leftover(before):
        return Fragment(b_start, end, "front")
    if is_leftover(after):
        return Fragment(start, b_end, "end")
    prev_char = text[start - 1] if start > b_start else "\n"
    next_char = text[end] if end < b_end else "\n"
    closed = next_char in BOUNDARY or text[end - 1] in GLUE or text[end - 1] in "？?！!"
    if (prev_char in BOUNDARY or prev_char in "”\"，,") and closed:
        return Fragment(start, end, "own")
    return Fragment(start, end, "inside")


# A host (or URL) of a public body, which pages cite and no ad links to: `.gov`, `.gov.cn`, `.edu.cn`,
# `.org`, `.ac.uk`.
PUBLIC_HOST: Final = re.compile(r"\.(?:gov|edu|org|ac)(?:\.[a-z]{2})?$|\.gov\.|\.edu\.", re.IGNORECASE)


# An ad glued to the front (or end) of a paragraph often runs on past what was matched to its own
# URL: `晋川癫痫病医院专家提醒：癫痫发作别慌张 http://…/tixing.html近期，城区…` (a headline). A URL at
# most this many characters after the fragment, with no sentence end between, is the ad's.
HEADLINE_MAX: Final = 24
_SENTENCE_STOP: Final = re.compile(r"[。！？!?；;\n]")


def run_on_to_url(
    text: str,
    block: Block,
    frag: Fragment,
    urls: list[tuple[int, int, str]],
    attachments: list[tuple[int, int]],
) -> Fragment:
    """``frag`` run on to a URL that follows it as an ad's headline does (``HEADLINE_MAX``), when
    the fragment then sits at the front or end of its block, or is all of it; else ``frag``."""
    for u_start, u_end, _ in urls:
        if frag.end < u_start <= frag.end + HEADLINE_MAX:
            if _SENTENCE_STOP.search(text, frag.end, u_start) is not None:
                return frag
            longer = reach(text, block, frag.start, u_end, attachments, 0)
            return longer if longer.where in ("front", "end", "block") else frag
    return frag


_PROSE_END: Final = re.compile(r"[。！？!?]")  # a sentence ends: keyword lists have none (`;` may part items)
# Items of an SEO keyword list (`本文关键词：口袋公园,城区,健身`): short runs between delimiters.
_KEYWORD_ITEMS: Final = re.compile(r"(?:\s*[^\s,，、|/;；。！？!?]{1,16}\s*(?:[,，、|/;；]|\s+|$))*")


def keyword_list(text: str, block: Block, lead_start: int, lead_end: int) -> Fragment | None:
    """The keyword list whose lead (`本文关键词：`) is ``text[lead_start:lead_end]``, or None (left
    alone: a false removal of the article's sentence is worse than the missed list).

    - The lead starts the block: the whole block when no sentence follows in it; when one is glued
      on (`…,健身 http://…近期，城区…。`), the list up to the URL that closes it (the list's own end
      is not otherwise known).
    - The lead is glued after the paragraph's last sentence (`…。本文关键词：口袋公园,城区`): the list
      to the block's end, when nothing but list items (and a URL closing them) is there."""
    if text[block.start : lead_start].strip():
        return _keyword_tail(text, block, lead_start, lead_end)
    stop = _PROSE_END.search(text, lead_end, block.end)
    if stop is None:
        return Fragment(block.start, block.end, "block")
    first_url = next(iter(urls_in(text, lead_end, stop.start())), None)
    if first_url is None:
        return None
    u_start, end, _ = first_url
    if not _items_to(text, lead_end, u_start):  # not a list up to the URL: prose before it
        return None
    while end < block.end and text[end] in GLUE:
        end += 1
    return Fragment(block.start, end, "front")


def _keyword_tail(text: str, block: Block, lead_start: int, lead_end: int) -> Fragment | None:
    if _PROSE_END.search(text, lead_end, block.end) is not None:
        return None
    items_end = block.end
    found = urls_in(text, lead_end, block.end)
    if found:
        if len(found) > 1 or any(c not in GLUE for c in text[found[0][1] : block.end]):
            return None
        items_end = found[0][0]
    if not _items_to(text, lead_end, items_end):
        return None
    while lead_start < block.end and text[lead_start].isspace():
        lead_start += 1
    return Fragment(lead_start, block.end, "end")


def _items_to(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is nothing but keyword list items."""
    items = _KEYWORD_ITEMS.match(text, start, end)
    return items is not None and items.end() == end


def signals(doc: Document, label: str) -> dict[str, Any]:
    """The page-signal dict of one detector label (created on first use)."""
    table = doc.cache.setdefault(PAGE_SIGNALS, {})
    out: dict[str, Any] = table.setdefault(label, {})
    return out
