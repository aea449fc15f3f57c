"""Related-reading blocks: ``MORE延伸阅读``, ``相关文章``, ``热门推荐`` … and their items.

A heading (``data/related.toml``) starts the block; its items are the short titles, teasers
and links after it, on the same line (``MORE延伸阅读??头条 我市组织… ??春游 …``, items split by
spaces and the ``??`` left where emoji were lost) or in the blocks that follow, up to where
something else starts: a long paragraph, or another footer (previous/next, repost notice).

A list of titles with no heading right after the previous/next footer at the end of a page
(``上一篇：…`` then more article titles) is taken as well (``boilerplate.related.after_prevnext``).

Precision first: items following a heading in later blocks are only taken when the run of
items ends the page, meets another footer, or is made of links; a heading followed by the
article's own short subheads and then its paragraphs takes nothing but itself.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from typing import Final

from ..base import FilterConfig, Finding
from ..rules import Rules
from ..types import Block, Document, Span
from .boilerplate import KeyFinder, before_ok, cutting, is_leftover, prefilter, rule_hits

__all__ = ["RelatedDetector"]

ITEM_MAX_CHARS: Final = 60
"""Longest related item that is a plain title (the spamrepost-dev items run to 50 characters,
`天宫一号与神舟九号载人交会对接任务第二场新闻发布会_中国载人航天官方网站`)."""
TEASER_MAX_CHARS: Final = 200
"""Longest item that is a teaser cut off with `…`/`...` (chinesewebtext_cc_samples doc 27 and 15:
lists of titles each followed by a 100-character excerpt ending in `...`)."""
MAX_ITEMS: Final = 40
"""Most items taken after one heading (doc 27 of chinesewebtext_cc_samples lists 21 lines)."""
SHORT_HEADING_BLOCK: Final = 30
"""A heading with something glued before it (`王者威尼斯人现金网网址：相关新闻`, cc doc 0; `那里可以学习做
蛋糕:相关图片`, cc doc 38) still counts when it ends a block this short, and takes the block along."""
LINK_ITEMS_RATIO: Final = 0.5
"""A block whose text is at least this share of link text is a link item."""
PREVNEXT_TAIL_FROM: Final = 0.25
"""A title list after the previous/next footer is only taken when that footer is past the first
quarter of the page (chinesewebtext_cc_samples doc 15: a short match report, then `上一篇：` at
block 4 of 14 and nine teasers of other reports)."""

MIN_TRAILING_ITEMS: Final = 3
"""An unheaded run of titles ending the page is a related list from this many items on
(chinesewebtext_cc_samples docs 0, 21, 26, 27: 3 to 21 titles after the article's last paragraph);
two short lines at the end are more often a signature and a date."""
TRAILING_MIN_AVG_CHARS: Final = 10
"""... and its items average at least this many characters (titles, not names or dates)."""
LAST_PARAGRAPH_MIN_CHARS: Final = 30
"""... and the block before the run is a paragraph at least this long (the article's end), or a
footer; after a footer (`标签：…`, cc doc 49) two titles are enough."""
MIN_ITEMS_AFTER_FOOTER: Final = 2
FIELD_LINES_MAX_SHARE: Final = 0.5
"""A run where more than this share of the lines read `key：value` is a table (specifications,
contacts), not a list of titles (`百姓车联：严格车辆准入…` is one title with a colon among many)."""
# Lines that end real articles and look like short titles: contact lines, spec tables
# (`最大功率：51Kw／6000rpm`, zh-web-content-extraction), enumerations, dates, captions, lists of
# organisations (`…证券营业部`, chinesewebtext_cc_samples doc 9). One of them stops the run.
# (``not_a_title``: shapes at the start of the line, words at its end, two anywhere; one alternation of
# them all, searched, tried its every branch at every character: ~9% of related)
_NOT_A_TITLE_START: Final = re.compile(
    r"(?:联系人|联系电话|电话|手机|地址|邮编|传真|邮箱|附件|时间|地点|主办|承办|协办|网址|报名)\s*[:：]"
    r"|(?:\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)"
    r"|\d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?$"
    r"|[（(].{1,20}[)）]$|(?:图为|图片|图：|图/|摄影|视频)"
    # a reference list ends a paper: `[1]` numbering (and, anywhere below, a GB/T 7714 document type)
    r"|\[\d{1,3}\]"
    # English pages (scrapinghub-aeb, whose gold keeps these): a contributor credit (`Contributing: …`), a
    # schedule (`Aug. 30 -- Pepsi Center, Denver, CO`; an event's dates, `29 November 2018 | 20 January 2019`;
    # not a date alone, `June 19, 2019`, `20 November 2019`, `Apr. 28-29`), a bracketed citation
    # (`[Ni’matul Ukhuwah hal. 41]`)
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?\s+\d{1,2}(?:\s*[-–]\s*\d{1,2})?"
    r"\s*(?:--|[–—:,])\s*(?!\d{4}\b)\S"
    r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?\s+\d{4}\s*[|–—-]"
    r"|\[[^\]]{1,40}\]$|(?:Contributing|Contributors?|Additional reporting)\s*(?:by)?\s*:"
)
_NOT_A_TITLE_END: Final = (
    "：", ":", "公司", "营业部", "集团", "银行", "分行", "支行", "医院", "学校", "大学",
    "学院", "委员会", "政府", "办公室", "中心", "协会", "研究所", "研究院", "局", "厅",
)
# a GB/T 7714 document type (`周仕仁. 电子商务下的物流配送模式研究[J]. 物流科技, 2011(11): 56-58.`: `[J]`,
# `[M]`, `[D]`, `[EB/OL]`), an embedded tweet's signature (`— 9to5Mac.com (@9to5mac) November 4, 2019`)
_NOT_A_TITLE_ANYWHERE: Final = re.compile(
    r"\[(?:[JMDCNPRSAZG]|EB|DB|CP)(?:/(?:OL|MT|DK|CD))?\]|\(@\w{1,15}\)"
)


def not_a_title(text: str) -> bool:
    """Is ``text`` a line that ends real articles though it looks like a short title (see above)?"""
    # (`$` of a regex also stands before a final line break)
    tail = text[:-1] if text.endswith("\n") else text
    return (tail.endswith(_NOT_A_TITLE_END) or _NOT_A_TITLE_START.match(text) is not None
            or _NOT_A_TITLE_ANYWHERE.search(text) is not None)


_FIELD: Final = re.compile(r"^[^：:。！？]{1,24}[:：].{0,24}$")
# A specification or contact line (`内胆材质：铝合金内胆`, `最大功率：51Kw／6000rpm`): short key, short
# value. A title with a colon has a longer second half (`百姓车联：严格车辆准入机制确保成员权益实`).
_SPEC: Final = re.compile(r"^[^：:。！？\s]{1,8}\s*[:：]\s*.{1,14}$")
_AFTER_HEADING_OK: Final = frozenset(" \t\u3000\u00a0?？:：|│丨｜>»】)）]-–—·•")
_SPLIT: Final = re.compile(r"\s+|\?+|？{2,}|[|│丨｜]")
_TEASER_END: Final = ("...", "…", "。。。")


def is_item(text: str, block: Block | None = None) -> bool:
    """Does ``text`` look like one related item (a title, a teaser, a link)?"""
    s = text.strip()
    if not s or is_leftover(s):
        return True
    linked = block is not None and block.link_chars >= LINK_ITEMS_RATIO * max(1, len(s))
    if linked and len(s) <= TEASER_MAX_CHARS:
        return True
    if s.endswith(_TEASER_END):
        return len(s) <= TEASER_MAX_CHARS
    if len(s) > ITEM_MAX_CHARS:
        return False
    return "。" not in s


def _only_where_triggered(keys: KeyFinder, doc: Document) -> Sequence[int]:
    """The blocks where a rule of ``keys`` can hit: those holding one of their triggers when all of
    them are literals (``keys.blocks``, from the shared pass; in any other block ``keys.search`` and
    the triggers' alternation find nothing), else every block."""
    if keys.rules and keys.exact_only:
        return keys.blocks(doc)
    return range(len(doc.blocks))


class _Gate:
    """The blocks of one page where a footer key (``stop``) or a heading can hit at all, from the
    shared trigger pass (``_only_where_triggered``). A block left out, or a part of it (a stripped
    text), holds none of their triggers: ``_stops`` and ``_heading`` are False and None there
    without running (``_trailing_list`` asked every block from the end, each a regex search and,
    for its stripped text, a trigger scan of its own: related 99 -> 72 us a page on bench_filters)."""

    # (a plain class, not a frozen dataclass: compiled, a dataclass's __init__ is the one the dataclasses
    # module writes, run as Python, and a frozen one sets each field through object.__setattr__: ~6k
    # instructions a page)
    def __init__(self, stop: Container[int], doc: Document, heading: Container[int]) -> None:
        self.stop = stop
        self.doc = doc
        self.heading = heading


class RelatedDetector:
    """``boilerplate.related`` spans: headings with their items."""

    name = "related"
    version = "2"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.headings = [r for r in rules.by_label("boilerplate.related")]
        self.heading_any = prefilter(self.headings)
        others = cutting(r for r in rules.by_label("boilerplate.") if r.label != "boilerplate.related")
        self.stop = KeyFinder(others)
        self.prevnext = KeyFinder(rules.by_label("boilerplate.prevnext"))
        # the headings' triggers in the shared pass (the footer rules of damage.py hold them already)
        self.heading_keys = KeyFinder(self.headings)
        self.tag = f"{self.name}@{self.version}"

    # -- helpers ------------------------------------------------------------------------------
    def _span(self, doc: Document, start: int, end: int, reason: str, score: float,
              evidence: dict[str, object]) -> Span:
        return Span(
            label="boilerplate.related",
            reason=reason,
            start=start,
            end=end,
            text=doc.text[start:end],
            confidence=score,
            evidence=evidence,
            detector=self.tag,
        )

    def _stops(self, text: str, index: int, gate: _Gate) -> bool:
        """Does a footer key stand at a boundary in ``text`` (block ``index``, or a part of it)?"""
        if index not in gate.stop:
            return False
        doc = gate.doc
        block = doc.blocks[index]
        if len(text) != block.end - block.start:  # a part of the block (stripped)
            return any(before_ok(text, m.start()) for m in self.stop.finditer(text, doc=doc))
        # the block's own text: its triggers are read off the page's pass, and the patterns' hits are
        # those the other footer detectors found there (``rule_hits``), not a search of each rule again
        # (`_trailing_list` asks every block from the end: related 47 -> 43.5 us a page, bench_filters)
        return any(before_ok(text, m.start())
                   for rule in self.stop.triggered(text, doc=doc, index=index)
                   for m in rule_hits(doc, index, text, rule))

    def _heading(self, doc: Document, index: int, text: str, gate: _Gate) -> re.Match[str] | None:
        """The heading that starts a related list in ``text``, the text of block ``index``."""
        if index not in gate.heading or self.heading_any is None or self.heading_any.search(text) is None:
            return None
        for rule in self.headings:
            for m in rule_hits(doc, index, text, rule):
                after_ok = (m.end() == len(text) or text[m.end()] in _AFTER_HEADING_OK
                            or m.group(0)[-1] in _AFTER_HEADING_OK)
                if not after_ok:
                    continue
                short_tail = len(text) <= SHORT_HEADING_BLOCK and is_leftover(text[m.end():])
                if before_ok(text, m.start()) or short_tail:
                    return m
        return None

    def _same_line_end(self, text: str, pos: int) -> tuple[int, int]:
        """End of the items after a heading within its block, and how many there are."""
        limit = len(text)
        for m in self.stop.finditer(text, pos):
            if before_ok(text, m.start()):
                limit = m.start()
                break
        end, count, cursor = pos, 0, pos
        for sep in _SPLIT.finditer(text, pos, limit):
            piece = text[cursor:sep.start()]
            if piece and not is_item(piece):
                return end, count
            if piece:
                count += 1
            end = sep.end()
            cursor = sep.end()
        piece = text[cursor:limit]
        if piece and not is_item(piece):
            return end, count
        if piece:
            count += 1
        return limit, count

    def _following_items(self, doc: Document, index: int, gate: _Gate) -> list[int]:
        """Blocks after ``index`` that continue a related list, or none (precision first)."""
        run: list[int] = []
        j = index + 1
        while j < len(doc.blocks) and len(run) < MAX_ITEMS:
            block = doc.blocks[j]
            text = doc.text[block.start:block.end]
            if (self._stops(text, j, gate) or self._heading(doc, j, text, gate) is not None
                    or not is_item(text, block)):
                break
            if _SPEC.match(text.strip()) or not_a_title(text.strip()):
                break  # `内胆材质：铝合金内胆`: a table of the page's own, not a list of titles
            run.append(j)
            j += 1
        if not run:
            return []
        ends_page = j >= len(doc.blocks)
        meets_footer = not ends_page and (
            self._stops(doc.text[doc.blocks[j].start:doc.blocks[j].end], j, gate)
            or self._heading(doc, j, doc.text[doc.blocks[j].start:doc.blocks[j].end], gate) is not None
            or doc.blocks[j].kind == "tail"
        )
        links = sum(1 for k in run if doc.blocks[k].links) >= max(2, len(run) // 2 + 1)
        return run if (ends_page or meets_footer or links) else []

    # -- detection ------------------------------------------------------------------------------
    def detect(self, doc: Document) -> list[Finding]:
        out: list[Finding] = []
        taken: set[int] = set()
        headings = _only_where_triggered(self.heading_keys, doc)
        gate = _Gate(stop=set(_only_where_triggered(self.stop, doc)), heading=set(headings), doc=doc)
        # (no search of the headings over the whole page first: the blocks holding their triggers say it)
        if self.heading_any is not None:
            for index in headings:
                if index in taken:
                    continue
                block = doc.blocks[index]
                text = doc.text[block.start:block.end]
                m = self._heading(doc, index, text, gate)
                if m is None:
                    continue
                end, count = self._same_line_end(text, m.end())
                if count == 0 and not is_leftover(text[end:]):
                    continue  # `相关文章：作者在文中回顾了…`: the words introduce a sentence, no list
                while end > m.end() and text[end - 1].isspace():
                    end -= 1
                evidence: dict[str, object] = {"heading": m.group(0).strip(), "items": count}
                # a short block ending in its heading is a label as a whole (`那里可以学习做蛋糕:相关图片`)
                start = 0 if len(text) <= SHORT_HEADING_BLOCK and is_leftover(text[m.end():]) else m.start()
                out.append(self._span(doc, block.start + start, block.start + end,
                                      "boilerplate.related.block", 0.92, evidence))
                taken.add(index)
                if end < len(text.rstrip()):
                    continue  # the block goes on with something else: the list ended there
                for j in self._following_items(doc, index, gate):
                    b = doc.blocks[j]
                    taken.add(j)
                    out.append(self._span(doc, b.start, b.end, "boilerplate.related.item", 0.88,
                                          {"heading": m.group(0).strip()}))
        prevnext = self._after_prevnext(doc, taken, gate)
        if prevnext:
            taken.update(i for i, b in enumerate(doc.blocks) if any(sp.start == b.start for sp in prevnext))
        out.extend(prevnext)
        out.extend(self._trailing_list(doc, taken, gate))
        return out

    def _trailing_list(self, doc: Document, taken: set[int], gate: _Gate) -> list[Span]:
        """A run of titles with no heading that ends the page, right after the article's end."""
        j = len(doc.blocks)
        run: list[int] = []
        while j > 0:
            block = doc.blocks[j - 1]
            text = doc.text[block.start:block.end].strip()
            if (j - 1) in taken or self._stops(text, j - 1, gate):
                if run:
                    break
                j -= 1
                continue  # footers after the list are someone else's
            if not is_item(text, block) or is_leftover(text):
                break
            if not_a_title(text) or _SPEC.match(text):
                break
            run.append(j - 1)
            j -= 1
        if j == 0 or not run:
            return []
        before = doc.blocks[j - 1]
        before_text = doc.text[before.start:before.end].strip()
        after_footer = (j - 1) in taken or self._stops(before_text, j - 1, gate)
        if len(run) < (MIN_ITEMS_AFTER_FOOTER if after_footer else MIN_TRAILING_ITEMS):
            return []
        if not after_footer and len(before_text) < LAST_PARAGRAPH_MIN_CHARS:
            return []
        texts = [doc.text[doc.blocks[k].start:doc.blocks[k].end].strip() for k in run]
        if sum(map(len, texts)) / len(texts) < TRAILING_MIN_AVG_CHARS:
            return []
        if sum(1 for t in texts if _FIELD.match(t)) > FIELD_LINES_MAX_SHARE * len(texts):
            return []
        return [
            self._span(doc, doc.blocks[k].start, doc.blocks[k].end, "boilerplate.related.trailing_list", 0.7,
                       {"items": len(run)})
            for k in sorted(run)
        ]

    def _after_prevnext(self, doc: Document, taken: set[int], gate: _Gate) -> list[Span]:
        """Titles listed after the previous/next footer that ends the page."""
        if not self.prevnext or not self.prevnext.blocks(doc):
            return []
        last = -1
        for index in reversed(_only_where_triggered(self.prevnext, doc)):
            block = doc.blocks[index]
            text = doc.text[block.start:block.end]
            m = self.prevnext.search(text, doc=doc, index=index)
            if m is not None and before_ok(text, m.start()):
                last = index
                break
        if last < 0 or last < PREVNEXT_TAIL_FROM * len(doc.blocks) or last + 1 >= len(doc.blocks):
            return []
        rest = list(range(last + 1, len(doc.blocks)))
        if len(rest) > MAX_ITEMS:
            return []
        for j in rest:
            b = doc.blocks[j]
            text = doc.text[b.start:b.end]
            footer = self._heading(doc, j, text, gate) is not None or self._stops(text, j, gate)
            if j not in taken and not footer and not is_item(text, b):
                return []
        return [
            self._span(doc, doc.blocks[j].start, doc.blocks[j].end, "boilerplate.related.after_prevnext", 0.8,
                       {"after": "boilerplate.prevnext"})
            for j in rest
            if j not in taken and not self._stops(doc.text[doc.blocks[j].start:doc.blocks[j].end], j, gate)
        ]
