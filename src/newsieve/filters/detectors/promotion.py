"""Page-level promotion signals: is the page itself a sales page, a keyword landing page, or salad?

This detector removes nothing. It reads the page as a whole and leaves counts in
``doc.cache["page_signals"]["page.promotion"]``, which ``filters/score.py`` weighs into the
``page.promotion.*`` reasons (the weights and thresholds are named constants there):

- ``title_query``, ``title_trade``: the title is a search query (`那里可以学习做蛋糕`, `X哪家好`) or
  offers a trade (`资质转让`, `培训课程`, `许可证办理资料`); ``title_stuffed``: the page's raw
  ``<title>`` is keyword-stuffed (`A_B(C)_D_D`);
- ``cta``, ``form``, ``self_intro``, ``offer``: distinct calls to action (title and body), sign-up form
  fields, a company introducing itself, terms of an offer (course hours, prices, easy money);
- ``contact``: phone, QQ or WeChat numbers;
- ``money_word``/``money_count``: the money-making or franchise word the page repeats most, and how often
  (``body_cjk``, the article's Chinese characters from ``repetition.page_stats``, gives the density);
- ``random_token``, ``collision``: scraped sentence salad (`ls6utgDbOeKZnI6L技术`, `实际。，着力`);
- ``echo_lines``/``echo_share``: most lines of a list of short lines repeat the title's keyword
  (a search-keyword landing page assembled from other pages' titles);
- ``keyword_url``: a bare URL line (or the page URL) whose path is a Chinese keyword;
- ``title_overlap``: the share of the title's character pairs found in the body (salad pages
  carry a title unrelated to their text);
- ``fake_fields``: contact fields of a template filled with words (`Phone : 来电显示器`), distinct
  field names;
- ``stamped``: distinct titles on the page (its own, and short lines: previous/next and related
  links) with a `_`-separated part that is a trade keyword (`抖音账号购买_…`, `…_买抖音号`).

The patterns are data (``data/promotion.toml``, ids ``page.promotion.*``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from typing import Final
from urllib.parse import unquote, urlsplit

from .._match import TRIGGERS, _parse, literals
from .._text import count_cjk
from ..base import FilterConfig, Finding
from ..normalize import NormalizedText, merged_variants, normalize, normalized_view
from ..rules import Rule, Rules
from ..types import Block, Document
from . import _ads
from .repetition import article_lines, page_stats

__all__ = ["SIGNAL_KEY", "PromotionDetector"]

SIGNAL_KEY: Final = "page.promotion"
"""Key of this detector's dict in ``doc.cache["page_signals"]``."""

ECHO_MIN_CHARS: Final = 2
"""Shortest title keyword looked for in the lines (`蛋糕` of `那里可以学习做蛋糕`, cc doc 38; a longer one,
`安全生产许可证` of `安全生产许可证办理资料` in cc doc 44, is found through its first characters)."""
ECHO_LINE_MAX_CHARS: Final = 60
"""Only short lines (titles of other pages) count for the keyword echo: a news article's paragraphs
name its subject too, but they are long."""
_PROSE: Final = ("，", "。", "；")
"""...and only lines that are not sentences: a report's short paragraphs name its subject in every line
(`汪勇` in 8 of 12 lines of a gne-test-pages article), but they are sentences, with `，` and `。`."""
TITLE_MAX_CHARS: Final = 40
"""Only the first this many characters of the title are searched for its keyword (speed)."""
STUFFED_MIN_PARTS: Final = 3
"""A title of this many `_`/`|`/`-` segments with one repeated is keyword-stuffed (`A_B(C)_D_D`, issue 2)."""
_TITLE_SEP: Final = re.compile(r"\s*(?:_|\||｜|—|–|\s-\s)\s*")
_CJK_RUN: Final = re.compile(r"[\u3400-\u9fff]+")
STAMP_LINE_MAX_CHARS: Final = 80
"""Only lines this short are looked at for a stamped title (titles of links, not paragraphs)."""
_STAMP_SEP: Final = re.compile(r"\s*_\s*")
_TOKEN_RUN: Final = "[a-z0-9][a-z0-9]{11}"
"""Twelve ASCII letters or digits in a row on the normalized view. Every random_token hit is such a run
of the raw text, and so of the view (normalization maps an ASCII letter or digit to itself or its lower
case, and drops nothing between two of them) unless a variant word took letters off it (`白dian风`,
``NormalizedText.variants``): a page whose view holds no such run skips the random_token regex (9 pages
in 10 of bench_filters; 28 us a page). The string of ad.other.token_splice's trigger: one pass over the
view serves both (``_ads.regex_trigger_spans``)."""
_FIELD_NAME: Final = re.compile(r"[^\s:：]+")
_BARE_URL: Final = re.compile(
    r"^\s*(?:https?://)?[a-z0-9][a-z0-9.-]*\.[a-z]{2,}(?::\d+)?/\S*\s*$", re.IGNORECASE
)


