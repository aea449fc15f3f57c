"""``ad.gambling``: casino and betting brands spliced into text, and gambling keyword lines.

Content-farm repost sites splice a brand with its call into a real sentence
(`据江西省应急管理厅消息：3月11日1时39分，王者威尼斯人现金网网址：宜春市铜鼓县…`): the
fragment goes, the sentence stays. Whole lines of brands (`优乐国际ag代理 威尼斯人现金直营 …`)
and SEO keyword lines holding a brand (`本文关键词：…必威betway中文版…`) go whole.

Precision first: 金沙, 皇冠, 太阳城, 乐虎, 开云 are ordinary words or companies, and news
reports on Macau casinos (威尼斯人, 新葡京, 银河娱乐) and on gambling crackdowns (时时彩,
百家乐). Such ambiguous brands count only with a word that only online gambling puts after
a brand (`官网`, `网址`, `注册`, `手机版`...), or as one of several brands in a keyword line.

A short line of its own holding a brand of either kind, a gambling word (``ad.gambling.ad_line``:
`投注`, `开奖`, `真人`...) and a URL that is not a public body's goes whole too
(`皇冠体育 足球投注 http://www.hg0088.com`); so does one without a brand that names a game
(``ad.gambling.games``: `赌博`, `百家乐`...) and an offer (``ad.gambling.offers``: `注册送`,
`彩金`...): `网上赌博平台 注册送38元 http://…`.

Reasons: ``ad.gambling.splice``, ``ad.gambling.keywords`` (a keyword or brand-list line),
``ad.gambling.ad_line``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from .._match import LiteralScanner
from ..base import FilterConfig, Finding
from ..normalize import NormalizedText, merged_variants, normalized_view
from ..rules import Rule, Rules
from ..types import Document, Span
from . import _ads

LABEL: Final = "ad.gambling"

# Characters between the previous clause boundary and a brand that belong to the splice: the
# Common Crawl sample's `，王者威尼斯人现金网网址：` carries a two-character site prefix.
LEAD_MAX: Final = 2
# A brand-list line splits into at least this many pieces on spaces and commas (the Common
# Crawl sample's lines have 5 to 10).
LIST_PIECES: Final = 3
# Brands (any kind) a brand-list line holds at least, one of them confirmed by an online word.
LIST_BRANDS: Final = 2
# The median piece of a brand-list line is at most this long (the sample's are 4 to 10 characters;
# the clauses of a real sentence split on commas run longer, and a sentence has 。).
LIST_PIECE_CHARS: Final = 12
_PIECES: Final = re.compile(r"[\s,，、;；|/]+")
_SENTENCE: Final = re.compile(r"[。！？!?]")
_CONFIDENCE: Final = {"block": 0.95, "front": 0.9, "end": 0.9, "own": 0.9, "inside": 0.85}
# An ad line is short: its text without the URL at most this long (the lines seen are 8-16).
AD_LINE_MAX: Final = 30


class GamblingDetector:
    name = "ad-gambling"
    version = "5"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.config = config
        self.variants = merged_variants(lex.variants for lex in rules.lexicons.values())
        brands = [w.lower() for w in rules.words("ad.gambling.brands")]
        ambiguous = [w.lower() for w in rules.words("ad.gambling.ambiguous")]
        values = {
            "brands": _ads.alternation(brands),
            "ambiguous": _ads.alternation(ambiguous),
            "online": _ads.alternation(w.lower() for w in rules.words("ad.gambling.online")),
            "suffix": _ads.alternation(w.lower() for w in rules.words("ad.gambling.suffix")),
        }
        self.splice_rules: list[tuple[Rule, re.Pattern[str]]] = []
        self.keyword_rules: list[tuple[Rule, re.Pattern[str]]] = []
        for rule in rules.by_label(LABEL):
            keywords = _ads.reason_of(rule) == "ad.gambling.keywords"
            (self.keyword_rules if keywords else self.splice_rules).append((rule, _ads.expand(rule, values)))
        # brand -> strong (an ambiguous brand is weak, also when the brands list holds it too)
        self.strong: dict[str, bool] = {w: True for w in brands if w}
        self.strong.update((w, False) for w in ambiguous if w)
        self.scanner = LiteralScanner(self.strong)
        self.page_words = _ads.PAGE_WORDS.add(self.strong)  # the page-wide pass, shared with ad.medical
        self.ad_line_words = tuple(w.lower() for w in rules.words("ad.gambling.ad_line"))
        self.games = tuple(w.lower() for w in rules.words("ad.gambling.games"))
        self.offers = tuple(w.lower() for w in rules.words("ad.gambling.offers"))

    def detect(self, doc: Document) -> list[Finding]:
        view = normalized_view(doc, self.variants)
        per_block: dict[int, list[tuple[int, str, bool]]] = {}
        strong = self.strong
        for n_start, word in _ads.PAGE_WORDS.hits(doc, view, self.page_words):
            o_start, _ = view.to_original(n_start, n_start + len(word))
            bi = _ads.block_at(doc, o_start)
            if bi is not None:
                per_block.setdefault(bi, []).append((o_start, word, strong[word]))
        out: list[Finding] = []
        confirmed = 0
        for bi in sorted(per_block):
            spans = self._block(doc, view, bi, per_block[bi])
            confirmed += len(spans)
            out.extend(spans)
        if self.games and self.offers:  # ad lines without a brand
            for bi in sorted(_ads.block_urls(doc, view)):
                block = doc.blocks[bi]
                if bi in per_block or block.kind == "title":
                    continue
                url = self._ad_line_url(doc, view, bi, branded=False)
                if url is not None:
                    whole = _ads.Fragment(block.start, block.end, "block")
                    ev = {"url": url, "rule": "ad.gambling.games"}
                    out.append(self._span(doc.text, whole, "ad.gambling.ad_line", 0.8, ev))
                    confirmed += 1
        sig = _ads.signals(doc, LABEL)
        sig.update(brand_hits=sum(len(v) for v in per_block.values()), spans=confirmed,
                   title_brand=self._title_brand(doc))
        return out

    def _title_brand(self, doc: Document) -> bool:
        for title in (doc.title, doc.meta.get("raw_title", "")):
            low = title.lower() if title else ""
            # every splice hit starts with a brand (tests/test_detect_gambling.py checks it): a title
            # without one (a C scan) is not searched with the rules, which try every position
            # (this detector 25 -> 23 us a page on bench_filters' pages)
            if low and self.scanner.scan(low) and any(p.search(low) for _, p in self.splice_rules):
                return True
        return False

    def _block(
        self, doc: Document, view: NormalizedText, index: int, brands: list[tuple[int, str, bool]]
    ) -> list[Span]:
        text, block = doc.text, doc.blocks[index]
        n_start, n_end = view.from_original(block.start), view.from_original(block.end)
        hits: list[tuple[int, int, str, float]] = []
        for rule, pattern in self.splice_rules:
            for m in pattern.finditer(view.text, n_start, n_end):
                o_start, o_end = view.to_original(m.start(), m.end())
                hits.append((o_start, o_end, rule.id, rule.score))
        whole = _ads.Fragment(block.start, block.end, "block")
        words = sorted({w for _, w, _ in brands})
        leads = (p.search(view.text, n_start, n_end) for _, p in self.keyword_rules)
        lead = next((found for found in leads if found is not None), None)
        if lead is not None:
            # the keyword line (or the list glued after the paragraph), when a brand is in the list;
            # a sentence glued after the list stays
            l_start, l_end = view.to_original(lead.start(), lead.end())
            in_list = any(h[0] >= l_start for h in hits) or any(s and o >= l_start for o, _, s in brands)
            listed = _ads.keyword_list(text, block, l_start, l_end) if in_list else None
            if listed is not None:
                ev = {"brands": words, "rule": "ad.gambling.keywords"}
                return [self._span(text, listed, "ad.gambling.keywords", 0.95, ev)]
        if hits and self._brand_list(text[block.start : block.end].lower()):
            return [self._span(text, whole, "ad.gambling.keywords", 0.9, {"brands": words,
                                                                          "rule": "ad.gambling.list"})]
        spans: list[Span] = []
        for start, end, rule_id, score in sorted(hits):
            if spans and start < spans[-1].end:
                continue
            frag = _ads.reach(text, block, start, end, [], LEAD_MAX)
            if frag.where != "block":  # a brand glued to a paragraph, with its headline and URL
                urls = _ads.block_urls(doc, view).get(index, [])
                frag = _ads.run_on_to_url(text, block, frag, urls, [(s, e) for s, e, _ in urls])
            conf = min(score, _CONFIDENCE[frag.where])
            ev = {"brand": text[start:end].strip(" :："), "rule": rule_id}
            spans.append(self._span(text, frag, "ad.gambling.splice", conf, ev))
        if not spans:
            url = self._ad_line_url(doc, view, index)
            if url is not None:
                ev = {"brands": words, "url": url, "rule": "ad.gambling.ad_line"}
                return [self._span(text, whole, "ad.gambling.ad_line", 0.85, ev)]
        return spans

    def _ad_line_url(
        self, doc: Document, view: NormalizedText, index: int, branded: bool = True
    ) -> str | None:
        """The URL of block ``index`` when the block is a gambling ad line (see the module): short,
        no sentence, a gambling word beside the brand (``branded``; else a game and an offer, and no
        comma), a URL not of a public body."""
        block = doc.blocks[index]
        urls = _ads.block_urls(doc, view).get(index, [])
        if not urls:
            return None
        low = _ads.strip_urls(doc.text[block.start : block.end]).lower()
        if len(low.strip()) > AD_LINE_MAX or _SENTENCE.search(low):
            return None
        if branded and not any(w in low for w in self.ad_line_words):
            return None
        if not branded and (
            "，" in low  # prose: ad lines part their words with spaces
            or not any(w in low for w in self.games)
            or not any(w in low for w in self.offers)
        ):
            return None
        url = urls[0][2]
        return None if _ads.PUBLIC_HOST.search(_ads.url_host(url)) else url

    def _brand_list(self, low: str) -> bool:
        """A line of short pieces (no sentence), at least ``LIST_BRANDS`` of them holding a brand.

        Read on the original text: the normalized view drops the spaces between the pieces."""
        if _SENTENCE.search(low):
            return False
        pieces = [p for p in _PIECES.split(low) if p]
        if len(pieces) < LIST_PIECES or sorted(map(len, pieces))[len(pieces) // 2] > LIST_PIECE_CHARS:
            return False
        with_brand = sum(1 for p in pieces if self.scanner.scan(p))
        return with_brand >= LIST_BRANDS

    def _span(
        self, text: str, frag: _ads.Fragment, reason: str, conf: float, ev: Mapping[str, object]
    ) -> Span:
        ev = {**ev, "placement": frag.where}
        return Span(
            label=LABEL,
            reason=reason,
            start=frag.start,
            end=frag.end,
            text=text[frag.start : frag.end],
            confidence=round(conf, 3),
            evidence=ev,
        )
