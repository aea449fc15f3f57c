"""ad.other: SEO keyword lines, spliced spam URLs, selling contacts, glued product queries."""

from __future__ import annotations

import pytest
from _ads_docs import cleaned, doc_of, spans_of

from newsieve.filters.detectors.other_ads import OtherAdDetector

PARA = "凯悦酒店集团今日宣布广州增城凯悦酒店正式启幕迎宾。"


def _other(*lines: str):
    doc = doc_of(*lines)
    return doc, [s for s in spans_of(OtherAdDetector, doc) if s.label == "ad.other"]


def test_seo_keyword_line() -> None:
    line = "本文关键词：法证,先锋,主演,都有,谁,男主"
    _doc, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.keywords", line)]


def test_keyword_line_with_a_gambling_brand_is_left_to_the_gambling_detector() -> None:
    _, spans = _other(PARA, "本文关键词：华体会官网,国科,嘉,和,疫情")
    assert spans == []


def test_spliced_url() -> None:
    line = "凯悦进一步巩固强化现有的操作规程和资源配置www.hediaode.cn，以为员工及客人提供安全无忧的环境。"
    doc, spans = _other(line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.url_splice", "www.hediaode.cn")]
    assert cleaned(doc, spans) == line.replace("www.hediaode.cn", "")


@pytest.mark.parametrize(
    "line",
    [
        "市民可登录www.gov.cn查询办理进度。",
        "相关政策可在中国政府网www.gov.cn查询。",
        "考生须在规定时间内到www.chsi.edu.cn完成学籍核验。",
        "详情请访问官网：www.example.com，了解更多。",
        "举报电话：0351-1234567，欢迎群众监督。",
        "标签：ai, 人工智能, 供应链",
        "北京哪家烤鸭好吃？记者走访了多家老字号。",
    ],
)
def test_real_text_stays(line: str) -> None:
    _, spans = _other(PARA, line)
    assert spans == []


def test_selling_contact_takes_the_pitch() -> None:
    keep = "只有了解了源水，了解了产品，才会给客户带来较高的效率。"
    pitch = ("河南某水处理药剂厂为客户生产供应大批量净水剂，以较合适的价格，促成较长久的合作！"
             "聚丙烯酰胺厂家咨询热线：13838033648 13838033648")
    doc, spans = _other(keep + pitch)
    assert [s.reason for s in spans] == ["ad.other.contact"]
    assert cleaned(doc, spans) == keep
    assert spans[0].evidence["contact"].endswith("13838033648")


def test_glued_product_query() -> None:
    doc, spans = _other("厦门高纯氧哪家好储存于通风库房，远离火种、热源。")
    assert [s.reason for s in spans] == ["ad.other.glued_query"]
    assert cleaned(doc, spans) == "储存于通风库房，远离火种、热源。"


def test_query_line() -> None:
    line = "想学家庭蛋糕烘焙加盟店速成中心哪家好"
    _, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.query_line", line)]
    _, spans = _other(PARA, "北京烤鸭哪家好？")  # a question: may be a subheading
    assert spans == []


def test_leaked_script() -> None:
    keep = "第二，P2P模式获取车源的成本太高，但使用效率却差强人意。"
    doc, spans = _other(keep + "document.writeln('关注创业、电商、站长，扫描微信二维码，定期抽大奖。')")
    assert [s.reason for s in spans] == ["ad.other.script"]
    assert cleaned(doc, spans) == keep
