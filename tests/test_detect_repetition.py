"""Page repetition statistics (detectors/repetition.py, weighed in score.py): scraped salad that pastes the
same sentences into several paragraphs is measured as repetitive; an article is not; repetition alone
rejects nothing.

The pages are written for these tests (newsieve's own text), after the shape of salad pages of the Common
Crawl sample; none is copied.
"""

from __future__ import annotations

from _ads_docs import doc_of, rules

from newsieve.filters import FilterConfig, clean
from newsieve.filters.detectors.repetition import SIGNAL_KEY, RepetitionDetector, page_stats

A = "那年冬天，小镇上的人都去城里打工了，只有老张留下来守着他的修鞋摊。"
B = "根据用户反映，平台押金迟迟不能退还，客服电话也一直打不通，不少人选择了投诉。"
C = "这次展会吸引了来自全国各地的三百多家企业参展，成交额比去年增长了两成。"
SALAD = [
    "设备维修配件",
    A + B,
    "某地一货车侧翻",
    B + C,
    C + A,
    "年度十大新闻揭晓",
    A + C,
]
ARTICLE = [
    "市区新增三处口袋公园",
    "今年以来，市园林局利用街角空地和拆违腾出的土地，新建了三处口袋公园，面积共一万多平方米。",
    "公园里种植了银杏、樱花等树木，设置了健身步道和儿童游乐设施，附近居民步行几分钟就能到达。",
    "园林局负责人介绍，明年还将新建五处口袋公园，并对已有公园的照明和座椅进行改造。",
]


def test_recombined_sentences_are_repetitive() -> None:
    doc = doc_of(*SALAD)
    RepetitionDetector(rules(), FilterConfig()).detect(doc)
    sig = doc.cache["page_signals"][SIGNAL_KEY]
    assert sig["repeated_sentences"] == 3
    assert sig["dup_sentence_frac"] == 1.0


def test_an_article_is_not_repetitive() -> None:
    stats = page_stats(doc_of(*ARTICLE))
    assert stats["repeated_sentences"] == 0
    assert stats["dup_sentence_frac"] == 0.0
    assert stats["dup_line_frac"] == 0.0


def test_repeated_lines_are_counted() -> None:
    stats = page_stats(doc_of(ARTICLE[1], ARTICLE[2], ARTICLE[1], ARTICLE[1]))
    assert stats["dup_line_frac"] == 0.5


def test_stats_are_computed_once() -> None:
    doc = doc_of(*ARTICLE)
    assert page_stats(doc) is page_stats(doc)


def test_salad_is_reviewed_not_rejected() -> None:
    v = clean("\n".join(SALAD), content_type="text/plain")
    assert v.action == "review"
    # its sentences recur in new company: the recombined signal, in place of plain repetition
    assert "page.promotion.signal.recombined" in v.reasons
    assert "page.promotion.signal.repetition" not in v.reasons


def test_repeated_template_sentences_are_plain_repetition() -> None:
    template = "本产品采用优质不锈钢材料，经久耐用，适用于家庭和餐厅厨房使用。"
    page = ["不锈钢厨具系列", "不锈钢汤锅", template, "不锈钢炒锅", template, "不锈钢蒸锅", template]
    assert page_stats_of(page)["recombined"] == 0  # always after a line start: no new company


def test_a_catalogue_repeating_its_template_is_published() -> None:
    template = "本产品采用优质不锈钢材料，经久耐用，适用于家庭和餐厅厨房使用。"
    page = ["不锈钢厨具系列", "不锈钢汤锅", template, "不锈钢炒锅", template, "不锈钢蒸锅", template]
    v = clean("\n".join(page), content_type="text/plain")
    assert page_stats_of(page)["dup_sentence_frac"] == 1.0
    assert v.action == "publish"


def page_stats_of(lines: list[str]) -> dict[str, object]:
    return page_stats(doc_of(*lines[1:]))


def test_salad_recombines_its_sentences() -> None:
    # A, B and C each recur after a different sentence (or at a line start): chained anew on every line
    assert page_stats(doc_of(*SALAD))["recombined"] == 3


def test_a_page_repeated_whole_is_not_recombined() -> None:
    # a bad extraction shows the article twice: every sentence recurs in the same company
    stats = page_stats(doc_of(*ARTICLE, *ARTICLE[1:]))
    assert stats["repeated_sentences"] == 3
    assert stats["recombined"] == 0


def test_a_quoted_sentence_is_not_salad() -> None:
    quote = "我们要让每一位老人都能在家门口吃上热乎饭，这是社区食堂的初心。"
    stats = page_stats(doc_of(ARTICLE[0], ARTICLE[1] + quote, quote, ARTICLE[2]))
    assert stats["recombined"] == 1  # one sentence, quoted again on its own: below RECOMBINED_MIN


def test_every_sentence_end_ends_a_sentence() -> None:
    """Sentences end at `。！？!?；;` and at line ends (split with str.replace and str.split)."""
    sentence = "这次展会吸引了来自全国各地的三百多家企业参展成交额比去年增长了两成"
    stats = page_stats(doc_of("".join(sentence + end for end in "。！？!?；;"), sentence))
    assert stats["sentences"] == 8
    assert stats["repeated_sentences"] == 1
    assert stats["dup_sentence_frac"] == 1.0


def test_article_lines_are_the_stripped_article_blocks() -> None:
    from newsieve.filters.detectors.repetition import article_lines

    doc = doc_of(" 第一行 ", "", "  ", "第二行")
    lines, body = article_lines(doc)
    assert lines == ["第一行", "第二行"]
    assert body == "第一行\n第二行"
    assert article_lines(doc)[0] is lines
