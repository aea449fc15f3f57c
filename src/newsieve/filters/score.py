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
    page.promotion.other       the page sells something else, is a keyword landing page or scraped
                               salad: its promotion score is at least PROMO_REJECT (reject)
    page.promotion.suspect     promotion score at least PROMO_REVIEW (review)
    page.promotion.signal.*    the promotion signals that fired (``cta``, ``form``, ``echo``, ``money``,
                               ``repetition``, ``recombined``, ``fake_fields``, ``stamped``...),
                               after the reason they support
    page.health_seo            disease-dense page that reads like news: not sure (review)
    page.ad_heavy              several ads, or ads left inside sentences (review)
    span.low_confidence        a removal below review_confidence (review)
    page.large_removal         over LARGE_REMOVAL of the text removed (review)
    page.cleaned               injected parts removed, the rest is news (publish)
    page.clean                 nothing removed (publish)

The detectors leave page-level signals in ``doc.cache["page_signals"]`` (see
``detectors/_ads.py``); this module reads them, the spans and the page statistics of
``detectors/repetition.page_stats`` (computed once per document), nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._text import count_cjk
from .base import FilterConfig
from .detectors.repetition import page_stats
from .types import Action, Document, Flag, Span

__all__ = ["promotion_score", "score"]

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

# Marks of a news report. Strong: a reporter or a news agency; such a page is news however dense
# in disease names it is (the fixture `ads/hospital_news.txt`). Weak: a date, an event day.
# A health authority's notice is no hospital's SEO either (`市卫生健康局关于开展癫痫日宣传的通知`).
_NEWS_STRONG = re.compile(
    r"记者|通讯员|本报讯|日电|新华社|中新网|人民网|央视网|新闻网讯|"
    r"卫健委|卫生健康委|卫生健康局|疾病预防控制中心|疾控中心|人民政府|新闻发布会"
)
_NEWS_WEAK = re.compile(r"\d{1,2}月\d{1,2}日|日上午|日下午|日晚|发布会|据悉|据了解|报道|据.{1,12}消息")

