"""Spam score and action of a verdict.

``spam_score`` in [0, 1] says how much the page is promotion rather than news; ``action``:

- ``reject``: the page itself is promotion: a hospital SEO article (`XX白癜风医院专家指出…`
  throughout, a disease-dense page with no news markers, a specialty hospital in the title) or a
  gambling page (most of its text is gambling). ``spam_score >= config.reject_score``.
- ``review``: uncertain: ``config.review_score <= spam_score < config.reject_score``, a removal
  with a confidence below ``config.review_confidence``, or a large share of the text removed.
- ``publish``: clean news, or news whose injected parts were removed.

``reasons`` are stable ids, most important first:

    page.promotion.medical     the page promotes a hospital (reject)
    page.gambling              the page is gambling (reject)
    page.health_seo            disease-dense page that reads like news: not sure (review)
    page.ad_heavy              several ads, or ads left inside sentences (review)
    span.low_confidence        a removal below review_confidence (review)
    page.large_removal         over LARGE_REMOVAL of the text removed (review)
    page.cleaned               injected parts removed, the rest is news (publish)
    page.clean                 nothing removed (publish)

The detectors leave page-level signals in ``doc.cache["page_signals"]`` (see
``detectors/_ads.py``); this module reads them and the spans, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .base import FilterConfig
from .types import Action, Document, Flag, Span

__all__ = ["score"]

# Each removed ad adds this much: the dev set's injected pages carry one ad and the seed page one,
# so a cleaned page with one to three ads stays under review_score (0.45).
AD_SPAN_WEIGHT = 0.12
# ...up to this much: ads alone never reject a page whose remaining text is news.
AD_SPAN_CAP = 0.4
# A removal of more than this share of the article's characters goes to review: the cleaned text
# may no longer be the article (the dev set's injected pages lose at most 25% of their Chinese
# characters, ads and footers together).
LARGE_REMOVAL = 0.5
# Hospital SEO (the Common Crawl sample's spam_page cc-01, `用什么方法可以降低男性白癜风的发病率呢`):
# at least this many mentions of a specialty-trade disease...
SEO_MIN_MENTIONS = 5
# ...at least this many per 1000 characters (cc-01 has ~9; a news report on a free clinic that
# names the disease twice in 1500 characters has ~1.3)...
SEO_DENSITY = 4.0
# ...in at least this share of the article's blocks.
SEO_BLOCK_SHARE = 0.4
# Expert claims of a specialty hospital on one page that make it the hospital's own article.
PROMO_CLAIMS = 2
# Queries or claims left inside sentences (not removed) that make a page suspect.
SUSPECT_UNREMOVED = 2
# Share of the article's characters removed as gambling that makes it a gambling page.
GAMBLING_SHARE = 0.4

_CJK = re.compile(r"[\u3400-\u9fff]")
# Marks of a news report. Strong: a reporter or a news agency; such a page is news however dense
# in disease names it is (the fixture `ads/hospital_news.txt`). Weak: a date, an event day.
# A health authority's notice is no hospital's SEO either (`市卫生健康局关于开展癫痫日宣传的通知`).
_NEWS_STRONG = re.compile(
    r"记者|通讯员|本报讯|日电|新华社|中新网|人民网|央视网|新闻网讯|"
    r"卫健委|卫生健康委|卫生健康局|疾病预防控制中心|疾控中心|人民政府|新闻发布会"
)
_NEWS_WEAK = re.compile(r"\d{1,2}月\d{1,2}日|日上午|日下午|日晚|发布会|据悉|据了解|报道|据.{1,12}消息")

SCORES: Mapping[str, float] = {
    "page.promotion.medical": 0.95,
    "page.gambling": 0.95,
    "page.health_seo": 0.6,
    "page.ad_heavy": 0.5,
}
"""spam_score given by each page-level signal (the highest one wins)."""


def _cjk(text: str) -> int:
    return len(_CJK.findall(text))


def _article_cjk(doc: Document) -> int:
    return sum(_cjk(b.text) for b in doc.blocks if b.kind not in ("tail", "title")) or _cjk(doc.text)


def _covered(doc: Document, spans: Sequence[Span], label_prefix: str = "") -> int:
    """Chinese characters of article (non-tail) blocks inside the spans whose label starts with the
    prefix. Counting Chinese characters only keeps a long URL removed with an ad from weighing
    like a paragraph."""
    union: list[list[int]] = []
    for start, end in sorted((s.start, s.end) for s in spans if s.label.startswith(label_prefix)):
        if union and start <= union[-1][1]:
            union[-1][1] = max(union[-1][1], end)
        else:
            union.append([start, end])
    total = 0
    for block in doc.blocks:
        if block.kind in ("tail", "title"):  # removals there are not article text
            continue
        for start, end in union:
            if start < block.end and end > block.start:
                total += _cjk(doc.text[max(start, block.start) : min(end, block.end)])
    return total


def _signals(doc: Document) -> dict[str, dict[str, Any]]:
    raw = doc.cache.get("page_signals")
    return raw if isinstance(raw, dict) else {}


def _medical(doc: Document, spans: Sequence[Span], chars: int) -> list[str]:
    sig = _signals(doc).get("ad.medical", {})
    claims = sum(1 for s in spans if s.reason == "ad.medical.claim")
    if sig.get("title_hospital") or claims >= PROMO_CLAIMS:
        return ["page.promotion.medical"]
    mentions = int(sig.get("core_mentions", 0))
    article_blocks = sum(1 for b in doc.blocks if b.kind not in ("tail", "title")) or 1
    dense = (
        mentions >= SEO_MIN_MENTIONS
        and mentions * 1000 / max(chars, 1) >= SEO_DENSITY
        and int(sig.get("mention_blocks", 0)) >= SEO_BLOCK_SHARE * article_blocks
    )
    if dense and not _NEWS_STRONG.search(doc.text):
        return ["page.health_seo"] if _NEWS_WEAK.search(doc.text) else ["page.promotion.medical"]
    if int(sig.get("unremoved_hits", 0)) >= SUSPECT_UNREMOVED:
        return ["page.ad_heavy"]
    return []


def score(
    doc: Document,
    spans: Sequence[Span],
    flags: Sequence[Flag],
    paragraphs: Sequence[str],
    config: FilterConfig,
) -> tuple[float, Action, list[str]]:
    chars = _article_cjk(doc)
    reasons: list[str] = []
    reasons += _medical(doc, spans, chars)
    if _covered(doc, spans, "ad.gambling") >= GAMBLING_SHARE * chars:
        reasons.append("page.gambling")
    ads = [s for s in spans if s.label.startswith("ad.")]
    spam = min(AD_SPAN_CAP, AD_SPAN_WEIGHT * len(ads))
    for reason in reasons:
        spam = max(spam, SCORES[reason])
    if not paragraphs and ads:  # nothing but ads was left
        spam = max(spam, SCORES["page.ad_heavy"])
        reasons.append("page.ad_heavy")
    spam = min(max(spam, 0.0), 1.0)

    if spam >= config.reject_score:
        return spam, "reject", reasons
    review = spam >= config.review_score
    if any(s.confidence < config.review_confidence for s in spans):
        reasons.append("span.low_confidence")
        review = True
    if spans and _covered(doc, spans) > LARGE_REMOVAL * chars:
        reasons.append("page.large_removal")
        review = True
    if review:
        return spam, "review", reasons
    reasons.append("page.cleaned" if spans else "page.clean")
    return spam, "publish", reasons
