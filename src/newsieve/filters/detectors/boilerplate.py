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

The helpers here (``KeyFinder``, ``cutting``, ``before_ok``, ``is_leftover``) are shared with
``related.py`` and ``damage.py``. Speed: each rule's ``trigger`` (a few literals) is searched
first, and full patterns only run in the blocks where their trigger is.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
    "trigger_of",
]

# Blocks of text that are only separators, bullets and lost-emoji marks: what is left of a line
# when its footer items are taken out (`?? |` after the related block of the seed page).
_LEFTOVER = re.compile(r"[\s|│丨｜\-–—_·•:：,，;；、.。!?！？#*>»<«()（）【】\[\]「」~～/\\]*")
# What may stand right before a footer item: a space, the end of a sentence, a closing bracket
# or quote, a bullet or separator, an opening bracket (`（责任编辑：杨帆）`).
_BEFORE_OK = frozenset(" \t\u3000\u00a0。！？!?；;）)】」』”\"'|│丨｜>»·•-–—*（(【[「")
# What may follow an item that the pattern itself ends (a name, a domain): end of block, a
# space, punctuation. A CJK character or a letter right after means the "name" ran into prose.
_AFTER_OK = frozenset(" \t\u3000\u00a0。！？!?；;，,、）)】」』”\"'|│丨｜>»·•-–—*.:：~～")
_OPEN_CLOSE = {"（": "）", "(": ")", "【": "】", "[": "]", "「": "」"}
_BULLETS = frozenset(" \t\u3000\u00a0-–—·•*>»|│丨｜")

DEFAULT_MAX_LEN = 60
"""Longest footer item, when a (local) rule does not say: a footer line is short."""


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


class KeyFinder:
    """Finds the earliest hit of any of a set of rules, fast: each distinct ``trigger`` (a few
    literals) is searched first, and only the rules whose trigger is present run their full
    pattern. A drop-in for ``combined_pattern(rules).search``/``.finditer``."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        groups: dict[str, list[Rule]] = {}
        self.always: list[Rule] = []
        for r in self.rules:
            trig = r.extra.get("trigger")
            if trig:
                groups.setdefault(str(trig), []).append(r)
            else:
                self.always.append(r)
        self.groups = [(re.compile(t), rs) for t, rs in groups.items()]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def triggered(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Rule]:
        end = len(text) if endpos is None else endpos
        out = list(self.always)
        for trig, rs in self.groups:
            if trig.search(text, pos, end) is not None:
                out.extend(rs)
        return out

    def finditer(self, text: str, pos: int = 0) -> list[re.Match[str]]:
        """All hits from ``pos`` on, by start (hits of different rules may overlap)."""
        found = [m for r in self.triggered(text, pos) for m in r.pattern.finditer(text, pos)]
        return sorted(found, key=lambda m: (m.start(), -m.end()))

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for r in self.triggered(text, pos):
            m = r.pattern.search(text, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def blocks(self, doc: Document) -> list[int]:
        """Indexes of the blocks where some trigger (or a rule without one) hits, in order."""
        if not self.rules or not doc.blocks:
            return []
        if self.always:
            return list(range(len(doc.blocks)))
        # one pass per distinct trigger: literal searches are fast, an alternation of them is not
        starts = [b.start for b in doc.blocks]
        hit: set[int] = set()
        for trig, _ in self.groups:
            m = trig.search(doc.text)
            while m is not None:
                i = bisect.bisect_right(starts, m.start()) - 1
                pos = m.end()
                if i >= 0 and m.start() < doc.blocks[i].end:
                    hit.add(i)
                    pos = max(pos, doc.blocks[i].end)  # one hit is enough: on to the next block
                m = trig.search(doc.text, pos)
        return sorted(hit)


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

    def candidate_blocks(self, doc: Document) -> list[int]:
        """Indexes of blocks holding at least one key's trigger (a few literal passes over the text)."""
        return self.keys.blocks(doc)

    def _next_key(self, text: str, pos: int) -> int:
        for m in self.stop.finditer(text, pos):
            if before_ok(text, m.start()):
                return m.start()
        return len(text)

    def items(self, text: str) -> list[_Item]:
        """Candidate items of one block, each checked for boundaries and length."""
        out: list[_Item] = []
        for fr in self.rules:
            if fr.trigger is not None and fr.trigger.search(text) is None:
                continue
            for m in fr.rule.pattern.finditer(text):
                item = self._item(fr, text, m)
                if item is not None:
                    out.append(item)
        return out

    def _item(self, fr: FooterRule, text: str, m: re.Match[str]) -> _Item | None:
        start, end = m.start(), m.end()
        if fr.boundary and not before_ok(text, start):
            return None
        if fr.mode == "block_start" and not only_bullets_before(text, start):
            return None
        if fr.extent == "block":
            start, end = 0, len(text)
        elif fr.extent == "rest":
            end = self._next_key(text, m.end())
            while end > start and text[end - 1].isspace():
                end -= 1
        else:
            if end < len(text) and text[end] not in _AFTER_OK and not self._key_at(text, end):
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

    def _key_at(self, text: str, pos: int) -> bool:
        return any(r.pattern.match(text, pos) for r in self.keys.triggered(text, pos))

    def accept(self, text: str, items: list[_Item]) -> list[_Item]:
        """Keep the items their mode allows, given what else the block holds."""
        if not items:
            return []
        covered = _covered(len(text), items)
        residue = "".join(ch for ch, c in zip(text, covered, strict=True) if not c)
        if is_leftover(residue):
            return _outermost(items)  # the whole block is footer
        accepted = [it for it in items if it.rule.mode in ("anywhere", "standalone", "block_start")]
        # trailing items, from the end of the block backwards: all that follows must be footer
        for it in sorted((i for i in items if i.rule.mode == "trailing"), key=lambda i: -i.start):
            cov = _covered(len(text), accepted)
            after = "".join(ch for ch, c in zip(text[it.end:], cov[it.end:], strict=True) if not c)
            if is_leftover(after):
                accepted.append(it)
        return _outermost(accepted)


def _outermost(items: list[_Item]) -> list[_Item]:
    """Drop items lying inside a longer one (the domain inside `版权所有，转载请注明来源 x.com`)."""
    return [
        it for it in items
        if not any(o is not it and o.start <= it.start and it.end <= o.end
                   and (o.end - o.start) > (it.end - it.start) for o in items)
    ]


def _covered(n: int, items: Iterable[_Item]) -> list[bool]:
    cov = [False] * n
    for it in items:
        for k in range(it.start, it.end):
            cov[k] = True
    return cov


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


class BoilerplateDetector:
    """``boilerplate.prevnext``, ``.repost``, ``.wechat`` and ``.other`` spans."""

    name = "boilerplate"
    version = "1"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        own = [r for r in rules.by_label("boilerplate.") if r.label != "boilerplate.related"]
        self.scanner = BlockScanner(own)
        self.tag = f"{self.name}@{self.version}"

    def detect(self, doc: Document) -> list[Finding]:
        out: list[Finding] = []
        for index in self.scanner.candidate_blocks(doc):
            block = doc.blocks[index]
            text = doc.text[block.start:block.end]
            for it in self.scanner.accept(text, self.scanner.items(text)):
                span = make_span(doc, block, it, self.tag)
                out.append(span)
                if it.rule.takes_next and it.rule.extent == "rest":
                    value = text[it.match.end():it.end]
                    if it.end >= len(text.rstrip()) and is_leftover(value):
                        extra = next_block_span(doc, index, span, it.rule.max_len, self.scanner.keys,
                                                self.tag)
                        if extra is not None:
                            out.append(extra)
        return out