# -- promotion of anything else (detectors/promotion.py counts the signals; these weigh them) --------
# Each weight is what one signal adds to the page's promotion score; PROMO_REJECT rejects, PROMO_REVIEW
# reviews. No single signal reaches PROMO_REVIEW's double: it takes two independent kinds of evidence
# (what the page offers, how it was assembled) to reject. Cases: the spam_page documents of the even half
# of the Common Crawl sample (cc-06 a training course, cc-10 a licence transfer over scraped sentences,
# cc-38 and cc-44 keyword landing pages); none of the 102 real articles of zh-web-content-extraction and
# gne-test-pages, nor the dev set's pages, may reach PROMO_REJECT.
PROMO_REJECT = 0.8
PROMO_REVIEW = 0.45
# The title is a search query (`那里可以学习做蛋糕`, cc-38): news titles state, they do not ask where to buy.
W_TITLE_QUERY = 0.35
# The title offers a trade (`资质转让` cc-10, `培训课程` cc-06, `许可证办理资料` cc-44); news can name one.
W_TITLE_TRADE = 0.25
# A keyword-stuffed <title> (`A_B(C)_D_D`, issue 2): three segments or more, one repeated.
W_TITLE_STUFFED = 0.35
# Calls to action (`在线报名`, `免费试听`, `欢迎来电`): one may be quoted in news, two sell.
W_CTA_ONE = 0.25
W_CTA_MANY = 0.45
CTA_MANY = 2
# Two sign-up form fields left empty (`姓名：` `手机：`): a form, never news.
W_FORM = 0.45
FORM_MIN = 2
# A company or school introducing itself (`是一家集…为一体的IT培训机构`, cc-06): business news quotes this.
W_SELF_INTRO = 0.2
# Terms of an offer, distinct (`零基础` `课时` `全日制` `晚间班`, cc-06: 6 of them).
W_OFFER = 0.3
OFFER_MIN = 3
# ...five or more (a course or price list: cc-06 lists six) is the page's own offer.
W_OFFER_MANY = 0.45
OFFER_MANY = 5
# A money-making or franchise word (`赚钱`, `加盟`) repeated: at least MONEY_MIN times and MONEY_DENSITY
# per 1000 Chinese characters. The real articles of zh-web-content-extraction and gne-test-pages repeat none
# of these words MONEY_MIN times (their dense words are `投资`, `报名`, `价格`, which the rule leaves out).
W_MONEY = 0.35
MONEY_MIN = 5
MONEY_DENSITY = 10.0
# Gopher's repetition rule (Rae et al. 2021, dup_para_char_frac 0.2; FineWeb-2 keeps Gopher's repetition
# filter for Mandarin): this share of the long sentences' characters in sentences said twice or more, at
# least REPETITION_MIN of them. Salad recombines the same sentences; of the 168 real articles of the
# extraction sets none reaches it once code lines are left out. Weak: a catalogue repeats its template
# sentences, and a page repeating itself is often only a bad extraction, so it never rejects alone.
W_REPETITION = 0.2
REPETITION_FRAC = 0.2
REPETITION_MIN = 2
# A phone, QQ or WeChat number: news prints hotlines, so it only adds to an offer or a call to action.
W_CONTACT = 0.2
# The other-ads detector removed SEO query lines (`…速成中心哪家好`, cc-38) from the page.
W_QUERY_LINES = 0.2
_QUERY_REASONS = frozenset({"ad.other.query_line", "ad.other.glued_query", "ad.other.keyword_lead"})
# A random ASCII token glued to Chinese text (`ls6utgDbOeKZnI6L技术`, cc-10).
W_RANDOM_TOKEN = 0.35
# Sentence pieces pasted end to start (`结合实际。，着力`, cc-10).
W_COLLISION = 0.1
# The title's keyword in most of a list of short lines (cc-38: `蛋糕` in 11 of 12 lines, cc-44:
# `安全生产许可证` in 26 of 28): a page assembled from other pages' titles around a search keyword.
W_ECHO = 0.45
ECHO_MIN_LINES = 6
ECHO_MIN_SHARE = 0.5
# A bare URL line whose path is a Chinese keyword (cc-38, cc-44 print their own): weak alone
# (Wikipedia's URLs are Chinese too).
W_KEYWORD_URL = 0.2
# A title sharing almost none of its character pairs with a long body (cc-10: a licence transfer over
# text on urbanisation): the title was put on text scraped from elsewhere.
W_TITLE_UNRELATED = 0.25
TITLE_UNRELATED_OVERLAP = 0.15
TITLE_UNRELATED_MIN_BODY = 200
# ...and only for a title of this many character pairs: a menu word taken for the title (`列表`, cc-14)
# has too few to judge.
TITLE_UNRELATED_MIN_PAIRS = 4
# Salad recombining its sentences (repetition.page_stats ``recombined``): at least RECOMBINED_MIN repeated
# sentences each found after two different sentences (cc-07 of the Common Crawl sample: 7). Of the real
# pages of zh-web-content-extraction, gne-test-pages, mozilla-readability-zh, scrapinghub-aeb (as HTML,
# flattened and gold text), the sample's non-spam pages and the dev set, none has more than 1 (a sentence
# the article quotes again). How the page was assembled, not what it sells: never rejects alone. It takes
# the place of the weaker repetition signal (recombined sentences are repeated ones), not added to it.
W_RECOMBINED = 0.4
RECOMBINED_MIN = 3
# Contact fields of a template filled with words (`Phone : 来电显示器` `Email : 库存医药用品`, cc-07): a
# keyword spinner filled the page. Two distinct fields (one could be a note in an odd place); none of the
# real pages above has one.
W_FAKE_FIELDS = 0.45
FAKE_FIELDS_MIN = 2
# The site stamps a trade keyword on its titles (`抖音账号购买_<title>`, `<title>_买抖音号` on the previous/
# next links, cc-29): at least STAMPED_MIN distinct titles on the page. The site sells; with a trade in the
# page's own title (title_trade) that rejects. None of the real pages above has one such title.
W_STAMPED = 0.55
STAMPED_MIN = 3
# A reporter, a news agency or an authority on the page takes this off the promotion score...
NEWS_DISCOUNT = 0.3
# ...but not off the marks of scraped salad: salad is pasted from news, `记者` and all (cc-07 quotes
# `记者询问用户反映…`), so a news marker says nothing about how the page was assembled.
_ASSEMBLY = frozenset({"recombined", "fake_fields", "random_token", "collision"})

