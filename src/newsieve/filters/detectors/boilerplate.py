"""Footers the repost site left in the text: previous/next links, repost and copyright notices,
WeChat footers (``编辑丨解玮 来源丨晋中日报``) and other chrome (breadcrumbs, share prompts).

The patterns are data (``filters/data/boilerplate.toml``); this module decides *how much* a hit
removes, block by block:

- a hit must stand at a boundary (start of its block, after a space or the end of a sentence),
  so ``资金来源：`` or ``市民可长按二维码关注`` inside a sentence never fire;
- each rule says how far its item runs (``extent``) and where it may stand (``mode``): a footer
  that is a block of its own goes whole; one glued to the end of the last paragraph is cut off
  alone; weak footers (``审核：``, ``点击：``) only go when their whole block is footer;
- names read off a removed line (editor, source, author) travel in ``evidence["meta"]``.

Site chrome of text/plain pages (menus, share bars, comment and login prompts, ICP lines) is
data too, as lines made only of such items (mode ``block``). One shape is not: a navigation
line of words no list holds (`北欧广播, 北欧电视, 华侨华人, 国际新闻, …`), read off its structure
(``menu_items``: many short items between separators, no sentence) and only outside the run of
prose blocks, in the page's header or footer (``boilerplate.other.menu_line``), the title line included;
nor is a bare number right under the title (a day, a view count: ``boilerplate.other.number_line``).

The helpers here (``KeyFinder``, ``cutting``, ``before_ok``, ``is_leftover``) are shared with
``related.py`` and ``damage.py``. Speed: each rule's ``trigger`` (a few literals) is searched
first, and full patterns only run in the blocks where their trigger is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from .._match import KeyFinder
from ..base import FilterConfig, Finding
from ..rules import Rule, Rules
from ..types import Block, Document, Span

__all__ = [
    "BoilerplateDetector",
    "FooterRule",
    "KeyFinder",
    "combined_pattern",
    "cutting",
    "is_leftover",
    "prefilter",
    "rule_hits",
    "trigger_of",
]

# Blocks of text that are only separators, bullets and lost-emoji marks: what is left of a line
# when its footer items are taken out (`?? |` after the related block of the seed page).
_LEFTOVER: Final = re.compile(r"[\s|│丨｜\-–—_·•:：,，;；、.。!?！？#*>»<«()（）【】\[\]「」~～/\\]*")
# What may stand right before a footer item: a space, the end of a sentence, a closing bracket
# or quote, a bullet or separator, an opening bracket (`（责任编辑：杨帆）`).
_BEFORE_OK: Final = frozenset(" \t\u3000\u00a0。！？!?；;）)】」』”\"'|│丨｜>»·•-–—*（(【[「")
# What may follow an item that the pattern itself ends (a name, a domain): end of block, a
# space, punctuation. A CJK character or a letter right after means the "name" ran into prose.
_AFTER_OK: Final = frozenset(" \t\u3000\u00a0。！？!?；;，,、）)】」』”\"'|│丨｜>»·•-–—*.:：~～")
_OPEN_CLOSE: Final = {"（": "）", "(": ")", "【": "】", "[": "]", "「": "」"}
_BULLETS: Final = frozenset(" \t\u3000\u00a0-–—·•*>»|│丨｜")

DEFAULT_MAX_LEN: Final = 60
"""Longest footer item, when a (local) rule does not say: a footer line is short."""
CHROME_LINE_MAX_CHARS: Final = 300
"""Longest line of chrome items (a menu line of a Chinese portal runs to 200 characters)."""
_SENTENCE_ENDS: Final = "。！？!?"
"""The sentence ends of ``in_prose`` (and of ``_PROSE_END``)."""


def in_prose(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` too long for a line of chrome items, or prose (a sentence end followed
    by more text)? (What ``re.search(r"[。！？!?][\u4e00-\u9fff]", text[start:end])`` says, by a
    ``str.find`` of each sentence end: the regex tested every character against its class;
    boilerplate 57k -> 27k instructions a page on bench_filters. A test compares the two.)"""
    if end - start > CHROME_LINE_MAX_CHARS:
        return True
    start, end = max(start, 0), min(end, len(text))  # (as the regex reads its bounds)
    if end - start < 2:
        return False  # (and no `end - 1` below 0, which find() would read from the text's end)
    for mark in _SENTENCE_ENDS:
        pos = text.find(mark, start, end - 1)  # (a mark with a character after it in the range)
        while pos >= 0:
            if 0x4E00 <= ord(text[pos + 1]) <= 0x9FFF:
                return True
            pos = text.find(mark, pos + 1, end - 1)
    return False