def _lead(pattern: re.Pattern[str]) -> str:
    """The character every match of ``pattern`` starts with, when the ``re`` module's own parser reads
    one (a literal, not optional, not in an alternation: collision's `。(?:…)`); else "". (A look-behind
    after it looks before the match, but ``search(text, start)`` sees the text before ``start`` as
    ``search(text, pos)`` does.)"""
    if pattern.flags != re.UNICODE:
        return ""
    parsed = _parse(pattern.pattern)
    if not parsed or str(parsed[0][0]) != "LITERAL":
        return ""
    return chr(parsed[0][1])


def _bigrams(text: str) -> set[str]:
    out: set[str] = set()
    for run in _CJK_RUN.findall(text):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _stuffed(title: str) -> bool:
    """A keyword-stuffed title (`A_B(C)_D_D`): three segments or more, one of them repeated. The
    number of segments alone says nothing: a news portal's title chains tags, channel and site
    (`标题|苹果|新品|新iPhone_电信_新浪科技_新浪网`, gne-test-pages sina/4)."""
    parts = [p.strip() for p in _TITLE_SEP.split(title)]
    parts = [p for p in parts if p]
    return len(parts) >= STUFFED_MIN_PARTS and len(set(parts)) < len(parts)


def _url_keyword(url: str) -> bool:
    """Is the URL's path a Chinese keyword (percent-encoded), as a keyword landing page's is?"""
    try:
        path = unquote(urlsplit(url if "://" in url else "http://" + url).path)
    except ValueError:
        return False
    return count_cjk(path) >= 4


