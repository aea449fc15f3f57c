"""``ad.other``: SEO keyword lines, spliced spam URLs and tokens, selling contacts, product lines.

- ``ad.other.keywords``: a content farm's `本文关键词：…` line (when it holds a gambling brand
  the gambling detector claims it instead);
- ``ad.other.url_splice``: a domain glued between two Chinese characters with nothing that
  introduces it (`…资源配置www.hediaode.cn，以为员工…`): only the domain goes;
- ``ad.other.token_splice``: a random mixed-case token glued to a sentence
  (`ls6utgDbOeKZnI6L技术，施工…`): only the token goes;
- ``ad.other.contact``: a phone, QQ or WeChat number in a block that sells (`厂家`, `批发`,
  `加盟热线`, `欢迎来电`): the number's sentence and the selling sentences right before it go;
- ``ad.other.shop_line``: a short line of its own with two shop words (a shop link, a coupon call),
  or such an ad glued to the front or end of a paragraph up to its own URL
- ``ad.other.price_line``: a short line that sells a product: a price and a shop's words
  (`…仅售99元 全国包邮 点击购买`), no sentence of a report;
- ``ad.other.glued_query``: `X哪家好` glued to the front of a paragraph with no punctuation;
- ``ad.other.query_line``: a line that is only an SEO query (`…速成中心哪家好`, no question mark);
- ``ad.other.keyword_lead``: a `导读：`/`摘要：` line holding a bare keyword, not a sentence;
- ``ad.other.script``: script text leaked into the page text (`document.writeln('…')`);
- ``ad.other.keyword_echo``: the keyword a ``keyword_lead`` line names (`导读:五篇500字的初中作文-老师`)
  echoed elsewhere on the page, bracketed in a title (`「五篇500字的初中作文」赞美老师的…`) or glued
  into a sentence: the keyword goes (with its brackets), the text stays.

Precision first: a contact without sales words (`举报电话：12345`), a URL that the text
introduces (`登录www.gov.cn查询`), a product name in a report (`iPhone13ProMax`), a price a
news report quotes and a tag line of a news site stay.

Speed: every rule has a ``trigger`` (literals on the normalized text); the shared trigger pass
over the page (``_match.TRIGGERS``) finds the blocks worth looking at, and in each only the
rules whose trigger is there run.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Final

from .._match import TRIGGERS
from ..base import FilterConfig, Finding
from ..normalize import NormalizedText, merged_variants, normalized_view
from ..rules import Rule, Rules
from ..types import Block, Document, Span
from . import _ads

LABEL: Final = "ad.other"

PHONE: Final = (r"(?:400[-\s]?\d{3}[-\s]?\d{4}|800[-\s]?\d{3}[-\s]?\d{4}|0\d{2,3}[-\s]?\d{7,8}"
         r"|1[3-9]\d[-\s]?\d{4}[-\s]?\d{4})")
# Characters before a spliced domain that are searched for a word introducing it (`登录`, `网址：`,
# `中国政府网www.gov.cn`).
INTRO_WINDOW: Final = 8
_SENTENCE_END: Final = re.compile(r"[。！？!?；;]")
# After a contact number, more than a few Chinese characters before the sentence ends: a sentence
# of the article glued to the ad (group 1 starts it), not the ad's `欢迎来电洽谈`.
GLUED_PROSE_MIN: Final = 12
# A shop ad glued to a paragraph, up to its URL: at most this many characters (the ones seen: 12-20).
SHOP_AD_MAX: Final = 30
_GLUED_PROSE: Final = re.compile(rf"[\s,，:：、]*((?:[\u4e00-\u9fff][^\n]*?){{{GLUED_PROSE_MIN}}})")
# The keyword of a content farm's lead line: `导读:<keyword>-<a word of the title>`.
_LEAD_KEYWORD: Final = re.compile(
    r"^\s*(?:导读|摘要|文章摘要|内容摘要|提要)\s*[:：]\s*(.+?)\s*-\s*[^-\s]{1,8}\s*$"
)
ECHO_MIN_CHARS: Final = 6
"""Shortest lead keyword whose echoes are removed (chinesewebtext_cc_samples doc 14: `最吓人的丧尸`
and longer); a shorter one is too likely an ordinary word of the text."""
ECHO_CONFIDENCE: Final = 0.75
CONTACT_LINE_MAX_CHARS: Final = 60
"""Longest line that is only a contact (`咨询热线：400-123-4567 QQ：12345678`)."""
PAGE_SELLING_MIN: Final = 2
"""Distinct selling words (``ad.other.selling``) a page holds at least for a bare contact line to
be its ad (a product page: `厂家`, `价格`, `批发`); a notice with `咨询电话：…` holds none."""
PAGE_SELLING: Final = "ad_other.page_selling"
"""``doc.cache`` key: how many distinct selling words the page holds."""
# The words around a contact on a line that is only a contact.
_CONTACT_KEYS: Final = re.compile(
    r"咨询|热线|电话|手机|联系人?|方式|客服|销售|服务|全国|免费|24小时|号码|[:：/|,，、\s]"
)
# What makes a bare contact line a business's: a hotline, a 400/800 number, QQ or WeChat (a
# person's `电话：022-23508981` under a conference notice is not, whatever the page says).
_COMMERCIAL_CONTACT: Final = re.compile(r"热线|(?<!\d)[48]00[-\s]?\d{3}|微信|qq")
_BRACKETS: Final = {"「": "」", "[": "]", "【": "】", "〖": "〗", "『": "』"}
TOKEN_MIN_SWITCH_SHARE: Final = 0.6
"""A spliced token changes between upper case, lower case and digits at this share of its
character pairs at least (`ls6utgDbOeKZnI6L`, chinesewebtext_cc_samples doc 10: 11 of 15); a
product or model name is camel case, made of pronounceable runs (`iPhone13ProMax`: 7 of 13)."""


def _kind(ch: str) -> int:
    return 0 if ch.isdigit() else 1 if ch.isupper() else 2


def switch_share(token: str) -> float:
    """Share of neighbouring character pairs of ``token`` that change kind (digit/upper/lower)."""
    if len(token) < 2:
        return 0.0
    kinds = [_kind(ch) for ch in token]
    return sum(a != b for a, b in itertools.pairwise(kinds)) / (len(token) - 1)


class OtherAdDetector:
    name = "ad-other"
    version = "6"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.config = config
        self.variants = merged_variants(lex.variants for lex in rules.lexicons.values())
        # this detector's rules (promotion.toml's page signals carry the label too, not the ids)
        own = [r for r in rules.by_label(LABEL) if r.id.startswith(LABEL + ".")]
        shop = _ads.alternation(w.lower() for w in rules.words("ad.other.shop_words"))
        self.shop_words = re.compile(shop)
        self.patterns: dict[str, re.Pattern[str]] = {
            r.id: _ads.expand(r, {"phone": PHONE, "shop": shop}) for r in own
        }
        # rules by trigger id in the shared trigger pass (``_match.TRIGGERS``); a (local) rule
        # without a trigger runs on every block
        self.by_trigger: dict[int, list[Rule]] = {}
        self.always = [r for r in own if not r.extra.get("trigger")]
        for r in own:
            if r.extra.get("trigger"):
                self.by_trigger.setdefault(TRIGGERS.add(str(r.extra["trigger"])), []).append(r)
        self.selling = re.compile(_ads.alternation(w.lower() for w in rules.words("ad.other.selling")))
        self.public = re.compile(_ads.alternation(rules.words("ad.other.public_contact")))
        self.intro = tuple(rules.words("ad.other.url_introducers"))
        self.medical_words = tuple(rules.words("ad.diseases")) if "ad.diseases" in rules.lexicons else ()
        self.gambling_words = tuple(
            w.lower() for lex in ("ad.gambling.brands", "ad.gambling.ambiguous") if lex in rules.lexicons
            for w in rules.words(lex)
        )
        # whole-line rules, tried first: the first that takes the line ends the block
        self.line_checks: dict[str, Callable[[str], bool]] = {
            "ad.other.keywords": lambda low: not any(w in low for w in self.gambling_words),
            "ad.other.query_line": lambda low: not self._medical(low),
            "ad.other.keyword_lead": lambda low: True,
            "ad.other.price_line": lambda low: True,
            "ad.other.shop_line": lambda low: True,
        }

    def detect(self, doc: Document) -> list[Finding]:
        if not self.by_trigger and not self.always:
            return []
        view = normalized_view(doc, self.variants)
        out: list[Span] = []
        for index, rules in sorted(self._candidates(doc, view).items()):
            block = doc.blocks[index]
            if block.kind == "title" or block.end <= block.start:
                continue
            out.extend(self._block(doc, view, index, rules))
        leads = [sp for sp in out if sp.reason == "ad.other.keyword_lead"]
        if leads:
            out.extend(self._echoes(doc, leads))
        return list(out)

    def _echoes(self, doc: Document, leads: list[Span]) -> list[Span]:
        """Other occurrences of the keywords the lead lines name (see ``ad.other.keyword_echo``)."""
        keywords = set()
        for sp in leads:
            m = _LEAD_KEYWORD.match(sp.text)
            if m and len(m.group(1)) >= ECHO_MIN_CHARS:
                keywords.add(m.group(1))
        taken = [(sp.start, sp.end) for sp in leads]
        out: list[Span] = []
        for kw in sorted(keywords, key=len, reverse=True):
            pos = doc.text.find(kw)
            while pos >= 0:
                index = _ads.block_at(doc, pos)
                span = None
                if index is not None and not any(a <= pos < b for a, b in taken):
                    span = self._echo(doc, doc.blocks[index], pos, kw)
                if span is not None:
                    out.append(span)
                    taken.append((span.start, span.end))
                pos = doc.text.find(kw, pos + len(kw))
        return out

    def _echo(self, doc: Document, block: Block, pos: int, kw: str) -> Span | None:
        text = doc.text
        start, end = pos, pos + len(kw)
        opened = text[pos - 1] if pos > block.start else ""
        if opened in _BRACKETS and text[end:end + 1] == _BRACKETS[opened]:
            start, end = pos - 1, end + 1  # `「五篇500字的初中作文」赞美老师的名言警句`
        elif start == block.start:
            # `最吓人的丧尸-幽灵`: the keyword and a word of the title make the whole line; else the
            # keyword at the front of a line (`初中作文微笑_…`) is the title the farm named it after
            if not re.fullmatch(r"\s*-\s*[^-\s]{1,8}\s*", text[end:block.end]):
                return None
            end = block.end
        where = "inside"
        if start == block.start:
            where = "block" if end == block.end else "front"
        ev = {"rule": "ad.other.keyword_lead", "keyword": kw}
        frag = _ads.Fragment(start, end, where)
        return self._span(text, frag, "ad.other.keyword_echo", ECHO_CONFIDENCE, ev)

    def _medical(self, low: str) -> bool:
        """A hospital or disease query: the medical detector's, not ours."""
        return "医院" in low or any(w in low for w in self.medical_words)

    def _candidates(self, doc: Document, view: NormalizedText) -> dict[int, list[Rule]]:
        """The blocks where some rule's trigger is, with those rules: one trigger pass over the
        normalized view (shared with the other detectors), hits mapped back to blocks."""
        found: dict[int, set[int]] = {}
        hits = TRIGGERS.hits(view.text, doc)
        for tid in self.by_trigger:
            if TRIGGERS.exact[tid]:
                starts = [start for start, _ in hits.spans.get(tid, ())]
            else:
                starts = [start for start, _ in _ads.regex_trigger_spans(doc, view, tid)]
            for start in starts:
                index = _ads.block_at(doc, view.to_original(start, start + 1)[0])
                if index is not None:
                    found.setdefault(index, set()).add(tid)
        out = {i: [r for tid in sorted(tids) for r in self.by_trigger[tid]] + self.always
               for i, tids in found.items()}
        if self.always:
            for i in range(len(doc.blocks)):
                out.setdefault(i, list(self.always))
        return out

    def _block(self, doc: Document, view: NormalizedText, index: int, rules: list[Rule]) -> list[Span]:
        text, block = doc.text, doc.blocks[index]
        n_start, n_end = view.from_original(block.start), view.from_original(block.end)
        by_reason: dict[str, list[Rule]] = {}
        for rule in rules:
            by_reason.setdefault(_ads.reason_of(rule), []).append(rule)
        low = view.text[n_start:n_end]
        whole = _ads.Fragment(block.start, block.end, "block")
        for reason, check in self.line_checks.items():
            for rule in by_reason.get(reason, ()):
                if reason == "ad.other.keywords":  # also a list glued after the paragraph
                    m = self.patterns[rule.id].search(view.text, n_start, n_end)
                else:
                    m = self.patterns[rule.id].match(view.text, n_start, n_end)
                if m is None or not check(low if m.start() == n_start else view.text[m.start() : n_end]):
                    continue
                frag: _ads.Fragment | None = whole
                if reason == "ad.other.keywords":  # a sentence glued after the list stays
                    frag = _ads.keyword_list(text, block, *view.to_original(m.start(), m.end()))
                if frag is not None:
                    return [self._span(text, frag, reason, rule.score, {"rule": rule.id})]
        out: list[Span] = []
        for rule in by_reason.get("ad.other.script", ()):
            for sm in self.patterns[rule.id].finditer(text, block.start, block.end):
                frag = _ads.reach(text, block, sm.start(), sm.end(), [], 0)
                out.append(self._span(text, frag, "ad.other.script", rule.score, {"rule": rule.id}))
        for rule in by_reason.get("ad.other.glued_query", ()):
            m = self.patterns[rule.id].match(view.text, n_start, n_end)
            if m and not self._medical(m.group(0)):
                _o_start, o_end = view.to_original(m.start(), m.end())
                frag = _ads.Fragment(block.start, o_end, "front")
                out.append(self._span(text, frag, "ad.other.glued_query", rule.score,
                                      {"rule": rule.id, "query": m.group(0)}))
        for rule in by_reason.get("ad.other.shop_line", ()):
            glued = self._glued_shop(doc, view, index, rule)
            if glued is not None:
                out.append(glued)
        for rule in by_reason.get("ad.other.url_splice", ()):
            out.extend(self._url_splices(text, block, rule))
        for rule in by_reason.get("ad.other.token_splice", ()):
            for m in self.patterns[rule.id].finditer(text, block.start, block.end):
                if switch_share(m.group(0)) < TOKEN_MIN_SWITCH_SHARE:
                    continue
                frag = _ads.Fragment(m.start(), m.end(), "front" if m.start() == block.start else "inside")
                out.append(self._span(text, frag, "ad.other.token_splice", rule.score,
                                      {"rule": rule.id, "token": m.group(0)}))
        contacts = by_reason.get("ad.other.contact", ())
        sells = contacts and self.selling.search(low) is not None
        if contacts and (sells or self._contact_line(doc, view, low, contacts)):
            found = [m for r in contacts if (m := self.patterns[r.id].search(view.text, n_start, n_end))
                     and not self._public(view.text, n_start, n_end, m)]
            if found:
                first = min(found, key=lambda m: m.start())
                rule = next(r for r in contacts if self.patterns[r.id] is first.re)
                out.append(self._contact_span(doc, view, block, first, rule))
        return out

    def _glued_shop(self, doc: Document, view: NormalizedText, index: int, rule: Rule) -> Span | None:
        """A shop ad glued to the front or end of a paragraph, ending in its own URL
        (`原装正品 仅售99元 全国包邮 http://…近期，城区…`): at most ``SHOP_AD_MAX`` characters with two
        shop words and no sentence end, then the URL; the paragraph stays."""
        text, block = doc.text, doc.blocks[index]
        for u_start, u_end, _ in _ads.block_urls(doc, view).get(index, ()):
            stops = [m.end() for m in _SENTENCE_END.finditer(text, block.start, u_start)]
            start = stops[-1] if stops else block.start
            while start < u_start and text[start] in _ads.GLUE:
                start += 1
            head = text[start:u_start].lower()
            if not 0 < u_start - start <= SHOP_AD_MAX or len(set(self.shop_words.findall(head))) < 2:
                continue
            frag = _ads.reach(text, block, start, u_end, [], 0)
            if frag.where in ("front", "end"):  # a line of its own is the line rule's
                return self._span(text, frag, "ad.other.shop_line", rule.score, {"rule": rule.id})
        return None

    def _contact_line(self, doc: Document, view: NormalizedText, low: str, contacts: list[Rule]) -> bool:
        """A short line that is only a contact (`咨询热线：400-123-4567`) on a page that sells
        elsewhere: the page's own ad. On a page that sells nothing (a notice) the line stays."""
        if len(low) > CONTACT_LINE_MAX_CHARS or _COMMERCIAL_CONTACT.search(low) is None:
            return False
        rest = low
        for rule in contacts:
            rest = self.patterns[rule.id].sub("", rest)
        if not _ads.is_leftover(_CONTACT_KEYS.sub("", rest)):
            return False
        selling = doc.cache.get(PAGE_SELLING)
        if not isinstance(selling, int):
            selling = len({m.group(0) for m in self.selling.finditer(view.text)})
            doc.cache[PAGE_SELLING] = selling
        return selling >= PAGE_SELLING_MIN

    def _public(self, text: str, start: int, end: int, m: re.Match[str]) -> bool:
        """Is the contact's sentence a public body's (`举报电话`, `求助热线`)?"""
        a = max((e.end() for e in _SENTENCE_END.finditer(text, start, m.start())), default=start)
        b = _SENTENCE_END.search(text, m.end(), end)
        return self.public.search(text, a, b.start() if b else end) is not None

    def _url_splices(self, text: str, block: Block, rule: Rule) -> list[Span]:
        out = []
        for m in self.patterns[rule.id].finditer(text, block.start, block.end):
            window = text[max(block.start, m.start() - INTRO_WINDOW) : m.start()].lower()
            if any(w in window for w in self.intro) or window.endswith((":", "：", "(", "（", "《")):
                continue
            if _ads.PUBLIC_HOST.search(m.group(0)):  # cited, not spliced
                continue
            frag = _ads.Fragment(m.start(), m.end(), "inside")
            out.append(self._span(text, frag, "ad.other.url_splice", rule.score,
                                  {"rule": rule.id, "url": m.group(0)}))
        return out

    def _contact_span(self, doc: Document, view: NormalizedText, block: Block, m: re.Match[str],
                      rule: Rule) -> Span:
        """The contact's sentence, the selling sentences right before it, and what follows to the end."""
        text = doc.text
        o_start, o_end = view.to_original(m.start(), m.end())
        # sentences of the block, in original offsets
        bounds = [block.start]
        for s in _SENTENCE_END.finditer(text, block.start, block.end):
            bounds.append(s.end())
        bounds.append(block.end)
        sentences = [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
        idx = next(i for i, (a, b) in enumerate(sentences) if a <= o_start < b or b == block.end)
        first = idx
        while first > 0:
            a, b = sentences[first - 1]
            if self.selling.search(text[a:b].lower()) is not None:
                first -= 1
            else:
                break
        start = sentences[first][0]
        end = sentences[idx][1]
        # a sentence glued on right after the number (`…电话：13900001234近期，城区…。`) is not the ad's
        glued = _GLUED_PROSE.match(text, o_end, end)
        if glued is not None and self.selling.search(text[o_end:end].lower()) is None:
            end = glued.start(1)
        # numbers and other contacts after it (`热线：138… 138…`, `… QQ：123456`) go with it
        tail = text[end:block.end]
        if _ads.is_leftover(tail) or re.fullmatch(r"[\s\d\-+/、,，]*", tail) or self._only_contacts(tail):
            end = block.end
        where = "front" if start == block.start else "inside"
        if end == block.end:
            where = "block" if start == block.start else "end"
        frag = _ads.Fragment(start, end, where)
        ev = {"rule": rule.id, "contact": text[o_start:o_end]}
        return self._span(text, frag, "ad.other.contact", rule.score, ev)

    def _only_contacts(self, tail: str) -> bool:
        """Is ``tail`` nothing but more contacts (`QQ：123456 微信：abc123`)?"""
        low = tail.lower()
        for rules in self.by_trigger.values():
            for rule in rules:
                if _ads.reason_of(rule) == "ad.other.contact":
                    low = self.patterns[rule.id].sub("", low)
        return _ads.is_leftover(low)

    def _span(
        self, text: str, frag: _ads.Fragment, reason: str, conf: float, ev: Mapping[str, object]
    ) -> Span:
        return Span(
            label=LABEL,
            reason=reason,
            start=frag.start,
            end=frag.end,
            text=text[frag.start : frag.end],
            confidence=round(conf, 3),
            evidence={**ev, "placement": frag.where},
        )