def is_leftover(text: str) -> bool:
    """True when ``text`` holds nothing but separators, bullets and punctuation."""
    return _LEFTOVER.fullmatch(text) is not None


def combined_pattern(rules: Iterable[Rule]) -> re.Pattern[str] | None:
    """One alternation of the rules' patterns (named groups dropped), for prefiltering and for
    finding where the next footer key starts."""
    parts = [re.sub(r"\(\?P<\w+>", "(?:", r.pattern.pattern) for r in rules]
    if not parts:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts))


HITS_KEY: Final = "boilerplate.rule_hits"
"""``doc.cache`` key of ``rule_hits``."""


def rule_hits(doc: Document, index: int, text: str, rule: Rule) -> list[re.Match[str]]:
    """``list(rule.pattern.finditer(text))``, ``text`` being the text of block ``index``, once per page:
    the boilerplate, related and damage detectors run the same footer patterns over the same blocks
    (damage searched them again in ~3 blocks a page, the slow related heading among them: ~45 us a page
    on bench_filters, for ~9 us of bookkeeping in boilerplate)."""
    per_page: dict[tuple[int, str], list[re.Match[str]]] | None = doc.cache.get(HITS_KEY)
    if per_page is None:
        per_page = doc.cache[HITS_KEY] = {}
    # (keyed by the pattern's source, whose hash the str keeps: a compiled pattern hashes its code anew
    # on every call, ~0.5 us; rules compile without flags)
    key = (index, rule.pattern.pattern)
    found = per_page.get(key)
    if found is None:
        found = per_page[key] = list(rule.pattern.finditer(text))
    return found


def trigger_of(rule: Rule) -> re.Pattern[str] | None:
    trig = rule.extra.get("trigger")
    return re.compile(str(trig)) if trig else None


def cutting(rules: Iterable[Rule]) -> list[Rule]:
    """The rules whose hits end the item before them (`上一篇：` ends a related list). Rules of
    mode ``block`` (a bare URL, a counter) only count as whole blocks, so they cut nothing."""
    return [r for r in rules if r.extra.get("mode") != "block"]


def prefilter(rules: Iterable[Rule]) -> re.Pattern[str] | None:
    """One cheap regex that every hit of ``rules`` matches too: the alternation of their
    ``trigger``s (literals), or of the full patterns when a (local) rule has no trigger."""
    rules = list(rules)
    if not rules:
        return None
    if all(r.extra.get("trigger") for r in rules):
        return re.compile("|".join(f"(?:{r.extra['trigger']})" for r in rules))
    return combined_pattern(rules)


@dataclass(frozen=True, slots=True)
class FooterRule:
    """A ``Rule`` with the extra keys this detector reads (see ``data/boilerplate.toml``)."""

    rule: Rule
    reason: str
    extent: str = "match"
    mode: str = "block"
    max_len: int = DEFAULT_MAX_LEN
    boundary: bool = True
    meta: dict[str, str] = field(default_factory=dict)
    takes_next: bool = False
    trigger: re.Pattern[str] | None = None
    min_triggers: int = 1

    @property
    def chrome_line(self) -> bool:
        """A rule of chrome items that only count as a whole line (never in prose, ``in_prose``)."""
        return self.mode == "block" and self.extent == "match"

    @classmethod
    def from_rule(cls, rule: Rule) -> FooterRule:
        extra = rule.extra
        meta = extra.get("meta") or {}
        return cls(
            rule=rule,
            reason=str(extra.get("reason") or rule.id),
            extent=str(extra.get("extent", "match")),
            mode=str(extra.get("mode", "block")),
            max_len=int(extra.get("max_len", DEFAULT_MAX_LEN)),
            boundary=bool(extra.get("boundary", True)),
            meta={str(k): str(v) for k, v in dict(meta).items()},
            takes_next=bool(extra.get("takes_next", rule.label == "boilerplate.prevnext")),
            trigger=trigger_of(rule),
            min_triggers=int(extra.get("min_triggers", 1)),
        )