SCORES: Mapping[str, float] = {
    "page.promotion.medical": 0.95,
    "page.gambling": 0.95,
    "page.promotion.other": 0.9,
    "page.promotion.suspect": 0.5,
    "page.health_seo": 0.6,
    "page.ad_heavy": 0.5,
}
"""spam_score given by each page-level signal (the highest one wins)."""


def _article_cjk(doc: Document) -> int:
    """Chinese characters of the article blocks (counted once, in ``detectors/repetition.page_stats``)."""
    return int(page_stats(doc)["cjk"]) or count_cjk(doc.text)


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
    if not union:  # most pages: no span of the prefix (no gambling), no pass over the blocks
        return 0
    # one walk of the blocks and the ranges side by side, both in text order (as in
    # pipeline._cleaned_blocks), not every range for every block (score 10.1 -> 9.2 us a page on
    # bench_filters' pages)
    total = i = 0
    n = len(union)
    for block in doc.blocks:
        b_start, b_end = block.start, block.end
        while i < n and union[i][1] <= b_start:
            i += 1
        if i == n:
            break
        if union[i][0] >= b_end or block.kind in ("tail", "title"):  # removals there are not article text
            continue
        j = i
        while j < n and union[j][0] < b_end:
            start, end = union[j]
            total += count_cjk(doc.text[max(start, b_start) : min(end, b_end)])
            j += 1
    return total


def _article_blocks(doc: Document) -> int:
    """Article (non-tail, non-title) blocks, at least 1."""
    return sum(1 for b in doc.blocks if b.kind not in ("tail", "title")) or 1


def _signals(doc: Document) -> dict[str, dict[str, Any]]:
    raw = doc.cache.get("page_signals")
    return raw if isinstance(raw, dict) else {}


def _medical(doc: Document, spans: Sequence[Span], chars: int) -> list[str]:
    sig = _signals(doc).get("ad.medical", {})
    claims = sum(1 for s in spans if s.reason == "ad.medical.claim")
    if sig.get("title_hospital") or claims >= PROMO_CLAIMS:
        return ["page.promotion.medical"]
    mentions = int(sig.get("core_mentions", 0))
    dense = (
        mentions >= SEO_MIN_MENTIONS
        and mentions * 1000 / max(chars, 1) >= SEO_DENSITY
        and int(sig.get("mention_blocks", 0)) >= SEO_BLOCK_SHARE * _article_blocks(doc)
    )
    if dense and not _NEWS_STRONG.search(doc.text):
        return ["page.health_seo"] if _NEWS_WEAK.search(doc.text) else ["page.promotion.medical"]
    if int(sig.get("unremoved_hits", 0)) >= SUSPECT_UNREMOVED:
        return ["page.ad_heavy"]
    return []


