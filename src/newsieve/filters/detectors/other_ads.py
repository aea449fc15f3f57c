"""``ad.other``: SEO keyword lines, spliced spam URLs, selling contacts, glued product queries.

- ``ad.other.keywords``: a content farm's `本文关键词：…` line (when it holds a gambling brand
  the gambling detector claims it instead);
- ``ad.other.url_splice``: a domain glued between two Chinese characters with nothing that
  introduces it (`…资源配置www.hediaode.cn，以为员工…`): only the domain goes;
- ``ad.other.contact``: a phone, QQ or WeChat number in a block that sells (`厂家`, `批发`,
  `欢迎来电`): the number's sentence and the selling sentences right before it go;
- ``ad.other.glued_query``: `X哪家好` glued to the front of a paragraph with no punctuation;
- ``ad.other.query_line``: a line that is only an SEO query (`…速成中心哪家好`, no question mark);
- ``ad.other.keyword_lead``: a `导读：`/`摘要：` line holding a bare keyword, not a sentence;
- ``ad.other.script``: script text leaked into the page text (`document.writeln('…')`).

Precision first: a contact without sales words (`举报电话：12345`), a URL that the text
introduces (`登录www.gov.cn查询`) and a tag line of a news site stay.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

from ..base import FilterConfig, Finding
from ..normalize import NormalizedText, merged_variants, normalized_view
from ..rules import Rule, Rules
from ..types import Block, Document, Span
from . import _ads

LABEL = "ad.other"

PHONE = r"(?:400-?\d{3}-?\d{4}|0\d{2,3}-?\d{7,8}|1[3-9]\d{9})"
# Characters before a spliced domain that are searched for a word introducing it (`登录`, `网址：`,
# `中国政府网www.gov.cn`).
INTRO_WINDOW = 8
# Domains of public bodies are cited, not spliced.
_PUBLIC_DOMAIN = re.compile(r"\.(?:gov|edu|org|ac)(?:\.cn)?$|\.gov\.|\.edu\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。！？!?；;]")


class OtherAdDetector:
    name = "ad-other"
    version = "1"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.config = config
        self.variants = merged_variants(lex.variants for lex in rules.lexicons.values())
        self.rules: dict[str, tuple[Rule, re.Pattern[str]]] = {
            r.id: (r, _ads.expand(r, {"phone": PHONE})) for r in rules.by_label(LABEL)
        }
        self.selling = tuple(rules.words("ad.other.selling"))
        self.intro = tuple(rules.words("ad.other.url_introducers"))
        self.medical_words = tuple(rules.words("ad.diseases")) if "ad.diseases" in rules.lexicons else ()
        self.gambling_words = tuple(
            w.lower() for lex in ("ad.gambling.brands", "ad.gambling.ambiguous") if lex in rules.lexicons
            for w in rules.words(lex)
        )

    def detect(self, doc: Document) -> list[Finding]:
        view = normalized_view(doc, self.variants)
        out: list[Finding] = []
        for block in doc.blocks:
            if block.kind == "title" or block.end <= block.start:
                continue
            out.extend(self._block(doc, view, block))
        return out

    def _medical(self, low: str) -> bool:
        """A hospital or disease query: the medical detector's, not ours."""
        return "医院" in low or any(w in low for w in self.medical_words)

    def _rule(self, rule_id: str) -> tuple[Rule, re.Pattern[str]] | None:
        return self.rules.get(rule_id)

    def _block(self, doc: Document, view: NormalizedText, block: Block) -> list[Span]:
        text = doc.text
        n_start, n_end = view.from_original(block.start), view.from_original(block.end)
        whole = _ads.Fragment(block.start, block.end, "block")
        out: list[Span] = []
        kw = self._rule("ad.other.keywords")
        if kw and kw[1].match(view.text, n_start, n_end):
            low = view.text[n_start:n_end]
            if not any(w in low for w in self.gambling_words):
                return [self._span(text, whole, "ad.other.keywords", kw[0].score, {"rule": kw[0].id})]
        line = self._rule("ad.other.query_line")
        if line and line[1].match(view.text, n_start, n_end) and not self._medical(view.text[n_start:n_end]):
            return [self._span(text, whole, "ad.other.query_line", line[0].score, {"rule": line[0].id})]
        lead = self._rule("ad.other.keyword_lead")
        if lead and lead[1].match(view.text, n_start, n_end):
            return [self._span(text, whole, "ad.other.keyword_lead", lead[0].score, {"rule": lead[0].id})]
        script = self._rule("ad.other.script")
        if script:
            for sm in script[1].finditer(text, block.start, block.end):
                frag = _ads.reach(text, block, sm.start(), sm.end(), [], 0)
                out.append(self._span(text, frag, "ad.other.script", script[0].score, {"rule": script[0].id}))
        glued = self._rule("ad.other.glued_query")
        if glued:
            m = glued[1].match(view.text, n_start, n_end)
            if m and not self._medical(m.group(0)):
                _o_start, o_end = view.to_original(m.start(), m.end())
                frag = _ads.Fragment(block.start, o_end, "front")
                out.append(self._span(text, frag, "ad.other.glued_query", glued[0].score,
                                      {"rule": glued[0].id, "query": m.group(0)}))
        url = self._rule("ad.other.url_splice")
        if url:
            for m in url[1].finditer(text, block.start, block.end):
                window = text[max(block.start, m.start() - INTRO_WINDOW) : m.start()].lower()
                if any(w in window for w in self.intro) or window.endswith((":", "：", "(", "（", "《")):
                    continue
                if _PUBLIC_DOMAIN.search(m.group(0)):
                    continue
                frag = _ads.Fragment(m.start(), m.end(), "inside")
                out.append(self._span(text, frag, "ad.other.url_splice", url[0].score,
                                      {"rule": url[0].id, "url": m.group(0)}))
        contact = self._rule("ad.other.contact")
        if contact:
            block_low = view.text[n_start:n_end]
            if any(w in block_low for w in self.selling):
                found = contact[1].search(view.text, n_start, n_end)
                if found:
                    out.append(self._contact_span(doc, view, block, found, contact[0]))
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
            low = text[a:b]
            if any(w in low for w in self.selling):
                first -= 1
            else:
                break
        start = sentences[first][0]
        end = sentences[idx][1]
        # numbers repeated after the contact (`热线：138… 138…`) go with it
        tail = text[end:block.end]
        if _ads.is_leftover(tail) or re.fullmatch(r"[\s\d\-+/、,，]*", tail):
            end = block.end
        where = "inside"
        if end == block.end:
            where = "block" if start == block.start else "end"
        frag = _ads.Fragment(start, end, where)
        ev = {"rule": rule.id, "contact": text[o_start:o_end]}
        return self._span(text, frag, "ad.other.contact", rule.score, ev)

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
