"""Headingless link lists: sidebars, navigation and related-title lists flattened to text.

When a page is flattened to text its sidebars, menus and "more articles" boxes become runs of
short headline-like lines, with no heading such as 相关文章 to announce them (the headed case is
``related.py``'s). This detector finds the article body (from the first to the last long,
sentence-bearing paragraph) and looks only outside it, for runs of at least ``MIN_RUN``
consecutive headline-like lines (short, no `。`, at most one `，`, not ending like a sentence
part or an introduction). A run is taken only when it also shows what a list of links shows
and an article's own lines rarely do:

- ``template``: neighbours share a prefix or suffix (`2022年五月铂金的DOP价格`, `2022年四月…`);
- ``questions``: titles asked as questions (`如何管理iPhone的文件？`), not to the reader;
- ``dates``: items that end in a date or a year (news lists: a title, then its date);
- ``teasers``: items cut off with `…`/`...`;
- ``counts``: items ending in a bracketed count (a category sidebar: `办公室装修 (1篇)`, `公司新闻(23)`);
- ``links``: most items are link text (HTML pages).

A run before the body is navigation or a sidebar (``boilerplate.other.link_run``); after it, a
list of other articles (``boilerplate.related.list_tail``).

Precision first, since a false removal of the article is worse than a miss:

- nothing inside the body is looked at (steps, bullet points, Q&A, tables, verse live there);
- no body (no paragraph of ``PROSE_MIN_CHARS`` with sentence punctuation), no finding;
- before the body, the last ``TOP_GUARD`` items of a run stay (the article's title and a
  subtitle or breadcrumb sit right before its text);
- the line the extractor chose as title, and its repeats, stay wherever they are (when a span
  covers the title line the pipeline lets the title fall to the next block: not from here);
- after a line ending in `：` (`下面是…的教程：`) the first item is the article's;
- rhetorical questions to the reader (`你是否经常失眠？`) are no question titles.

Everything is decided on features computed once per block (length, a few character counts, the
last character); regexes only run on the lines of candidate runs.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Final

from ..base import FilterConfig, Finding
from ..rules import Rules
from ..types import Document, Span
from .related import _FIELD, not_a_title

__all__ = ["ListRunDetector"]

PROSE_MIN_CHARS: Final = 20
"""A body paragraph is at least this long and carries a sentence stop (`。！；`) or two commas; the
article body runs from the first such block to the last. Kept low so that the body takes in short
sentences too (chinesewebtext_cc_samples doc 4: `5型仪器在各地使用，是同类测试仪器中畅销的产品。`, 24
characters, starts the text of a product page); no headline-like line has a stop or two commas."""
ITEM_MIN_CHARS: Final = 4
"""Shorter lines are names, menu words or numbers, not titles."""
ITEM_MAX_CHARS: Final = 60
"""Longest headline-like line (as ``related.ITEM_MAX_CHARS``)."""
MIN_RUN: Final = 3
"""Fewest removable items in a run: two short lines are more often a signature and a date."""
TOP_GUARD: Final = 2
"""Items of a run before the body left in place, counted back from its end: the article's own
title and a breadcrumb or subtitle (doc 40: the title `如何将HEIC图片传输到电脑上？` sits among the
sidebar's questions, then `AirDroid 个人版 iOS端介绍`, then the text)."""
SIGNAL_SHARE: Final = 0.5
"""A signal counts when at least this share of a run's items (or neighbour pairs) carry it."""
TEMPLATE_MIN_AVG_CHARS: Final = 10
"""Shared prefixes and suffixes only count among title-long items: a list of schools or names
(`北京市第一中学`, `北京市第二中学`) shares them too, and is the report's own."""
TEMPLATE_MIN_HAN: Final = 2
"""Chinese characters a shared prefix or suffix needs (`如何`, `铂金的DOP价格`)."""
MIN_TEMPLATE_PAIRS: Final = 2
"""Fewest neighbour pairs sharing a prefix or suffix: one pair is a coincidence or an echo."""
LINK_SHARE: Final = 0.5
"""An item is a link when at least this share of its text is link text."""
CONFIDENCE: Final = 0.7
"""One signal: the page goes to review (``FilterConfig.review_confidence``)."""
CONFIDENCE_STRONG: Final = 0.8
"""Two signals or more."""

_STOPS: Final = "。！；;"
"""Sentence stops (also `. ` and a final `.` after a letter, counted in ``_line``)."""
_DATE_CHARS: Final = frozenset("年月日号时分秒")
_BAD_END: Final = frozenset("，,、：:；;")
_QUESTION_END: Final = frozenset("？?")
_TEASER_END: Final = ("...", "…", "。。。")
_EDGE: Final = " \t\u3000\u00a0|│丨·•-—–"
# A question to the reader is the article's voice, not a link title (`你是否经常失眠？`).
_RHETORICAL: Final = re.compile(r"[你您我咱]|[吗呢吧嘛]\s*[？?]$")
# An item ending in a date or a year: a news list's title then date (`翘楚25，2019`, `四月2年，2020年`,
# `… 2021-03-05`). A timeline starts with its years instead (`2019年 公司成立`) and does not count.
_DATE_END: Final = re.compile(
    r"(?:(?:19|20)\d{2}\s*年?|\d{1,2}\s*月\s*\d{1,2}\s*日?|\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?"
    r"|\d{1,2}[-/]\d{1,2})\s*[)）\]】]?$"
)

# A count in brackets ends the item: posts in a category, comments, hits (`铜梁办公室装修 (1篇)`,
# chinesewebtext_cc_samples doc 13).
_COUNT_END: Final = re.compile(r"[(（\[]\s*\d+\s*(?:篇|条|个|次|人|张|页)?\s*[)）\]]$")


class _Line:
    # (a plain class, not a dataclass: compiled, a dataclass's __init__ is the one the dataclasses module
    # writes, run as Python, one call a block: list_runs 96k -> 79k instructions a page on bench_filters)
    def __init__(self, index: int, text: str, item: bool, prose: bool) -> None:
        self.index = index
        self.text = text
        self.item = item
        self.prose = prose


def _line(doc: Document, index: int) -> _Line:
    """The cheap features of one block: its length, whether it holds a sentence stop, its commas."""
    block = doc.blocks[index]
    text = doc.text[block.start : block.end].strip(_EDGE)
    n = len(text)
    if block.kind == "tail" or not text:
        return _Line(index, text, False, False)
    stops = text.count("。") + text.count("！") + text.count("；") + text.count(";") + text.count(". ")
    if n > 1 and text[-1] == "." and text[-2].isalpha():
        stops += 1  # a Latin sentence (`He said it was fine.`) is no headline
    commas = text.count("，") + text.count(",")
    prose = n >= PROSE_MIN_CHARS and (stops > 0 or commas >= 2)
    item = (
        ITEM_MIN_CHARS <= n <= ITEM_MAX_CHARS
        and commas <= 1
        and text[-1] not in _BAD_END
        and (stops == 0 or text.endswith(_TEASER_END)
             or (stops == 1 and text[-1] in _STOPS and block.link_chars >= LINK_SHARE * n))
    )
    return _Line(index, text, item, prose)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def _template_part(part: str) -> bool:
    """Is a shared prefix or suffix a template's words: at least ``TEMPLATE_MIN_HAN`` Chinese
    characters other than those of dates? A shared `2022年` or `6月2` is a timeline's or a
    schedule's (`June 24 – Bristow, VA` …, scrapinghub-aeb ac1bfdd4c510: a tour's dates are the
    article's), and shared Latin letters are too short to tell."""
    return sum(1 for ch in part if _is_han(ch) and ch not in _DATE_CHARS) >= TEMPLATE_MIN_HAN


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def _shares_template(a: str, b: str) -> bool:
    if a == b:
        return False
    a, b = a.rstrip("？?"), b.rstrip("？?")
    return _template_part(_common_prefix(a, b)) or _template_part(_common_prefix(a[::-1], b[::-1]))


class ListRunDetector:
    """``boilerplate.other.link_run`` before the body, ``boilerplate.related.list_tail`` after it."""

    name = "list_runs"
    version = "1"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.tag = f"{self.name}@{self.version}"

    def detect(self, doc: Document) -> list[Finding]:
        # Only the blocks before the body's first paragraph and after its last are looked at:
        # scan in from both ends and stop at the first paragraph met.
        lines: dict[int, _Line] = {}
        first = -1
        for i in range(len(doc.blocks)):
            lines[i] = _line(doc, i)
            if lines[i].prose:
                first = i
                break
        if first < 0:
            return []  # no body, nothing to stand outside of
        last = first
        for i in range(len(doc.blocks) - 1, first, -1):
            lines[i] = _line(doc, i)
            if lines[i].prose:
                last = i
                break
        out: list[Finding] = []
        for run in _runs(lines, 0, first):
            out.extend(self._top(doc, lines, run))
        for run in _runs(lines, last + 1, len(doc.blocks)):
            out.extend(self._tail(doc, lines, run))
        return out

    # -- the two regions ----------------------------------------------------------------------
    def _top(self, doc: Document, lines: dict[int, _Line], run: list[int]) -> list[Span]:
        keep = set(run[len(run) - TOP_GUARD :])
        removable = [i for i in run if i not in keep]
        return self._judge(doc, lines, run, removable, "boilerplate.other", "boilerplate.other.link_run",
                           "before body")

    def _tail(self, doc: Document, lines: dict[int, _Line], run: list[int]) -> list[Span]:
        before = run[0] - 1
        removable = run
        if before >= 0 and lines[before].text.endswith(("：", ":")):
            removable = run[1:]  # `下面是…的教程：` introduces at least its next line
        return self._judge(doc, lines, run, removable, "boilerplate.related", "boilerplate.related.list_tail",
                           "after body")

    # -- scoring ----------------------------------------------------------------------------------
    def _judge(self, doc: Document, lines: dict[int, _Line], run: list[int], removable: list[int], label: str,
               reason: str, where: str) -> list[Span]:
        """Spans for ``removable`` when the whole ``run`` reads as a list of links."""
        title = doc.title.strip()
        if title:  # the extractor's title and its repeats stay (`中国人习以为常的地方 …` twice, GNE sina/1)
            removable = [i for i in removable if not _echoes(lines[i].text, title)]
        if len(removable) < MIN_RUN:
            return []
        texts = [lines[i].text for i in run]
        if any(not_a_title(t) for t in texts):
            return []  # an enumeration, a contact line, a date line, a caption: the page's own
        if sum(1 for t in texts if _FIELD.match(t)) > SIGNAL_SHARE * len(texts):
            return []  # a table of `key：value` lines
        signals = _signals(doc, run, texts)
        if not signals:
            return []
        confidence = CONFIDENCE_STRONG if len(signals) >= 2 else CONFIDENCE
        evidence: dict[str, object] = {"items": len(removable), "signals": signals, "where": where}
        return [
            Span(
                label=label,
                reason=reason,
                start=doc.blocks[i].start,
                end=doc.blocks[i].end,
                text=doc.text[doc.blocks[i].start : doc.blocks[i].end],
                confidence=confidence,
                evidence=evidence,
                detector=self.tag,
            )
            for i in removable
        ]


def _runs(lines: dict[int, _Line], start: int, end: int) -> list[list[int]]:
    """Maximal runs of consecutive headline-like lines in ``[start, end)``."""
    out: list[list[int]] = []
    current: list[int] = []
    for i in range(start, end):
        if lines[i].item:
            current.append(i)
            continue
        if current:
            out.append(current)
        current = []
    if current:
        out.append(current)
    return [r for r in out if len(r) >= MIN_RUN]


def _echoes(line: str, title: str) -> bool:
    """Is ``line`` the title, or the title with a site name, or the title without one?"""
    return len(line) >= ITEM_MIN_CHARS and (line in title or title in line)


def _template(texts: list[str]) -> bool:
    """Do neighbours share a prefix or suffix, in at least ``MIN_TEMPLATE_PAIRS`` pairs and
    ``SIGNAL_SHARE`` of them, among title-long items?"""
    if len(texts) < 2 or sum(map(len, texts)) / len(texts) < TEMPLATE_MIN_AVG_CHARS:
        return False
    pairs = sum(1 for a, b in pairwise(texts) if _shares_template(a, b))
    return pairs >= MIN_TEMPLATE_PAIRS and pairs >= SIGNAL_SHARE * (len(texts) - 1)


def _counted(text: str) -> bool:
    """Does ``text`` end in a count after a label of ``ITEM_MIN_CHARS`` or more? A name and its
    score (`张明 (95)`) is a ranking, the report's own."""
    m = _COUNT_END.search(text)
    return m is not None and len(text[: m.start()].strip(_EDGE)) >= ITEM_MIN_CHARS


def _signals(doc: Document, run: list[int], texts: list[str]) -> list[str]:
    k = len(texts)
    need = SIGNAL_SHARE * k
    found: list[str] = []
    if _template(texts):
        found.append("template")
    if sum(1 for t in texts if t[-1] in _QUESTION_END and not _RHETORICAL.search(t)) >= need:
        found.append("questions")
    if sum(1 for t in texts if _DATE_END.search(t)) >= need:
        found.append("dates")
    if sum(1 for t in texts if t.endswith(_TEASER_END)) >= need:
        found.append("teasers")
    if sum(1 for t in texts if _counted(t)) >= need:
        found.append("counts")
    blocks = [doc.blocks[i] for i in run]
    if sum(1 for b in blocks if b.links and b.link_chars >= LINK_SHARE * max(1, b.end - b.start)) >= need:
        found.append("links")
    return found