def promotion_score(doc: Document, spans: Sequence[Span] = ()) -> tuple[float, list[str]]:
    """The page's promotion score from the signals of ``detectors/promotion.py`` (and the SEO query
    lines the other-ads detector removed), and the signals that fired (``page.promotion.signal.<name>``)."""
    sig = _signals(doc).get("page.promotion", {})
    if not sig:
        return 0.0, []
    weights: list[tuple[str, float]] = []
    if int(sig.get("contact", 0)):
        weights.append(("contact", W_CONTACT))
    if any(s.reason in _QUERY_REASONS for s in spans):
        weights.append(("query_lines", W_QUERY_LINES))
    if sig.get("title_query"):
        weights.append(("title_query", W_TITLE_QUERY))
    if sig.get("title_trade"):
        weights.append(("title_trade", W_TITLE_TRADE))
    if sig.get("title_stuffed"):
        weights.append(("title_stuffed", W_TITLE_STUFFED))
    cta = int(sig.get("cta", 0))
    if cta:
        weights.append(("cta", W_CTA_MANY if cta >= CTA_MANY else W_CTA_ONE))
    if int(sig.get("form", 0)) >= FORM_MIN:
        weights.append(("form", W_FORM))
    if int(sig.get("self_intro", 0)):
        weights.append(("self_intro", W_SELF_INTRO))
    offer = int(sig.get("offer", 0))
    if offer >= OFFER_MIN:
        weights.append(("offer", W_OFFER_MANY if offer >= OFFER_MANY else W_OFFER))
    money = int(sig.get("money_count", 0))
    if money >= MONEY_MIN and money * 1000 / max(int(sig.get("body_cjk", 0)), 1) >= MONEY_DENSITY:
        weights.append(("money", W_MONEY))
    rep = _signals(doc).get("page.repetition", {})
    if int(rep.get("recombined", 0)) >= RECOMBINED_MIN:
        weights.append(("recombined", W_RECOMBINED))  # the stronger form of repetition, in its place
    elif (
        float(rep.get("dup_sentence_frac", 0.0)) >= REPETITION_FRAC
        and int(rep.get("repeated_sentences", 0)) >= REPETITION_MIN
    ):
        weights.append(("repetition", W_REPETITION))
    if int(sig.get("fake_fields", 0)) >= FAKE_FIELDS_MIN:
        weights.append(("fake_fields", W_FAKE_FIELDS))
    if int(sig.get("stamped", 0)) >= STAMPED_MIN:
        weights.append(("stamped", W_STAMPED))
    if int(sig.get("random_token", 0)):
        weights.append(("random_token", W_RANDOM_TOKEN))
    if int(sig.get("collision", 0)):
        weights.append(("collision", W_COLLISION))
    if int(sig.get("echo_lines", 0)) >= ECHO_MIN_LINES and float(sig.get("echo_share", 0)) >= ECHO_MIN_SHARE:
        weights.append(("echo", W_ECHO))
    if sig.get("keyword_url"):
        weights.append(("keyword_url", W_KEYWORD_URL))
    if (
        float(sig.get("title_overlap", 1.0)) < TITLE_UNRELATED_OVERLAP
        and int(sig.get("body_cjk", 0)) >= TITLE_UNRELATED_MIN_BODY
        and int(sig.get("title_pairs", 0)) >= TITLE_UNRELATED_MIN_PAIRS
    ):
        weights.append(("title_unrelated", W_TITLE_UNRELATED))
    offered: float = sum(w for name, w in weights if name not in _ASSEMBLY)
    if offered and _NEWS_STRONG.search(doc.text):
        offered = max(0.0, offered - NEWS_DISCOUNT)
    total: float = offered + sum(w for name, w in weights if name in _ASSEMBLY)
    return max(0.0, min(1.0, total)), [f"page.promotion.signal.{name}" for name, _ in weights]


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
    gambling = _covered(doc, spans, "ad.gambling")
    # some gambling text is needed: a page with no Chinese text (chars == 0) is not gambling for that
    # (every English page of scrapinghub-aeb was rejected as page.gambling before this check)
    if gambling and gambling >= GAMBLING_SHARE * chars:
        reasons.append("page.gambling")
    promo, promo_signals = promotion_score(doc, spans)
    if promo >= PROMO_REJECT:
        reasons += ["page.promotion.other", *promo_signals]
    elif promo >= PROMO_REVIEW:
        reasons += ["page.promotion.suspect", *promo_signals]
    ads = [s for s in spans if s.label.startswith("ad.")]
    spam = min(AD_SPAN_CAP, AD_SPAN_WEIGHT * len(ads))
    for reason in reasons:
        spam = max(spam, SCORES.get(reason, 0.0))
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
