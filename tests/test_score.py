"""spam_score and action: promotion pages are rejected, cleaned news published, doubt reviewed."""

from __future__ import annotations

from pathlib import Path

from _ads_docs import doc_of

from newsieve.filters import FilterConfig, Sieve, Span, clean
from newsieve.filters.score import score

FIXTURES = Path(__file__).parent / "fixtures" / "ads"
NEWS = "目前，全市拥有国家级开发区1家，省级开发区5家，我市在申报省级开发区方面走在了全省前列。"


def _span(doc, start: int, end: int, confidence: float = 0.95, label: str = "ad.medical") -> Span:
    return Span(label, f"{label}.query", start, end, doc.text[start:end], confidence)


def test_hospital_seo_page_is_rejected() -> None:
    v = clean((FIXTURES / "hospital_seo.txt").read_bytes(), content_type="text/plain")
    assert v.action == "reject"
    assert v.reasons[0] == "page.promotion.medical"
    assert v.spam_score >= FilterConfig().reject_score


def test_disease_dense_page_without_a_hospital_is_rejected() -> None:
    lines = ["白癜风患者如何护理"]
    lines += [f"白癜风患者要注意第{n}点，避免白癜风扩散，白癜风的治疗要坚持。" for n in "一二三四"]
    v = clean("\n".join(lines), content_type="text/plain")
    assert (v.action, v.reasons[:1]) == ("reject", ["page.promotion.medical"])


def test_disease_dense_page_with_a_date_goes_to_review() -> None:
    lines = ["白癜风患者如何护理"]
    lines += [f"6月25日，白癜风患者要注意第{n}点，避免白癜风扩散。" for n in "一二三四"]
    v = clean("\n".join(lines), content_type="text/plain")
    assert (v.action, v.reasons[:1]) == ("review", ["page.health_seo"])


def test_health_authority_notice_is_published() -> None:
    lines = ["关于开展国际癫痫关爱日宣传活动的通知"]
    lines += [f"各县区卫生健康局：癫痫关爱第{n}项，癫痫规范诊疗，癫痫防治知识进社区。" for n in "一二三四"]
    v = clean("\n".join(lines), content_type="text/plain")
    assert v.action == "publish" and v.removed == []


def test_hospital_news_is_published() -> None:
    v = clean((FIXTURES / "hospital_news.txt").read_bytes(), content_type="text/plain")
    assert (v.action, v.reasons) == ("publish", ["page.clean"])
    assert v.spam_score == 0


def test_cleaned_news_is_published() -> None:
    v = clean((FIXTURES / "injected_page.txt").read_bytes(), content_type="text/plain")
    assert v.action == "publish" and "page.cleaned" in v.reasons
    assert 0 < v.spam_score < FilterConfig().review_score


def test_gambling_page_is_rejected() -> None:
    lines = ["娱乐平台推荐", "优乐国际ag代理 威尼斯人现金直营 太阳城电玩城手机版 登峰娱乐代理网址",
             "盛世棋牌 bb电子网址 博发游戏最高返水 皇冠国际充值佣金 同升国际客户端",
             "2018太阳集团游戏网址 太阳城上网导航 申博太阳城真人登入 太阳申博登入", "欢迎光临。"]
    v = clean("\n".join(lines), content_type="text/plain")
    assert v.action == "reject" and "page.gambling" in v.reasons


def test_low_confidence_removal_goes_to_review() -> None:
    doc = doc_of(NEWS, "某某某某", NEWS)
    spans = [_span(doc, doc.blocks[1].start, doc.blocks[1].end, confidence=0.5)]
    _spam, action, reasons = score(doc, spans, [], [NEWS, NEWS], FilterConfig())
    assert action == "review" and "span.low_confidence" in reasons
    _, action, _ = score(doc, spans, [], [NEWS, NEWS], FilterConfig(review_confidence=0.4))
    assert action == "publish"


def test_large_removal_goes_to_review() -> None:
    doc = doc_of(NEWS, NEWS, "短句。")
    spans = [_span(doc, doc.blocks[0].start, doc.blocks[1].end)]
    _, action, reasons = score(doc, spans, [], ["短句。"], FilterConfig())
    assert action == "review" and "page.large_removal" in reasons


def test_thresholds_come_from_the_config() -> None:
    sieve = Sieve(FilterConfig(reject_score=0.99))
    v = sieve.clean((FIXTURES / "hospital_seo.txt").read_bytes(), content_type="text/plain")
    assert v.action == "review"
    assert 0 <= v.spam_score <= 1


def test_page_without_chinese_text_is_not_gambling() -> None:
    html = (
        "<html><head><title>City opens three new parks</title></head>"
        "<body><h1>City opens three new parks</h1>"
        "<p>The city opened three small parks on Monday, built on vacant corner lots downtown.</p>"
        "<p>Residents can reach each of them within a few minutes on foot, the parks department said.</p>"
        "</body></html>"
    )
    v = clean(html, content_type="text/html")
    assert "page.gambling" not in v.reasons
    assert v.action == "publish"


def test_covered_counts_the_chinese_characters_of_article_blocks_under_the_spans() -> None:
    from newsieve.filters.score import _covered
    from newsieve.filters.types import Block, Document

    parts = [
        ("标题文字", "title"), ("第一段中文", "p"), ("second 第二段", "p"),
        ("尾部版权所有", "tail"), ("末段文字", "p"),
    ]
    text, blocks = "", []
    for part, kind in parts:
        blocks.append(Block(text=part, start=len(text), end=len(text) + len(part), kind=kind))  # type: ignore[arg-type]
        text += part + "\n"
    doc = Document(text=text, blocks=blocks)

    def brute(ranges: list[tuple[int, int]]) -> int:  # each range against each article block
        return sum(
            sum(1 for i in range(max(s, b.start), min(e, b.end)) if "\u3400" <= text[i] <= "\u9fff")
            for b in blocks if b.kind not in ("tail", "title") for s, e in ranges
        )

    for ranges in ([(0, len(text))], [(2, 8), (7, 12)], [(6, 7), (14, 30)], [(20, 26)], [(0, 1)], [(25, 31)]):
        spans = [Span(label="ad.medical", reason="r", start=s, end=e, text=text[s:e]) for s, e in ranges]
        merged = sorted(ranges)
        union: list[tuple[int, int]] = []
        for s, e in merged:
            if union and s <= union[-1][1]:
                union[-1] = (union[-1][0], max(union[-1][1], e))
            else:
                union.append((s, e))
        assert _covered(doc, spans) == brute(union), ranges