@dataclass(slots=True)
class _Item:
    rule: FooterRule
    start: int  # offsets into the block text
    end: int
    match: re.Match[str]


def before_ok(text: str, pos: int) -> bool:
    return pos == 0 or text[pos - 1] in _BEFORE_OK


def only_bullets_before(text: str, pos: int) -> bool:
    return all(ch in _BULLETS for ch in text[:pos])


class BlockScanner:
    """Finds the footer items of one family of rules in blocks of a document."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [FooterRule.from_rule(r) for r in rules]
        self.keys = KeyFinder(rules)
        self.stop = KeyFinder(cutting(rules))
        # position of each rule in ``self.rules``: the rules of a block run in this order
        self._order = {id(fr.rule): k for k, fr in enumerate(self.rules)}
        # which rules each of the finder's triggers names (by position), literal ones by trigger id
        index = self.keys.index
        self._always = sorted(self._order[id(r)] for r in self.keys.always)
        self._by_literal: dict[int, list[int]] = {}
        self._by_regex: list[tuple[int, re.Pattern[str], list[int], int | None]] = []
        for trigger, named in self.keys.groups:
            tid = index.add(trigger.pattern)
            ks = [self._order[id(r)] for r in named]
            if index.exact[tid]:
                self._by_literal.setdefault(tid, []).extend(ks)
            else:
                self._by_regex.append((tid, trigger, ks, index.gates.get(tid)))
        # the trigger id of each rule that needs several literals of its trigger in a block
        # (``min_triggers``), counted in the page's trigger pass: only a trigger made of literals is there
        counted = {k: index.add(str(fr.rule.extra["trigger"]))
                   for k, fr in enumerate(self.rules) if fr.min_triggers > 1 and fr.rule.extra.get("trigger")}
        self._counted = {k: tid for k, tid in counted.items() if index.exact[tid]}
        # the positions of the rules that may hit in prose (not ``chrome_line``), read once, not a property
        # call per rule of each candidate block (~3 us a page on bench_filters)
        self._prose_rules = frozenset(k for k, fr in enumerate(self.rules) if not fr.chrome_line)

    def candidate_blocks(self, doc: Document) -> list[tuple[int, list[int]]]:
        """The blocks where some rule's trigger is, with the positions in ``self.rules`` of those rules,
        in order. A prose block only when a rule that may hit in prose is among them: a third of the
        candidates of bench_filters' pages were prose holding only a chrome line's trigger (`新闻`,
        `服务` of the menu line), and found nothing (with the menu's ``min_triggers``: boilerplate
        160 -> 153 us a page)."""
        blocks, prose_rules = doc.blocks, self._prose_rules
        out = []
        for i, ks in sorted(self._triggered(doc).items()):
            ks.sort()
            if prose_rules.isdisjoint(ks) and in_prose(doc.text, blocks[i].start, blocks[i].end):
                continue
            out.append((i, ks))
        return out

    def _triggered(self, doc: Document) -> dict[int, list[int]]:
        """``keys.triggered`` of every block where it names a rule, as positions in ``self.rules``: read
        off the page's trigger pass in one loop, not a lookup a block (~1.5 us each: with
        ``candidate_blocks`` skipping prose, boilerplate 153 -> 145 us a page on bench_filters)."""
        index, by_literal = self.keys.index, self._by_literal
        live: dict[int, list[int]] = {}
        for i, found in index.doc_hits(doc).blocks.items():
            ks = [k for tid in found.spans if tid in by_literal for k in by_literal[tid]]
            if ks:
                live[i] = ks
        blocks = doc.blocks
        if self._by_regex:
            self._regex_triggered(doc, live)
        if self._always:
            live = {i: self._always + live.get(i, []) for i in range(len(blocks))}
        return live

    def _regex_triggered(self, doc: Document, live: dict[int, list[int]]) -> None:
        r"""Adds to ``live`` the rules of the triggers kept as regexes that match in the text of a block
        ``keys.blocks`` names, searched only in the blocks holding a character such a trigger starts with
        (its gate, ``LiteralIndex.gates``, in the page's trigger pass): `篇\s*[)）]` was searched in each
        block with a trigger (~13 a page on bench_filters) and over the page, and `篇` is in one block a
        page or less (boilerplate to damage ~8 us a page less, the page pass ``regex_blocks`` gated too)."""
        index, blocks = self.keys.index, doc.blocks
        found = index.doc_hits(doc).blocks
        # per trigger, the blocks it can match in (None: any)
        maybe = [None if gate is None else {i for i, hits in found.items() if gate in hits.spans}
                 for _, _, _, gate in self._by_regex]
        if not any(m is None or m for m in maybe):
            return
        where = set(live)
        for tid, _, _, _ in self._by_regex:
            where.update(index.regex_blocks(doc, tid))
        for i in where:
            text: str | None = None
            for (_, trigger, ks, _), can in zip(self._by_regex, maybe, strict=True):
                if can is not None and i not in can:
                    continue
                if text is None:
                    text = doc.text[blocks[i].start:blocks[i].end]
                if trigger.search(text) is not None:
                    live.setdefault(i, []).extend(ks)

    def _literals(self, doc: Document, index: int, tid: int) -> list[tuple[int, int]]:
        """Where the literals of trigger ``tid`` stand in block ``index`` (the page's trigger pass)."""
        return self.keys.index.block_hits(doc, index).spans.get(tid, [])

    def _next_key(self, doc: Document, index: int, text: str, pos: int) -> int:
        for m in self.stop.finditer(text, pos, doc=doc, index=index):
            if before_ok(text, m.start()):
                return m.start()
        return len(text)

    def items(self, doc: Document, index: int, text: str, live: list[int]) -> list[_Item]:
        """Candidate items of block ``index`` (``text``), each checked for boundaries and length:
        those of the rules at positions ``live`` (the block's, from ``candidate_blocks``)."""
        out: list[_Item] = []
        prose: bool | None = None
        for k in live:
            fr = self.rules[k]
            if k not in self._prose_rules:
                # a line made only of chrome items holds no sentence and is short: in prose (`…。他说`)
                # or a long paragraph those rules cannot take the block, so they do not run
                if prose is None:
                    prose = in_prose(text, 0, len(text))
                if prose:
                    continue
            tid = self._counted.get(k)
            if tid is not None and len(self._literals(doc, index, tid)) < fr.min_triggers:
                # (the menu line, two menu words or more: ran in 2.4 blocks a page of bench_filters, hit in
                # none, and a block with two of its trigger's literals is one in eight of those: ~3 us a page)
                continue
            for m in rule_hits(doc, index, text, fr.rule):
                item = self._item(doc, index, fr, text, m)
                if item is not None:
                    out.append(item)
        return out

    def _item(self, doc: Document, index: int, fr: FooterRule, text: str, m: re.Match[str]) -> _Item | None:
        start, end = m.start(), m.end()
        if fr.boundary and not before_ok(text, start):
            return None
        if fr.mode == "block_start" and not only_bullets_before(text, start):
            return None
        if fr.extent == "block":
            start, end = 0, len(text)
        elif fr.extent == "rest":
            end = self._next_key(doc, index, text, m.end())
            while end > start and text[end - 1].isspace():
                end -= 1
        else:
            if end < len(text) and text[end] not in _AFTER_OK and not self._key_at(doc, index, text, end):
                return None
            if fr.mode == "standalone":
                tail = text[end:end + 1]
                if start > 0 and not text[start - 1].isspace() and text[start - 1] not in "。！？!?":
                    return None
                if tail and not tail.isspace():
                    return None
        # a bracketed footer goes with its brackets: `（责任编辑：杨帆）`
        if start > 0 and text[start - 1] in _OPEN_CLOSE:
            close = _OPEN_CLOSE[text[start - 1]]
            rest = text[end:]
            stripped = rest.lstrip()
            if stripped.startswith(close):
                start -= 1
                end += len(rest) - len(stripped) + 1
        if end - start > fr.max_len or end <= start:
            return None
        return _Item(fr, start, end, m)

    def _key_at(self, doc: Document, index: int, text: str, pos: int) -> bool:
        return any(r.pattern.match(text, pos) for r in self.keys.triggered(text, pos, doc=doc, index=index))

    def accept(self, text: str, items: list[_Item]) -> list[_Item]:
        """Keep the items their mode allows, given what else the block holds."""
        if not items:
            return []
        if is_leftover(_uncovered(text, items)):
            return _outermost(items)  # the whole block is footer
        accepted = [it for it in items if it.rule.mode in ("anywhere", "standalone", "block_start")]
        # trailing items, from the end of the block backwards: all that follows must be footer
        for it in sorted((i for i in items if i.rule.mode == "trailing"), key=lambda i: -i.start):
            if is_leftover(_uncovered(text, accepted, it.end)):
                accepted.append(it)
        return _outermost(accepted)


def _outermost(items: list[_Item]) -> list[_Item]:
    """Drop items lying inside a longer one (the domain inside `版权所有，转载请注明来源 x.com`), and
    repeats of one range (two rules on one item: `发表评论`)."""
    seen: set[tuple[int, int]] = set()
    out = []
    for it in items:
        size = it.end - it.start
        if (it.start, it.end) in seen or any(
            o is not it and o.start <= it.start and it.end <= o.end and o.end - o.start > size for o in items
        ):
            continue
        seen.add((it.start, it.end))
        out.append(it)
    return out


def _uncovered(text: str, items: Iterable[_Item], start: int = 0) -> str:
    """The characters of ``text[start:]`` that no item covers, in order (the gaps between the items
    cut out as slices: a flag per character and a join over them cost ~30 us a page on bench_filters)."""
    parts = []
    pos = start
    for a, b in sorted((it.start, it.end) for it in items):
        if b <= pos:
            continue
        if a > pos:
            parts.append(text[pos:a])
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def extend_to_bullets(text: str, start: int) -> int:
    """Take the bullets before an item at the start of its block along (`- 上一篇文章:`)."""
    return 0 if only_bullets_before(text, start) else start


def make_span(doc: Document, block: Block, it: _Item, detector: str) -> Span:
    text = doc.text[block.start:block.end]
    start = extend_to_bullets(text, it.start)
    end = it.end
    if it.rule.extent == "rest" or end == len(text.rstrip()):
        # a trailing separator or emoji mark goes with the item
        while end < len(text) and (text[end].isspace() or is_leftover(text[end])):
            end += 1
    abs_start, abs_end = block.start + start, block.start + end
    evidence: dict[str, object] = {"rule": it.rule.rule.id, "key": it.match.group(0)[:40]}
    meta = {key: it.match.group(group).strip() for group, key in it.rule.meta.items()
            if group in it.match.re.groupindex and it.match.group(group)}
    if meta:
        evidence["meta"] = meta
    return Span(
        label=it.rule.rule.label,
        reason=it.rule.reason,
        start=abs_start,
        end=abs_end,
        text=doc.text[abs_start:abs_end],
        confidence=it.rule.rule.score,
        evidence=evidence,
        detector=detector,
    )


def next_block_span(doc: Document, index: int, span: Span, max_len: int, stop: KeyFinder,
                    detector: str) -> Span | None:
    """An item whose key ends its block (`上一篇文章:` then the title in the next block, as an
    extractor splitting at spaces leaves it) takes the next block along when it is title-sized."""
    if index + 1 >= len(doc.blocks):
        return None
    nxt = doc.blocks[index + 1]
    body = nxt.text.strip()
    if not body or len(body) > max_len or stop.search(body) is not None:
        return None
    return Span(
        label=span.label,
        reason=span.reason,
        start=nxt.start,
        end=nxt.end,
        text=doc.text[nxt.start:nxt.end],
        confidence=span.confidence,
        evidence={**{k: v for k, v in span.evidence.items() if k != "meta"}, "continued": True},
        detector=detector,
    )


MENU_CONFIDENCE: Final = 0.8
"""Confidence of a menu line read off its shape alone (the data rules' chrome lines: 0.85)."""
MENU_MIN_ITEMS: Final = 4
"""A menu line holds at least this many items (`北欧广播, 北欧电视, 华侨华人, 国际新闻, …`,
chinesewebtext_cc_samples doc 48: nine): three short words may be a list in the text."""
MENU_ITEM_MAX_CHARS: Final = 8
"""Longest menu item (section names run 2 to 6 characters; `商业与管理学院` 7)."""
MENU_MIN_CHARS: Final = 2 * MENU_MIN_ITEMS + MENU_MIN_ITEMS - 1
"""Shortest menu line: ``MENU_MIN_ITEMS`` items of two characters or more, a separator between them."""
MENU_CJK_SHARE: Final = 0.6
"""Share of the items that hold Chinese at least (a line of model numbers is a spec list)."""
PROSE_MIN_CHARS: Final = 30
"""A block this long with a sentence end in it is prose: the article runs from the first such
block to the last, and menu lines are only looked for outside that run (page header, footer)."""
CLOUD_MIN_ITEMS: Final = 12
"""A menu line of this many items is a tag cloud or a link list (cc doc 14: 40 link texts)..."""
CLOUD_ODD_SHARE: Final = 0.1
"""...and may hold this share of items with a bracket, quote or colon (`作文《迷》`), but no sentence end."""
VERSE_CLAUSE_CHARS: Final = (5, 7)
"""Clauses of a classical verse line (五言, 七言): a line of items all this long is a poem."""
# Items are split at spaces and bars; a comma or 、 only counts with a space after it (a sentence
# runs its clauses together: `痰多咳嗽、气短乏力，是脾虚…`).
_MENU_SPLIT: Final = re.compile(r"[,，、]?[\s|｜丨│•]+")
_MENU_NOT: Final = re.compile(r"[。！？!?；;：:（(《“\"]|记者|编辑|作者|通讯员|摄影|来源")
_PROSE_END: Final = re.compile(r"[。！？!?]")
_CJK: Final = re.compile(r"[\u4e00-\u9fff]")


def menu_items(text: str) -> list[str] | None:
    """The items of a navigation line (`新闻中心 | 产品展示 | 行业资讯 | 联系我们`), or None.

    Many short items between separators, no sentence, no `key：value` and no byline; not letters
    spaced out (`热 点 推 荐`), nor a verse (clauses all of one length, `床前明月光 疑是地上霜 …`)."""
    line = text.strip()
    if len(line) < MENU_MIN_CHARS:
        return None  # (a third of the lines asked about, a split spared)
    items = [p for p in _MENU_SPLIT.split(line) if p]
    if len(items) < MENU_MIN_ITEMS or len(set(items)) < MENU_MIN_ITEMS - 1:
        return None
    if _MENU_NOT.search(text):
        # a long list of links (a tag cloud, cc doc 14: 40 titles cut to 5 characters, one `作文《迷》`)
        # may hold a few items with a bracket or a colon; a short line with one is a sentence or a byline
        odd = sum(1 for p in items if _MENU_NOT.search(p))
        if len(items) < CLOUD_MIN_ITEMS or odd > CLOUD_ODD_SHARE * len(items) or _PROSE_END.search(text):
            return None
    if any(not 2 <= len(p) <= MENU_ITEM_MAX_CHARS for p in items) or all(p.isdigit() for p in items):
        return None
    if sum(1 for p in items if _CJK.search(p)) < MENU_CJK_SHARE * len(items):
        return None
    if len({len(p) for p in items}) == 1 and len(items[0]) in VERSE_CLAUSE_CHARS:
        return None
    return items


def menu_blocks(doc: Document, body: tuple[int, int] | None = None) -> list[int]:
    """Blocks before the first prose block or after the last one that are navigation lines. The title
    block counts too: the first line of a text page is taken for the title, and when it is a menu
    (`北欧广播, 北欧电视, 华侨华人, …`, cc doc 48) the title falls to the next line. ``body``: what
    ``prose_span(doc)`` says, when the caller has it."""
    body = prose_span(doc) if body is None else body
    if body is None:
        return []
    edge = [*range(body[0]), *range(body[1] + 1, len(doc.blocks))]
    return [i for i in edge if menu_items(doc.text[doc.blocks[i].start:doc.blocks[i].end]) is not None]


def _is_prose(doc: Document, block: Block) -> bool:
    """At least PROSE_MIN_CHARS with a sentence end (``_PROSE_END``, by a ``str.find`` of each, as in
    ``in_prose``: 20k -> 9k instructions a page on bench_filters)."""
    start: int = block.start
    end: int = block.end
    if end - start < PROSE_MIN_CHARS:
        return False
    text = doc.text
    return any(text.find(mark, start, end) >= 0 for mark in _SENTENCE_ENDS)


def prose_span(doc: Document) -> tuple[int, int] | None:
    """The first and the last prose block (``_is_prose``): the article runs from one to the other; None
    when there is none. Only the two ends are looked for, from both ends of the page (a search per
    block of the whole page cost ~15 us a page on bench_filters)."""
    blocks = doc.blocks
    first = next((i for i, b in enumerate(blocks) if _is_prose(doc, b)), None)
    if first is None:
        return None
    last = next(i for i in range(len(blocks) - 1, first - 1, -1) if _is_prose(doc, blocks[i]))
    return first, last


NUMBER_LINE_MAX_DIGITS: Final = 4
"""A line of nothing but a number this long (a day, a view count: `18`, cc doc 11) in the page header."""
_NUMBER_LINE: Final = re.compile(rf"\s*\d{{1,{NUMBER_LINE_MAX_DIGITS}}}\s*")


def number_blocks(doc: Document, body: tuple[int, int] | None = None) -> list[int]:
    """A bare number right after the title, before the first prose block. Only there: in the
    article a number alone on its line is data (a score, a year of a list), and in a WeChat article
    `01` heads a section."""
    body = prose_span(doc) if body is None else body
    if body is None:
        return []
    return [i for i in range(body[0]) if doc.blocks[i].kind != "title" and i > 0
            and doc.blocks[i - 1].kind == "title"
            and _NUMBER_LINE.fullmatch(doc.text, doc.blocks[i].start, doc.blocks[i].end) is not None]


class BoilerplateDetector:
    """``boilerplate.prevnext``, ``.repost``, ``.wechat`` and ``.other`` spans."""

    name = "boilerplate"
    version = "4"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        own = [r for r in rules.by_label("boilerplate.") if r.label != "boilerplate.related"]
        self.scanner = BlockScanner(own)
        self.tag = f"{self.name}@{self.version}"

    def detect(self, doc: Document) -> list[Finding]:
        out: list[Finding] = []
        for index, live in self.scanner.candidate_blocks(doc):
            block = doc.blocks[index]
            text = doc.text[block.start:block.end]
            for it in self.scanner.accept(text, self.scanner.items(doc, index, text, live)):
                span = make_span(doc, block, it, self.tag)
                out.append(span)
                if it.rule.takes_next and it.rule.extent == "rest":
                    value = text[it.match.end():it.end]
                    if it.end >= len(text.rstrip()) and is_leftover(value):
                        extra = next_block_span(doc, index, span, it.rule.max_len, self.scanner.keys,
                                                self.tag)
                        if extra is not None:
                            out.append(extra)
        body = prose_span(doc)
        for index in menu_blocks(doc, body):
            block = doc.blocks[index]
            out.append(Span(label="boilerplate.other", reason="boilerplate.other.menu_line",
                            start=block.start, end=block.end, text=doc.text[block.start:block.end],
                            confidence=MENU_CONFIDENCE,
                            evidence={"rule": "menu_items", "items": len(menu_items(block.text) or ())},
                            detector=self.tag))
        for index in number_blocks(doc, body):
            block = doc.blocks[index]
            out.append(Span(label="boilerplate.other", reason="boilerplate.other.number_line",
                            start=block.start, end=block.end, text=doc.text[block.start:block.end],
                            confidence=MENU_CONFIDENCE, evidence={"rule": "number_blocks"},
                            detector=self.tag))
        return out