class PromotionDetector:
    """Counts page-level promotion signals; proposes no span."""

    name = "promotion"
    version = "3"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.variants = merged_variants(lex.variants for lex in rules.lexicons.values())
        own = rules.by_id_prefix("page.promotion.")
        self.rules: dict[str, tuple[Rule, re.Pattern[str]]] = {
            r.id.removeprefix("page.promotion."): (r, r.pattern) for r in own
        }
        # rules run over the article only where the shared trigger pass over the normalized view
        # (``TRIGGERS``, which ad.other makes anyway) found their trigger: the rule's ``trigger``, or
        # the pattern itself when it is a finite list of literals (cta, offer, money)
        self.gates: dict[str, int] = {}
        for key, (rule, pattern) in self.rules.items():
            trigger = rule.extra.get("trigger")
            if not trigger and pattern.flags == re.UNICODE and literals(pattern.pattern) is not None:
                trigger = pattern.pattern
            if trigger:
                tid = TRIGGERS.add(str(trigger))
                if TRIGGERS.exact[tid]:
                    self.gates[key] = tid
        self.token_run = TRIGGERS.add(_TOKEN_RUN)
        # what ``_count`` searches: the rule's ``search_each`` patterns (same answer, faster), or its pattern,
        # each with the character every match starts with ("" when there is none: see ``_lead``)
        self.searches: dict[str, list[tuple[str, re.Pattern[str]]]] = {
            key: [(_lead(p), p) for p in searched]
            for key, (rule, pattern) in self.rules.items()
            for searched in [tuple(map(re.compile, rule.extra.get("search_each", ()))) or (pattern,)]
        }

    def _distinct(self, key: str, text: str, pos: int = 0) -> int:
        return len(self._matches(key, text, pos))

    def _matches(self, key: str, text: str, pos: int = 0) -> set[str]:
        """The rule's distinct matches in ``text`` (none starts before ``pos``: see ``_live``)."""
        found = self.rules.get(key)
        if found is None:
            return set()
        return {m.group(0) for m in found[1].finditer(text, pos)}

    def _top(self, key: str, text: str, pos: int = 0) -> tuple[str, int]:
        """The rule's most frequent match in the text and its count (``("", 0)`` when none)."""
        found = self.rules.get(key)
        if found is None:
            return "", 0
        counts = Counter(m.group(0) for m in found[1].finditer(text, pos))
        return counts.most_common(1)[0] if counts else ("", 0)

    def _count(self, key: str, text: str, pos: int = 0) -> int:
        """1 when the rule hits the text, else 0 (the score only asks whether a signal is there)."""
        for lead, pattern in self.searches.get(key, ()):
            start = pos
            if lead:
                # every match starts at a `lead`: none before its first one from `pos` (a str.find,
                # memchr in C, where re steps through each character; collision's `！` and `？`
                # patterns, absent from most articles, are then not searched: _count 158k -> 143k
                # instructions a page on bench_filters. A find of each `。` and a test of its
                # neighbours instead of the `。` search was slower compiled: 214k)
                start = text.find(lead, pos)
                if start < 0:
                    continue
            if pattern.search(text, start) is not None:
                return 1
        return 0

    def detect(self, doc: Document) -> list[Finding]:
        view = normalized_view(doc, self.variants)
        titles = [doc.title, doc.meta.get("raw_title", "")]
        title_norm = normalize(" ".join(t for t in titles if t), self.variants).text
        # the article's lines, stripped, as page_stats takes them (one list for both; the patterns
        # searched in `body` hold no space or line break, so the stripped edges change no hit)
        lines, body = article_lines(doc)
        # one slice of the normalized view from the first article block to the last (the title comes
        # before them and the tail after, so this is the article's text; one mapping instead of one per block)
        first, last = _article_range(doc)
        n_start, n_end = (
            (view.from_original(first.start), view.from_original(last.end)) if first and last else (0, 0)
        )
        body_norm = view.text[n_start:n_end]
        stats = page_stats(doc)
        sig = _ads.signals(doc, SIGNAL_KEY)
        sig["title_query"] = bool(title_norm) and self._count("title_query", title_norm) > 0
        sig["title_trade"] = bool(title_norm) and self._count("title_trade", title_norm) > 0
        sig["title_stuffed"] = _stuffed(doc.meta.get("raw_title", "") or doc.title)
        live = self._live(view.text, n_start, n_end, doc)
        if "cta" in self.gates:
            # a hit of a list of literals holds no line break: the hits in `title \n body` are those in
            # the title and those in the body
            body_cta = self._matches("cta", body_norm, live["cta"]) if "cta" in live else set()
            sig["cta"] = len(self._matches("cta", title_norm) | body_cta)
        else:
            sig["cta"] = self._distinct("cta", title_norm + "\n" + body_norm)
        sig["form"] = self._distinct("form", body_norm, live["form"]) if "form" in live else 0
        sig["self_intro"] = (
            self._count("self_intro", body_norm, live["self_intro"]) if "self_intro" in live else 0
        )
        sig["offer"] = self._distinct("offer", body_norm, live["offer"]) if "offer" in live else 0
        sig["contact"] = self._count("contact", body_norm, live["contact"]) if "contact" in live else 0
        sig["money_word"], sig["money_count"] = (
            self._top("money", body_norm, live["money"]) if "money" in live else ("", 0)
        )
        sig["random_token"] = self._random_token(doc, view, body, first, last)
        sig["collision"] = self._count("collision", body)
        sig["echo_lines"], sig["echo_share"] = self._echo(doc, lines)
        sig["keyword_url"] = bool(doc.url and _url_keyword(doc.url)) or any(
            _BARE_URL.match(text) and _url_keyword(text.strip())
            for text in (doc.text[b.start : b.end] for b in _holding(doc, "/"))
        )
        title_pairs = _bigrams(doc.title)
        sig["title_pairs"] = len(title_pairs)
        shared = sum(map(body.__contains__, title_pairs))
        sig["title_overlap"] = round(shared / len(title_pairs), 3) if title_pairs else 1.0
        sig["body_cjk"] = stats["cjk"]
        sig["fake_fields"] = self._fake_fields(body_norm, live["fake_field"]) if "fake_field" in live else 0
        sig["stamped"] = self._stamped(doc)
        return []

    def _live(self, text: str, start: int, end: int, doc: Document) -> dict[str, int]:
        """The rules that may hit ``text[start:end]``, each with where in that range a search may
        start: those without a gate from its start; those whose trigger the shared pass found
        wholly inside the range from the start of the line of their first literal there. A match
        holds a literal of its rule's trigger (what makes the gate), and no line break before it
        (the field names of form and fake_field are one word, a line break may only follow them;
        a `.` takes none): no match starts on an earlier line. (The gated rules' searches skip the
        article up to there: promotion -8 us a page on bench_filters.)"""
        hits = TRIGGERS.hits(text, doc)
        live = {}
        for key in self.rules:
            tid = self.gates.get(key)
            if tid is None:
                live[key] = 0
                continue
            first = next((s for s, e in hits.spans.get(tid, ()) if s >= start and e <= end), None)
            if first is not None:
                live[key] = max(text.rfind("\n", start, first) + 1, start) - start
        return live

    def _random_token(
        self, doc: Document, view: NormalizedText, body: str, first: Block | None, last: Block | None
    ) -> int:
        """``_count("random_token", body)``, searched only in the article blocks that hold a run of
        ``_TOKEN_RUN`` on the view: every hit is in one (the regex over the whole article cost ~130 us
        on each of the 13 pages in 100 of bench_filters that hold a run, mostly in other blocks). The
        hits inside a block's range of ``doc.text`` are those inside its line of ``body``: a token
        holds no space or line break, and a space or line break beside it is the same to the pattern's
        look-arounds as the line's edge."""
        if view.variants > 0:  # a run of the raw text may be broken on the view (see ``_TOKEN_RUN``)
            return self._count("random_token", body)
        runs = _ads.regex_trigger_spans(doc, view, self.token_run)
        if not runs or first is None or last is None:
            return 0
        found = self.rules.get("random_token")
        if found is None:
            return 0
        pattern = found[1]
        searched = set()
        for start, _ in runs:
            index = _ads.block_at(doc, view.to_original(start, start + 1)[0])
            if index is None or index in searched:
                continue
            searched.add(index)
            block = doc.blocks[index]
            in_article = first.start <= block.start <= last.start and block.kind not in ("title", "tail")
            if in_article and pattern.search(doc.text, block.start, block.end) is not None:
                return 1
        return 0

    def _fake_fields(self, body_norm: str, pos: int) -> int:
        """Distinct field names (`phone`, `email`) of contact fields filled with words."""
        found = self.rules.get("fake_field")
        if found is None or ":" not in body_norm:  # the normalized view folds `：` into `:`
            return 0
        names = set()
        for m in found[1].finditer(body_norm, pos):
            name = _FIELD_NAME.search(m.group(0))
            if name:
                names.add(name.group(0))
        return len(names)

    def _stamped(self, doc: Document) -> int:
        """Distinct titles with a trade keyword as one of their `_`-separated parts (the page's own
        title, in the text or in ``<title>``, counts once)."""
        found = self.rules.get("stamp")
        raw_title = doc.meta.get("raw_title", "")
        if found is None or ("_" not in doc.text and "_" not in raw_title):
            return 0
        pattern = found[1]

        def stamped(line: str) -> bool:
            return "_" in line and any(pattern.match(part) for part in _STAMP_SEP.split(line.strip())[:8])

        own = {doc.title.strip(), raw_title.strip()}
        others = {
            text for text in (doc.text[b.start : b.end].strip() for b in _holding(doc, "_"))
            if len(text) <= STAMP_LINE_MAX_CHARS and text not in own
        }
        return int(any(stamped(t) for t in own)) + sum(1 for t in others if stamped(t))

    def _echo(self, doc: Document, lines: list[str]) -> tuple[int, float]:
        """How many of the short body lines (``lines``: the article blocks' texts, stripped, the empty
        ones left out) hold the title's most repeated keyword, and their share."""
        if not doc.title:
            return 0, 0.0
        # (three `in` tests, not a regex search: a call less per line; 13 -> 6 us a page on bench_filters)
        comma, stop, semicolon = _PROSE
        short = [
            t for t in lines
            if len(t) <= ECHO_LINE_MAX_CHARS and comma not in t and stop not in t and semicolon not in t
        ]
        if not short:
            return 0, 0.0
        # The most repeated keyword of any length is as repeated as its first ECHO_MIN_CHARS characters
        # (a line holding `安全生产许可证` holds `安全`), so the shortest words are enough to find the count.
        size = ECHO_MIN_CHARS
        words = {
            run[i : i + size]
            for run in _CJK_RUN.findall(doc.title[:TITLE_MAX_CHARS])
            for i in range(len(run) - size + 1)
        }
        # A word on n of the lines occurs at least n times in them: the lines are counted only for the
        # words that occur more often than the best count so far, most frequent first (most title
        # words are on none of the lines: one str.count each instead of one test per line; 37 -> 25 us
        # a page on bench_filters)
        joined = "\n".join(short)
        best = 0
        for occurrences, word in sorted(((joined.count(w), w) for w in words), reverse=True):
            if occurrences <= best:
                break
            # (a generator in sum(), which compiled is a loop of `in` tests, not map(operator.contains,
            # ...), which is a call per line: with the constants Final, _echo 113k -> 93k instructions a
            # page on bench_filters)
            best = max(best, sum(1 for t in short if word in t))
        return best, round(best / len(lines), 3)


def _article_range(doc: Document) -> tuple[Block | None, Block | None]:
    """The first and the last article block with text (not title, not tail), from each end: the title
    is the first block and the tail blocks the last ones, so a few tests instead of one per block.
    (Loops, not filter() with a closure: compiled, these are a native loop and call; ~5k instructions a
    page less.)"""
    blocks = doc.blocks
    first = last = None
    for b in blocks:
        if _is_article(b):
            first = b
            break
    for i in range(len(blocks) - 1, -1, -1):
        if _is_article(blocks[i]):
            last = blocks[i]
            break
    return first, last


def _is_article(b: Block) -> bool:
    return b.kind not in ("title", "tail") and b.end > b.start


def _holding(doc: Document, char: str) -> Iterator[Block]:
    """The blocks whose text holds ``char``, in order: one ``str.find`` and one bisection per block
    that holds it, no test of the blocks that do not (`/` and `_` are in a few blocks of a page's 70:
    10 -> 3 us a call on bench_filters, was a test of every block). The blocks are in text order and
    do not overlap, as extraction makes them."""
    text, blocks = doc.text, doc.blocks
    starts = _ads.block_index(doc)
    pos = text.find(char)
    while pos >= 0:
        i = bisect_right(starts, pos) - 1
        if i >= 0 and pos < blocks[i].end:
            yield blocks[i]
            pos = text.find(char, blocks[i].end)  # (the block's other `char`s are not looked for)
        else:
            pos = text.find(char, pos + 1)
